"""A video track over a record range -> the pieces of media to render, in order.

This is the only place that maps record time to media files. It refuses what
it cannot map exactly (speed changes, freeze frames, transitions, nested
stacks) with a message naming the range, the clip and the reason, instead of
rendering the wrong frames.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import opentimelineio as otio

from ..errors import UnsupportedEditError
from .relink import MediaResolver, ResolvedMedia

__all__ = ["Segment", "video_tracks", "track_items", "segments_for", "shot_bounds"]


@dataclass(frozen=True)
class Segment:
    """``frames`` record frames from ``record_in`` showing one clip (or a gap).

    ``file_start`` is the time in seconds, in the media file, of the first
    frame; ``media`` is None for a gap (black and silence) and for missing media
    (then ``missing`` says which).
    """

    record_in: int
    frames: int
    clip_name: str
    media: ResolvedMedia | None
    file_start: Fraction
    missing: str | None = None

    @property
    def record_out(self) -> int:
        return self.record_in + self.frames

    @property
    def is_gap(self) -> bool:
        return self.media is None and self.missing is None


def video_tracks(timeline: otio.schema.Timeline) -> list[otio.schema.Track]:
    return [t for t in timeline.tracks if isinstance(t, otio.schema.Track) and t.kind == otio.schema.TrackKind.Video]


def track_items(timeline: otio.schema.Timeline, track: otio.schema.Track, rate: Fraction):
    """(item, record_in, record_out) in record frames for each item of the track."""
    r = float(rate)
    # One pass over the track and one transform of its origin: per-item transforms made planning a
    # 500-range cut take close to a minute; a track maps to its stack by an offset only.
    offset = track.transformed_time(otio.opentime.RationalTime(0, r), timeline.tracks)
    ranges = track.range_of_all_children()
    for item in track:
        rng = ranges[item]
        first = round((rng.start_time + offset).rescaled_to(r).value)
        yield item, first, first + round(rng.duration.rescaled_to(r).value)


def shot_bounds(timeline, track_index: int, record_in: int, record_out: int, rate: Fraction) -> tuple[int, int]:
    """The record extent of the clips the range touches (the range itself if it touches none)."""
    tracks = video_tracks(timeline)
    lo, hi = record_in, record_out
    if not tracks:
        return lo, hi
    for item, first, last in track_items(timeline, tracks[min(track_index, len(tracks) - 1)], rate):
        if first >= record_out:  # items come in record order: nothing later touches the range
            break
        if isinstance(item, otio.schema.Clip) and first < record_out and last > record_in:
            lo, hi = min(lo, first), max(hi, last)
    return lo, hi


def segments_for(timeline: otio.schema.Timeline, track_index: int, record_in: int, record_out: int,
                 rate: Fraction, resolver: MediaResolver, *, range_name: str) -> list[Segment]:
    """The segments covering ``[record_in, record_out)`` on a video track."""
    tracks = video_tracks(timeline)
    if not tracks:
        raise UnsupportedEditError(f"range '{range_name}': the timeline has no video track")
    track = tracks[min(track_index, len(tracks) - 1)]
    label = track.name or f"V{track_index + 1}"
    out: list[Segment] = []
    cursor = record_in
    for item, first, last in track_items(timeline, track, rate):
        if first >= record_out:  # items come in record order: nothing later touches the range
            break
        if last <= record_in:
            continue
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
            out.append(_clip_segment(item, first, lo, hi, rate, resolver, range_name, label))
        else:
            raise UnsupportedEditError(
                f"range '{range_name}' covers a nested {type(item).__name__} '{item.name}' on track '{label}'",
                hint="flatten the nested sequence/compound clip before exporting")
        cursor = hi
    if cursor < record_out:
        out.append(Segment(cursor, record_out - cursor, "(gap)", None, Fraction(0)))
    return out


def _clip_segment(clip: otio.schema.Clip, clip_first: int, lo: int, hi: int, rate: Fraction,
                  resolver: MediaResolver, range_name: str, label: str) -> Segment:
    for effect in clip.effects:
        if isinstance(effect, (otio.schema.LinearTimeWarp, otio.schema.FreezeFrame)) or "speed" in effect.effect_name.lower():
            scalar = getattr(effect, "time_scalar", None)
            kind = "freeze frame" if isinstance(effect, otio.schema.FreezeFrame) or scalar == 0 \
                else f"speed change ({scalar:.2f}x)" if scalar is not None else f"time effect '{effect.effect_name}'"
            raise UnsupportedEditError(
                f"range '{range_name}' covers clip '{clip.name}' on track '{label}', which has a {kind}",
                hint="render the retimed clip to a new media file, or move the marker off it")
    media = resolver.resolve(clip)
    if media is None:
        return Segment(lo, hi - lo, clip.name, None, Fraction(0), missing=resolver.describe(clip))
    clip_rate = media.rate
    media_in = Fraction(round(clip.source_range.start_time.rescaled_to(float(clip_rate)).value) - media.start_frame,
                        1) / clip_rate
    file_start = media_in + Fraction(lo - clip_first) / rate
    return Segment(lo, hi - lo, clip.name, media, file_start)
