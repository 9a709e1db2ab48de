"""Frame rates and SMPTE timecode.

Rates are kept as exact ``Fraction``s (24000/1001, never 23.976) because a
float rate drifts by a frame every few minutes of 23.976 material. OTIO's own
timecode functions do the drop-frame arithmetic; this module only snaps rates
and picks the drop-frame convention. It sits at the bottom with ``model`` and
``errors``: every stage counts frames, so none of them owns it.
"""

from __future__ import annotations

from fractions import Fraction

import opentimelineio as otio

__all__ = [
    "NTSC_RATES",
    "snap_rate",
    "is_drop_frame_rate",
    "frames_to_timecode",
    "timecode_to_frames",
    "rate_label",
    "frames_of",
]

# The NTSC family: nominal integer rate -> exact rate.
NTSC_RATES = {24: Fraction(24000, 1001), 30: Fraction(30000, 1001), 48: Fraction(48000, 1001),
              60: Fraction(60000, 1001), 120: Fraction(120000, 1001)}


def snap_rate(rate: float | Fraction | str) -> Fraction:
    """An exact rate for a float or text rate ("23.976", 29.97, "24000/1001", 25)."""
    if isinstance(rate, str):
        rate = Fraction(rate) if "/" in rate else float(rate)
    if isinstance(rate, Fraction):
        return rate
    rate = float(rate)
    nearest = round(rate)
    if abs(rate - nearest) < 1e-6:
        return Fraction(nearest)
    for nominal, exact in NTSC_RATES.items():
        if abs(rate - float(exact)) < 0.01:
            return exact
    return Fraction(rate).limit_denominator(1001)


def is_drop_frame_rate(rate: Fraction) -> bool:
    """Whether timecode at this rate is drop-frame by convention (29.97, 59.94)."""
    return rate in (NTSC_RATES[30], NTSC_RATES[60])


def frames_to_timecode(frames: int, rate: Fraction, drop_frame: bool | None = None) -> str:
    """``HH:MM:SS:FF`` (``;`` before the frames for drop-frame)."""
    if drop_frame is None:
        drop_frame = is_drop_frame_rate(rate)
    return otio.opentime.to_timecode(otio.opentime.RationalTime(frames, float(rate)), float(rate), drop_frame)


def timecode_to_frames(timecode: str, rate: Fraction) -> int:
    """Frames from ``HH:MM:SS:FF``; a ``;`` anywhere marks drop-frame."""
    return round(otio.opentime.from_timecode(timecode.strip(), float(rate)).value)


def rate_label(rate: Fraction) -> str:
    """A rate the way editors say it: 24, 23.976, 29.97."""
    if rate.denominator == 1:
        return str(rate.numerator)
    return f"{float(rate):.3f}".rstrip("0").rstrip(".")


def frames_of(time: otio.opentime.RationalTime, rate: Fraction | float) -> int:
    """``time`` as a whole number of frames at ``rate``, rounded to the nearest.

    Not OTIO's ``to_frames``, which truncates: a time that went through seconds
    at 23.976 comes back a hair under its frame (47.99999) and would land one
    frame early (measured: 1,654 of 28,572 frames at 24000/1001).
    """
    return round(time.value_rescaled_to(float(rate)))
