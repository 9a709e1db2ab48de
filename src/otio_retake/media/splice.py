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

import av
import numpy as np
from av.video.reformatter import VideoReformatter

from ..errors import SpliceError
from ..model import RetakePlan
from .decode import AUDIO_RATE, decode_all_frames, frames_at, prefetch, read_audio
from .encode import ClipWriter, write_wav
from .probe import probe
from ..timecode import frames_to_timecode

__all__ = ["SpliceCheck", "TakeOptions", "splice_take", "align", "MAX_SHIFT", "MATCH_THRESHOLD", "THUMB"]

SECTION_COVERAGE = 0.9  # below this share of marked frames changed, the section was clamped or moved
MIN_COMPARED = 3  # context frames an alignment needs: fewer would let a large shift "win" on one lucky frame
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
    section_coverage: float = 1.0  # share of the marked frames the result changed (video modes)
    changed_outside: int = 0  # changed frames outside the requested section: a shifted section
    section_ok: bool = True
    blend_frames: int = 0

    def as_metadata(self) -> dict:
        return {"offset_frames": self.offset, "context_difference": round(self.context_difference, 3),
                "context_match": self.context_match, "compared_frames": self.compared_frames,
                "result_rate": self.result_rate, "result_size": list(self.result_size),
                "result_frames": self.result_frames, "changed_excerpt_frames": [list(r) for r in self.changed],
                "section_coverage": round(self.section_coverage, 3), "changed_outside": self.changed_outside,
                "section_ok": self.section_ok, "blend_frames": self.blend_frames}


def _thumbs(path: Path) -> tuple[np.ndarray, list[Fraction], Fraction]:
    frames, times, rate = decode_all_frames(str(path), width=THUMB[0], height=THUMB[1], fmt="gray")
    return np.stack(frames).astype(np.float32), times, rate


def _phase(rate: Fraction, result_rate: Fraction) -> Fraction:
    """Where in a timeline frame to sample a result at another rate: its middle, so that a host's
    resampling is undone frame for frame (at the same rate: its start, as everywhere else)."""
    return Fraction(0) if Fraction(result_rate) == Fraction(rate) else 1 / (2 * Fraction(rate))


def _sampler(times: list[Fraction], result_rate: Fraction, phase: Fraction = Fraction(0)):
    """index of the result frame shown at a time (None outside the result)."""
    eps = Fraction(1, 4) / result_rate
    end = times[-1] + 1 / result_rate if times else Fraction(0)

    def index(t: Fraction) -> int | None:
        t = t + phase
        if not times or t < times[0] - eps or t >= end - eps:
            return None
        return max(0, bisect_right(times, t + eps) - 1)

    return index


def align(excerpt: np.ndarray, result: np.ndarray, result_times: list[Fraction], result_rate: Fraction,
          rate: Fraction, protected: tuple[int, int]) -> tuple[int, float, int]:
    """(offset, mean difference, frames compared) of the best alignment of the result's context."""
    index = _sampler(result_times, result_rate, _phase(rate, result_rate))
    best = (0, float("inf"), 0)
    context = [k for k in range(len(excerpt)) if not protected[0] <= k < protected[1]]
    if len(context) < MIN_COMPARED:  # no context was sent (--context 0, WaveSpeed): nothing to misalign, none to check
        return 0, 0.0, 0
    for shift in sorted(range(-MAX_SHIFT, MAX_SHIFT + 1), key=abs):
        diffs = []
        for k in context:
            j = index(Fraction(k + shift) / rate)
            if j is not None:
                diffs.append(float(np.abs(excerpt[k] - result[j]).mean()))
        # Comparing too few frames would let a large shift "win" on one lucky frame.
        if len(diffs) >= max(MIN_COMPARED, len(context) // 2):
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


@dataclass(frozen=True)
class TakeOptions:
    """How takes are cut and written: handles, seam blending, picture size and codec."""

    handles: int = 12
    blend_frames: int = 0  # frames at each end of the take crossfaded from the source (0: a straight cut)
    resolution: str = "host"  # "host": the result's size; "timeline": the source picture's size
    codec: str = "h264"  # h264 (.mp4), prores or dnxhd (.mov)

    @property
    def suffix(self) -> str:
        return ".mp4" if self.codec == "h264" else ".mov"

    def as_metadata(self) -> dict:
        return {"handles": self.handles, "blend_frames": self.blend_frames, "resolution": self.resolution,
                "codec": self.codec}


def _section_figures(plan: RetakePlan, check: SpliceCheck, audio_only: bool) -> None:
    """How much of the marked range the result changed, and whether it changed frames it should not have."""
    first, last = plan.marked_offset, plan.marked_offset + plan.range.duration
    rate = plan.range.rate
    lo = int(plan.section_start * rate) - 1
    hi = int(np.ceil(float((plan.section_start + plan.section_duration) * rate))) + 1
    changed = {k for a, b in check.changed for k in range(a, b)}
    check.section_coverage = 1.0 if audio_only else len(changed & set(range(first, last))) / max(1, last - first)
    check.changed_outside = len({k for k in changed if not lo <= k < hi})
    check.section_ok = audio_only or (check.section_coverage >= SECTION_COVERAGE and check.changed_outside == 0)


def splice_take(plan: RetakePlan, *, excerpt: Path, result: Path, dest: Path, audio_only: bool,
                options: TakeOptions = TakeOptions(), content: tuple[int, int, int, int] | None = None,
                source_size: tuple[int, int] | None = None) -> tuple[int, int, SpliceCheck]:
    """Write the take for ``plan`` to ``dest``; returns (head, tail, check).

    ``content`` is where the picture sits inside the excerpt's frame (padding
    for exact-size hosts), ``source_size`` the source picture's size: both are
    needed for ``options.resolution == "timeline"``.
    """
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
    phase = _phase(rate, res_rate)
    index = _sampler(res_times, res_rate, phase)
    check = SpliceCheck(offset=offset, context_difference=difference, context_match=difference <= MATCH_THRESHOLD,
                        compared_frames=compared, result_rate=str(res_rate), result_size=(info.width, info.height),
                        result_frames=len(res_times),
                        changed=_changed_ranges(ex_thumbs, res_thumbs, index, rate, offset))
    _section_figures(plan, check, audio_only)
    first, last = plan.marked_offset, plan.marked_offset + rng.duration
    if index(Fraction(first + offset) / rate) is None or index(Fraction(last - 1 + offset) / rate) is None:
        raise SpliceError(
            f"range '{rng.name}': the engine's result ({len(res_times)} frames at {res_rate} fps) does not "
            f"cover the marked frames {first}-{last} of the excerpt (offset {offset})",
            hint="the host may have clamped the section; try a shorter range or more context")
    head = 0
    while head < min(options.handles, first) and index(Fraction(first - head - 1 + offset) / rate) is not None:
        head += 1
    tail = 0
    while tail < min(options.handles, plan.context_frames - last) and \
            index(Fraction(last + tail + offset) / rate) is not None:
        tail += 1
    start = first - head
    count = head + rng.duration + tail
    timecode = frames_to_timecode(rng.start_frame + rng.record_in - head, rate, rng.drop_frame)
    audio = read_audio(str(result), Fraction(start + offset) / rate, round(Fraction(count) * AUDIO_RATE / rate))
    if audio_only:  # the record timecode as samples since midnight, as a .mp4 take carries it in its tmcd
        write_wav(dest, audio, time_reference=round(Fraction(rng.start_frame + rng.record_in - head) * AUDIO_RATE
                                                    / rate))
        return head, tail, check
    # frames_at takes the last frame starting within a quarter frame of the time: aim it at the
    # frame that covers the sampling point (see _phase).
    shift = phase - Fraction(1, 4) / res_rate if phase else Fraction(0)
    times = [Fraction(start + k + offset) / rate + shift for k in range(count)]
    crop = None
    width, height = info.width, info.height
    if options.resolution == "timeline" and source_size:
        excerpt_info = probe(excerpt)
        ex_w, ex_h = excerpt_info.width, excerpt_info.height
        x, y, cw, ch = content or (0, 0, ex_w, ex_h)
        sx, sy = info.width / ex_w, info.height / ex_h
        crop = (round(x * sx), round(y * sy), round(cw * sx), round(ch * sy))
        width, height = source_size[0] - source_size[0] % 2, source_size[1] - source_size[1] % 2
    blend = min(options.blend_frames, rng.duration // 2)
    sources = {}
    if blend:  # the source frames the seams fade from: the excerpt's, at the same record times
        seam = [k for k in range(count) if head <= k < head + blend or head + rng.duration - blend <= k < head + rng.duration]
        ex = frames_at(str(excerpt), [Fraction(start + k) / rate for k in seam], width=width, height=height)
        sources = dict(zip(seam, ex))
    # Frames go from the decoder to the encoder as yuv420p; only a frame that needs pixel work (a crop, a
    # seam) makes the RGB round trip, which was most of a take's cost.
    picture = frames_at(str(result), times, width=info.width if crop else width,
                        height=info.height if crop else height, as_frames=True)
    with ClipWriter(dest, rate=rate, width=width, height=height, audio=True, timecode=timecode,
                    codec=options.codec) as writer:
        scaler = VideoReformatter()  # one for the take's frames (a frame's own sets one up each time)
        for k, frame in enumerate(prefetch(picture)):
            if crop or k in sources:
                frame = scaler.reformat(frame, format="rgb24").to_ndarray()
            if crop:
                x, y, cw, ch = crop
                frame = _resize(frame[y:y + ch, x:x + cw], width, height, scaler)
            if k in sources:
                position = k - head if k - head < blend else head + rng.duration - 1 - k
                alpha = (position + 1) / (blend + 1)  # weight of the take: rises from the seam inwards
                frame = (frame.astype(np.float32) * alpha + sources[k].astype(np.float32) * (1 - alpha)).astype(np.uint8)
            writer.add_frame(frame)
        writer.add_audio(audio)
    check.blend_frames = blend
    return head, tail, check


def _resize(rgb: np.ndarray, width: int, height: int, scaler: VideoReformatter) -> np.ndarray:
    frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
    return scaler.reformat(frame, width=width, height=height, format="rgb24").to_ndarray()
