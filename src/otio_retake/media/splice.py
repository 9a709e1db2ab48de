"""Engine result -> take file: line the result up with its excerpt, cut the marked frames plus handles.

Hosts clamp, shift and resample silently (providers.md), so nothing is
assumed: the result's rate and size are measured, and its untouched context
frames are compared with the excerpt's on small grey images over a few
offsets. The best offset is used to cut; the figures go into the take's
metadata, and a result whose context does not match is flagged.

Take layout: ``head`` handle frames, the marked frames, ``tail`` handle
frames, at the timeline rate; the file's embedded timecode is the record
timecode of its first frame, so the marked frames carry their record timecode.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

from ..errors import SpliceError
from ..model import RetakePlan
from .decode import AUDIO_RATE, decode_all_frames, frames_at, read_audio
from .encode import ClipWriter, write_wav
from .probe import probe
from .timecode import frames_to_timecode

__all__ = ["SpliceCheck", "splice_take", "align", "MAX_SHIFT", "MATCH_THRESHOLD", "THUMB"]

MAX_SHIFT = 4  # frames searched either way: hosts have been seen to shift by a frame or two
MATCH_THRESHOLD = 8.0  # mean grey-level difference of matching context after two encodes is ~1-3
CHANGE_THRESHOLD = 12.0  # a frame that differs this much from its source was regenerated
THUMB = (64, 36)


@dataclass
class SpliceCheck:
    offset: int
    context_difference: float
    context_match: bool
    compared_frames: int
    result_rate: str
    result_size: tuple[int, int]
    result_frames: int
    changed: list[tuple[int, int]] = field(default_factory=list)  # excerpt frame ranges, end exclusive

    def as_metadata(self) -> dict:
        return {"offset_frames": self.offset, "context_difference": round(self.context_difference, 3),
                "context_match": self.context_match, "compared_frames": self.compared_frames,
                "result_rate": self.result_rate, "result_size": list(self.result_size),
                "result_frames": self.result_frames, "changed_excerpt_frames": [list(r) for r in self.changed]}


def _thumbs(path: Path) -> tuple[np.ndarray, list[Fraction], Fraction]:
    frames, times, rate = decode_all_frames(str(path), width=THUMB[0], height=THUMB[1], fmt="gray")
    return np.stack(frames).astype(np.float32), times, rate


def _sampler(times: list[Fraction], rate: Fraction):
    """index of the result frame shown at a time (None outside the result)."""
    eps = Fraction(1, 4) / rate
    end = times[-1] + 1 / rate if times else Fraction(0)

    def index(t: Fraction) -> int | None:
        if not times or t < times[0] - eps or t >= end - eps:
            return None
        return max(0, bisect_right(times, t + eps) - 1)

    return index


def align(excerpt: np.ndarray, result: np.ndarray, result_times: list[Fraction], result_rate: Fraction,
          rate: Fraction, protected: tuple[int, int]) -> tuple[int, float, int]:
    """(offset, mean difference, frames compared) of the best alignment of the result's context."""
    index = _sampler(result_times, result_rate)
    best = (0, float("inf"), 0)
    context = [k for k in range(len(excerpt)) if not protected[0] <= k < protected[1]]
    for shift in sorted(range(-MAX_SHIFT, MAX_SHIFT + 1), key=abs):
        diffs = []
        for k in context:
            j = index(Fraction(k + shift) / rate)
            if j is not None:
                diffs.append(float(np.abs(excerpt[k] - result[j]).mean()))
        # Comparing too few frames would let a large shift "win" on one lucky frame.
        if len(diffs) >= max(3, len(context) // 2):
            score = float(np.mean(diffs))
            if score < best[1] - 1e-6:
                best = (shift, score, len(diffs))
    return best


def _changed_ranges(excerpt, result, index, rate, offset) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for k in range(len(excerpt)):
        j = index(Fraction(k + offset) / rate)
        if j is None or float(np.abs(excerpt[k] - result[j]).mean()) <= CHANGE_THRESHOLD:
            continue
        if out and out[-1][1] == k:
            out[-1] = (out[-1][0], k + 1)
        else:
            out.append((k, k + 1))
    return out


def splice_take(plan: RetakePlan, *, excerpt: Path, result: Path, dest: Path, handles: int,
                audio_only: bool) -> tuple[int, int, SpliceCheck]:
    """Write the take for ``plan`` to ``dest``; returns (head, tail, check)."""
    rng = plan.range
    rate = rng.rate
    info = probe(result)
    if not info.has_video and not audio_only:
        raise SpliceError(f"the engine's result {result.name} has no picture")
    ex_thumbs, _, _ = _thumbs(excerpt)
    res_thumbs, res_times, res_rate = _thumbs(result)
    section_lo = int(plan.section_start * rate)
    section_hi = int(np.ceil(float((plan.section_start + plan.section_duration) * rate)))
    protected = (max(0, section_lo - 1), section_hi + 1)
    offset, difference, compared = align(ex_thumbs, res_thumbs, res_times, res_rate, rate, protected)
    index = _sampler(res_times, res_rate)
    check = SpliceCheck(offset=offset, context_difference=difference, context_match=difference <= MATCH_THRESHOLD,
                        compared_frames=compared, result_rate=str(res_rate), result_size=(info.width, info.height),
                        result_frames=len(res_times),
                        changed=_changed_ranges(ex_thumbs, res_thumbs, index, rate, offset))
    first, last = plan.marked_offset, plan.marked_offset + rng.duration
    if index(Fraction(first + offset) / rate) is None or index(Fraction(last - 1 + offset) / rate) is None:
        raise SpliceError(
            f"range '{rng.name}': the engine's result ({len(res_times)} frames at {res_rate} fps) does not "
            f"cover the marked frames {first}-{last} of the excerpt (offset {offset})",
            hint="the host may have clamped the section; try a shorter range or more context")
    head = 0
    while head < min(handles, first) and index(Fraction(first - head - 1 + offset) / rate) is not None:
        head += 1
    tail = 0
    while tail < min(handles, plan.context_frames - last) and index(Fraction(last + tail + offset) / rate) is not None:
        tail += 1
    start = first - head
    count = head + rng.duration + tail
    timecode = frames_to_timecode(rng.start_frame + rng.record_in - head, rate)
    audio = read_audio(str(result), Fraction(start + offset) / rate, round(Fraction(count) * AUDIO_RATE / rate))
    if audio_only:
        write_wav(dest, audio)
        return head, tail, check
    times = [Fraction(start + k + offset) / rate for k in range(count)]
    width, height = info.width, info.height
    with ClipWriter(dest, rate=rate, width=width, height=height, audio=True, timecode=timecode) as writer:
        for frame in frames_at(str(result), times, width=width, height=height):
            writer.add_frame(frame)
        writer.add_audio(audio)
    return head, tail, check
