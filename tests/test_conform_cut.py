"""Conform keeps the editor's cut around the takes: dissolves, speeds, freezes and disabled clips stay as they
were, frame for frame, in the conformed timeline and in every format written from it (issue 27)."""

from __future__ import annotations

from fractions import Fraction

import opentimelineio as otio
import pytest
from opentimelineio.opentime import RationalTime, TimeRange

from otio_retake.timeline.conform import conform
from otio_retake.timeline.info import NAMESPACE
from otio_retake.timeline.read import read_timeline
from otio_retake.timeline.write import write_timeline

R = 24
START = 86400


def _clip(name, start, frames, *, speed=None, enabled=True):
    clip = otio.schema.Clip(name, media_reference=otio.schema.ExternalReference(
        f"/media/{name}.mov", available_range=TimeRange(RationalTime(0, R), RationalTime(5000, R))),
        source_range=TimeRange(RationalTime(start, R), RationalTime(frames, R)),
        metadata={"cmx_3600": {"reel": name.upper()}})
    if speed == 0:
        clip.effects.append(otio.schema.FreezeFrame())
    elif speed is not None:
        clip.effects.append(otio.schema.LinearTimeWarp(time_scalar=speed))
    clip.enabled = enabled
    return clip


def _take(range_name, record_in, frames):
    return otio.schema.Clip(f"{range_name} take A", media_reference=otio.schema.ExternalReference(
        f"/takes/{range_name}_takeA.mov", available_range=TimeRange(RationalTime(0, R), RationalTime(frames, R))),
        source_range=TimeRange(RationalTime(0, R), RationalTime(frames, R)),
        metadata={NAMESPACE: {"range_name": range_name, "take": "A", "record_in_frame": START + record_in,
                              "duration_frames": frames, "mode": "video", "track_index": 0}})


@pytest.fixture
def cut_with_takes():
    """A (48) dissolve 12 B (96) | C at 2x (48) | D disabled (24) | E frozen (24) | F (48); takes inside B and C."""
    dissolve = otio.schema.Transition("Cross Dissolve", transition_type=otio.schema.TransitionTypes.SMPTE_Dissolve,
                                      in_offset=RationalTime(6, R), out_offset=RationalTime(6, R))
    v1 = otio.schema.Track("V1", children=[
        _clip("a", 100, 48), dissolve, _clip("b", 500, 96), _clip("c", 1000, 48, speed=2.0),
        _clip("d", 2000, 24, enabled=False), _clip("e", 3000, 24, speed=0), _clip("f", 4000, 48)])
    gap = lambda n: otio.schema.Gap(source_range=TimeRange(RationalTime(0, R), RationalTime(n, R)))  # noqa: E731
    retake = otio.schema.Track("Retake A", children=[gap(84), _take("bee", 84, 24), gap(48), _take("sea", 156, 12)],
                               metadata={NAMESPACE: {"take": "A"}})
    timeline = otio.schema.Timeline("cut", global_start_time=RationalTime(START, R))
    timeline.tracks.extend([v1, retake])
    return timeline


def _shown(timeline) -> dict[int, tuple]:
    """What each record frame of V1 shows: (clip, source frame, enabled), speeds applied; a dissolve's
    frames show both sides with the transition's offsets."""
    track = timeline.tracks[0]
    out = {}
    for item, rng in track.range_of_all_children().items():
        first, frames = round(rng.start_time.value), round(rng.duration.value)
        if isinstance(item, otio.schema.Transition):  # its record span; each format has its own offsets
            out[("dissolve", first)] = (first + frames, item.transition_type)
            continue
        if not isinstance(item, otio.schema.Clip):
            continue
        speed = Fraction(1)
        for effect in item.effects:
            speed = Fraction(0) if isinstance(effect, otio.schema.FreezeFrame) else \
                Fraction(effect.time_scalar).limit_denominator(100)
        src = round(item.source_range.start_time.value)
        for f in range(first, first + frames):
            out[f] = (item.media_reference.target_url, src + int((f - first) * speed), item.enabled)
    spans = [(k[1], v[0]) for k, v in out.items() if isinstance(k, tuple)]
    return {f: v for f, v in out.items() if isinstance(f, tuple) or not any(a <= f < b for a, b in spans)}


def test_conform_keeps_dissolves_speeds_freezes_and_disabled_clips_frame_for_frame(cut_with_takes):
    before = _shown(cut_with_takes)
    final, chosen = conform(cut_with_takes, {"bee": "A", "sea": "A"})
    assert chosen == {"bee": "A", "sea": "A"}
    after = _shown(final)
    takes = {**{84 + i: ("file:///takes/bee_takeA.mov", i, True) for i in range(24)},
             **{156 + i: ("file:///takes/sea_takeA.mov", i, True) for i in range(12)}}
    assert after == {**before, **{f: (v[0].removeprefix("file://"), v[1], v[2]) for f, v in takes.items()}}
    # the frames around the dissolve (record 42-53): A's last frames before it and B's first after it
    assert [after[f] for f in (40, 41, 54, 55)] == [("/media/a.mov", 140, True), ("/media/a.mov", 141, True),
                                                    ("/media/b.mov", 506, True), ("/media/b.mov", 507, True)]
    assert after[("dissolve", 42)] == (54, otio.schema.TransitionTypes.SMPTE_Dissolve)
    assert (final.tracks[0][1].in_offset.value, final.tracks[0][1].out_offset.value) == (6, 6)
    # C at 2x: after the take its tail starts where 2x has reached, not one frame per record frame on
    assert [after[f] for f in (155, 168, 169)] == [("/media/c.mov", 1022, True), ("/media/c.mov", 1048, True),
                                                   ("/media/c.mov", 1050, True)]
    assert [type(e).__name__ for e in final.tracks[0][5].effects] == ["LinearTimeWarp"]


@pytest.mark.parametrize("suffix", [".otio", ".xml", ".edl"])
def test_the_conformed_cut_is_what_every_format_writes(cut_with_takes, tmp_path, suffix):
    final, _ = conform(cut_with_takes, {"bee": "A", "sea": "A"})
    out = tmp_path / f"final{suffix}"
    write_timeline(final, out)
    again = read_timeline(out, fps="24")
    expected = _shown(final)
    if suffix == ".edl":  # a disabled clip is never a live event: black, said in a comment
        expected = {f: v for f, v in expected.items() if not (isinstance(f, int) and v[2] is False)}
        assert "OTIO-RETAKE NOT WRITTEN: disabled clip 'd'" in out.read_text()
    shown = _shown(again)
    # EDL media come back as the paths written (FROM FILE), as plain paths; the others as file URLs
    norm = lambda d: {f: (str(v[0]).removeprefix("file://"), *v[1:]) if isinstance(f, int) else v  # noqa: E731
                      for f, v in d.items()}
    assert norm(shown) == norm(expected)
