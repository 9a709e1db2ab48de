"""Markers -> ``MarkedRange``s in record frames.

A marker's ``marked_range`` is in the time of the item that owns it
(interchange.md): clip markers in the clip's media time, track markers in
track time, Stack markers in stack (record) time. All go to the Stack with
``transformed_time_range(..., timeline.tracks)`` (the Stack, not the Track:
``range_of_child`` ignores a track's own trim).

The marker's note is the request: its lines are the prompt, except directive
lines ``mode:``, ``takes:``, ``seed:``, ``provider:``, ``context:``; a
one-line note can carry them in brackets: ``She says hi [mode: audio]``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, replace
from urllib.parse import unquote
from fractions import Fraction

import opentimelineio as otio

from ..errors import InputError, NoMarkedRangesError
from ..timecode import frames_of, frames_to_timecode
from ..model import TAKE_LETTERS, MarkedRange, Mode, Picture
from .info import NAMESPACE, namespace, timeline_drop_frame, timeline_rate
from .segments import TimelineIndex, picture_track_index, time_effect

__all__ = ["MarkerFilter", "SkippedMarker", "find_marked_ranges", "require_marked_ranges", "marker_note", "parse_note",
           "one_line_note", "record_markers", "existing_takes", "existing_take_markers", "marker_ids"]

_DIRECTIVE = re.compile(r"^\s*(mode|takes|seed|provider|context)\s*[:=]\s*(.*?)\s*$", re.IGNORECASE)
# One-line notes (Resolve's marker EDL, Avid locators) carry directives in brackets: "[mode: audio]".
_INLINE_DIRECTIVE = re.compile(r"\[\s*((?:mode|takes|seed|provider|context)\s*[:=][^\]]*)\]", re.IGNORECASE)
_MODE_WORDS = {
    "video": Mode.VIDEO, "picture": Mode.VIDEO, "replace_video": Mode.VIDEO,
    "audio": Mode.AUDIO, "sound": Mode.AUDIO, "replace_audio": Mode.AUDIO,
    "both": Mode.BOTH, "av": Mode.BOTH, "audio_and_video": Mode.BOTH, "replace_audio_and_video": Mode.BOTH,
}
MAX_TAKES = 26  # one "Retake X" track per letter
_RETAKE_TRACK = re.compile(r"^Retake[ _]([A-Z])(?:[ _]\d+)?$")  # alternates.retake_track_name (EDL: Retake_A)
_TAKE_CLIP = re.compile(r"^(.+) take ([A-Z])$")  # alternates.take_clip
POINT_MARKER_FRAMES = 1  # a marker this long or shorter is a point (Final Cut, Resolve write points as 1 frame)


@dataclass(frozen=True)
class MarkerFilter:
    """Which markers count: by colour (any of), by name prefix, all by default."""

    colors: tuple[str, ...] = ()
    name_prefix: str | None = None
    default_length_seconds: float | None = None


@dataclass(frozen=True)
class SkippedMarker:
    """A marker that is not retaken, where it sits in record time and why (the editor finds it by its position)."""

    name: str
    origin: str
    reason: str
    record_in: str = ""  # timecode of its first record frame ("" where no position could be worked out)
    record_out: str = ""
    record_frame: int | None = None  # absolute record frame (timeline start included)
    frames: int = 0
    problem: bool = True  # False: left out by choice (not selected, a point marker, already has takes), not a fault

    @property
    def where(self) -> str:
        """``at 01:00:10:00-01:00:12:00 (origin)``, for the listings of plan and run."""
        span = self.record_in + (f"-{self.record_out}" if self.record_out and self.record_out != self.record_in
                                 else "")
        return (f"at {span} " if span else "") + f"({self.origin})"

    def listing(self) -> str:
        return f"'{self.name}' {self.where}: {self.reason}"


def marker_note(marker: otio.schema.Marker) -> str:
    """The marker's note, wherever the writing tool put it."""
    for candidate in (
        namespace(marker, "Resolve_OTIO").get("Note"),
        getattr(marker, "comment", None),
        namespace(marker, "fcp_xml").get("comment"),
        namespace(marker, "fcpx_xml").get("note"),
    ):
        if candidate and str(candidate).strip():
            return str(candidate).strip()
    return ""


def parse_note(note: str, *, where: str) -> tuple[str, dict]:
    """Split a note into (prompt, directives); a bad directive value is an error naming the marker."""
    prompt_lines: list[str] = []
    directives: dict = {}
    lines = []
    for line in note.splitlines():
        lines += [m.strip() for m in _INLINE_DIRECTIVE.findall(line)]
        lines.append(_INLINE_DIRECTIVE.sub(" ", line))
    for line in lines:
        m = _DIRECTIVE.match(line)
        if not m:
            prompt_lines.append(line.strip())
            continue
        key, value = m[1].lower(), m[2]
        try:
            if key == "mode":
                directives["mode"] = _MODE_WORDS[value.lower()]
            elif key == "takes":
                directives["takes"] = int(value)
                if not 1 <= directives["takes"] <= MAX_TAKES:
                    raise ValueError
            elif key == "seed":
                directives["seed"] = int(value)
            elif key == "provider":
                directives["provider"] = value.lower()
            elif key == "context":
                directives["context_seconds"] = float(value.rstrip("s"))
                if directives["context_seconds"] < 0:
                    raise ValueError
        except (KeyError, ValueError):
            allowed = {"mode": "video, audio or both", "takes": f"a whole number 1-{MAX_TAKES}",
                       "seed": "a whole number", "provider": "a host name", "context": "seconds, e.g. 2"}[key]
            raise InputError(f"{where}: directive '{line.strip()}' is not valid: {key} must be {allowed}") from None
    prompt = " ".join(p for p in prompt_lines if p).strip()
    return prompt, directives


def one_line_note(note: str) -> str:
    """A note for formats that hold one line: directive lines go in brackets, so they still read back."""
    parts = []
    for line in note.splitlines():
        line = line.strip()
        if line:
            parts.append(f"[{line}]" if _DIRECTIVE.match(line) else line)
    return " ".join(parts)


def find_marked_ranges(timeline: otio.schema.Timeline, *, marker_filter: MarkerFilter = MarkerFilter(),
                       default_mode: Mode = Mode.VIDEO, default_takes: int = 1,
                       default_seed: int | None = None, picture_track: str | None = None,
                       resolver=None) -> tuple[list[MarkedRange], list[SkippedMarker]]:
    """Every qualifying marker as a ``MarkedRange`` (record order), and the ones skipped with why.

    Each range's picture follows the picture rule (``segments.TimelineIndex.picture``): a clip marker's own
    clip, else the topmost real footage; ``picture_track`` (``--picture-track``) names the one track to use.
    ``track_index`` is the highest video track giving that picture (a ``resolver`` lets graphics be told by
    their media)."""
    source = timeline.metadata.get(NAMESPACE, {}).get("source_file", timeline.name or "timeline")
    if namespace(timeline, NAMESPACE).get("edl", {}).get("takes_only"):  # read.py: an EDL output's Retake EDL
        raise InputError(f"{source}: holds the takes of an otio-retake output, not a cut",
                         hint="run over the cut's EDL of that output (the one beside it that is not "
                              "'.Retake_X.edl' or '.markers.edl'), with --markers its .markers.edl")
    rate = timeline_rate(timeline)
    drop = timeline_drop_frame(timeline)
    start = 0
    if timeline.global_start_time is not None:
        start = round(timeline.global_start_time.rescaled_to(float(rate)).value)
    total = round(timeline.tracks.duration().rescaled_to(float(rate)).value)
    ranges: list[MarkedRange] = []
    skipped: list[SkippedMarker] = []
    ids = marker_ids(timeline)  # holds the markers, so their ids (below) stay theirs while it lives
    id_of = {id(marker): key for marker, key in ids}
    done = existing_takes(timeline)  # a timeline that is already an otio-retake output
    done_ids = existing_take_markers(timeline)
    used = sorted({letter for taken in (done, done_ids) for letters in taken.values() for letter in letters})
    first_take = TAKE_LETTERS.index(used[-1]) + 1 if used else 0
    index = TimelineIndex(timeline, rate)
    pinned = picture_track_index(timeline, picture_track) if picture_track is not None else None
    for marker, record_range, origin, own_clip, retimed in _markers_in_record_time(timeline, source):
        marker_id = id_of.get(id(marker), "")
        first = round(record_range.start_time.rescaled_to(float(rate)).value)
        name = marker.name or f"marker at {_tc(start + first, rate, drop)}"
        length = round(record_range.duration.rescaled_to(float(rate)).value)
        def skip(reason: str, problem: bool = True) -> None:
            skipped.append(SkippedMarker(name, origin, reason, record_in=_tc(start + first, rate, drop),
                                         record_out=_tc(start + first + max(length, 0), rate, drop),
                                         record_frame=start + first, frames=max(length, 0), problem=problem))

        why = _filtered_out(marker, marker_filter)
        if why:
            skip(why, problem=False)
            continue
        why = namespace(marker, NAMESPACE).get("unplaced") or retimed
        if why:
            skip(why)
            continue
        if first < 0 or first >= total:
            where = "before the timeline's start" if first < 0 else "past the timeline's end"
            skip(f"{where} (the timeline runs {_tc(start, rate, drop)}-{_tc(start + total, rate, drop)})")
            continue
        # Final Cut and Resolve write point markers one frame long: a point, not a one-frame range.
        if length <= POINT_MARKER_FRAMES:
            if marker_filter.default_length_seconds is None:
                kind = "zero-length" if length <= 0 else "one-frame"
                # a note on the cut more often than a range to retake (Avid locators, Final Cut's markers): left
                # out, not a fault, unless asked for with --default-length
                skip(f"{kind} (point) marker (use --default-length SECONDS to give point markers a length)",
                     problem=False)
                continue
            length = round(marker_filter.default_length_seconds * rate)
        # By the marker's id where the takes carry it (a renamed marker keeps its takes, a new same-named one
        # is not taken for it); by name only for takes read from formats that keep no metadata (EDL, XML).
        letters_done = done_ids.get(marker_id) or done.get(name)
        if letters_done:
            letters = ", ".join(sorted(letters_done))
            skip(f"already has take(s) {letters} on this timeline (not sent again; remove its Retake tracks to "
                 "retake it)", problem=False)
            continue
        note = marker_note(marker) or marker.name
        where = f"marker '{name}' ({origin})"
        try:
            prompt, directives = parse_note(note, where=where)
        except InputError as exc:  # this marker's note, not the others': skipped, said why
            skip(exc.message.removeprefix(f"{where}: "))
            continue
        if not prompt:
            skip("no note or name to use as the prompt")
            continue
        takes = directives.get("takes", default_takes)
        if first_take + takes > MAX_TAKES:
            skip(f"no take letters left: takes {', '.join(used)} are on the timeline and {takes} more would pass Z")
            continue
        picture = Picture(track=pinned, clip=own_clip)
        track_index = index.top_track(picture, first, min(first + length, total), resolver)
        ranges.append(MarkedRange(
            name=name, prompt=prompt, mode=directives.get("mode", default_mode),
            record_in=first, duration=min(length, total - first), rate=rate, start_frame=start,
            takes=takes, seed=directives.get("seed", default_seed), first_take=first_take,
            provider=directives.get("provider"), context_seconds=directives.get("context_seconds"),
            color=marker.color, origin=origin, track_index=track_index, drop_frame=drop, picture=picture,
            marker_id=marker_id, former_name=str(namespace(marker, NAMESPACE).get("former_name") or "")))
    ranges.sort(key=lambda r: (r.record_in, r.name))
    return _unique_names(ranges), skipped


def existing_takes(timeline: otio.schema.Timeline) -> dict[str, set[str]]:
    """Range name -> the take letters an earlier run put on this timeline (its Retake tracks)."""
    out: dict[str, set[str]] = {}
    for track in timeline.tracks:
        if not isinstance(track, otio.schema.Track):
            continue
        # Our metadata where the format kept it (OTIO); else the names we wrote (EDL, XML, FCPXML keep those).
        if not namespace(track, NAMESPACE).get("take") and not _RETAKE_TRACK.match(track.name or ""):
            continue
        for clip in track.find_clips(shallow_search=True):
            meta = namespace(clip, NAMESPACE)
            named = _TAKE_CLIP.match(clip.name or "")
            if meta.get("marker_id"):
                continue  # followed by its marker's id (existing_take_markers), not by a name
            if meta.get("range_name") and meta.get("take"):
                out.setdefault(str(meta["range_name"]), set()).add(str(meta["take"]))
            elif named:
                out.setdefault(named[1], set()).add(named[2])
    return out


def existing_take_markers(timeline: otio.schema.Timeline) -> dict[str, set[str]]:
    """Marker id -> the take letters on this timeline made for that marker: every clip, on any track, whose
    metadata says it is one of our takes (our OTIO output, or the Premiere panel's placed takes), whatever
    it or its track is called."""
    out: dict[str, set[str]] = {}
    for clip in timeline.find_clips():
        meta = namespace(clip, NAMESPACE)
        if meta.get("take") and meta.get("marker_id"):
            out.setdefault(str(meta["marker_id"]), set()).add(str(meta["take"]))
    return out


def marker_ids(timeline: otio.schema.Timeline) -> list[tuple[otio.schema.Marker, str]]:
    """(marker, its own id) for every marker of the cut: the id its range follows, never its name or its place
    in a list.

    The editor's id where the reader kept one (``otio_retake.marker_id``: a Premiere marker's GUID, a Resolve
    marker's customData id, an FCPXML marker's position on its clip); otherwise one derived from the marker's
    owner and its position there: a clip marker by the clip's media (file name, not folder: a relinked copy is
    the same) and its media time, so it follows the clip when the cut moves it; a track marker by its track and
    track time; a timeline marker by its record frame. Two markers that would share one (a clip and its
    duplicate carrying the same marker) are told apart in record order.
    """
    rate = float(timeline_rate(timeline))
    found: list[tuple[int, otio.schema.Marker, str]] = []  # (record frame, marker, id before duplicates told apart)

    def frame(time) -> int:
        return round(time.rescaled_to(rate).value)

    def given_or(marker: otio.schema.Marker, derived: str) -> str:
        given = namespace(marker, NAMESPACE).get("marker_id")
        return str(given) if given else "derived:" + hashlib.sha256(derived.encode()).hexdigest()[:16]

    stack = timeline.tracks
    for marker in stack.markers:
        at = frame(marker.marked_range.start_time)
        found.append((at, marker, given_or(marker, f"timeline@{at}")))
    counts: dict[str, int] = {}
    for track in stack:
        if not isinstance(track, otio.schema.Track):
            continue
        counts[track.kind] = counts.get(track.kind, 0) + 1
        for marker in track.markers:
            found.append((frame(track.transformed_time_range(marker.marked_range, stack).start_time), marker,
                          given_or(marker, f"track {track.kind} {counts[track.kind]}@"
                                           f"{frame(marker.marked_range.start_time)}")))
        for item in track:
            if not isinstance(item, (otio.schema.Clip, otio.schema.Stack)):  # as _markers_in_record_time
                continue
            owner = _media_name(item)
            for marker in item.markers:
                found.append((frame(item.transformed_time_range(marker.marked_range, stack).start_time), marker,
                              given_or(marker, f"clip {owner}@{frame(marker.marked_range.start_time)}")))
    out = []
    seen: dict[str, int] = {}
    for _, marker, key in sorted(found, key=lambda f: f[0]):
        seen[key] = seen.get(key, 0) + 1
        out.append((marker, key if seen[key] == 1 else f"{key}#{seen[key]}"))
    return out


def _media_name(clip: otio.schema.Item) -> str:
    url = getattr(getattr(clip, "media_reference", None), "target_url", None)  # a nest (Stack) has none
    if url:
        return unicodedata.normalize("NFC", unquote(url.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]))
    return clip.name or ""


def require_marked_ranges(ranges: list[MarkedRange], skipped: list[SkippedMarker], source: str) -> None:
    """No qualifying range is an error that lists what was seen and why each was skipped."""
    if ranges:
        return
    if not skipped:
        raise NoMarkedRangesError(
            f"{source}: no markers found on the timeline, its tracks or its clips",
            hint="mark the ranges to retake with markers whose note is the prompt "
                 "(for an EDL, add Resolve's marker EDL with --markers FILE)")
    seen = "\n".join(f"  - {s.listing()}" for s in skipped)
    raise NoMarkedRangesError(f"{source}: {len(skipped)} marker(s) seen, none qualified:\n{seen}")


def _filtered_out(marker: otio.schema.Marker, flt: MarkerFilter) -> str | None:
    if flt.colors and (marker.color or "").upper() not in {c.upper() for c in flt.colors}:
        return f"colour {marker.color} not selected (--marker-color {', '.join(flt.colors)})"
    if flt.name_prefix and not (marker.name or "").startswith(flt.name_prefix):
        return f"name does not start with '{flt.name_prefix}'"
    return None


def _markers_in_record_time(timeline: otio.schema.Timeline, source: str):
    """(marker, record range, origin, own clip, retimed) of every marker; own clip: a clip marker's clip on a video
    track as (video track index, record first, record last), for the picture rule; retimed: why a clip marker's
    record position cannot be worked out (its clip is retimed), else None."""
    stack = timeline.tracks
    video_tracks = [t for t in stack if isinstance(t, otio.schema.Track) and t.kind == otio.schema.TrackKind.Video]
    rate = timeline_rate(timeline)
    for marker in stack.markers:
        yield marker, marker.marked_range, f"{source}, timeline marker", None, None
    for ti, track in enumerate(stack):
        if not isinstance(track, otio.schema.Track):
            continue
        vindex = video_tracks.index(track) if track in video_tracks else None
        label = track.name or f"{track.kind} track {ti + 1}"
        for marker in track.markers:
            yield (marker, track.transformed_time_range(marker.marked_range, stack), f"{source}, track '{label}'",
                   None, None)
        for item in track:
            # a clip's, a nest's (Stack or nested Track) and a gap's markers all count: none is dropped unsaid
            if isinstance(item, otio.schema.Transition) or not item.markers:
                continue
            own = None
            if vindex is not None:
                extent = item.transformed_time_range(item.trimmed_range(), stack)
                first = frames_of(extent.start_time, rate)
                own = (vindex, first, first + frames_of(extent.duration, rate))
            # A clip marker is in the clip's media time; OTIO maps it to record time as if at 100 %: on a retimed
            # clip (a ramp above all) that is not where the editor sees it, so it is listed, never placed by guess.
            retime = time_effect(item)
            kind = "clip" if isinstance(item, otio.schema.Clip) else "gap" if isinstance(item, otio.schema.Gap) \
                else "nest"
            retimed = (f"on {kind} '{item.name}', retimed with a "
                       f"{retime}: its record position cannot be worked out exactly (the position given is as if "
                       "unretimed)") if retime else None
            for marker in item.markers:
                yield (marker, item.transformed_time_range(marker.marked_range, stack),
                       f"{source}, {kind} '{item.name}' on track '{label}'", own, retimed)


def record_markers(timeline: otio.schema.Timeline) -> list[tuple[int, int, otio.schema.Marker]]:
    """(record frame, duration in frames, marker) for every marker of the cut, in record order."""
    rate = float(timeline_rate(timeline))
    out = []
    for marker, rng, _, _, _ in _markers_in_record_time(timeline, ""):
        out.append((round(rng.start_time.rescaled_to(rate).value), round(rng.duration.rescaled_to(rate).value), marker))
    return sorted(out, key=lambda m: m[0])


def _unique_names(ranges: list[MarkedRange]) -> list[MarkedRange]:
    """Names people can tell apart: markers sharing a name are each told by where they start (never by a count
    that a marker added earlier would shift). Only for people: nothing paid or written depends on a name."""
    count: dict[str, int] = {}
    for r in ranges:
        count[r.name] = count.get(r.name, 0) + 1
    out = []
    taken: set[str] = set()
    former: dict[str, int] = {}
    for r in ranges:
        name = r.name if count[r.name] == 1 else f"{r.name} (at {r.record_in_tc})"
        while name in taken:  # two same-named markers starting on one frame
            name += "'"
        taken.add(name)
        # What versions before told them by (a count: "sky (2)"), only to find the jobs they paid for.
        old = r.former_name or r.name
        n = former.get(old, 0)
        former[old] = n + 1
        old = old if n == 0 else f"{old} ({n + 1})"
        out.append(replace(r, name=name, former_name=old if old != name else ""))
    return out


def _tc(frame: int, rate: Fraction, drop: bool | None = None) -> str:
    return frames_to_timecode(frame, rate, drop)
