"""Polls wait for the host's learned pace: a job is not asked about before a job of that host could have started,
nor once running before one could have finished, and is then polled at the run's interval, so each change is seen
as soon as before."""

from __future__ import annotations

import httpx
import pytest

from conftest import EMULATOR_KEY, run_cli

from otio_retake.jobs.pace import MARGIN, HostPace


def test_before_anything_is_learned_and_for_a_job_an_earlier_run_sent_the_interval_is_kept():
    pace = HostPace()
    assert pace.next_poll("fal", 0.0, 0.2) == 0.2
    pace.finished("fal", 2.2, 0.2)
    assert pace.next_poll("fal", None, 0.2) == 0.2  # submitted by another run: when is not known
    assert pace.next_poll("ltx", 0.0, 0.2) == 0.2  # another host learns its own
    assert pace.first_poll("fal", 0.0) == 0.0  # how long its queue takes is learned apart, from jobs seen starting


def test_a_job_is_first_asked_about_near_the_shortest_queue_its_host_has_had():
    pace = HostPace()
    for queued in (0.9, 0.6, 1.4):  # first seen running up to one interval (0.2 s) after it started
        pace.started("fal", queued, 0.2)
    assert pace.first_poll("fal", 0.0) == pytest.approx(MARGIN * 0.4)
    assert pace.first_poll("fal", 0.1) == pytest.approx(MARGIN * 0.4 - 0.1)  # the time since its submit counts
    assert pace.first_poll("fal", 2.0) == 0.0
    assert pace.first_poll("ltx", 0.0) == 0.0
    assert pace.next_poll("fal", 0.0, 0.2) == 0.2  # a queue's length says nothing of how long the run takes


def test_a_job_is_first_polled_near_the_shortest_time_its_host_has_taken_then_at_the_interval():
    pace = HostPace()
    for took in (3.1, 2.2, 2.6):  # seen finished up to one interval (0.2 s) after it did
        pace.finished("fal", took, 0.2)
    assert pace.next_poll("fal", 0.0, 0.2) == pytest.approx(MARGIN * 2.0)
    assert pace.next_poll("fal", 1.0, 0.2) == pytest.approx(MARGIN * 2.0 - 1.0)
    assert pace.next_poll("fal", MARGIN * 2.0 - 0.05, 0.2) == 0.2  # near it: the interval, never less
    assert pace.next_poll("fal", 5.0, 0.2) == 0.2  # slower than ever: polled as often as before


def test_once_a_hosts_pace_is_learned_its_jobs_are_polled_a_few_times_not_every_interval(emulator, samples,
                                                                                      tmp_path, monkeypatch):
    monkeypatch.setenv("FAL_KEY", EMULATOR_KEY)
    server = emulator("fal", latency=4.0)  # queued its first quarter, then running

    def run(marker: str, takes: int) -> int:
        before = httpx.get(server.url + "/_emulator/stats").json()["requests"].get("poll", 0)
        assert run_cli("run", samples / "retake_sample.otio", "-o", tmp_path / f"{marker}.otio", "--provider",
                       "fal", "--base-url", server.url, "--poll-interval", "0.05", "--workspace", tmp_path / "ws",
                       "--marker-prefix", marker, "--takes", takes, "--context", "0") == 0
        return httpx.get(server.url + "/_emulator/stats").json()["requests"]["poll"] - before

    def asked_while_queued() -> int:
        return httpx.get(server.url + "/_emulator/stats").json()["asked_while"].get("queued", 0)

    # Nothing known of this host yet: every 0.05 s for a 4 s job (80 polls; fewer on a loaded machine, where the
    # event loop wakes late), and about 20 of them while it is queued (its first second).
    learning = run("sky", 1)
    assert learning >= 20
    queued_before = asked_while_queued()
    assert queued_before >= 6
    # Three new jobs: first asked about at 0.9 x how long the first was seen queued, then every 0.05 s until
    # seen running, then held back to 0.9 x how long the first ran, then every 0.05 s. On a loaded machine the
    # host's render can outlast its latency and the first job's time tells it; half the polls at most in any case.
    learned = run("crossing", 3)
    assert learned / 3 <= learning / 2, (learning, learned)
    queued_after = (asked_while_queued() - queued_before) / 3
    assert queued_after <= max(3.0, queued_before / 3), (queued_before, queued_after)  # not as often as the first
    assert httpx.get(server.url + "/_emulator/stats").json()["submitted"] == 4
