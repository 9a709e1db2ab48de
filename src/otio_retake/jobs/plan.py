"""MarkedRange -> RetakePlans: the context window, the section and the cost, within the host's limits.

Window policy (DESIGN.md): ``context`` seconds each side of the range
(default 2 s: enough for the model to match motion and light, and LTX bills
every input second), clamped to the shots the range touches so the model
does not see a cut it should not reproduce, then widened past the shot only
as far as the host's minimum input needs, clamped to the timeline, and
trimmed to the host's maximum input.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import replace
from fractions import Fraction

from ..errors import InputError, RangeLengthError
from .cost import estimate
from ..model import MarkedRange, RetakePlan
from ..providers.base import Limits
from ..timeline.info import timeline_rate
from ..timeline.segments import shot_bounds

__all__ = ["build_plans", "plan_range", "check_length", "check_rules", "DEFAULT_CONTEXT_SECONDS", "default_seed"]

DEFAULT_CONTEXT_SECONDS = 2.0


def default_seed(rng: MarkedRange) -> int:
    """A seed derived from the request, so the same command asks for the same generation."""
    digest = hashlib.sha256(f"{rng.name}|{rng.prompt}|{rng.mode.value}|{rng.record_in}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 2_000_000_000


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
               shot: tuple[int, int], context_seconds: float | None = None) -> list[RetakePlan]:
    """One plan per take of an already length-checked range."""
    rate = rng.rate
    seconds = rng.context_seconds if rng.context_seconds is not None else (
        context_seconds if context_seconds is not None else DEFAULT_CONTEXT_SECONDS)
    if not limits.honours_section:  # whatever is sent may be regenerated: send only what is to be retaken
        seconds = 0
    pad = round(Fraction(seconds).limit_denominator(1000) * rate)
    lo = max(rng.record_in - pad, min(shot[0], rng.record_in), 0)
    hi = min(rng.record_out + pad, max(shot[1], rng.record_out), timeline_frames)
    lo, hi = _grow_to(lo, hi, limits.min_input_frames, timeline_frames)
    if hi - lo < limits.min_input_frames:
        raise RangeLengthError(
            f"marker '{rng.name}' ({rng.origin}): the timeline has only {timeline_frames} frames, fewer than the "
            f"{limits.min_input_frames} input frames {provider} needs",
            hint=f"retake a longer timeline (at least {limits.min_input_frames} frames)")
    lo, hi = _shrink_to(lo, hi, rng, math.floor(limits.max_input_seconds * rate + 1e-9))
    offset = Fraction(rng.record_in - lo) / rate
    duration = Fraction(rng.duration) / rate
    if limits.whole_seconds:
        start = math.floor(offset)
        duration = Fraction(math.ceil(offset + duration) - start)
        offset = Fraction(start)
        # The widened section may now end after the excerpt: take the frames it needs from the timeline.
        needed = lo + math.ceil((offset + duration) * rate - Fraction(1, 10**6))
        if needed > hi:
            hi = min(needed, timeline_frames)
    check_rules(rng, limits, lo, hi, offset, duration, engine=provider)
    excerpt_seconds = float(Fraction(hi - lo) / rate)
    cost = estimate(limits, input_seconds=excerpt_seconds, section_seconds=float(duration),
                    output_seconds=excerpt_seconds).usd
    base_seed = rng.seed if rng.seed is not None else default_seed(rng)
    return [RetakePlan(range=rng, provider=provider, take_index=i, seed=base_seed + i, context_in=lo,
                       context_out=hi, section_start=offset, section_duration=duration, cost_usd=cost)
            for i in range(rng.takes)]


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


def _grow_to(lo: int, hi: int, frames: int, total: int) -> tuple[int, int]:
    while hi - lo < frames and (lo > 0 or hi < total):
        need = frames - (hi - lo)
        left = min(lo, (need + 1) // 2)
        right = min(total - hi, need - left)
        if right < need - left:  # the end is near: take the rest from the left
            left = min(lo, need - right)
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
                widen: bool = False, context_seconds: float | None = None, source: str = "") -> list[RetakePlan]:
    """Length-check and plan every range on its host (a ``provider:`` line, else ``provider``);
    the first bad range stops with its error (naming ``source``, the timeline file, when given)."""
    rate = timeline_rate(timeline)
    total = round(timeline.tracks.duration().rescaled_to(float(rate)).value)
    plans: list[RetakePlan] = []
    prefix = f"{source}: " if source else ""
    for rng in ranges:
        host = rng.provider or provider
        try:
            limits = limits_for(host)
        except InputError as exc:
            if not rng.provider:
                raise
            raise InputError(f"{prefix}marker '{rng.name}' ({rng.origin}) asks for provider '{host}', which is not "
                             f"known", hint=f"fix the marker's `provider:` line ({exc.hint})") from None
        try:
            checked = check_length(rng, limits, engine=host, widen=widen, timeline_frames=total)
            shot = shot_bounds(timeline, checked.track_index, checked.record_in, checked.record_out, rate)
            plans += plan_range(checked, limits=limits, provider=host, timeline_frames=total, shot=shot,
                                context_seconds=context_seconds)
        except RangeLengthError as exc:
            if not prefix:
                raise
            raise RangeLengthError(prefix + exc.message, hint=exc.hint) from None
    return plans
