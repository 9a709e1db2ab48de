"""A clip's constant speed or freeze, as the EDL and FCP 7 XML writers carry it (M2 lines, Time Remap).

OTIO keeps a retimed clip's RECORD length in its ``source_range`` and the speed in a ``LinearTimeWarp``
(or a ``FreezeFrame``); both formats also state how many source frames it shows. That count is kept as
read (``metadata["otio_retake"]["retime_source"]``) because a file's speed is rounded (an EDL's M2 to
0.1 fps), and otherwise computed as the frames really shown: the last one, plus one.
"""

from __future__ import annotations

import math
from fractions import Fraction

import opentimelineio as otio

from ..errors import UnsupportedEditError
from .info import NAMESPACE, namespace

__all__ = ["clip_speed", "source_frames", "keep_source_frames", "KEPT"]

KEPT = "retime_source"


def _retimes(effect: otio.schema.Effect) -> bool:
    """A time effect OTIO has no schema for: by its type, or its name (Premiere's variable-speed Time Remap
    is read by the fcp_xml adapter as a plain effect named so, ``effectid`` timeremap)."""
    fcp = effect.metadata.get("fcp_xml")
    names = " ".join([effect.effect_name or "", effect.name or "",
                      str(fcp.get("effectid", "")) if hasattr(fcp, "get") else ""]).lower()
    # not any "time": Premiere's Timecode burn-in is a picture effect
    return isinstance(effect, otio.schema.TimeEffect) or \
        any(w in names for w in ("speed", "remap", "timewarp", "time warp", "retime", "freeze"))


def clip_speed(clip: otio.schema.Clip, *, where: str, format_name: str,
               kept=lambda effect: False) -> Fraction | None:
    """Source frames per record frame (0 for a freeze), None for none; refuses what one speed cannot say,
    but the effects ``kept`` says the writer carries as they were read."""
    speed = None
    for effect in clip.effects:
        if isinstance(effect, otio.schema.FreezeFrame):
            value = Fraction(0)
        elif isinstance(effect, otio.schema.LinearTimeWarp):
            value = Fraction(effect.time_scalar).limit_denominator(100000)
        elif kept(effect):
            continue
        elif _retimes(effect):
            raise UnsupportedEditError(f"clip '{clip.name}' ({where}) has the time effect "
                                       f"'{effect.effect_name or effect.name}', which {format_name} cannot carry",
                                       hint="render it to a new media file, or write .otio instead")
        else:
            continue
        if speed is not None:
            raise UnsupportedEditError(f"clip '{clip.name}' ({where}) has two time effects; {format_name} carries "
                                       "one speed", hint="render it to a new media file, or write .otio instead")
        speed = value
    return None if speed == 1 else speed


def source_frames(clip: otio.schema.Clip, frames: int, speed: Fraction | None) -> int:
    """The source frames a clip of ``frames`` record frames shows (as read, while it is the clip read)."""
    if speed is None:
        return frames
    kept = namespace(clip, NAMESPACE).get(KEPT)
    if kept and clip.source_range is not None and round(clip.source_range.start_time.value) == kept.get("in_value") \
            and frames == kept.get("frames"):
        return int(kept["length"])
    if speed == 0 or frames <= 0:
        return 1
    return math.floor((frames - 1) * abs(speed)) + 1


def keep_source_frames(clip: otio.schema.Clip, frames: int, length: int) -> None:
    """Note the source length a file gave a retimed clip of ``frames`` record frames."""
    clip.metadata.setdefault(NAMESPACE, {})[KEPT] = {"in_value": round(clip.source_range.start_time.value),
                                                     "frames": frames, "length": length}
