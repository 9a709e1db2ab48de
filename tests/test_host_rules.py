"""Host rules hold after every adjustment (issue 11, point 5): checked on what will be sent, refused before upload."""

from __future__ import annotations

import json
from dataclasses import replace
from fractions import Fraction

import pytest

from conftest import run_cli

from otio_retake import pipeline
from otio_retake.errors import RangeLengthError
from otio_retake.jobs.plan import plan_range
from otio_retake.providers import provider_limits


@pytest.mark.parametrize("context", ["0", "0.3", "1.3"])
def test_whole_second_widening_keeps_the_section_inside_the_clip(context, samples, capsys):
    assert run_cli("plan", samples / "retake_sample.otio", "--json", "--provider", "runware",
                   "--context", context) == 0
    for row in json.loads(capsys.readouterr().out):
        end = row["section_start_seconds"] + row["section_duration_seconds"]
        assert end <= row["context_seconds"] + 1e-6, row  # never a section past the end of what is uploaded
        assert float(row["section_start_seconds"]).is_integer() and float(row["section_duration_seconds"]).is_integer()


def test_a_section_that_cannot_fit_after_widening_is_refused_with_the_marker_named(samples):
    loaded = pipeline.load(samples / "retake_sample.otio")
    sky = next(r for r in loaded.ranges if r.name == "sky")
    # A 3.5 s marker over the whole of a 3.5 s timeline: whole seconds need 4 s of clip, and there is no more.
    whole = replace(sky, record_in=0, duration=84)
    with pytest.raises(RangeLengthError) as info:
        plan_range(whole, limits=provider_limits("runware"), provider="runware", timeline_frames=84,
                   shot=(0, 84), context_seconds=0.5)
    message = str(info.value)
    assert "marker 'sky'" in message and "whole seconds" in message and "hint:" in message
    # The same range on a host with fractional sections is fine.
    [plan] = plan_range(whole, limits=provider_limits("fal"), provider="fal", timeline_frames=84,
                        shot=(0, 84), context_seconds=0.5)
    assert plan.section_start + plan.section_duration <= plan.context_seconds + 1e-9


@pytest.mark.parametrize("rate", [Fraction(24000, 1001), Fraction(30000, 1001), Fraction(24)])
@pytest.mark.parametrize("context", [0, 0.5, 2])
def test_a_marker_at_the_timelines_end_fits_whole_seconds_by_starting_the_clip_earlier(rate, context, samples):
    # No whole second ever ends on a frame's end at 23.976 or 29.97: the section ends in the second half of the
    # last marked frame (a host rounds it to that frame's end), the clip sent starting earlier, where there is media.
    loaded = pipeline.load(samples / "retake_sample.otio")
    sky = next(r for r in loaded.ranges if r.name == "sky")
    total = 456
    at_end = replace(sky, rate=rate, record_in=total - 70, duration=70)
    [plan] = plan_range(at_end, limits=provider_limits("runware"), provider="runware", timeline_frames=total,
                        shot=(0, total), context_seconds=context)
    start, end = plan.section_start, plan.section_start + plan.section_duration
    assert start == int(start) and end == int(end) and plan.context_out == total
    first, last = at_end.record_in - plan.context_in, at_end.record_out - 1 - plan.context_in  # in the clip sent
    assert start * rate <= first and last + Fraction(1, 2) < end * rate  # every marked frame is in the section
    assert end * rate <= plan.context_out - plan.context_in  # and the section lies inside the clip sent


def test_a_section_widened_past_the_hosts_maximum_is_refused(samples):
    loaded = pipeline.load(samples / "retake_sample.otio")
    timeline_frames = round(loaded.timeline.tracks.duration().rescaled_to(24).value)
    sky = next(r for r in loaded.ranges if r.name == "sky")
    limits = replace(provider_limits("runware"), max_section_seconds=3.5)  # 3 s marker, 4 s once on whole seconds
    with pytest.raises(RangeLengthError, match=r"marker 'sky'.*4\.00 s once widened to whole seconds"):
        plan_range(sky, limits=limits, provider="runware", timeline_frames=timeline_frames, shot=(0, timeline_frames),
                   context_seconds=0.3)
