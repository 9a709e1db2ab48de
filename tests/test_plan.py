"""`otio-retake plan`: the JSON contract other tools rely on, and the context window policy."""

import json

import pytest

from conftest import run_cli

from otio_retake.jobs.plan import plan_range
from otio_retake.model import MarkedRange, Mode
from otio_retake.providers.base import Limits
from fractions import Fraction


@pytest.mark.parametrize("name, extra", [
    ("retake_sample.otio", []), ("retake_sample.xml", []),
    ("retake_sample.edl", ["--markers", "retake_sample.markers.edl"]),
])
def test_plan_json_is_the_same_for_every_format(samples, capsys, name, extra):
    extra = [samples / e if e.endswith(".edl") else e for e in extra]
    assert run_cli("plan", samples / name, "--json", *extra) == 0
    rows = json.loads(capsys.readouterr().out)
    by_name = {r["name"]: r for r in rows}
    assert list(by_name) == ["sky", "crossing", "line"]
    for row in rows:
        assert {"name", "prompt", "mode", "record_in", "record_out", "rate", "context_in", "context_out"} <= set(row)
        assert row["rate"] == 24
    assert (by_name["sky"]["record_in"], by_name["sky"]["record_out"]) == ("01:00:02:00", "01:00:05:00")
    # Context: 2 s each side, clamped to shot A, which starts at 01:00:00:00.
    assert (by_name["sky"]["context_in"], by_name["sky"]["context_out"]) == ("01:00:00:00", "01:00:07:00")
    # Across the cut: the window spans both shots.
    assert (by_name["crossing"]["context_in"], by_name["crossing"]["context_out"]) == ("01:00:06:12", "01:00:13:12")
    assert by_name["line"]["mode"] == "audio" and by_name["crossing"]["mode"] == "both"
    assert by_name["line"]["duration_frames"] == 60


def _range(record_in, duration, **kw):
    return MarkedRange(name="r", prompt="p", mode=Mode.VIDEO, record_in=record_in, duration=duration,
                       rate=Fraction(24), **kw)


def test_short_shot_is_widened_past_the_cut_to_the_minimum_input():
    # A 48-frame range filling a 50-frame shot: the shot alone is under the 73-frame minimum.
    [plan] = plan_range(_range(101, 48), limits=Limits(), provider="x", timeline_frames=1000, shot=(100, 150))
    assert plan.context_frames == 73 and plan.context_in <= 101 and plan.context_out >= 149


def test_window_is_trimmed_to_the_hosts_maximum_input():
    limits = Limits(max_input_seconds=5)
    [plan] = plan_range(_range(200, 96, context_seconds=4), limits=limits, provider="x", timeline_frames=1000,
                        shot=(0, 1000))
    assert plan.context_frames == 120 and plan.context_in == 188 and plan.context_out == 308


def test_whole_second_host_gets_whole_seconds_around_the_range():
    limits = Limits(whole_seconds=True)
    [plan] = plan_range(_range(110, 50), limits=limits, provider="x", timeline_frames=1000, shot=(0, 1000))
    # Window [62, 208): the range starts 48 frames (2 s) in and ends at 98 frames (4.08 s) -> seconds 2..5.
    assert plan.section_start == 2 and plan.section_duration == 3


def test_takes_get_distinct_seeds_and_the_same_seed_on_a_rerun():
    rng = _range(200, 96, takes=3)
    plans = plan_range(rng, limits=Limits(), provider="x", timeline_frames=1000, shot=(0, 1000))
    again = plan_range(rng, limits=Limits(), provider="x", timeline_frames=1000, shot=(0, 1000))
    assert [p.take_letter for p in plans] == ["A", "B", "C"]
    assert len({p.seed for p in plans}) == 3
    assert [p.seed for p in plans] == [p.seed for p in again]
