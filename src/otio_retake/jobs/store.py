"""The journal: every job of a workspace in SQLite (WAL), written before and after each step.

States and who moves a job between them::

    planned -> excerpted -> uploaded -> submitting -> submitted -> finished_remotely -> downloaded -> take_ready
                                           |              |               |
                                           +-> failed <---+---------------+       (any state) -> cancelled
                                                          +---------------+--> expired (the host no longer has
                                                                                 the job or its result: 404/410)

- ``submitting`` is written BEFORE the paid request goes out and ``submitted``
  (with the host's job handle) right after the answer: a crash in between
  leaves ``submitting``, which says exactly that the outcome is unknown.
- Nothing secret is stored: requests are stored without the excerpt when it
  was sent inline (a data URI), and keys never reach this layer.

A job is found again by its ``plan_key``, the job's identity (jobs/identity.py):
the range, the take letter, the window, the host and model, the request fields
and a fingerprint of the media under the window, so a re-run with the same
inputs finds it and a changed timeline, media or request does not reuse a
stale take.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from ..providers.base import JobHandle

__all__ = ["JobState", "JobRecord", "Journal", "ACTIVE_STATES", "PAID_STATES", "JOURNAL_NAME"]

JOURNAL_NAME = "jobs.sqlite"


class JobState:
    PLANNED = "planned"
    EXCERPTED = "excerpted"
    UPLOADED = "uploaded"
    SUBMITTING = "submitting"
    SUBMITTED = "submitted"
    FINISHED_REMOTELY = "finished_remotely"
    DOWNLOADED = "downloaded"
    TAKE_READY = "take_ready"
    FAILED = "failed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"  # paid, but the host has dropped the job or its result: only a new submit gets it back

    ORDER = (PLANNED, EXCERPTED, UPLOADED, SUBMITTING, SUBMITTED, FINISHED_REMOTELY, DOWNLOADED, TAKE_READY)
    ALL = ORDER + (FAILED, CANCELLED, EXPIRED)


# A job in one of these states has (or may have) cost money: never submitted again without a reason.
PAID_STATES = frozenset({JobState.SUBMITTING, JobState.SUBMITTED, JobState.FINISHED_REMOTELY,
                         JobState.DOWNLOADED, JobState.TAKE_READY})
ACTIVE_STATES = frozenset({JobState.SUBMITTING, JobState.SUBMITTED, JobState.FINISHED_REMOTELY})

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    plan_key TEXT PRIMARY KEY,
    range_name TEXT NOT NULL,
    takes TEXT NOT NULL,
    provider TEXT NOT NULL,
    model TEXT NOT NULL,
    state TEXT NOT NULL,
    attempt INTEGER NOT NULL DEFAULT 1,
    idempotency_key TEXT,
    request TEXT,
    handle TEXT,
    result_urls TEXT,
    results TEXT,
    takes_json TEXT,
    cost_estimate REAL,
    cost_reported REAL,
    error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_key TEXT NOT NULL,
    at TEXT NOT NULL,
    state TEXT NOT NULL,
    detail TEXT
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at TEXT NOT NULL,
    arguments TEXT NOT NULL
);
"""


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


@dataclass
class JobRecord:
    plan_key: str
    range_name: str
    takes: str
    provider: str
    model: str
    state: str
    attempt: int
    idempotency_key: str | None
    request: dict | None
    handle: JobHandle | None
    result_urls: list[str]
    results: list[str]
    takes_json: list[dict]
    cost_estimate: float | None
    cost_reported: float | None
    error: str | None
    created_at: str
    updated_at: str

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> JobRecord:
        return cls(plan_key=row["plan_key"], range_name=row["range_name"], takes=row["takes"],
                   provider=row["provider"], model=row["model"], state=row["state"], attempt=row["attempt"],
                   idempotency_key=row["idempotency_key"],
                   request=json.loads(row["request"]) if row["request"] else None,
                   handle=JobHandle.from_json(row["handle"]) if row["handle"] else None,
                   result_urls=json.loads(row["result_urls"] or "[]"), results=json.loads(row["results"] or "[]"),
                   takes_json=json.loads(row["takes_json"] or "[]"), cost_estimate=row["cost_estimate"],
                   cost_reported=row["cost_reported"], error=row["error"], created_at=row["created_at"],
                   updated_at=row["updated_at"])


class Journal:
    """One SQLite file per workspace; every write is its own committed transaction."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()  # the runner writes from worker threads too
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None, timeout=30)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")  # a state written is a state that survives a power cut
        self._db.executescript(_SCHEMA)

    @classmethod
    def for_workspace(cls, root: Path) -> Journal:
        return cls(Path(root) / JOURNAL_NAME)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _write(self, sql: str, args: tuple) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute(sql, args)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

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
        """The job's record, created as ``planned`` if it is new."""
        now = _now()
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                row = self._db.execute("SELECT * FROM jobs WHERE plan_key = ?", (plan_key,)).fetchone()
                if row is None:
                    self._db.execute(
                        "INSERT INTO jobs (plan_key, range_name, takes, provider, model, state, cost_estimate, "
                        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (plan_key, range_name, takes, provider, model, JobState.PLANNED, cost_estimate, now, now))
                    self._db.execute("INSERT INTO events (plan_key, at, state, detail) VALUES (?, ?, ?, ?)",
                                     (plan_key, now, JobState.PLANNED, None))
                    row = self._db.execute("SELECT * FROM jobs WHERE plan_key = ?", (plan_key,)).fetchone()
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return JobRecord.from_row(row)

    def move(self, plan_key: str, state: str, *, detail: str | None = None, **fields) -> None:
        """Set the state (and any of: idempotency_key, request, handle, result_urls, results, takes_json,
        cost_reported, error, attempt) in one committed transaction, with an event row."""
        if state not in JobState.ALL:
            raise ValueError(f"unknown job state {state!r}")
        encoded = {}
        for key, value in fields.items():
            if key == "handle":
                value = value.to_json() if value is not None else None
            elif key in ("request", "result_urls", "results", "takes_json"):
                value = json.dumps(value) if value is not None else None
            encoded[key] = value
        now = _now()
        columns = ", ".join(f"{k} = ?" for k in encoded)
        sql = f"UPDATE jobs SET state = ?, updated_at = ?{', ' + columns if columns else ''} WHERE plan_key = ?"
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute(sql, (state, now, *encoded.values(), plan_key))
                self._db.execute("INSERT INTO events (plan_key, at, state, detail) VALUES (?, ?, ?, ?)",
                                 (plan_key, now, state, detail))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def events(self, plan_key: str) -> list[tuple[str, str | None]]:
        with self._lock:
            rows = self._db.execute("SELECT state, detail FROM events WHERE plan_key = ? ORDER BY id",
                                    (plan_key,)).fetchall()
        return [(r["state"], r["detail"]) for r in rows]

    def record_run(self, arguments: dict) -> None:
        self._write("INSERT INTO runs (started_at, arguments) VALUES (?, ?)", (_now(), json.dumps(arguments)))

    def last_run(self) -> dict | None:
        with self._lock:
            row = self._db.execute("SELECT arguments FROM runs ORDER BY id DESC LIMIT 1").fetchone()
        return json.loads(row["arguments"]) if row else None
