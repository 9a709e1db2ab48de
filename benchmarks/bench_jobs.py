#!/usr/bin/env python3
"""Orchestration benchmark: N marked ranges against an emulated host with a fixed job latency.

With C jobs at once and L seconds per job, waiting alone takes
ceil(N / C) * L. But every job also needs CPU on this machine: its excerpt,
its splice, and the emulator's own render of the result (it shares the
cores). That work is measured first, one job alone, in this process; the
honest ideal is the larger of the waiting and that work spread over every
core. The benchmark prints both, the measured wall time of the whole run
(excerpts, uploads, submits, polls, downloads, splices, journal), the ratio
to the ideal (our overhead: want <= 1.15), the overhead per job and the
run's peak memory. The emulator runs in a separate process so that its
memory is not counted.

    python benchmarks/bench_jobs.py [--ranges 200] [--latency 2] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import opentimelineio as otio
from opentimelineio.opentime import RationalTime as RT
from opentimelineio.opentime import TimeRange as TR

from otio_retake import pipeline
from otio_retake.emulate.server import free_port
from otio_retake.media.excerpt import render_excerpt
from otio_retake.media.splice import TakeOptions, splice_take
from otio_retake.media.testpattern import make_pattern_clip
from otio_retake.providers.preview import render_preview

RATE = 24
SPACING = 80  # frames between range starts: each 48-frame range gets its own 73-frame window


def build(folder: Path, ranges: int) -> Path:
    frames = ranges * SPACING + 80
    media = make_pattern_clip(folder / "long.mp4", clip_id=3, frames=frames, width=128, height=72, tone_hz=None)
    tl = otio.schema.Timeline("bench", global_start_time=RT(86400, RATE))
    track = otio.schema.Track("V1")
    track.append(otio.schema.Clip("long", media_reference=otio.schema.ExternalReference(
        target_url=str(media), available_range=TR(RT(0, RATE), RT(frames, RATE))),
        source_range=TR(RT(0, RATE), RT(frames, RATE))))
    tl.tracks.append(track)
    for i in range(ranges):
        marker = otio.schema.Marker(f"r{i:03d}", TR(RT(40 + i * SPACING, RATE), RT(48, RATE)))
        marker.comment = f"variation {i}"
        tl.tracks.markers.append(marker)
    path = folder / "bench.otio"
    otio.adapters.write_to_file(tl, str(path))
    return path


def cpu_per_job(folder: Path, loaded, plans, *, samples: int = 8) -> dict[str, float]:
    """Seconds of CPU one job needs on this machine, alone, in this process: excerpt, the host's render, splice.

    CPU, not wall: decoders run frame threads, so a job alone can take less wall time than the CPU it uses, and
    the ideal spreads CPU over the cores. The mean over ``samples`` ranges spread over the timeline (their media
    differ in where they start), measured with ``process_time`` (every thread of this process)."""
    return job_cpu(*sample_jobs(folder, loaded, plans, samples), folder)


def sample_jobs(folder: Path, loaded, plans, samples: int = 8) -> tuple[list, object]:
    """``samples`` ranges spread over the timeline as [(segments, plan)] (what job_cpu cuts), and the rate."""
    runner = pipeline.make_runner(loaded, provider="preview", workspace=folder / "probe", handles=0)
    step = max(1, len(plans) // samples)
    return [(runner.planner.segments(plan), plan) for plan in plans[::step][:samples]], runner.rate


def job_cpu(jobs: list, rate, folder: Path) -> dict[str, float]:
    """Mean CPU seconds of each step over ``jobs`` [(segments, plan)], in the process this runs in (a module
    function: bench_team.py runs it in a worker's media process, as the worker's jobs are)."""
    totals = {"excerpt": 0.0, "host render": 0.0, "splice": 0.0}
    # The first job once untimed: a fresh process's first cut and splice also load and set up the codecs.
    for n, (segments, plan) in enumerate([jobs[0], *jobs]):
        t0 = time.process_time()
        excerpt = render_excerpt(segments, folder / f"probe_excerpt{n}.mp4", rate=rate)
        t1 = time.process_time()
        render_preview(excerpt.path, folder / f"probe_result{n}.mp4", start_seconds=float(plan.section_start),
                       duration_seconds=float(plan.section_duration), mode=plan.range.mode,
                       prompt=plan.range.prompt, seed=plan.seed)
        t2 = time.process_time()
        splice_take(plan, excerpt=excerpt.path, result=folder / f"probe_result{n}.mp4",
                    dest=folder / f"probe_take{n}.mp4", audio_only=False, options=TakeOptions(handles=0))
        t3 = time.process_time()
        if n == 0:
            continue
        totals["excerpt"] += t1 - t0
        totals["host render"] += t2 - t1
        totals["splice"] += t3 - t2
    return {k: v / len(jobs) for k, v in totals.items()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ranges", type=int, default=200)
    parser.add_argument("--latency", type=float, default=2.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--poll-interval", type=float, default=0.2)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        timeline = build(folder, args.ranges)
        setup = time.perf_counter() - t0
        port = free_port()
        key = "bench-key"
        emulator = subprocess.Popen([sys.executable, "-m", "otio_retake.cli", "emulate", "fal", "--port", str(port),
                                     "--latency", str(args.latency), "--key", key],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 20
            while True:
                try:
                    httpx.get(url + "/_emulator/stats", timeout=1)
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            os.environ["FAL_KEY"] = key
            loaded = pipeline.load(timeline)
            plans = pipeline.plan(loaded, provider="fal", context_seconds=0.5)
            work = cpu_per_job(folder, loaded, plans)
            runner = pipeline.make_runner(loaded, provider="fal", workspace=folder / "ws",
                                          base_urls={"fal": url}, poll_interval=args.poll_interval,
                                          concurrency=args.concurrency, per_host=args.concurrency, handles=0)
            t0 = time.perf_counter()
            report = runner.run(plans)
            wall = time.perf_counter() - t0
            stats = httpx.get(url + "/_emulator/stats").json()
        finally:
            emulator.terminate()
            emulator.wait(timeout=10)
    waves = math.ceil(args.ranges / args.concurrency)
    waiting = waves * args.latency
    cores = os.cpu_count() or 1
    per_job = sum(work.values())
    computing = args.ranges * per_job / cores
    ideal = max(waiting, computing)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"ranges {args.ranges}, job latency {args.latency:g} s, concurrency {args.concurrency}, "
          f"poll every {args.poll_interval:g} s (setup {setup:.1f} s, not timed)")
    print(f"takes ready {len(report.takes)}, errors {len(report.errors)}, submitted {stats['submitted']}, "
          f"duplicates {stats['duplicates']}, most at once at the host {stats['max_active']}")
    print("CPU per job, alone: " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in work.items())
          + f" = {per_job * 1000:.0f} ms")
    print(f"waiting  ceil({args.ranges}/{args.concurrency}) x {args.latency:g} s = {waiting:.1f} s")
    print(f"working  {args.ranges} x {per_job:.3f} s / {cores} cores = {computing:.1f} s")
    print(f"ideal  the larger: {ideal:.1f} s")
    print(f"wall   {wall:.1f} s")
    print(f"ratio  {wall / ideal:.2f}")
    print(f"overhead per job {(wall - ideal) / args.ranges * 1000:.0f} ms ((wall - ideal) / {args.ranges})")
    print(f"peak memory {peak_mb:.0f} MB (this process; the emulator runs apart)")
    return 0 if not report.errors else 1


if __name__ == "__main__":
    sys.exit(main())
