#!/usr/bin/env python3
"""Media benchmark: our excerpt render against the ffmpeg command line doing the same cut and encode.

1. A 20 s window of a 4K source, rendered to 1080p H.264 + AAC: otio-retake's
   ``render_excerpt`` (PyAV) against ``ffmpeg -ss ... -t 20 -vf scale=1920:1080
   -c:v libx264 -preset veryfast -crf 16`` (the ffmpeg binary that the
   ``imageio-ffmpeg`` package ships), in the same run; prints both times and
   their ratio (below 1 means faster than ffmpeg).
2. Cutting 3 s at minute 9 of a 10-minute source against cutting at second
   10: with keyframe seeking they cost about the same.

Sources are made with ffmpeg's test patterns first (not timed).

    python benchmarks/bench_excerpt.py [--seconds 20] [--repeat 2]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import imageio_ffmpeg

from otio_retake.media.excerpt import render_excerpt
from otio_retake.media.probe import probe
from otio_retake.providers.base import Limits
from otio_retake.timeline.relink import ResolvedMedia
from otio_retake.timeline.segments import Segment

RATE = Fraction(24)
FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()


def make_source(path: Path, size: str, seconds: float, gop: int = 48) -> Path:
    subprocess.run([FFMPEG, "-v", "error", "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=24",
                    "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", str(seconds),
                    "-c:v", "libx264", "-preset", "ultrafast", "-g", str(gop), "-pix_fmt", "yuv420p",
                    "-c:a", "aac", "-shortest", "-y", str(path)], check=True)
    return path


def ours(source: Path, start: float, seconds: float, dest: Path) -> float:
    media = ResolvedMedia(path=source, start_frame=0, rate=RATE, how="bench")
    frames = round(seconds * RATE)
    segment = Segment(record_in=0, frames=frames, clip_name="src", media=media, file_start=Fraction(start))
    t0 = time.perf_counter()
    # No byte cap: the same constant-quality encode as the ffmpeg line below.
    info = render_excerpt([segment], dest, rate=RATE, limits=Limits(max_width=1920, max_height=1080,
                                                                     max_input_bytes=0))
    elapsed = time.perf_counter() - t0
    assert info.frames == frames and probe(dest).width == min(1920, probe(source).width)
    return elapsed


def ffmpeg(source: Path, start: float, seconds: float, dest: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run([FFMPEG, "-v", "error", "-ss", str(start), "-i", str(source), "-t", str(seconds),
                    "-vf", "scale=1920:1080", "-r", "24", "-c:v", "libx264", "-preset", "veryfast", "-crf", "16",
                    "-pix_fmt", "yuv420p", "-c:a", "aac", "-ar", "48000", "-ac", "2", "-y", str(dest)], check=True)
    return time.perf_counter() - t0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print("making sources (not timed) ...", flush=True)
        uhd = make_source(folder / "uhd.mp4", "3840x2160", args.seconds + 4)
        long = make_source(folder / "long.mp4", "640x360", 600)
        ours_t, ffmpeg_t = [], []
        for n in range(args.repeat):  # alternate so that neither always runs on a warm cache
            ffmpeg_t.append(ffmpeg(uhd, 2.0, args.seconds, folder / f"ff{n}.mp4"))
            ours_t.append(ours(uhd, 2.0, args.seconds, folder / f"ours{n}.mp4"))
        a, b = statistics.median(ours_t), statistics.median(ffmpeg_t)
        print(f"{args.seconds:g} s window of a 3840x2160 source to 1920x1080 H.264 + AAC (median of {args.repeat}):")
        print(f"  otio-retake render_excerpt  {a:6.2f} s")
        print(f"  ffmpeg command line         {b:6.2f} s")
        print(f"  ratio ours / ffmpeg         {a / b:6.2f}")
        early = [ours(long, 10.0, 3.0, folder / f"early{n}.mp4") for n in range(3)]
        late = [ours(long, 540.0, 3.0, folder / f"late{n}.mp4") for n in range(3)]
        print("3 s cut from a 10-minute 640x360 source (median of 3):")
        print(f"  at 0:10  {statistics.median(early) * 1000:6.0f} ms")
        print(f"  at 9:00  {statistics.median(late) * 1000:6.0f} ms")
        print(f"  ratio    {statistics.median(late) / statistics.median(early):6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
