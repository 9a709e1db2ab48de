"""FCP 7 XML (xmeml, as Premiere and Resolve write it): the fcp_xml adapter plus our fixes.

Read (interchange.md):
- clip markers are offset by the media's start timecode (the adapter offsets
  the clip's source range by the file's ``<timecode>`` but not its markers,
  so with media timecode != 0 a marker lands outside its clip);
- a marker's ``<comment>`` becomes ``Marker.comment`` (the prompt);
- ``pathurl``s are decoded to local paths (``file://localhost/D%3a/x.mov`` -> ``D:/x.mov``);
- a track's Premiere name (``MZ.TrackName``) becomes its OTIO name;
- a Time Remap filter at one speed (Premiere's and Resolve's constant speeds
  and freezes) becomes a ``LinearTimeWarp`` / ``FreezeFrame`` (the adapter
  keeps it as a plain effect: the clip would play at speed 1); a wipe (by its
  effect's name) is a wipe, not a dissolve.

Write: the mirror of each: clip markers back to media-relative frames,
track markers (which the adapter drops) as sequence markers,
comments written, ``pathurl`` as a valid ``file://`` URL, track names as
``MZ.TrackName`` (what Premiere writes and reads); and what the adapter
drops: enabled flags (it writes every clip and track enabled), speeds and
freezes (as Time Remap, the clipitem's ``out`` the source frames shown),
a wipe's or other transition's name (not all Cross Dissolve), the clip's
own reel; a file with no known length spans what the cut uses of it (the
adapter fails on none). A speed ramp or a rate SMPTE timecode lacks is
refused naming it (``check_fcp_xml_writable``, before any work).
"""

from __future__ import annotations

import functools
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path, PureWindowsPath

import opentimelineio as otio

from ..errors import TimelineReadError, UnsupportedEditError
from ..paths import path_to_url, url_to_path
from ..timecode import frames_to_timecode, rate_label
from .edl_write import own_reel
from .info import namespace, timeline_drop_frame, timeline_rate, xml_text
from .retime import clip_speed, source_frames
from .segments import time_effect

__all__ = ["read_fcp_xml", "write_fcp_xml", "check_fcp_xml_writable"]

TRACK_NAME_ATTRIBUTE = "MZ.TrackName"
RETIME_TAG = "otioRetakeRetime"  # on a clipitem between the adapter and us, never in a written file
ITEM_TAG = "otioRetakeItem"  # likewise
FILE_TAG = "#otio-retake-file-"  # on a path between us and the adapter (one <file> per range), never written
FORMAT = "FCP 7 XML"
PREMIERE_TICKS = 254016000000  # Premiere's time unit per second (cutPointTicks, pproTicksIn)


def _media_start(clip: otio.schema.Clip):
    ref = clip.media_reference
    if isinstance(ref, otio.schema.ExternalReference) and ref.available_range is not None:
        return ref.available_range.start_time
    return None


@functools.cache
def _parser_class():
    """The adapter's parser, reading a nested sequence's tracks: for a ``<clipitem>`` holding a ``<sequence>``
    (Premiere's nested sequence, Resolve's compound clip) it hands the ``<sequence>`` where it wants the
    ``<media>`` inside it, so every nest read as an empty Stack (seen on its own premiere_example.xml).
    The module is OTIO's plugin (loaded by OTIO, relative imports and all), not importable by name."""
    adapter = otio.adapters.from_name("fcp_xml").module()

    class Parser(adapter.FCP7XMLParser):
        def stack_for_element(self, element, context):
            if element.tag != "sequence":
                return super().stack_for_element(element, context)
            media = self._derefed_element(element.find("./media"))
            stack = super().stack_for_element(media if media is not None else element,
                                              context.context_pushing_element(element))
            stack.name = adapter._name_from_element(element) or ""
            return stack

    return Parser


def read_fcp_xml(text: str, *, source: str = "FCP XML") -> otio.schema.Timeline:
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise TimelineReadError(f"is not well-formed XML ({exc})", path=source,
                                hint="check that the file is a complete FCP 7 XML (xmeml) export") from exc
    if root.tag != "xmeml":  # e.g. a lone <filter> (a saved effect, as premiere_example_filter.xml) or FCPXML
        raise TimelineReadError(f"is not an FCP 7 XML timeline: its root element is <{root.tag}>, not <xmeml>",
                                path=source, hint="export the sequence with File > Export > Final Cut Pro XML "
                                "(an FCPXML file needs the .fcpxml extension)")
    try:
        sequences = _parser_class()(root).top_level_sequences()
        result = sequences[0] if len(sequences) == 1 else \
            otio.schema.SerializableCollection(name="Sequences", children=sequences)
    except Exception as exc:  # ParseError, KeyError, TypeError... from a malformed file
        raise TimelineReadError(f"could not be parsed as fcp_xml: {type(exc).__name__}: {exc}", path=source,
                                hint="check that the file is a complete FCP 7 XML (xmeml) export") from exc
    if not sequences:
        raise TimelineReadError("holds no sequence (an FCP 7 XML timeline is an <xmeml> with a <sequence>)",
                                path=source, hint="export the sequence itself, not a bin or clips")
    if isinstance(result, otio.schema.SerializableCollection):
        timelines = list(result.find_children(descended_from_type=otio.schema.Timeline))
        if not timelines:
            raise TimelineReadError("holds no sequence", path=source)
        result = timelines[0]
    for marker in result.tracks.markers:
        _comment_to_note(marker)
    for track in result.tracks:
        name = namespace(track, "fcp_xml").get("@" + TRACK_NAME_ATTRIBUTE)
        if name and not track.name:
            track.name = str(name)
        for marker in getattr(track, "markers", []):
            _comment_to_note(marker)
    # a disabled track or clipitem is not what the editor sees (a nested sequence's tracks too)
    for track in result.tracks.find_children(descended_from_type=otio.schema.Track):
        if str(namespace(track, "fcp_xml").get("enabled", "TRUE")).upper() == "FALSE":
            track.enabled = False
    for nest in result.tracks.find_children(descended_from_type=otio.schema.Stack):  # a nested sequence, off
        if str(namespace(nest, "fcp_xml").get("enabled", "TRUE")).upper() == "FALSE":
            nest.enabled = False
    for transition in result.find_children(descended_from_type=otio.schema.Transition):
        _read_wipe(transition)
    for track in result.tracks.find_children(descended_from_type=otio.schema.Track):  # nests' tracks too
        _place_transitions(track)
    for clip in result.find_clips():
        _read_time_remap(clip)
        if str(namespace(clip, "fcp_xml").get("enabled", "TRUE")).upper() == "FALSE":
            clip.enabled = False
        start = _media_start(clip)
        for marker in clip.markers:
            _comment_to_note(marker)
            if start is not None and start.value:
                rng = marker.marked_range
                marker.marked_range = otio.opentime.TimeRange(rng.start_time + start.rescaled_to(rng.start_time.rate),
                                                              rng.duration)
        ref = clip.media_reference
        if isinstance(ref, otio.schema.ExternalReference) and ref.target_url.startswith("file:"):
            ref.target_url = url_to_path(ref.target_url)
    return result


def _comment_to_note(marker: otio.schema.Marker) -> None:
    comment = namespace(marker, "fcp_xml").get("comment")
    if comment and not marker.comment:
        marker.comment = str(comment)


def write_fcp_xml(timeline: otio.schema.Timeline) -> str:
    timeline = timeline.deepcopy()
    # the adapter takes the sequence's timecode mode from this metadata and says NDF without it
    timeline.metadata.setdefault("fcp_xml", {}).setdefault("timecode", {})["displayformat"] = \
        "DF" if timeline_drop_frame(timeline) else "NDF"
    timeline.name = xml_text(timeline.name)
    for item in [timeline.tracks, *timeline.tracks, *timeline.find_clips()]:
        item.name = xml_text(item.name)
    for marker in _all_markers(timeline):  # a pasted vertical tab would make the file unreadable
        marker.name = xml_text(marker.name)
        marker.comment = xml_text(marker.comment)
    names = [t.name for t in timeline.tracks]
    # The adapter drops track markers: they become sequence markers at the same record time.
    for track in timeline.tracks:
        for marker in list(getattr(track, "markers", [])):
            marker.marked_range = track.transformed_time_range(marker.marked_range, timeline.tracks)
            timeline.tracks.markers.append(marker.deepcopy())
        if isinstance(track, otio.schema.Track):
            del track.markers[:]
    for clip in timeline.find_clips():
        start = _media_start(clip)
        for marker in clip.markers:
            if start is not None and start.value:
                rng = marker.marked_range
                marker.marked_range = otio.opentime.TimeRange(rng.start_time - start.rescaled_to(rng.start_time.rate),
                                                              rng.duration)
    for marker in _all_markers(timeline):
        if marker.comment:
            marker.metadata.setdefault("fcp_xml", {})["comment"] = marker.comment
    retimed = _carry_what_the_adapter_drops(timeline)
    _give_media_a_range(timeline)
    _generators_as_generatoritems(timeline)
    _one_file_per_range(timeline)
    try:
        text = otio.adapters.write_to_string(timeline, "fcp_xml")
    except Exception as exc:  # the adapter's own AttributeErrors and KeyErrors on what it does not expect
        raise UnsupportedEditError(f"the fcp_xml adapter could not write this timeline as {FORMAT}: "
                                   f"{type(exc).__name__}: {exc}", hint="write .otio instead") from exc
    root = ET.fromstring(text)
    _write_time_remaps(root, retimed)
    for pathurl in root.iter("pathurl"):
        value = (pathurl.text or "").split(FILE_TAG)[0].strip()
        pathurl.text = value
        if value and not value.startswith("file:"):
            path = url_to_path(value)
            if Path(path).is_absolute() or PureWindowsPath(path).drive:
                pathurl.text = path_to_url(path)
    sequence = _unwrap_single_sequence(root)
    if sequence is not None:
        _fill_format(sequence, timeline)
        video = sequence.findall("./media/video/track")
        audio = sequence.findall("./media/audio/track")
        kinds = [t.kind for t in timeline.tracks]
        video_names = [n for n, k in zip(names, kinds) if k == otio.schema.TrackKind.Video]
        audio_names = [n for n, k in zip(names, kinds) if k == otio.schema.TrackKind.Audio]
        for element, name in [*zip(video, video_names), *zip(audio, audio_names)]:
            if name:
                element.set(TRACK_NAME_ATTRIBUTE, name)
    for element in root.iter():  # re-indent what the adapter and we added
        if element.text is not None and not element.text.strip():
            element.text = None
        if element.tail is not None and not element.tail.strip():
            element.tail = None
    ET.indent(root, space="    ")
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE xmeml>\n' + body + "\n"


def check_fcp_xml_writable(timeline: otio.schema.Timeline) -> None:
    """Refuse before any work what the writer would refuse after it (a speed ramp, two time effects, a
    sequence rate SMPTE timecode lacks, which the adapter writes the sequence's timecode in)."""
    rate = timeline_rate(timeline)
    try:
        frames_to_timecode(0, rate)
    except ValueError:
        raise UnsupportedEditError(f"{FORMAT} counts SMPTE timecode, which has no {rate_label(rate)} fps (the rate "
                                   f"of '{timeline.name or 'timeline'}')",
                                   hint="write .otio or .fcpxml instead, or set the sequence to a standard rate") \
            from None
    for track in timeline.tracks:
        for clip in track.find_clips() if isinstance(track, otio.schema.Track) else []:
            clip_speed(clip, where=f"track {track.name or track.kind}", format_name=FORMAT, kept=_read_filter)
    for nest in timeline.tracks.find_children(descended_from_type=otio.schema.Stack):
        retimed = time_effect(nest)
        if retimed:  # the adapter writes a nested sequence at 100 %, its effect dropped
            raise UnsupportedEditError(f"nest '{nest.name}' is retimed ({retimed}), which {FORMAT} cannot carry on "
                                       "a nested sequence", hint="write .otio instead")


def _carry_what_the_adapter_drops(timeline: otio.schema.Timeline) -> dict[str, tuple[int, int]]:
    """Put in the adapter's metadata what it would not write: enabled flags (it writes every clip and track
    enabled), the clip's own reel (on its file's timecode), a wipe's name; retimed clips are tagged, and
    their (speed in percent, source frames) returned by tag for ``_write_time_remaps``."""
    for track in timeline.tracks.find_children(descended_from_type=otio.schema.Track):
        if isinstance(track, otio.schema.Track):  # a nest's tracks too
            track.metadata.setdefault("fcp_xml", {})["enabled"] = "TRUE" if track.enabled else "FALSE"
    # The adapter writes a clip equal to one before (the same shot cut in twice) as a reference to that
    # clipitem, which FCP 7 and the adapter read as the same item at the first one's place: each clip is told
    # apart by where it is (depth, track, index), so that one nest used by a video and an audio track (equal
    # copies) stays one nested sequence.
    for track in timeline.tracks.find_children(descended_from_type=otio.schema.Track):
        parent, depth = track.parent(), 0
        ancestor = parent
        while ancestor is not None and ancestor is not timeline.tracks:
            depth, ancestor = depth + 1, ancestor.parent()
        where = f"{depth}:{next((i for i, t in enumerate(parent) if t is track), 0) if parent is not None else 0}"
        for index, item in enumerate(track):
            if isinstance(item, otio.schema.Clip):
                item.metadata.setdefault("fcp_xml", {})["@" + ITEM_TAG] = f"{where}.{index}"
    retimed: dict[str, tuple[int, int]] = {}
    for track in timeline.tracks:
        if not isinstance(track, otio.schema.Track):
            continue
        for item in track.find_children():
            if isinstance(item, otio.schema.Transition):  # where it cuts, as Premiere writes it (the adapter's
                # reader otherwise puts the cut at the middle of an uneven transition)
                item.metadata.setdefault("fcp_xml", {})["cutPointTicks"] = \
                    str(round(Fraction(item.in_offset.to_seconds()).limit_denominator(10**6) * PREMIERE_TICKS))
            if isinstance(item, otio.schema.Transition) and item.transition_type == "SMPTE_Wipe":
                if "wipe" not in (item.name or "").lower():
                    item.name = f"Edge Wipe {item.name}".strip()
                item.metadata.setdefault("fcp_xml", {}).setdefault("effectid", "Edge Wipe")
            elif isinstance(item, otio.schema.Transition) and item.name and item.transition_type not in \
                    (otio.schema.TransitionTypes.SMPTE_Dissolve, ""):
                # FCP 7 names a transition by its effect: an iris stays an iris, not the adapter's Cross Dissolve
                item.metadata.setdefault("fcp_xml", {}).setdefault("effectid", item.name)
            if isinstance(item, otio.schema.Stack):  # a nested sequence switched off stays off
                item.metadata.setdefault("fcp_xml", {})["enabled"] = "TRUE" if item.enabled else "FALSE"
            if not isinstance(item, otio.schema.Clip):
                continue
            meta = item.metadata.setdefault("fcp_xml", {})
            meta["enabled"] = "TRUE" if item.enabled else "FALSE"
            ref = item.media_reference
            reel = own_reel(item)
            if reel and isinstance(ref, otio.schema.ExternalReference | otio.schema.MissingReference):
                timecode = ref.metadata.setdefault("fcp_xml", {}).setdefault("timecode", {})
                if not (timecode.get("reel") or {}).get("name"):
                    timecode["reel"] = {"name": reel}
            speed = clip_speed(item, where=f"track {track.name or track.kind}", format_name=FORMAT, kept=_read_filter)
            if item.source_range is not None and speed is not None:
                frames = round(item.source_range.duration.value)
                tag = str(len(retimed) + 1)
                retimed[tag] = (speed, source_frames(item, frames, speed))
                meta["@" + RETIME_TAG] = tag
            if speed is not None:  # written as a Time Remap filter below, not twice
                meta.pop("filter", None) if _is_time_remap(meta.get("filter")) else None
    return retimed


def _one_file_per_range(timeline: otio.schema.Timeline) -> None:
    """One media path read from several ``<file>``s that disagree on its start timecode or length (Premiere
    writes such files: the stock ``empty_name_tags.xml``) keeps them apart: the adapter writes one ``<file>``
    per path, so the clips of the others would show other frames. Each other range gets its own tag on the
    path, taken off again once written (``FILE_TAG``)."""
    seen: dict[str, list] = {}
    for clip in timeline.find_clips():
        ref = clip.media_reference
        if not isinstance(ref, otio.schema.ExternalReference) or ref.available_range is None:
            continue
        ranges = seen.setdefault(ref.target_url, [])
        if ref.available_range not in ranges:
            ranges.append(ref.available_range)
        index = ranges.index(ref.available_range)
        if index:
            ref.target_url = f"{ref.target_url}{FILE_TAG}{index}"


def _give_media_a_range(timeline: otio.schema.Timeline) -> None:
    """A file whose length is unknown (an EDL's ``FROM FILE``) spans what the cut uses of it: the adapter
    needs a range to write its ``<file>`` (it fails on none), once per file and the same for every clip, as
    each clip's ``in`` is counted from the file's start timecode."""
    spans: dict[str, list] = {}
    clips = [c for c in timeline.find_clips() if isinstance(c.media_reference, otio.schema.ExternalReference)
             and c.media_reference.available_range is None and c.source_range is not None]
    for clip in clips:
        rng = clip.source_range
        span = spans.setdefault(clip.media_reference.target_url, [rng.start_time, rng.end_time_exclusive()])
        span[0], span[1] = min(span[0], rng.start_time), max(span[1], rng.end_time_exclusive())
    for clip in clips:
        first, end = spans[clip.media_reference.target_url]
        clip.media_reference.available_range = otio.opentime.range_from_start_end_time(first, end)
    for clip in timeline.find_clips():
        ref = clip.media_reference
        if not isinstance(ref, otio.schema.GeneratorReference):
            continue
        if ref.available_range is None and clip.source_range:  # a title read from FCPXML: as far as it is used
            end = clip.source_range.end_time_exclusive()
            ref.available_range = otio.opentime.TimeRange(otio.opentime.RationalTime(0, end.rate), end)
        if not namespace(ref, "fcp_xml"):  # not read from FCP 7 XML (Premiere's keep their own form): written as
            # FCP 7's generatoritem named by its kind, which the adapter can write (it fails on a bare generator)
            ref.metadata["fcp_xml"] = {"effecttype": "generator", "mediatype": "video", "effectcategory": "generator"}


def _generators_as_generatoritems(timeline: otio.schema.Timeline) -> None:
    """A generator with neither the effect nor the file FCP 7 XML read it from (a Final Cut title, an OTIO
    ``GeneratorReference``) is written as FCP 7's ``<generatoritem>`` of its kind: the adapter writes one only
    from the effect it read, and otherwise fails wanting a media file's range and path."""
    for clip in timeline.find_clips():
        ref = clip.media_reference
        if isinstance(ref, otio.schema.GeneratorReference) and ref.available_range is None \
                and "effecttype" not in namespace(ref, "fcp_xml"):
            title = namespace(clip, "fcpxml").get("tag") == "title"
            ref.metadata["fcp_xml"] = {"effecttype": "generator", "mediatype": "video",
                                       "effectcategory": "Text" if title else "Generator"}
            ref.name = ref.name or clip.name
            ref.generator_kind = ref.generator_kind or ("Text" if title else "Generator")


def _write_time_remaps(root: ET.Element, retimed: dict[str, tuple]) -> None:
    """Each tagged clipitem shows its source frames (``out``) and carries FCP 7's Time Remap filter, as
    Premiere and Resolve write a constant speed or a freeze (speed 0)."""
    for element in root.iter():
        element.attrib.pop(ITEM_TAG, None)
    for clipitem in root.iter("clipitem"):
        tag = clipitem.attrib.pop(RETIME_TAG, None)
        if tag is None or tag not in retimed or clipitem.find("in") is None:
            continue
        speed, length = retimed[tag]
        clipitem.find("out").text = str(int(clipitem.find("in").text) + length)
        percent = float(abs(speed) * 100)
        value = f"{percent:.6f}".rstrip("0").rstrip(".")
        clipitem.append(ET.fromstring(
            "<filter><enabled>TRUE</enabled><start>-1</start><end>-1</end><effect><name>Time Remap</name>"
            "<effectid>timeremap</effectid><effecttype>motion</effecttype><mediatype>video</mediatype>"
            "<effectcategory>motion</effectcategory>"
            f"<parameter><parameterid>speed</parameterid><name>speed</name><value>{value}</value></parameter>"
            f"<parameter><parameterid>reverse</parameterid><name>reverse</name><value>"
            f"{'TRUE' if speed < 0 else 'FALSE'}</value></parameter>"
            "<parameter><parameterid>variablespeed</parameterid><name>variablespeed</name><value>0</value>"
            "</parameter></effect></filter>"))


def _read_filter(effect: otio.schema.Effect) -> bool:
    """An effect read from an FCP 7 XML filter (a speed ramp's Time Remap): the adapter writes it back as read."""
    return bool(namespace(effect, "fcp_xml").get("effectid"))


def _is_time_remap(node) -> bool:
    effects = [node] if hasattr(node, "get") or node is None else list(node)
    return any(hasattr(f, "get") and hasattr(f.get("effect"), "get") and
               str(f["effect"].get("effectid", "")).lower() == "timeremap" for f in effects)


def _read_time_remap(clip: otio.schema.Clip) -> None:
    """FCP 7's Time Remap at one speed (Premiere's and Resolve's constant speeds and freezes) as OTIO's
    LinearTimeWarp / FreezeFrame: the adapter keeps it as a plain effect, and the clip would play at speed 1."""
    for effect in list(clip.effects):
        meta = namespace(effect, "fcp_xml")
        if str(meta.get("effectid", "")).lower() != "timeremap":
            continue
        params = meta.get("parameter") or []
        params = [params] if hasattr(params, "get") else list(params)  # one <parameter>, or several
        values = {str(p.get("parameterid")): str(p.get("value")) for p in params if hasattr(p, "get")}
        if values.get("variablespeed", "0") not in ("0", "FALSE", "None"):
            continue  # a speed ramp: left as the effect it is, which every writer and renderer refuses
        try:
            speed = Fraction(values.get("speed", "100")) / 100
        except ValueError:
            continue
        if values.get("reverse", "FALSE").upper() == "TRUE":
            speed = -speed
        index = list(clip.effects).index(effect)
        clip.effects[index] = otio.schema.FreezeFrame() if speed == 0 else \
            otio.schema.LinearTimeWarp(time_scalar=float(speed))
        if _is_time_remap(namespace(clip, "fcp_xml").get("filter")):
            del clip.metadata["fcp_xml"]["filter"]


def _place_transitions(track: otio.schema.Track) -> None:
    """Put each transition's cut where the file says and keep the gaps beside transitions whole.

    The adapter cuts at the middle of a ``center`` transition, though ``cutPointTicks`` (Premiere's, and
    ours) says where; and it measures a gap up to the transition's start or from its end, not from the cut,
    so everything after it moves by the transition's offset.
    """
    items = list(track)
    for index, item in enumerate(items):
        if not isinstance(item, otio.schema.Transition):
            continue
        before = items[index - 1] if index > 0 else None
        after = items[index + 1] if index + 1 < len(items) else None
        ticks = namespace(item, "fcp_xml").get("cutPointTicks")
        rate = item.in_offset.rate
        if ticks is not None and str(ticks).strip().lstrip("-").isdigit():
            total = item.in_offset + item.out_offset
            cut = otio.opentime.RationalTime(round(Fraction(int(ticks), PREMIERE_TICKS) * Fraction(rate)), rate)
            shift = item.in_offset - cut  # how much later the adapter cut than the file
            if shift.value and otio.opentime.RationalTime(0, rate) <= cut <= total and \
                    isinstance(before, otio.core.Item) and isinstance(after, otio.core.Item) and \
                    before.source_range is not None and after.source_range is not None:
                before.source_range = otio.opentime.TimeRange(before.source_range.start_time,
                                                              before.source_range.duration - shift)
                after.source_range = otio.opentime.TimeRange(after.source_range.start_time - shift,
                                                             after.source_range.duration + shift)
                item.in_offset, item.out_offset = cut, total - cut
        for gap, offset in ((before, item.in_offset), (after, item.out_offset)):
            if isinstance(gap, otio.schema.Gap) and gap.source_range is not None and offset.value:
                gap.source_range = otio.opentime.TimeRange(gap.source_range.start_time,
                                                           gap.source_range.duration + offset)


def _read_wipe(transition: otio.schema.Transition) -> None:
    """The adapter reads every transition as a dissolve; a wipe (by its effect's name) is a wipe."""
    if "wipe" in (transition.name or "").lower():
        transition.transition_type = "SMPTE_Wipe"


def _unwrap_single_sequence(root: ET.Element) -> ET.Element | None:
    """Premiere and Resolve export ``<xmeml><sequence>``; the adapter wraps it in a project: unwrap one."""
    direct = root.find("./sequence")
    if direct is not None:
        return direct
    sequences = root.findall("./project/children/sequence")
    project = root.find("./project")
    if len(sequences) == 1 and len(project.findall("./children/*")) == 1:
        root.remove(project)
        root.append(sequences[0])
        return sequences[0]
    return root.find(".//sequence")


def _fill_format(sequence: ET.Element, timeline: otio.schema.Timeline) -> None:
    """Premiere takes the sequence's frame size and rate from ``media/video/format``; the adapter leaves it empty."""
    fmt = sequence.find("./media/video/format")
    rate = sequence.find("./rate")
    if fmt is None or fmt.find("samplecharacteristics") is not None or rate is None:
        return
    chars = ET.SubElement(fmt, "samplecharacteristics")
    chars.append(ET.fromstring(ET.tostring(rate)))
    size = namespace(timeline, "otio_retake").get("frame_size")
    if size:
        ET.SubElement(chars, "width").text = str(size[0])
        ET.SubElement(chars, "height").text = str(size[1])
    ET.SubElement(chars, "pixelaspectratio").text = "square"
    ET.SubElement(chars, "fielddominance").text = "none"


def _all_markers(timeline: otio.schema.Timeline):
    yield from timeline.tracks.markers
    for track in timeline.tracks:
        yield from getattr(track, "markers", [])
    for clip in timeline.find_clips():
        yield from clip.markers
