"""A record range -> the pieces of media to render, in order: the picture the editor sees there.

This is the only place that maps record time to media files. It follows the picture rule
(``picture.py``, DESIGN.md "Decisions"): each record frame shows the topmost enabled video track
holding real footage there, never a take, a title, a generator, a graphic, an adjustment layer or a
disabled clip; a clip marker's own clip gives the frames it covers; ``--picture-track`` makes one
track alone give the picture. A nest (an OTIO nested Stack: a compound clip, a nested sequence) is
resolved through to the footage it shows, from its in-point, by the same rule over its own tracks.
It refuses what it cannot map exactly (speed changes, freeze frames, transitions) with a message
naming the range, the clip and the reason, instead of rendering the wrong frames.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio

from ..errors import InputError, UnsupportedEditError
from ..model import Picture
from ..timecode import frames_of
from .picture import is_take_track, not_footage
from .relink import MediaResolver, ResolvedMedia

__all__ = ["Segment", "video_tracks", "track_items", "segments_for", "shot_bounds", "TrackIndex", "TimelineIndex",
           "picture_track_index", "time_effect"]

NEST_DEPTH = 16  # nests inside nests deeper than this are a loop in a hand-made file, not an edit


@dataclass(frozen=True)
class Segment:
    """``frames`` record frames from ``record_in`` showing one clip (or a gap).

    ``file_start`` is the time in seconds, in the media file, of the first
    frame; ``media`` is None for a gap (black and silence) and for missing media
    (then ``missing`` says which). ``speed`` is media seconds per record second:
    1 but for a clip Final Cut rate-conforms (its media frames play one per
    record frame, so 25 fps media in a 23.976 cut plays at 95.9%) or retimes at
    one constant speed (an FCPXML ``timeMap``).
    """

    record_in: int
    frames: int
    clip_name: str
    media: ResolvedMedia | None
    file_start: Fraction
    missing: str | None = None
    speed: Fraction = Fraction(1)
    track: str = ""  # the track it lies on ("V2"; "V1 > 'Nest' > V1" inside a nest); black: what was passed over

    def file_time(self, record_frame: int, rate: Fraction) -> Fraction:
        """The time in the media file shown at a record frame of this segment."""
        return self.file_start + Fraction(record_frame - self.record_in) * self.speed / rate

    @property
    def record_out(self) -> int:
        return self.record_in + self.frames

    @property
    def is_gap(self) -> bool:
        return self.media is None and self.missing is None

    @property
    def source_path(self) -> Path | None:
        """The media file to render from (None: black and silence), as ``media.excerpt`` reads it."""
        return self.media.path if self.media is not None else None


def video_tracks(timeline: otio.schema.Timeline | otio.schema.Stack) -> list[otio.schema.Track]:
    """The video tracks of a timeline (or of a nest), bottom first."""
    stack = timeline.tracks if isinstance(timeline, otio.schema.Timeline) else timeline
    return [t for t in stack if isinstance(t, otio.schema.Track) and t.kind == otio.schema.TrackKind.Video]


def picture_track_index(timeline: otio.schema.Timeline, name: str) -> int:
    """The video track ``--picture-track NAME`` means: its name as the editor shows it, else V1, V2... by place."""
    videos = video_tracks(timeline)
    for wanted in (lambda t, i: t.name == name, lambda t, i: (t.name or "").casefold() == name.casefold(),
                   lambda t, i: name.upper() == f"V{i + 1}"):
        found = [i for i, t in enumerate(videos) if wanted(t, i)]
        if found:
            return found[0]
    names = ", ".join(f"V{i + 1}" + (f" '{t.name}'" if t.name and t.name != f"V{i + 1}" else "")
                      for i, t in enumerate(videos))
    raise InputError(f"--picture-track {name}: the timeline has no such video track",
                     hint=f"its video tracks: {names or 'none'}")


class TrackIndex:
    """A track's items with their record frames, computed in one pass, searched by bisection.

    ``transformed_time_range`` walks up to the Stack on every call, so asking it
    per item is quadratic on a feature-length track; ``range_of_all_children``
    gives every item's range in track time at once, and the track's own trim is
    one offset to the Stack's time (the timeline's, or a nest's own time).
    """

    def __init__(self, parent: otio.schema.Timeline | otio.schema.Stack, track: otio.schema.Track, rate: Fraction,
                 label: str = "") -> None:
        r = float(rate)
        stack = parent.tracks if isinstance(parent, otio.schema.Timeline) else parent
        ranges = track.range_of_all_children()
        shift = track.transformed_time(otio.opentime.RationalTime(0, r), stack)
        offset = frames_of(shift, r)
        self.track = track
        self.label = label or track.name
        self.takes = is_take_track(track)  # asked once: metadata lookups cost more than the search itself
        self.entries: list[tuple[otio.schema.Item, int, int]] = []
        for item in track:
            rng = ranges[item]
            first = frames_of(rng.start_time, r) + offset
            self.entries.append((item, first, first + frames_of(rng.duration, r)))
        # Items are in record order (a transition overlaps its neighbours but never starts before the
        # previous item), so the ends are sorted too: the first item ending after a frame is found by bisection.
        self._lasts = [last for _, _, last in self.entries]

    def overlapping(self, record_in: int, record_out: int):
        """(item, record_in, record_out) of the items that overlap ``[record_in, record_out)``, in order."""
        start = bisect_right(self._lasts, record_in)
        for entry in self.entries[start:]:
            if entry[1] >= record_out:
                break
            if entry[2] > record_in:
                yield entry


@dataclass(frozen=True)
class _Piece:
    """Record frames ``[record_in, record_out)`` showing ``item`` (None: no footage, black), in the frames of the
    composition asked (a nest's own frames inside it); ``first``/``last``: the clip's extent in those frames."""

    record_in: int
    record_out: int
    item: otio.schema.Clip | None
    first: int
    last: int
    label: str  # the track it lies on; for black, what was passed over there ("" for a plain gap)
    track_index: int  # the timeline's video track it comes from (a nest's track at the top level)

    def shifted(self, by: int, track_index: int) -> "_Piece":
        return replace(self, record_in=self.record_in + by, record_out=self.record_out + by, first=self.first + by,
                       last=self.last + by, track_index=track_index)


class TimelineIndex:
    """The ``TrackIndex`` of each video track of a timeline (and of its nests), built on first use: one per
    timeline, not per range; and the picture rule over them."""

    def __init__(self, timeline: otio.schema.Timeline, rate: Fraction) -> None:
        self.timeline = timeline
        self.rate = rate
        self.videos = video_tracks(timeline)
        self._tracks: dict[int, TrackIndex] = {}
        self._nests: dict[int, list[TrackIndex]] = {}

    def video(self, track_index: int) -> TrackIndex | None:
        if not self.videos:
            return None
        index = min(track_index, len(self.videos) - 1)
        if index not in self._tracks:
            track = self.videos[index]
            self._tracks[index] = TrackIndex(self.timeline, track, self.rate, track.name or f"V{index + 1}")
        return self._tracks[index]

    # ------------------------------------------------------------------------------------------ the picture rule
    def picture(self, picture: Picture, record_in: int, record_out: int, resolver: MediaResolver | None = None, *,
                range_name: str = "", strict: bool = True) -> list[_Piece]:
        """What the editor sees over ``[record_in, record_out)`` minus overlays, as pieces in record order.

        ``strict``: a transition where the picture comes from is refused (it cannot be rendered exactly);
        otherwise it is passed as the clips on either side (to find shot bounds). A plain track index is that
        track alone (as ``Picture(track=...)``)."""
        if isinstance(picture, int):
            picture = Picture(track=picture)
        if not self.videos:
            raise UnsupportedEditError(f"range '{range_name}': the timeline has no video track")
        if picture.track is not None:
            track = self.video(picture.track)
            if not track.track.enabled:
                raise UnsupportedEditError(f"range '{range_name}' is on track '{track.label}', which is disabled",
                                           hint="enable the track, or name another with --picture-track")
            layers = [(min(picture.track, len(self.videos) - 1), track)]
        else:
            layers = [(i, self.video(i)) for i in range(len(self.videos) - 1, -1, -1) if self.videos[i].enabled]
        own = self._own_clip(picture, resolver) if picture.track is None else None
        if own is None:
            return self._compose(layers, record_in, record_out, resolver, range_name, strict, 0)
        index, track, clip, first, last = own
        lo, hi = max(record_in, first), min(record_out, last)
        if lo >= hi:
            return self._compose(layers, record_in, record_out, resolver, range_name, strict, 0)
        if isinstance(clip, otio.schema.Stack):  # a nest's marker: what the nest shows, what is below where it shows none
            if strict:
                _refuse_time_effects(clip, f"nest '{clip.name}'", track.label, range_name)
            mine = []
            for piece in self._nest(index, track, clip, first, lo, hi, resolver, range_name, strict, 0):
                mine += [piece] if piece.item is not None else self._compose(
                    layers, piece.record_in, piece.record_out, resolver, range_name, strict, 0,
                    (piece.label,) if piece.label else ())
        else:
            mine = [self._footage(index, track, clip, first, last, lo, hi, range_name, strict)]
        return _merged([*self._compose(layers, record_in, lo, resolver, range_name, strict, 0), *mine,
                        *self._compose(layers, hi, record_out, resolver, range_name, strict, 0)])

    def _own_clip(self, picture: Picture, resolver):
        """A clip marker's own clip (track index, track, clip, first, last) when it is footage, or a nest's marker's
        nest (what it shows is resolved like any nest)."""
        if picture.clip is None:
            return None
        index, first, last = picture.clip
        track = self.video(index)
        if track is None or not track.track.enabled:
            return None
        for item, item_first, item_last in track.overlapping(first, first + 1):
            if (item_first, item_last) != (first, last):
                continue
            if isinstance(item, otio.schema.Clip) and not_footage(item, track.track, resolver,
                                                                  take_track=track.takes) is None or \
                    isinstance(item, otio.schema.Stack) and item.enabled:
                return index, track, item, first, last
        return None

    def _compose(self, layers: list[tuple[int, TrackIndex]], lo: int, hi: int, resolver, range_name: str,
                 strict: bool, depth: int, passed: tuple[str, ...] = ()) -> list[_Piece]:
        """The picture over ``[lo, hi)`` from ``layers`` (top first): the top one where it has footage, the
        ones below where it has none."""
        if lo >= hi:
            return []
        if not layers:
            return [_Piece(lo, hi, None, lo, hi, "; ".join(dict.fromkeys(passed)), -1)]
        (index, top), rest = layers[0], layers[1:]
        out: list[_Piece] = []

        def below(a: int, b: int, reasons: tuple[str, ...] = ()) -> None:
            out.extend(self._compose(rest, a, b, resolver, range_name, strict, depth, passed + reasons))

        cursor = lo
        for item, first, last in top.overlapping(lo, hi):
            if isinstance(item, otio.schema.Transition):
                continue  # refused (strict) by the footage it lies over, below
            a, b = max(first, lo), min(last, hi)
            if a > cursor:
                below(cursor, a)
            if isinstance(item, otio.schema.Clip):
                reason = not_footage(item, top.track, resolver, take_track=top.takes)
                if reason:
                    below(a, b, (f"clip '{item.name}' on track '{top.label}', which is {reason}",))
                else:
                    out.append(self._footage(index, top, item, first, last, a, b, range_name, strict))
            elif isinstance(item, otio.schema.Stack):
                if strict:
                    _refuse_time_effects(item, f"nest '{item.name}'", top.label, range_name)
                if not item.enabled:
                    below(a, b, (f"nest '{item.name}' on track '{top.label}', which is disabled",))
                else:
                    for piece in self._nest(index, top, item, first, a, b, resolver, range_name, strict, depth):
                        if piece.item is None:
                            below(piece.record_in, piece.record_out, (piece.label,) if piece.label else ())
                        else:
                            out.append(piece)
            elif isinstance(item, otio.schema.Gap):
                below(a, b)
            elif strict:
                raise UnsupportedEditError(
                    f"range '{range_name}' covers a nested {type(item).__name__} '{item.name}' on track "
                    f"'{top.label}'", hint="flatten it before exporting, or move the marker off it")
            else:
                below(a, b)
            cursor = b
        if cursor < hi:
            below(cursor, hi)
        return _merged(out)

    def _footage(self, index: int, track: TrackIndex, clip, first: int, last: int, a: int, b: int,
                 range_name: str, strict: bool) -> _Piece:
        if strict:
            for other, _, _ in track.overlapping(a, b):
                if isinstance(other, otio.schema.Transition):
                    raise UnsupportedEditError(
                        f"range '{range_name}' touches a transition ('{other.name or other.transition_type}') on "
                        f"track '{track.label}'", hint="mark a range (and context) that stays clear of dissolves "
                                                       "and wipes")
        return _Piece(a, b, clip, first, last, track.label, index)

    def _nest(self, index: int, track: TrackIndex, stack: otio.schema.Stack, first: int, a: int, b: int,
              resolver, range_name: str, strict: bool, depth: int) -> list[_Piece]:
        """What a nest shows over ``[a, b)`` (record frames): its own picture from its in-point, by the same
        rule over its own tracks, back in record frames."""
        if depth >= NEST_DEPTH:
            raise UnsupportedEditError(f"range '{range_name}' covers nest '{stack.name}' on track '{track.label}', "
                                       f"nested more than {NEST_DEPTH} deep", hint="flatten it before exporting")
        shift = first - frames_of(stack.trimmed_range().start_time, self.rate)  # record = nest frame + shift
        key = id(stack)
        if key not in self._nests:
            label = f"{track.label} > '{stack.name}'"
            inner = video_tracks(stack)
            self._nests[key] = [TrackIndex(stack, t, self.rate, f"{label} > {t.name or f'V{i + 1}'}")
                                for i, t in enumerate(inner)]
        layers = [(index, t) for t in reversed(self._nests[key]) if t.track.enabled]
        pieces = self._compose(layers, a - shift, b - shift, resolver, range_name, strict, depth + 1)
        return [p.shifted(shift, index) for p in pieces]

    # ---------------------------------------------------------------------------------------------- its uses
    def top_track(self, picture: Picture, record_in: int, record_out: int, resolver=None) -> int:
        """The highest video track giving the picture over the range (0 when none does): where a take goes."""
        picture = Picture(track=picture) if isinstance(picture, int) else picture
        if picture.track is not None or not self.videos:
            return min(picture.track or 0, max(len(self.videos) - 1, 0))
        found = [p.track_index for p in self.picture(picture, record_in, record_out, resolver, strict=False)
                 if p.item is not None]
        return max(found, default=0)

    def shot_bounds(self, picture: Picture, record_in: int, record_out: int,
                    resolver: MediaResolver | None = None, *, range_name: str = "") -> tuple[int, int]:
        """The record extent of the shots the range shows (the range itself if it shows none): how far the
        clip(s) giving its first and last frames go on showing before and after it."""
        clips = [p for p in self.picture(picture, record_in, record_out, resolver, range_name=range_name, strict=False)
                 if p.item is not None]
        if not clips:
            return record_in, record_out
        head, tail = clips[0], clips[-1]
        lo, hi = head.record_in, tail.record_out
        for piece in reversed(self.picture(picture, head.first, lo, resolver, strict=False)):
            if piece.item is not head.item or piece.record_out != lo:
                break
            lo = piece.record_in
        for piece in self.picture(picture, hi, tail.last, resolver, strict=False):
            if piece.item is not tail.item or piece.record_in != hi:
                break
            hi = piece.record_out
        return min(lo, record_in), max(hi, record_out)

    def segments(self, picture: Picture, record_in: int, record_out: int, resolver: MediaResolver, *,
                 range_name: str) -> list[Segment]:
        """The segments covering ``[record_in, record_out)``: the picture the editor sees there."""
        out: list[Segment] = []
        for piece in self.picture(picture, record_in, record_out, resolver, range_name=range_name):
            if piece.item is None:
                out.append(Segment(piece.record_in, piece.record_out - piece.record_in, "(gap)", None, Fraction(0),
                                   track=piece.label))
            else:
                out.append(_clip_segment(piece.item, piece.first, piece.record_in, piece.record_out, self.rate,
                                         resolver, range_name, piece.label))
        return out


def _merged(pieces: list[_Piece]) -> list[_Piece]:
    """Neighbouring pieces of one clip as one (a track above may split a clip's frames where nothing shows)."""
    out: list[_Piece] = []
    for piece in pieces:
        last = out[-1] if out else None
        if last is not None and piece.item is not None and last.item is piece.item and last.first == piece.first \
                and last.record_out == piece.record_in and last.track_index == piece.track_index:
            out[-1] = replace(last, record_out=piece.record_out)
        else:
            out.append(piece)
    return out


def track_items(timeline: otio.schema.Timeline, track: otio.schema.Track, rate: Fraction):
    """(item, record_in, record_out) in record frames for each item of the track."""
    return list(TrackIndex(timeline, track, rate).entries)


def shot_bounds(timeline, picture: Picture, record_in: int, record_out: int, rate: Fraction) -> tuple[int, int]:
    """One range's shot bounds; for many ranges build one ``TimelineIndex`` and ask it."""
    return TimelineIndex(timeline, rate).shot_bounds(picture, record_in, record_out)


def segments_for(timeline: otio.schema.Timeline, picture: Picture, record_in: int, record_out: int,
                 rate: Fraction, resolver: MediaResolver, *, range_name: str) -> list[Segment]:
    """One range's segments; for many ranges build one ``TimelineIndex`` and ask it."""
    return TimelineIndex(timeline, rate).segments(picture, record_in, record_out, resolver, range_name=range_name)


def _refuse_time_effects(item, what: str, label: str, range_name: str, *, skip_time_map: bool = False) -> None:
    """A speed change or freeze frame on a clip or a nest: its frames cannot be mapped exactly, refused by name."""
    kind = time_effect(item, skip_time_map=skip_time_map)
    if kind:
        raise UnsupportedEditError(
            f"range '{range_name}' covers {what} on track '{label}', which has a {kind}",
            hint="render the retimed clip to a new media file, or move the marker off it")


def time_effect(item, *, skip_time_map: bool | None = None) -> str | None:
    """What retimes a clip or nest in a way ``segments`` cannot render frame for frame ("speed change (2.00x)",
    "freeze frame", "speed ramp (...)"), or None. An FCPXML ``timeMap`` at one constant speed is rendered (None):
    ``skip_time_map``, by default whether the clip was read as one."""
    if skip_time_map is None:
        fcpxml = item.metadata.get("fcpxml")
        skip_time_map = bool(fcpxml.get("speed")) if hasattr(fcpxml, "get") else False
    mismatch = item.metadata.get("otio_retake")
    if hasattr(mismatch, "get") and mismatch.get("edl_mismatch"):  # edl_read: source and record out of step
        return f"source that does not match its record: {mismatch['edl_mismatch']}"
    for effect in item.effects:
        if skip_time_map and isinstance(effect, otio.schema.LinearTimeWarp) and effect.name == "timeMap":
            continue
        remap = _fcp7_time_remap(effect)
        if remap is not None:
            if remap:
                return remap
            continue
        if isinstance(effect, (otio.schema.LinearTimeWarp, otio.schema.FreezeFrame)) or "speed" in effect.effect_name.lower():
            scalar = getattr(effect, "time_scalar", None)
            return "freeze frame" if isinstance(effect, otio.schema.FreezeFrame) or scalar == 0 \
                else f"speed change ({scalar:.2f}x)" if scalar is not None else f"time effect '{effect.effect_name}'"
    return None


def _fcp7_time_remap(effect) -> str | None:
    """An FCP 7 XML "Time Remap" filter (Premiere's and Final Cut 7's speed and time remapping), which the stock
    adapter reads as a plain ``Effect``: "" when it leaves the clip at 100 % forwards, else what it does (a
    ``variablespeed`` remap with keyframes is a speed ramp). None for any other effect."""
    meta = effect.metadata.get("fcp_xml")
    if not hasattr(meta, "get") or str(meta.get("effectid", "")).lower() != "timeremap":
        return None
    params = meta.get("parameter") or []
    params = [params] if hasattr(params, "get") else list(params)
    values = {str(p.get("parameterid", "")).lower(): p.get("value") for p in params if hasattr(p, "get")}
    if str(values.get("variablespeed", "0")).strip() not in ("0", "", "None", "FALSE"):
        return "speed ramp (Time Remap with speed keyframes)"
    if str(values.get("reverse", "FALSE")).upper() == "TRUE":
        return "reverse (Time Remap)"
    try:
        speed = float(values.get("speed") or 100)
    except ValueError:
        return "time remap"
    return "" if abs(speed - 100) < 1e-6 else (
        "freeze frame" if speed == 0 else f"speed change ({speed / 100:.2f}x, Time Remap)")


def _clip_segment(clip: otio.schema.Clip, clip_first: int, lo: int, hi: int, rate: Fraction,
                  resolver: MediaResolver, range_name: str, label: str) -> Segment:
    fcpxml = clip.metadata.get("fcpxml")
    fcpxml = fcpxml if hasattr(fcpxml, "get") else {}
    retimed = fcpxml.get("speed")  # an FCPXML timeMap at one constant speed, sampled by floor: exact
    _refuse_time_effects(clip, f"clip '{clip.name}'", label, range_name, skip_time_map=bool(retimed))
    conform = fcpxml.get("conform_rate")
    media = resolver.resolve(clip)
    if media is None:
        return Segment(lo, hi - lo, clip.name, None, Fraction(0), missing=resolver.describe(clip), track=label)
    clip_rate = media.rate
    media_in = Fraction(round(clip.source_range.start_time.rescaled_to(float(clip_rate)).value) - media.start_frame,
                        1) / clip_rate
    if retimed:  # record frame k shows the media at the clip's first media time + k x speed frames
        speed = Fraction(retimed)
        media_in = Fraction(fcpxml["media_start"]) - Fraction(media.start_frame) / clip_rate
        return Segment(lo, hi - lo, clip.name, media, media_in + Fraction(lo - clip_first) * speed / rate,
                       speed=speed, track=label)
    if conform:  # Final Cut shows its media frame n at the clip's record frame n: one media frame per record frame
        speed = rate / Fraction(conform)
        return Segment(lo, hi - lo, clip.name, media, media_in + Fraction(lo - clip_first) / Fraction(conform),
                       speed=speed, track=label)
    file_start = media_in + Fraction(lo - clip_first) / rate
    return Segment(lo, hi - lo, clip.name, media, file_start, track=label)
