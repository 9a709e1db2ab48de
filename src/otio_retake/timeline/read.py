"""Timeline files -> one normalised OTIO ``Timeline``.

After ``read_timeline`` every timeline looks the same to the later stages,
whatever wrote it:

- stack time 0 is the first frame of the cut and ``global_start_time`` holds
  the record timecode of that frame (the EDL adapter instead puts the record
  timecode into stack time with a negative track ``source_range``);
- EDL markers sit on the Stack at their RECORD time (Avid ``LOC``s, drop-frame
  included, and Resolve marker comments), with the note in ``Marker.comment``;
- a Resolve "Timeline Markers to EDL" file given with ``markers=`` is overlaid
  as Stack markers on any cut.

Only reads: the input file is opened read-only and never rewritten.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
from opentimelineio.opentime import RationalTime, TimeRange

from ..errors import TimelineReadError
from ..media.timecode import is_drop_frame_rate, snap_rate, timecode_to_frames
from .edl_parse import EdlDocument, parse_edl

__all__ = ["read_timeline", "timeline_rate", "namespace", "SUPPORTED_READ_SUFFIXES", "NAMESPACE"]

NAMESPACE = "otio_retake"
SUPPORTED_READ_SUFFIXES = {".otio": "otio_json", ".edl": "cmx_3600", ".xml": "fcp_xml",
                           ".fcpxml": "fcpx_xml"}
# The rate an EDL is read at when neither --fps nor FCM says otherwise.
DEFAULT_EDL_RATE = Fraction(24)


def read_timeline(path: str | Path, *, fps: str | float | None = None,
                  markers: str | Path | None = None) -> otio.schema.Timeline:
    """Read and normalise a timeline; ``markers`` is a Resolve markers EDL to overlay."""
    path = Path(path)
    text = _read_text(path)
    suffix = path.suffix.lower()
    adapter = SUPPORTED_READ_SUFFIXES.get(suffix)
    if adapter is None:
        raise TimelineReadError(
            f"unknown timeline format '{suffix or '(no extension)'}'", path=str(path),
            hint="use one of: " + ", ".join(sorted(SUPPORTED_READ_SUFFIXES)))
    if adapter == "cmx_3600":
        timeline = _read_edl(path, text, fps)
    else:
        timeline = _read_with_adapter(path, text, adapter)
        if fps is not None:
            # Only the rate of a timeline without its own can be set.
            if timeline.global_start_time is None:
                timeline.global_start_time = RationalTime(0, float(snap_rate(fps)))
    if not timeline.tracks.find_clips():
        raise TimelineReadError("the timeline has no clips", path=str(path))
    if markers is not None:
        overlay_marker_edl(timeline, Path(markers))
    timeline.metadata.setdefault(NAMESPACE, {})["source_file"] = str(path)
    return timeline


def namespace(obj, key: str) -> Mapping:
    """``obj.metadata[key]`` when it is a mapping (OTIO's AnyDictionary is not a ``dict``), else empty."""
    value = obj.metadata.get(key)
    return value if isinstance(value, Mapping) else {}


def timeline_rate(timeline: otio.schema.Timeline) -> Fraction:
    """The timeline's exact frame rate."""
    if timeline.global_start_time is not None:
        return snap_rate(timeline.global_start_time.rate)
    for clip in timeline.tracks.find_clips():
        if clip.source_range is not None:
            return snap_rate(clip.source_range.duration.rate)
    return DEFAULT_EDL_RATE


def _read_text(path: Path) -> str:
    if not path.exists():
        raise TimelineReadError("no such file", path=str(path))
    if path.is_dir():
        raise TimelineReadError("is a folder, not a timeline file", path=str(path))
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TimelineReadError(f"cannot be read ({exc.strerror})", path=str(path)) from exc
    for encoding in ("utf-8-sig", "latin-1"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TimelineReadError("is not a text file", path=str(path))  # latin-1 always decodes


def _read_with_adapter(path: Path, text: str, adapter: str, **kwargs) -> otio.schema.Timeline:
    try:
        result = otio.adapters.read_from_string(text, adapter, **kwargs)
    except Exception as exc:  # adapters raise anything from KeyError to ParseError
        raise TimelineReadError(
            f"could not be parsed as {adapter}: {type(exc).__name__}: {exc}", path=str(path),
            hint="check that the file is complete and was exported in this format") from exc
    if isinstance(result, otio.schema.SerializableCollection):
        timelines = list(result.find_children(descended_from_type=otio.schema.Timeline))
        if not timelines:
            raise TimelineReadError("holds no timeline", path=str(path))
        result = timelines[0]
    if not isinstance(result, otio.schema.Timeline):
        raise TimelineReadError(f"holds a {type(result).__name__}, not a timeline", path=str(path))
    return result


def edl_rate(doc: EdlDocument, fps: str | float | None) -> Fraction:
    """--fps wins; else FCM DROP FRAME means 29.97; else the smallest rate the frame fields fit."""
    if fps is not None:
        return snap_rate(fps)
    if doc.drop_frame:
        return Fraction(30000, 1001)
    highest = max((int(tc[-2:]) for tc in doc.timecodes()), default=0)
    for nominal in (24, 25, 30, 50, 60):
        if highest < nominal:
            return Fraction(nominal) if nominal != 24 else DEFAULT_EDL_RATE
    return Fraction(60)


def _read_edl(path: Path, text: str, fps: str | float | None) -> otio.schema.Timeline:
    doc = parse_edl(text)
    if not doc.events:
        raise TimelineReadError("no EDL events found (is this a CMX 3600 EDL?)", path=str(path))
    rate = edl_rate(doc, fps)
    timeline = _read_with_adapter(path, text, "cmx_3600", rate=float(rate),
                                  ignore_timecode_mismatch=True)
    _move_record_start_to_global(timeline, rate)
    # The adapter's LOC markers sit at the wrong time (media time taken as
    # record time) and miss drop-frame ones; rebuild them all from the text.
    for clip in timeline.tracks.find_clips():
        del clip.markers[:]
    start = _global_start_frames(timeline, rate)
    for event in doc.events:
        for loc in event.locators:
            frame = timecode_to_frames(loc.timecode, rate) - start
            _add_stack_marker(timeline, rate, frame, 0, name=loc.name, color=loc.color or "RED",
                              note=loc.name, origin=f"{path.name} line {loc.line} (LOC)")
        for rm in event.resolve_markers:
            frame = timecode_to_frames(event.rec_in, rate) - start
            _add_stack_marker(timeline, rate, frame, rm.duration, name=rm.name, color=rm.color,
                              note=rm.note, origin=f"{path.name} event {event.number} line {event.line}",
                              resolve_color=rm.resolve_color)
    timeline.metadata.setdefault(NAMESPACE, {})["edl"] = {
        "fcm": doc.fcm, "rate": str(rate),
        "drop_frame": doc.drop_frame if doc.drop_frame is not None else is_drop_frame_rate(rate)}
    return timeline


def _move_record_start_to_global(timeline: otio.schema.Timeline, rate: Fraction) -> None:
    starts = []
    for track in timeline.tracks:
        sr = track.source_range
        starts.append(-sr.start_time.value if sr is not None and sr.start_time.value < 0 else 0)
    first = min(starts) if starts else 0
    for track, start in zip(timeline.tracks, starts):
        track.source_range = None
        if start > first:
            track.insert(0, otio.schema.Gap(source_range=TimeRange(RationalTime(0, float(rate)),
                                                                    RationalTime(start - first, float(rate)))))
    timeline.global_start_time = RationalTime(first, float(rate))


def _global_start_frames(timeline: otio.schema.Timeline, rate: Fraction) -> int:
    if timeline.global_start_time is None:
        return 0
    return round(timeline.global_start_time.rescaled_to(float(rate)).value)


def _add_stack_marker(timeline, rate: Fraction, frame: int, duration: int, *, name: str, color: str,
                      note: str, origin: str, resolve_color: str | None = None) -> None:
    meta = {"origin": origin}
    if resolve_color:
        meta["resolve_color"] = resolve_color
    marker = otio.schema.Marker(
        name=name,
        marked_range=TimeRange(RationalTime(frame, float(rate)), RationalTime(duration, float(rate))),
        color=color, metadata={NAMESPACE: meta})
    marker.comment = note
    timeline.tracks.markers.append(marker)


def overlay_marker_edl(timeline: otio.schema.Timeline, markers_path: Path) -> None:
    """Add the markers of a Resolve "Timeline Markers to EDL" file (or LOCs) to the Stack."""
    text = _read_text(markers_path)
    doc = parse_edl(text)
    rate = timeline_rate(timeline)
    start = _global_start_frames(timeline, rate)
    found = 0
    for event in doc.events:
        for rm in event.resolve_markers:
            frame = timecode_to_frames(event.rec_in, rate) - start
            _add_stack_marker(timeline, rate, frame, rm.duration, name=rm.name, color=rm.color, note=rm.note,
                              origin=f"{markers_path.name} event {event.number} line {event.line}",
                              resolve_color=rm.resolve_color)
            found += 1
        for loc in event.locators:
            frame = timecode_to_frames(loc.timecode, rate) - start
            _add_stack_marker(timeline, rate, frame, 0, name=loc.name, color=loc.color or "RED", note=loc.name,
                              origin=f"{markers_path.name} line {loc.line} (LOC)")
            found += 1
    if not found:
        raise TimelineReadError(
            "no markers found: expected one event per marker with a comment line like "
            "'note |C:ResolveColorBlue |M:name |D:48'", path=str(markers_path),
            hint="in Resolve use Timelines > Export > Timeline Markers to EDL")
