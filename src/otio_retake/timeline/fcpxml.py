"""FCPXML 1.8-1.11 <-> OTIO, exactly: rational times, ``<media-rep src>``, auditions.

Ours because the fcpx_xml adapter truncates rates to integers (23.976 -> 23),
ignores ``<media-rep src>`` (modern exports read as missing media) and lays
the clips of an ``<audition>`` end to end (interchange.md).

Read: the project (the one named when a library or event holds several) as
Final Cut shows it. Its primary storyline (the sequence's ``<spine>``) is V1:
``asset-clip`` and ``clip`` as clips with their media, ``gap`` as gaps,
``transition`` as transitions, an ``audition`` as its active (first) pick,
a compound clip (``ref-clip``) as a nested Stack from its in-point, a multicam
clip (``mc-clip``) as its active video angle and a ``sync-clip`` as its video
(the one clip they show, or a nested Stack). Connected clips and secondary
storylines are tracks by lane (V2... above, audio below). The takes of our own
outputs (an audition's alternatives and connected clips named "NAME take X")
go back on Retake tracks. Every ``marker`` and ``chapter-marker`` Final Cut
shows on the project's timeline goes to the Stack at the record frame that
contains it, its ``value`` as name and ``note`` as the note. A clip Final Cut
rate-conforms (``_CONFORMS``) keeps its exact sequence length and says its
media rate in ``metadata["fcpxml"]["conform_rate"]`` (segments renders it
frame for frame) or, played at another rate than the sequence's, its speed.

Write: the cut's first video track becomes the spine (with its transitions;
nested Stacks as compound clips); each range whose takes sit inside one clip
becomes an ``<audition>`` there (the original frames as the active pick, each
take as an alternative), so Final Cut shows native alternates; the editor's
other tracks go back on their lanes as connected clips and storylines; takes
of ranges that cross a cut, and sound-only takes, become connected clips on
lanes past the editor's (above the storyline for picture, below for sound).
docs/fcpxml.md says what is read and written, and why where the stock adapter
differs.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from bisect import bisect_right
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import PurePath

import opentimelineio as otio
from opentimelineio.opentime import RationalTime, TimeRange

from ..errors import TimelineReadError, UnsupportedEditError
from ..timecode import is_drop_frame_rate, snap_rate
from ..paths import path_to_url, url_to_path
from .marks import record_markers
from .info import NAMESPACE, global_start_frames, namespace, timeline_drop_frame, timeline_rate, xml_text
from .segments import time_effect, track_items, video_tracks

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
    media: dict[str, ET.Element] = field(default_factory=dict)  # compound and multicam clips' sequences
    effects: dict[str, ET.Element] = field(default_factory=dict)

    def asset_src(self, asset: ET.Element) -> str | None:
        src = asset.get("src")
        if src:
            return src
        reps = asset.findall("media-rep")
        for rep in sorted(reps, key=lambda r: r.get("kind") != "original-media"):
            if rep.get("src"):
                return rep.get("src")
        return None


def read_fcpxml(text: str, *, source: str = "FCPXML", project: str | None = None) -> otio.schema.Timeline:
    """The project of an FCPXML file as Final Cut shows it (``project``: its name, needed when there are several)."""
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
    for element in root.iter("media"):
        res.media[element.get("id")] = element
    for element in root.iter("effect"):
        res.effects[element.get("id")] = element
    chosen = _project(root, source, project)
    sequence = chosen.find("sequence")
    if sequence is None or sequence.find("spine") is None:
        raise TimelineReadError(f"project '{chosen.get('name') or ''}' holds no sequence", path=source,
                                hint="export the project again from Final Cut (File > Export XML)")
    fmt = res.formats.get(sequence.get("format"))
    rate = _rate_of(fmt)
    if rate is None:
        raise TimelineReadError(f"sequence format '{sequence.get('format')}' has no frameDuration", path=source)
    r = float(rate)
    tc_start = parse_time(sequence.get("tcStart"))
    timeline = otio.schema.Timeline(name=chosen.get("name") or "FCPXML",
                                    global_start_time=RationalTime(round(tc_start * rate), r))
    tc_format = (sequence.get("tcFormat") or "").upper()  # absent: Final Cut shows non-drop
    timeline.metadata.setdefault(NAMESPACE, {})["fcpxml"] = {
        "version": root.get("version"), "drop_frame": tc_format == "DF", "rate": str(rate)}
    if fmt is not None and fmt.get("width"):
        timeline.metadata[NAMESPACE]["frame_size"] = [int(fmt.get("width")), int(fmt.get("height"))]
    reader = _Reader(res, rate, source, start_frame=round(tc_start * rate))
    for track in reader.tracks(sequence.find("spine"), tc_start):
        timeline.tracks.append(track)
    for marker in reader.markers:
        timeline.tracks.markers.append(marker)
    return timeline


def _project(root: ET.Element, source: str, name: str | None) -> ET.Element:
    """The project to read: the only one, or the one named (Final Cut's libraries and events hold several)."""
    projects = root.findall(".//project")
    names = [p.get("name") or "" for p in projects]
    if not projects:
        clips = [e.get("name") or "" for e in root.iter() if e.tag in ("asset-clip", "clip", "ref-clip", "mc-clip",
                                                                        "sync-clip") and e.get("lane") is None]
        held = f" (only clips: {', '.join(repr(c) for c in clips[:5])}{', ...' if len(clips) > 5 else ''})" \
            if clips else ""
        raise TimelineReadError(f"holds no project{held}: there is no cut to read", path=source,
                                hint="select the project (not its clips) in Final Cut's browser and use "
                                     "File > Export XML")
    listed = ", ".join(repr(n) for n in names)
    if name is not None:
        for element, found in zip(projects, names):
            if found == name:
                return element
        raise TimelineReadError(f"holds no project named '{name}' (its projects: {listed})", path=source,
                                hint="pass one of them with --project NAME")
    if len(projects) > 1:
        raise TimelineReadError(f"holds {len(projects)} projects ({listed}): which one to read is not said",
                                path=source, hint="choose one with --project NAME")
    return projects[0]


_ONE_FRAME = Fraction(1001, 24000)  # the longest frame Final Cut writes a (point) marker's duration as
_STORY = {"asset-clip", "clip", "gap", "audition", "video", "audio", "title"} | _NESTED  # a storyline's items
_TAKE_NAME = re.compile(r"^(.+) take ([A-Z])$")  # how a take is named in our outputs (alternates.take_clip)


def _label_rate(label: str) -> Fraction | None:
    """A rate as Final Cut labels it (``srcFrameRate``: 23.98, 25, 29.97, ...), exactly."""
    exact = {"23.98": Fraction(24000, 1001), "29.97": Fraction(30000, 1001), "47.95": Fraction(48000, 1001),
             "59.94": Fraction(60000, 1001)}
    try:
        return exact.get(label) or Fraction(label)
    except (ValueError, ZeroDivisionError):
        return None


def _rates(pairs: dict[tuple[str, str], str]) -> dict[tuple[Fraction, Fraction], Fraction]:
    return {(_label_rate(m), _label_rate(s)): _label_rate(t) for (m, s), t in pairs.items()}


# Final Cut's rate conforming: (media rate, sequence rate) -> the rate the media plays at (Apple's FCPXML
# reference, ``conform-rate``; "for any other combination Final Cut drops or repeats frames", playing the media
# in real time). 23.98 in 59.94 is not in Apple's chart, but Final Cut's own exports show it played at 24: its
# connected clips and storylines sit on the sequence's frames only with the clip's clock at 1000/1001
# (tests/data/fcp_5994_with_2398_2997_media.fcpxml).
_CONFORMS = _rates({
    ("23.98", "24"): "24", ("23.98", "25"): "25", ("23.98", "50"): "25", ("23.98", "59.94"): "24",
    ("24", "23.98"): "23.98", ("24", "25"): "25", ("24", "50"): "25",
    ("25", "23.98"): "23.98", ("25", "24"): "24",
    ("29.97", "30"): "30", ("30", "29.97"): "29.97", ("30", "59.94"): "29.97",
    ("50", "23.98"): "47.95", ("50", "48"): "48",
    ("59.94", "60"): "60", ("60", "29.97"): "59.94", ("60", "59.94"): "59.94"})


def _conform(element: ET.Element, res: _Resources, rate: Fraction) -> tuple[Fraction, Fraction] | None:
    """(media rate, rate it plays at) of a clip Final Cut rate-conforms in a sequence at ``rate``, else None.

    Only with ``<conform-rate>`` whose ``scaleEnabled`` is not 0, and only for the pairs of rates Final Cut
    conforms (``_CONFORMS``): a 23.98 clip in a 25 sequence plays at 25 (each media frame one sequence frame);
    a 29.97 clip in a 59.94 sequence plays in real time whatever its ``conform-rate`` says.
    """
    conform = element.find("conform-rate")
    if conform is None or conform.get("scaleEnabled", "1") == "0":
        return None
    asset, _ = _asset_of(element, res)
    media_rate = _rate_of(res.formats.get(asset.get("format"))) if asset is not None else None
    if media_rate is None and conform.get("srcFrameRate"):  # a compound or multicam clip: the rate it says
        media_rate = _label_rate(conform.get("srcFrameRate"))
    target = _CONFORMS.get((media_rate, rate)) if media_rate is not None else None
    return (media_rate, target) if target is not None else None


@dataclass
class _Clock:
    """An element's own time in record seconds (from the cut's first frame): ``start`` shows at ``origin``."""

    origin: Fraction
    start: Fraction
    scale: Fraction = Fraction(1)  # record seconds per second of the element's own time

    def record(self, local: Fraction) -> Fraction:
        return self.origin + (local - self.start) * self.scale


class _Reader:
    """One sequence's storylines -> OTIO tracks: the primary storyline, its lanes, the takes of our outputs.

    Record time is in seconds from the sequence's first frame; markers on the storyline and on connected
    clips (what Final Cut shows on the project's timeline) go to ``markers`` at the frame that contains them.
    Markers inside compound and multicam clips are theirs, not the project's: a nested read keeps none.
    """

    def __init__(self, res: _Resources, rate: Fraction, source: str, *, depth: int = 0, start_frame: int = 0) -> None:
        self.res, self.rate, self.source, self.depth, self.start_frame = res, rate, source, depth, start_frame
        self.markers: list[otio.schema.Marker] = []
        self.lanes: dict[tuple[str, int], list[tuple[int, list[otio.schema.Item]]]] = {}
        self.takes: dict[tuple[str, str], list[tuple[int, list[otio.schema.Item]]]] = {}

    def frame(self, seconds: Fraction) -> int:
        return round(seconds * self.rate)

    def duration(self, seconds: Fraction) -> RationalTime:
        return RationalTime(round(seconds * self.rate), float(self.rate))

    def tracks(self, spine: ET.Element, zero: Fraction) -> list[otio.schema.Track]:
        primary = otio.schema.Track("V1", kind=otio.schema.TrackKind.Video)
        for item in _merge_audition_pieces(self.storyline(spine, Fraction(0), zero, 0)):
            primary.append(item)
        out = [primary]
        video = sorted(lane for kind, lane in self.lanes if kind == "video")
        audio = sorted((lane for kind, lane in self.lanes if kind == "audio"), reverse=True)
        n_video, n_audio = 1, 0
        for kind, lanes in (("video", video), ("audio", audio)):
            for lane in lanes:
                for track in self._stack_runs(self.lanes[(kind, lane)], kind):
                    if kind == "video":
                        n_video += 1
                        track.name = f"V{n_video}"
                    else:
                        n_audio += 1
                        track.name = f"A{n_audio}"
                    track.metadata["fcpxml"] = {"lane": lane}
                    out.append(track)
        sounds = {(clip.metadata[NAMESPACE]["range_name"], letter) for (kind, letter), runs in self.takes.items()
                  if kind == "audio" for _, items in runs for clip in items}
        for (kind, letter), runs in self.takes.items():  # a range with picture and sound takes was 'both'
            for _, items in runs:
                for clip in items:
                    if kind == "video" and (clip.metadata[NAMESPACE]["range_name"], letter) in sounds:
                        clip.metadata[NAMESPACE]["mode"] = "both"
        for (kind, letter), runs in sorted(self.takes.items()):
            for k, track in enumerate(self._stack_runs(runs, kind)):
                track.name = f"Retake {letter}" + (f" {k + 1}" if k else "")
                track.metadata[NAMESPACE] = {"take": letter}
                out.append(track)
        return out

    def _stack_runs(self, runs, kind: str) -> list[otio.schema.Track]:
        """Runs (record frame, items) on as few tracks as hold them without overlap, gaps between."""
        tracks: list[tuple[otio.schema.Track, list[int]]] = []
        kind_ = otio.schema.TrackKind.Video if kind == "video" else otio.schema.TrackKind.Audio
        for first, items in sorted(runs, key=lambda run: run[0]):
            length = sum(round(i.duration().rescaled_to(float(self.rate)).value) for i in items
                         if not isinstance(i, otio.schema.Transition))
            for track, cursor in tracks:
                if cursor[0] <= first:
                    break
            else:
                track, cursor = otio.schema.Track(kind=kind_), [0]
                tracks.append((track, cursor))
            if first > cursor[0]:
                track.append(otio.schema.Gap(source_range=TimeRange(RationalTime(0, float(self.rate)),
                                                                    RationalTime(first - cursor[0],
                                                                                 float(self.rate)))))
            for item in items:
                track.append(item)
            cursor[0] = first + length
        return [track for track, _ in tracks]

    def storyline(self, spine: ET.Element, origin: Fraction, zero: Fraction, lane: int) -> list[otio.schema.Item]:
        """The items of a storyline whose own time ``zero`` shows at record ``origin``, holes as gaps."""
        r = float(self.rate)
        items: list[otio.schema.Item] = []
        cursor = self.frame(origin)
        pending: tuple[otio.schema.Transition, Fraction, Fraction] | None = None  # a transition, its offset, length
        for element in spine:
            tag = element.tag
            if tag == "transition":
                length = parse_time(element.get("duration"))
                transition = otio.schema.Transition(
                    name=element.get("name") or "", in_offset=RationalTime(0, r), out_offset=self.duration(length),
                    metadata={"fcpxml": {"effect": _effect_uid(element, self.res)}})
                pending = (transition, origin + parse_time(element.get("offset")) - zero, length)
                items.append(transition)
                # markers on a transition: its own time starts at 3600 s, as a gap's does
                self.collect_markers(element, _Clock(pending[1], parse_time(element.get("start") or "3600s")))
                continue
            if tag not in _STORY:
                continue
            at = origin + parse_time(element.get("offset")) - zero
            first = self.frame(at)
            if pending is not None:  # the cut is where this element starts: the transition spans it
                transition, begins, length = pending
                before = self.frame(at) - self.frame(begins) if items[:-1] else 0
                transition.in_offset = RationalTime(before, r)
                transition.out_offset = RationalTime(self.frame(begins + length) - self.frame(begins) - before, r)
                pending = None
            hole = round(first - cursor)  # the track's end so far: a conformed clip's length is not whole frames
            if hole > 0:  # a hole in the storyline
                items.append(otio.schema.Gap(source_range=TimeRange(RationalTime(0, r), RationalTime(hole, r))))
                cursor += hole
            item = self.element(element, at, lane)
            items.append(item)
            cursor += item.duration().rescaled_to(r).value
        if pending is not None:  # a transition that ends the storyline (a fade out) lies before its end
            transition, _, length = pending
            transition.in_offset, transition.out_offset = self.duration(length), RationalTime(0, r)
        return items

    def element(self, element: ET.Element, at: Fraction, lane: int) -> otio.schema.Item:
        """A storyline element starting at record ``at``: its item; its markers and connected clips read too."""
        shown = element
        if element.tag == "audition":  # the active pick (the first) is what Final Cut shows
            picks = [c for c in element if c.tag in _STORY]
            shown = picks[0]
            for alternative in picks[1:]:
                self.take(alternative, at, lane)
        item = self.item(shown, lane)
        if element.tag == "audition" and isinstance(item, otio.schema.Clip):
            item.metadata["fcpxml"]["audition"] = True
        if "0" in (element.get("enabled"), shown.get("enabled")):
            item.enabled = False
        clock = self.clock(shown, at)
        self.collect_markers(shown, clock)
        self.connected(shown, clock, lane)
        return item

    def clock(self, element: ET.Element, at: Fraction) -> _Clock:
        conform = _conform(element, self.res, self.rate)
        return _Clock(at, parse_time(element.get("start")),
                      conform[0] / conform[1] if conform else Fraction(1))

    def take(self, element: ET.Element, at: Fraction, lane: int) -> bool:
        """One of our takes (an audition's alternative, a connected clip, named as we name them) to its Retake track."""
        named = _TAKE_NAME.match(element.get("name") or "")
        if not named or element.tag not in ("asset-clip", "clip"):
            return False
        clip = self.item(element, lane)
        kind = "audio" if lane < 0 or element.get("srcEnable") == "audio" else "video"
        # what `conform` needs of a take (alternates.take_clip writes it where the format keeps metadata)
        clip.metadata[NAMESPACE] = {"take": named[2], "range_name": named[1], "mode": kind,
                                    "record_in_frame": self.start_frame + self.frame(at),
                                    "duration_frames": self.frame(at + parse_time(element.get("duration")))
                                    - self.frame(at)}
        self.takes.setdefault((kind, named[2]), []).append((self.frame(at), [clip]))
        return True

    def connected(self, element: ET.Element, clock: _Clock, lane: int) -> None:
        """Clips and storylines connected to a storyline element, onto their lanes."""
        for child in element:
            if child.get("lane") is None or (child.tag not in _STORY and child.tag != "spine"):
                continue
            child_lane = lane + int(child.get("lane"))
            at = clock.record(parse_time(child.get("offset")))
            if child.tag == "spine":  # a secondary storyline: its own clock starts at 0
                items = self.storyline(child, at, Fraction(0), child_lane)
                kind = "video" if child_lane > 0 else "audio"
            elif self.take(child, at, child_lane):
                continue
            else:
                items = [self.element(child, at, child_lane)]
                kind = "video" if child_lane > 0 and self._has_video(child) else "audio"
            self.lanes.setdefault((kind, child_lane), []).append((self.frame(at), items))

    def _has_video(self, element: ET.Element) -> bool:
        if element.get("srcEnable") == "audio" or element.tag == "audio":
            return False
        asset, _ = _asset_of(element, self.res)
        return asset is None or asset.get("hasVideo") != "0"

    def collect_markers(self, element: ET.Element, clock: _Clock) -> None:
        if self.depth:  # inside a compound or multicam clip: not on the project's timeline
            return
        r = float(self.rate)
        speed, why = _time_map(element, self.res, self.rate) if element.find("timeMap") is not None else (1, "")
        # the element's own time it shows: Final Cut hides the markers outside it (before its start, at or past
        # its end); a varying retime's markers are all kept (and listed as not placed)
        shown = parse_time(element.get("duration")) / clock.scale \
            if element.get("duration") and speed is not None else None
        for child in element:
            if child.tag not in ("marker", "chapter-marker"):
                continue
            local = parse_time(child.get("start"))
            if shown is not None and not clock.start <= local < clock.start + shown:
                continue
            record = clock.record(local)
            length = parse_time(child.get("duration")) * clock.scale
            # Final Cut's markers are points, written one frame of their clip long (2 or 2.5 frames of a 59.94
            # project for a 29.97 or 23.98 clip): a point is one record frame; ours, written as ranges, are longer
            frames = 1 if length <= _ONE_FRAME else round(length * self.rate)
            # Final Cut shows a marker between two frames on the frame that contains it
            marker = otio.schema.Marker(
                name=child.get("value") or "",
                marked_range=TimeRange(RationalTime(math.floor(record * self.rate), r), RationalTime(frames, r)),
                color=_COMPLETED_COLOR.get(child.get("completed"), "PURPLE"),
                metadata={NAMESPACE: {"origin": f"{child.tag} '{child.get('value') or ''}'",
                                      "marker_id": _marker_id(element, child, self.res)}})
            marker.comment = child.get("note") or ""
            if speed is None:  # a varying retime: where its clip clock sits in record time is not worked out here
                marker.metadata[NAMESPACE]["unplaced"] = (f"on retimed clip '{element.get('name') or ''}' "
                                                          f"(timeMap), {why}: its record position cannot be "
                                                          "worked out exactly")
            self.markers.append(marker)

    def item(self, element: ET.Element, lane: int) -> otio.schema.Item:
        if element.tag == "ref-clip":
            return self.compound(element)
        if element.tag == "mc-clip":
            return self.multicam(element)
        if element.tag == "sync-clip":
            return self.sync_clip(element)
        item = _item(element, self.res, self.rate)
        if element.find("timeMap") is not None and isinstance(item, otio.schema.Clip):
            speed, why = _time_map(element, self.res, self.rate)
            if speed is not None:  # one constant speed: segments renders it, one media step per record frame
                item.effects.append(otio.schema.LinearTimeWarp(name="timeMap", time_scalar=float(speed)))
            else:  # a varying retime: segments refuses to render it, as it does an EDL's M2; written back as read
                tmap = element.find("timeMap")
                held = len({value for _, value, _ in _time_points(element)}) == 1
                item.effects.append(otio.schema.FreezeFrame(name="timeMap") if held else otio.schema.Effect(
                    name="timeMap", effect_name=f"FCPXML timeMap speed change: {why}"))
                item.metadata["fcpxml"]["time_map"] = {
                    "points": [[p.get("time"), p.get("value"), p.get("interp") or "smooth2"]
                               for p in tmap.findall("timept")],
                    **({"frameSampling": tmap.get("frameSampling")} if tmap.get("frameSampling") else {})}
        return item

    # -- compound, multicam and synchronized clips: what they show, as a nested Stack (or its one clip)

    def nested(self, element: ET.Element, tracks: list[otio.schema.Track], inner: Fraction,
               zero: Fraction, kind: str) -> otio.schema.Item:
        """What ``element`` shows of ``tracks`` (read at rate ``inner``, whose time ``zero`` is their first frame):
        the one plain clip it shows, else a Stack trimmed to it (``segments`` resolves it to the footage)."""
        start = parse_time(element.get("start")) - zero  # the in-point, in the nested sequence's time
        length = parse_time(element.get("duration"))
        ri = float(inner)
        first = RationalTime(round(start * inner), ri)
        name = element.get("name") or element.tag
        meta = {"fcpxml": {"tag": element.tag, "ref": element.get("ref"), "start": element.get("start"),
                           "nested": kind}}
        conformed = _conform(element, self.res, self.rate) is not None  # played at another speed: not its clip's
        single = None if conformed else self._single_clip(tracks, first, RationalTime(float(length * inner), ri))
        if single is not None:
            single.name = single.name or name
            single.metadata.setdefault("fcpxml", {}).update({"nested": kind, "nest_name": name,
                                                             "nest_tag": element.tag})
            return single
        stack = otio.schema.Stack(name=name, source_range=TimeRange(first, self.duration(length)), metadata=meta)
        for track in tracks:
            stack.append(track)
        if conformed:
            stack.effects.append(otio.schema.Effect(name="conform-rate", effect_name=(
                f"FCPXML conform-rate speed change of {kind} '{name}'")))
        return stack

    @staticmethod
    def _single_clip(tracks, first: RationalTime, length: RationalTime) -> otio.schema.Clip | None:
        """The clip, trimmed, when the picture over [first, first + length) is one plain clip on one track."""
        videos = [t for t in tracks if t.kind == otio.schema.TrackKind.Video and len(t)]
        if len(videos) != 1:
            return None
        track = videos[0]
        end = first + length
        for child, rng in track.range_of_all_children().items():
            if not isinstance(child, otio.schema.Clip):
                continue
            if rng.start_time.to_seconds() <= first.to_seconds() + 1e-9 and \
                    end.to_seconds() <= rng.end_time_exclusive().to_seconds() + 1e-9:
                fcpxml = namespace(child, "fcpxml")
                if child.effects or fcpxml.get("conform_rate") or fcpxml.get("speed") or not child.enabled:
                    return None
                src = child.source_range
                mr = src.start_time.rate
                into = (first - rng.start_time).rescaled_to(mr)
                clip = child.deepcopy()
                clip.source_range = TimeRange(RationalTime(round(src.start_time.value + into.value), mr),
                                              RationalTime(round(length.rescaled_to(mr).value), mr))
                return clip
        return None

    def compound(self, element: ET.Element) -> otio.schema.Item:
        media = self.res.media.get(element.get("ref"))
        sequence = media.find("sequence") if media is not None else None
        if sequence is None or sequence.find("spine") is None or self.depth > 8:
            return self._missing(element, "compound clip")
        inner = _rate_of(self.res.formats.get(sequence.get("format"))) or self.rate
        zero = parse_time(sequence.get("tcStart"))
        sub = _Reader(self.res, inner, self.source, depth=self.depth + 1)
        return self.nested(element, sub.tracks(sequence.find("spine"), zero), inner, zero, "compound clip")

    def multicam(self, element: ET.Element) -> otio.schema.Item:
        """The active video angle (``mc-source`` with video enabled) over the clip's range."""
        media = self.res.media.get(element.get("ref"))
        multicam = media.find("multicam") if media is not None else None
        if multicam is None or self.depth > 8:
            return self._missing(element, "multicam clip")
        sources = [s for s in element.findall("mc-source") if s.get("srcEnable", "all") in ("all", "video")]
        angles = {a.get("angleID"): a for a in multicam.findall("mc-angle")}
        angle = angles.get(sources[0].get("angleID")) if sources else None
        if angle is None:
            return self._missing(element, "multicam clip with no active video angle")
        inner = _rate_of(self.res.formats.get(multicam.get("format"))) or self.rate
        zero = parse_time(multicam.get("tcStart"))
        sub = _Reader(self.res, inner, self.source, depth=self.depth + 1)
        tracks = sub.tracks(angle, zero)
        tracks[0].name = angle.get("name") or "angle"
        return self.nested(element, tracks, inner, zero, f"multicam clip (angle '{angle.get('name') or ''}')")

    def sync_clip(self, element: ET.Element) -> otio.schema.Item:
        """The synchronized clip's own storyline (its video) and what is connected to it."""
        inner = _rate_of(self.res.formats.get(element.get("format"))) or self.rate
        sub = _Reader(self.res, inner, self.source, depth=self.depth + 1)
        story = element.find("spine") if element.find("spine") is not None else element
        # the sync clip's own time runs from 0 (its children's offsets); its ``start`` is its in-point there
        tracks = sub.tracks(story, Fraction(0))
        return self.nested(element, tracks, inner, Fraction(0), "synchronized clip")

    def _missing(self, element: ET.Element, what: str) -> otio.schema.Clip:
        return otio.schema.Clip(name=element.get("name") or element.tag, media_reference=otio.schema.MissingReference(),
                                source_range=TimeRange(RationalTime(0, float(self.rate)),
                                                       self.duration(parse_time(element.get("duration")))),
                                metadata={"fcpxml": {"tag": element.tag, "missing": what}})


def _effect_uid(transition: ET.Element, res: _Resources) -> str | None:
    """The uid of a transition's video effect (Final Cut's Cross Dissolve, a wipe...), to write it back."""
    video = transition.find("filter-video")
    effect = res.effects.get(video.get("ref")) if video is not None else None
    return effect.get("uid") if effect is not None else None


def _merge_audition_pieces(items: list[otio.schema.Item]) -> list[otio.schema.Item]:
    """Put back together a clip our writer split around an audition (the pieces show the media continuously):
    the range's shot, hence its context and identity, is the clip the editor cut, not the audition's piece."""
    out: list[otio.schema.Item] = []
    for item in items:
        prev = out[-1] if out else None
        if isinstance(prev, otio.schema.Clip) and isinstance(item, otio.schema.Clip) and \
                (namespace(prev, "fcpxml").get("audition") or namespace(item, "fcpxml").get("audition")) and \
                _continues(prev, item):
            src = prev.source_range
            prev.source_range = TimeRange(src.start_time, src.duration + item.source_range.duration)
            prev.metadata["fcpxml"]["audition"] = True  # the piece after it may continue it too
            continue
        out.append(item)
    for item in out:
        if isinstance(item, otio.schema.Clip) and "fcpxml" in item.metadata:
            item.metadata["fcpxml"].pop("audition", None)
    return out


def _continues(a: otio.schema.Clip, b: otio.schema.Clip) -> bool:
    """``b`` shows the frames of the same media right after ``a``, played the same way."""
    ra, rb = a.media_reference, b.media_reference
    if not (isinstance(ra, otio.schema.ExternalReference) and isinstance(rb, otio.schema.ExternalReference)):
        return False
    ma, mb = namespace(a, "fcpxml"), namespace(b, "fcpxml")
    same_way = all(ma.get(k) == mb.get(k) for k in ("conform_rate", "speed", "asset"))
    if not same_way or ra.target_url != rb.target_url or a.enabled != b.enabled or a.effects or b.effects:
        return False
    if ma.get("speed"):
        rate = Fraction(a.source_range.duration.rate).limit_denominator(1001)
        end = Fraction(ma["media_start"]) + Fraction(a.source_range.duration.value).limit_denominator(10 ** 6) \
            / rate
        return abs(end - Fraction(mb["media_start"])) < Fraction(1, 10 ** 6)
    end = a.source_range.end_time_exclusive()
    return abs(end.value - b.source_range.start_time.rescaled_to(end.rate).value) < 1e-6


def _item(element: ET.Element, res: _Resources, rate: Fraction) -> otio.schema.Item:
    r = float(rate)
    duration = RationalTime(round(parse_time(element.get("duration")) * rate), r)
    name = element.get("name") or ""
    if element.tag == "gap":
        return otio.schema.Gap(source_range=TimeRange(RationalTime(0, r), duration))
    start = parse_time(element.get("start"))
    asset, media_start = _asset_of(element, res)
    if asset is None:  # a title, a generator, or a clip whose media is not in the file: its own time (start) is its
        # source's, so it is written back from where it was
        effect = res.effects.get(element.get("ref") or "")  # a generator is a <video> of an <effect> (Solids...)
        kind = (effect.get("name") or "") if effect is not None else ""
        ref = otio.schema.GeneratorReference(name=name, generator_kind=kind) \
            if element.tag == "title" or effect is not None else otio.schema.MissingReference()
        first = RationalTime(round(start * rate), r)
        written = {"effect": effect.get("uid"), "effect_name": kind} if effect is not None and effect.get("uid") \
            else {}  # to write the title or generator back as one
        return otio.schema.Clip(name=name, media_reference=ref, source_range=TimeRange(first, duration),
                                metadata={"fcpxml": {"tag": element.tag, **written}})
    media_rate = _rate_of(res.formats.get(asset.get("format"))) or rate
    mr = float(media_rate)
    src = res.asset_src(asset)
    available = TimeRange(RationalTime(round(parse_time(asset.get("start")) * media_rate), mr),
                          RationalTime(round(parse_time(asset.get("duration")) * media_rate), mr))
    ref = otio.schema.ExternalReference(target_url=url_to_path(src), available_range=available) if src \
        else otio.schema.MissingReference()
    first = start - media_start
    conform = _conform(element, res, rate)
    speed, _ = _time_map(element, res, rate)
    retime: dict = {}
    if speed is not None:  # the clip's clock is its local time; the timeMap says which media time it shows
        t0, v0 = _time_points(element)[0][:2]
        first = v0 + (start - t0) * speed
        retime = {"speed": str(speed), "media_start": str(first)}
    elif conform and conform[1] != rate:  # played at another rate than the sequence's: one constant speed
        retime = {"speed": str(conform[1] / conform[0]), "media_start": str(first),
                  "conform_target": str(conform[1])}
    # A conformed clip lasts exactly its sequence duration: its length in media time is not a whole number of
    # media frames (54 record frames at 24 are 56.25 frames of 25 fps time), and rounding it would move every
    # later clip of the track (segments maps its record frames to media frames one for one).
    length = parse_time(element.get("duration")) * media_rate
    conformed = conform is not None and conform[1] == rate
    return otio.schema.Clip(name=name or asset.get("name") or "", media_reference=ref,
                            source_range=TimeRange(RationalTime(round(first * media_rate), mr),
                                                   RationalTime(float(length) if conform or retime
                                                                else round(length), mr)),
                            metadata={"fcpxml": {"asset": asset.get("id"), "tag": element.tag, **retime,
                                                 # a sound file in the storyline (an audio-only project): no picture
                                                 **({"sound_only": True} if _sound_only(element, asset) else {}),
                                                 **({"conform_rate": str(media_rate)} if conformed else {})}})


def _sound_only(element: ET.Element, asset: ET.Element) -> bool:
    """A clip that shows no picture: its asset has none (``hasVideo`` is 0 unless said, as the DTD has it) or
    only its sound is used (``srcEnable="audio"``, an ``<audio>`` element)."""
    return element.get("srcEnable") == "audio" or element.tag == "audio" or \
        (asset.get("hasVideo", "0") != "1" and asset.get("hasAudio") == "1")


def _marker_id(element: ET.Element, marker: ET.Element, res: _Resources) -> str:
    """What the range follows (timeline/marks.py marker_ids): the marker's position on its clip, in the clip's
    own time, and the media the clip shows (its asset's name), never the marker's name or its place in the cut."""
    asset, _ = _asset_of(element, res)
    owner = (asset.get("name") if asset is not None else None) or element.get("name") or element.tag
    return f"fcpxml:{owner}@{marker.get('start') or '0s'}"


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


def _warp(clip: otio.schema.Clip) -> Fraction | None:
    """The constant speed of a clip retimed by an OTIO time effect (an EDL's M2, a freeze frame), else None."""
    for effect in clip.effects:
        if isinstance(effect, otio.schema.FreezeFrame):
            return Fraction(0)
        if isinstance(effect, otio.schema.LinearTimeWarp):
            return Fraction(effect.time_scalar).limit_denominator(10 ** 6)
    return None


def _conform_target_of(clip: otio.schema.Clip) -> tuple[Fraction | None, Fraction | None]:
    """(the rate it plays at, its media rate) of a clip Final Cut conforms to another rate than the sequence's."""
    fcpxml = namespace(clip, "fcpxml")
    if not fcpxml.get("conform_target"):
        return None, None
    return Fraction(fcpxml["conform_target"]), Fraction(fcpxml["conform_target"]) / Fraction(fcpxml["speed"])


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
    offline = element.tag == "clip" and _asset_of(element, res)[0] is None  # no media: its time is the source's
    if (element.tag != "asset-clip" and not offline) or _conform(element, res, rate):
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


# ----------------------------------------------------------------------------------------------- writing


_CROSS_DISSOLVE = "FxPlug:4731E73A-8DAC-4113-9A30-AE85B1761265"  # Final Cut's Cross Dissolve, as its exports name it


def _seconds(time: RationalTime) -> Fraction:
    """An OTIO time as exact seconds (its rate snapped to the NTSC rate it stands for)."""
    return Fraction(time.value).limit_denominator(10 ** 6) / snap_rate(time.rate)


class _Writer:
    def __init__(self, timeline: otio.schema.Timeline) -> None:
        self.timeline = timeline
        self.rate = timeline_rate(timeline)
        self.root = ET.Element("fcpxml", version=FCPXML_VERSION)
        self.resources = ET.SubElement(self.root, "resources")
        self.assets: dict[str, str] = {}
        self.formats: dict[Fraction, str] = {}
        self.clocks: dict[int, Fraction] = {}  # id(asset-clip) -> its clock's rate, where it is not the sequence's
        self.effects: dict[str, str] = {}  # transition effect uid -> resource id
        self.media: dict[int, str] = {}  # id(nested Stack) -> its compound clip's media id
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
            media_rate = snap_rate(available.duration.rate)
            path = url_to_path(ref.target_url)
            has_video = not path.lower().endswith((".wav", ".aif", ".aiff"))
            asset = ET.SubElement(self.resources, "asset", id=rid, name=PurePath(path.replace("\\", "/")).stem,
                                  start=self.seconds(round(available.start_time.value), media_rate),
                                  duration=self.seconds(round(available.duration.value), media_rate),
                                  hasVideo="1" if has_video else "0", hasAudio="1", audioSources="1",
                                  audioChannels="2", audioRate="48000")
            if has_video:  # the media's own rate: Final Cut conforms it or plays it in real time by that
                asset.set("format", self.format_at(media_rate) if media_rate != self.rate else self.format_id)
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
        media_start = Fraction(fcpxml["media_start"]) if speed is not None else None
        if speed is None and _warp(clip) is not None:  # an EDL's M2 speed or freeze: the same, as a timeMap
            speed, media_start = _warp(clip), _seconds(clip.source_range.start_time)
        # a conformed clip shows one media frame per sequence frame; any other clip plays its media in real time
        into = first if conform else round(Fraction(first) * media_rate / self.rate)
        start = self.seconds(round(clip.source_range.start_time.value) + into, media_rate)
        if speed is not None:  # retimed: its local clock starts at the media time it shows first
            begin = media_start + Fraction(first) * speed / self.rate
            start = format_time(begin)
        element = ET.Element("asset-clip", name=xml_text(clip.name), offset=format_time(offset),
                             start=start, duration=self.seconds(frames), **extra)
        rid = self.asset(clip)
        generator = namespace(clip, "fcpxml")
        if rid is None and generator.get("effect") and generator.get("tag") in ("title", "video"):
            element.tag = generator["tag"]  # a Final Cut title or generator, back as one
            element.set("ref", self.effect(generator["effect"], generator.get("effect_name") or clip.name))
            element.set("start", self.seconds(round(clip.source_range.start_time.value) + first,
                                              snap_rate(clip.source_range.start_time.rate)))
            if not clip.enabled:
                element.set("enabled", "0")
        elif rid is None:  # no media file (an EDL's event): an offline clip of its name and source time
            element.tag = "clip"
            if speed is not None:
                tmap = ET.SubElement(element, "timeMap")
                for local in (begin, begin + Fraction(frames) / self.rate):
                    ET.SubElement(tmap, "timept", time=format_time(local),
                                  value=format_time(begin + (local - begin) * speed), interp="linear")
            ET.SubElement(element, "gap", name="Gap", offset=element.get("start"), duration=element.get("duration"))
            if not clip.enabled:
                element.set("enabled", "0")
        else:
            element.set("ref", rid)
            if not clip.enabled:
                element.set("enabled", "0")
            target, media = _conform_target_of(clip)
            if target is not None:  # conformed to another rate than the sequence's: its clock runs at that
                ET.SubElement(element, "conform-rate", srcFrameRate=_src_frame_rate(media))
                self.clocks[id(element)] = self.rate * media / target
            elif namespace(clip, "fcpxml").get("time_map"):  # a varying retime read from FCPXML, as it was
                read = namespace(clip, "fcpxml")["time_map"]
                tmap = ET.SubElement(element, "timeMap", **({"frameSampling": read["frameSampling"]}
                                                            if read.get("frameSampling") else {}))
                for time, value, interp in read["points"]:
                    ET.SubElement(tmap, "timept", time=time, value=value, interp=interp)
            elif speed is not None:  # one constant speed, as read: local time -> media time
                tmap = ET.SubElement(element, "timeMap")
                for local in (begin, begin + Fraction(frames) / self.rate):
                    ET.SubElement(tmap, "timept", time=format_time(local),
                                  value=format_time(begin + (local - begin) * speed), interp="linear")
            elif conform:  # its own clock (start, markers) runs at the media rate: say so, as Final Cut does
                ET.SubElement(element, "conform-rate", srcFrameRate=_src_frame_rate(conform))
                self.clocks[id(element)] = conform
        return element

    def story_item(self, item, offset: Fraction, first: int, frames: int, *, connected: bool = False) -> ET.Element:
        """The element of a clip, a compound clip (nested Stack) or a gap, ``frames`` frames from ``first``."""
        if isinstance(item, otio.schema.Clip):
            return self.asset_clip(item, offset, first, frames)
        if isinstance(item, otio.schema.Stack):
            return self.ref_clip(item, offset, first, frames)
        return ET.Element("gap", name="Gap", offset=format_time(offset), duration=self.seconds(frames),
                          start="3600s")

    def effect(self, uid: str, name: str) -> str:
        """The resource id of a Final Cut effect (a transition, title or generator), made once per uid."""
        if uid not in self.effects:
            self.effects[uid] = self._new_id()
            ET.SubElement(self.resources, "effect", id=self.effects[uid], name=xml_text(name), uid=uid)
        return self.effects[uid]

    def transition(self, transition: otio.schema.Transition, offset: Fraction, frames: int) -> ET.Element:
        """A transition over ``frames`` record frames (Final Cut's Cross Dissolve unless read as another)."""
        name = xml_text(transition.name) or "Cross Dissolve"
        rid = self.effect(namespace(transition, "fcpxml").get("effect") or _CROSS_DISSOLVE, name)
        element = ET.Element("transition", name=name, offset=format_time(offset), duration=self.seconds(frames))
        ET.SubElement(element, "filter-video", ref=rid, name=name)
        return element

    def ref_clip(self, stack: otio.schema.Stack, offset: Fraction, first: int, frames: int) -> ET.Element:
        """A compound clip showing ``frames`` frames of ``stack`` from ``first`` frames into its source range."""
        retimed = time_effect(stack)
        if retimed:  # its compound clip would play at 100 %: every frame after its first would be another
            raise UnsupportedEditError(f"nest '{stack.name}' is retimed ({retimed}), which this FCPXML writer "
                                       "cannot carry on a compound clip", hint="write .otio instead")
        if id(stack) not in self.media:
            self.media[id(stack)] = self._compound(stack)
        begin = _seconds(stack.source_range.start_time) if stack.source_range else Fraction(0)
        return ET.Element("ref-clip", ref=self.media[id(stack)], name=xml_text(stack.name), offset=format_time(offset),
                          start=format_time(begin + Fraction(first) / self.rate), duration=self.seconds(frames))

    def _compound(self, stack: otio.schema.Stack) -> str:
        """The ``media`` of a nested Stack: its first video track as the compound clip's storyline, its other
        tracks on their lanes, as the project's are written."""
        rid = self._new_id()
        media = ET.SubElement(self.resources, "media", id=rid, name=xml_text(stack.name) or "Compound Clip")
        length = _seconds(stack.available_range().duration) if len(stack) else Fraction(0)
        sequence = ET.SubElement(media, "sequence", format=self.format_id, duration=format_time(length),
                                 tcStart="0s", tcFormat="NDF")
        spine = ET.SubElement(sequence, "spine")
        _write_storyline(self, stack, spine, 0, round(length * self.rate))
        return rid

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
    elements, auditions, (top, bottom) = _write_storyline(w, timeline, spine, start, total, takes)
    placed = {id(t) for alts in auditions.values() for t in alts}
    for clip, track, lo, hi in takes:
        if id(clip) in placed:
            continue
        _connect(w, clip, track, lo, hi, elements, rate, top, bottom)
    for frame, duration, marker in record_markers(timeline):
        _place_marker(w, elements, frame, duration, marker, rate)
    ET.indent(w.root, space="    ")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE fcpxml>\n'
            + ET.tostring(w.root, encoding="unicode") + "\n")


def _write_storyline(w: _Writer, parent, spine: ET.Element, start: int, total: int, takes=()):
    """The first video track of ``parent`` (a timeline, or a nested Stack for a compound clip) into ``spine``,
    its transitions between, the other tracks back on their lanes; the picture takes inside one clip as
    auditions. Returns (record in, out, element, clip shown) of each storyline element, the auditions, and
    the highest and lowest lanes the editor's tracks took."""
    rate = w.rate
    tracks = parent.tracks if isinstance(parent, otio.schema.Timeline) else parent
    retake_tracks = [t for t in tracks if namespace(t, NAMESPACE).get("take")]
    cut = [t for t in video_tracks(parent) if t not in retake_tracks]
    # Storyline pieces: (record in, record out, element); a piece is split where an audition goes.
    pieces: list[list] = []
    items = list(track_items(parent, cut[0], rate)) if cut else []
    transitions: dict[int, list] = {}  # the cut a transition spans (record frame) -> (transition, in, out)
    for item, first, last in items:
        if isinstance(item, otio.schema.Transition):
            cut_at = first + round(item.in_offset.rescaled_to(float(rate)).value)
            transitions.setdefault(cut_at, []).append((item, first, last))
            continue
        if last > first:
            pieces.append([first, last, item, 0])  # item, frames into the item where this piece starts
    end = pieces[-1][1] if pieces else 0
    if end < total:  # clips on other tracks past the storyline's end (or a cut of sound only) connect to a gap
        pieces.append([end, total, None, 0])
    auditions = _group_auditions(takes, pieces)
    elements: list[tuple[int, int, ET.Element, ET.Element]] = []  # record in, out, element, clip in it
    last_out = None
    for first, last, item, into in pieces:
        for transition, t_in, t_out in transitions.pop(first, []):
            spine.append(w.transition(transition, Fraction(start + t_in) / rate, t_out - t_in))
        alts = auditions.get((first, last))
        offset = Fraction(start + first) / rate
        shown = w.story_item(item, offset, into, last - first)
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
        last_out = last
    for transition, t_in, t_out in transitions.pop(last_out, []):  # a fade out at the storyline's end
        spine.append(w.transition(transition, Fraction(start + t_in) / rate, t_out - t_in))
    # The editor's other tracks where they were: connected clips and storylines, by lane (above the storyline
    # for picture, below for sound); our takes go on lanes past them.
    # a sound track's clip that is the picture's own sound (same media, same frames) is in the storyline's clip
    own_sound = {(_media_key(item), first, last) for item, first, last in items if isinstance(item, otio.schema.Clip)}
    lanes = _editor_lanes(parent, tracks, cut, retake_tracks, own_sound, rate)
    for track, lane in lanes:
        _write_lane(w, parent, track, lane, elements, rate, skip=own_sound)
    top = max((lane for _, lane in lanes if lane > 0), default=0)
    bottom = min((lane for _, lane in lanes if lane < 0), default=0)
    return elements, auditions, (top, bottom)


def _editor_lanes(parent, tracks, cut, retake_tracks, own_sound, rate) -> list[tuple[otio.schema.Track, int]]:
    """The editor's tracks other than the storyline's, with the lane each goes back to: the one it was read from
    (FCPXML), else the next above (picture) or below (a sound track read from an FCPXML lane)."""
    out = []
    used_video = 0
    for track in cut[1:]:
        lane = namespace(track, "fcpxml").get("lane")
        used_video = max(used_video + 1, int(lane)) if lane is not None else used_video + 1
        out.append((track, int(lane) if lane is not None else used_video))
    used_audio = 0
    for track in tracks:
        if isinstance(track, otio.schema.Track) and track.kind == otio.schema.TrackKind.Audio \
                and track not in retake_tracks:
            if not any(isinstance(item, otio.schema.Clip) and (_media_key(item), first, last) not in own_sound
                       and not namespace(item, NAMESPACE).get("conformed")
                       for item, first, last in track_items(parent, track, rate)):
                continue  # only the storyline's own sound (or sound takes, connected as takes)
            lane = namespace(track, "fcpxml").get("lane")
            used_audio = min(used_audio - 1, int(lane)) if lane is not None else used_audio - 1
            out.append((track, int(lane) if lane is not None else used_audio))
    return out


def _media_key(clip: otio.schema.Clip):
    ref = clip.media_reference
    return ref.target_url if isinstance(ref, otio.schema.ExternalReference) else f"name:{clip.name}"


def _write_lane(w: _Writer, timeline, track, lane: int, elements, rate, *, skip=frozenset()) -> None:
    """A track's clips as connected clips (one clip alone) or connected storylines (clips that follow each other
    or meet in a transition), each attached to the storyline element under its first frame. A sound track's
    clips that are the storyline's own sound (``skip``) or sound takes (connected as takes) are left out."""
    runs: list[list] = []
    for item, first, last in track_items(timeline, track, rate):
        duplicate = isinstance(item, otio.schema.Clip) and track.kind == otio.schema.TrackKind.Audio and (
            (_media_key(item), first, last) in skip or namespace(item, NAMESPACE).get("conformed"))
        if duplicate or isinstance(item, otio.schema.Gap) or \
                (last <= first and not isinstance(item, otio.schema.Transition)):
            runs.append([])
            continue
        if not runs:
            runs.append([])
        runs[-1].append((item, first, last))
    for run in (r for r in runs if r):
        begin = min(first for _, first, _ in run)
        found = _container_at(elements, max(begin, 0))
        if found is None:
            continue
        container_first, _, shown = found
        at = w.local(shown, container_first, begin)
        audio = track.kind == otio.schema.TrackKind.Audio
        clips = [entry for entry in run if not isinstance(entry[0], otio.schema.Transition)]
        if len(run) == 1:
            item, first, last = run[0]
            element = w.story_item(item, at, 0, last - first, connected=True)
            element.set("lane", str(lane))
        else:
            element = ET.Element("spine", lane=str(lane), offset=format_time(at))
            for item, first, last in run:
                offset = Fraction(first - begin) / w.rate
                if isinstance(item, otio.schema.Transition):
                    element.append(w.transition(item, offset, last - first))
                else:
                    element.append(w.story_item(item, offset, 0, last - first, connected=True))
            if not clips:
                continue
        if audio:
            for clip in element.iter("asset-clip"):
                clip.set("srcEnable", "audio")
        if not track.enabled:  # a track the editor turned off: its clips stay off
            for clip in element.iter():
                if clip.tag in ("asset-clip", "clip", "ref-clip"):
                    clip.set("enabled", "0")
        index = len([c for c in shown if c.tag in ("timeMap", "conform-rate", "marker", "chapter-marker")])
        shown.insert(index, element)


def _group_auditions(takes, pieces: list[list]) -> dict[tuple[int, int], list[otio.schema.Clip]]:
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


def _connect(w: _Writer, clip, track, lo: int, hi: int, elements, rate, top: int = 0, bottom: int = 0) -> None:
    found = _container_at(elements, lo)
    if found is None:
        return
    first, element, shown = found
    letter = str(namespace(track, NAMESPACE).get("take") or "A")
    step = ord(letter) - ord("A") + 1
    lane = top + step if track.kind == otio.schema.TrackKind.Video else bottom - step
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
