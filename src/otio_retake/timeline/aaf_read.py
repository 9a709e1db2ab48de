"""Avid Media Composer AAF -> a normalised OTIO timeline, with the sequence's locators at record time.

The cut's structure (tracks, clips, transitions, media) comes from OpenTimelineIO's AAF adapter
(``otio-aaf-adapter`` 2.0, on ``pyaaf2``). Its markers do not (interchange.md, issue 25), so every
marker it made is dropped and the locators are read again here from the sequence itself:

- a locator is a ``DescriptiveMarker`` in one of the sequence's ``EventMobSlot``s; its ``Position``
  counts edit units from the sequence's first frame, i.e. RECORD time, which is where Media Composer
  shows it (the adapter instead moves it onto the clip under it in that clip's source time);
- its span is ``_ATN_CRM_LENGTH`` in ``CommentMarkerAttributeList`` (the adapter ignores it and
  says 1), else the ``Length`` property, else 1 (a point);
- its track is the slot ``DescribedSlots`` names plus the event slot's ``PhysicalTrackNumber``
  (V2 is track 2 of the picture slot's NestedScope). With "Use Selected Tracks" Avid may name a
  track the sequence does not have (OpenTimelineIO#1696): the locator is kept on the picture at its
  time and the timeline's warnings name the missing track;
- only the sequence's own locators are markers: those of the master clips it uses (which the
  adapter also reads) are not shown on the sequence by Media Composer and are dropped;
- an AAF of master clips only (no sequence) becomes a timeline of the first clip, timed from its
  tape's start timecode (the clip's source time), with that clip's locators as its markers.

All markers go on the Stack, with the Avid attributes under ``metadata["AAF"]`` and ours
(``avid_track``, ``avid_color``, ``user``, ``origin``) under ``metadata["otio_retake"]``. Nothing
here uses the adapter's hooks (its ``hooks.py`` runs the post-*write* hook on read).
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import re
from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path
from urllib.parse import unquote

import aaf2
import opentimelineio as otio
from opentimelineio.opentime import RationalTime, TimeRange

from ..errors import TimelineReadError
from ..paths import path_to_url
from ..timecode import frames_to_timecode, rate_label, snap_rate
from .info import NAMESPACE

__all__ = ["read_aaf", "AVID_TO_OTIO_COLOR", "otio_color_of_avid", "avid_color_of_otio", "AVID_COLORS",
           "AVID_LEGACY_COLORS"]

# Media Composer's locator colours (the eight of Avid 3.0 on; 2024.6 adds the other eight) onto OTIO's
# eleven: nearest hue. The Avid name is kept in the marker's metadata so it is written back unchanged.
AVID_TO_OTIO_COLOR = {
    "red": "RED", "green": "GREEN", "blue": "BLUE", "cyan": "CYAN", "magenta": "MAGENTA", "yellow": "YELLOW",
    "black": "BLACK", "white": "WHITE",
    "pink": "PINK", "forest": "GREEN", "denim": "BLUE", "violet": "PURPLE", "purple": "PURPLE",
    "orange": "ORANGE", "grey": "WHITE", "gray": "WHITE", "gold": "YELLOW",
}
AVID_LEGACY_COLORS = ("Red", "Green", "Blue", "Cyan", "Magenta", "Yellow", "Black", "White")
AVID_COLORS = AVID_LEGACY_COLORS + ("Pink", "Forest", "Denim", "Violet", "Purple", "Orange", "Grey", "Gold")
_OTIO_TO_AVID = {"RED": "Red", "GREEN": "Green", "BLUE": "Blue", "CYAN": "Cyan", "MAGENTA": "Magenta",
                 "YELLOW": "Yellow", "BLACK": "Black", "WHITE": "White", "PINK": "Pink", "PURPLE": "Purple",
                 "ORANGE": "Orange"}
# CommentMarkerColor (16-bit RGB) of each Avid colour, for files that carry no _ATN_CRM_COLOR
# (values as Media Composer writes them in the real exports in shared/fixtures/avid).
_AVID_RGB = {"Red": (41471, 12134, 6564), "Green": (13107, 52428, 13107), "Blue": (13107, 13107, 52428),
             "Cyan": (13107, 52428, 52428), "Magenta": (52428, 13107, 52428), "Yellow": (58981, 58981, 6553),
             "Black": (0, 0, 0), "White": (65535, 65535, 65535)}
# Media Composer writes DescriptiveMarkers; a CommentMarker (their base class) is a locator too
_MARKER_CLASSES = tuple(getattr(aaf2.components, n) for n in ("DescriptiveMarker", "CommentMarker")
                        if hasattr(aaf2.components, n))
_DRIVE_AS_HOST = re.compile(r"^file://[A-Za-z]:[/\\]")
NAME_ATTRIBUTE = "_OTIO_RETAKE_NAME"  # a marker's name, kept by aaf_write when it is not its comment's first line
TAKE_COMMENT_KEY = "otio_retake"  # a take's master clip comment holding our metadata as JSON (aaf_write)
_RETAKE_TRACK = re.compile(r"^Retake[ _]([A-Z])(?:[ _]\d+)?$")  # alternates.retake_track_name
_GENERIC_TRACK_NAMES = {"", "Sequence", "ScopeReference", "TimelineMobSlot", "MobSlot", "Filler", "NestedScope"}


def otio_color_of_avid(name: str | None) -> str | None:
    return AVID_TO_OTIO_COLOR.get((name or "").strip().lower())


def avid_color_of_otio(marker: otio.schema.Marker) -> str:
    """The Avid colour to write for a marker: the one it was read with, else the nearest of OTIO's."""
    ours = marker.metadata.get(NAMESPACE)
    if isinstance(ours, Mapping) and str(ours.get("avid_color", "")).title() in AVID_COLORS:
        return str(ours["avid_color"]).title()
    return _OTIO_TO_AVID.get((marker.color or "").upper(), "Red")


def read_aaf(path: str | Path, *, source: str | None = None) -> otio.schema.Timeline:
    path = Path(path)
    source = source or str(path)
    try:
        with quiet_aaf(), aaf2.open(str(path), "r") as f:
            mobs = list(f.content.mobs)
    except Exception as exc:  # pyaaf2 raises anything from its own AAFError to ValueError/KeyError/struct.error
        raise TimelineReadError(_why_not_aaf(path, exc), path=source,
                                hint="export the sequence again from Media Composer (File > Export > AAF)") from exc
    if not mobs:
        raise TimelineReadError("the AAF holds no sequence and no master clip", path=source)
    try:
        with quiet_aaf():
            result = otio.adapters.read_from_file(str(path), adapter_name="AAF", attach_markers=False)
    except Exception as exc:  # the adapter's own AAFAdapterError, or whatever an odd file makes it trip on
        raise TimelineReadError(f"could not be read as an Avid AAF ({type(exc).__name__}: {exc})", path=source,
                                hint="export the sequence again from Media Composer (File > Export > AAF)") from exc
    timelines = [result] if isinstance(result, otio.schema.Timeline) else \
        list(result.find_children(descended_from_type=otio.schema.Timeline, shallow_search=True))
    if not timelines:
        raise TimelineReadError("the AAF holds no sequence and no master clip", path=source)
    timeline = timelines[0]
    try:
        with quiet_aaf(), aaf2.open(str(path), "r") as f:
            mob = _mob_of(f, timeline)
            master = isinstance(mob, aaf2.mobs.MasterMob)
            _drop_adapter_markers(timeline)
            _nests_as_stacks(timeline)
            _name_tracks(timeline, _track_layout(mob) if mob is not None else {})
            if master:
                _frames_not_samples(timeline, mob)
                _time_master_clip(timeline)
            if mob is not None:
                _add_locators(timeline, mob, source)
                drop = _drop_frame(mob)
                if drop is not None:
                    timeline.metadata.setdefault(NAMESPACE, {})["drop_frame"] = drop
    except (KeyError, ValueError, TypeError, AttributeError, IndexError) as exc:  # a structure not seen yet
        raise TimelineReadError(f"its tracks or locators could not be read ({type(exc).__name__}: {exc})",
                                path=source, hint="please report this file; meanwhile export an EDL and an "
                                                  "Avid marker list (--markers) from Media Composer") from exc
    if len(timelines) > 1:
        what = "master clips" if master else "sequences"
        timeline.metadata.setdefault(NAMESPACE, {}).setdefault("warnings", []).append(
            f"{source}: holds {len(timelines)} {what}; read the first, '{timeline.name}' (export one sequence "
            f"per AAF to choose)")
    _add_media_names(timeline)
    _restore_takes(timeline)
    timeline.metadata.setdefault(NAMESPACE, {})["aaf"] = {"master_clip": master,
                                                          "sequences": len(timelines)}
    return timeline


@contextlib.contextmanager
def quiet_aaf():
    """pyaaf2 logs through the root logger (installing a handler on stderr) and the adapter prints to
    stdout, which would break ``plan --json``: neither is for the user, what matters is raised."""
    logging.disable(logging.WARNING)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            yield
    finally:
        logging.disable(logging.NOTSET)


def _drop_frame(mob) -> bool | None:
    """Whether the sequence's primary timecode (TC1) is drop-frame, as Media Composer shows it."""
    for slot in mob.slots:
        segment = getattr(slot, "segment", None)
        if isinstance(segment, aaf2.components.Timecode) and (_int(_value(slot, "PhysicalTrackNumber")) or 1) == 1:
            drop = _value(segment, "Drop")
            return bool(drop) if drop is not None else None
    return None


def _why_not_aaf(path: Path, exc: Exception) -> str:
    try:
        head = path.read_bytes()[:8]
    except OSError:
        head = b""
    if head != bytes.fromhex("d0cf11e0a1b11ae1"):  # the Compound File signature every AAF starts with
        return "is not an AAF file (it does not start with the AAF/Compound File signature)"
    return f"is a damaged or truncated AAF file ({exc or type(exc).__name__})"


def _mob_of(f, timeline: otio.schema.Timeline):
    mob_id = str(timeline.metadata.get("AAF", {}).get("MobID", ""))
    for mob in f.content.mobs:
        if str(mob.mob_id) == mob_id:
            return mob
    return None


def _drop_adapter_markers(timeline: otio.schema.Timeline) -> None:
    """Every marker the adapter made (master clips' locators included), and the event tracks that held them."""
    keep = [t for t in timeline.tracks
            if not isinstance(t, otio.schema.Track) or t.kind in (otio.schema.TrackKind.Video,
                                                                   otio.schema.TrackKind.Audio)]
    if len(keep) != len(timeline.tracks):
        while len(timeline.tracks):
            timeline.tracks.pop()
        timeline.tracks.extend(keep)
    del timeline.tracks.markers[:]
    for child in timeline.tracks.find_children():
        if hasattr(child, "markers"):
            del child.markers[:]


def _nests_as_stacks(timeline: otio.schema.Timeline) -> None:
    """A nest the adapter made a Track inside a Track (Avid's nested sequence of one track, an effect over
    it) becomes a Stack holding that track, as every reader gives a nest (the picture rule resolves it, the
    other writers write it)."""
    for track in reversed(list(timeline.tracks.find_children(descended_from_type=otio.schema.Track))):
        parent = track.parent()
        if not isinstance(parent, otio.schema.Track):
            continue
        index = next(i for i, item in enumerate(parent) if item is track)
        stack = otio.schema.Stack(name=track.name, source_range=track.source_range,
                                  metadata=track.metadata.to_dict() if hasattr(track.metadata, "to_dict")
                                  else dict(track.metadata), effects=[e.deepcopy() for e in track.effects],
                                  markers=[m.deepcopy() for m in track.markers])
        stack.enabled = track.enabled
        del parent[index]
        inner = track.deepcopy()
        inner.source_range = None
        del inner.effects[:]
        del inner.markers[:]
        stack.append(inner)
        parent.insert(index, stack)


def _track_layout(mob) -> dict:
    """Kind -> [(track number, holds nothing)] of the sequence's tracks, in order, as Media Composer
    numbers them: the tracks of the picture slot's NestedScope, or one slot per track."""
    def empty(segment) -> bool:
        parts = list(segment.components) if isinstance(segment, aaf2.components.Sequence) else [segment]
        return all(isinstance(p, (aaf2.components.Filler, aaf2.components.ScopeReference)) for p in parts)
    layout = {otio.schema.TrackKind.Video: [], otio.schema.TrackKind.Audio: []}
    for slot in mob.slots:
        if not isinstance(slot, aaf2.mobslots.TimelineMobSlot):
            continue
        segment = slot.segment
        kind = {"Picture": otio.schema.TrackKind.Video, "Sound": otio.schema.TrackKind.Audio}.get(
            str(segment.media_kind))
        if kind is None:
            continue
        if isinstance(segment, aaf2.components.NestedScope):
            layout[kind] += [(i + 1, empty(track)) for i, track in enumerate(segment.slots)]
        else:
            number = _int(_value(slot, "PhysicalTrackNumber")) or len(layout[kind]) + 1
            layout[kind].append((number, empty(segment)))
    return layout


def _name_tracks(timeline: otio.schema.Timeline, layout: dict) -> None:
    """V1, V2, A1... as Media Composer names them (the adapter names tracks after AAF classes).

    The adapter drops a track that holds nothing (an empty V2 under a V3): it is put back, empty, so
    every track keeps its number (a locator on V4 is written back on V4).
    """
    tracks = list(timeline.tracks)
    duration = timeline.tracks.duration()
    out = []
    for kind, letter in ((otio.schema.TrackKind.Video, "V"), (otio.schema.TrackKind.Audio, "A")):
        count = 0
        mine = [t for t in tracks if isinstance(t, otio.schema.Track) and t.kind == kind]
        # a name several tracks share says nothing of which is which (Premiere names every sound slot of a
        # clip 'Audio 1'): those are named by their number, as the editor's timeline shows them
        names = [t.name or "" for t in mine]
        shared = {n for n in names if names.count(n) > 1}
        known = [number for number, empty in layout.get(kind, []) if not empty]
        numbers = known if len(known) == len(mine) and known == sorted(set(known)) else None
        for position, track in enumerate(mine):
            number = track.metadata.get("AAF", {}).get("PhysicalTrackNumber")
            number = int(number) if isinstance(number, int) and number > count else count + 1
            if numbers is not None:
                number = numbers[position]
            while count + 1 < number:
                count += 1
                out.append((kind, otio.schema.Track(name=f"{letter}{count}", kind=kind, children=[
                    otio.schema.Gap(source_range=TimeRange(RationalTime(0, duration.rate), duration))])))
            count = number
            if (track.name or "") in _GENERIC_TRACK_NAMES or (track.name or "") in shared:
                track.name = f"{letter}{number}"
            out.append((kind, track))
        last = max([n for n, _ in layout.get(kind, [])] if numbers is not None else [0], default=0)
        while count < last:  # empty tracks above the last one that holds something
            count += 1
            out.append((kind, otio.schema.Track(name=f"{letter}{count}", kind=kind, children=[
                otio.schema.Gap(source_range=TimeRange(RationalTime(0, duration.rate), duration))])))
    others = [t for t in tracks if not any(t is o for _, o in out)]
    if len(out) + len(others) != len(tracks):
        while len(timeline.tracks):
            timeline.tracks.pop()
        timeline.tracks.extend([t for _, t in out] + others)


def _restore_takes(timeline: otio.schema.Timeline) -> None:
    """The takes of an AAF otio-retake wrote get back their metadata, so conform and a later run know them.

    The adapter reads an audio track's name as its AAF class ('Sequence'): a track of takes whose name
    was lost is named ``Retake X`` again.
    """
    for track in timeline.tracks:
        if not isinstance(track, otio.schema.Track):
            continue
        named = _RETAKE_TRACK.match(track.name or "")
        for clip in track.find_clips(shallow_search=True):
            comments = clip.metadata.get("AAF", {}).get("UserComments")
            saved = comments.get(TAKE_COMMENT_KEY) if isinstance(comments, Mapping) else None
            try:
                meta = json.loads(saved) if saved else None
            except ValueError:
                meta = None
            if not isinstance(meta, dict) or not meta.get("take"):
                continue
            clip.metadata.setdefault(NAMESPACE, {}).update(meta)
            if meta.get("conformed"):  # a take conform put into the cut: the track is the cut's
                continue
            letter = named[1] if named else str(meta["take"])
            track.metadata.setdefault(NAMESPACE, {})["take"] = letter
            if not named:
                track.name = f"Retake {letter}"
                named = _RETAKE_TRACK.match(track.name)


def _add_media_names(timeline: otio.schema.Timeline) -> None:
    """The names ``relink`` may find a clip's media by besides its own: its tape's and its linked file's.

    The adapter keeps every source mob of a clip's chain as a media reference: the Avid MXF or the
    AMA-linked file (an ExternalReference) and the tape (a MissingReference named after it).
    """
    for clip in timeline.find_clips():
        names = []
        for key, ref in clip.media_references().items():
            if isinstance(ref, otio.schema.ExternalReference) and _DRIVE_AS_HOST.match(ref.target_url or ""):
                # the adapter makes 'file://C:/Users/...' of a UNC Path comment: the drive is not a host
                ref.target_url = path_to_url(unquote(ref.target_url[len("file://"):]))
            if isinstance(ref, otio.schema.ExternalReference) and ref.target_url:
                file = ref.target_url.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
                file = unquote(file)
                if not file.lower().endswith(".mxf"):  # Avid's own MXF names say nothing about the shot
                    names.append(["linked file name", file])
            elif isinstance(ref, otio.schema.MissingReference) and ref.name:
                names.append(["tape name", ref.name])
        if names:
            clip.metadata.setdefault(NAMESPACE, {})["media_names"] = names


def _frames_not_samples(timeline: otio.schema.Timeline, mob) -> None:
    """A sound master clip whose slots count audio samples (48000 a second) is timed in its tape's
    timecode frames: a timeline, its markers and its takes are counted in frames."""
    clips = timeline.find_clips()
    if not clips or clips[0].source_range is None or clips[0].source_range.duration.rate < _AUDIO_RATES:
        return
    fps = _timecode_fps(mob)
    if not fps:
        return
    for item in timeline.tracks.find_children():
        if getattr(item, "source_range", None) is not None:
            item.source_range = _frames_of(item.source_range, fps)
        if isinstance(item, otio.schema.Clip):
            for ref in item.media_references().values():
                if ref.available_range is not None:
                    ref.available_range = _frames_of(ref.available_range, fps)


_AUDIO_RATES = 1000  # an edit rate this high counts samples, not frames


def _frames_of(rng: TimeRange, fps: int) -> TimeRange:
    return TimeRange(RationalTime(round(rng.start_time.value_rescaled_to(fps)), fps),
                     RationalTime(round(rng.duration.value_rescaled_to(fps)), fps))


def _timecode_fps(mob, depth: int = 0) -> int | None:
    """The timecode rate of the tape at the end of a master clip's chain of source clips."""
    for slot in mob.slots:
        segment = getattr(slot, "segment", None)
        if isinstance(segment, aaf2.components.Timecode) and _int(_value(segment, "FPS")):
            return _int(_value(segment, "FPS"))
    if depth > 4:
        return None
    for slot in mob.slots:
        segment = getattr(slot, "segment", None)
        if isinstance(segment, aaf2.components.SourceClip) and segment.mob is not None:
            found = _timecode_fps(segment.mob, depth + 1)
            if found:
                return found
    return None


def _time_master_clip(timeline: otio.schema.Timeline) -> None:
    """A master clip's timeline starts at its tape's timecode: its clip's source time."""
    clips = timeline.find_clips()
    if clips and clips[0].source_range is not None:
        start = clips[0].source_range.start_time
        timeline.global_start_time = RationalTime(start.value, start.rate)


def _add_locators(timeline: otio.schema.Timeline, mob, source: str) -> None:
    rate = _rate(timeline, mob)
    r = float(rate)
    start = round(timeline.global_start_time.rescaled_to(r).value) if timeline.global_start_time else 0
    slots = {slot.slot_id: slot for slot in mob.slots}
    warnings = timeline.metadata.setdefault(NAMESPACE, {}).setdefault("warnings", [])
    drop = _drop_frame(mob)
    number = 0
    for slot in mob.slots:
        if not isinstance(slot, aaf2.mobslots.EventMobSlot):
            continue
        slot_rate = Fraction(slot.edit_rate.numerator, slot.edit_rate.denominator) if slot.edit_rate else rate
        event_track = _int(_value(slot, "PhysicalTrackNumber")) or 1
        segment = slot.segment
        components = list(segment.components) if isinstance(segment, aaf2.components.Sequence) else [segment]
        for item in components:
            if not isinstance(item, _MARKER_CLASSES):
                continue
            number += 1
            attrs = _attributes(item)
            comment = str(_value(item, "Comment") or attrs.get("_ATN_CRM_COM") or "")
            position = _int(_value(item, "Position")) or 0
            length = _int(attrs.get("_ATN_CRM_LENGTH")) or _int(_value(item, "Length")) or 1
            frame = round(Fraction(position) * rate / slot_rate)
            frames = max(1, round(Fraction(length) * rate / slot_rate))
            described = sorted(_value(item, "DescribedSlots") or [])
            track, missing = _track_label(slots, described[0] if described else None, event_track)
            try:
                tc = frames_to_timecode(start + frame, rate, drop)
            except ValueError:  # OTIO's timecode has no 100 or 120 fps (Media Composer's high frame rates)
                raise TimelineReadError(
                    f"its sequence runs at {rate_label(rate)} fps{' drop-frame' if drop else ''}, a timecode rate "
                    "otio-retake cannot count its locators in", path=source,
                    hint="timecode as OpenTimelineIO counts it stops at 60 fps: a 100 or 120 fps cut cannot be "
                         "planned yet") from None
            # 2024.6's extended colour where written, else the classic one, else the nearest to the RGB
            avid_color = str(attrs.get("_ATN_CRM_COLOR_EXTENDED") or attrs.get("_ATN_CRM_COLOR") or "").strip().title() or \
                _nearest_avid_color(_value(item, "CommentMarkerColor"))
            user = str(attrs.get("_ATN_CRM_USER") or _value(item, "CommentMarkerUSer") or
                       _value(item, "CommentMarkerUser") or "")
            origin = f"{source}, locator {number} on {track} at {tc}"
            if missing:
                warnings.append(f"{source}: locator '{_first_line(comment)}' at {tc} is on {track}, which the "
                                f"sequence does not have (Avid's \"Use Selected Tracks\" export): planned on the "
                                f"picture at its time")
            marker = otio.schema.Marker(
                name=str(attrs.get(NAME_ATTRIBUTE) or "") or _first_line(comment) or f"locator {number}", color=otio_color_of_avid(avid_color) or "RED",
                marked_range=TimeRange(RationalTime(frame, r), RationalTime(frames, r)),
                metadata={"AAF": {"Comment": comment, "Position": position, "Length": length,
                                  "DescribedSlots": described, "PhysicalTrackNumber": event_track,
                                  "CommentMarkerAttributeList": {k: _plain(v) for k, v in attrs.items()}},
                          NAMESPACE: {"avid_track": track, "avid_color": avid_color, "user": user,
                                      "origin": origin, **({"missing_track": True} if missing else {})}})
            marker.comment = comment
            timeline.tracks.markers.append(marker)
    if not warnings:
        timeline.metadata[NAMESPACE].pop("warnings")


def _track_label(slots: dict, slot_id, number: int) -> tuple[str, bool]:
    """(Media Composer's name for the locator's track, whether the sequence lacks it)."""
    slot = slots.get(slot_id)
    if slot is None:
        return (f"V{number}" if slot_id is not None else "TC1"), True
    segment = slot.segment
    kind = str(segment.media_kind)
    if kind == "Picture":
        if isinstance(segment, aaf2.components.NestedScope):  # Media Composer: all video tracks in one slot
            return f"V{number}", number > len(segment.slots)
        own = _int(_value(slot, "PhysicalTrackNumber"))  # one slot per track (other tools, our writer)
        return f"V{number}", own is not None and own != number
    if kind == "Sound":
        return f"A{_int(_value(slot, 'PhysicalTrackNumber')) or number}", False
    if kind == "Timecode":
        return f"TC{_int(_value(slot, 'PhysicalTrackNumber')) or 1}", False
    if kind == "DataEssenceTrack":  # a data track (captions), D1 in Media Composer's timeline
        return f"D{_int(_value(slot, 'PhysicalTrackNumber')) or 1}", False
    return (slot.name or f"slot {slot_id}"), False


def _rate(timeline: otio.schema.Timeline, mob) -> Fraction:
    if timeline.global_start_time is not None:
        return snap_rate(timeline.global_start_time.rate)
    for slot in mob.slots:
        if isinstance(slot, aaf2.mobslots.TimelineMobSlot) and str(slot.segment.media_kind) == "Picture":
            return snap_rate(Fraction(slot.edit_rate.numerator, slot.edit_rate.denominator))
    for clip in timeline.find_clips():
        if clip.source_range is not None:
            return snap_rate(clip.source_range.duration.rate)
    return Fraction(24)


def _nearest_avid_color(rgb) -> str:
    if not isinstance(rgb, Mapping):
        return "Red"  # Media Composer's default locator colour
    want = (rgb.get("red", 0), rgb.get("green", 0), rgb.get("blue", 0))
    return min(_AVID_RGB, key=lambda name: sum((a - b) ** 2 for a, b in zip(_AVID_RGB[name], want)))


def _attributes(item) -> dict:
    out = {}
    for tagged in _value(item, "CommentMarkerAttributeList") or []:
        try:
            out[tagged.name] = tagged.value
        except Exception:  # an attribute of a type pyaaf2 cannot decode is not one we use
            continue
    return out


def _value(obj, key: str):
    try:
        return obj[key].value if key in obj.keys() else None
    except Exception:  # a property pyaaf2 cannot decode reads as absent
        return None


def _int(value) -> int | None:
    try:
        return int(value) if value is not None and str(value).strip() != "" else None
    except (TypeError, ValueError):
        return None


def _plain(value):
    return value if isinstance(value, (str, int, float, bool)) or value is None else str(value)


def _first_line(text: str) -> str:
    return next((line.strip() for line in str(text).splitlines() if line.strip()), "")
