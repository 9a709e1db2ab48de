"""The journal's two stores behind one interface: same semantics, versioned migrations, URLs and secrets."""

from __future__ import annotations

import json
import re
import sqlite3
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest

from conftest import run_cli
from pg_server import PASSWORD

from otio_retake.errors import JournalError
from otio_retake.jobs.store import JobState, Journal, SQLiteJournal, open_journal, redact_url
from otio_retake.jobs.store.urls import parse_postgres_url
from otio_retake.jobs.store.migrations import LATEST
from otio_retake.providers.base import JobHandle

# The runs here are about the journal (where it is, what it shows, what resume picks): no context, the media of
# each run being most of its CPU.
NO_CONTEXT = ("--context", "0")

# The schema every journal had before versioning (store.py at 7456a5a), rows and all.
OLD_SCHEMA = """
CREATE TABLE jobs (plan_key TEXT PRIMARY KEY, range_name TEXT NOT NULL, takes TEXT NOT NULL, provider TEXT NOT NULL,
    model TEXT NOT NULL, state TEXT NOT NULL, attempt INTEGER NOT NULL DEFAULT 1, idempotency_key TEXT, request TEXT,
    handle TEXT, result_urls TEXT, results TEXT, takes_json TEXT, cost_estimate {real}, cost_reported {real},
    error TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE events (id {serial} PRIMARY KEY{autoinc}, plan_key TEXT NOT NULL, at TEXT NOT NULL, state TEXT NOT NULL,
    detail TEXT);
CREATE TABLE runs (id {serial} PRIMARY KEY{autoinc}, started_at TEXT NOT NULL, arguments TEXT NOT NULL);
INSERT INTO jobs (plan_key, range_name, takes, provider, model, state, handle, cost_estimate, created_at, updated_at)
    VALUES ('old-key', 'sky', 'A', 'gmi', 'ltx-2', 'submitted', '{handle}', 0.7, '2026-01-01T00:00:00.000+00:00',
            '2026-01-01T00:00:01.000+00:00');
INSERT INTO events (plan_key, at, state, detail) VALUES ('old-key', '2026-01-01T00:00:00.000+00:00', 'planned', NULL);
INSERT INTO events (plan_key, at, state, detail) VALUES ('old-key', '2026-01-01T00:00:01.000+00:00', 'submitted', NULL);
INSERT INTO runs (started_at, arguments) VALUES ('2026-01-01T00:00:00.000+00:00', '{{"provider": "gmi"}}');
"""
HANDLE = JobHandle("gmi", "job-41", {"x": 1}).to_json()


def _old_sql(dialect: str) -> str:
    if dialect == "sqlite":
        return OLD_SCHEMA.format(real="REAL", serial="INTEGER", autoinc=" AUTOINCREMENT", handle=HANDLE)
    return OLD_SCHEMA.format(real="DOUBLE PRECISION", serial="BIGSERIAL", autoinc="", handle=HANDLE)


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'j' / 'jobs.sqlite'}"
    return request.getfixturevalue("pg_url")


def test_both_stores_list_runs_and_the_events_of_a_time_window_in_order(store_url):
    journal = open_journal(store_url)
    journal.record_run({"n": 1})
    journal.plan("k1", range_name="sky", takes="AB", provider="fal", model="m", cost_estimate=0.7)
    journal.move("k1", JobState.SUBMITTING)
    time.sleep(0.01)  # the times are in milliseconds
    journal.record_run({"n": 2})
    second_run, first_run = journal.runs()  # newest first
    (first_at, first), (second_at, second) = ((r["started_at"], r["arguments"]) for r in (first_run, second_run))
    assert (first, second) == ({"n": 1}, {"n": 2}) and first_at < second_at and first_run["id"] < second_run["id"]
    journal.move("k1", JobState.SUBMITTED, detail="sent")
    every = journal.events_since(0)
    assert [(r[2], r[3], r[4], r[5]) for r in every] == [
        ("sky", "AB", "planned", None), ("sky", "AB", "submitting", None), ("sky", "AB", "submitted", "sent")]
    assert [r[0] for r in every] == sorted(r[0] for r in every)
    assert [r[4] for r in journal.events_since(0, since=first_at, until=second_at)] == ["planned", "submitting"]
    assert [r[4] for r in journal.events_since(0, since=second_at)] == ["submitted"]
    assert [r[4] for r in journal.events_since(every[0][0])] == ["submitting", "submitted"]
    journal.close()


def test_both_stores_keep_jobs_events_and_runs_the_same_way(store_url):
    journal = open_journal(store_url)
    record = journal.plan("k1", range_name="sky", takes="A", provider="fal", model="m", cost_estimate=0.7)
    assert record.state == JobState.PLANNED and record.attempt == 1 and record.claimed_by is None
    again = journal.plan("k1", range_name="other", takes="B", provider="x", model="y", cost_estimate=9)
    assert (again.range_name, again.cost_estimate) == ("sky", 0.7)  # one row per identity: planning finds it
    journal.move("k1", JobState.SUBMITTING, request={"prompt": "p"}, idempotency_key="idem")
    journal.move("k1", JobState.SUBMITTED, handle=JobHandle("fal", "req-9", {"status": "u"}), detail="sent")
    second = open_journal(store_url)  # another connection sees every committed step
    got = second.get("k1")
    assert got.state == JobState.SUBMITTED and got.handle.job_id == "req-9" and got.request == {"prompt": "p"}
    assert got.idempotency_key == "idem"
    assert second.events("k1") == [("planned", None), ("submitting", None), ("submitted", "sent")]
    journal.move("k1", JobState.TAKE_READY, results=["/a.mp4"], takes_json=[{"take_index": 0}], cost_reported=0.5)
    got = second.get("k1")
    assert got.results == ["/a.mp4"] and got.takes_json == [{"take_index": 0}] and got.cost_reported == 0.5
    with pytest.raises(ValueError):
        journal.move("k1", "done")
    with pytest.raises(ValueError):
        journal.move("k1", JobState.FAILED, secret="x")
    assert second.get("nope") is None and [r.plan_key for r in second.all()] == ["k1"]
    assert journal.last_run() is None
    journal.record_run({"provider": "fal", "n": 1})
    journal.record_run({"provider": "ltx", "n": 2})
    assert second.last_run() == {"provider": "ltx", "n": 2}
    assert journal.schema_version() == LATEST
    journal.close()
    second.close()


def test_claims_hold_one_runner_at_a_time_and_lapse_without_heartbeats(store_url, lease_clock):
    a, b = open_journal(store_url), open_journal(store_url)
    a.plan("k", range_name="sky", takes="A", provider="fal", model="m", cost_estimate=1)
    assert a.claim("k", "host-a:1", 1.0) == "free"
    assert b.claim("k", "host-b:2", 1.0) is None  # held: the other waits
    assert b.holder("k").owner == "host-a:1" and 0 < b.holder("k").seconds_left <= 1.0
    assert a.claim("k", "host-a:1", 1.0) == "own"
    lease_clock.advance(0.6)
    assert a.renew("host-a:1", 1.0) == 1  # a heartbeat keeps it
    lease_clock.advance(0.6)
    assert b.claim("k", "host-b:2", 1.0) is None  # 1.2 s after the claim, but renewed 0.6 s ago
    lease_clock.advance(1.1)  # no heartbeat: the lease runs out
    assert b.holder("k") is None
    assert b.claim("k", "host-b:2", 5.0) == "host-a:1"  # taken over, and says from whom
    assert a.renew("host-a:1", 1.0) == 0  # the old holder learns it holds nothing
    b.release("k", "host-a:1")  # only the holder can release
    assert a.holder("k").owner == "host-b:2"
    b.release("k", "host-b:2")
    assert a.holder("k") is None and a.claim("k", "host-a:1", 1.0) == "free"
    # A holder known to be gone (a process of this machine that ended) gives way before its lease runs out.
    assert b.claim("k", "host-b:2", 60.0, dead="host-c:3") is None
    assert b.claim("k", "host-b:2", 60.0, dead="host-a:1") == "host-a:1"


def test_a_claim_of_a_process_of_this_machine_that_ended_is_known_dead():
    import socket
    from otio_retake.jobs.store.base import holder_is_dead, runner_identity
    child = __import__("subprocess").Popen(["true"])
    child.wait()
    assert holder_is_dead(f"{socket.gethostname()}:{child.pid}:abc123")
    assert not holder_is_dead(runner_identity())  # this process runs
    assert not holder_is_dead(f"another-machine:{child.pid}:abc123")  # only its lease says so


def test_a_claim_whose_pid_now_names_another_process_is_known_dead():
    """A pid the system gave to a new process after the holder ended: the start time tells them apart."""
    import os
    import socket
    from otio_retake import processes
    from otio_retake.jobs.store.base import holder_is_dead, runner_identity
    me = runner_identity()
    started = float(me.rsplit(":", 1)[1])
    assert started == processes.started_at()
    assert not holder_is_dead(me)
    # This very pid, but a holder that started a minute earlier: another process that has ended.
    assert holder_is_dead(f"{socket.gethostname()}:{os.getpid()}:abc123:{started - 60:.2f}")
    # An identity written before start times were recorded: the pid alone decides, as it did.
    assert not holder_is_dead(f"{socket.gethostname()}:{os.getpid()}:abc123")


def test_a_journal_from_before_versioning_is_upgraded_in_place_sqlite(tmp_path):
    path = tmp_path / "ws" / "jobs.sqlite"
    path.parent.mkdir()
    db = sqlite3.connect(path)
    db.executescript(_old_sql("sqlite"))
    db.close()
    journal = Journal(path)
    assert journal.schema_version() == LATEST
    record = journal.get("old-key")  # kept, not recreated
    assert record.state == JobState.SUBMITTED and record.handle.job_id == "job-41" and record.cost_estimate == 0.7
    assert journal.events("old-key") == [("planned", None), ("submitted", None)]
    assert journal.last_run() == {"provider": "gmi"}
    assert journal.claim("old-key", "me", 5) == "free"  # the new columns are there
    assert journal.held_job_ids("gmi", "another-key") == {"job-41"}  # the handle's job id, moved to its column
    assert [r["run_id"] for r in journal.runs()] == ["1"]  # an old run is named by its number
    versions = sqlite3.connect(path).execute("SELECT version, why FROM schema_version ORDER BY version").fetchall()
    assert [v for v, _ in versions] == list(range(1, LATEST + 1)) and "before" in versions[0][1]
    journal.close()
    assert Journal(path).schema_version() == LATEST  # opening again applies nothing twice


def test_a_journal_from_before_versioning_is_upgraded_in_place_postgres(pg_url):
    import psycopg
    with psycopg.connect(pg_url, autocommit=True) as conn:
        for statement in _old_sql("postgres").split(";"):
            if statement.strip():
                conn.execute(statement)
    journal = open_journal(pg_url)
    assert journal.schema_version() == LATEST
    record = journal.get("old-key")
    assert record.state == JobState.SUBMITTED and record.handle.job_id == "job-41"
    assert journal.events("old-key") == [("planned", None), ("submitted", None)]
    assert journal.last_run() == {"provider": "gmi"}
    assert journal.claim("old-key", "me", 5) == "free"
    assert journal.held_job_ids("gmi", "another-key") == {"job-41"}
    assert journal.find_run("1")["arguments"] == {"provider": "gmi"}
    with psycopg.connect(pg_url) as conn:
        assert [r[0] for r in conn.execute("SELECT version FROM schema_version ORDER BY 1")] == \
            list(range(1, LATEST + 1))


def test_a_journal_from_a_newer_version_is_refused(tmp_path):
    path = tmp_path / "jobs.sqlite"
    Journal(path).close()
    db = sqlite3.connect(path)
    db.execute("INSERT INTO schema_version VALUES (?, 'x', 'from the future')", (LATEST + 1,))
    db.commit()
    db.close()
    with pytest.raises(JournalError, match="newer otio-retake"):
        Journal(path)


def test_journal_urls(tmp_path):
    bare = str(tmp_path).lstrip("/")
    assert isinstance(open_journal(f"sqlite:///{bare}/a.sqlite"), SQLiteJournal)
    assert (tmp_path / "a.sqlite").exists()
    assert open_journal(f"sqlite:////{bare}/b.sqlite").path == tmp_path / "b.sqlite"  # SQLAlchemy's spelling
    assert open_journal(tmp_path / "c.sqlite").path == tmp_path / "c.sqlite"
    with pytest.raises(JournalError, match="unknown journal kind 'mysql'") as info:
        open_journal("mysql://u:hunter2@h/db")
    assert "hunter2" not in str(info.value)
    assert redact_url("postgresql://u:hunter2@db.lan:5433/reels?sslmode=require") == \
        "postgresql://u:***@db.lan:5433/reels?sslmode=require"
    assert redact_url("postgresql://u@db.lan/reels") == "postgresql://u@db.lan/reels"


def test_the_password_never_appears_in_errors(postgres_server):
    wrong = postgres_server.url().replace(PASSWORD, "wr0ng-5ECRET")
    with pytest.raises(JournalError) as info:
        open_journal(wrong, retry_seconds=0.3)
    assert "wr0ng-5ECRET" not in str(info.value) and "***" in str(info.value)
    closed = f"postgresql://retake:{PASSWORD}@127.0.0.1:1/none"
    with pytest.raises(JournalError, match="could not reach the journal") as info:  # never connected: not "lost"
        open_journal(closed, retry_seconds=0.3)
    assert PASSWORD not in str(info.value) and PASSWORD not in (info.value.hint or "")
    assert "check that the database server is up and reachable" in info.value.hint  # a server that is down


# Passwords written into the URL without percent-encoding: libpq reads them otherwise than urlsplit (the first '@'
# against the last, '/' or '?' ending the authority early), so what would be shown as "the host" is part of the
# password, or the URL is not readable at all. (what is secret in each, the URL)
UNREADABLE_URLS = [
    (["my@supersecret", "supersecret"], "postgresql://retake:my@supersecret@127.0.0.1:5999/j1"),
    (["p@ss:w/rd", "rd%20x", "ss:w"], "postgresql://retake:p@ss:w/rd%20x@127.0.0.1:5999/j1"),
    (["notaport"], "postgresql://retake@127.0.0.1:notaport/j1"),
    (["pa#ss", "ss@127"], "postgresql://retake:pa#ss@127.0.0.1:5999/j1"),
    (["pa?ss", "ss@127"], "postgresql://retake:pa?ss@127.0.0.1:5999/j1"),
    (["100%sure"], "postgresql://retake:100%sure@127.0.0.1:5999/j1"),
    (["pa/ss"], "postgres://retake:pa/ss@127.0.0.1/j1"),
    (["pa&s3cr", "s3cr"], "postgresql://retake@127.0.0.1/j1?password=pa&s3cr"),
]


@pytest.mark.parametrize("secrets,url", UNREADABLE_URLS, ids=[u for _, u in UNREADABLE_URLS])
def test_a_postgres_url_libpq_could_read_otherwise_is_refused_up_front_showing_none_of_it(secrets, url, capsys):
    assert redact_url(url) in ("postgresql://***", "postgres://***")  # shown as nothing, and never a crash
    with pytest.raises(JournalError, match="cannot be read unambiguously") as info:
        open_journal(url, retry_seconds=0)
    assert "@ as %40" in info.value.hint and "/ as %2F" in info.value.hint and "PGPASSWORD" in info.value.hint
    assert run_cli("status", "--journal", url) == 2  # the user's to fix, not an internal error
    printed = capsys.readouterr()
    shown = printed.out + printed.err
    assert "cannot be read unambiguously" in shown and "internal error" not in shown
    for secret in secrets + ["retake:", "127.0.0.1", "j1"]:  # nothing of the authority, nor past it
        assert secret not in shown


def test_a_postgres_url_read_the_same_way_by_libpq_is_kept_as_written_but_its_password():
    assert redact_url("postgresql://u:p%40ss%3Aw%2Frd@[::1]:5433,db2:5434/reels?sslmode=require") == \
        "postgresql://u:***@[::1]:5433,db2:5434/reels?sslmode=require"  # several hosts, IPv6, encoded password
    assert redact_url("postgresql://u:pa:ss@h/db") == "postgresql://u:***@h/db"  # a ':' in it is read alike
    assert redact_url("postgresql:///reels?host=/var/run/postgresql") == "postgresql:///reels?host=/var/run/postgresql"
    assert redact_url("postgresql://u@h/db") == "postgresql://u@h/db"
    assert redact_url("mysql://u:hunter2@h/db") == "mysql://***"


# A password of the characters URLs are made of (the tester's): libpq takes it percent-encoded in the URL's user
# part or in its query string (password=), and neither spelling may show anywhere.
SPECIAL = "p@ss:w/rd%20x"


def _role_with_special_password(postgres_server) -> tuple[str, str]:
    """A new role whose password is SPECIAL, owning a new database of the same name."""
    import psycopg
    from psycopg import sql
    name = "q_" + uuid.uuid4().hex[:10]
    with psycopg.connect(postgres_server.url(), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(name), sql.Literal(SPECIAL)))
        conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(name), sql.Identifier(name)))
    return name, postgres_server.url(name)


def test_a_password_in_the_query_string_is_never_shown_nor_stored_in_any_spelling(samples, tmp_path, postgres_server,
                                                                                  capsys):
    import psycopg
    name, admin = _role_with_special_password(postgres_server)
    encoded = quote(SPECIAL, safe="")  # p%40ss%3Aw%2Frd%2520x
    spellings = [SPECIAL, encoded, "p@ss", "p%40ss", "rd%20x", "rd%2520x"]
    port = postgres_server.port
    in_query = f"postgresql://{name}@127.0.0.1:{port}/{name}?password={encoded}"
    all_in_query = f"postgresql:///{name}?host=127.0.0.1&port={port}&user={name}&password={encoded}"
    in_user_part = f"postgresql://{name}:{encoded}@127.0.0.1:{port}/{name}"
    assert redact_url(in_query) == f"postgresql://{name}@127.0.0.1:{port}/{name}?password=***"
    assert redact_url(all_in_query) == f"postgresql:///{name}?host=127.0.0.1&port={port}&user={name}&password=***"
    assert redact_url(in_user_part) == f"postgresql://{name}:***@127.0.0.1:{port}/{name}"
    assert run_cli("worker", "--journal", all_in_query, "--until-idle", "--media-processes", "1") == 0  # none queued
    assert run_cli("run", samples / "retake_sample.otio", "-o", tmp_path / "o.otio", "--journal", in_query,
                   "--workspace", tmp_path / "ws", "--marker-prefix", "sky", "--queue", *NO_CONTEXT) == 0
    assert run_cli("status", "--journal", all_in_query) == 0
    assert run_cli("status", "--journal", in_user_part) == 0
    printed = capsys.readouterr()
    shown = printed.out + printed.err
    assert "worker " in shown and "queued 1 job(s)" in shown and "password=***" in shown and f"{name}:***@" in shown
    assert run_cli("status", "--journal", in_query, "--json") == 0
    assert json.loads(capsys.readouterr().out)["journal"] == redact_url(in_query)
    with psycopg.connect(admin) as conn:  # what the journal keeps: the run's arguments and the queued settings
        stored = json.dumps([r[0] for r in conn.execute("SELECT arguments FROM runs")] +
                            [r[0] for r in conn.execute("SELECT settings FROM queued_runs")])
    assert stored.count("password=***") == 2
    for spelling in spellings:
        assert spelling not in shown and spelling not in stored
    # errors: the password is scrubbed in every spelling, and a wrong one given in the query is not shown either
    raw = f"postgresql://{name}@127.0.0.1:{port}/{name}?password=p@ss:w/rd%2520x"  # the same, spelt otherwise
    for url, written in ((in_query, encoded), (raw, "p@ss:w/rd%2520x")):  # as written, decoded, encoded
        assert parse_postgres_url(url).scrub(f"a {written} b {SPECIAL} c {encoded} d") == "a *** b *** c *** d"
    wrong = in_query.replace(encoded, quote("wr@ng/pw", safe=""))
    with pytest.raises(JournalError) as info:
        open_journal(wrong, retry_seconds=0.3)
    assert "wr@ng" not in str(info.value) and "wr%40ng" not in str(info.value) and "password=***" in str(info.value)


def test_a_journal_value_that_is_not_a_url_is_refused_by_name_and_nothing_is_created(samples, tmp_path, monkeypatch,
                                                                                     capsys):
    here = tmp_path / "cwd"
    here.mkdir()
    monkeypatch.chdir(here)
    monkeypatch.setenv("OTIO_RETAKE_JOURNAL", "garbage")
    assert run_cli("status") == 2
    said = capsys.readouterr().err
    assert "OTIO_RETAKE_JOURNAL: 'garbage' is not a journal URL" in said and f"sqlite://{here}/garbage" in said
    assert run_cli("run", samples / "retake_sample.otio", "-o", here / "o.otio", *NO_CONTEXT) == 2  # before work
    assert "OTIO_RETAKE_JOURNAL: 'garbage' is not a journal URL" in capsys.readouterr().err
    monkeypatch.delenv("OTIO_RETAKE_JOURNAL")
    assert run_cli("status", "--journal", "postgres//retake:s3cret@127.0.0.1/j1") == 2  # a typo of the scheme
    said = capsys.readouterr().err
    assert "--journal: the value given is not a journal URL" in said and "lacks its '://'" in said
    assert "s3cret" not in said and "127.0.0.1" not in said  # a mistyped URL may hold a password: not echoed
    for command in ("cancel", "worker"):
        assert run_cli(command, "--journal", "jobs.sqlite") == 2
        assert "'jobs.sqlite' is not a journal URL" in capsys.readouterr().err
    assert list(here.iterdir()) == [] and not (samples / "retake_sample.retake").exists()  # no ./garbage, no
    # ./postgres/retake@127.0.0.1/j1, no workspace
    with pytest.raises(JournalError, match="is not a journal URL"):
        open_journal(str(here / "x.sqlite"))  # a string is a URL; Python callers may pass a Path for a file
    assert list(here.iterdir()) == []


def test_commands_that_read_a_journal_refuse_a_sqlite_file_that_does_not_exist_and_run_makes_one(samples, tmp_path,
                                                                                                capsys):
    missing = tmp_path / "nonexistent" / "dir" / "x.sqlite"
    for command in ("status", "cancel", "resume", "worker"):
        assert run_cli(command, "--journal", f"sqlite:///{missing}") == 2
        said = capsys.readouterr().err
        assert f"{missing}: no journal there (nothing was created)" in said
        assert ("queue a run into it first" if command == "worker" else "makes none itself") in said
    assert not (tmp_path / "nonexistent").exists()
    with pytest.raises(JournalError, match="no journal there"):
        open_journal(f"sqlite:///{missing}", create=False)
    assert run_cli("run", samples / "retake_sample.otio", "-o", tmp_path / "o.otio", "--journal",
                   f"sqlite:///{missing}", "--marker-prefix", "sky", *NO_CONTEXT) == 0  # run makes it, folders and all
    assert missing.is_file()
    assert run_cli("status", "--journal", f"sqlite:///{missing}") == 0
    assert "1 job(s)" in capsys.readouterr().out


def test_a_sqlite_journal_url_naming_a_folder_says_so_and_to_name_a_file_in_it(samples, tmp_path, capsys):
    folder = tmp_path / "journals"
    folder.mkdir()
    for args in (("status",), ("run", samples / "retake_sample.otio", "-o", tmp_path / "o.otio", *NO_CONTEXT)):
        assert run_cli(*args, "--journal", f"sqlite://{folder}") == 2
        said = capsys.readouterr().err
        assert f"{folder} is a folder, not a journal file" in said
        assert f"name a file in it, e.g. sqlite://{folder}/jobs.sqlite" in said and "move it aside" not in said
    assert list(folder.iterdir()) == []


def test_a_refused_login_or_a_missing_database_is_said_at_once_with_what_to_fix(postgres_server, monkeypatch, capsys):
    from otio_retake.jobs.store.base import RETRY_ENV
    monkeypatch.setenv(RETRY_ENV, "30")  # a server that is down is waited for this long: these are not
    port = postgres_server.port
    for url in (postgres_server.url().replace(PASSWORD, "wr0ng-5ECRET"),
                f"postgresql://nobody:x@127.0.0.1:{port}/postgres"):  # no such role: the server says the same
        started = time.monotonic()
        with pytest.raises(JournalError, match="refused the login: .*password authentication failed") as info:
            open_journal(url)
        assert time.monotonic() - started < 5
        assert "PGPASSWORD" in info.value.hint and "~/.pgpass" in info.value.hint and "%40" in info.value.hint
        assert "up and reachable" not in info.value.hint and "wr0ng-5ECRET" not in str(info.value)
    started = time.monotonic()
    assert run_cli("status", "--journal", postgres_server.url("no_such_journal_db")) == 2
    said = capsys.readouterr().err
    assert time.monotonic() - started < 5
    assert 'has no such database: ' in said and 'database "no_such_journal_db" does not exist' in said
    assert "createdb" in said and "fix the database name" in said and "up and reachable" not in said
    assert PASSWORD not in said


def test_which_connection_errors_are_not_worth_retrying():
    from otio_retake.jobs.store.postgres import LOGIN_HINT, NO_DATABASE_HINT, NOT_ALLOWED_HINT, refused_for_good

    class Failed(Exception):
        def __init__(self, text, sqlstate=None):
            super().__init__(text)
            self.sqlstate = sqlstate

    where = 'connection failed: connection to server at "db", port 5432 failed: '
    assert refused_for_good(Failed("x", "28P01"))[1] == LOGIN_HINT  # a SQLSTATE is trusted first
    assert refused_for_good(Failed("x", "28000"))[1] == LOGIN_HINT
    assert refused_for_good(Failed("x", "3D000"))[1] == NO_DATABASE_HINT
    assert refused_for_good(Failed(where + 'FATAL:  Peer authentication failed for user "a"'))[1] == LOGIN_HINT
    assert refused_for_good(Failed(where + "fe_sendauth: no password supplied"))[1] == LOGIN_HINT
    assert refused_for_good(Failed(where + 'FATAL:  no pg_hba.conf entry for host "10.0.0.9", user "a", '
                                           'database "b", no encryption'))[1] == NOT_ALLOWED_HINT
    assert refused_for_good(Failed(where + 'FATAL:  database "reels" does not exist'))[1] == NO_DATABASE_HINT
    for passing in ("Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?",
                    "FATAL:  the database system is starting up", "FATAL:  sorry, too many clients already",
                    "server closed the connection unexpectedly", "timeout expired"):
        assert refused_for_good(Failed(where + passing)) is None  # a failover, a restart: waited out
    assert refused_for_good(Failed("x", "57P01")) is None  # admin_shutdown


def test_the_retry_window_is_set_by_its_variable_and_a_bad_one_is_refused_by_name(monkeypatch):
    from otio_retake.jobs.store.base import RETRY_ENV
    closed = f"postgresql://retake:{PASSWORD}@127.0.0.1:1/none"
    monkeypatch.setenv(RETRY_ENV, "soon")
    with pytest.raises(JournalError, match=f"{RETRY_ENV}='soon' is not a number of seconds"):
        open_journal(closed)
    monkeypatch.setenv(RETRY_ENV, "1")
    started = time.monotonic()
    with pytest.raises(JournalError, match="could not reach the journal"):
        open_journal(closed)  # nothing listens on port 1: retried (0.1 s, 0.2 s, ...) within the second asked for
    assert 0.5 <= time.monotonic() - started < 5


def test_run_status_and_resume_on_a_postgres_journal_never_show_its_password(samples, tmp_path, pg_url, capsys):
    out = tmp_path / "o.otio"
    assert run_cli("run", samples / "retake_sample.otio", "-o", out, "--journal", pg_url,
                   "--workspace", tmp_path / "ws", *NO_CONTEXT) == 0
    printed = capsys.readouterr()
    assert "3 job(s) submitted" in printed.out and out.exists()
    assert not (tmp_path / "ws" / "jobs.sqlite").exists()  # the shared journal, not the workspace's file
    journal = open_journal(pg_url)
    assert [r.state for r in journal.all()] == [JobState.TAKE_READY] * 3
    assert all(r.claimed_by is None for r in journal.all())  # claims released when done
    stored = json.dumps(journal.last_run())
    assert PASSWORD not in stored and "retake:***@" in stored
    assert run_cli("status", "--journal", pg_url, "--json") == 0
    rows = json.loads(capsys.readouterr().out)["jobs"]
    assert [r["state"] for r in rows] == ["take_ready"] * 3
    assert run_cli("status", "--journal", pg_url) == 0
    shown = capsys.readouterr()
    assert PASSWORD not in shown.out + shown.err and "retake:***@" in shown.out
    out.unlink()  # as after a run that did not finish
    assert run_cli("resume", "--journal", pg_url) == 0  # the URL is given again, its password is not stored
    resumed = capsys.readouterr()
    assert "0 job(s) submitted, 3 reused" in resumed.out and PASSWORD not in resumed.out + resumed.err


def test_the_journal_variable_names_the_journal(samples, tmp_path, pg_url, monkeypatch, capsys):
    monkeypatch.setenv("OTIO_RETAKE_JOURNAL", pg_url)
    assert run_cli("run", samples / "retake_sample.otio", "-o", tmp_path / "o.otio", "--marker-prefix", "sky",
                   "--workspace", tmp_path / "ws", *NO_CONTEXT) == 0
    assert [r.range_name for r in open_journal(pg_url).all()] == ["sky"]
    capsys.readouterr()
    assert run_cli("status", "--json") == 0
    assert [r["range"] for r in json.loads(capsys.readouterr().out)["jobs"]] == ["sky"]


def test_host_places_and_budgets_are_the_journals(store_url, lease_clock):
    a, b = open_journal(store_url), open_journal(store_url)
    assert a.take_slot("ltx", 2, "w1", "k1", 1.0) == 0
    assert b.take_slot("ltx", 2, "w2", "k2", 1.0) == 1
    assert b.take_slot("ltx", 2, "w3", "k3", 1.0) is None  # the host's two places are held
    assert b.take_slot("fal", 2, "w3", "k3", 1.0) == 0  # another host's are not
    assert {(s["host"], s["claimed_by"]) for s in a.slots()} == {("ltx", "w1"), ("ltx", "w2"), ("fal", "w3")}
    a.release_slot("ltx", 0, "w1")
    assert b.take_slot("ltx", 2, "w3", "k3", 1.0) == 0
    lease_clock.advance(0.6)
    a.renew("w2", 1.0)
    lease_clock.advance(0.6)  # w3's place lapsed, w2's was renewed
    assert b.take_slot("ltx", 2, "w4", "k4", 1.0) == 0 and b.take_slot("ltx", 2, "w5", "k5", 1.0) is None
    assert a.spend("reel1", 1.0, "k1", 1) == (False, 0.0, None)  # no budget set: nothing is charged to it
    a.set_budget("reel1", 2.5)
    assert a.spend("reel1", 1.0, "k1", 1) == (True, 1.0, 2.5)
    assert b.spend("reel1", 1.0, "k2", 1) == (True, 2.0, 2.5)
    assert a.spend("reel1", 1.0, "k3", 1) == (False, 2.0, 2.5)  # would go past it
    assert b.spend("reel1", 0.5, "k4", 1) == (True, 2.5, 2.5)
    a.set_budget("reel1", 4)  # raised: what was spent stays
    assert b.budgets() == [{"scope": "reel1", "limit_usd": 4.0, "spent_usd": 2.5}]
    # One charge per paid attempt: the same attempt asked again (a lost submit sent again) is not charged twice,
    # from either connection; the next attempt (a job submitted again after a failure) is.
    assert a.spend("reel1", 1.0, "k1", 1) == (True, 2.5, 4.0)
    assert b.spend("reel1", 1.0, "k1", 1) == (True, 2.5, 4.0)
    assert b.spend("reel1", 1.0, "k1", 2) == (True, 3.5, 4.0)
    assert a.spend("reel1", 1.0, "k1", 2) == (True, 3.5, 4.0)
    assert b.budgets()[0]["spent_usd"] == 3.5


def test_the_queue_hands_each_job_to_one_worker_and_takes_back_a_dead_ones(store_url, lease_clock):
    a, b = open_journal(store_url), open_journal(store_url)
    for key in ("k1", "k2", "k3"):
        a.plan(key, range_name=key, takes="A", provider="ltx", model="m", cost_estimate=1)
    assert a.claim_next("w1", 1.0) is None and a.queue_busy() == 0  # planned, not queued
    a.queue_run("run1", {"provider": "ltx", "workspace": "/srv/ws"}, ["k1", "k2"])
    assert b.queued_run("run1") == {"provider": "ltx", "workspace": "/srv/ws"} and b.queued_run("nope") is None
    assert a.claim_next("w1", 1.0) == ("k1", "run1", None)
    assert b.claim_next("w2", 1.0) == ("k2", "run1", None)  # the next one, never the same
    assert b.claim_next("w3", 1.0) is None and a.queue_busy() == 2  # all held: nothing to take, still busy
    a.move("k2", JobState.TAKE_READY)
    b.release("k2", "w2")
    lease_clock.advance(1.1)  # w1 died: its lease ran out
    assert b.claim_next("w3", 5.0) == ("k1", "run1", "w1")  # taken over, and says from whom
    assert a.queue_busy() == 1
    a.move("k1", JobState.FAILED, error="x")  # needs a person: no worker takes it again
    b.release("k1", "w3")
    assert a.claim_next("w1", 1.0) is None and a.queue_busy() == 0


def test_job_ids_held_at_a_host_runs_by_id_and_live_claims_are_one_query_each(store_url, lease_clock):
    a, b = open_journal(store_url), open_journal(store_url)
    for key, host in (("k1", "gmi"), ("k2", "gmi"), ("k3", "oxen"), ("k4", "gmi")):
        a.plan(key, range_name=key, takes="A", provider=host, model="m", cost_estimate=1)
    a.move("k1", JobState.SUBMITTED, handle=JobHandle("gmi", "job-1"))
    a.move("k2", JobState.SUBMITTED, handle=JobHandle("gmi", "job-2"))
    a.move("k3", JobState.SUBMITTED, handle=JobHandle("oxen", "job-3"))
    assert b.held_job_ids("gmi", "k1") == {"job-2"}  # not the asking row's own, not another host's
    assert b.held_job_ids("gmi", "k4") == {"job-1", "job-2"}
    a.move("k2", JobState.PLANNED, handle=None, attempt=2)  # a new attempt: its old job is no longer held
    assert b.held_job_ids("gmi", "k4") == {"job-1"} and b.held_job_ids("ltx", "k4") == set()
    first = a.record_run({"timeline": "/cut/r1.otio"})
    second = b.record_run({"timeline": "/cut/r2.otio"}, run_id="queued-0001")
    assert second == "queued-0001" and len(first) == 12 and first != second
    assert [r["run_id"] for r in b.runs()] == ["queued-0001", first]  # newest first
    assert [r["run_id"] for r in b.runs(limit=1)] == ["queued-0001"]
    assert a.find_run(first)["arguments"] == {"timeline": "/cut/r1.otio"} and a.find_run("nope") is None
    assert a.claim("k1", "host-a:1", 5.0) == "free" and b.claim("k3", "host-b:2", 0.5) == "free"
    claims = {c["plan_key"]: c for c in b.claims()}
    assert set(claims) == {"k1", "k3"} and claims["k1"]["claimed_by"] == "host-a:1"
    assert 4 < claims["k1"]["seconds_left"] <= 5 and claims["k1"]["range_name"] == "k1"
    lease_clock.advance(0.6)
    assert [c["plan_key"] for c in a.claims()] == ["k1"]  # a lapsed lease is no claim


def test_status_json_shows_runs_claims_host_places_and_budgets(store_url, lease_clock, capsys):
    from otio_retake.contract import JournalStatus
    journal = open_journal(store_url)
    for key, name in (("k1", "sky"), ("k2", "crossing"), ("k3", "line")):
        journal.plan(key, range_name=name, takes="A", provider="ltx", model="m", cost_estimate=1.5)
    journal.move("k3", JobState.SUBMITTED, handle=JobHandle("ltx", "job-3"))
    first = journal.record_run({"timeline": "/cut/reel1.otio", "output": "/cut/o.otio", "provider": "ltx"})
    journal.queue_run("q1", {"provider": "ltx"}, ["k1"])
    journal.record_run({"timeline": "/cut/reel2.otio", "provider": "ltx", "workspace": "/srv/ws"}, run_id="q1")
    assert journal.claim("k1", "host-a:11:aa", 30.0) == "free"
    assert journal.take_slot("ltx", 2, "host-a:11:aa", "k1", 30.0) == 0
    journal.set_budget("reel1", 10.0)
    journal.spend("reel1", 1.5, "k1", 1)
    assert run_cli("status", "--journal", store_url, "--json") == 0
    status = JournalStatus.model_validate_json(capsys.readouterr().out)  # the contract's model, keys and all
    assert status.journal == journal.url
    # (planned within one millisecond: the journal's order is then by range name)
    assert sorted((j.range, j.state) for j in status.jobs) == [("crossing", "planned"), ("line", "submitted"),
                                                               ("sky", "planned")]
    assert {j.range: j.job_id for j in status.jobs}["line"] == "job-3"
    assert status.by_state == {"planned": 2, "submitted": 1}
    assert [(r.run_id, r.timeline, r.queued) for r in status.runs] == [("q1", "/cut/reel2.otio", True),
                                                                        (first, "/cut/reel1.otio", False)]
    [claim] = status.claims
    assert (claim.range, claim.plan_key, claim.holder) == ("sky", "k1", "host-a:11:aa")
    assert 25 < claim.seconds_left <= 30
    [place] = status.places
    assert (place.host, place.place, place.holder) == ("ltx", 1, "host-a:11:aa") and 25 < place.seconds_left <= 30
    [budget] = status.budgets
    assert (budget.scope, budget.limit_usd, budget.spent_usd, budget.left_usd) == ("reel1", 10.0, 1.5, 8.5)
    assert run_cli("status", "--journal", store_url) == 0
    shown = " ".join(capsys.readouterr().out.split())
    assert re.search(r"host-a:11:aa \(30 s left\)", shown) and "ltx place 1: host-a:11:aa" in shown
    assert f"run {first}" in shown and "budget 'reel1': $1.50 spent of $10.00" in shown


def test_resume_on_a_shared_journal_resumes_the_run_asked_for_and_says_which(samples, tmp_path, pg_url, capsys):
    import shutil
    other = tmp_path / "reel2" / "reel2.otio"  # a second timeline (same media, found beside the first)
    other.parent.mkdir()
    shutil.copy(samples / "retake_sample.otio", other)
    first, second = tmp_path / "o1.otio", tmp_path / "o2.otio"
    assert run_cli("run", samples / "retake_sample.otio", "-o", first, "--journal", pg_url, "--workspace",
                   tmp_path / "ws1", "--marker-prefix", "sky", *NO_CONTEXT) == 0
    assert run_cli("run", other, "-o", second, "--journal", pg_url, "--workspace", tmp_path / "ws2",
                   "--media-dir", samples / "media", "--marker-prefix", "crossing", *NO_CONTEXT) == 0
    capsys.readouterr()
    assert run_cli("status", "--journal", pg_url, "--json") == 0
    runs = json.loads(capsys.readouterr().out)["runs"]
    assert [Path(r["timeline"]).name for r in runs] == ["reel2.otio", "retake_sample.otio"]
    first.unlink()
    second.unlink()
    # Whose run? The facility's latest is someone else's timeline: asked, with the runs listed, nothing run.
    assert run_cli("resume", "--journal", pg_url) == 2
    said = capsys.readouterr().err
    assert "runs of 2 timelines" in said and runs[0]["run_id"] in said and runs[1]["run_id"] in said
    assert not first.exists() and not second.exists()
    # The timeline's own latest run.
    assert run_cli("resume", "--journal", pg_url, samples / "retake_sample.otio") == 0
    printed = capsys.readouterr()
    assert f"resuming run {runs[1]['run_id']} of " in printed.err and "retake_sample.otio" in printed.err
    assert "0 job(s) submitted, 1 reused" in printed.out and first.exists() and not second.exists()
    # A run by its id.
    assert run_cli("resume", "--journal", pg_url, "--run", runs[0]["run_id"]) == 0
    printed = capsys.readouterr()
    assert f"resuming run {runs[0]['run_id']} of " in printed.err and second.exists()
    assert run_cli("resume", "--journal", pg_url, "--run", "nope") == 2
    assert "no run 'nope'" in capsys.readouterr().err
    assert run_cli("resume", "--journal", pg_url, tmp_path / "elsewhere.otio") == 2
    assert "no run of" in capsys.readouterr().err


def test_resume_of_a_workspace_takes_its_last_run_or_the_one_asked_for(samples, tmp_path, capsys):
    ws, out, every = tmp_path / "ws", tmp_path / "o.otio", tmp_path / "all.otio"
    assert run_cli("run", samples / "retake_sample.otio", "-o", out, "--workspace", ws, "--marker-prefix",
                   "sky", *NO_CONTEXT) == 0
    assert run_cli("run", samples / "retake_sample.otio", "-o", every, "--workspace", ws, *NO_CONTEXT) == 0
    latest, older = Journal(ws / "jobs.sqlite").runs()
    out.unlink()
    every.unlink()
    capsys.readouterr()
    assert run_cli("resume", ws) == 0  # as before: the workspace's last run
    assert f"resuming run {latest['run_id']}" in capsys.readouterr().err
    assert every.exists() and not out.exists()
    assert run_cli("resume", ws, "--run", older["run_id"]) == 0  # or the one asked for
    assert f"resuming run {older['run_id']}" in capsys.readouterr().err and out.exists()


def test_a_run_given_relative_paths_is_recorded_with_absolute_ones(samples, tmp_path, pg_url, monkeypatch, capsys):
    """A shared journal is read from other folders and machines: the paths a run was given relative to its
    folder are stored absolute, so `status` says where they are and `resume` or `cancel` of the timeline finds the run from anywhere."""
    monkeypatch.chdir(samples)
    (samples / "out").mkdir()
    assert run_cli("run", "retake_sample.otio", "-o", "out/a.otio", "--journal", pg_url, "--marker-prefix", "sky",
                   "--context", "0", "--workspace", "ws") == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    capsys.readouterr()
    assert run_cli("status", "--journal", pg_url, "--json") == 0
    [run] = json.loads(capsys.readouterr().out)["runs"]
    assert run["timeline"] == str((samples / "retake_sample.otio").resolve())
    assert run["output"] == str((samples / "out" / "a.otio").resolve())
    assert run["workspace"] == str((samples / "ws").resolve())
    assert run_cli("cancel", "--journal", pg_url, samples / "retake_sample.otio") == 0  # its run is found
    assert f"0 job(s) cancelled (run {run['run_id']})" in capsys.readouterr().out
    assert list(elsewhere.iterdir()) == []  # nothing written here


def test_a_jobs_state_is_a_closed_type_stored_as_its_word(tmp_path):
    from otio_retake.model import JOB_STATE_ORDER
    assert JobState("submitted") is JobState.SUBMITTED and f"{JobState.SUBMITTED}" == "submitted"
    with pytest.raises(ValueError):
        JobState("finished")  # no such state: never written
    assert JOB_STATE_ORDER[0] == "planned" and JOB_STATE_ORDER[-1] == JobState.TAKE_READY
    journal = open_journal(tmp_path / "jobs.sqlite")
    journal.plan("k", range_name="sky", takes="A", provider="fal", model="m", cost_estimate=1)
    with pytest.raises(ValueError):
        journal.move("k", "finished")
    row = sqlite3.connect(tmp_path / "jobs.sqlite").execute("SELECT state FROM jobs").fetchone()
    assert row == ("planned",) and type(journal.get("k").state) in (str, JobState)
