"""`otio-retake doctor HOST --probe` over real loopback HTTP: every emulator confirms every guess it can, an
emulator made to answer otherwise contradicts it (exit 1), nothing is sent unless the user says yes, the key is
never printed and a missing one is named."""

from __future__ import annotations

import pytest

from conftest import EMULATOR_KEY, emulator_stats, run_cli

from otio_retake.jobs.probe import CONFIRMED, UNKNOWN, probe_host, probe_plan
from otio_retake.providers import HOSTS

SMALL = (320, 192)


def _probe(host, server, tmp_path, **kw):
    return probe_host(host, workdir=tmp_path, confirm=lambda plan: True, base_url=server.url, poll_interval=0.05,
                      size=SMALL, **kw)


# oxen-ltx2 is Oxen's emulator with another model: its one difference, a 1080p-only input, is the plan's
# (test_the_plan_is_the_smallest_billable_request); a 1080p render here would take a minute. A studio's own
# ComfyUI server (no key, no bill) has its checks in test_comfyui.py, against its own emulator.
@pytest.mark.parametrize("host", [h for h in HOSTS if h != "oxen-ltx2" and HOSTS[h].key_env])
def test_every_emulator_confirms_the_guesses_the_probe_can_check(host, emulator, tmp_path, monkeypatch):
    monkeypatch.setenv(HOSTS[host].key_env, EMULATOR_KEY)
    server = emulator(host, latency=0.2)
    report = _probe(host, server, tmp_path)
    verdicts = {c.guess: c.verdict for c in report.checks}
    assert not report.contradicted, report.checks
    assert all(v in (CONFIRMED, UNKNOWN) for v in verdicts.values())
    # The request was accepted, its status words read, its result fetched and measured frame by frame.
    assert sum(v == CONFIRMED for v in verdicts.values()) >= 5, report.checks
    section = next(c for c in report.checks if "regenerated" in c.guess)
    assert section.verdict == CONFIRMED
    if host == "wavespeed":  # its emulator follows the document: no section field, the whole clip comes back
        assert "whole clip" in section.guess
    billing = next(c for c in report.checks if c.guess.startswith("billed per second"))
    assert billing.verdict == (CONFIRMED if host == "runware" else UNKNOWN)  # only Runware reports a cost
    stats = emulator_stats(server)
    assert stats["submitted"] == 1 and stats["duplicates"] == 0  # one paid request, never more


def test_a_host_answering_another_status_word_is_a_contradiction_and_exits_1(emulator, tmp_path, monkeypatch,
                                                                             capsys):
    from otio_retake.emulate import gmi
    monkeypatch.setitem(gmi.STATUS, "succeeded", "completed")  # GMI would say "completed", not "success"
    monkeypatch.setenv("GMI_API_KEY", EMULATOR_KEY)
    server = emulator("gmi", latency=0.2)
    code = run_cli("doctor", "gmi", "--probe", "--yes", "--base-url", server.url, "--poll-interval", "0.05")
    captured = capsys.readouterr()
    assert code == 1
    assert "contradicted" in captured.out and "completed" in captured.out
    assert "contradicted" in captured.err and "docs/hosts.md" in captured.err
    assert "Sending one paid request to gmi" in captured.out  # said before paying, even with --yes
    assert "cost: about $0.30" in captured.out  # 73 frames at 24 fps, $0.10 per output second
    assert EMULATOR_KEY not in captured.out + captured.err
    assert emulator_stats(server)["submitted"] == 1


def test_runware_billing_the_section_rather_than_the_clip_is_a_contradiction(emulator, tmp_path, monkeypatch):
    from otio_retake.emulate import runware
    monkeypatch.setattr(runware, "clip_seconds", lambda path: 2.0)  # cost counted on the 2 s section
    monkeypatch.setenv("RUNWARE_API_KEY", EMULATOR_KEY)
    report = _probe("runware", emulator("runware", latency=0.2), tmp_path)
    [billing] = report.contradicted
    assert billing.guess.startswith("billed per second of output")
    assert billing.answered == "reported $0.2000 (that is the section's length)"


def test_a_refused_minimum_input_is_a_contradiction_and_costs_nothing(emulator, tmp_path, monkeypatch):
    from otio_retake.emulate import ltx
    monkeypatch.setattr(ltx, "MIN_INPUT_FRAMES", 97)  # as if LTX's real minimum were 4 s
    monkeypatch.setenv("LTX_API_KEY", EMULATOR_KEY)
    server = emulator("ltx", latency=0.2)
    report = _probe("ltx", server, tmp_path)
    [refused] = report.contradicted
    assert "73-frame" in refused.guess and "at least 97 frames" in refused.answered
    assert emulator_stats(server)["submitted"] == 0


def test_the_probe_states_the_cost_and_sends_nothing_when_the_user_says_no(emulator, monkeypatch, capsys):
    monkeypatch.setenv("RUNWARE_API_KEY", EMULATOR_KEY)
    server = emulator("runware", latency=0.2)
    monkeypatch.setattr("click.confirm", lambda text, **kw: print("ASKED:", text) or False)
    assert run_cli("doctor", "runware", "--probe", "--base-url", server.url) == 0
    out = capsys.readouterr().out
    assert "ASKED: This sends one paid request to runware" in out and "about $0.30" in out
    assert "2 s section at 1 s" in out  # Runware takes whole seconds
    assert "nothing sent" in out
    stats = emulator_stats(server)
    assert stats["submitted"] == 0 and not stats["requests"]  # not even the upload


def test_without_probe_it_only_says_what_the_probe_would_send(capsys):
    assert run_cli("doctor", "ltx") == 0
    out = capsys.readouterr().out
    assert "would send one paid request to ltx" in out and "3.04 s of input x $0.10/s" in out


def test_a_missing_key_is_named_and_nothing_is_asked(monkeypatch, capsys):
    monkeypatch.delenv("FAL_KEY", raising=False)
    monkeypatch.setattr("otio_retake.providers._keyring_key", lambda name: None)
    monkeypatch.setattr("click.confirm", lambda *a, **kw: pytest.fail("asked before the key was found"))
    assert run_cli("doctor", "fal", "--probe") == 2
    assert "FAL_KEY" in capsys.readouterr().err


def test_the_plan_is_the_smallest_billable_request():
    plan = probe_plan("oxen-ltx2")
    assert plan.size == (1920, 1080)  # a host that takes exact sizes gets one of them
    assert plan.frames == 73 and plan.section_duration == 2.0 and plan.seed is None
    assert probe_plan("runware").seed is not None  # sent only where the host documents a seed


def test_a_lost_submit_answer_is_said_as_a_job_that_may_be_paid_not_retried(emulator, monkeypatch, capsys):
    monkeypatch.setenv("REPLICATE_API_TOKEN", EMULATOR_KEY)
    server = emulator("replicate", latency=0.2, faults="submit=drop")
    assert run_cli("doctor", "replicate", "--probe", "--yes", "--base-url", server.url) != 0
    err = capsys.readouterr().err
    assert "the job may have started" in err and "dashboard" in err and "paid again" in err
    assert emulator_stats(server)["submitted"] == 1  # sent once, never again blindly
