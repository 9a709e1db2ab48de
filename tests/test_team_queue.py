"""Team mode's queue as a facility lives with it: a cancel stops one run's jobs and no one else's, a budget
holds for the jobs queued under it, and a worker that cannot do a job stops or leaves it to a person while one
that finds a dead local worker's claims takes them at once. On a real PostgreSQL journal, against emulators."""

from __future__ import annotations

import signal
import time

from conftest import EMULATOR_KEY, emulator_stats, run_cli
from test_team import NO_CONTEXT, _worker_until_a_submit

from otio_retake.jobs.store import JobState, open_journal


def test_cancel_on_the_shared_journal_cancels_at_the_host(emulator, samples, tmp_path, pg_url, monkeypatch, capsys):
    monkeypatch.setenv("FAL_KEY", EMULATOR_KEY)
    server = emulator("fal", latency=30.0)
    base = ["--provider", "fal", "--base-url", server.url, "--poll-interval", "0.05", "--workspace",
            tmp_path / "ws", "--journal", pg_url, "--yes", "--marker-prefix", "sky", *NO_CONTEXT]
    assert run_cli("run", samples / "retake_sample.otio", "-o", tmp_path / "o.otio", *base, "--queue") == 0
    with _worker_until_a_submit(pg_url, tmp_path / "w.log", "FAL_KEY"):
        pass
    capsys.readouterr()
    assert run_cli("cancel", "--journal", pg_url, samples / "retake_sample.otio") == 0
    printed = capsys.readouterr().out
    assert "sky take A: cancelled at the host" in printed and "1 job(s) cancelled (run " in printed
    assert [r.state for r in open_journal(pg_url).all()] == [JobState.CANCELLED]
    assert emulator_stats(server)["by_status"] == {"cancelled": 1}


def test_cancel_on_a_shared_journal_cancels_one_runs_jobs_never_everyones(emulator, samples, tmp_path, pg_url,
                                                                         monkeypatch, capsys):
    """Two editors' timelines on one journal: cancelling one's run leaves the other's jobs running and queued;
    cancelling a queued run before any worker took it means no worker ever sends it."""
    import shutil
    monkeypatch.setenv("FAL_KEY", EMULATOR_KEY)
    server = emulator("fal", latency=30.0)
    other = tmp_path / "other"
    other.mkdir()
    for path in samples.iterdir():  # the second editor's copy of the cut (same media)
        (other / path.name).symlink_to(path.resolve()) if path.name == "media" else shutil.copy(path, other)
    base = ["--provider", "fal", "--base-url", server.url, "--poll-interval", "0.05", "--journal", pg_url, "--yes",
            *NO_CONTEXT]
    assert run_cli("run", samples / "retake_sample.otio", "-o", tmp_path / "a.otio", "--workspace", tmp_path / "wa",
                   "--marker-prefix", "sky", *base, "--queue") == 0
    assert run_cli("run", other / "retake_sample.otio", "-o", tmp_path / "b.otio", "--workspace", tmp_path / "wb",
                   "--marker-prefix", "crossing", *base, "--queue") == 0
    mine = [r.plan_key for r in open_journal(pg_url).all() if r.range_name == "crossing"]
    capsys.readouterr()
    assert run_cli("cancel", "--journal", pg_url) == 2  # whose? refused, nothing cancelled
    assert "--all" in capsys.readouterr().err
    assert run_cli("cancel", "--journal", pg_url, other / "retake_sample.otio") == 0
    assert "crossing take A: cancelled before it was sent (nothing paid)" in capsys.readouterr().out
    states = {r.range_name: r.state for r in open_journal(pg_url).all()}
    assert states == {"sky": JobState.PLANNED, "crossing": JobState.CANCELLED}
    # A worker now does the first editor's job and never the cancelled one.
    with _worker_until_a_submit(pg_url, tmp_path / "w.log", "FAL_KEY", stop=signal.SIGINT):
        # The first editor cancels theirs while the worker follows it: the worker stops following it, and the
        # host's "stopped" answer does not turn the cancel into a failure.
        assert run_cli("cancel", "--journal", pg_url, samples / "retake_sample.otio") == 0
        assert "sky take A: cancelled at the host" in capsys.readouterr().out
        time.sleep(1.0)  # polls at 0.05 s: it has seen the host's answer by now
    journal = open_journal(pg_url)
    assert {r.range_name: r.state for r in journal.all()} == {"sky": JobState.CANCELLED,
                                                              "crossing": JobState.CANCELLED}
    assert not journal.claims()
    stats = emulator_stats(server)
    assert stats["submitted"] == 1 and stats["by_status"] == {"cancelled": 1}
    assert [s for s, _ in journal.events(mine[0])] == [JobState.PLANNED, JobState.CANCELLED]


def test_a_queued_job_that_needs_a_person_leaves_the_queue_instead_of_being_retried_forever(
        emulator, samples, tmp_path, pg_url, monkeypatch, capsys):
    monkeypatch.setenv("LTX_API_KEY", EMULATOR_KEY)
    server = emulator("ltx", faults="submit=drop")  # the answer is lost, and LTX has no way to look a job up
    base = ["--provider", "ltx", "--base-url", server.url, "--poll-interval", "0.05", "--workspace",
            tmp_path / "ws", "--journal", pg_url, "--yes", "--marker-prefix", "sky", *NO_CONTEXT]
    assert run_cli("run", samples / "retake_sample.otio", "-o", tmp_path / "o.otio", *base, "--queue") == 0
    started = time.monotonic()
    assert run_cli("worker", "--journal", pg_url, "--until-idle", "--lease", "2") == 0
    assert time.monotonic() - started < 60  # it ends: the job is not claimed again and again
    printed = capsys.readouterr()
    said = " ".join(printed.err.split())
    assert "offers no way to look the job up" in said
    # What a person does is said for `run` of the timeline, the only command that takes --resubmit-unknown.
    assert "left the queue for a person: `otio-retake run` of its timeline with --journal says what it needs" in said
    journal = open_journal(pg_url)
    [record] = journal.all()
    assert record.state == JobState.SUBMITTING and record.claimed_by is None and journal.queue_busy() == 0
    assert any((d or "").startswith("left the queue: ") for _, d in journal.events(record.plan_key))
    assert emulator_stats(server)["submitted"] == 1  # sent once, never again without the user's word


def test_a_job_cancelled_while_its_runner_is_about_to_send_it_is_not_sent(emulator, samples, tmp_path, pg_url,
                                                                         monkeypatch):
    from otio_retake import pipeline
    from otio_retake.errors import JobCancelledError
    from otio_retake.timeline.marks import MarkerFilter
    monkeypatch.setenv("FAL_KEY", EMULATOR_KEY)
    server = emulator("fal", latency=0.5)
    loaded = pipeline.load(samples / "retake_sample.otio", marker_filter=MarkerFilter(name_prefix="sky"))
    plans = pipeline.plan(loaded, provider="fal", context_seconds=0)
    runner = pipeline.make_runner(loaded, provider="fal", workspace=tmp_path / "ws", base_urls={"fal": server.url},
                                  journal=pg_url, poll_interval=0.05)
    provider = runner.pool.provider("fal")
    upload = provider.upload

    async def upload_then_cancelled_elsewhere(path):
        url = await upload(path)
        other = open_journal(pg_url)  # `otio-retake cancel` on another machine, between the upload and the submit
        [record] = other.all()
        other.cancel(record.plan_key, "cancelled before it was sent (nothing paid)")
        other.close()
        return url

    monkeypatch.setattr(provider, "upload", upload_then_cancelled_elsewhere)
    report = runner.run(plans)
    [(_, error)] = report.errors
    assert isinstance(error, JobCancelledError) and "not submitted" in error.message
    assert emulator_stats(server)["submitted"] == 0
    [record] = open_journal(pg_url).all()
    assert record.state == JobState.CANCELLED and record.claimed_by is None


def test_a_run_finishing_a_queued_run_spends_the_budget_it_was_queued_under(emulator, samples, tmp_path, pg_url,
                                                                           monkeypatch, capsys):
    import json
    monkeypatch.setenv("FAL_KEY", EMULATOR_KEY)
    server = emulator("fal", latency=0.2)
    base = ["--provider", "fal", "--base-url", server.url, "--poll-interval", "0.05", "--journal", pg_url, "--yes",
            "--workspace", tmp_path / "ws", *NO_CONTEXT]
    assert run_cli("plan", samples / "retake_sample.otio", "--provider", "fal", "--json", *NO_CONTEXT) == 0
    costs = [row["cost_usd"] for row in json.loads(capsys.readouterr().out)]
    limit = round(max(costs) * 1.01, 4)  # room for one job of the three, never two
    assert run_cli("run", samples / "retake_sample.otio", "-o", tmp_path / "o.otio", *base, "--queue",
                   "--budget-usd", limit, "--budget-scope", "prodA") == 0
    # A worker does what fits; the rest leave the queue for a person (the budget would be passed).
    assert run_cli("worker", "--journal", pg_url, "--until-idle") == 0
    assert emulator_stats(server)["submitted"] == 1
    capsys.readouterr()
    # The editor finishes it with a plain run, as the README's last step shows: no --budget-scope given. The
    # jobs out of the queue are still the budget's.
    assert run_cli("run", samples / "retake_sample.otio", "-o", tmp_path / "o.otio", *base) != 0
    assert "not submitted, the budget 'prodA' has $" in " ".join(capsys.readouterr().err.split())
    stats = emulator_stats(server)
    assert stats["submitted"] == 1
    assert stats["requests"]["upload"] == 1  # nothing uploaded that the budget could not pay for
    journal = open_journal(pg_url)
    [budget] = journal.budgets()
    assert budget["spent_usd"] <= limit + 1e-9
    blocked = [r for r in journal.all() if r.state != JobState.TAKE_READY]
    assert len(blocked) == 2 and all("not submitted, the budget 'prodA'" in (r.error or "") for r in blocked)
    assert run_cli("status", "--journal", pg_url) == 0
    assert "not submitted, the budget" in capsys.readouterr().out  # status says why they wait


def test_a_killed_workers_jobs_are_taken_at_once_by_a_worker_on_the_same_machine(emulator, samples, tmp_path,
                                                                                pg_url, monkeypatch):
    monkeypatch.setenv("GMI_API_KEY", EMULATOR_KEY)
    server = emulator("gmi", latency=1.0)
    base = ["--provider", "gmi", "--base-url", server.url, "--poll-interval", "0.05", "--workspace",
            tmp_path / "shared", "--journal", pg_url, "--yes", "--marker-prefix", "sky", *NO_CONTEXT]
    assert run_cli("run", samples / "retake_sample.otio", "-o", tmp_path / "o.otio", *base, "--queue") == 0
    with _worker_until_a_submit(pg_url, tmp_path / "a.log", "GMI_API_KEY", lease="60"):
        pass  # killed holding its job, with 60 s left on its lease
    [held] = open_journal(pg_url).all()
    assert held.claimed_by is not None
    started = time.monotonic()
    assert run_cli("worker", "--journal", pg_url, "--until-idle") == 0
    assert time.monotonic() - started < 30  # not the 60 s lease
    journal = open_journal(pg_url)
    assert journal.get(held.plan_key).state == JobState.TAKE_READY
    assert any("its process on this machine ended" in (d or "") for _, d in journal.events(held.plan_key))
    assert emulator_stats(server)["submitted"] == 1


def test_cancelling_one_timeline_keeps_a_job_a_run_of_another_timeline_shares(emulator, samples, tmp_path, pg_url,
                                                                              monkeypatch, capsys):
    """Two copies of one cut ask for the same job (one identity, one row): cancelling one copy's run must not
    cancel the other's; --all does."""
    import shutil
    monkeypatch.setenv("FAL_KEY", EMULATOR_KEY)
    server = emulator("fal", latency=30.0)
    other = tmp_path / "other"
    other.mkdir()
    for path in samples.iterdir():
        (other / path.name).symlink_to(path.resolve()) if path.name == "media" else shutil.copy(path, other)
    base = ["--provider", "fal", "--base-url", server.url, "--journal", pg_url, "--yes", "--marker-prefix", "sky",
            *NO_CONTEXT]
    assert run_cli("run", samples / "retake_sample.otio", "-o", tmp_path / "a.otio", "--workspace", tmp_path / "wa",
                   *base, "--queue") == 0
    assert run_cli("run", other / "retake_sample.otio", "-o", tmp_path / "b.otio", "--workspace", tmp_path / "wb",
                   *base, "--queue") == 0
    [job] = open_journal(pg_url).all()  # one job for both
    capsys.readouterr()
    assert run_cli("cancel", "--journal", pg_url, other / "retake_sample.otio") == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert f"sky take A: kept: run " in printed and f"of {samples / 'retake_sample.otio'} has this job too" in printed
    assert "0 job(s) cancelled" in printed
    assert open_journal(pg_url).get(job.plan_key).state == JobState.PLANNED
    assert run_cli("cancel", "--journal", pg_url, "--all") == 0
    assert open_journal(pg_url).get(job.plan_key).state == JobState.CANCELLED
    assert emulator_stats(server)["submitted"] == 0


def test_a_worker_whose_key_is_refused_stops_at_once_and_leaves_the_queue_to_the_others(emulator, samples, tmp_path,
                                                                                       pg_url, monkeypatch, capsys):
    server = emulator("fal", latency=0.2)
    base = ["--provider", "fal", "--base-url", server.url, "--poll-interval", "0.05", "--workspace",
            tmp_path / "ws", "--journal", pg_url, "--yes", *NO_CONTEXT]
    monkeypatch.setenv("FAL_KEY", EMULATOR_KEY)
    assert run_cli("run", samples / "retake_sample.otio", "-o", tmp_path / "o.otio", *base, "--queue") == 0
    monkeypatch.setenv("FAL_KEY", "not-the-key")
    capsys.readouterr()
    started = time.monotonic()
    assert run_cli("worker", "--journal", pg_url, "--until-idle", "--jobs", "2") != 0
    assert time.monotonic() - started < 20  # not one lease per job, job after job
    assert "401" in capsys.readouterr().err
    journal = open_journal(pg_url)
    assert journal.queue_busy() == 3 and not journal.claims()  # still queued, for a worker that can
    assert emulator_stats(server)["submitted"] == 0 and emulator_stats(server)["requests"].get("upload", 0) <= 2
    monkeypatch.setenv("FAL_KEY", EMULATOR_KEY)
    assert run_cli("worker", "--journal", pg_url, "--until-idle") == 0
    assert emulator_stats(server)["submitted"] == 3 and all(r.state == JobState.TAKE_READY for r in journal.all())


def test_a_worker_says_a_job_cancelled_while_it_had_it_was_cancelled_not_failed(emulator, samples, tmp_path, pg_url,
                                                                               monkeypatch, capsys):
    from otio_retake.providers.fal import FalProvider
    monkeypatch.setenv("FAL_KEY", EMULATOR_KEY)
    server = emulator("fal", latency=0.2)
    assert run_cli("run", samples / "retake_sample.otio", "-o", tmp_path / "o.otio", "--provider", "fal",
                   "--base-url", server.url, "--workspace", tmp_path / "ws", "--journal", pg_url, "--yes",
                   "--marker-prefix", "sky", *NO_CONTEXT, "--queue") == 0
    upload = FalProvider.upload

    async def upload_then_cancelled_elsewhere(self, path):
        url = await upload(self, path)
        other = open_journal(pg_url)  # `otio-retake cancel` elsewhere, between the upload and the submit
        [record] = other.all()
        other.cancel(record.plan_key, "cancelled before it was sent (nothing paid)")
        other.close()
        return url

    monkeypatch.setattr(FalProvider, "upload", upload_then_cancelled_elsewhere)
    capsys.readouterr()
    assert run_cli("worker", "--journal", pg_url, "--until-idle") == 0
    assert "0 job(s) done, 0 failed, 1 cancelled meanwhile" in capsys.readouterr().out
    assert emulator_stats(server)["submitted"] == 0
