"""A video track over a record range -> the pieces of media to render, in order.

This is the only place that maps record time to media files. It refuses what
it cannot map exactly (speed changes, freeze frames, transitions, nested
stacks) with a message naming the range, the clip and the reason, instead of
rendering the wrong frames.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio

from ..errors import UnsupportedEditError
from ..timecode import frames_of
from .relink import MediaResolver, ResolvedMedia

__all__ = ["Segment", "video_tracks", "track_items", "segments_for", "shot_bounds", "TrackIndex", "TimelineIndex"]


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


def video_tracks(timeline: otio.schema.Timeline) -> list[otio.schema.Track]:
    return [t for t in timeline.tracks if isinstance(t, otio.schema.Track) and t.kind == otio.schema.TrackKind.Video]


class TrackIndex:
    """A track's items with their record frames, computed in one pass, searched by bisection.

    ``transformed_time_range`` walks up to the Stack on every call, so asking it
    per item is quadratic on a feature-length track; ``range_of_all_children``
    gives every item's range in track time at once, and the track's own trim is
    one offset to the Stack's time.
    """

    def __init__(self, timeline: otio.schema.Timeline, track: otio.schema.Track, rate: Fraction) -> None:
        r = float(rate)
        ranges = track.range_of_all_children()
        shift = track.transformed_time(otio.opentime.RationalTime(0, r), timeline.tracks)
        offset = frames_of(shift, r)
        self.track = track
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


class TimelineIndex:
    """The ``TrackIndex`` of each video track of a timeline, built on first use: one per timeline, not per range."""

    def __init__(self, timeline: otio.schema.Timeline, rate: Fraction) -> None:
        self.timeline = timeline
        self.rate = rate
        self.videos = video_tracks(timeline)
        self._tracks: dict[int, TrackIndex] = {}

    def video(self, track_index: int) -> TrackIndex | None:
        if not self.videos:
            return None
        index = min(track_index, len(self.videos) - 1)
        if index not in self._tracks:
            self._tracks[index] = TrackIndex(self.timeline, self.videos[index], self.rate)
        return self._tracks[index]

    def shot_bounds(self, track_index: int, record_in: int, record_out: int) -> tuple[int, int]:
        """The record extent of the clips the range touches (the range itself if it touches none)."""
        lo, hi = record_in, record_out
        track = self.video(track_index)
        if track is None:
            return lo, hi
        for item, first, last in track.overlapping(record_in, record_out):
            if isinstance(item, otio.schema.Clip):
                lo, hi = min(lo, first), max(hi, last)
        return lo, hi

    def segments(self, track_index: int, record_in: int, record_out: int, resolver: MediaResolver, *,
                 range_name: str) -> list[Segment]:
        """The segments covering ``[record_in, record_out)`` on a video track."""
        track = self.video(track_index)
        if track is None:
            raise UnsupportedEditError(f"range '{range_name}': the timeline has no video track")
        label = track.track.name or f"V{min(track_index, len(self.videos) - 1) + 1}"
        if not track.track.enabled:
            raise UnsupportedEditError(f"range '{range_name}' is on track '{label}', which is disabled",
                                       hint="enable the track, or mark a range on a visible track")
        out: list[Segment] = []
        cursor = record_in
        for item, first, last in track.overlapping(record_in, record_out):
            lo, hi = max(first, record_in), min(last, record_out)
            if isinstance(item, otio.schema.Transition):
                raise UnsupportedEditError(
                    f"range '{range_name}' touches a transition ('{item.name or item.transition_type}') on track "
                    f"'{label}'", hint="mark a range (and context) that stays clear of dissolves and wipes")
            if lo > cursor:
                out.append(Segment(cursor, lo - cursor, "(gap)", None, Fraction(0)))
            if isinstance(item, otio.schema.Gap):
                out.append(Segment(lo, hi - lo, "(gap)", None, Fraction(0)))
            elif isinstance(item, otio.schema.Clip):
                out.append(_clip_segment(item, first, lo, hi, self.rate, resolver, range_name, label))
            else:
                raise UnsupportedEditError(
                    f"range '{range_name}' covers a nested {type(item).__name__} '{item.name}' on track '{label}'",
                    hint="flatten the nested sequence/compound clip before exporting")
            cursor = hi
        if cursor < record_out:
            out.append(Segment(cursor, record_out - cursor, "(gap)", None, Fraction(0)))
        return out


def track_items(timeline: otio.schema.Timeline, track: otio.schema.Track, rate: Fraction):
    """(item, record_in, record_out) in record frames for each item of the track."""
    return list(TrackIndex(timeline, track, rate).entries)


def shot_bounds(timeline, track_index: int, record_in: int, record_out: int, rate: Fraction) -> tuple[int, int]:
    """One range's shot bounds; for many ranges build one ``TimelineIndex`` and ask it."""
    return TimelineIndex(timeline, rate).shot_bounds(track_index, record_in, record_out)


def segments_for(timeline: otio.schema.Timeline, track_index: int, record_in: int, record_out: int,
                 rate: Fraction, resolver: MediaResolver, *, range_name: str) -> list[Segment]:
    """One range's segments; for many ranges build one ``TimelineIndex`` and ask it."""
    return TimelineIndex(timeline, rate).segments(track_index, record_in, record_out, resolver,
                                                  range_name=range_name)


def _clip_segment(clip: otio.schema.Clip, clip_first: int, lo: int, hi: int, rate: Fraction,
                  resolver: MediaResolver, range_name: str, label: str) -> Segment:
    fcpxml = clip.metadata.get("fcpxml")
    fcpxml = fcpxml if hasattr(fcpxml, "get") else {}
    retimed = fcpxml.get("speed")  # an FCPXML timeMap at one constant speed, sampled by floor: exact
    for effect in clip.effects:
        if retimed and isinstance(effect, otio.schema.LinearTimeWarp) and effect.name == "timeMap":
            continue
        if isinstance(effect, (otio.schema.LinearTimeWarp, otio.schema.FreezeFrame)) or "speed" in effect.effect_name.lower():
            scalar = getattr(effect, "time_scalar", None)
            kind = "freeze frame" if isinstance(effect, otio.schema.FreezeFrame) or scalar == 0 \
                else f"speed change ({scalar:.2f}x)" if scalar is not None else f"time effect '{effect.effect_name}'"
            raise UnsupportedEditError(
                f"range '{range_name}' covers clip '{clip.name}' on track '{label}', which has a {kind}",
                hint="render the retimed clip to a new media file, or move the marker off it")
    if not clip.enabled:  # the editor sees what is under it, not this clip: never send it as if visible
        raise UnsupportedEditError(f"range '{range_name}' covers clip '{clip.name}' on track '{label}', which is "
                                   "disabled", hint="enable the clip, delete it, or move the marker off it")
    conform = fcpxml.get("conform_rate")
    media = resolver.resolve(clip)
    if media is None:
        return Segment(lo, hi - lo, clip.name, None, Fraction(0), missing=resolver.describe(clip))
    clip_rate = media.rate
    media_in = Fraction(round(clip.source_range.start_time.rescaled_to(float(clip_rate)).value) - media.start_frame,
                        1) / clip_rate
    if retimed:  # record frame k shows the media at the clip's first media time + k x speed frames
        speed = Fraction(retimed)
        media_in = Fraction(fcpxml["media_start"]) - Fraction(media.start_frame) / clip_rate
        return Segment(lo, hi - lo, clip.name, media, media_in + Fraction(lo - clip_first) * speed / rate,
                       speed=speed)
    if conform:  # Final Cut shows its media frame n at the clip's record frame n: one media frame per record frame
        speed = rate / Fraction(conform)
        return Segment(lo, hi - lo, clip.name, media, media_in + Fraction(lo - clip_first) / Fraction(conform),
                       speed=speed)
    file_start = media_in + Fraction(lo - clip_first) / rate
    return Segment(lo, hi - lo, clip.name, media, file_start)
