"""Small facts about a normalised timeline that every stage asks for."""

from __future__ import annotations

import re
from collections.abc import Mapping
from fractions import Fraction

import opentimelineio as otio

from ..timecode import is_drop_frame_rate, snap_rate

__all__ = ["xml_text", "NAMESPACE", "namespace", "timeline_rate", "global_start_frames", "timeline_drop_frame", "file_drop_frame",
           "DEFAULT_RATE"]

NAMESPACE = "otio_retake"  # our metadata key on every OTIO object we touch
DEFAULT_RATE = Fraction(24)


# Characters XML 1.0 cannot hold (C0 controls but tab, newline and return; U+FFFE/U+FFFF; lone surrogates).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(text: str | None) -> str:
    """Text an XML file can hold: a vertical tab or form feed from a pasted note becomes a space."""
    return _NOT_XML.sub(" ", text or "")


def namespace(obj, key: str) -> Mapping:
    """``obj.metadata[key]`` when it is a mapping (OTIO's AnyDictionary is not a ``dict``), else empty."""
    value = obj.metadata.get(key)
    return value if isinstance(value, Mapping) else {}


def timeline_rate(timeline: otio.schema.Timeline) -> Fraction:
    """The timeline's exact frame rate."""
    if timeline.global_start_time is not None:
        return snap_rate(timeline.global_start_time.rate)
    for clip in timeline.find_clips():
        if clip.source_range is not None:
            return snap_rate(clip.source_range.duration.rate)
    return DEFAULT_RATE


def global_start_frames(timeline: otio.schema.Timeline, rate: Fraction | None = None) -> int:
    """The record timecode of the first frame, in frames."""
    if timeline.global_start_time is None:
        return 0
    rate = rate or timeline_rate(timeline)
    return round(timeline.global_start_time.rescaled_to(float(rate)).value)


def timeline_drop_frame(timeline: otio.schema.Timeline) -> bool:
    """Whether record timecode is drop-frame: as the file said, else by the rate's convention.

    The one place that decides it, so markers, plans, the run summary and every written file agree:
    an EDL's ``FCM:``, FCPXML's ``tcFormat``, FCP 7 XML's ``<timecode><displayformat>`` (kept by
    the fcp_xml adapter), or what ``read_timeline`` recorded. Drop-frame exists only at 29.97/59.94.
    """
    rate = timeline_rate(timeline)
    said = file_drop_frame(timeline)
    if said is not None:
        return said and is_drop_frame_rate(rate)
    return is_drop_frame_rate(rate)


def file_drop_frame(timeline: otio.schema.Timeline) -> bool | None:
    """The timecode mode the timeline's file states, or None when it states none."""
    ours = namespace(timeline, NAMESPACE)
    if ours.get("drop_frame") is not None:
        return bool(ours["drop_frame"])
    for key in ("edl", "fcpxml"):
        entry = ours.get(key)
        if isinstance(entry, Mapping) and entry.get("drop_frame") is not None:
            return bool(entry["drop_frame"])
    tc = namespace(timeline, "fcp_xml").get("timecode")
    if isinstance(tc, Mapping) and tc.get("displayformat"):
        return str(tc["displayformat"]).strip().upper() == "DF"
    return None
