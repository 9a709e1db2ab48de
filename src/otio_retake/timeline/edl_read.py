"""CMX 3600 EDL -> a normalised OTIO timeline with its markers at record time.

The cut comes from the cmx_3600 adapter; what it gets wrong is put right
here (interchange.md):

- the rate: ``--fps`` wins, then ``FCM: DROP FRAME`` (29.97, or 59.94 when a
  frame field reaches 30), then the smallest standard rate the frame fields
  fit (24, 25, 30, 50, 60); whether timecode is drop-frame is kept in
  ``metadata["otio_retake"]["edl"]`` so the EDL is written back the same way;
- record time: the adapter puts the first record timecode into stack time
  (a negative track ``source_range``); here stack time 0 is the first frame
  and ``global_start_time`` holds its timecode;
- Avid ``* LOC:`` lines are RECORD timecodes (the adapter takes them as media
  time and drops drop-frame ones): they become Stack markers at record time;
- Resolve marker comments ``<note> |C:ResolveColorX |M:<name> |D:<frames>``
  become Stack markers with their colour, name, note and duration, at the
  record in of the event they sit under (a Resolve markers EDL has one
  one-frame event per marker at the marker's record timecode).
"""

from __future__ import annotations

from fractions import Fraction

import opentimelineio as otio
from opentimelineio.opentime import RationalTime, TimeRange

from ..errors import TimelineReadError
from ..media.timecode import NTSC_RATES, snap_rate, timecode_to_frames
from .edl_parse import EdlDocument, parse_edl
from .info import NAMESPACE, global_start_frames, timeline_rate

__all__ = ["edl_rate", "read_edl", "overlay_markers"]


def edl_rate(doc: EdlDocument, fps: str | float | None) -> Fraction:
    highest = max((int(tc[-2:]) for tc in doc.timecodes()), default=0)
    if fps is not None:
        return snap_rate(fps)
    if doc.drop_frame:
        return NTSC_RATES[60] if highest >= 30 else NTSC_RATES[30]
    for nominal in (24, 25, 30, 50, 60):
        if highest < nominal:
            return Fraction(nominal)
    return Fraction(60)


def read_edl(text: str, *, fps: str | float | None = None, markers: str | None = None,
             source: str = "EDL", markers_source: str = "markers EDL") -> otio.schema.Timeline:
    """The cut of an EDL, with its LOCs and Resolve markers (and those of ``markers``) on the Stack."""
    doc = parse_edl(text)
    if not doc.events:
        raise TimelineReadError("no EDL events found (is this a CMX 3600 EDL?)", path=source)
    rate = edl_rate(doc, fps)
    try:
        timeline = otio.adapters.read_from_string(text, "cmx_3600", rate=float(rate), ignore_timecode_mismatch=True)
    except Exception as exc:  # the adapter raises its own parse errors and plain ValueErrors
        raise TimelineReadError(f"could not be parsed as a CMX 3600 EDL at {float(rate):g} fps: {exc}",
                                path=source, hint="pass --fps if the rate is not the one assumed") from exc
    drop = doc.drop_frame if doc.drop_frame is not None else False
    _move_record_start_to_global(timeline, rate)
    # The adapter's LOC markers sit at media time and miss drop-frame ones: rebuilt from the text.
    for clip in timeline.find_clips():
        del clip.markers[:]
    _add_markers(timeline, doc, rate, source)
    timeline.metadata.setdefault(NAMESPACE, {})["edl"] = {"fcm": doc.fcm, "rate": str(rate), "drop_frame": drop}
    if markers is not None:
        overlay_markers(timeline, markers, source=markers_source)
    return timeline


def overlay_markers(timeline: otio.schema.Timeline, text: str, *, source: str = "markers EDL") -> int:
    """Add the markers of a Resolve "Timeline Markers to EDL" file (or its LOCs) to the Stack."""
    doc = parse_edl(text)
    found = _add_markers(timeline, doc, timeline_rate(timeline), source)
    if not found:
        raise TimelineReadError(
            "no markers found: expected one event per marker with a comment line like "
            "'note |C:ResolveColorBlue |M:name |D:48'", path=source,
            hint="in Resolve use Timelines > Export > Timeline Markers to EDL")
    return found


def _add_markers(timeline: otio.schema.Timeline, doc: EdlDocument, rate: Fraction, source: str) -> int:
    start = global_start_frames(timeline, rate)
    found = 0
    for event in doc.events:
        for loc in event.locators:
            frame = timecode_to_frames(loc.timecode, rate) - start
            _stack_marker(timeline, rate, frame, 0, name=loc.name, color=loc.color or "RED", note=loc.name,
                          origin=f"{source} line {loc.line} (LOC {loc.timecode})")
            found += 1
        for rm in event.resolve_markers:
            frame = timecode_to_frames(event.rec_in, rate) - start
            _stack_marker(timeline, rate, frame, rm.duration, name=rm.name, color=rm.color, note=rm.note,
                          origin=f"{source} event {event.number} line {event.line}", resolve_color=rm.resolve_color)
            found += 1
    return found


def _move_record_start_to_global(timeline: otio.schema.Timeline, rate: Fraction) -> None:
    starts = []
    for track in timeline.tracks:
        sr = track.source_range
        starts.append(round(-sr.start_time.value) if sr is not None and sr.start_time.value < 0 else 0)
    first = min(starts) if starts else 0
    r = float(rate)
    for track, start in zip(timeline.tracks, starts):
        track.source_range = None
        if start > first:
            track.insert(0, otio.schema.Gap(source_range=TimeRange(RationalTime(0, r), RationalTime(start - first, r))))
    timeline.global_start_time = RationalTime(first, r)


def _stack_marker(timeline, rate: Fraction, frame: int, duration: int, *, name: str, color: str, note: str,
                  origin: str, resolve_color: str | None = None) -> None:
    meta = {"origin": origin}
    if resolve_color:
        meta["resolve_color"] = resolve_color
    r = float(rate)
    marker = otio.schema.Marker(name=name, marked_range=TimeRange(RationalTime(frame, r), RationalTime(duration, r)),
                                color=color, metadata={NAMESPACE: meta})
    marker.comment = note
    timeline.tracks.markers.append(marker)
