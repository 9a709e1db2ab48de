"""FCPXML 1.8-1.11 <-> OTIO, exactly: rational times, ``<media-rep src>``, auditions.

Ours because the fcpx_xml adapter truncates rates to integers (23.976 -> 23),
ignores ``<media-rep src>`` (modern exports read as missing media) and lays
the clips of an ``<audition>`` end to end (interchange.md).

Read: the project's primary storyline (the sequence's ``<spine>``) becomes one
video track: ``asset-clip`` and ``clip`` as clips with their media, ``gap`` as
gaps, ``transition`` as transitions, an ``audition`` as its active (first)
clip, compound and multicam clips (``ref-clip``, ``mc-clip``, ``sync-clip``)
as nested stacks (refused if a range covers them). Every ``marker`` and
``chapter-marker`` of the storyline and of its connected clips goes to the
Stack at its record time, its ``value`` as name and ``note`` as the note.
Connected clips (lanes) are not read as tracks. A clip Final Cut
rate-conforms (``<conform-rate>``: media at another rate shown one frame per
sequence frame) keeps its exact sequence length and says its media rate in
``metadata["fcpxml"]["conform_rate"]``: segments renders it frame for frame.

Write: the cut's first video track becomes the spine; each range whose takes
sit inside one clip becomes an ``<audition>`` there (the original frames as
the active pick, each take as an alternative), so Final Cut shows native
alternates; takes of ranges that cross a cut, and sound-only takes, become
connected clips above (or, for sound, below) the storyline.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from bisect import bisect_right
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import PurePath

import opentimelineio as otio
from opentimelineio.opentime import RationalTime, TimeRange

from ..errors import TimelineReadError
from ..timecode import is_drop_frame_rate
from ..paths import path_to_url, url_to_path
from .marks import record_markers
from .info import NAMESPACE, global_start_frames, namespace, timeline_drop_frame, timeline_rate, xml_text
from .segments import track_items, video_tracks

__all__ = ["read_fcpxml", "write_fcpxml", "parse_time", "format_time", "FCPXML_VERSION"]

FCPXML_VERSION = "1.10"
_NESTED = {"ref-clip", "mc-clip", "sync-clip"}
_COMPLETED_COLOR = {"0": "RED", "1": "GREEN"}  # to-do / done; a plain marker is PURPLE, as the stock adapter reads it


def parse_time(value: str | None) -> Fraction:
    """FCPXML time ("1001/24000s", "5s", "0s") as exact seconds."""
    if not value:
        return Fraction(0)
    text = value.strip().rstrip("s")
    return Fraction(text)


def format_time(seconds: Fraction) -> str:
    seconds = Fraction(seconds)
    if seconds.denominator == 1:
        return f"{seconds.numerator}s"
    return f"{seconds.numerator}/{seconds.denominator}s"


def _rate_of(fmt: ET.Element | None) -> Fraction | None:
    if fmt is None or not fmt.get("frameDuration"):
        return None
    return 1 / parse_time(fmt.get("frameDuration"))


@dataclass
class _Resources:
    formats: dict[str, ET.Element] = field(default_factory=dict)
    assets: dict[str, ET.Element] = field(default_factory=dict)

    def asset_src(self, asset: ET.Element) -> str | None:
        src = asset.get("src")
        if src:
            return src
        reps = asset.findall("media-rep")
        for rep in sorted(reps, key=lambda r: r.get("kind") != "original-media"):
            if rep.get("src"):
                return rep.get("src")
        return None


def read_fcpxml(text: str, *, source: str = "FCPXML") -> otio.schema.Timeline:
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise TimelineReadError(f"could not be parsed as FCPXML: {exc}", path=source) from exc
    if root.tag != "fcpxml":
        raise TimelineReadError(f"is not FCPXML (root element <{root.tag}>)", path=source)
    res = _Resources()
    for element in root.iter("format"):
        res.formats[element.get("id")] = element
    for element in root.iter("asset"):
        res.assets[element.get("id")] = element
    project = root.find(".//project")
    sequence = project.find("sequence") if project is not None else root.find(".//sequence")
    if sequence is None or sequence.find("spine") is None:
        raise TimelineReadError("holds no project with a sequence", path=source,
                                hint="export a project (File > Export XML with the project selected)")
    rate = _rate_of(res.formats.get(sequence.get("format")))
    if rate is None:
        raise TimelineReadError(f"sequence format '{sequence.get('format')}' has no frameDuration", path=source)
    r = float(rate)
    tc_start = parse_time(sequence.get("tcStart"))
    timeline = otio.schema.Timeline(name=(project.get("name") if project is not None else None) or "FCPXML",
                                    global_start_time=RationalTime(round(tc_start * rate), r))
    tc_format = (sequence.get("tcFormat") or "").upper()  # absent: Final Cut shows non-drop
    timeline.metadata.setdefault(NAMESPACE, {})["fcpxml"] = {
        "version": root.get("version"), "drop_frame": tc_format == "DF", "rate": str(rate)}
    fmt = res.formats.get(sequence.get("format"))
    if fmt is not None and fmt.get("width"):
        timeline.metadata[NAMESPACE]["frame_size"] = [int(fmt.get("width")), int(fmt.get("height"))]
    track = otio.schema.Track("V1", kind=otio.schema.TrackKind.Video)
    timeline.tracks.append(track)
    cursor = Fraction(0)
    for element in sequence.find("spine"):
        tag = element.tag
        if tag == "transition":
            half = RationalTime(round(parse_time(element.get("duration")) * rate / 2), r)
            track.append(otio.schema.Transition(name=element.get("name") or "", in_offset=half, out_offset=half))
            continue
        if tag not in {"asset-clip", "clip", "gap", "audition", "video", "title"} | _NESTED:
            continue
        offset = parse_time(element.get("offset")) - tc_start  # the sequence's clock starts at tcStart
        if offset > cursor:  # a hole in the storyline
            track.append(otio.schema.Gap(source_range=TimeRange(RationalTime(0, r),
                                                                RationalTime(round((offset - cursor) * rate), r))))
        shown = element.find("*") if tag == "audition" else element
        item = _item(shown, res, rate)
        if "0" in (element.get("enabled"), shown.get("enabled")):
            item.enabled = False
        if shown.find("timeMap") is not None and isinstance(item, otio.schema.Clip):
            speed, why = _time_map(shown, res, rate)
            if speed is not None:  # one constant speed: segments renders it, one media step per record frame
                item.effects.append(otio.schema.LinearTimeWarp(name="timeMap", time_scalar=float(speed)))
            else:  # a varying retime: segments refuses to render it, as it does an EDL's M2
                item.effects.append(otio.schema.Effect(name="timeMap",
                                                       effect_name=f"FCPXML timeMap speed change: {why}"))
        track.append(item)
        duration = parse_time(element.get("duration") or shown.get("duration"))
        _collect_markers(timeline, element, offset, parse_time(shown.get("start")), rate, res)
        cursor = offset + duration
    return timeline


def _item(element: ET.Element, res: _Resources, rate: Fraction) -> otio.schema.Item:
    r = float(rate)
    duration = RationalTime(round(parse_time(element.get("duration")) * rate), r)
    name = element.get("name") or ""
    if element.tag == "gap":
        return otio.schema.Gap(source_range=TimeRange(RationalTime(0, r), duration))
    if element.tag in _NESTED:
        return otio.schema.Stack(name=name or element.tag, source_range=TimeRange(RationalTime(0, r), duration))
    start = parse_time(element.get("start"))
    asset, media_start = _asset_of(element, res)
    if asset is None:
        ref = otio.schema.GeneratorReference(name=name) if element.tag == "title" else otio.schema.MissingReference()
        return otio.schema.Clip(name=name, media_reference=ref, source_range=TimeRange(RationalTime(0, r), duration))
    media_rate = _rate_of(res.formats.get(asset.get("format"))) or rate
    mr = float(media_rate)
    src = res.asset_src(asset)
    available = TimeRange(RationalTime(round(parse_time(asset.get("start")) * media_rate), mr),
                          RationalTime(round(parse_time(asset.get("duration")) * media_rate), mr))
    ref = otio.schema.ExternalReference(target_url=url_to_path(src), available_range=available) if src \
        else otio.schema.MissingReference()
    first = start - media_start
    conformed = _conform_rate(element, res, rate)
    speed, _ = _time_map(element, res, rate)
    retime = {}
    if speed is not None:  # the clip's clock is its local time; the timeMap says which media time it shows
        t0, v0 = _time_points(element)[0][:2]
        first = v0 + (start - t0) * speed
        retime = {"speed": str(speed), "media_start": str(first)}
    # A conformed clip lasts exactly its sequence duration: its length in media time is not a whole number of
    # media frames (54 record frames at 24 are 56.25 frames of 25 fps time), and rounding it would move every
    # later clip of the track (segments maps its record frames to media frames one for one).
    length = parse_time(element.get("duration")) * media_rate
    return otio.schema.Clip(name=name or asset.get("name") or "", media_reference=ref,
                            source_range=TimeRange(RationalTime(round(first * media_rate), mr),
                                                   RationalTime(float(length) if conformed or retime
                                                                else round(length), mr)),
                            metadata={"fcpxml": {"asset": asset.get("id"), "tag": element.tag, **retime,
                                                 **({"conform_rate": str(media_rate)} if conformed else {})}})


def _asset_of(element: ET.Element, res: _Resources) -> tuple[ET.Element | None, Fraction]:
    """The asset a clip shows, and the clip-local time at which the asset's own time equals the clip's.

    An ``asset-clip``'s start is already in asset time; a ``clip`` wraps a
    ``video`` (or ``asset-clip``) whose ``offset`` in the clip's time shows the
    asset from the video's ``start``.
    """
    if element.get("ref") and element.get("ref") in res.assets:
        return res.assets[element.get("ref")], Fraction(0)
    for child in element:
        if child.tag in ("video", "asset-clip", "audio") and child.get("ref") in res.assets and not child.get("lane"):
            shift = parse_time(child.get("offset")) - parse_time(child.get("start"))
            return res.assets[child.get("ref")], shift
    return None, Fraction(0)


def _conform_of(clip: otio.schema.Clip) -> Fraction | None:
    """The media rate of a clip read as rate-conformed by Final Cut (``read_fcpxml``), else None."""
    fcpxml = clip.metadata.get("fcpxml")
    conform = fcpxml.get("conform_rate") if hasattr(fcpxml, "get") else None
    return Fraction(conform) if conform else None


def _time_points(element: ET.Element) -> list[tuple[Fraction, Fraction, str]]:
    """(local time, media time, interp) of each ``timept`` of a clip's ``timeMap`` (interp defaults to smooth2)."""
    tmap = element.find("timeMap")
    return [(parse_time(p.get("time")), parse_time(p.get("value")), p.get("interp") or "smooth2")
            for p in (tmap.findall("timept") if tmap is not None else [])]


def _time_map(element: ET.Element, res: _Resources, rate: Fraction) -> tuple[Fraction | None, str]:
    """(speed, "") of a clip retimed at one constant speed that Final Cut samples by floor (its default), or
    (None, why not): a ramp, a freeze or a reverse, smooth points, another frame sampling, or a retime on a
    conformed clip or on a ``clip`` wrapper cannot be mapped frame for frame here."""
    tmap = element.find("timeMap")
    if tmap is None:
        return None, "no timeMap"
    if element.tag != "asset-clip" or _conform_rate(element, res, rate):
        return None, "a retimed clip that is also rate-conformed or wraps its media"
    points = _time_points(element)
    if len(points) < 2 or any(interp != "linear" for *_, interp in points):
        return None, "a varying speed (a ramp or smooth timeMap points)"
    slopes = {(v2 - v1) / (t2 - t1) for (t1, v1, _), (t2, v2, _) in zip(points, points[1:]) if t2 != t1}
    if len(slopes) != 1 or next(iter(slopes)) <= 0 or any(t2 <= t1 for (t1, *_), (t2, *_) in zip(points, points[1:])):
        return None, "a varying speed, a freeze or a reverse"
    sampling = tmap.get("frameSampling") or "floor"
    if sampling != "floor":
        return None, f"a retime sampled by {sampling} (only floor, Final Cut's default, is exact)"
    return next(iter(slopes)), ""


def _src_frame_rate(rate: Fraction) -> str:
    """``srcFrameRate`` as the DTD spells it: 23.98, 25, 29.97, 59.94..."""
    return f"{float(rate):.2f}" if rate.denominator != 1 else str(rate.numerator)


def _conform_rate(element: ET.Element, res: _Resources, rate: Fraction) -> Fraction | None:
    """The media rate of a clip Final Cut rate-conforms to the sequence (frame for frame), else None.

    ``<conform-rate>`` (``scaleEnabled`` defaults to 1) on a clip whose asset runs at another rate:
    each media frame shows as one sequence frame, so the clip's own clock runs at
    ``media rate / sequence rate`` against the sequence's.
    """
    conform = element.find("conform-rate")
    if conform is None or conform.get("scaleEnabled", "1") == "0":
        return None
    asset, _ = _asset_of(element, res)
    media_rate = _rate_of(res.formats.get(asset.get("format"))) if asset is not None else None
    if media_rate is None or media_rate == rate:
        return None
    return media_rate


def _collect_markers(timeline, element: ET.Element, offset: Fraction, start: Fraction, rate: Fraction,
                     res: _Resources) -> None:
    """Markers of a storyline element (and of the clips connected to it) to the Stack at record time."""
    r = float(rate)
    local_start = parse_time(element.get("start")) if element.tag != "audition" else start
    media_rate = _conform_rate(element, res, rate)
    scale = media_rate / rate if media_rate else Fraction(1)  # clip seconds -> sequence seconds
    for child in element:
        if child.tag in ("marker", "chapter-marker"):
            record = offset + (parse_time(child.get("start")) - local_start) * scale
            marker = otio.schema.Marker(
                name=child.get("value") or "",
                marked_range=TimeRange(RationalTime(round(record * rate), r),
                                       RationalTime(round(parse_time(child.get("duration")) * scale * rate), r)),
                color=_COMPLETED_COLOR.get(child.get("completed"), "PURPLE"),
                metadata={NAMESPACE: {"origin": f"{child.tag} '{child.get('value') or ''}'"}})
            marker.comment = child.get("note") or ""
            speed, why = _time_map(element, res, rate) if element.find("timeMap") is not None else (1, "")
            if speed is None:  # a varying retime: where its clip clock sits in record time is not worked out here
                marker.metadata[NAMESPACE]["unplaced"] = (f"on retimed clip '{element.get('name') or ''}' "
                                                          f"(timeMap), {why}: its record position cannot be "
                                                          "worked out exactly")
            timeline.tracks.markers.append(marker)
        elif (child.get("lane") or element.tag == "spine") and \
                child.tag in {"clip", "asset-clip", "gap", "title", "spine", "video"} | _NESTED:
            child_offset = offset + (parse_time(child.get("offset")) - local_start) * scale
            _collect_markers(timeline, child, child_offset, parse_time(child.get("start")), rate, res)
        elif element.tag == "audition" and child is element.find("*"):
            _collect_markers(timeline, child, offset, parse_time(child.get("start")), rate, res)


# ----------------------------------------------------------------------------------------------- writing


class _Writer:
    def __init__(self, timeline: otio.schema.Timeline) -> None:
        self.timeline = timeline
        self.rate = timeline_rate(timeline)
        self.root = ET.Element("fcpxml", version=FCPXML_VERSION)
        self.resources = ET.SubElement(self.root, "resources")
        self.assets: dict[str, str] = {}
        self.formats: dict[Fraction, str] = {}
        self.clocks: dict[int, Fraction] = {}  # id(asset-clip) -> its clock's rate, where it is not the sequence's
        self._next_id = 1
        size = namespace(timeline, NAMESPACE).get("frame_size") or [1920, 1080]
        self.format_id = self._new_id()
        ET.SubElement(self.resources, "format", id=self.format_id, frameDuration=format_time(1 / self.rate),
                      width=str(size[0]), height=str(size[1]), name=f"FFVideoFormat{size[1]}p{round(self.rate)}")

    def format_at(self, rate: Fraction) -> str:
        """A format at another rate than the sequence's (for media Final Cut conforms), made once per rate."""
        if rate not in self.formats:
            sequence = self.resources.find("format")
            self.formats[rate] = self._new_id()
            ET.SubElement(self.resources, "format", id=self.formats[rate], frameDuration=format_time(1 / rate),
                          width=sequence.get("width"), height=sequence.get("height"))
        return self.formats[rate]

    def _new_id(self) -> str:
        rid = f"r{self._next_id}"
        self._next_id += 1
        return rid

    def seconds(self, frames: int, rate: Fraction | None = None) -> str:
        return format_time(Fraction(frames) / (rate or self.rate))

    def asset(self, clip: otio.schema.Clip) -> str | None:
        ref = clip.media_reference
        if not isinstance(ref, otio.schema.ExternalReference) or not ref.target_url:
            return None
        key = ref.target_url
        if key not in self.assets:
            rid = self._new_id()
            available = ref.available_range or clip.source_range
            media_rate = Fraction(available.duration.rate).limit_denominator(1001)
            path = url_to_path(ref.target_url)
            has_video = not path.lower().endswith((".wav", ".aif", ".aiff"))
            asset = ET.SubElement(self.resources, "asset", id=rid, name=PurePath(path.replace("\\", "/")).stem,
                                  start=self.seconds(round(available.start_time.value), media_rate),
                                  duration=self.seconds(round(available.duration.value), media_rate),
                                  hasVideo="1" if has_video else "0", hasAudio="1", audioSources="1",
                                  audioChannels="2", audioRate="48000")
            if has_video:
                conform = _conform_of(clip)
                # a conformed clip's media keep their own rate, or Final Cut would not conform them
                asset.set("format", self.format_at(conform) if conform else self.format_id)
            ET.SubElement(asset, "media-rep", kind="original-media",
                          src=ref.target_url if ref.target_url.startswith("file:") else path_to_url(path))
            self.assets[key] = rid
        return self.assets[key]

    def asset_clip(self, clip: otio.schema.Clip, offset: Fraction, first: int, frames: int, **extra) -> ET.Element:
        """An asset-clip showing ``frames`` frames of ``clip`` from ``first`` frames into its source range."""
        media_rate = Fraction(clip.source_range.duration.rate).limit_denominator(1001)
        conform = _conform_of(clip)
        fcpxml = clip.metadata.get("fcpxml")
        speed = Fraction(fcpxml["speed"]) if hasattr(fcpxml, "get") and fcpxml.get("speed") else None
        # a conformed clip shows one media frame per sequence frame; any other clip plays its media in real time
        into = first if conform else round(Fraction(first) * media_rate / self.rate)
        start = self.seconds(round(clip.source_range.start_time.value) + into, media_rate)
        if speed is not None:  # retimed: its local clock starts at the media time it shows first
            begin = Fraction(fcpxml["media_start"]) + Fraction(first) * speed / self.rate
            start = format_time(begin)
        element = ET.Element("asset-clip", name=xml_text(clip.name), offset=format_time(offset),
                             start=start, duration=self.seconds(frames), **extra)
        rid = self.asset(clip)
        if rid is None:
            element.tag = "gap"
            element.attrib.pop("start")
        else:
            element.set("ref", rid)
            if speed is not None:  # one constant speed, as read: local time -> media time
                tmap = ET.SubElement(element, "timeMap")
                for local in (begin, begin + Fraction(frames) / self.rate):
                    ET.SubElement(tmap, "timept", time=format_time(local),
                                  value=format_time(begin + (local - begin) * speed), interp="linear")
            elif conform:  # its own clock (start, markers) runs at the media rate: say so, as Final Cut does
                ET.SubElement(element, "conform-rate", srcFrameRate=_src_frame_rate(conform))
                self.clocks[id(element)] = conform
        return element

    def span(self, shown: ET.Element, frames: int) -> Fraction:
        """``frames`` record frames in a storyline element's own clock (a conformed clip's runs at its media rate)."""
        return Fraction(frames) / self.clocks.get(id(shown), self.rate)

    def local(self, shown: ET.Element, first: int, frame: int) -> Fraction:
        """Time inside a storyline element (its own clock, which starts at its ``start``) of a record frame."""
        return parse_time(shown.get("start")) + self.span(shown, frame - first)


def write_fcpxml(timeline: otio.schema.Timeline) -> str:
    """FCPXML 1.10 of the cut with the takes as auditions (see the module docstring)."""
    w = _Writer(timeline)
    rate = w.rate
    start = global_start_frames(timeline, rate)
    drop = timeline_drop_frame(timeline) and is_drop_frame_rate(rate)
    retake_tracks = [t for t in timeline.tracks if namespace(t, NAMESPACE).get("take")]
    cut = [t for t in video_tracks(timeline) if t not in retake_tracks]
    # (take clip, its track, record in, record out): each track indexed once, not once per take
    takes = [(item, track, first, last) for track in retake_tracks
             for item, first, last in track_items(timeline, track, rate) if isinstance(item, otio.schema.Clip)]
    # sound takes `conform` put on the cut's audio tracks: the spine carries only picture clips, so they
    # go below it as connected audio, or they would be lost
    takes += [(item, track, first, last) for track in timeline.tracks
              if isinstance(track, otio.schema.Track) and track.kind == otio.schema.TrackKind.Audio
              and track not in retake_tracks
              for item, first, last in track_items(timeline, track, rate)
              if isinstance(item, otio.schema.Clip) and namespace(item, NAMESPACE).get("conformed")]
    library = ET.SubElement(w.root, "library")
    event = ET.SubElement(library, "event", name="otio-retake")
    project = ET.SubElement(event, "project", name=xml_text(timeline.name) or "otio-retake")
    total = round(timeline.tracks.duration().rescaled_to(float(rate)).value)
    sequence = ET.SubElement(project, "sequence", format=w.format_id, duration=w.seconds(total),
                             tcStart=w.seconds(start), tcFormat="DF" if drop else "NDF",
                             audioLayout="stereo", audioRate="48k")
    spine = ET.SubElement(sequence, "spine")
    # Storyline pieces: (record in, record out, element); a piece is split where an audition goes.
    pieces: list[list] = []
    items = list(track_items(timeline, cut[0], rate)) if cut else []
    for item, first, last in items:
        if isinstance(item, otio.schema.Transition) or last <= first:
            continue
        pieces.append([first, last, item, 0])  # item, frames into the item where this piece starts
    auditions = _group_auditions(timeline, takes, pieces, rate)
    elements: list[tuple[int, int, ET.Element, ET.Element]] = []  # record in, out, element, clip in it
    for first, last, item, into in pieces:
        alts = auditions.get((first, last))
        offset = Fraction(start + first) / rate
        if isinstance(item, otio.schema.Clip):
            shown = w.asset_clip(item, offset, into, last - first)
        else:
            shown = ET.Element("gap", name="Gap", offset=format_time(offset), duration=w.seconds(last - first),
                               start="3600s")
        if alts:
            audition = ET.Element("audition", offset=format_time(offset))
            audition.append(shown)
            for take in alts:
                alt = w.asset_clip(take, offset, 0, last - first)
                alt.set("name", xml_text(take.name))
                audition.append(alt)
            spine.append(audition)
            elements.append((first, last, audition, shown))
        else:
            spine.append(shown)
            elements.append((first, last, shown, shown))
    placed = {id(t) for alts in auditions.values() for t in alts}
    for clip, track, lo, hi in takes:
        if id(clip) in placed:
            continue
        _connect(w, clip, track, lo, hi, elements, rate)
    for frame, duration, marker in record_markers(timeline):
        _place_marker(w, elements, frame, duration, marker, rate)
    ET.indent(w.root, space="    ")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE fcpxml>\n'
            + ET.tostring(w.root, encoding="unicode") + "\n")


def _group_auditions(timeline, takes, pieces: list[list], rate) -> dict[tuple[int, int], list[otio.schema.Clip]]:
    """Split storyline pieces so each picture take's range is one piece; (in, out) -> its takes."""
    out: dict[tuple[int, int], list[otio.schema.Clip]] = {}
    for clip, track, lo, hi in takes:
        if track.kind != otio.schema.TrackKind.Video:
            continue
        for index, (first, last, item, into) in enumerate(pieces):
            if not (first <= lo and hi <= last) or not isinstance(item, otio.schema.Clip):
                continue
            split = []
            if lo > first:
                split.append([first, lo, item, into])
            split.append([lo, hi, item, into + lo - first])
            if hi < last:
                split.append([hi, last, item, into + hi - first])
            pieces[index:index + 1] = split
            out.setdefault((lo, hi), []).append(clip)
            break
    return out


def _container_at(elements, frame: int):
    """The storyline element at a record frame (elements are in record order and do not overlap)."""
    k = bisect_right(elements, frame, key=lambda e: e[0]) - 1
    if k >= 0 and elements[k][0] <= frame < elements[k][1]:
        first, _, element, shown = elements[k]
        return first, element, shown
    return None


def _connect(w: _Writer, clip, track, lo: int, hi: int, elements, rate) -> None:
    found = _container_at(elements, lo)
    if found is None:
        return
    first, element, shown = found
    letter = str(namespace(track, NAMESPACE).get("take") or "A")
    lane = (ord(letter) - ord("A") + 1) * (1 if track.kind == otio.schema.TrackKind.Video else -1)
    connected = w.asset_clip(clip, w.local(shown, first, lo), 0, hi - lo, lane=str(lane))
    if track.kind != otio.schema.TrackKind.Video:
        connected.set("srcEnable", "audio")
    shown.append(connected)


def _place_marker(w: _Writer, elements, frame: int, duration: int, marker, rate) -> None:
    found = _container_at(elements, frame)
    if found is None:
        return
    first, _, shown = found
    attrs = {"start": format_time(w.local(shown, first, frame)),
             "duration": format_time(w.span(shown, max(1, duration))), "value": xml_text(marker.name)}
    if marker.comment:
        attrs["note"] = xml_text(marker.comment)
    color = (marker.color or "").upper()
    if color in ("RED", "GREEN"):
        attrs["completed"] = "0" if color == "RED" else "1"
    element = ET.Element("marker", **attrs)
    index = len([c for c in shown if c.tag in ("timeMap", "conform-rate", "marker", "chapter-marker")])  # timing first
    shown.insert(index, element)
