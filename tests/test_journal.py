"""Durable jobs: the journal's states, re-runs that reuse and resume, cancel, budgets, and a SIGKILL mid-run."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from conftest import EMULATOR_KEY, decode_patterns, emulator_stats, run_cli, source_frame_at, take_file, wait_for_rows

from otio_retake.jobs.pool import HostPool
from otio_retake.model import Mode
from otio_retake.jobs.store import JobState, Journal

KEY = EMULATOR_KEY
# No context around the ranges where nothing checks context or handles: the seconds of media each run cuts,
# sends, renders and splices are most of these tests' CPU. 0.5 s where a test looks at the take's handles.
NO_CONTEXT = ("--context", "0")


def test_journal_records_states_with_events_in_wal_mode(tmp_path):
    journal = Journal(tmp_path / "jobs.sqlite")
    record = journal.plan("k1", range_name="sky", takes="A", provider="fal", model="m", cost_estimate=0.7)
    assert record.state == JobState.PLANNED
    assert journal.plan("k1", range_name="sky", takes="A", provider="fal", model="m", cost_estimate=0.7).state \
        == JobState.PLANNED  # planning again finds the same job
    journal.move("k1", JobState.SUBMITTING, request={"prompt": "p"}, idempotency_key="idem")
    from otio_retake.providers.base import JobHandle
    journal.move("k1", JobState.SUBMITTED, handle=JobHandle("fal", "req-9", {"status": "u"}))
    again = Journal(tmp_path / "jobs.sqlite").get("k1")  # a second connection sees every committed step
    assert again.state == JobState.SUBMITTED and again.handle.job_id == "req-9" and again.request == {"prompt": "p"}
    assert [s for s, _ in journal.events("k1")] == ["planned", "submitting", "submitted"]
    with pytest.raises(ValueError):
        journal.move("k1", "done")
    mode = sqlite3.connect(tmp_path / "jobs.sqlite").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_excerpts_are_deterministic_and_every_request_field_changes_the_job_identity(samples, tmp_path):
    import hashlib
    from dataclasses import replace
    from otio_retake import pipeline
    from otio_retake.media.excerpt import render_excerpt
    loaded = pipeline.load(samples / "retake_sample.otio")
    plans = pipeline.plan(loaded, context_seconds=0.5)
    digests, keys = [], []
    for n in range(2):
        runner = pipeline.make_runner(loaded, workspace=tmp_path / f"ws{n}")
        info = render_excerpt(runner.planner.segments(plans[0]), tmp_path / f"e{n}.mp4", rate=runner.rate)
        digests.append(hashlib.sha256(info.path.read_bytes()).hexdigest())
        keys.append(runner.planner.plan_key([plans[0]]))
    assert digests[0] == digests[1] and keys[0] == keys[1]  # same inputs: same bytes, same job
    base = plans[0]
    changed = [replace(base, range=replace(base.range, prompt=base.range.prompt + "!")),
               replace(base, seed=base.seed + 1), replace(base, take_index=1),
               replace(base, range=replace(base.range, mode=Mode.BOTH)),
               replace(base, context_in=base.context_in + 1), replace(base, section_start=base.section_start + 1)]
    assert len({runner.planner.plan_key([p]) for p in changed} | {keys[0]}) == len(changed) + 1


def test_a_rerun_reuses_ready_takes(samples, tmp_path, capsys):
    out = tmp_path / "o.otio"
    assert run_cli("run", samples / "retake_sample.otio", "-o", out, *NO_CONTEXT) == 0
    takes = samples / "retake_sample.retake" / "takes"
    stamps = {p.name: p.stat().st_mtime_ns for p in takes.iterdir()}
    capsys.readouterr()
    assert run_cli("run", samples / "retake_sample.otio", "-o", out, "--force", *NO_CONTEXT) == 0
    said = capsys.readouterr().out
    # Nothing was paid by this run: no estimate of what the reused jobs once cost is said as this run's cost.
    assert "0 job(s) submitted, 3 reused; nothing paid by this run" in said and "cost estimated" not in said
    assert {p.name: p.stat().st_mtime_ns for p in takes.iterdir()} == stamps
    assert run_cli("run", samples / "retake_sample.otio", "-o", out, "--force", "--blend-frames", "1",
                   *NO_CONTEXT) == 0  # takes cut again from the paid results: neither submitted nor reused
    assert "0 job(s) submitted, 0 reused, 3 cut again from results already paid for; nothing paid by this run" \
        in capsys.readouterr().out


def test_changed_media_is_not_mistaken_for_a_ready_take(samples, sample_media, tmp_path, capsys):
    import shutil
    media = tmp_path / "media"
    shutil.copytree(sample_media, media)
    (samples / "media").unlink()
    (samples / "media").symlink_to(media, target_is_directory=True)
    out = tmp_path / "o.otio"
    assert run_cli("run", samples / "retake_sample.otio", "-o", out, "--marker-prefix", "sky", *NO_CONTEXT) == 0
    # The editor replaced the media (other pictures under the same name: `touch` alone is the same footage).
    shutil.copyfile(media / "shot_b.mp4", media / "shot_a.mp4")
    capsys.readouterr()
    assert run_cli("run", samples / "retake_sample.otio", "-o", out, "--marker-prefix", "sky", "--force",
                   *NO_CONTEXT) == 0
    assert "1 job(s) submitted, 0 reused" in capsys.readouterr().out


def _hosted(samples, tmp_path, host, server, *extra, prefix="sky", context="0"):
    context_args = ("--context", context) if context is not None else ()
    return run_cli("run", samples / "retake_sample.otio", "-o", tmp_path / "o.otio", "--provider", host,
                   "--base-url", server.url, "--poll-interval", "0.05", "--workspace", tmp_path / "ws",
                   "--marker-prefix", prefix, *context_args, *extra)


@pytest.mark.parametrize("state, keep_result", [
    (JobState.SUBMITTED, False), (JobState.FINISHED_REMOTELY, False), (JobState.DOWNLOADED, True),
])
def test_resume_from_each_paid_state_never_submits_again(state, keep_result, emulator, samples, tmp_path,
                                                         monkeypatch):
    monkeypatch.setenv("FAL_KEY", KEY)
    server = emulator("fal")
    assert _hosted(samples, tmp_path, "fal", server, context="0.5") == 0  # 12 frames of handles
    journal = Journal(tmp_path / "ws" / "jobs.sqlite")
    [record] = journal.all()
    journal.move(record.plan_key, state)  # as if the run had stopped here
    (take_file(tmp_path / "ws" / "takes" / "sky_takeA.mp4")).unlink()
    if not keep_result:
        for path in (tmp_path / "ws" / "results").iterdir():
            path.unlink()
    assert _hosted(samples, tmp_path, "fal", server, "--force", context="0.5") == 0
    assert emulator_stats(server)["submitted"] == 1
    patterns = decode_patterns(take_file(tmp_path / "ws" / "takes" / "sky_takeA.mp4"))
    assert patterns[12] == source_frame_at(48)
    assert journal.get(record.plan_key).state == JobState.TAKE_READY


def test_lost_submit_answer_is_found_at_runware_not_paid_twice(emulator, samples, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("RUNWARE_API_KEY", KEY)
    server = emulator("runware", faults="submit=drop")
    assert _hosted(samples, tmp_path, "runware", server) == 3
    assert "the job may have started" in " ".join(capsys.readouterr().err.split())
    [record] = Journal(tmp_path / "ws" / "jobs.sqlite").all()
    assert record.state == JobState.SUBMITTING and record.handle is None
    assert _hosted(samples, tmp_path, "runware", server) == 0
    stats = emulator_stats(server)
    assert stats["submitted"] == 1 and stats["duplicates"] == 0
    events = Journal(tmp_path / "ws" / "jobs.sqlite").events(record.plan_key)
    assert ("submitted", "found at the host after a lost answer") in events


@pytest.mark.parametrize("host", ["gmi", "oxen"])
def test_lost_submit_answer_is_found_in_the_hosts_job_list(host, emulator, samples, tmp_path, monkeypatch):
    from otio_retake.providers import HOSTS
    monkeypatch.setenv(HOSTS[host].key_env, KEY)
    server = emulator(host, faults="submit=drop")
    assert _hosted(samples, tmp_path, host, server) == 3
    assert _hosted(samples, tmp_path, host, server) == 0
    assert emulator_stats(server)["submitted"] == 1


def test_a_submit_lost_before_it_reached_the_host_is_sent_once(emulator, samples, tmp_path, monkeypatch):
    monkeypatch.setenv("RUNWARE_API_KEY", KEY)
    server = emulator("runware")
    assert _hosted(samples, tmp_path, "runware", server) == 0
    journal = Journal(tmp_path / "ws" / "jobs.sqlite")
    [record] = journal.all()
    # As if the run had died after writing its intent and before the request left: the host never saw it.
    server.state.jobs.clear()
    server.state.submitted.clear()
    journal.move(record.plan_key, JobState.SUBMITTING, handle=None)
    (take_file(tmp_path / "ws" / "takes" / "sky_takeA.mp4")).unlink()
    for path in (tmp_path / "ws" / "results").iterdir():
        path.unlink()
    assert _hosted(samples, tmp_path, "runware", server, "--force") == 0
    assert emulator_stats(server)["submitted"] == 1
    assert ("uploaded", "not found at the host: submitting it") in journal.events(record.plan_key)


def test_a_lost_submit_looked_up_and_sent_again_is_charged_to_the_budget_once(emulator, samples, tmp_path,
                                                                             monkeypatch):
    monkeypatch.setenv("RUNWARE_API_KEY", KEY)
    server = emulator("runware")
    budget = ("--budget-scope", "reel1")
    assert _hosted(samples, tmp_path, "runware", server, "--budget-usd", "20", *budget) == 0
    journal = Journal(tmp_path / "ws" / "jobs.sqlite")
    [record] = journal.all()
    assert journal.budgets()[0]["spent_usd"] == pytest.approx(record.cost_estimate)
    # The run died after charging and writing its intent, before the request left: the host never saw it.
    server.state.jobs.clear()
    server.state.submitted.clear()
    journal.move(record.plan_key, JobState.SUBMITTING, handle=None)
    (take_file(tmp_path / "ws" / "takes" / "sky_takeA.mp4")).unlink()
    for path in (tmp_path / "ws" / "results").iterdir():
        path.unlink()
    assert _hosted(samples, tmp_path, "runware", server, "--force", *budget) == 0
    assert emulator_stats(server)["submitted"] == 1
    assert ("uploaded", "not found at the host: submitting it") in journal.events(record.plan_key)
    # One paid attempt, one charge: the lookup's "not there" and the send that follows charge nothing more.
    assert journal.budgets()[0]["spent_usd"] == pytest.approx(record.cost_estimate)


def test_lost_submit_answer_without_a_lookup_stops_and_asks(emulator, samples, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LTX_API_KEY", KEY)
    server = emulator("ltx", faults="submit=drop")
    assert _hosted(samples, tmp_path, "ltx", server) == 3
    capsys.readouterr()
    assert _hosted(samples, tmp_path, "ltx", server) == 3
    err = " ".join(capsys.readouterr().err.split())
    assert "offers no way to look the job up" in err and "--resubmit-unknown" in err
    assert emulator_stats(server)["submitted"] == 1
    assert _hosted(samples, tmp_path, "ltx", server, "--resubmit-unknown") == 0
    assert emulator_stats(server)["submitted"] == 2  # the user allowed it


def test_budget_refusal_and_confirmation(emulator, samples, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("FAL_KEY", KEY)
    server = emulator("fal")
    # The default context (2 s each side) makes the job cost more than the limit.
    assert _hosted(samples, tmp_path, "fal", server, "--max-cost", "0.5", context=None) == 2
    assert "more than --max-cost $0.50" in " ".join(capsys.readouterr().err.split())
    # 3 takes of 7 s at $0.10: $2.10, under the $5 threshold; 3 ranges x 3 takes is $6.15, above it.
    assert run_cli("run", samples / "retake_sample.otio", "-o", tmp_path / "x.otio", "--provider", "fal",
                   "--base-url", server.url, "--takes", "3", "--workspace", tmp_path / "ws2") == 2
    assert "pass --yes" in " ".join(capsys.readouterr().err.split())
    assert emulator_stats(server)["submitted"] == 0


def test_status_and_cancel_on_a_workspace(emulator, samples, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("FAL_KEY", KEY)
    server = emulator("fal", latency=60)
    ws = tmp_path / "ws"
    child = _spawn_run(samples, tmp_path, "fal", server, ws, prefix="sky")
    try:
        wait_for_rows(ws / "jobs.sqlite", lambda rows: rows and all(r.state == "submitted" for r in rows))
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert run_cli("status", ws, "--json") == 0
    [row] = json.loads(capsys.readouterr().out)["jobs"]
    assert row["state"] == "submitted" and row["job_id"]
    assert run_cli("cancel", ws) == 0
    assert "cancelled at the host" in capsys.readouterr().out
    assert Journal(ws / "jobs.sqlite").all()[0].state == JobState.CANCELLED
    assert emulator_stats(server)["by_status"] == {"cancelled": 1}


def _spawn_run(samples, tmp_path, host, server, ws, prefix=None, extra=()):
    args = [sys.executable, "-m", "otio_retake.cli", "run", str(samples / "retake_sample.otio"), "-o",
            str(tmp_path / "o.otio"), "--provider", host, "--base-url", server.url, "--poll-interval", "0.1",
            "--workspace", str(ws), "--yes", *NO_CONTEXT, *extra]
    if prefix:
        args += ["--marker-prefix", prefix]
    env = dict(os.environ)
    return subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_sigkill_mid_run_then_rerun_gets_every_take_with_one_submission_per_job(emulator, samples, tmp_path,
                                                                                 monkeypatch):
    # GMI keeps a job list, so even a kill between "submitting" and the answer is resolved without paying twice.
    monkeypatch.setenv("GMI_API_KEY", KEY)
    server = emulator("gmi", latency=4)
    ws = tmp_path / "ws"
    child = _spawn_run(samples, tmp_path, "gmi", server, ws, extra=("--takes", "2"))
    try:
        # Kill it once some jobs are in flight at the host and none is finished.
        wait_for_rows(ws / "jobs.sqlite", lambda rows: sum(r.state == "submitted" for r in rows) >= 2)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert child.returncode == -signal.SIGKILL
    before = emulator_stats(server)["submitted"]
    assert 2 <= before < 6
    assert run_cli("run", samples / "retake_sample.otio", "-o", tmp_path / "o.otio", "--provider", "gmi",
                   "--base-url", server.url, "--poll-interval", "0.1", "--workspace", ws, "--takes", "2",
                   "--yes", *NO_CONTEXT) == 0
    stats = emulator_stats(server)
    assert stats["submitted"] == 6 and stats["duplicates"] == 0  # 3 ranges x 2 takes, each paid once
    for name, ext in (("sky", "mp4"), ("crossing", "mp4"), ("line", "wav")):
        for letter in "AB":
            assert (take_file(ws / "takes" / f"{name}_take{letter}.{ext}")).exists()
    assert all(r.state == JobState.TAKE_READY for r in Journal(ws / "jobs.sqlite").all())


def test_ltx_runs_two_at_once_by_default(emulator, samples, tmp_path, monkeypatch):
    monkeypatch.setenv("LTX_API_KEY", KEY)
    server = emulator("ltx", latency=1.0)
    # Three jobs (one range, three takes) at once would be three at the host without the limit.
    assert _hosted(samples, tmp_path, "ltx", server, "--takes", "3") == 0
    stats = emulator_stats(server)
    assert stats["submitted"] == 3 and stats["max_active"] == 2


def test_a_rate_limited_host_cools_down_alone():
    async def scenario():
        pool = HostPool(lambda name, **kw: type("P", (), {"limits": type("L", (), {"max_concurrent": 4})(),
                                                           "aclose": lambda self: asyncio.sleep(0)})())
        pool.cool_down("slow", 0.4)
        started = {}

        async def job(name):
            async with pool.slot(name):
                started[name] = time.monotonic()

        t0 = time.monotonic()
        await asyncio.gather(job("slow"), job("fast"))
        return started["slow"] - t0, started["fast"] - t0

    slow, fast = asyncio.run(scenario())
    assert slow >= 0.35 and fast < 0.1


def test_resume_runs_the_last_run_again_and_retries_only_what_failed(emulator, samples, tmp_path, monkeypatch,
                                                                     capsys):
    monkeypatch.setenv("FAL_KEY", KEY)
    server = emulator("fal", faults="job=fail")
    ws = tmp_path / "ws"
    assert run_cli("run", samples / "retake_sample.otio", "-o", tmp_path / "o.otio", "--provider", "fal",
                   "--base-url", server.url, "--poll-interval", "0.05", "--workspace", ws, *NO_CONTEXT) == 3
    err = " ".join(capsys.readouterr().err.split())
    assert "1 job(s) did not finish (2 take(s) are ready" in err and "run the same command again" in err
    assert not (tmp_path / "o.otio").exists()  # no output from a run that did not finish
    assert run_cli("resume", ws) == 0
    out = capsys.readouterr().out
    assert "1 job(s) submitted, 2 reused" in out and (tmp_path / "o.otio").exists()
    import re
    estimates = sorted(round(r.cost_estimate, 2) for r in Journal(ws / "jobs.sqlite").all())
    said = float(re.search(r"cost estimated \$([0-9.]+),", out).group(1))
    assert said in estimates and said < sum(estimates)  # this run's one submit, not the reused jobs' too

    assert emulator_stats(server)["submitted"] == 4  # 3 jobs, one of which failed and was tried again
    states = [r.state for r in Journal(ws / "jobs.sqlite").all()]
    assert states == [JobState.TAKE_READY] * 3


def test_a_runner_kept_job_after_job_cuts_a_failed_excerpt_again(samples, tmp_path, monkeypatch):
    # A worker keeps one runner per queued run: a cut that failed once must not fail every later job.
    from otio_retake import pipeline
    from otio_retake.jobs import runner as runner_module
    loaded = pipeline.load(samples / "retake_sample.otio")
    plans = [p for p in pipeline.plan(loaded, context_seconds=0) if p.range.name == "sky"]
    runner = pipeline.make_runner(loaded, workspace=tmp_path / "ws")
    real, calls = runner_module.render_excerpt, []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OSError("disk hiccup")
        return real(*args, **kwargs)

    monkeypatch.setattr(runner_module, "render_excerpt", flaky)
    loop = asyncio.new_event_loop()
    try:
        first = loop.run_until_complete(runner.run_more(plans))
        assert first.errors and "disk hiccup" in str(first.errors[0][1])
        second = loop.run_until_complete(runner.run_more(plans))
        assert not second.errors and len(second.takes) == 1 and len(calls) == 2
    finally:
        loop.run_until_complete(runner.aclose())
        loop.close()


def test_two_threads_cutting_the_same_excerpt_at_once_both_get_it(samples, tmp_path):
    # A worker's threads (--jobs N) may cut one window's excerpt for two takes at the same moment.
    import threading
    from otio_retake import pipeline
    from otio_retake.media.excerpt import render_excerpt
    loaded = pipeline.load(samples / "retake_sample.otio")
    [plan] = [p for p in pipeline.plan(loaded, context_seconds=0) if p.range.name == "sky"]
    runner = pipeline.make_runner(loaded, workspace=tmp_path / "ws")
    dest = tmp_path / "excerpt.mp4"
    results, start = [], threading.Barrier(2)

    def cut():
        start.wait()
        try:
            results.append(render_excerpt(runner.planner.segments(plan), dest, rate=runner.rate).path)
        except Exception as exc:  # noqa: BLE001 - the failure is what the test looks for
            results.append(exc)

    threads = [threading.Thread(target=cut) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [dest, dest] and decode_patterns(dest)


@pytest.mark.parametrize("host", ["fal", "ltx"])
def test_cancel_of_a_finished_job_keeps_its_result_and_the_next_run_uses_it(host, emulator, samples, tmp_path,
                                                                            monkeypatch, capsys):
    # fal answers a cancel of a finished request 400 ALREADY_COMPLETED; LTX has no cancel at all. Either way the
    # job is paid: marking it cancelled made the next run pay again and never fetch the paid result.
    from otio_retake.providers import HOSTS
    monkeypatch.setenv(HOSTS[host].key_env, KEY)
    server = emulator(host, latency=0.1)
    assert _hosted(samples, tmp_path, host, server) == 0
    ws = tmp_path / "ws"
    journal = Journal(ws / "jobs.sqlite")
    [record] = journal.all()
    journal.move(record.plan_key, JobState.SUBMITTED)  # as if the run had stopped before the host finished
    take_file(ws / "takes" / "sky_takeA.mp4").unlink()
    for path in (ws / "results").iterdir():
        path.unlink()
    capsys.readouterr()
    assert run_cli("cancel", ws) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "sky take A: already finished: its result is kept" in out and "0 job(s) cancelled" in out
    assert journal.get(record.plan_key).state == JobState.SUBMITTED
    assert _hosted(samples, tmp_path, host, server, "--force") == 0
    assert emulator_stats(server)["submitted"] == 1
    assert take_file(ws / "takes" / "sky_takeA.mp4").exists()
    assert journal.get(record.plan_key).state == JobState.TAKE_READY
    if host == "fal":  # as fal documents it, and said so rather than as an error
        from otio_retake.providers import make_provider
        status = httpx.put(record.handle.urls["cancel"], headers={"Authorization": f"Key {KEY}"})
        assert (status.status_code, status.json()) == (400, {"status": "ALREADY_COMPLETED"})

        async def cancel():
            provider = make_provider("fal", results_dir=tmp_path / "engine", base_url=server.url)
            try:
                return await provider.cancel(record.handle)
            finally:
                await provider.aclose()
        assert asyncio.run(cancel()) is False
        # What earlier versions did with such a job: marked it cancelled. The next run asks the host first.
        journal.cancel(record.plan_key, "cancelled at the host")
        take_file(ws / "takes" / "sky_takeA.mp4").unlink()
        for path in (ws / "results").iterdir():
            path.unlink()
        assert _hosted(samples, tmp_path, host, server, "--force") == 0
        assert emulator_stats(server)["submitted"] == 1 and journal.get(record.plan_key).state == JobState.TAKE_READY
        assert ("finished_remotely", "cancelled, but the host had finished it: its paid result is used") in \
            journal.events(record.plan_key)
