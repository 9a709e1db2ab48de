#!/usr/bin/env python3
"""Feature-length planning: OTIO's own read of a generated cut is the baseline for everything we do with it.

A cut of EVENTS events on V1 and A1 (117 minutes at 24 fps for 2,000) with
MARKERS timeline markers, media offline, is written as .otio. Each figure is
timed in this process and printed against the time OpenTimelineIO takes to
read the same file: our read + marker scan (``load``), ``plan``, writing each
output format with one take per range, and ``conform``. Each figure is the
best of three runs; peak memory is the process's maximum resident size after
all of it.

    python benchmarks/bench_plan.py [--events 2000 --markers 500] [--also-large]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
from opentimelineio.opentime import RationalTime as RT
from opentimelineio.opentime import TimeRange as TR

from otio_retake import pipeline
from otio_retake.model import Take
from otio_retake.timeline.alternates import add_alternates
from otio_retake.timeline.conform import conform
from otio_retake.timeline.write import write_timeline

RATE = 24
FEATURE_SECONDS = 117 * 60


def build(folder: Path, events: int, markers: int) -> Path:
    """A cut of ``events`` shots (lengths varying around the feature's average) with ``markers`` 3 s markers."""
    total = FEATURE_SECONDS * RATE * events // 2000
    average = total // events
    tl = otio.schema.Timeline(f"feature {events}", global_start_time=RT(86400, RATE))
    video, audio = otio.schema.Track("V1"), otio.schema.Track("A1", kind=otio.schema.TrackKind.Audio)
    starts = []
    cursor = 0
    for i in range(events):
        frames = average + (i * 37) % (average // 2) - average // 4
        starts.append((cursor, frames))
        for track in (video, audio):
            track.append(otio.schema.Clip(
                f"shot{i:05d}", media_reference=otio.schema.ExternalReference(
                    target_url=f"/offline/reel{i % 40:02d}/shot{i:05d}.mov",
                    available_range=TR(RT(0, RATE), RT(frames + 200, RATE))),
                source_range=TR(RT(100, RATE), RT(frames, RATE))))
        cursor += frames
    tl.tracks.extend([video, audio])
    step = max(1, events // markers)
    for n in range(markers):
        first, frames = starts[min(events - 1, n * step)]
        marker = otio.schema.Marker(f"m{n:04d}", TR(RT(first + 10, RATE), RT(72, RATE)), color="RED")
        marker.comment = f"retake {n}"
        tl.tracks.markers.append(marker)
    path = folder / f"feature_{events}.otio"
    otio.adapters.write_to_file(tl, str(path))
    return path


REPEAT = 3  # each figure is the best of three: a busy machine only ever makes a step slower


def _timed(fn):
    best, value = float("inf"), None
    for _ in range(REPEAT):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return best, value


def _fake_takes(plans, folder: Path) -> list[Take]:
    """One take per range, pointing at a file name (writers need no media)."""
    return [Take(plan=p, path=str(folder / f"{p.range.name}_takeA.mp4"), head=12, tail=12, has_video=True,
                 has_audio=True, metadata={"checks": {}}) for p in plans]


def measure(folder: Path, events: int, markers: int) -> list[tuple[str, float]]:
    path = build(folder, events, markers)
    read_s, _ = _timed(lambda: otio.adapters.read_from_file(str(path)))
    load_s, loaded = _timed(lambda: pipeline.load(path))
    plan_s, plans = _timed(lambda: pipeline.plan(loaded))
    figures = [("OTIO read (baseline)", read_s), ("load + markers", load_s), ("plan", plan_s),
               ("load + plan", load_s + plan_s)]
    alt_s, with_takes = _timed(lambda: add_alternates(loaded.timeline, _fake_takes(plans, folder)))
    figures.append(("add takes", alt_s))
    for suffix in (".otio", ".xml", ".fcpxml", ".edl"):
        out = folder / f"out{suffix}"
        seconds, _ = _timed(lambda: write_timeline(with_takes, out, force=True))
        figures.append((f"write {suffix}", seconds))
    conform_s, _ = _timed(lambda: conform(with_takes, {}, pick_all="A"))
    figures.append(("conform (every range)", conform_s))
    return figures


def report(events: int, markers: int, figures: list[tuple[str, float]]) -> None:
    base = figures[0][1]
    print(f"\n{events} events on V1/A1, {markers} markers (media offline)")
    print(f"{'step':<24}{'seconds':>10}{'x OTIO read':>14}")
    for name, seconds in figures:
        print(f"{name:<24}{seconds:>10.3f}{seconds / base:>14.2f}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--markers", type=int, default=500)
    parser.add_argument("--also-large", action="store_true", help="also 8,000 events / 2,000 markers")
    args = parser.parse_args(argv)
    sizes = [(args.events, args.markers)] + ([(8000, 2000)] if args.also_large else [])
    with tempfile.TemporaryDirectory() as tmp:
        for events, markers in sizes:
            report(events, markers, measure(Path(tmp), events, markers))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory {peak:.0f} MB (this process)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
