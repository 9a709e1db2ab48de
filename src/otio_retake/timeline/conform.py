"""A timeline with Retake tracks + the editor's picks -> the final cut.

For each picked range the chosen take replaces exactly the marked record
frames on the track the range was rendered from: the original clip(s) are
split into head, take and tail, nothing else moves. Sound takes go on the
cut's first audio track (one is added if the cut has none). Unpicked ranges
stay as they were; the Retake tracks are dropped unless asked to keep them.
"""

from __future__ import annotations

from dataclasses import dataclass

import opentimelineio as otio
from opentimelineio.opentime import RationalTime, TimeRange

from ..errors import InputError, UnsupportedEditError
from .info import NAMESPACE, global_start_frames, namespace, timeline_rate
from .segments import track_items, video_tracks

__all__ = ["TakeRef", "available_takes", "conform", "overwrite"]


@dataclass(frozen=True)
class TakeRef:
    range_name: str
    letter: str
    record_in: int  # relative to the timeline's first frame
    duration: int
    mode: str
    track_index: int
    clip: otio.schema.Clip
    kind: str  # the kind of track the take was found on


def available_takes(timeline: otio.schema.Timeline) -> list[TakeRef]:
    """Every take clip on the timeline's Retake tracks."""
    rate = timeline_rate(timeline)
    start = global_start_frames(timeline, rate)
    out = []
    for track in timeline.tracks:
        if not isinstance(track, otio.schema.Track) or not namespace(track, NAMESPACE).get("take"):
            continue
        for clip in track.find_clips(shallow_search=True):
            meta = namespace(clip, NAMESPACE)
            if not meta.get("range_name"):
                continue
            out.append(TakeRef(range_name=str(meta["range_name"]), letter=str(meta["take"]),
                               record_in=int(meta["record_in_frame"]) - start, duration=int(meta["duration_frames"]),
                               mode=str(meta.get("mode", "video")), track_index=int(meta.get("track_index", 0)),
                               clip=clip, kind=track.kind))
    return out


def _resolve_picks(takes: list[TakeRef], picks: dict[str, str], pick_all: str | None) -> dict[str, str]:
    names = sorted({t.range_name for t in takes})
    letters = {n: sorted({t.letter for t in takes if t.range_name == n}) for n in names}
    chosen: dict[str, str] = {}
    if pick_all:
        for name in names:
            if pick_all.upper() in letters[name]:
                chosen[name] = pick_all.upper()
    for name, letter in picks.items():
        if name not in letters:
            raise InputError(f"--pick {name}={letter}: there is no range '{name}' with takes",
                             hint="ranges with takes: " + ", ".join(names))
        if letter.upper() not in letters[name]:
            raise InputError(f"--pick {name}={letter}: range '{name}' has no take {letter.upper()}",
                             hint=f"its takes: {', '.join(letters[name])}")
        chosen[name] = letter.upper()
    return chosen


def conform(timeline: otio.schema.Timeline, picks: dict[str, str], *, pick_all: str | None = None,
            keep_alternates: bool = False) -> tuple[otio.schema.Timeline, dict[str, str]]:
    """The final cut and the picks applied (range name -> take letter)."""
    takes = available_takes(timeline)
    if not takes:
        raise InputError("this timeline has no otio-retake takes with their metadata",
                         hint="conform the .otio file that `otio-retake run` wrote")
    chosen = _resolve_picks(takes, picks, pick_all)
    if not chosen:
        raise InputError("nothing to conform: no --pick NAME=LETTER or --pick-all LETTER matched a take")
    out = timeline.deepcopy()
    rate = timeline_rate(out)
    retake_tracks = [t for t in out.tracks if namespace(t, NAMESPACE).get("take")]
    cut_videos = [t for t in video_tracks(out) if t not in retake_tracks]
    cut_audios = [t for t in out.tracks if isinstance(t, otio.schema.Track)
                  and t.kind == otio.schema.TrackKind.Audio and t not in retake_tracks]
    for take in sorted(takes, key=lambda t: t.record_in):
        if chosen.get(take.range_name) != take.letter:
            continue
        clip = take.clip.deepcopy()
        if take.kind == otio.schema.TrackKind.Video:
            if not cut_videos:
                raise InputError("the timeline has no video track to conform into")
            target = cut_videos[min(take.track_index, len(cut_videos) - 1)]
        else:
            if not cut_audios:
                audio = otio.schema.Track("A1", kind=otio.schema.TrackKind.Audio)
                out.tracks.insert(len(cut_videos), audio)
                cut_audios.append(audio)
            target = cut_audios[0]
        clip.metadata[NAMESPACE]["conformed"] = True
        overwrite(out, target, take.record_in, take.record_in + take.duration, clip, rate,
                  range_name=take.range_name)
    if not keep_alternates:
        for track in retake_tracks:
            out.tracks.remove(track)
    return out, chosen


def overwrite(timeline: otio.schema.Timeline, track: otio.schema.Track, record_in: int, record_out: int,
              item: otio.schema.Item, rate, *, range_name: str) -> None:
    """Replace ``[record_in, record_out)`` of ``track`` with ``item``; nothing outside it moves."""
    r = float(rate)
    before: list[otio.schema.Item] = []
    after: list[otio.schema.Item] = []
    end = 0
    for child, first, last in list(track_items(timeline, track, rate)):
        end = max(end, last)
        if last <= record_in:
            before.append(child.deepcopy())
        elif first >= record_out:
            after.append(child.deepcopy())
        else:
            if isinstance(child, otio.schema.Transition):
                raise UnsupportedEditError(f"range '{range_name}': cannot conform over a transition on track "
                                           f"'{track.name}'", hint="remove the dissolve, conform, then add it back")
            if first < record_in:
                before.append(_trimmed(child, 0, record_in - first, r))
            if last > record_out:
                after.append(_trimmed(child, record_out - first, last - record_out, r))
    if record_in > end:  # past the end of the track: pad with a gap
        before.append(otio.schema.Gap(source_range=TimeRange(RationalTime(0, r), RationalTime(record_in - end, r))))
    del track[:]
    for piece in [*before, item, *after]:
        track.append(piece)


def _trimmed(item: otio.schema.Item, offset: int, frames: int, r: float) -> otio.schema.Item:
    """A copy of ``item`` showing ``frames`` frames from ``offset`` frames into it."""
    copy = item.deepcopy()
    rng = item.trimmed_range()
    start = rng.start_time + RationalTime(offset, r).rescaled_to(rng.start_time.rate)
    copy.source_range = TimeRange(start, RationalTime(frames, r).rescaled_to(rng.duration.rate))
    return copy
