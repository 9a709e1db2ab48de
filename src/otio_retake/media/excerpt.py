"""Segments of a timeline track -> one excerpt file the engine accepts.

The excerpt is rendered at the timeline's rate (constant frame rate), H.264
yuv420p + AAC 48 kHz stereo in MP4, at the size of the first clip in the
window (fitted inside the host's largest size, keeping the aspect). Each
record frame k of the window shows the source frame on screen at that
record time; gaps are black and silent. Sound is taken from each clip's own
media over exactly its record frames, so samples never drift against frames.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from ..errors import MediaError
from ..timeline.segments import Segment
from .decode import AUDIO_RATE, frames_at, prefetch, read_audio
from .encode import ClipWriter
from .probe import probe

__all__ = ["ExcerptInfo", "render_excerpt", "fit_size"]


@dataclass(frozen=True)
class ExcerptInfo:
    path: Path
    frames: int
    width: int
    height: int
    rate: Fraction
    held_frames: int  # frames repeated because a source ran out


def fit_size(width: int, height: int, max_width: int, max_height: int) -> tuple[int, int]:
    """The largest even size within the limits with the same aspect."""
    scale = min(1.0, max_width / width, max_height / height)
    w, h = int(width * scale), int(height * scale)
    return w - w % 2, h - h % 2


def render_excerpt(segments: list[Segment], dest: Path, *, rate: Fraction, max_width: int = 3840,
                   max_height: int = 2160) -> ExcerptInfo:
    media = [s for s in segments if s.media is not None]
    if not media:
        raise MediaError("the context window holds no media, only gaps")
    info = probe(media[0].media.path)
    if not info.has_video:
        raise MediaError(f"{info.path}: has no video stream; a picture retake needs a picture")
    width, height = fit_size(info.width, info.height, max_width, max_height)
    held: list[int] = []
    window_start = segments[0].record_in
    total = 0
    with ClipWriter(dest, rate=rate, width=width, height=height, audio=True) as writer:
        for seg in segments:
            times = [seg.file_start + Fraction(k) / rate for k in range(seg.frames)]
            if seg.media is None:
                black = np.zeros((height, width, 3), np.uint8)
                for _ in times:
                    writer.add_frame(black)
            else:
                frames = frames_at(str(seg.media.path), times, width=width, height=height, held=held, as_frames=True)
                for frame in prefetch(frames):
                    writer.add_frame(frame)
            # Samples are counted from the window's start so that rounding never accumulates.
            lo = round(Fraction(seg.record_in - window_start) * AUDIO_RATE / rate)
            hi = round(Fraction(seg.record_out - window_start) * AUDIO_RATE / rate)
            path = str(seg.media.path) if seg.media is not None else None
            writer.add_audio(read_audio(path, seg.file_start, hi - lo))
            total += seg.frames
    return ExcerptInfo(path=Path(dest), frames=total, width=width, height=height, rate=rate,
                       held_frames=sum(held))
