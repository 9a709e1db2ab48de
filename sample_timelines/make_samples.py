#!/usr/bin/env python3
"""Make the sample media (and, with --timelines, rewrite the sample timelines).

The media is deterministic: two 12 s shots, 320x180, 24 fps, each frame
carrying its clip id and frame index as blocks (see
``otio_retake.media.testpattern``) and a steady tone (440 Hz for shot A,
660 Hz for shot B). It is not committed: this script makes it in seconds.

The cut (01:00:00:00, 24 fps): shot_a [1 s, 11 s) then shot_b [2 s, 11 s),
19 s in all, with three marked ranges:

  sky       01:00:02:00-01:00:05:00  inside shot A            (clip marker)
  crossing  01:00:08:12-01:00:11:12  across the cut at 10:00  (timeline marker)  mode both
  line      01:00:14:00-01:00:16:12  inside shot B            (track marker)     mode audio
"""

from __future__ import annotations

import argparse
import sys
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
from opentimelineio.opentime import RationalTime as RT
from opentimelineio.opentime import TimeRange as TR

from otio_retake.media.testpattern import make_pattern_clip
from otio_retake.timeline.fcp_xml import write_fcp_xml

HERE = Path(__file__).resolve().parent
RATE = 24
START = 86400  # 01:00:00:00 at 24 fps
SHOTS = {"shot_a": dict(clip_id=1, tone_hz=440.0), "shot_b": dict(clip_id=2, tone_hz=660.0)}
SHOT_FRAMES = 12 * RATE
# Small pictures: every frame still names itself in blocks 20 px wide, and the demo and the test suite (which
# make, send, render, cut and decode these frames hundreds of times) spend a quarter of the pixels.
WIDTH, HEIGHT = 320, 180
# (media, source in, frames) in cut order
CUT = [("shot_a", 24, 240), ("shot_b", 48, 216)]
MARKERS = [
    # name, record in (frames from the start), frames, note, kind
    ("sky", 48, 72, "Replace the grey sky with a stormy sunset", "clip"),
    ("crossing", 204, 72, "A cyclist rides through the frame\nmode: both", "stack"),
    ("line", 336, 60, "She says: we are late\nmode: audio", "track"),
]


def make_media(folder: Path, force: bool = False) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for name, spec in SHOTS.items():
        path = folder / f"{name}.mp4"
        if force or not path.exists():
            make_pattern_clip(path, frames=SHOT_FRAMES, rate=Fraction(RATE), width=WIDTH, height=HEIGHT, **spec)
        made.append(path)
    return made


def _marker(name, record_in, frames, note, rate=RATE):
    marker = otio.schema.Marker(name=name, marked_range=TR(RT(record_in, rate), RT(frames, rate)), color="BLUE",
                                metadata={"fcp_xml": {"comment": note}})
    marker.comment = note
    return marker


def build_timeline(*, track_marker_as_clip_marker: bool = False) -> otio.schema.Timeline:
    tl = otio.schema.Timeline("retake_sample", global_start_time=RT(START, RATE),
                              metadata={"otio_retake": {"frame_size": [WIDTH, HEIGHT]}})
    video = otio.schema.Track("V1", kind=otio.schema.TrackKind.Video)
    audio = otio.schema.Track("A1", kind=otio.schema.TrackKind.Audio)
    record = 0
    clips = []
    for media, src_in, frames in CUT:
        for track in (video, audio):
            ref = otio.schema.ExternalReference(target_url=f"media/{media}.mp4",
                                                available_range=TR(RT(0, RATE), RT(SHOT_FRAMES, RATE)))
            clip = otio.schema.Clip(f"{media}.mp4", media_reference=ref, source_range=TR(RT(src_in, RATE), RT(frames, RATE)))
            track.append(clip)
            if track is video:
                clips.append((clip, record, src_in, frames))
        record += frames
    tl.tracks.append(video)
    tl.tracks.append(audio)
    for name, rec, frames, note, kind in MARKERS:
        if kind == "track" and track_marker_as_clip_marker:
            kind = "clip"
        if kind == "stack":
            tl.tracks.markers.append(_marker(name, rec, frames, note))
        elif kind == "track":
            video.markers.append(_marker(name, rec, frames, note))
        else:
            clip, first, src_in, _ = next(c for c in clips if c[1] <= rec < c[1] + c[3])
            clip.markers.append(_marker(name, src_in + rec - first, frames, note))
    return tl


def _tc(frames: int) -> str:
    return otio.opentime.to_timecode(RT(frames, RATE), RATE)


def edl_text() -> str:
    lines = ["TITLE: retake_sample", "FCM: NON-DROP FRAME", ""]
    record = START
    for n, (media, src_in, frames) in enumerate(CUT, start=1):
        lines.append(f"{n:03d}  {media.upper():<8} V     C        {_tc(src_in)} {_tc(src_in + frames)} "
                     f"{_tc(record)} {_tc(record + frames)}")
        lines.append(f"* FROM CLIP NAME: {media}.mp4")
        record += frames
    return "\n".join(lines) + "\n"


def resolve_markers_edl_text() -> str:
    """What Resolve writes with Timelines > Export > Timeline Markers to EDL."""
    lines = ["TITLE: retake_sample", "FCM: NON-DROP FRAME", ""]
    for n, (name, rec, frames, note, _) in enumerate(MARKERS, start=1):
        tc_in, tc_out = _tc(START + rec), _tc(START + rec + 1)
        # A Resolve note is one line: directives go in brackets.
        one_line = " ".join(f"[{part}]" if ":" in part and part.split(":")[0] in ("mode", "takes", "seed")
                            else part for part in note.split("\n"))
        lines.append(f"{n:03d}  001      V     C        {tc_in} {tc_out} {tc_in} {tc_out}  ")
        lines.append(f"{one_line} |C:ResolveColorBlue |M:{name} |D:{frames}")
        lines.append("")
    return "\n".join(lines)


def write_timelines(folder: Path) -> None:
    otio.adapters.write_to_file(build_timeline(), str(folder / "retake_sample.otio"))
    (folder / "retake_sample.xml").write_text(write_fcp_xml(build_timeline(track_marker_as_clip_marker=True)))
    (folder / "retake_sample.edl").write_text(edl_text())
    (folder / "retake_sample.markers.edl").write_text(resolve_markers_edl_text())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--media-dir", type=Path, default=HERE / "media")
    parser.add_argument("--timelines", action="store_true", help="also rewrite the committed sample timelines")
    parser.add_argument("--force", action="store_true", help="remake media that exists")
    args = parser.parse_args(argv)
    for path in make_media(args.media_dir, args.force):
        print(f"media: {path}")
    if args.timelines:
        write_timelines(HERE)
        print(f"timelines written to {HERE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
