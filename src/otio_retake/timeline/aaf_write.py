"""A timeline -> an AAF Media Composer imports, with its locators, plus an Avid marker list of the takes.

The tracks and clips are written by OpenTimelineIO's AAF adapter (``otio-aaf-adapter``); what it
leaves out is added here with ``pyaaf2`` on the file it wrote:

- locators: the adapter on PyPI (2.0.0) drops every marker on write. Media Composer shows a
  locator only when the picture (or sound) slot has a ``PhysicalTrackNumber`` and an
  ``EventMobSlot`` with the same number holds ``DescriptiveMarker``s whose ``DescribedSlots`` name
  that slot, each with ``Position`` (record frames from the sequence's start), ``Length``,
  ``Comment``, ``CommentMarkerColor`` and the ``CommentMarkerAttributeList`` Avid reads the colour,
  user, comment and span from (``_ATN_CRM_COLOR``, ``_ATN_CRM_USER``, ``_ATN_CRM_COM``,
  ``_ATN_CRM_LENGTH``, ``_ATN_CRM_ID``), laid out as in the real exports in shared/fixtures/avid;
- track numbers: every video and audio slot gets its ``PhysicalTrackNumber`` (V1, V2... A1...), so
  the locators land on the track they were read from;
- takes: each take is a clip of its own master clip named ``RANGE take X`` whose media is the take
  file (a linked file: relink or AMA-link it in Media Composer), with range, letter and prompt in
  the master clip's comments;
- what the adapter writes plainly: a disabled (muted) clip becomes Avid's ``Selector`` of filler with
  the clip as its alternate, a speed change or freeze frame Avid's ``Motion Control`` time warp
  (``SpeedRatio``), and a sound track of filler only a plain ``Sequence`` (the adapter's pan group
  around it, holding no pan, read back as a nest); a time effect one speed cannot say (a ramp) is
  refused before any work (``check_aaf_writable``).

Nothing here is a hook of the adapter (its ``hooks.py`` runs the post-write hook on read too).
"""

from __future__ import annotations

import json
import uuid
from fractions import Fraction
from collections.abc import Mapping
from pathlib import Path

import aaf2
import opentimelineio as otio

from ..errors import InputError
from .retime import clip_speed, source_frames
from .aaf_read import (_AVID_RGB, AVID_LEGACY_COLORS, NAME_ATTRIBUTE, TAKE_COMMENT_KEY, _first_line, avid_color_of_otio,
                       quiet_aaf)
from .info import NAMESPACE, namespace, timeline_drop_frame, timeline_rate
from .marks import record_markers

__all__ = ["write_aaf", "take_locators", "check_aaf_writable"]

_EXTENDED_RGB = {"Pink": (65535, 36494, 50372), "Forest": (8738, 35723, 8738), "Denim": (5140, 24672, 42148),
                 "Violet": (39578, 13107, 65535), "Purple": (32896, 0, 32896), "Orange": (65535, 42405, 0),
                 "Grey": (32896, 32896, 32896), "Gold": (55255, 43690, 8224)}  # approximations: the name rules


_ESSENCE_DESCRIPTORS = {"CDCIDescriptor", "RGBADescriptor", "WAVEDescriptor", "PCMDescriptor", "AIFCDescriptor"}


FORMAT = "AAF"
_MOTION_CONTROL = uuid.UUID("9d2ea890-0968-11d3-8a38-0050040ef7d2")  # Media Composer's time warp, as it writes it
_SPEED_RATIO = uuid.UUID("72559a80-24d7-11d3-8a50-0050040ef7d2")  # AAF's SpeedRatio parameter
_SPEED_OFFSET_MAP = uuid.UUID("8d56827d-847e-11d5-935a-50f857c10000")  # Avid's source frame per record frame


def check_aaf_writable(timeline: otio.schema.Timeline) -> None:
    """Refuse before any work what the writer would refuse after it: a time effect one speed cannot say."""
    for track in timeline.tracks:
        for clip in track.find_clips() if isinstance(track, otio.schema.Track) else []:
            clip_speed(clip, where=f"track {track.name or track.kind}", format_name=FORMAT)


def write_aaf(timeline: otio.schema.Timeline, path: Path, *, name: str | None = None) -> None:
    """Write ``timeline`` to ``path`` (a temporary name the caller renames to ``name``)."""
    check_aaf_writable(timeline)
    rate = float(timeline_rate(timeline))
    markers = record_markers(timeline)
    prepared = _prepared(timeline, rate)
    try:
        with quiet_aaf():
            otio.adapters.write_to_file(prepared, str(path), adapter_name="AAF", use_empty_mob_ids=True)
    except Exception as exc:  # the adapter's validation and transcription errors, of many types
        raise InputError(f"{name or path.name}: the timeline cannot be written as AAF ({type(exc).__name__}: "
                         f"{str(exc).strip().splitlines()[-1] if str(exc).strip() else ''})",
                         hint="write .otio, .xml or .edl instead") from exc
    with quiet_aaf(), aaf2.open(str(path), "rw") as f:
        comp = next(f.content.toplevel())
        slots = _number_tracks(comp, prepared)
        _what_the_adapter_writes_plainly(f, comp, prepared)
        if "TC1" in slots and isinstance(slots["TC1"].segment, aaf2.components.Timecode):
            slots["TC1"].segment["Drop"].value = timeline_drop_frame(timeline)  # the adapter always writes NDF
        _add_locators(f, comp, slots, markers)


def take_locators(timeline: otio.schema.Timeline) -> list[tuple[int, int, str, str, str]]:
    """(record frame, span, track, Avid colour, comment) of each take: one locator per take, for the
    marker list beside an AAF output (takes a conform put into the cut too); the cut's own locators when
    it holds no takes."""
    rate = float(timeline_rate(timeline))
    out = []
    video = audio = 0
    for track in timeline.tracks:
        if not isinstance(track, otio.schema.Track) or not len(track):
            continue
        video += track.kind == otio.schema.TrackKind.Video
        audio += track.kind == otio.schema.TrackKind.Audio
        label = f"V{video}" if track.kind == otio.schema.TrackKind.Video else f"A{audio}"
        for clip in track.find_clips(shallow_search=True):
            meta = namespace(clip, NAMESPACE)
            if not meta.get("take"):
                continue
            first = clip.range_in_parent().start_time
            frame = round(track.transformed_time(first, timeline.tracks).rescaled_to(rate).value)
            span = round(clip.duration().rescaled_to(rate).value)
            comment = f"{meta.get('range_name', clip.name)} take {meta['take']}: {meta.get('prompt', '')}".strip()
            out.append((frame, span, label, "Green", comment))
    if not out:
        for frame, span, marker in record_markers(timeline):
            track = str(namespace(marker, NAMESPACE).get("avid_track") or "V1")
            out.append((frame, span, track, avid_color_of_otio(marker), marker.comment or marker.name))
    return sorted(out)


def _prepared(timeline: otio.schema.Timeline, rate: float) -> otio.schema.Timeline:
    """A copy the adapter can write: no markers (it drops them), every clip's media with a range (it
    needs one), empty tracks given a gap (it skips them, and their numbers with them), takes named
    and commented."""
    out = timeline.deepcopy()
    del out.tracks.markers[:]
    # titles and generators as filler (README), nests' too before they are flattened, so the footage under a
    # title shows there: the adapter refuses any generator ("does not support generator references of kind")
    for clip in list(out.tracks.find_clips()):
        if isinstance(clip.media_reference, otio.schema.GeneratorReference):
            parent = clip.parent()
            parent[parent.index(clip)] = otio.schema.Gap(source_range=otio.opentime.TimeRange(
                duration=clip.trimmed_range().duration))
    for track in out.tracks:
        if isinstance(track, otio.schema.Track):
            _flatten_nests(track)
    duration = out.tracks.duration()
    for track in out.tracks:
        if isinstance(track, otio.schema.Track) and not len(track):
            track.append(otio.schema.Gap(source_range=otio.opentime.TimeRange(
                otio.opentime.RationalTime(0, duration.rate), duration)))
    for item in out.tracks.find_children():
        if isinstance(item, otio.schema.Transition):
            _describe_transition(item)
            continue
        if hasattr(item, "markers"):
            del item.markers[:]
        if not isinstance(item, otio.schema.Clip):
            continue
        if item.source_range is not None and item.source_range.duration.rate != rate:
            item.source_range = _at_rate(item.source_range, rate)  # the adapter writes one edit rate
        for ref in item.media_references().values():
            if ref.available_range is None and item.source_range is not None:
                ref.available_range = item.source_range
            elif ref.available_range is not None and ref.available_range.duration.rate != rate:
                ref.available_range = _at_rate(ref.available_range, rate)
            aaf_ref = ref.metadata.get("AAF")
            described = aaf_ref.get("EssenceDescription") if isinstance(aaf_ref, Mapping) else None
            if isinstance(described, Mapping) and described.get("ClassName") not in _ESSENCE_DESCRIPTORS:
                # an import/tape descriptor of a linked file: the adapter would write it as picture or
                # sound essence and fail on the fields it lacks; its own default describes the file
                del aaf_ref["EssenceDescription"]
        meta = namespace(item, NAMESPACE)
        if meta.get("take"):
            aaf = dict(item.metadata.get("AAF") or {})
            aaf["UserComments"] = {"Comments": f"{meta.get('range_name', '')} take {meta['take']}: "
                                               f"{meta.get('prompt', '')}".strip(),
                                   "Retake": str(meta["take"]), "Range": str(meta.get("range_name", "")),
                                   # what conform and a later run need, read back by aaf_read
                                   TAKE_COMMENT_KEY: json.dumps(dict(meta), default=str)}
            item.metadata["AAF"] = aaf
    return out


def _at_rate(rng: otio.opentime.TimeRange, rate: float) -> otio.opentime.TimeRange:
    return otio.opentime.TimeRange(otio.opentime.RationalTime(round(rng.start_time.value_rescaled_to(rate)), rate),
                                   otio.opentime.RationalTime(round(rng.duration.value_rescaled_to(rate)), rate))


def _flatten_nests(track: otio.schema.Track) -> None:
    """Nested stacks (compound clips, nests) become what they show, trimmed as in the cut: the adapter
    writes a nest without its trim, which changes the length of the cut."""
    for index in reversed(range(len(track))):
        item = track[index]
        if isinstance(item, otio.schema.Track):
            _flatten_nests(item)
        if not isinstance(item, otio.schema.Stack):
            continue
        for inner in item:
            if isinstance(inner, otio.schema.Track):
                _flatten_nests(inner)
        # what the nest shows on a track of this kind: its enabled tracks of that kind, the upper over the lower
        # (flattening them all put its sound over its picture: a Resolve compound clip became its audio's clip)
        layers = [t for t in item if isinstance(t, otio.schema.Track) and t.kind == track.kind and t.enabled]
        if not layers:
            track[index] = otio.schema.Gap(source_range=otio.opentime.TimeRange(duration=item.trimmed_range().duration))
            continue
        try:
            flat = otio.algorithms.track_trimmed_to_range(otio.algorithms.flatten_stack(layers),
                                                          item.trimmed_range())
        except Exception as exc:  # OTIO refuses to cut through a transition inside the nest
            raise InputError(f"the nest '{item.name}' cannot be written as AAF ({exc})",
                             hint="write .otio or .xml instead") from exc
        children = [child.deepcopy() for child in flat]
        short = item.trimmed_range().duration - flat.duration()
        if short.value > 0:  # an effect over filler (Avid's Mask over nothing) flattens to nothing: its length stays
            children.append(otio.schema.Gap(source_range=otio.opentime.TimeRange(
                otio.opentime.RationalTime(0, short.rate), short)))
        aaf = item.metadata.get("AAF")
        if len(children) == 1 and isinstance(children[0], otio.schema.Clip) and item.name and \
                isinstance(aaf, Mapping) and aaf.get("UsageCode") == "Usage_SubClip":
            children[0].name = item.name  # an Avid subclip: Media Composer shows its name, not its master clip's
        del track[index]
        for offset, child in enumerate(children):
            track.insert(index + offset, child)


# The operations Media Composer writes for a dissolve: its own video dissolve (as in the real exports in
# shared/fixtures/avid) and AAF's mono audio dissolve.
_DISSOLVES = {
    otio.schema.TrackKind.Video: ("VideoDissolve_2", "89d9b67e-5584-302d-9abd-8bd330c46841", "Picture"),
    otio.schema.TrackKind.Audio: ("Mono Audio Dissolve", "0c3bea41-fc05-11d2-8a29-0050040ef7d2", "Sound"),
}


def _describe_transition(transition: otio.schema.Transition) -> None:
    """A transition read from another format gets what the adapter needs to write it as a dissolve
    (any other kind, a wipe, would be left out and shift every later frame of its track)."""
    aaf = transition.metadata.get("AAF")
    if isinstance(aaf, Mapping) and "CutPoint" in aaf and "OperationGroup" in aaf and "PointList" in aaf:
        return
    parent = transition.parent()
    kind = parent.kind if isinstance(parent, otio.schema.Track) else otio.schema.TrackKind.Video
    name, identification, data = _DISSOLVES.get(kind, _DISSOLVES[otio.schema.TrackKind.Video])
    transition.transition_type = otio.schema.TransitionTypes.SMPTE_Dissolve
    transition.metadata["AAF"] = {
        "CutPoint": round(transition.in_offset.value),
        "PointList": [{"Time": 0.0, "Value": 0.0}, {"Time": 1.0, "Value": 100.0}],
        "OperationGroup": {"Operation": {"Name": name, "Description": "", "Identification": identification,
                                         "IsTimeWarp": False, "NumberInputs": 2,
                                         "OperationCategory": "OperationCategory_Effect",
                                         "DataDefinition": {"Name": data}}}}


def _number_tracks(comp, prepared: otio.schema.Timeline) -> dict[str, object]:
    """Give every picture and sound slot its track number; returns 'V1'/'A2'/'TC1' -> slot."""
    written = [t for t in prepared.tracks if isinstance(t, otio.schema.Track) and len(t)]
    media = [s for s in comp.slots if isinstance(s, aaf2.mobslots.TimelineMobSlot)
             and str(s.segment.media_kind) in ("Picture", "Sound")]
    out = {}
    counts = {"Picture": 0, "Sound": 0}
    for slot, track in zip(media, written):
        kind = str(slot.segment.media_kind)
        counts[kind] += 1
        slot["PhysicalTrackNumber"].value = counts[kind]
        out[f"{'V' if kind == 'Picture' else 'A'}{counts[kind]}"] = slot
    for slot in comp.slots:
        if isinstance(slot, aaf2.mobslots.TimelineMobSlot) and str(slot.segment.media_kind) == "Timecode":
            out.setdefault("TC1", slot)
    return out


def _add_locators(f, comp, slots: dict, markers) -> None:
    by_track: dict[str, list] = {}
    for frame, span, marker in markers:
        track = str(namespace(marker, NAMESPACE).get("avid_track") or "V1")
        if track not in slots or namespace(marker, NAMESPACE).get("missing_track"):
            track = "V1" if "V1" in slots else next(iter(slots), None)
        if track is None:
            return
        by_track.setdefault(track, []).append((frame, span, marker))
    next_id = max([s.slot_id for s in comp.slots] + [999]) + 1
    for track, found in by_track.items():
        slot = slots[track]
        number = int(slot["PhysicalTrackNumber"].value or 1) if "PhysicalTrackNumber" in slot.keys() else 1
        events = f.create.EventMobSlot()
        events["SlotID"].value = next_id
        next_id += 1
        events["EditRate"].value = slot.edit_rate
        events["PhysicalTrackNumber"].value = number
        sequence = f.create.Sequence(media_kind="DescriptiveMetadata")
        for frame, span, marker in sorted(found, key=lambda m: m[0]):
            sequence.components.append(_descriptive_marker(f, slot, frame, span, marker))
        events.segment = sequence
        comp.slots.append(events)


def _descriptive_marker(f, slot, frame: int, span: int, marker: otio.schema.Marker):
    color = avid_color_of_otio(marker)
    avid = marker.metadata.get("AAF")
    # a locator read with no comment is written with none (its name, 'locator 2', is ours, not the editor's)
    read_blank = isinstance(avid, Mapping) and "Comment" in avid and not (marker.comment or "").strip()
    comment = "" if read_blank else marker.comment or marker.name or ""
    ours = namespace(marker, NAMESPACE)
    attrs = avid.get("CommentMarkerAttributeList") if isinstance(avid, Mapping) else None
    user = str(ours.get("user") or (attrs or {}).get("_ATN_CRM_USER") or "otio-retake")
    item = f.create.DescriptiveMarker()
    item["Position"].value = max(0, frame)
    item["Length"].value = max(1, span)
    item["Comment"].value = comment
    item["DescribedSlots"].value = {slot.slot_id}
    red, green, blue = _AVID_RGB.get(color) or _EXTENDED_RGB.get(color) or _AVID_RGB["Red"]
    item["CommentMarkerColor"].value = {"red": red, "green": green, "blue": blue}
    for name in ("CommentMarkerUSer", "CommentMarkerUser"):  # Avid's own spelling first
        try:
            item[name].value = user
            break
        except Exception:  # the property is not in this file's dictionary under that name
            continue
    values = {"_ATN_CRM_COLOR": color if color in AVID_LEGACY_COLORS else "Red", "_ATN_CRM_USER": user,
              "_ATN_CRM_COM": comment, "_ATN_CRM_LENGTH": max(1, span),
              "_ATN_CRM_ID": str((attrs or {}).get("_ATN_CRM_ID") or uuid.uuid4().hex)}
    if color not in AVID_LEGACY_COLORS:
        values["_ATN_CRM_COLOR_EXTENDED"] = color
    if marker.name and marker.name != _first_line(comment):  # a locator has no name of its own: keep ours, so
        values[NAME_ATTRIBUTE] = marker.name                  # a later run knows the range by it
    for key, value in values.items():
        item["CommentMarkerAttributeList"].append(f.create.TaggedValue(key, value))
    return item


def _media_slots(comp, prepared: otio.schema.Timeline):
    """(slot, its Sequence, the track written into it) of every picture and sound slot the adapter wrote."""
    written = [t for t in prepared.tracks if isinstance(t, otio.schema.Track) and len(t)]
    media = [s for s in comp.slots if isinstance(s, aaf2.mobslots.TimelineMobSlot)
             and str(s.segment.media_kind) in ("Picture", "Sound")]
    for slot, track in zip(media, written):
        segment = slot.segment
        if isinstance(segment, aaf2.components.OperationGroup) and len(segment.segments) == 1:
            segment = segment.segments[0]  # a sound track: the adapter's pan group around its sequence
        if isinstance(segment, aaf2.components.Sequence):
            yield slot, segment, track


def _what_the_adapter_writes_plainly(f, comp, prepared: otio.schema.Timeline) -> None:
    """Disabled clips, speed changes and sound tracks of filler, written as Media Composer writes them."""
    for slot, sequence, track in _media_slots(comp, prepared):
        group = slot.segment
        # A transition overlaps its neighbours: the adapter adds its length to the track's instead of taking it
        # off, and a sound track's pan group carries that length, read back as a longer track.
        length = sum(-c.length if isinstance(c, aaf2.components.Transition) else c.length
                     for c in sequence.components)
        sequence.length = length
        if group is not sequence:
            group.length = length
        if isinstance(group, aaf2.components.OperationGroup) and not len(group.parameters) and \
                all(isinstance(c, aaf2.components.Filler) for c in sequence.components):
            group.segments.value = []  # a pan group with no pan reads back as a nest of filler
            slot.segment = sequence
        components = list(sequence.components)
        if len(components) != len(track):
            continue  # not one component per item: left as the adapter wrote it
        kind = str(sequence.media_kind).lower()
        wraps = [(item, component, clip_speed(item, where=f"track {track.name or track.kind}", format_name=FORMAT))
                 if isinstance(item, otio.schema.Clip) and isinstance(component, aaf2.components.SourceClip)
                 else (None, component, None) for item, component in zip(track, components)]
        if not any(item is not None and (speed is not None or not item.enabled) for item, _, speed in wraps):
            continue
        sequence.components.value = []  # detached, so each source clip can go into its wrapper
        for item, component, speed in wraps:
            if item is not None and speed is not None:
                component = _time_warp(f, kind, component, speed, source_frames(item, int(component.length), speed))
            if item is not None and not item.enabled:
                component = _muted(f, kind, component)
            sequence.components.append(component)


def _time_warp(f, kind: str, clip, speed, shown: int):
    """A clip shown at ``speed`` source frames per record frame (0: a freeze) as Media Composer writes it:
    Motion Control around the source clip, which spans the ``shown`` source frames; SpeedRatio is record
    frames over source frames (a freeze: its length), as in Avid's own exports."""
    frames = int(clip.length)
    try:
        op_def = f.dictionary.lookup_operationdef("Motion Control")
    except Exception:  # the first one in this file
        op_def = f.create.OperationDef(_MOTION_CONTROL, "Motion Control")
        f.dictionary.register_def(op_def)
        op_def.media_kind = kind
        op_def["IsTimeWarp"].value = True
        op_def["Bypass"].value = 0
        op_def["NumberInputs"].value = 1
        op_def["OperationCategory"].value = "OperationCategory_Effect"
        op_def["DataDefinition"].value = f.dictionary.lookup_datadef(kind)
        op_def["Description"].value = ""
    for auid, name in ((_SPEED_RATIO, "SpeedRatio"), (_SPEED_OFFSET_MAP, "PARAM_SPEED_OFFSET_MAP_U")):
        try:
            f.dictionary.lookup_parameterdef(name)
        except Exception:
            f.dictionary.register_def(f.create.ParameterDef(auid, name, "", f.dictionary.lookup_typedef("Rational")))
    try:
        linear = f.dictionary.lookup_interperlationdef("LinearInterp")
    except Exception:
        linear = f.create.InterpolationDef(aaf2.misc.LinearInterp, "LinearInterp", "LinearInterp")
        f.dictionary.register_def(linear)
    group = f.create.OperationGroup(op_def, frames)
    group.media_kind = kind
    group["DataDefinition"].value = f.dictionary.lookup_datadef(kind)
    ratio = Fraction(frames) if speed == 0 else 1 / Fraction(speed)
    group.parameters.append(f.create.ConstantValue("SpeedRatio", aaf2.rational.AAFRational(ratio)))
    # The offset map says the speed without doubt (a SpeedRatio equal to the length also reads as a freeze):
    # source frame 0 at record frame 0, source frame frames x speed at the end, as Avid writes a constant speed.
    offsets = f.create.VaryingValue()
    offsets.parameterdef = f.dictionary.lookup_parameterdef("PARAM_SPEED_OFFSET_MAP_U")
    offsets["Interpolation"].value = linear
    for time, value in ((0, 0), (frames, Fraction(speed) * frames)):
        point = f.create.ControlPoint()
        point["Time"].value = aaf2.rational.AAFRational(time)
        point["Value"].value = aaf2.rational.AAFRational(value)
        offsets["PointList"].append(point)
    group.parameters.append(offsets)
    clip.length = max(1, shown)
    group.segments.append(clip)
    return group


def _muted(f, kind: str, component):
    """Avid's muted clip: a Selector showing filler, the clip its one alternate."""
    selector = f.create.Selector()
    selector.media_kind = kind
    selector["Length"].value = int(component.length)
    selector["Selected"].value = f.create.Filler(kind, int(component.length))
    selector["Alternates"].value = [component]
    return selector
