"""The default journal: one SQLite file (WAL) per workspace, ``<workspace>/jobs.sqlite``.

Several processes on one machine may share it: every write is a ``BEGIN
IMMEDIATE`` transaction, and claims are taken inside one, so two runners never
both hold a job. Leases are timed by this machine's clock (one machine).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from ...errors import JournalError
from .base import (ALL_STATES, JOURNAL_NAME, UNPAID_STEPS, WORKABLE_STATES, Claim, JobRecord, JobState, Store,
                   charge_budget, encode_fields, new_run_id, run_row)
from .migrations import LATEST, MIGRATIONS

__all__ = ["SQLiteJournal"]


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


class SQLiteJournal(Store):
    """One SQLite file; every write is its own committed transaction."""

    def _lease_now(self) -> float:
        return self.lease_clock() if self.lease_clock is not None else time.time()

    def __init__(self, path: str | Path, *, create: bool = True, missing_hint: str | None = None) -> None:
        """``create=False``: refuse a file that does not exist (``missing_hint`` says what to do) instead of
        making it and its folders (commands that only read or work on a journal someone made)."""
        self.path = Path(path)
        self.url = f"sqlite:///{self.path}"
        if self.path.is_dir():
            raise JournalError(f"{self.path} is a folder, not a journal file",
                               hint=f"name a file in it, e.g. sqlite://{(self.path / JOURNAL_NAME).absolute()} "
                                    "(`otio-retake run` makes it)")
        if create:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise JournalError(f"{self.path.parent}: cannot make the journal's folder ({exc.strerror})",
                                   hint="check the path, and that this user may write there") from None
        elif not self.path.exists():
            raise JournalError(f"{self.path}: no journal there (nothing was created)",
                               hint=missing_hint or "check the path; a journal is made by the first "
                                                    "`otio-retake run --journal sqlite:///PATH`")
        self._lock = threading.Lock()  # the runner writes from worker threads too
        try:
            # mode=rw: a file removed since the check above is an error, not a new empty journal
            target, uri = (str(self.path), False) if create else (self.path.absolute().as_uri() + "?mode=rw", True)
            self._db = sqlite3.connect(target, uri=uri, check_same_thread=False, isolation_level=None, timeout=30)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")  # a state written is a state that survives a power cut
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise JournalError(f"{self.path}: cannot open the journal ({exc})",
                               hint="is it an otio-retake journal? move it aside to start the workspace afresh "
                                    "(finished takes are then made again)") from None

    @classmethod
    def for_workspace(cls, root: Path) -> SQLiteJournal:
        return cls(Path(root) / JOURNAL_NAME)

    # -------------------------------------------------------------------------- schema
    def _version(self) -> int:
        tables = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "schema_version" in tables:
            row = self._db.execute("SELECT MAX(version) FROM schema_version").fetchone()
            return row[0] or 0
        return 1 if "jobs" in tables else 0  # a journal from before versioning is version 1

    def _migrate(self) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")  # one process upgrades; the others wait, then find it done
            try:
                version = self._version()
                if version > LATEST:
                    raise JournalError(
                        f"{self.path}: the journal was written by a newer otio-retake (schema {version}; this "
                        f"one knows up to {LATEST})", hint="upgrade otio-retake on this machine")
                self._db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
                                 "applied_at TEXT NOT NULL, why TEXT NOT NULL)")
                if version == 1 and not self._db.execute("SELECT 1 FROM schema_version").fetchone():
                    self._db.execute("INSERT INTO schema_version VALUES (1, ?, ?)",
                                     (_now(), "found: written before the schema was versioned"))
                for step in MIGRATIONS:
                    if step.version > version:
                        for sql in step.sqlite:
                            self._db.execute(sql)
                        self._db.execute("INSERT INTO schema_version VALUES (?, ?, ?)",
                                         (step.version, _now(), step.why))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def schema_version(self) -> int:
        with self._lock:
            return self._version()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _tx(self, body):
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                result = body(self._db)
                self._db.execute("COMMIT")
                return result
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    # -------------------------------------------------------------------------- jobs
    def get(self, plan_key: str) -> JobRecord | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM jobs WHERE plan_key = ?", (plan_key,)).fetchone()
        return JobRecord.from_row(row) if row else None

    def all(self) -> list[JobRecord]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM jobs ORDER BY created_at, range_name, takes").fetchall()
        return [JobRecord.from_row(r) for r in rows]

    def plan(self, plan_key: str, *, range_name: str, takes: str, provider: str, model: str,
             cost_estimate: float) -> JobRecord:
        now = _now()

        def body(db):
            row = db.execute("SELECT * FROM jobs WHERE plan_key = ?", (plan_key,)).fetchone()
            if row is None:
                db.execute("INSERT INTO jobs (plan_key, range_name, takes, provider, model, state, cost_estimate, "
                           "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           (plan_key, range_name, takes, provider, model, JobState.PLANNED, cost_estimate, now, now))
                db.execute("INSERT INTO events (plan_key, at, state, detail) VALUES (?, ?, ?, ?)",
                           (plan_key, now, JobState.PLANNED, None))
                row = db.execute("SELECT * FROM jobs WHERE plan_key = ?", (plan_key,)).fetchone()
            return row

        return JobRecord.from_row(self._tx(body))

    def move(self, plan_key: str, state: str, *, detail: str | None = None, **fields) -> None:
        if state not in ALL_STATES:
            raise ValueError(f"unknown job state {state!r}")
        encoded = encode_fields(fields)
        now = _now()
        columns = ", ".join(f"{k} = ?" for k in encoded)
        sql = f"UPDATE jobs SET state = ?, updated_at = ?{', ' + columns if columns else ''} WHERE plan_key = ?" + (
            " AND state <> 'cancelled'" if state in UNPAID_STEPS else "")  # see UNPAID_STEPS

        def body(db):
            if db.execute(sql, (state, now, *encoded.values(), plan_key)).rowcount:
                db.execute("INSERT INTO events (plan_key, at, state, detail) VALUES (?, ?, ?, ?)",
                           (plan_key, now, state, detail))

        self._tx(body)

    def events(self, plan_key: str) -> list[tuple[str, str | None]]:
        with self._lock:
            rows = self._db.execute("SELECT state, detail FROM events WHERE plan_key = ? ORDER BY id",
                                    (plan_key,)).fetchall()
        return [(r["state"], r["detail"]) for r in rows]

    def record_run(self, arguments: dict, run_id: str | None = None, plan_keys: Iterable[str] = ()) -> str:
        run_id = run_id or new_run_id()

        def body(db):
            db.execute("INSERT INTO runs (started_at, arguments, run_id) VALUES (?, ?, ?)",
                       (_now(), json.dumps(arguments), run_id))
            db.executemany("INSERT OR IGNORE INTO run_jobs (run_id, plan_key) VALUES (?, ?)",
                           [(run_id, key) for key in plan_keys])

        self._tx(body)
        return run_id

    def run_job_keys(self, run_id: str) -> list[str]:
        with self._lock:
            rows = self._db.execute("SELECT plan_key FROM run_jobs WHERE run_id = ? UNION "
                                    "SELECT plan_key FROM jobs WHERE run_id = ?", (run_id, run_id)).fetchall()
        return sorted(r["plan_key"] for r in rows)

    def runs_with_job(self, plan_key: str) -> list[str]:
        with self._lock:
            rows = self._db.execute("SELECT r.run_id FROM run_jobs j JOIN runs r ON r.run_id = j.run_id "
                                    "WHERE j.plan_key = ? ORDER BY r.id", (plan_key,)).fetchall()
        return [r["run_id"] for r in rows]

    def cancel(self, plan_key: str, detail: str) -> None:
        now = _now()

        def body(db):
            db.execute("UPDATE jobs SET state = ?, updated_at = ?, claimed_by = NULL, lease_until = NULL "
                       "WHERE plan_key = ?", (JobState.CANCELLED, now, plan_key))
            db.execute("INSERT INTO events (plan_key, at, state, detail) VALUES (?, ?, ?, ?)",
                       (plan_key, now, JobState.CANCELLED, detail))

        self._tx(body)

    def last_run(self) -> dict | None:
        with self._lock:
            row = self._db.execute("SELECT arguments FROM runs ORDER BY id DESC LIMIT 1").fetchone()
        return json.loads(row["arguments"]) if row else None

    def runs(self, limit: int | None = None) -> list[dict]:
        with self._lock:
            rows = self._db.execute("SELECT id, run_id, started_at, arguments FROM runs ORDER BY id DESC LIMIT ?",
                                    (-1 if limit is None else limit,)).fetchall()
        return [run_row(r) for r in rows]

    def find_run(self, run_id: str) -> dict | None:
        with self._lock:
            row = self._db.execute("SELECT id, run_id, started_at, arguments FROM runs WHERE run_id = ?",
                                   (run_id,)).fetchone()
        return run_row(row) if row else None

    def events_since(self, after_id: int, *, since: str | None = None, until: str | None = None
                     ) -> list[tuple[int, str, str, str, str, str | None]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT e.id, e.at, j.range_name, j.takes, e.state, e.detail FROM events e JOIN jobs j ON "
                "j.plan_key = e.plan_key WHERE e.id > ? AND e.at >= ? AND e.at < ? ORDER BY e.id",
                (after_id, since or "", until or "9999")).fetchall()
        return [tuple(r) for r in rows]

    # -------------------------------------------------------------------------- claims
    def claim(self, plan_key: str, owner: str, lease_seconds: float, *, dead: str | None = None) -> str | None:
        def body(db):
            row = db.execute("SELECT claimed_by, lease_until FROM jobs WHERE plan_key = ?", (plan_key,)).fetchone()
            if row is None:
                raise KeyError(plan_key)
            now = self._lease_now()
            held = row["claimed_by"] is not None and (row["lease_until"] or 0) > now
            if held and row["claimed_by"] not in (owner, dead):
                return None
            db.execute("UPDATE jobs SET claimed_by = ?, lease_until = ? WHERE plan_key = ?",
                       (owner, now + lease_seconds, plan_key))
            if row["claimed_by"] is None:
                return "free"
            return "own" if row["claimed_by"] == owner else row["claimed_by"]

        return self._tx(body)

    def renew(self, owner: str, lease_seconds: float) -> int:
        until = self._lease_now() + lease_seconds

        def body(db):
            db.execute("UPDATE host_slots SET lease_until = ? WHERE claimed_by = ?", (until, owner))
            return db.execute("UPDATE jobs SET lease_until = ? WHERE claimed_by = ?", (until, owner)).rowcount

        return self._tx(body)

    def release(self, plan_key: str, owner: str) -> None:
        self._tx(lambda db: db.execute("UPDATE jobs SET claimed_by = NULL, lease_until = NULL "
                                       "WHERE plan_key = ? AND claimed_by = ?", (plan_key, owner)))

    def holder(self, plan_key: str) -> Claim | None:
        with self._lock:
            row = self._db.execute("SELECT claimed_by, lease_until FROM jobs WHERE plan_key = ?",
                                   (plan_key,)).fetchone()
        if row is None or row["claimed_by"] is None:
            return None
        left = (row["lease_until"] or 0) - self._lease_now()
        return Claim(row["claimed_by"], left) if left > 0 else None

    def claims(self) -> list[dict]:
        now = self._lease_now()
        with self._lock:
            rows = self._db.execute("SELECT plan_key, range_name, takes, claimed_by, lease_until FROM jobs WHERE "
                                    "claimed_by IS NOT NULL AND lease_until > ? ORDER BY range_name, takes",
                                    (now,)).fetchall()
        return [{"plan_key": r["plan_key"], "range_name": r["range_name"], "takes": r["takes"],
                 "claimed_by": r["claimed_by"], "seconds_left": r["lease_until"] - now} for r in rows]

    def held_job_ids(self, provider: str, other_than: str) -> set[str]:
        with self._lock:
            rows = self._db.execute("SELECT job_id FROM jobs WHERE provider = ? AND job_id IS NOT NULL AND "
                                    "plan_key <> ?", (provider, other_than)).fetchall()
        return {r[0] for r in rows}

    # -------------------------------------------------------------------------- a facility's limits
    def take_slot(self, host: str, limit: int, owner: str, plan_key: str, lease_seconds: float) -> int | None:
        def body(db):
            db.executemany("INSERT OR IGNORE INTO host_slots (host, slot) VALUES (?, ?)",
                           [(host, n) for n in range(limit)])
            now = self._lease_now()
            row = db.execute("SELECT slot FROM host_slots WHERE host = ? AND slot < ? AND (claimed_by IS NULL OR "
                             "lease_until < ?) ORDER BY slot LIMIT 1", (host, limit, now)).fetchone()
            if row is None:
                return None
            db.execute("UPDATE host_slots SET claimed_by = ?, plan_key = ?, lease_until = ? WHERE host = ? AND "
                       "slot = ?", (owner, plan_key, now + lease_seconds, host, row["slot"]))
            return row["slot"]

        return self._tx(body)

    def release_slot(self, host: str, slot: int, owner: str) -> None:
        self._tx(lambda db: db.execute("UPDATE host_slots SET claimed_by = NULL, plan_key = NULL, lease_until = NULL "
                                       "WHERE host = ? AND slot = ? AND claimed_by = ?", (host, slot, owner)))

    def slots(self) -> list[dict]:
        with self._lock:
            rows = self._db.execute("SELECT host, slot, claimed_by, plan_key, lease_until FROM host_slots WHERE "
                                    "claimed_by IS NOT NULL AND lease_until > ? ORDER BY host, slot",
                                    (self._lease_now(),)).fetchall()
        return [{"host": r["host"], "slot": r["slot"], "claimed_by": r["claimed_by"], "plan_key": r["plan_key"],
                 "seconds_left": r["lease_until"] - self._lease_now()} for r in rows]

    def set_budget(self, scope: str, limit_usd: float) -> None:
        self._tx(lambda db: db.execute("INSERT INTO budgets (scope, limit_usd) VALUES (?, ?) ON CONFLICT (scope) "
                                       "DO UPDATE SET limit_usd = excluded.limit_usd", (scope, limit_usd)))

    def spend(self, scope: str, usd: float, plan_key: str, attempt: int) -> tuple[bool, float, float | None]:
        return self._tx(lambda db: charge_budget(lambda sql, params: db.execute(sql, params).fetchone(),
                                                 scope, usd, plan_key, attempt, _now()))

    def budgets(self) -> list[dict]:
        with self._lock:
            rows = self._db.execute("SELECT scope, limit_usd, spent_usd FROM budgets ORDER BY scope").fetchall()
        return [dict(r) for r in rows]

    # -------------------------------------------------------------------------- the queue (workers)
    def queue_run(self, run_id: str, settings: dict, plan_keys: list[str]) -> None:
        def body(db):
            db.execute("INSERT INTO queued_runs (run_id, settings, created_at) VALUES (?, ?, ?)",
                       (run_id, json.dumps(settings), _now()))
            db.executemany("UPDATE jobs SET run_id = ? WHERE plan_key = ?", [(run_id, k) for k in plan_keys])

        self._tx(body)

    def queued_run(self, run_id: str) -> dict | None:
        with self._lock:
            row = self._db.execute("SELECT settings FROM queued_runs WHERE run_id = ?", (run_id,)).fetchone()
        return json.loads(row["settings"]) if row else None

    def claim_next(self, owner: str, lease_seconds: float, *, dead: Iterable[str] = ()
                   ) -> tuple[str, str, str | None] | None:
        marks = ", ".join("?" * len(WORKABLE_STATES))
        dead = list(dead)
        gone = f" OR claimed_by IN ({', '.join('?' * len(dead))})" if dead else ""

        def body(db):
            now = self._lease_now()
            row = db.execute(f"SELECT plan_key, run_id, claimed_by FROM jobs WHERE run_id IS NOT NULL AND state IN "
                             f"({marks}) AND (claimed_by IS NULL OR lease_until < ?{gone}) "
                             "ORDER BY created_at, plan_key LIMIT 1", (*WORKABLE_STATES, now, *dead)).fetchone()
            if row is None:
                return None
            db.execute("UPDATE jobs SET claimed_by = ?, lease_until = ? WHERE plan_key = ?",
                       (owner, now + lease_seconds, row["plan_key"]))
            return row["plan_key"], row["run_id"], row["claimed_by"]  # a previous holder: a take-over

        return self._tx(body)

    def queue_holders(self) -> set[str]:
        with self._lock:
            rows = self._db.execute("SELECT DISTINCT claimed_by FROM jobs WHERE run_id IS NOT NULL AND claimed_by "
                                    "IS NOT NULL AND lease_until > ?", (self._lease_now(),)).fetchall()
        return {r["claimed_by"] for r in rows}

    def queue_busy(self) -> int:
        marks = ", ".join("?" * len(WORKABLE_STATES))
        with self._lock:
            return self._db.execute(f"SELECT COUNT(*) FROM jobs WHERE run_id IS NOT NULL AND state IN ({marks})",
                                    WORKABLE_STATES).fetchone()[0]

    def unqueue(self, plan_key: str, owner: str, why: str) -> None:
        def body(db):
            db.execute("UPDATE jobs SET run_id = NULL, claimed_by = NULL, lease_until = NULL WHERE plan_key = ? "
                       "AND (claimed_by IS NULL OR claimed_by = ?)", (plan_key, owner))
            db.execute("INSERT INTO events (plan_key, at, state, detail) SELECT plan_key, ?, state, ? FROM jobs "
                       "WHERE plan_key = ?", (_now(), why, plan_key))

        self._tx(body)
