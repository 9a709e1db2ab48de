"""Messages name the marker, the file and what to do (issue 11, point 9)."""

from __future__ import annotations

from dataclasses import replace

import opentimelineio as otio
import pytest

from conftest import EMULATOR_KEY, run_cli

from otio_retake import pipeline
from otio_retake.errors import RangeLengthError
from otio_retake.jobs.plan import plan_range
from otio_retake.providers import provider_limits


def _errors(capsys) -> str:
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    return " ".join(captured.err.split())


def test_an_unknown_provider_directive_names_the_marker_the_file_and_the_fix(samples, capsys):
    timeline = otio.adapters.read_from_file(str(samples / "retake_sample.otio"))
    timeline.tracks.markers[0].comment = "go faster\nprovider: nosuchhost"
    path = samples / "bad_host.otio"
    otio.adapters.write_to_file(timeline, str(path))
    assert run_cli("plan", path) == 4  # that marker skipped, the others planned
    said = " ".join(capsys.readouterr().out.split())
    assert "skipped 'crossing' at 01:00:08:12" in said and "'nosuchhost'" in said and "bad_host.otio" in said
    assert "provider:" in said and "choose one of" in said


def test_a_range_on_a_timeline_shorter_than_the_hosts_minimum_input_names_the_marker(samples):
    loaded = pipeline.load(samples / "retake_sample.otio")
    sky = replace(next(r for r in loaded.ranges if r.name == "sky"), record_in=0, duration=48)
    with pytest.raises(RangeLengthError) as info:
        plan_range(sky, limits=provider_limits("ltx"), provider="ltx", timeline_frames=60, shot=(0, 60))
    text = str(info.value)
    assert "marker 'sky'" in text and "73 input frames ltx needs" in text and "hint:" in text


def test_a_failed_job_names_the_range_its_marker_and_what_to_do(emulator, samples, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("FAL_KEY", EMULATOR_KEY)
    server = emulator("fal", faults="job=fail")
    assert run_cli("run", samples / "retake_sample.otio", "-o", tmp_path / "o.otio", "--provider", "fal",
                   "--base-url", server.url, "--poll-interval", "0.05", "--workspace", tmp_path / "ws",
                   "--marker-prefix", "sky") == 3
    err = _errors(capsys)
    rng = next(r for r in pipeline.load(samples / "retake_sample.otio").ranges if r.name == "sky")
    assert f"range 'sky' take A ({rng.origin})" in err and "could not complete the generation" in err
    assert "change the prompt or the range" in err and "about $0.70" in err


def test_a_download_that_keeps_failing_names_the_range_and_the_rerun_does_not_pay_again(
        emulator, samples, tmp_path, monkeypatch, capsys):
    import httpx
    from otio_retake.providers import http
    monkeypatch.setenv("FAL_KEY", EMULATOR_KEY)
    # Every retry at once: the backoff between the six attempts (up to 16 s of sleeping) is not what this checks.
    monkeypatch.setattr(http, "backoff_delay", lambda attempt, policy, rng=None: 0.01)
    server = emulator("fal", faults="download=truncatex6")  # every attempt of the first run is cut off
    args = ("run", samples / "retake_sample.otio", "-o", tmp_path / "o.otio", "--provider", "fal",
            "--base-url", server.url, "--poll-interval", "0.05", "--workspace", tmp_path / "ws",
            "--marker-prefix", "sky", "--context", "0")  # no context: the message is what is checked
    assert run_cli(*args) == 3
    err = _errors(capsys)
    assert "range 'sky' take A" in err and "retake_sample.otio" in err and "download interrupted" in err
    assert "downloaded again, not generated again" in err
    assert run_cli(*args) == 0
    assert httpx.get(server.url + "/_emulator/stats").json()["submitted"] == 1
