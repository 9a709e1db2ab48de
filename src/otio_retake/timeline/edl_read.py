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
  one-frame event per marker at the marker's record timecode);
- a high-frame-rate camera clip in a slower cut (48 fps in 24, 50 in 25...):
  Avid plays it at its own rate and writes its source timecode as a count of
  its frames in the cut's timecode, so its source lasts that many times the
  record with no ``M2`` line. Such an event (source = record x a camera rate /
  the cut's rate, to the frame) is read as Avid means it: its clip's
  ``source_range`` counts the clip's own frames at its own rate (the media's,
  once ``read_timeline`` finds it) and ``metadata["otio_retake"]
  ["timecode_rate"]`` says at which rate its timecodes (and its media file's)
  are counted, for ``relink``.
"""

from __future__ import annotations

import re
from fractions import Fraction

import opentimelineio as otio
from opentimelineio.opentime import RationalTime, TimeRange

from ..errors import TimelineReadError
from ..timecode import NTSC_RATES, frames_to_timecode, is_drop_frame_rate, snap_rate, timecode_to_frames
from .edl_parse import EdlDocument, parse_edl
from .info import NAMESPACE, global_start_frames, namespace, timeline_rate

__all__ = ["edl_rate", "read_edl", "overlay_markers", "check_edl", "add_take_edls", "take_of", "TAKE_COMMENT",
           "camera_rate", "set_clip_rate"]

# What edl_write puts under a take's event; the adapter keeps it (without the '*') in the clip's comments.
TAKE_COMMENT = re.compile(r"^RETAKE:\s*(?P<name>.+?) take (?P<letter>[A-Z])\s*$")

_MAX_REPORTED = 12  # problems listed in one refusal; the rest are counted
# Camera rates above the cut's that Avid plays at their own rate (Media Composer edits up to 120 fps).
_CAMERA_RATES = (48, 50, 60, 72, 96, 100, 120)


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


def _rate_from(doc: EdlDocument, fps) -> str:
    """How the rate was decided: "--fps", "FCM" or "guessed" (from the frame fields)."""
    if fps is not None:
        return "--fps"
    return "FCM" if doc.drop_frame else "guessed"


def check_edl(doc: EdlDocument, rate: Fraction, source: str) -> None:
    """Refuse an edit that would be laid out wrongly, naming each line and event.

    Malformed timecodes, frame fields past the rate, out before in, record
    ranges that overlap on one track. (An event whose source and record lengths
    differ without an ``M2`` line is laid out by its record and its clip says so:
    ``mismatched_events``; only markers over it are skipped.)
    """
    problems: list[str] = [f"line {line}, event {number}: malformed event (a timecode is not HH:MM:SS:FF): '{text}'"
                           for line, number, text in doc.malformed]
    nominal = round(rate)
    events = []
    for e in doc.events:
        where = f"line {e.line}, event {e.number}"
        bad = [tc for tc in (e.src_in, e.src_out, e.rec_in, e.rec_out) if _bad_timecode(tc, nominal)]
        if bad:
            problems.append(f"{where}: timecode {bad[0]} is not valid at {float(rate):g} fps "
                            f"(frames must be 00-{nominal - 1:02d}, seconds and minutes 00-59)")
            continue
        s_in, s_out = timecode_to_frames(e.src_in, rate), timecode_to_frames(e.src_out, rate)
        r_in, r_out = timecode_to_frames(e.rec_in, rate), timecode_to_frames(e.rec_out, rate)
        if s_out < s_in or r_out < r_in:
            which = "source" if s_out < s_in else "record"
            problems.append(f"{where}: {which} out is before {which} in "
                            f"({e.src_in if which == 'source' else e.rec_in} -> "
                            f"{e.src_out if which == 'source' else e.rec_out})")
            continue
        events.append((e, r_in, r_out))
    for channel_group in sorted({_channel_group(e.channels) for e, _, _ in events}):
        on_track = sorted(((e, r_in, r_out) for e, r_in, r_out in events
                           if _channel_group(e.channels) == channel_group and r_out > r_in), key=lambda x: x[1])
        for (prev, _, prev_out), (cur, cur_in, _) in zip(on_track, on_track[1:]):
            # a dissolve's incoming clip starts where the outgoing ends; a shared event number is its pair
            if cur_in < prev_out and cur.number != prev.number:
                problems.append(f"line {cur.line}, event {cur.number}: record {cur.rec_in}-{cur.rec_out} overlaps "
                                f"event {prev.number} (line {prev.line}, record {prev.rec_in}-{prev.rec_out})")
    if problems:
        shown = problems[:_MAX_REPORTED]
        more = f"\n  ... and {len(problems) - len(shown)} more" if len(problems) > len(shown) else ""
        raise TimelineReadError(
            f"{len(problems)} event(s) cannot be laid out exactly:\n" + "\n".join(f"  - {p}" for p in shown) + more,
            path=source, hint="fix the events in the editing application and export the EDL again"
                              + ("" if doc.drop_frame is not None else "; pass --fps if the rate is not "
                                 f"{float(rate):g}"))


def camera_rate(rate: Fraction, src: int, rec: int) -> Fraction | None:
    """The rate of a high-frame-rate clip whose source lasts ``src`` frames over ``rec`` record frames, if
    some camera rate explains it to the frame (Avid rounds the source out to a whole frame); else None."""
    if rec <= 0 or src <= rec:
        return None
    ntsc = rate.denominator == 1001
    fits = []
    for nominal in _CAMERA_RATES:
        exact = Fraction(nominal * 1000, 1001) if ntsc else Fraction(nominal)
        error = abs(src - rec * exact / rate)
        if exact > rate and error <= 1:
            fits.append((error, exact))
    return min(fits)[1] if fits else None


def _lengths_without_speed(e, rate: Fraction) -> tuple[int, int] | None:
    """(source frames, record frames) of an event with no ``M2`` line and valid timecodes, else None."""
    if e.has_speed_effect:
        return None
    try:
        return (timecode_to_frames(e.src_out, rate) - timecode_to_frames(e.src_in, rate),
                timecode_to_frames(e.rec_out, rate) - timecode_to_frames(e.rec_in, rate))
    except ValueError:
        return None


def mismatched_events(doc: EdlDocument, rate: Fraction) -> dict[int, tuple[str, int]]:
    """Line -> (why, its source frames), for each event whose source lasts other than its record with no ``M2`` line and no camera
    rate to explain it (a conform tool or hand edit out of step; the adapter's own timecode_mismatch.edl)."""
    out = {}
    for e in doc.events:
        lengths = _lengths_without_speed(e, rate)
        if lengths is None:
            continue
        src, rec = lengths
        if src >= 0 and rec > 0 and not _same_length(e, rate, src, rec) and camera_rate(rate, src, rec) is None:
            out[e.line] = (f"its EDL event {e.number} (line {e.line}) has a source of {src} frames over {rec} record "
                           "frames with no M2 speed line, so which source frames it shows is unknown", src)
    return out


def _camera_events(doc: EdlDocument, rate: Fraction) -> dict[int, Fraction]:
    """Line -> the clip's own rate, for each event that is a high-frame-rate clip (no M2, valid timecodes)."""
    out = {}
    for e in doc.events:
        lengths = _lengths_without_speed(e, rate)
        if lengths is None:
            continue
        src, rec = lengths
        found = camera_rate(rate, src, rec) if not _same_length(e, rate, src, rec) else None
        if found is not None:
            out[e.line] = found
    return out


def _record_length_sources(text: str, doc: EdlDocument, rate: Fraction, lines: dict[int, object]) -> str:
    """The EDL with each high-frame-rate (or mismatched) event's source out set to its source in + its record
    length, so the adapter lays the cut out by the record (it takes a clip's length from its source)."""
    if not lines:
        return text
    out = text.splitlines(keepends=True)
    for e in doc.events:
        if e.line in lines:
            rec = timecode_to_frames(e.rec_out, rate) - timecode_to_frames(e.rec_in, rate)
            src_out = frames_to_timecode(timecode_to_frames(e.src_in, rate) + rec, rate, ";" in e.src_in)
            first, last = e.src_out_span
            line = out[e.line - 1]
            out[e.line - 1] = line[:first] + src_out + line[last:]
    return "".join(out)


def _clips_at_their_own_rate(timeline: otio.schema.Timeline, doc: EdlDocument, rate: Fraction,
                             lines: dict[int, Fraction], source: str) -> None:
    """Each high-frame-rate event's clip: its source counted in its own frames at its own rate."""
    if not lines:
        return
    start = global_start_frames(timeline, rate)
    wanted = {(timecode_to_frames(e.rec_in, rate) - start, e.reel): e for e in doc.events if e.line in lines}
    found = []
    for track in timeline.tracks:
        for clip in track.find_clips(shallow_search=True):
            # in the cut's frames: once a clip is at its own rate, the times after it add up at that rate
            first = round(clip.range_in_parent().start_time.rescaled_to(float(rate)).value)
            event = wanted.get((first, namespace(clip, "cmx_3600").get("reel")))
            if event is not None:
                found.append((clip, event))
    for clip, event in found:
        set_clip_rate(clip, lines[event.line], timecode_to_frames(event.src_in, rate), rate)
    missed = [e for e in wanted.values() if not any(e is f for _, f in found)]
    if missed:  # never show such a clip's frames at the cut's rate: they would be the wrong ones
        raise TimelineReadError(f"line {missed[0].line}, event {missed[0].number}: a high-frame-rate clip "
                                "(its source lasts longer than its record) could not be placed in the cut",
                                path=source, hint="export the EDL again without effects on that event")


def _say_mismatched(timeline: otio.schema.Timeline, doc: EdlDocument, rate: Fraction,
                    lines: dict[int, tuple[str, int]]) -> None:
    """Each mismatched event's clip carries why (``metadata["otio_retake"]["edl_mismatch"]``): segments never
    render it, so a marker over it is skipped with that reason and the rest of the cut goes on; and the source
    length the event gave (``edl_source_frames``), which the EDL writer writes back, so it stays out of step."""
    if not lines:
        return
    start = global_start_frames(timeline, rate)
    wanted = {(timecode_to_frames(e.rec_in, rate) - start, e.reel): lines[e.line] for e in doc.events if e.line in lines}
    for track in timeline.tracks:
        for clip in track.find_clips(shallow_search=True):
            first = round(clip.range_in_parent().start_time.rescaled_to(float(rate)).value)
            found = wanted.get((first, namespace(clip, "cmx_3600").get("reel")))
            if found is not None:
                clip.metadata.setdefault(NAMESPACE, {}).update({"edl_mismatch": found[0], "edl_source_frames": found[1]})


def set_clip_rate(clip: otio.schema.Clip, clip_rate: Fraction, first: int, timecode_rate: Fraction) -> None:
    """The clip shows its frames ``first``, ``first + 1``... at ``clip_rate`` for as long as it lasts now."""
    seconds = clip.source_range.duration.to_seconds()
    r = float(clip_rate)
    clip.source_range = TimeRange(RationalTime(first, r), RationalTime(seconds * r, r))
    clip.metadata.setdefault(NAMESPACE, {}).update({"clip_rate": str(clip_rate), "timecode_rate": str(timecode_rate)})


def _same_length(e, rate: Fraction, src: int, rec: int) -> bool:
    """Source and record lengths agree, reading either side as drop-frame where the rate has it.

    A drop-frame EDL often writes ``:`` throughout, and a source tape may be in the other mode: only
    a difference no reading explains is a wrong edit.
    """
    if src == rec:
        return True
    if not is_drop_frame_rate(rate):
        return False
    df = lambda tc: timecode_to_frames(tc[:-3] + ";" + tc[-2:], rate)  # noqa: E731
    srcs = {src, df(e.src_out) - df(e.src_in)}
    recs = {rec, df(e.rec_out) - df(e.rec_in)}
    return bool(srcs & recs)


def _bad_timecode(tc: str, nominal: int) -> bool:
    hh, mm, ss, ff = (int(p) for p in re.split(r"[:;.]", tc))
    return mm > 59 or ss > 59 or ff >= nominal


def _channel_group(channels: str) -> str:
    """Events on the picture track (V, B, AA/V...) against sound-only events."""
    upper = channels.upper()
    return "video" if "V" in upper or upper == "B" else "audio:" + upper


def read_edl(text: str, *, fps: str | float | None = None, markers: str | None = None,
             source: str = "EDL", markers_source: str = "markers EDL") -> otio.schema.Timeline:
    """The cut of an EDL, with its LOCs and Resolve markers (and those of ``markers``) on the Stack."""
    doc = parse_edl(text)
    if not doc.events and doc.malformed:
        check_edl(doc, Fraction(24), source)  # says which lines are broken events
    if not doc.events and doc.title is None and doc.fcm is None:
        raise TimelineReadError("no EDL events found (is this a CMX 3600 EDL?)", path=source)
    rate = edl_rate(doc, fps)
    if not doc.events:  # an EDL of an empty cut, or of a track of titles and generators only (said in comments)
        timeline = otio.schema.Timeline(doc.title or "", global_start_time=RationalTime(0, float(rate)))
        timeline.metadata[NAMESPACE] = {"edl": {"fcm": doc.fcm, "rate": str(rate), "rate_from": _rate_from(doc, fps),
                                                "drop_frame": bool(doc.drop_frame) and is_drop_frame_rate(rate)}}
        if markers is not None:
            overlay_markers(timeline, markers, source=markers_source)
        return timeline
    check_edl(doc, rate, source)
    camera = _camera_events(doc, rate)
    mismatched = mismatched_events(doc, rate)
    try:
        timeline = otio.adapters.read_from_string(_record_length_sources(text, doc, rate, {**camera, **mismatched}),
                                                  "cmx_3600",
                                                  rate=float(rate), ignore_timecode_mismatch=True)
    except Exception as exc:  # the adapter raises its own parse errors and plain ValueErrors
        raise TimelineReadError(f"could not be parsed as a CMX 3600 EDL at {float(rate):g} fps: {exc}",
                                path=source, hint="pass --fps if the rate is not the one assumed") from exc
    # No FCM line: drop-frame only if the record timecodes say so with ';' (and the rate has drop-frame).
    drop = doc.drop_frame if doc.drop_frame is not None else any(";" in e.rec_in for e in doc.events)
    drop = drop and is_drop_frame_rate(rate)
    _move_record_start_to_global(timeline, rate)
    _clips_at_their_own_rate(timeline, doc, rate, camera, source)
    _say_mismatched(timeline, doc, rate, mismatched)
    # The adapter's LOC markers sit at media time and miss drop-frame ones: rebuilt from the text.
    for clip in timeline.find_clips():
        del clip.markers[:]
    _add_markers(timeline, doc, rate, source)
    timeline.metadata.setdefault(NAMESPACE, {})["edl"] = {"fcm": doc.fcm, "rate": str(rate), "drop_frame": drop,
                                                          "rate_from": _rate_from(doc, fps)}
    if markers is not None:
        overlay_markers(timeline, markers, source=markers_source)
    return timeline


def take_of(clip: otio.schema.Clip) -> tuple[str, str] | None:
    """(range name, take letter) of a clip read from an EDL that otio-retake wrote, else None."""
    for comment in namespace(clip, "cmx_3600").get("comments") or []:
        found = TAKE_COMMENT.match(str(comment))
        if found:
            return found["name"], found["letter"]
    return None


def add_take_edls(timeline: otio.schema.Timeline, takes: list[tuple[str, str, str]]) -> int:
    """Add the Retake tracks of an otio-retake EDL output to its cut; returns how many were added.

    An EDL holds one track, so an output is ``OUT.V1.edl`` (the cut) beside ``OUT.Retake_A.edl``, ...:
    ``takes`` is (text, track name, source) for each Retake EDL. Each becomes the tracks it holds, named
    and tagged as ``alternates`` makes them, at its record timecode against the cut's, so a run over the
    output sees its takes as over any other format (new letters, no ranges sent again).
    """
    rate = timeline_rate(timeline)
    start = global_start_frames(timeline, rate)
    added = 0
    for text, name, source in takes:
        other = read_edl(text, fps=str(rate), source=source)
        clips = other.find_clips()
        found = [take_of(clip) for clip in clips]
        if not clips or None in found:  # not (only) our takes: not a Retake EDL we wrote
            continue
        letter = found[0][1]
        offset = global_start_frames(other, rate) - start
        if offset < 0:
            raise TimelineReadError(f"its takes start before the cut's first frame ({source})", path=source,
                                    hint="run over the cut's own EDL of the same output")
        for clip, (range_name, take) in zip(clips, found):
            clip.name = f"{range_name} take {take}"
            clip.metadata.setdefault(NAMESPACE, {}).update({"range_name": range_name, "take": take})
        while len(other.tracks):
            track = other.tracks.pop(0)
            if offset:
                track.insert(0, otio.schema.Gap(source_range=TimeRange(RationalTime(0, float(rate)),
                                                                       RationalTime(offset, float(rate)))))
            track.name = name
            track.metadata.setdefault(NAMESPACE, {})["take"] = letter
            timeline.tracks.append(track)
            added += 1
    return added


def overlay_markers(timeline: otio.schema.Timeline, text: str, *, source: str = "markers EDL") -> int:
    """Add the markers of a Resolve "Timeline Markers to EDL" file (or its LOCs) to the Stack."""
    doc = parse_edl(text)
    before = list(timeline.tracks.markers)
    found = _add_markers(timeline, doc, timeline_rate(timeline), source)
    _drop_points_the_overlay_repeats(timeline, before)
    if not found:
        raise TimelineReadError(
            "no markers found: expected one event per marker with a comment line like "
            "'note |C:ResolveColorBlue |M:name |D:48'", path=source,
            hint="in Resolve use Timelines > Export > Timeline Markers to EDL")
    return found


def _drop_points_the_overlay_repeats(timeline: otio.schema.Timeline, before: list) -> None:
    """A cut EDL's LOC and the markers EDL's marker at the same frame with the same name are one marker
    (we write both, for Avid and for Resolve): keep the markers EDL's, which has the length and the note."""
    added = {(round(m.marked_range.start_time.value), (m.name or "").strip().lower())
             for m in timeline.tracks.markers if not any(m is b for b in before)}
    keep = [m for m in timeline.tracks.markers
            if not (any(m is b for b in before) and m.marked_range.duration.value == 0
                    and (round(m.marked_range.start_time.value), (m.name or "").strip().lower()) in added)]
    if len(keep) != len(timeline.tracks.markers):
        del timeline.tracks.markers[:]
        timeline.tracks.markers.extend(keep)


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
