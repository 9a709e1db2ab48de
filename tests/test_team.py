"""Team mode on a real PostgreSQL journal: runners on one journal pay once, a dead one is taken over, and a
lost database connection is retried, then reported."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from conftest import EMULATOR_KEY, decode_patterns, emulator_stats, run_cli, take_file, wait_for_rows
from pg_server import PASSWORD, PostgresServer

from otio_retake.jobs.store import JobState, open_journal
from otio_retake.jobs.store.base import RETRY_ENV

RANGES = ("sky", "crossing", "line")
# No context around the ranges unless a test says otherwise: nothing here checks context or handles, and the media
# of each run (excerpts, results, takes) is most of these tests' CPU.
NO_CONTEXT = ("--context", "0")


def _run_args(samples, out, server, pg_url, ws, *extra):
    return [sys.executable, "-m", "otio_retake.cli", "run", str(samples / "retake_sample.otio"), "-o", str(out),
            "--provider", "gmi", "--base-url", server.url, "--poll-interval", "0.05", "--workspace", str(ws),
            "--journal", pg_url, "--yes", "--lease", "2", *NO_CONTEXT, *extra]


def _own_postgres() -> PostgresServer:
    """A PostgreSQL server of the test's own (one it stops and starts), as the session's is started: never
    skipped in CI."""
    pg = PostgresServer()
    try:
        return pg.start()
    except RuntimeError as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(str(exc))
        pytest.skip(str(exc))


def _spawn(args, log, **env):
    env = dict(os.environ, GMI_API_KEY=EMULATOR_KEY, **env)
    return subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)


def test_two_workstations_running_the_same_timeline_at_once_pay_once(emulator, samples, tmp_path, pg_url):
    server = emulator("gmi", latency=1.0)
    ws = tmp_path / "shared"  # a folder both machines see
    logs = [open(tmp_path / f"run{n}.log", "w+") for n in range(2)]
    runs = [_spawn(_run_args(samples, tmp_path / f"o{n}.otio", server, pg_url, ws), logs[n])
            for n in range(2)]
    for child in runs:
        assert child.wait(timeout=120) == 0
    texts = []
    for log in logs:
        log.seek(0)
        texts.append(log.read())
    stats = emulator_stats(server)
    assert stats["submitted"] == 3 and stats["duplicates"] == 0  # three jobs, each paid once for both machines
    assert (tmp_path / "o0.otio").exists() and (tmp_path / "o1.otio").exists()
    assert PASSWORD not in "".join(texts)
    submitted = [int(t.split(" job(s) submitted")[0].rsplit("\n", 1)[-1]) for t in texts]
    assert sum(submitted) == 3  # what one did, the other reused
    records = open_journal(pg_url).all()
    assert [r.state for r in records] == [JobState.TAKE_READY] * 3 and all(r.claimed_by is None for r in records)
    for name in ("sky", "crossing"):
        assert decode_patterns(take_file(ws / "takes" / f"{name}_takeA.mp4"))  # a real take, decodable


def test_a_workstation_killed_mid_job_is_taken_over_after_its_lease_without_a_second_submit(
        emulator, samples, tmp_path, pg_url, monkeypatch, capsys):
    monkeypatch.setenv("GMI_API_KEY", EMULATOR_KEY)
    server = emulator("gmi", latency=3.0)
    ws = tmp_path / "shared"
    with open(tmp_path / "a.log", "w") as log:
        child = _spawn(_run_args(samples, tmp_path / "a.otio", server, pg_url, ws), log)
        try:
            wait_for_rows(pg_url, lambda rows: sum(r.state == JobState.SUBMITTED for r in rows) >= 2)
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()
    held = [r for r in open_journal(pg_url).all() if r.claimed_by]
    assert held and all(r.state in (JobState.SUBMITTING, JobState.SUBMITTED, JobState.EXCERPTED, JobState.UPLOADED,
                                    JobState.PLANNED) for r in held)  # the dead machine still holds them
    before = emulator_stats(server)["submitted"]
    started = time.monotonic()
    assert run_cli("run", samples / "retake_sample.otio", "-o", tmp_path / "b.otio", "--provider", "gmi",
                   "--base-url", server.url, "--poll-interval", "0.05", "--workspace", ws, "--journal", pg_url,
                   "--lease", "2", "--yes", *NO_CONTEXT) == 0
    assert time.monotonic() - started < 30
    stats = emulator_stats(server)
    assert stats["submitted"] == 3 and stats["duplicates"] == 0 and before >= 2  # nothing paid twice
    assert "0 job(s) submitted" not in capsys.readouterr().out or before == 3
    journal = open_journal(pg_url)
    taken = [r for r in journal.all() if any("taken over from" in (d or "") for _, d in journal.events(r.plan_key))]
    assert len(taken) == len(held)  # each job the dead machine held was taken over, and says so
    for record in taken:
        sends = [s for s, d in journal.events(record.plan_key) if s == JobState.SUBMITTING and not d]
        assert len(sends) == 1  # looked up / polled after the take-over, never sent again
    assert all(r.state == JobState.TAKE_READY for r in journal.all())


def test_a_lost_database_connection_is_retried_then_reported_and_nothing_paid_is_lost(emulator, samples, tmp_path,
                                                                                      monkeypatch):
    import psycopg
    monkeypatch.setenv("GMI_API_KEY", EMULATOR_KEY)
    pg = _own_postgres()
    try:
        url = pg.create_database("lost")
        server = emulator("gmi", latency=1.5)
        ws = tmp_path / "ws"
        # 1. every connection dropped by the server mid-run: reconnected, the run finishes.
        with open(tmp_path / "one.log", "w+") as log:
            child = _spawn(_run_args(samples, tmp_path / "o.otio", server, url, ws, "--marker-prefix", "sky"), log)
            wait_for_rows(url, lambda rows: any(r.state == JobState.SUBMITTED for r in rows))
            with psycopg.connect(url, autocommit=True) as conn:
                dropped = conn.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
                                       "application_name = 'otio-retake'").fetchone()[0]
            assert dropped >= 1
            assert child.wait(timeout=60) == 0, log.seek(0) or log.read()
        assert emulator_stats(server)["submitted"] == 1
        # 2. the server gone mid-run: retried for the window asked for (OTIO_RETAKE_JOURNAL_RETRY, 10 s by
        # default), then a clear error without the password.
        with open(tmp_path / "two.log", "w+") as log:
            child = _spawn(_run_args(samples, tmp_path / "o2.otio", server, url, ws), log, **{RETRY_ENV: "2.5"})
            wait_for_rows(url, lambda rows: sum(r.state == JobState.SUBMITTED for r in rows) >= 2)
            pg.stop()
            code = child.wait(timeout=90)
            log.seek(0)
            text = log.read()
        assert code != 0
        assert "lost the connection to the journal at postgresql://retake:***@127.0.0.1" in text
        assert PASSWORD not in text and "Traceback" not in text
        # 3. back up: the same command finishes, and what was paid is not paid again (in this process: nothing
        # is killed or cut off here).
        pg.restart()
        assert run_cli(*_run_args(samples, tmp_path / "o2.otio", server, url, ws)[3:]) == 0
        stats = emulator_stats(server)
        journal = open_journal(url)
        assert stats["submitted"] == 3 and stats["duplicates"] == 0, \
            [(r.range_name, journal.events(r.plan_key)) for r in journal.all()] + [text]
    finally:
        pg.cleanup()


def _ltx_args(samples, out, server, pg_url, ws, *extra, context="0"):
    return [sys.executable, "-m", "otio_retake.cli", "run", str(samples / "retake_sample.otio"), "-o", str(out),
            "--provider", "ltx", "--base-url", server.url, "--poll-interval", "0.05", "--workspace", str(ws),
            "--journal", pg_url, "--yes", "--lease", "2", "--context", context, *extra]


def _spawn_ltx(args, log):
    return subprocess.Popen(args, env=dict(os.environ, LTX_API_KEY=EMULATOR_KEY), stdout=log,
                            stderr=subprocess.STDOUT)


def test_a_hosts_limit_holds_across_every_runner_on_the_journal(emulator, samples, tmp_path, pg_url, capsys):
    # LTX takes two jobs at once. Each job held 1.5 s: the two processes' jobs overlap however their starts fall.
    server = emulator("ltx", latency=1.5)
    logs = [open(tmp_path / f"r{n}.log", "w+") for n in range(2)]
    # Different jobs (other context), so nothing is shared; two takes of one range each, so each process alone
    # would run two at once and the two together four without the journal's count.
    one = ("--marker-prefix", "sky", "--takes", "2")
    runs = [_spawn_ltx(_ltx_args(samples, tmp_path / "a.otio", server, pg_url, tmp_path / "ws", *one), logs[0]),
            _spawn_ltx(_ltx_args(samples, tmp_path / "b.otio", server, pg_url, tmp_path / "ws", *one, context="0.5"),
                       logs[1])]
    for child, log in zip(runs, logs):
        code = child.wait(timeout=120)
        log.seek(0)
        assert code == 0, log.read()
    stats = emulator_stats(server)
    assert stats["submitted"] == 4 and stats["duplicates"] == 0
    assert stats["max_active"] == 2  # the facility's two places, not two per process
    assert open_journal(pg_url).slots() == []  # every place given back
    assert run_cli("status", "--journal", pg_url) == 0
    assert "by state: 4 take_ready" in capsys.readouterr().out


def test_a_budget_race_between_runners_never_overspends(emulator, samples, tmp_path, pg_url, capsys):
    server = emulator("ltx", latency=0.3)
    journal = open_journal(pg_url)
    # LTX prices the seconds sent, context included: the limit is counted at the runs' own (shortest) context.
    one = ("--marker-prefix", "sky", "--takes", "2")
    assert run_cli("plan", samples / "retake_sample.otio", "--provider", "ltx", "--json", "--marker-prefix", "sky",
                   *NO_CONTEXT) == 0
    import json
    [sky] = [r for r in json.loads(capsys.readouterr().out) if r["status"] == "ready"]  # one take's cost
    # Room for two of the four jobs the two runs want ($0.30 a take with no context, $0.40 with 0.5 s): any two
    # but the two dearer ones fit, never three.
    limit = round(sky["cost_usd"] * 2.5, 2)
    journal.set_budget("reel1", limit)
    logs = [open(tmp_path / f"r{n}.log", "w+") for n in range(2)]
    runs = [_spawn_ltx(_ltx_args(samples, tmp_path / "a.otio", server, pg_url, tmp_path / "ws", *one,
                                 "--budget-scope", "reel1"), logs[0]),
            _spawn_ltx(_ltx_args(samples, tmp_path / "b.otio", server, pg_url, tmp_path / "ws", *one,
                                 "--budget-scope", "reel1", context="0.5"), logs[1])]
    codes = [child.wait(timeout=120) for child in runs]
    texts = []
    for log in logs:
        log.seek(0)
        texts.append(log.read())
    assert any(code != 0 for code in codes)
    assert "not submitted, the budget 'reel1' has $" in " ".join("".join(texts).split())
    [budget] = journal.budgets()
    assert budget["spent_usd"] <= limit + 1e-9
    sent = [r for r in journal.all() if any(s == JobState.SUBMITTING and not d for s, d in journal.events(r.plan_key))]
    assert len(sent) == emulator_stats(server)["submitted"] and 0 < len(sent) < 4
    assert sum(r.cost_estimate for r in sent) <= limit + 1e-9  # what the host was asked for fits the budget
    assert abs(sum(r.cost_estimate for r in sent) - budget["spent_usd"]) < 1e-6
    assert run_cli("status", "--journal", pg_url) == 0
    assert f"budget 'reel1': ${budget['spent_usd']:.2f} spent of ${limit:.2f}" in capsys.readouterr().out


def _cli(*args):
    return [sys.executable, "-m", "otio_retake.cli", *map(str, args)]


@contextlib.contextmanager
def _worker_until_a_submit(pg_url, log_path, key_env: str, stop=signal.SIGKILL, lease="2"):
    """A worker process on the journal (2 s leases) until one of its jobs is submitted, then stopped (``stop``:
    killed by default, holding its claim)."""
    env = dict(os.environ, **{key_env: EMULATOR_KEY})
    with open(log_path, "w") as log:
        child = subprocess.Popen(_cli("worker", "--journal", pg_url, "--lease", lease), env=env, stdout=log,
                                 stderr=subprocess.STDOUT)
        try:
            wait_for_rows(pg_url, lambda rows: any(r.state == JobState.SUBMITTED for r in rows))
            yield child
        finally:
            child.send_signal(stop)
            child.wait(timeout=30)


def test_queued_run_done_by_three_workers_each_job_once_within_the_hosts_limit(emulator, samples, tmp_path, pg_url,
                                                                               monkeypatch, capsys):
    monkeypatch.setenv("LTX_API_KEY", EMULATOR_KEY)
    server = emulator("ltx", latency=0.5)
    ws = tmp_path / "shared"
    base = ["--provider", "ltx", "--base-url", server.url, "--poll-interval", "0.05", "--workspace", ws,
            "--journal", pg_url, "--takes", "2", "--yes", *NO_CONTEXT]
    assert run_cli("run", samples / "retake_sample.otio", "-o", tmp_path / "o.otio", *base, "--queue") == 0
    printed = capsys.readouterr()
    run_id = printed.out.strip()
    assert len(run_id) == 12 and "queued 6 job(s)" in " ".join(printed.err.split())
    assert emulator_stats(server)["submitted"] == 0 and not (tmp_path / "o.otio").exists()  # returned at once
    assert PASSWORD not in open_journal(pg_url).queued_run(run_id).__repr__()
    logs = [open(tmp_path / f"w{n}.log", "w+") for n in range(3)]
    env = dict(os.environ, LTX_API_KEY=EMULATOR_KEY)  # each worker its own key, from its own environment
    # Two jobs at once each: six at once across three processes, and still the host's two places.
    workers = [subprocess.Popen(_cli("worker", "--journal", pg_url, "--until-idle", "--lease", "2", "--jobs", "2"),
                                env=env, stdout=log, stderr=subprocess.STDOUT) for log in logs]
    for child, log in zip(workers, logs):
        code = child.wait(timeout=120)
        log.seek(0)
        assert code == 0, log.read()
    texts = []
    for log in logs:
        log.seek(0)
        texts.append(log.read())
    stats = emulator_stats(server)
    assert stats["submitted"] == 6 and stats["duplicates"] == 0 and stats["max_active"] == 2
    done = [int(t.split(" job(s) done")[0].rsplit("\n", 1)[-1]) for t in texts]
    assert sum(done) == 6 and sum(1 for n in done if n) >= 2  # the work was shared
    for name, ext in (("sky", "mp4"), ("crossing", "mp4"), ("line", "wav")):
        for letter in "AB":
            assert (take_file(ws / "takes" / f"{name}_take{letter}.{ext}")).exists()
    assert not list((ws / "takes").glob(".*partial*"))  # written whole, renamed into place
    # The same command without --queue reuses all of it and writes the outputs.
    assert run_cli("run", samples / "retake_sample.otio", "-o", tmp_path / "o.otio", *base) == 0
    assert "0 job(s) submitted, 6 reused" in capsys.readouterr().out and (tmp_path / "o.otio").exists()
    assert emulator_stats(server)["submitted"] == 6


def test_a_worker_killed_mid_job_is_taken_over_by_another_without_a_second_submit(emulator, samples, tmp_path,
                                                                                  pg_url, monkeypatch, capsys):
    monkeypatch.setenv("GMI_API_KEY", EMULATOR_KEY)
    server = emulator("gmi", latency=3.0)
    ws = tmp_path / "shared"
    base = ["--provider", "gmi", "--base-url", server.url, "--poll-interval", "0.05", "--workspace", ws,
            "--journal", pg_url, "--yes", *NO_CONTEXT]
    assert run_cli("run", samples / "retake_sample.otio", "-o", tmp_path / "o.otio", *base, "--queue") == 0
    with _worker_until_a_submit(pg_url, tmp_path / "a.log", "GMI_API_KEY"):
        pass
    [held] = [r for r in open_journal(pg_url).all() if r.claimed_by]  # a worker does one job at a time
    assert emulator_stats(server)["submitted"] == 1
    # The other worker, in this process (the killed one was the one that needed its own).
    assert run_cli("worker", "--journal", pg_url, "--until-idle", "--lease", "2") == 0
    stats = emulator_stats(server)
    assert stats["submitted"] == 3 and stats["duplicates"] == 0
    journal = open_journal(pg_url)
    assert any("taken over from" in (d or "") for _, d in journal.events(held.plan_key))
    assert [s for s, d in journal.events(held.plan_key) if s == JobState.SUBMITTING and not d] == ["submitting"]
    assert run_cli("run", samples / "retake_sample.otio", "-o", tmp_path / "o.otio", *base) == 0
    assert "0 job(s) submitted, 3 reused" in capsys.readouterr().out


def test_a_heartbeat_that_cannot_renew_ends_the_run_with_a_journal_error_and_submits_nothing_more(
        emulator, samples, tmp_path, monkeypatch):
    from otio_retake import pipeline
    from otio_retake.errors import JournalError
    from otio_retake.jobs.store.postgres import PostgresJournal
    monkeypatch.setenv("GMI_API_KEY", EMULATOR_KEY)
    pg = _own_postgres()
    try:
        url = pg.create_database("beat")
        server = emulator("gmi", latency=5.0)
        loaded = pipeline.load(samples / "retake_sample.otio")
        plans = [p for p in pipeline.plan(loaded, provider="gmi", context_seconds=0)
                 if p.range.name in ("sky", "crossing")]

        def runner():
            # One place at the host: one job polls (no journal call while it waits) while the other waits for
            # the place, so only the heartbeat sees the journal go.
            made = pipeline.make_runner(loaded, provider="gmi", workspace=tmp_path / "ws", journal=url,
                                        base_urls={"gmi": server.url}, poll_interval=0.05, per_host=1,
                                        lease_seconds=1.5)
            made._journal = PostgresJournal(url, retry_seconds=0.3)  # the store's own retries, kept short
            return made

        outcome: dict = {}

        def run():
            try:
                outcome["report"] = runner().run(plans)
            except Exception as exc:
                outcome["error"] = exc
            outcome["ended"] = time.monotonic()

        thread = threading.Thread(target=run)
        thread.start()
        wait_for_rows(url, lambda rows: any(r.state == JobState.SUBMITTED for r in rows))
        pg.stop()
        stopped = time.monotonic()
        time.sleep(3.0)  # the heartbeat fails in here; the job at the host is still running (5 s)
        pg.restart()  # back before that job ends: without the stop, this run would go on and submit the other
        thread.join(timeout=60)
        assert not thread.is_alive()
        error = outcome.get("error")
        assert isinstance(error, JournalError), outcome
        assert "could not renew this run's claims" in error.message and PASSWORD not in error.message
        assert outcome["ended"] - stopped < 3.0  # ended once the claims could not be held, not when the host was done
        assert emulator_stats(server)["submitted"] == 1  # the waiting job was never sent
        journal = open_journal(url)
        [sent] = [r for r in journal.all() if r.state == JobState.SUBMITTED]
        assert sent.handle is not None  # what is in flight at the host is in the journal
        # The same run again finishes: the job in flight is polled, not paid again; the other is sent once.
        report = runner().run(plans)
        assert not report.errors and len(report.takes) == 2
        stats = emulator_stats(server)
        assert stats["submitted"] == 2 and stats["duplicates"] == 0
    finally:
        pg.cleanup()


def test_a_worker_cuts_and_splices_in_as_many_child_processes_as_it_is_given(emulator, samples, tmp_path, pg_url,
                                                                            monkeypatch):
    import otio_retake.jobs.admin as admin_module  # where the worker's media processes are started
    from otio_retake.media.work import MEDIA_THREADS, run_media_work
    monkeypatch.setenv("GMI_API_KEY", EMULATOR_KEY)
    server = emulator("gmi")
    given, seen_pids = [], set()
    real_pool = admin_module.in_media_processes

    @contextlib.contextmanager
    def recorded(count):
        given.append(count)
        with real_pool(count):
            seen_pids.add(asyncio.run(run_media_work(os.getpid)))
            yield

    monkeypatch.setattr(admin_module, "in_media_processes", recorded)
    base = ["--provider", "gmi", "--base-url", server.url, "--poll-interval", "0.05", "--workspace", tmp_path / "ws",
            "--journal", pg_url, "--yes", "--marker-prefix", "sky", *NO_CONTEXT]
    assert run_cli("run", samples / "retake_sample.otio", "-o", tmp_path / "o.otio", *base, "--queue") == 0
    assert run_cli("worker", "--journal", pg_url, "--until-idle", "--media-processes", "1") == 0
    assert run_cli("worker", "--journal", pg_url, "--until-idle") == 0  # nothing left: the default is still said
    assert given == [1, MEDIA_THREADS] and os.getpid() not in seen_pids
    assert [r.state for r in open_journal(pg_url).all()] == [JobState.TAKE_READY]
    assert emulator_stats(server)["submitted"] == 1


def test_a_queued_job_whose_download_keeps_failing_is_held_back_then_leaves_the_queue_paid_once(
        emulator, samples, tmp_path, pg_url, monkeypatch, capsys):
    from otio_retake.jobs.worker import WORKER_TRIES
    from otio_retake.providers import http
    monkeypatch.setenv("FAL_KEY", EMULATOR_KEY)
    monkeypatch.setattr(http, "backoff_delay", lambda attempt, policy, rng=None: 0.01)  # the client's own retries
    server = emulator("fal", faults="download=500x1000")  # paid, done at the host, and never downloadable
    base = ["--provider", "fal", "--base-url", server.url, "--poll-interval", "0.05", "--workspace",
            tmp_path / "ws", "--journal", pg_url, "--yes", "--marker-prefix", "sky", *NO_CONTEXT]
    assert run_cli("run", samples / "retake_sample.otio", "-o", tmp_path / "o.otio", *base, "--queue") == 0
    ended = []
    worker = threading.Thread(target=lambda: ended.append(
        run_cli("worker", "--journal", pg_url, "--until-idle", "--lease", "1")), daemon=True)
    started = time.monotonic()
    worker.start()
    worker.join(60)
    assert ended == [0], "the worker never became idle: the failing job was claimed again and again"
    journal = open_journal(pg_url)
    [record] = journal.all()
    details = [d or "" for _, d in journal.events(record.plan_key)]
    # Still paid and resumable (a later run downloads it), out of the queue, after WORKER_TRIES tries, each held
    # back one lease (1 s) before the next.
    assert record.state == JobState.FINISHED_REMOTELY and journal.queue_busy() == 0
    assert sum(d.startswith("failed in worker") for d in details) == WORKER_TRIES - 1
    assert any(d.startswith(f"left the queue after {WORKER_TRIES} failed tries") for d in details)
    assert time.monotonic() - started >= WORKER_TRIES - 1
    stats = emulator_stats(server)
    assert stats["submitted"] == 1  # paid once
    downloads = stats["requests"]["download"]
    assert downloads <= WORKER_TRIES * 10, downloads  # bounded: WORKER_TRIES tries of the client's few attempts
    assert "0 job(s) done, 1 failed" in capsys.readouterr().out  # one job, however many tries


def _journal_connections(pg_url) -> int:
    """Connections to the journal's database that otio-retake opened (its stores name themselves)."""
    import psycopg
    with psycopg.connect(pg_url, autocommit=True) as conn:
        return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND "
                            "application_name = 'otio-retake'").fetchone()[0]


def test_a_worker_doing_several_jobs_at_once_shares_one_runner_and_two_journal_connections(
        emulator, samples, tmp_path, pg_url, monkeypatch):
    # One runner per job at once would open a journal connection (and host clients) each: forty jobs on each of
    # a facility's workers would pass PostgreSQL's default of 100 connections with three workers.
    monkeypatch.setenv("GMI_API_KEY", EMULATOR_KEY)
    server = emulator("gmi", latency=1.5)
    base = ["--provider", "gmi", "--base-url", server.url, "--poll-interval", "0.05", "--workspace", tmp_path / "ws",
            "--journal", pg_url, "--takes", "2", "--yes", *NO_CONTEXT]
    assert run_cli("run", samples / "retake_sample.otio", "-o", tmp_path / "o.otio", *base, "--queue") == 0
    before = _journal_connections(pg_url)  # this process's own
    with open(tmp_path / "w.log", "w+") as log:
        worker = _spawn(_cli("worker", "--journal", pg_url, "--until-idle", "--jobs", "6"), log)
        most = 0
        while worker.poll() is None:
            most = max(most, _journal_connections(pg_url) - before)
            time.sleep(0.05)
        log.seek(0)
        assert worker.returncode == 0, log.read()
    stats = emulator_stats(server)
    assert stats["submitted"] == 6 and stats["duplicates"] == 0 and stats["max_active"] == 4  # gmi's four places
    assert 1 <= most <= 2, most  # the worker's queue and the one runner of its run


def test_ctrl_c_stops_a_worker_as_it_stops_run_its_claims_given_back_at_once_and_nothing_paid_twice(
        emulator, samples, tmp_path, pg_url, monkeypatch, capsys):
    monkeypatch.setenv("GMI_API_KEY", EMULATOR_KEY)
    server = emulator("gmi", latency=3.0)
    base = ["--provider", "gmi", "--base-url", server.url, "--poll-interval", "0.05", "--workspace", tmp_path / "ws",
            "--journal", pg_url, "--yes", *NO_CONTEXT]
    assert run_cli("run", samples / "retake_sample.otio", "-o", tmp_path / "o.otio", *base, "--queue") == 0
    with open(tmp_path / "w.log", "w+") as log:
        worker = _spawn(_cli("worker", "--journal", pg_url, "--jobs", "3", "--lease", "60"), log)
        wait_for_rows(pg_url, lambda rows: sum(r.state == JobState.SUBMITTED for r in rows) >= 2)
        worker.send_signal(signal.SIGINT)
        code = worker.wait(timeout=30)
        log.seek(0)
        printed = log.read()
    assert code == 130, printed
    journal = open_journal(pg_url)
    assert journal.claims() == []  # given back now, not in 60 s when their leases would run out
    submitted = emulator_stats(server)["submitted"]
    assert submitted >= 2 and all(r.state != JobState.SUBMITTING for r in journal.all())  # every paid one known
    # Another worker finishes them: the jobs already at the host are polled, not sent again.
    assert run_cli("worker", "--journal", pg_url, "--until-idle", "--lease", "2") == 0
    stats = emulator_stats(server)
    assert stats["submitted"] == 3 and stats["duplicates"] == 0
    assert [r.state for r in open_journal(pg_url).all()] == [JobState.TAKE_READY] * 3
