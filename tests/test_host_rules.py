"""Host rules hold after every adjustment (issue 11, point 5): checked on what will be sent, refused before upload."""

from __future__ import annotations

import json
from dataclasses import replace

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
    timeline_frames = round(loaded.timeline.tracks.duration().rescaled_to(24).value)
    sky = next(r for r in loaded.ranges if r.name == "sky")
    # Half a second of context before, the timeline's last frame right after: whole seconds need 4 s of clip.
    at_end = replace(sky, record_in=timeline_frames - sky.duration)
    with pytest.raises(RangeLengthError) as info:
        plan_range(at_end, limits=provider_limits("runware"), provider="runware", timeline_frames=timeline_frames,
                   shot=(0, timeline_frames), context_seconds=0.5)
    message = str(info.value)
    assert "marker 'sky'" in message and "whole seconds" in message and "hint:" in message
    # The same range on a host with fractional sections is fine.
    [plan] = plan_range(at_end, limits=provider_limits("fal"), provider="fal", timeline_frames=timeline_frames,
                        shot=(0, timeline_frames), context_seconds=0.5)
    assert plan.section_start + plan.section_duration <= plan.context_seconds + 1e-9


def test_a_section_widened_past_the_hosts_maximum_is_refused(samples):
    loaded = pipeline.load(samples / "retake_sample.otio")
    timeline_frames = round(loaded.timeline.tracks.duration().rescaled_to(24).value)
    sky = next(r for r in loaded.ranges if r.name == "sky")
    limits = replace(provider_limits("runware"), max_section_seconds=3.5)  # 3 s marker, 4 s once on whole seconds
    with pytest.raises(RangeLengthError, match=r"marker 'sky'.*4\.00 s once widened to whole seconds"):
        plan_range(sky, limits=limits, provider="runware", timeline_frames=timeline_frames, shot=(0, timeline_frames),
                   context_seconds=0.3)
