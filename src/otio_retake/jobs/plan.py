"""MarkedRange -> RetakePlans: the context window, the section and the cost, within the host's limits.

Window policy (DESIGN.md): ``context`` seconds each side of the range
(default 2 s: enough for the model to match motion and light, and LTX bills
every input second), clamped to the shots the range touches so the model
does not see a cut it should not reproduce, then widened past the shot only
as far as the host's minimum input needs, clamped to the timeline, and
trimmed to the host's maximum input.

``JobPlanner`` then works out a run's jobs before anything runs (one per take, ``jobs_for``): each
window's segments, the media check, each job's identity (its journal key) and what the jobs would
newly cost against a journal; the runner, ``run --queue`` and the workers all name jobs through it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from fractions import Fraction

import opentimelineio as otio

from ..errors import (EngineError, InputError, MediaError, MissingMediaError, RangeLengthError, RetakeError,
                      UnsupportedEditError)
from ..media.probe import probe
from .cost import estimate
from ..model import MarkedRange, RetakePlan
from ..providers.base import Limits, Provider
from ..timeline.info import timeline_rate
from ..timeline.marks import SkippedMarker
from ..timeline.relink import MediaResolver
from ..timeline.segments import Segment, TimelineIndex
from .digests import MediaDigests
from .identity import JobIdentity, as_before, default_seed, excerpt_key, job_identity, legacy_key, v2_key
from .pool import HostPool
from .store import PAID_STATES, JobState, Store

__all__ = ["build_plans", "check_windows", "check_rules", "plan_range", "check_length", "DEFAULT_CONTEXT_SECONDS",
           "Bounds", "clean_bounds", "skip_of",
           "default_seed", "jobs_for", "sends_seed", "JobPlanner", "UnresolvedSubmitError"]

DEFAULT_CONTEXT_SECONDS = 2.0


def check_length(rng: MarkedRange, limits: Limits, *, engine: str, widen: bool, timeline_frames: int) -> MarkedRange:
    """The range if its length suits the engine, widened if asked; otherwise a ``RangeLengthError``."""
    rate = rng.rate
    shortest = math.ceil(limits.min_section_seconds * rate - 1e-9)
    longest = math.floor(limits.max_section_seconds * rate + 1e-9)
    where = f"marker '{rng.name}' ({rng.origin}) at {rng.record_in_tc}"
    if rng.duration < shortest:
        if widen:
            return widen_range(rng, shortest, timeline_frames)
        missing = shortest - rng.duration
        raise RangeLengthError(
            f"{where} is {_secs(rng.duration, rate)} ({rng.duration} frames) long, {_secs(missing, rate)} "
            f"({missing} frames) shorter than the {engine} engine's minimum of {limits.min_section_seconds:g} s",
            hint="lengthen the marker, or pass --widen to extend short ranges evenly on both sides")
    if rng.duration > longest:
        extra = rng.duration - longest
        raise RangeLengthError(
            f"{where} is {_secs(rng.duration, rate)} ({rng.duration} frames) long, {_secs(extra, rate)} "
            f"({extra} frames) longer than the {engine} engine's maximum of {limits.max_section_seconds:g} s",
            hint="split it into two markers")
    return rng


def widen_range(rng: MarkedRange, frames: int, timeline_frames: int) -> MarkedRange:
    if frames > timeline_frames:
        raise RangeLengthError(f"marker '{rng.name}' ({rng.origin}) cannot be widened to {frames} frames: "
                               f"the timeline is only {timeline_frames} frames long",
                               hint="use a host with a shorter minimum section, or retake a longer timeline")
    extra = frames - rng.duration
    first = rng.record_in - extra // 2
    first = max(0, min(first, timeline_frames - frames))
    return replace(rng, record_in=first, duration=frames)


def plan_range(rng: MarkedRange, *, limits: Limits, provider: str, timeline_frames: int,
               shot: tuple[int, int], context_seconds: float | None = None,
               bounds: Bounds | None = None) -> list[RetakePlan]:
    """One plan per take of an already length-checked range; its context stays within ``bounds``
    (``clean_bounds``: short of a transition, a retime, a gap or the media's end), else within the timeline."""
    rate = rng.rate
    bounds = bounds or Bounds(0, timeline_frames)
    seconds = rng.context_seconds if rng.context_seconds is not None else (
        context_seconds if context_seconds is not None else DEFAULT_CONTEXT_SECONDS)
    if not limits.honours_section:  # whatever is sent may be regenerated: send only what is to be retaken
        seconds = 0
    pad = round(Fraction(seconds).limit_denominator(1000) * rate)
    lo = max(rng.record_in - pad, min(shot[0], rng.record_in), bounds.lo)
    hi = min(rng.record_out + pad, max(shot[1], rng.record_out), bounds.hi)
    lo, hi = _grow_to(lo, hi, limits.min_input_frames, bounds.lo, bounds.hi)
    if hi - lo < limits.min_input_frames:  # the host needs more: black from a gap is what the editor sees there
        lo, hi = _grow_to(lo, hi, limits.min_input_frames, bounds.outer_lo, bounds.outer_hi)
    if hi - lo < limits.min_input_frames:
        if (bounds.outer_lo, bounds.outer_hi) == (0, timeline_frames):
            raise RangeLengthError(
                f"marker '{rng.name}' ({rng.origin}): the timeline has only {timeline_frames} frames, fewer than "
                f"the {limits.min_input_frames} input frames {provider} needs",
                hint=f"retake a longer timeline (at least {limits.min_input_frames} frames)")
        raise RangeLengthError(
            f"marker '{rng.name}' ({rng.origin}) at {rng.record_in_tc}: only {hi - lo} frames around it can be sent "
            f"({bounds.describe(rng)}), fewer than the {limits.min_input_frames} input frames {provider} needs",
            hint="move the marker away from the transition, retime, gap or media end, or use a host with a "
                 "shorter minimum input")
    lo, hi = _shrink_to(lo, hi, rng, math.floor(limits.max_input_seconds * rate + 1e-9))
    offset = Fraction(rng.record_in - lo) / rate
    duration = Fraction(rng.duration) / rate
    if limits.whole_seconds:
        lo, hi, offset, duration = _whole_seconds(rng, lo, hi, bounds.outer_hi, floor=bounds.outer_lo)
    if limits.latent_block_frames:
        hi, offset, duration = _latent_blocks(rng, lo, hi, limits.latent_block_frames, bounds.outer_hi, provider)
    check_rules(rng, limits, lo, hi, offset, duration, engine=provider)
    excerpt_seconds = float(Fraction(hi - lo) / rate)
    cost = estimate(limits, input_seconds=excerpt_seconds, section_seconds=float(duration),
                    output_seconds=excerpt_seconds).usd
    base_seed = rng.seed if rng.seed is not None else default_seed(rng)
    # Said where a cause outside the range's own shot cut the context short of what was asked.
    note = bounds.note(rng, lo, hi, before=lo == bounds.lo and lo > rng.record_in - pad,
                       after=hi == bounds.hi and hi < rng.record_out + pad)
    return [RetakePlan(range=rng, provider=provider, take_index=i, seed=base_seed + i, context_in=lo,
                       context_out=hi, section_start=offset, section_duration=duration, cost_usd=cost,
                       context_note=note)
            for i in range(rng.first_take, rng.first_take + rng.takes)]


def _whole_seconds(rng: MarkedRange, lo: int, hi: int, total: int, *, floor: int = 0
                   ) -> tuple[int, int, Fraction, Fraction]:
    """(lo, hi, section start, section duration) with the section on whole seconds of the excerpt, covering the
    marked frames: widened to the next whole second after their end, taking the frames it needs from the
    timeline (``total``: up to where the context may reach). Where it ends first (a marker at its end) the
    excerpt starts earlier instead (down to ``floor``), on the
    media before it, until a whole second falls in the second half of the marked range's last frame: the
    section ends there, with most of that frame in it (at 23.976 or 29.97 no whole second ever ends on a
    frame's end, and a host rounds a section's end to the nearest frame)."""
    rate = rng.rate
    tiny = Fraction(1, 10**6)
    offset = Fraction(rng.record_in - lo) / rate
    first, end = math.floor(offset), math.ceil(Fraction(rng.record_out - lo) / rate)
    needed = lo + math.ceil(end * rate - tiny)
    if needed <= total:
        return lo, max(hi, needed), Fraction(first), Fraction(end - first)
    for start in range(lo, max(floor, lo - 2 * math.ceil(rate)) - 1, -1):  # floor: how far the context may reach
        frames = rng.record_out - start  # the clip sent, up to the marked range's end
        whole = math.floor(frames / rate)
        if whole * rate > frames - Fraction(1, 2):  # ends in the second half of the last marked frame
            first = math.floor(Fraction(rng.record_in - start) / rate)
            return start, max(hi, rng.record_out), Fraction(first), Fraction(whole - first)
    return lo, min(needed, total), Fraction(first), Fraction(end - first)  # refused by check_rules, saying why


def _latent_blocks(rng: MarkedRange, lo: int, hi: int, block: int, total: int, provider: str
                   ) -> tuple[int, Fraction, Fraction]:
    """(hi, section start, section duration) with the section widened outward to the engine's latent blocks
    (block 0 is excerpt frame 0, block k >= 1 frames ``block*(k-1)+1 .. block*k``): an engine that rounds a
    section inward to its blocks (ComfyUI's LTXVSetAudioVideoMaskByTime) then regenerates every marked frame.
    The excerpt reaches at least to the section's end, so its length kept in whole blocks (``block*k + 1``
    frames, what the VAE keeps) still holds the section."""
    first, end = rng.record_in - lo, rng.record_out - lo
    start = 0 if first == 0 else 1 + block * ((first - 1) // block)
    stop = 1 + block * math.ceil((end - 1) / block)
    if lo + stop > total:
        raise RangeLengthError(
            f"marker '{rng.name}' ({rng.origin}) at {rng.record_in_tc}: {provider} regenerates whole blocks of "
            f"{block} frames and the block holding its last frame runs {lo + stop - total} frame(s) past the end "
            "of what can be sent", hint="end the marker a few frames earlier, or use another host")
    return max(hi, lo + stop), Fraction(start) / rng.rate, Fraction(stop - start) / rng.rate


@dataclass(frozen=True)
class Bounds:
    """How far a range's context may reach, ``[lo, hi)`` in record frames, and what stops it each side
    ("" where it is only the timeline's start or end)."""

    lo: int
    hi: int
    lo_why: str = ""
    hi_why: str = ""
    outer_lo: int | None = None  # as far as the context may go when the host needs more frames: across a gap
    outer_hi: int | None = None  # (its black is exact), never past anything else (None: lo, hi)
    outer_why: str = ""  # what stops it there

    def __post_init__(self) -> None:
        object.__setattr__(self, "outer_lo", self.lo if self.outer_lo is None else self.outer_lo)
        object.__setattr__(self, "outer_hi", self.hi if self.outer_hi is None else self.outer_hi)

    def note(self, rng: MarkedRange, lo: int | None = None, hi: int | None = None, *, before: bool,
             after: bool) -> str:
        """What cut the context short of what was asked; and black frames of a gap taken to reach the host's
        minimum input (``lo``/``hi``: the context planned)."""
        parts = []
        if lo is not None and lo < self.lo:
            parts.append(f"{self.lo - lo} frame(s) of black (a gap) before, from {rng.timecode(lo)}, for the "
                         "host's minimum input")
        if hi is not None and hi > self.hi:
            parts.append(f"{hi - self.hi} frame(s) of black (a gap) after, to {rng.timecode(hi)}, for the host's "
                         "minimum input")
        if before and self.lo_why:
            parts.append(f"{rng.record_in - self.lo} frame(s) before, from {rng.timecode(self.lo)}: stops at "
                         f"{self.lo_why}")
        if after and self.hi_why:
            parts.append(f"{self.hi - rng.record_out} frame(s) after, to {rng.timecode(self.hi)}: stops at "
                         f"{self.hi_why}")
        return "; ".join(parts)

    def describe(self, rng: MarkedRange) -> str:
        """What limits the context most (for a range that cannot get the frames its host needs)."""
        return self.outer_why or "the timeline's ends"


def clean_bounds(index: TimelineIndex, rng: MarkedRange, resolver: MediaResolver, *, total: int,
                 reach: int) -> Bounds:
    """The widest context ``[lo, hi)`` around a range whose frames all render exactly, looked for ``reach``
    frames each side in the picture the editor sees (the picture rule, ``TimelineIndex.picture``): it stops
    short of a transition, a clip or nest that cannot be rendered exactly (a retime, a freeze: whatever
    ``segments`` refuses), frames with no footage (a gap) and the end of a clip's media.

    The marked frames themselves are checked by ``segments`` (an ``UnsupportedEditError`` says why they
    cannot be rendered exactly); marked frames with no footage at all, or past their media's end, are refused
    here. Any refusal is the range's own: the caller skips it and goes on with the others.
    """
    a, b = rng.record_in, rng.record_out
    where = f"marker '{rng.name}' ({rng.origin}) at {rng.record_in_tc}-{rng.record_out_tc}"
    inside = index.segments(rng.picture, a, b, resolver, range_name=rng.name)
    if all(seg.is_gap for seg in inside):
        raise _no_picture(rng, inside)
    first_seen, last_seen = max(0, a - reach), min(total, b + reach)
    problems: list[tuple[int, int, str]] = []
    for piece in index.picture(rng.picture, first_seen, last_seen, resolver, range_name=rng.name, strict=False):
        if piece.item is None:  # black: a gap, or only what the picture rule passes over (a title...)
            problems.append((piece.record_in, piece.record_out, "a gap"))
        else:
            problems += _piece_problems(index, rng, resolver, piece)
    # looked no further than the host's longest input reaches: never the bound but with a --context longer
    lo, lo_why = first_seen, "" if first_seen == 0 else "the longest input the host takes"
    hi, hi_why = last_seen, "" if last_seen == total else "the longest input the host takes"
    outer_lo, outer_hi = lo, hi  # the same, but across gaps
    outer_why = {"lo": lo_why, "hi": hi_why}
    for first, last, why in problems:
        gap = why == "a gap"
        if first < b and last > a and not gap:  # black inside the marked frames is rendered black
            raise UnsupportedEditError(f"{where}: its marked frames reach {why} at {rng.timecode(max(first, a))}, "
                                       "which cannot be rendered exactly",
                                       hint="move the marker, or shorten it to stop before it")
        if first < a and min(last, a) > lo:
            lo, lo_why = min(last, a), why
        if first < a and not gap and min(last, a) > outer_lo:
            outer_lo, outer_why["lo"] = min(last, a), why
        if last > b and max(first, b) < hi:
            hi, hi_why = max(first, b), why
        if last > b and not gap and max(first, b) < outer_hi:
            outer_hi, outer_why["hi"] = max(first, b), why
    said = "; ".join(filter(None, (
        f"{a - outer_lo} frame(s) before, from {rng.timecode(outer_lo)}: stops at {outer_why['lo']}"
        if outer_why["lo"] else "",
        f"{outer_hi - b} frame(s) after, to {rng.timecode(outer_hi)}: stops at {outer_why['hi']}"
        if outer_why["hi"] else "")))
    return Bounds(lo, hi, lo_why, hi_why, outer_lo, outer_hi, said)


def _no_picture(rng: MarkedRange, inside) -> UnsupportedEditError:
    passed = "; ".join(dict.fromkeys(s.track for s in inside if s.track))  # a title, a take... (picture.py)
    return UnsupportedEditError(
        f"marker '{rng.name}' ({rng.origin}) at {rng.record_in_tc}-{rng.record_out_tc} "
        + (f"has no footage under it ({passed})" if passed else "covers only a gap")
        + ": there is no picture to retake",
        hint="move the marker onto a clip" + (", or name the track to use with --picture-track" if passed else ""))


def _piece_problems(index: TimelineIndex, rng: MarkedRange, resolver: MediaResolver, piece
                    ) -> list[tuple[int, int, str]]:
    """The frames of one piece of footage the context may not reach: the transitions over it on its track, all
    of it where ``segments`` refuses its clip (a retime, a freeze), and those past the end (or before the
    start) of its media."""
    clip, out = piece.item, []
    clear = [(piece.record_in, piece.record_out)]  # its frames clear of transitions
    track = index.video(piece.track_index) if piece.track_index >= 0 else None
    for other, first, last in (track.overlapping(piece.record_in, piece.record_out) if track else ()):
        if isinstance(other, otio.schema.Transition):
            kind = f"{other.transition_type or ''} {other.name or ''}"
            label = "a dissolve" if "dissolve" in kind.lower() else f"a transition ({kind.strip() or 'wipe'})"
            lo, hi = max(first, piece.record_in), min(last, piece.record_out)
            out.append((lo, hi, label))
            clear = [part for c0, c1 in clear for part in ((c0, min(c1, lo)), (max(c0, hi), c1)) if part[0] < part[1]]
    if not clear:
        return out
    c0, c1 = max(clear, key=lambda part: part[1] - part[0])
    try:
        segs = [s for s in index.segments(rng.picture, c0, c1, resolver, range_name=rng.name) if s.media is not None]
    except UnsupportedEditError as exc:
        why = exc.message.split(", which ", 1)[-1] if ", which " in exc.message else "cannot be rendered exactly"
        return [(piece.record_in, piece.record_out,
                 f"clip '{clip.name}' ({why.removeprefix('has a ').removeprefix('is ')})")]
    if len(segs) != 1:
        return out  # missing media (plan lists it offline), or more than this piece: the window's own check
    seg = segs[0]
    try:
        info = probe(seg.media.path)
    except MediaError:
        return out  # unreadable: the window's check says so, for this range alone
    length = Fraction(info.frames, 1) / info.rate if info.frames and info.rate else \
        Fraction(info.duration).limit_denominator(100000)
    step = seg.speed / rng.rate  # media seconds per record frame
    if length <= 0 or step <= 0:
        return out
    # record frame f shows media time t = file_start + (f - record_in) x step, kept while 0 <= t < length
    starts = seg.record_in + math.ceil((0 - seg.file_start) / step - Fraction(1, 10**6))
    ends = seg.record_in + math.ceil((length - seg.file_start) / step - Fraction(1, 10**6))
    if starts > piece.record_in:
        out.append((piece.record_in, min(starts, piece.record_out), f"the start of '{clip.name}''s media"))
    if ends < piece.record_out:
        out.append((max(ends, piece.record_in), piece.record_out, f"the end of '{clip.name}''s media"))
    return out


def check_rules(rng: MarkedRange, limits: Limits, lo: int, hi: int, offset: Fraction, duration: Fraction, *,
                engine: str) -> None:
    """The host's documented limits, checked on what will be sent after every adjustment (context, clamping to
    the shot, the host's minimum input, whole-second widening): refused here, before anything is uploaded."""
    rate = rng.rate
    where = f"marker '{rng.name}' ({rng.origin}) at {rng.record_in_tc}"
    input_seconds = Fraction(hi - lo) / rate
    eps = Fraction(1, 10**6)
    if hi - lo < limits.min_input_frames:
        raise RangeLengthError(
            f"{where}: the clip sent to {engine} would be {hi - lo} frames, fewer than the {limits.min_input_frames} "
            f"frames it needs", hint="use a longer marker, or a timeline with more picture around it")
    if input_seconds > Fraction(limits.max_input_seconds).limit_denominator(1000) + eps:
        raise RangeLengthError(
            f"{where}: the clip sent to {engine} would be {float(input_seconds):.2f} s, more than its maximum of "
            f"{limits.max_input_seconds:g} s", hint="use less context (--context) or a shorter marker")
    if offset < 0 or offset + duration > input_seconds + eps:
        raise RangeLengthError(
            f"{where}: the section sent to {engine} ({float(offset):.2f}-{float(offset + duration):.2f} s) would not "
            f"lie inside the {float(input_seconds):.2f} s clip"
            + (" after widening it to whole seconds" if limits.whole_seconds else ""),
            hint="move the marker away from the end of the timeline, or use a host without whole-second sections")
    if limits.max_section_start is not None and offset > Fraction(limits.max_section_start) + eps:
        raise RangeLengthError(
            f"{where}: the section would start {float(offset):.2f} s into the clip sent to {engine}, later than "
            f"its maximum start of {limits.max_section_start:g} s", hint="use less context before the marker (--context)")
    if duration < Fraction(limits.min_section_seconds).limit_denominator(1000) - eps or \
            duration > Fraction(limits.max_section_seconds).limit_denominator(1000) + eps:
        raise RangeLengthError(
            f"{where}: the section sent to {engine} would be {float(duration):.2f} s"
            + (" once widened to whole seconds" if limits.whole_seconds else "")
            + f", outside its {limits.min_section_seconds:g}-{limits.max_section_seconds:g} s",
            hint="shorten the marker (or split it in two)" if duration > limits.max_section_seconds
            else "lengthen the marker, or pass --widen")


def _grow_to(lo: int, hi: int, frames: int, first: int, last: int) -> tuple[int, int]:
    """Widen ``[lo, hi)`` evenly to ``frames``, within ``[first, last)``."""
    while hi - lo < frames and (lo > first or hi < last):
        need = frames - (hi - lo)
        left = min(lo - first, (need + 1) // 2)
        right = min(last - hi, need - left)
        if right < need - left:  # the end is near: take the rest from the left
            left = min(lo - first, need - right)
        lo, hi = lo - left, hi + right
    return lo, hi


def _shrink_to(lo: int, hi: int, rng: MarkedRange, frames: int) -> tuple[int, int]:
    while hi - lo > frames:
        before, after = rng.record_in - lo, hi - rng.record_out
        if before >= after and before > 0:
            lo += 1
        elif after > 0:
            hi -= 1
        else:
            break
    return lo, hi


def _secs(frames: int, rate: Fraction) -> str:
    return f"{float(frames / rate):.2f} s"


def build_plans(timeline, ranges: list[MarkedRange], *, limits_for: Callable[[str], Limits], provider: str,
                widen: bool = False, context_seconds: float | None = None,
                skipped: list[SkippedMarker] | None = None, source: str = "",
                resolver: MediaResolver | None = None) -> list[RetakePlan]:
    """Length-check and plan every range on its host (a ``provider:`` line, else ``provider``).

    With ``resolver`` each range's context stops short of what cannot be rendered exactly (``clean_bounds``).
    With ``skipped`` a range that cannot be planned (it does not fit its host, or its marked frames cannot be
    rendered exactly) is left out and listed there with its position and the reason, so one bad marker does
    not stop the others; an empty result is the caller's to judge. Without it the first bad range stops with
    its error. Messages name ``source``, the timeline file, when given.
    """
    rate = timeline_rate(timeline)
    total = round(timeline.tracks.duration().rescaled_to(float(rate)).value)
    index = TimelineIndex(timeline, rate)  # built once: a feature has thousands of items and hundreds of ranges
    plans: list[RetakePlan] = []
    prefix = f"{source}: " if source else ""
    for rng in ranges:
        host = rng.provider or provider
        try:
            limits = limits_for(host)
        except InputError as exc:
            if not rng.provider:
                raise
            error = InputError(f"{prefix}marker '{rng.name}' ({rng.origin}) asks for provider '{host}', which is "
                               f"not known", hint=f"fix the marker's `provider:` line ({exc.hint})")
            if skipped is None:
                raise error from None
            skipped.append(skip_of(rng, error))
            continue
        try:
            checked = check_length(rng, limits, engine=host, widen=widen, timeline_frames=total)
            shot = index.shot_bounds(checked.picture, checked.record_in, checked.record_out, resolver,
                                     range_name=checked.name)  # a refusal names its range
            bounds = None
            if resolver is not None:
                # as far as plan_range can take the context: what is asked, grown to the host's minimum input,
                # widened to whole seconds (looking further costs time on a feature and changes nothing)
                seconds = checked.context_seconds if checked.context_seconds is not None else (
                    context_seconds if context_seconds is not None else DEFAULT_CONTEXT_SECONDS)
                reach = math.ceil(seconds * rate) + limits.min_input_frames + 2 * math.ceil(rate)
                bounds = clean_bounds(index, checked, resolver, total=total, reach=reach)
            plans += plan_range(checked, limits=limits, provider=host, timeline_frames=total, shot=shot,
                                context_seconds=context_seconds, bounds=bounds)
        except (RangeLengthError, UnsupportedEditError, MediaError) as exc:
            if skipped is None:
                raise type(exc)(prefix + exc.message, hint=exc.hint) if prefix and \
                    type(exc) in (RangeLengthError, UnsupportedEditError, MediaError) else exc from None
            skipped.append(skip_of(rng, exc))
    return plans


def skip_of(rng: MarkedRange, error: RetakeError | str) -> SkippedMarker:
    """A range left out, at its record position, with the error's words (less the marker's name and place,
    which the listing gives) and its hint."""
    if isinstance(error, str):
        reason = error
    else:
        reason = error.message
        for said in (f"marker '{rng.name}' ({rng.origin}) at {rng.record_in_tc}-{rng.record_out_tc}",
                     f"marker '{rng.name}' ({rng.origin}) at {rng.record_in_tc}",
                     f"marker '{rng.name}' ({rng.origin})", f"range '{rng.name}'"):
            at = reason.find(said)
            if at != -1:  # "cut.otio: marker 'sky' (...) at 01:00:02:00: is 1.5 s long" -> "is 1.5 s long"
                reason = reason[at + len(said):].lstrip(":, ")
                break
        if error.hint:
            reason += f" ({error.hint})"
    return SkippedMarker(rng.name, rng.origin, reason, record_in=rng.record_in_tc, record_out=rng.record_out_tc,
                         record_frame=rng.start_frame + rng.record_in, frames=rng.duration)


def check_windows(timeline, plans: list[RetakePlan], resolver, *, skipped: list[SkippedMarker] | None = None
                  ) -> tuple[list[RetakePlan], dict[str, list[str]]]:
    """Every check a run makes before it spends anything, so a plan that passes is a run that starts.

    Each context window must map to media exactly (``segments`` refuses speed changes, freeze frames,
    transitions, nested and disabled clips), every marked range must show a clip, not only gaps, and every
    media file must be readable. Returns the plans that pass, and for each range whose media is not on this
    machine what is missing (its plans are kept: ``plan`` lists and prices them, ``run`` leaves them out).

    With ``skipped`` a range that fails is left out and listed there with its position and reason; without
    it the first such range stops everything, and so does missing media (``MissingMediaError``).
    """
    rate = timeline_rate(timeline)
    index = TimelineIndex(timeline, rate)
    missing: dict[str, list[str]] = {}
    media: dict[str, list[str]] = {}
    bad: dict[str, RetakeError] = {}
    seen: set[tuple] = set()
    for plan in plans:
        rng = plan.range
        key = (rng.name, rng.picture, plan.context_in, plan.context_out)
        if key in seen or rng.name in bad:
            continue
        seen.add(key)
        try:
            segments = index.segments(rng.picture, plan.context_in, plan.context_out, resolver, range_name=rng.name)
            inside = [s for s in segments if s.record_in < rng.record_out and s.record_out > rng.record_in]
            if inside and all(s.is_gap for s in inside):
                raise _no_picture(rng, inside)
        except UnsupportedEditError as exc:
            if skipped is None:
                raise
            bad[rng.name] = exc
            continue
        for seg in segments:
            if seg.missing:
                missing.setdefault(rng.name, [])
                if seg.missing not in missing[rng.name]:
                    missing[rng.name].append(seg.missing)
            elif seg.media is not None:
                media.setdefault(str(seg.media.path), []).append(rng.name)
    if missing and skipped is None:
        needed: dict[str, list[str]] = {}
        for name, whats in missing.items():
            for what in whats:
                needed.setdefault(what, []).append(name)
        raise MissingMediaError(
            f"{len(needed)} media file(s) needed by the marked ranges cannot be found:",
            missing=[f"{what} (needed by {', '.join(sorted(set(names)))})" for what, names in needed.items()],
            hint="point at the media with --media-dir DIR (repeatable); `otio-retake relink` lists what is found")
    for path, names in media.items():
        try:
            info = probe(path)
            if not info.has_video and not info.has_audio:
                raise MediaError(f"{path}: holds no picture or sound")
        except MediaError as exc:
            error = MediaError(f"{exc.message} (needed by {', '.join(sorted(set(names)))})",
                               hint=exc.hint or "replace or re-export the file, or relink the clip to a good copy")
            if skipped is None:
                raise error from None
            for name in names:
                bad.setdefault(name, MediaError(exc.message, hint=error.hint))
    if skipped is not None:
        done: set[str] = set()
        for plan in plans:
            if plan.range.name in bad and plan.range.name not in done:
                done.add(plan.range.name)
                skipped.append(skip_of(plan.range, bad[plan.range.name]))
    return [p for p in plans if p.range.name not in bad], {k: v for k, v in missing.items() if k not in bad}


# ------------------------------------------------------------------------------ jobs of a run (before it runs)
def jobs_for(plans: list[RetakePlan]) -> list[list[RetakePlan]]:
    """One job per take: each take is its own request (its own seed where the host takes one), so a
    lost answer is matched back to that take alone and no two takes share a result."""
    return [[plan] for plan in plans]


def sends_seed(provider: Provider) -> bool:
    """Whether the host's API takes a seed (documented): elsewhere no seed is sent and none is listed."""
    return bool(provider.accepts_seed)


class UnresolvedSubmitError(EngineError):
    """A submit's answer was lost and the host has no way to look the job up."""


class JobPlanner:
    """What a run's jobs are, worked out before anything runs: each window's segments, the media check, each
    job's identity (its journal key) and what the jobs would newly cost against a journal. The runner, the
    queue (``run --queue``) and the workers share it, so all of them name a job the same way."""

    def __init__(self, timeline, resolver: MediaResolver, pool: HostPool, workspace=None) -> None:
        self.timeline = timeline
        self.resolver = resolver
        self.pool = pool
        self.workspace = workspace  # named in the hints of a refused legacy job
        self._legacy_checked: set[str] = set()  # new keys already looked for in a pre-identity journal
        self._v2_checked: set[str] = set()  # new keys already looked for under identity VERSION 2's key
        # The footage's content digests, kept in the workspace so each file is read once (digests.py).
        self.digests = MediaDigests(workspace.root if workspace is not None else None)
        self.rate = timeline_rate(timeline)
        self._segments: dict[tuple, list[Segment]] = {}
        self._index = TimelineIndex(timeline, self.rate)

    def segments(self, plan: RetakePlan) -> list[Segment]:
        key = (plan.range.name, plan.range.picture, plan.context_in, plan.context_out)
        if key not in self._segments:
            self._segments[key] = self._index.segments(plan.range.picture, plan.context_in, plan.context_out,
                                                       self.resolver, range_name=plan.range.name)
        return self._segments[key]

    def check(self, plans: list[RetakePlan]) -> None:
        """Refuse before spending anything: every window must map to media on this machine."""
        missing: dict[str, list[str]] = {}
        for plan in plans:
            for seg in self.segments(plan):
                if seg.missing:
                    missing.setdefault(seg.missing, []).append(plan.range.name)
        if missing:
            raise MissingMediaError(
                f"{len(missing)} media file(s) needed by the marked ranges cannot be found:",
                missing=[f"{what} (needed by {', '.join(sorted(set(names)))})" for what, names in missing.items()],
                hint="point at the media with --media-dir DIR (repeatable); `otio-retake relink` lists what is found")

    def identity(self, plans: list[RetakePlan]) -> JobIdentity:
        """The job's identity (identity.py): its journal key and the names of the files it writes."""
        first = plans[0]
        provider = self.pool.provider(first.provider)
        excerpt = excerpt_key(self.segments(first), self.rate, provider.limits, self.digests)
        return job_identity(plans, host=provider.name, model=provider.model, endpoint=provider.base_url,
                            seed_sent=sends_seed(provider), host_params=provider.host_params(), excerpt=excerpt)

    def _v2_key(self, plans: list[RetakePlan]) -> str:
        provider = self.pool.provider(plans[0].provider)
        return v2_key(as_before(plans), host=provider.name, model=provider.model,
                      endpoint=provider.base_url, seed_sent=sends_seed(provider),
                      host_params=provider.host_params(), segments=self.segments(plans[0]),
                      rate=self.rate, limits=provider.limits)

    def plan_key(self, plans: list[RetakePlan]) -> str:
        """The journal's key for a job: the same inputs give the same key, any changed input a new one."""
        return self.identity(plans).key

    def adopt_legacy(self, plans: list[RetakePlan], journal: Store) -> list[str]:
        """Re-key the paid jobs a journal from before job identities holds for these plans (one note each).

        Such a journal keyed a job by ``identity.legacy_key`` and named its files by range, take and host, so
        a file there may hold another request's result: the job's handle and result URLs are kept (nothing is
        paid twice) but its files are never reused; the result is fetched again into files named by the new
        identity (an expired one goes the expired way: said, priced, or stopped). A submit whose answer that
        version lost, or a job making several takes still in flight, cannot be matched to one take: refused,
        with what to do. Rows whose request differs from today's plans are not these plans' jobs."""
        notes = self._adopt_v2(plans, journal)
        groups: dict[tuple, list[RetakePlan]] = {}
        for plan in plans:  # the old grouping: a range's takes in one host job where the host has variations
            groups.setdefault((plan.range.name, plan.provider, plan.context_in, plan.context_out), []).append(plan)
        for group in groups.values():
            provider = self.pool.provider(group[0].provider)
            group.sort(key=lambda p: p.take_index)
            per_job = max(1, provider.limits.max_variations)
            for old_job in (group[i:i + per_job] for i in range(0, len(group), per_job)):
                keys = [self.plan_key([p]) for p in old_job]
                if all(k in self._legacy_checked for k in keys):
                    continue
                old = journal.get(legacy_key(as_before(old_job), model=provider.model,
                                             segments=self.segments(old_job[0])))
                if old is not None and old.state in PAID_STATES | {JobState.EXPIRED} and \
                        all(journal.get(k) is None for k in keys):
                    # a refusal leaves them unchecked: asked again
                    notes.append(self._adopt(old, old_job, keys, journal))
                self._legacy_checked.update(keys)
        return notes

    def _adopt_v2(self, plans: list[RetakePlan], journal: Store) -> list[str]:
        """Re-key the jobs a journal written under identity VERSION 2 holds for these plans (one note each).

        That version keyed a job by its media's path and modification time, the range's name and where its
        window sat: the row is the same request, so everything it holds is kept under the new key (its handle,
        results and takes: a take file it left is used only while its bytes are still the ones it cut). A submit
        whose answer it lost is looked up at the host by what that version sent, which this one cannot
        rebuild: refused, with what to do."""
        notes = []
        for job in jobs_for(plans):
            key = self.plan_key(job)
            if key in self._v2_checked:
                continue
            if journal.get(key) is None:
                old = journal.get(self._v2_key(job))
                if old is not None and old.state in PAID_STATES | {JobState.EXPIRED}:
                    first = job[0]
                    where = f"range '{first.range.name}' take {first.take_letter} ({first.range.origin})"
                    if old.state == JobState.SUBMITTING:
                        raise UnresolvedSubmitError(
                            f"{where}: the journal, written by an older otio-retake, holds a submit to "
                            f"{old.provider} whose answer was lost; this version cannot look it up",
                            hint=f"check {old.provider}'s dashboard, then `otio-retake cancel {self.workspace.root} "
                                 f"--range {first.range.name}` and run again (it submits the take anew, paid again)")
                    journal.plan(key, range_name=first.range.name, takes=first.take_letter, provider=old.provider,
                                 model=old.model, cost_estimate=first.cost_usd)
                    journal.move(key, old.state, handle=old.handle, result_urls=old.result_urls or None,
                                 results=old.results or None, takes_json=old.takes_json or None,
                                 cost_reported=old.cost_reported, attempt=old.attempt, error=old.error,
                                 idempotency_key=old.idempotency_key, request=old.request,
                                 detail=f"re-keyed from job {old.plan_key[:12]} of a journal written under job "
                                        f"identity version 2 (already paid)")
                    journal.move(old.plan_key, JobState.SUPERSEDED,
                                 detail=f"re-keyed as {key[:12]} under this version's job identity")
                    notes.append(f"{where}: a job already paid for in a journal from an older otio-retake is used "
                                 f"again, not paid twice")
            self._v2_checked.add(key)
        return notes

    def _adopt(self, old, plans: list[RetakePlan], keys: list[str], journal: Store) -> str:
        first = plans[0]
        where = f"range '{first.range.name}' take{'s' if len(plans) > 1 else ''} {old.takes} ({first.range.origin})"
        done = old.state in (JobState.FINISHED_REMOTELY, JobState.DOWNLOADED, JobState.TAKE_READY)
        split = old.state == JobState.EXPIRED or (done and len(old.result_urls) >= len(plans))
        if old.state == JobState.SUBMITTING or (len(plans) > 1 and not split):
            what = "a submit whose answer was lost" if old.state == JobState.SUBMITTING else \
                f"one {old.provider} job making {len(plans)} takes, " + (
                    "still running" if old.state == JobState.SUBMITTED else "without a result for each")
            raise UnresolvedSubmitError(
                f"{where}: the journal, written by an older otio-retake, holds {what}; this version makes each "
                f"take its own job and cannot tell which take it is",
                hint=f"check {old.provider}'s dashboard, then `otio-retake cancel {self.workspace.root} --range "
                     f"{first.range.name}` and run again (it submits each take anew, paid again)")
        share = round(old.cost_reported / len(plans), 4) if old.cost_reported is not None else None
        for index, (plan, key) in enumerate(zip(plans, keys)):
            state = JobState.FINISHED_REMOTELY if done else old.state  # submitted or expired: polled / said
            urls = [old.result_urls[index]] if done and old.result_urls else None
            journal.plan(key, range_name=plan.range.name, takes=plan.take_letter, provider=old.provider,
                              model=old.model, cost_estimate=plan.cost_usd)
            journal.move(key, state, handle=old.handle, result_urls=urls, cost_reported=share,
                              attempt=old.attempt, idempotency_key=old.idempotency_key, request=old.request,
                              detail=f"re-keyed from job {old.plan_key[:12]} of a journal written before job "
                                     f"identities (already paid; its files are not reused)")
        journal.move(old.plan_key, JobState.SUPERSEDED,
                          detail="re-keyed as " + ", ".join(k[:12] for k in keys) + " under this version's job identity")
        return f"{where}: a job already paid for in a journal from an older otio-retake is used again, not paid twice"

    def pending_cost(self, plans: list[RetakePlan], journal: Store) -> float:
        """What running these plans would newly spend: jobs the journal has as paid cost nothing more."""
        self.adopt_legacy(plans, journal)
        total = 0.0
        for job in jobs_for(plans):
            record = journal.get(self.plan_key(job))
            if record is None or record.state not in PAID_STATES:
                total += job[0].cost_usd
        return round(total, 4)

    def expired_notices(self, plans: list[RetakePlan], journal: Store) -> list[str]:
        """One line per job whose result expired at the host: this run pays for it again."""
        notes = []
        self.adopt_legacy(plans, journal)
        for job in jobs_for(plans):
            record = journal.get(self.plan_key(job))
            if record is not None and record.state == JobState.EXPIRED:
                notes.append(f"range '{job[0].range.name}' take {job[0].take_letter}: the {record.provider} result "
                             f"expired at the host; it is submitted again (about ${job[0].cost_usd:.2f}, counted "
                             f"above; --no-resubmit-expired to stop instead)")
        return notes
