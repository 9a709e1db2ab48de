"""Takes -> a copy of the timeline with one "Retake X" track per take letter.

Each take becomes a clip at exactly its range's record frames on a new video
track "Retake A", "Retake B", ... above the existing ones (and an audio track
of the same name for audio modes). The clip's media reference spans the
take file including its handles; its source range picks the marked frames.
Provenance lives under ``metadata["otio_retake"]``. Ranges of one letter that
overlap go to a second track of that letter ("Retake A 2") rather than
collide. The editor's own tracks and clips are never changed.
"""

from __future__ import annotations

import datetime as _dt
from fractions import Fraction

import opentimelineio as otio
from opentimelineio.opentime import RationalTime, TimeRange

from ..model import Take
from ..paths import path_to_url
from .info import NAMESPACE, timeline_rate

__all__ = ["add_alternates", "take_clip", "retake_track_name"]


def retake_track_name(letter: str, lane: int = 0) -> str:
    return f"Retake {letter}" if lane == 0 else f"Retake {letter} {lane + 1}"


def take_clip(take: Take, rate: Fraction) -> otio.schema.Clip:
    rng = take.range
    r = float(rate)
    plan = take.plan
    first = rng.start_frame + rng.record_in
    reference = otio.schema.ExternalReference(
        target_url=path_to_url(take.path),
        available_range=TimeRange(RationalTime(first - take.head, r),
                                  RationalTime(take.head + rng.duration + take.tail, r)))
    meta = {
        "range_name": rng.name,
        "marker_id": rng.marker_id,  # what a re-run follows (marks.existing_take_markers), whatever the name
        "take": plan.take_letter,
        "prompt": rng.prompt,
        "mode": rng.mode.value,
        "provider": plan.provider,
        "seed": plan.seed,
        "record_in": rng.record_in_tc,
        "record_out": rng.record_out_tc,
        "record_in_frame": first,
        "duration_frames": rng.duration,
        "rate": str(rate),
        "context_in": rng.timecode(plan.context_in),
        "context_out": rng.timecode(plan.context_out),
        "handles": [take.head, take.tail],
        "take_file": str(take.path),
        "marker_origin": rng.origin,
        "track_index": rng.track_index,
        "created_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        **take.metadata,
    }
    return otio.schema.Clip(
        name=f"{rng.name} take {plan.take_letter}", media_reference=reference,
        source_range=TimeRange(RationalTime(first, r), RationalTime(rng.duration, r)),
        metadata={NAMESPACE: meta})


def add_alternates(timeline: otio.schema.Timeline, takes: list[Take]) -> otio.schema.Timeline:
    """A new timeline: the original plus the Retake tracks."""
    out = timeline.deepcopy()
    rate = timeline_rate(timeline)
    r = float(rate)
    for kind, wanted in ((otio.schema.TrackKind.Video, lambda t: t.has_video),
                         (otio.schema.TrackKind.Audio, lambda t: t.range.mode.has_audio)):
        letters = sorted({t.plan.take_letter for t in takes if wanted(t)})
        for letter in letters:
            lanes: list[list[Take]] = []
            for take in sorted((t for t in takes if wanted(t) and t.plan.take_letter == letter),
                               key=lambda t: t.range.record_in):
                for lane in lanes:
                    if lane[-1].range.record_out <= take.range.record_in:
                        lane.append(take)
                        break
                else:
                    lanes.append([take])
            for index, lane in enumerate(lanes):
                track = otio.schema.Track(name=retake_track_name(letter, index), kind=kind,
                                          metadata={NAMESPACE: {"take": letter}})
                cursor = 0
                for take in lane:
                    if take.range.record_in > cursor:
                        track.append(otio.schema.Gap(source_range=TimeRange(
                            RationalTime(0, r), RationalTime(take.range.record_in - cursor, r))))
                    track.append(take_clip(take, rate))
                    cursor = take.range.record_out
                out.tracks.append(track)
    return out
