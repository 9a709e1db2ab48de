"""Segments of a timeline track -> one excerpt file the host accepts.

The excerpt is rendered at the timeline's rate (constant frame rate), H.264
yuv420p + AAC 48 kHz stereo in MP4:

- size: the first clip's picture as displayed (rotation applied), fitted
  inside the host's largest size keeping the aspect; a host that takes only
  exact sizes (1920x1080 or 1080x1920) gets the picture fitted into the one
  of the same orientation and centred on black (``content`` says where);
- bytes: a bitrate cap derived from the host's byte limit and the window's
  length keeps the file under the limit (checked, and re-encoded lower if not);
- time: each record frame shows the source frame on screen at that record
  time (sources at other rates, or variable rate, are sampled by time) or,
  for media the cut plays frame for frame at another rate (a piece's
  ``speed``), the next media frame; gaps are black and silent; sound is taken
  from each clip's own media over exactly its record frames (resampled by
  ``speed``), so samples never drift against frames.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from ..errors import MediaError
from ..model import Limits
from .decode import AUDIO_RATE, frames_at, prefetch, read_audio
from .encode import AUDIO_BITRATE, ClipWriter
from .probe import probe

__all__ = ["ExcerptPiece", "ExcerptInfo", "render_excerpt", "fit_size", "frame_box"]

BYTE_MARGIN = 0.92  # container overhead and rate-control overshoot
MIN_VIDEO_BITRATE = 200_000


class ExcerptPiece(Protocol):
    """``frames`` record frames from ``record_in`` showing ``source_path`` from ``file_start`` seconds on
    (None: black and silence), ``speed`` media seconds per record second (1 but for media played frame
    for frame at another rate). The timeline stage's ``Segment`` is one; the media stage needs no more."""

    record_in: int
    frames: int
    file_start: Fraction
    speed: Fraction

    @property
    def record_out(self) -> int: ...

    @property
    def source_path(self) -> Path | None: ...


@dataclass(frozen=True)
class ExcerptInfo:
    path: Path
    frames: int
    width: int
    height: int
    rate: Fraction
    held_frames: int  # frames repeated because a source ran out
    content: tuple[int, int, int, int]  # x, y, w, h of the picture inside the frame (padding excluded)
    bitrate: int | None


def fit_size(width: int, height: int, max_width: int, max_height: int) -> tuple[int, int]:
    """The largest even size within the limits with the same aspect (never enlarged)."""
    scale = min(1.0, max_width / width, max_height / height)
    w, h = int(width * scale), int(height * scale)
    return max(2, w - w % 2), max(2, h - h % 2)


def frame_box(width: int, height: int, limits: Limits) -> tuple[int, int, tuple[int, int, int, int]]:
    """(frame width, frame height, content box) for a picture of this size on this host."""
    if limits.exact_resolutions:
        portrait = height > width
        fw, fh = next(((w, h) for w, h in limits.exact_resolutions if (h > w) == portrait),
                      limits.exact_resolutions[0])
        scale = min(fw / width, fh / height)
        cw, ch = int(width * scale) // 2 * 2, int(height * scale) // 2 * 2
        return fw, fh, ((fw - cw) // 2 // 2 * 2, (fh - ch) // 2 // 2 * 2, cw, ch)
    w, h = fit_size(width, height, limits.max_width, limits.max_height)
    return w, h, (0, 0, w, h)


def _bitrate_for(limits: Limits, seconds: float) -> int | None:
    if not limits.max_input_bytes:
        return None
    budget = int(limits.max_input_bytes * 8 * BYTE_MARGIN / max(seconds, 0.1)) - AUDIO_BITRATE
    return max(MIN_VIDEO_BITRATE, budget)


def render_excerpt(segments: list[ExcerptPiece], dest: Path, *, rate: Fraction, limits: Limits = Limits()) -> ExcerptInfo:
    media = [s for s in segments if s.source_path is not None]
    if not media:
        raise MediaError("the context window holds no media, only gaps")
    info = probe(media[0].source_path)
    if not info.has_video:
        raise MediaError(f"{info.path}: has no video stream; a picture retake needs a picture",
                         hint="put the sound on a track with a picture above it, or use a video clip")
    width, height, content = frame_box(info.width, info.height, limits)
    total = sum(s.frames for s in segments)
    bitrate = _bitrate_for(limits, float(total / rate))
    for _ in range(3):
        held = _encode(segments, dest, rate=rate, width=width, height=height, content=content, bitrate=bitrate)
        if not limits.max_input_bytes or dest.stat().st_size <= limits.max_input_bytes or bitrate is None:
            break
        bitrate = max(MIN_VIDEO_BITRATE, int(bitrate * 0.7))  # rate control overshot: go lower
    else:
        raise MediaError(f"the excerpt {dest.name} is {dest.stat().st_size / 1e6:.1f} MB, over the host's "
                         f"{limits.max_input_bytes / 1e6:.0f} MB even at {bitrate // 1000} kb/s",
                         hint="use less context (--context) or a host with a larger limit")
    return ExcerptInfo(path=Path(dest), frames=total, width=width, height=height, rate=rate, held_frames=held,
                       content=content, bitrate=bitrate)


def _encode(segments: list[ExcerptPiece], dest: Path, *, rate: Fraction, width: int, height: int,
            content: tuple[int, int, int, int], bitrate: int | None) -> int:
    held: list[int] = []
    window_start = segments[0].record_in
    x, y, cw, ch = content
    padded = (cw, ch) != (width, height)
    canvas = np.zeros((height, width, 3), np.uint8)
    with ClipWriter(dest, rate=rate, width=width, height=height, audio=True, bitrate=bitrate) as writer:
        for seg in segments:
            times = [seg.file_start + Fraction(k) * seg.speed / rate for k in range(seg.frames)]
            if seg.source_path is None:
                black = av.VideoFrame.from_ndarray(canvas, format="rgb24").reformat(format="yuv420p")
                for _ in times:
                    writer.add_frame(black)
            else:
                # media stepped at another speed land between frames: the frame shown is the one started
                # (Final Cut's floor sampling), so only a time base's rounding is forgiven
                frames = frames_at(str(seg.source_path), times, width=cw, height=ch, held=held, as_frames=not padded,
                                   tolerance=Fraction(1, 4) if seg.speed == 1 else Fraction(1, 16))
                for frame in prefetch(frames):
                    if padded:  # centred on black inside the host's exact size
                        canvas[:] = 0
                        canvas[y:y + ch, x:x + cw] = frame
                        frame = canvas
                    writer.add_frame(frame)
            # Samples are counted from the window's start so that rounding never accumulates.
            lo = round(Fraction(seg.record_in - window_start) * AUDIO_RATE / rate)
            hi = round(Fraction(seg.record_out - window_start) * AUDIO_RATE / rate)
            path = str(seg.source_path) if seg.source_path is not None else None
            # Media played at another speed: its sound is read resampled by the same factor (like a tape run
            # faster or slower, pitch included), so it lasts exactly the segment's record frames.
            writer.add_audio(read_audio(path, seg.file_start, hi - lo, rate=AUDIO_RATE / seg.speed))
    return sum(held)
