"""A timeline with Retake tracks + the editor's picks -> the final cut.

For each picked range the chosen take replaces exactly the marked record
frames on the track the range was rendered from: the original clip(s) are
split into head, take and tail, nothing else moves. Sound takes go on the
cut's first audio track (one is added if the cut has none). Unpicked ranges
stay as they were; the Retake tracks are dropped unless asked to keep them.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import opentimelineio as otio
from opentimelineio.opentime import RationalTime, TimeRange

from ..errors import InputError, UnsupportedEditError
from .info import NAMESPACE, global_start_frames, namespace, timeline_rate
from .segments import track_items, video_tracks

__all__ = ["TakeRef", "Edit", "available_takes", "conform", "overwrite", "overwrite_many"]


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
    edits: dict[int, tuple[otio.schema.Track, list[Edit]]] = {}
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
        edits.setdefault(id(target), (target, []))[1].append(
            Edit(take.record_in, take.record_in + take.duration, clip, take.range_name))
    for target, track_edits in edits.values():  # each track rebuilt once, however many picks it has
        _refuse_overlaps(target, track_edits)
        overwrite_many(out, target, track_edits, rate)
    if not keep_alternates:
        for track in retake_tracks:
            out.tracks.remove(track)
    return out, chosen


def _refuse_overlaps(track: otio.schema.Track, edits: list[Edit]) -> None:
    """Two picks over the same frames of a track: one would hide part of the other, unsaid. Refused, naming both."""
    ordered = sorted(edits, key=lambda e: e.record_in)
    for before, after in zip(ordered, ordered[1:]):
        if after.record_in < before.record_out:
            def said(edit: Edit) -> str:
                meta = namespace(edit.item, NAMESPACE)
                return f"'{edit.range_name}' take {meta.get('take', '?')} ({meta.get('record_in', edit.record_in)}-" \
                       f"{meta.get('record_out', edit.record_out)})"
            raise InputError(f"the picks {said(before)} and {said(after)} overlap on track '{track.name}': the one "
                             "would hide part of the other",
                             hint="pick only one of them, or move their markers apart and run again")


@dataclass(frozen=True)
class Edit:
    """Put ``item`` over the record frames ``[record_in, record_out)`` of a track."""

    record_in: int
    record_out: int
    item: otio.schema.Item
    range_name: str


def overwrite(timeline: otio.schema.Timeline, track: otio.schema.Track, record_in: int, record_out: int,
              item: otio.schema.Item, rate, *, range_name: str) -> None:
    """Replace ``[record_in, record_out)`` of ``track`` with ``item``; nothing outside it moves."""
    overwrite_many(timeline, track, [Edit(record_in, record_out, item, range_name)], rate)


def overwrite_many(timeline: otio.schema.Timeline, track: otio.schema.Track, edits: list[Edit], rate) -> None:
    """Apply ``edits`` to ``track`` in record order, a later one winning where two overlap; nothing else moves.

    One pass over the track per run of non-overlapping edits, so a feature with hundreds of picks costs
    about as much as one.
    """
    edits = sorted(edits, key=lambda e: e.record_in)
    run: list[Edit] = []
    for edit in edits:
        if run and edit.record_in < max(e.record_out for e in run):
            _overwrite_run(timeline, track, run, rate)
            run = []
        run.append(edit)
    if run:
        _overwrite_run(timeline, track, run, rate)


def _overwrite_run(timeline: otio.schema.Timeline, track: otio.schema.Track, edits: list[Edit], rate) -> None:
    r = float(rate)
    pieces: list[otio.schema.Item] = []
    placed = [False] * len(edits)
    entries = track_items(timeline, track, rate)
    end = max((last for _, _, last in entries), default=0)
    first_edit = 0
    for child, first, last in entries:
        while first_edit < len(edits) and edits[first_edit].record_out <= first:
            first_edit += 1
        touching = []
        for k in range(first_edit, len(edits)):
            if edits[k].record_in >= last:
                break
            touching.append(k)
        if not touching or last <= first:
            pieces.append(child.deepcopy())
            continue
        if isinstance(child, otio.schema.Transition):
            raise UnsupportedEditError(f"range '{edits[touching[0]].range_name}': cannot conform over a "
                                       f"transition on track '{track.name}'",
                                       hint="remove the dissolve, conform, then add it back")
        cursor = first
        for k in touching:
            edit = edits[k]
            if edit.record_in > cursor:
                pieces.append(_trimmed(child, cursor - first, edit.record_in - cursor, r))
            if not placed[k]:
                pieces.append(edit.item)
                placed[k] = True
            cursor = max(cursor, edit.record_out)
        if cursor < last:
            pieces.append(_trimmed(child, cursor - first, last - cursor, r))
    for k, edit in enumerate(edits):  # past the end of the track: pad with a gap
        if not placed[k]:
            if edit.record_in > end:
                pieces.append(otio.schema.Gap(source_range=TimeRange(RationalTime(0, r),
                                                                     RationalTime(edit.record_in - end, r))))
            pieces.append(edit.item)
            end = max(end, edit.record_out)
    del track[:]  # the track owns its children: the kept ones went in as copies
    for piece in pieces:
        track.append(piece)


def _speed(item: otio.schema.Item) -> Fraction | None:
    """Media frames per record frame of a clip retimed at one speed (0: a freeze), None if not retimed."""
    for effect in getattr(item, "effects", []):
        if isinstance(effect, otio.schema.FreezeFrame):
            return Fraction(0)
        if isinstance(effect, otio.schema.LinearTimeWarp):
            return Fraction(effect.time_scalar).limit_denominator(100000)
    return None


def _trimmed(item: otio.schema.Item, offset: int, frames: int, r: float) -> otio.schema.Item:
    """A copy of ``item`` showing ``frames`` frames from ``offset`` frames into it."""
    copy = item.deepcopy()
    rng = item.trimmed_range()
    start = rng.start_time + RationalTime(offset, r).rescaled_to(rng.start_time.rate)
    fcpxml = namespace(item, "fcpxml")
    if fcpxml.get("conform_rate"):  # Final Cut shows it frame for frame: offset record frames are media frames
        start = rng.start_time + RationalTime(offset, rng.start_time.rate)
    speed = _speed(item)
    if speed is not None and not fcpxml.get("speed"):  # a retimed piece starts where its speed has reached
        start = rng.start_time + RationalTime(float(offset * speed), r).rescaled_to(rng.start_time.rate)
    if fcpxml.get("speed"):  # a constant-speed retime: segments reads where it starts in the media from here
        media_start = Fraction(fcpxml["media_start"]) + offset * Fraction(fcpxml["speed"]) / \
            Fraction(r).limit_denominator(1001)
        copy.metadata["fcpxml"]["media_start"] = str(media_start)
        start = RationalTime(float(media_start) * rng.start_time.rate, rng.start_time.rate)
    copy.source_range = TimeRange(start, RationalTime(frames, r).rescaled_to(rng.duration.rate))
    return copy
