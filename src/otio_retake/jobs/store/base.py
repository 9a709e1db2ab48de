"""What every journal holds and offers, whatever keeps it (jobs/store/sqlite.py, jobs/store/postgres.py).

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
- A job is worked on by one runner at a time, the one holding its claim
  (``claimed_by``) until ``lease_until``; the holder renews its leases while
  it lives, so a machine that dies loses its claims when they run out and
  another runner takes the job over from the state the journal has.

A job is found again by its ``plan_key``, the job's identity (jobs/identity.py).
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ... import processes
from ...errors import JournalError
from ...model import JobState
from ...providers.base import JobHandle

__all__ = ["JobState", "JobRecord", "Store", "Claim", "ACTIVE_STATES", "PAID_STATES", "JOURNAL_NAME",
           "DEFAULT_LEASE_SECONDS", "runner_identity", "retry_seconds_from_env", "RETRY_ENV"]

JOURNAL_NAME = "jobs.sqlite"
DEFAULT_LEASE_SECONDS = 60.0
RETRY_ENV = "OTIO_RETAKE_JOURNAL_RETRY"  # seconds a run rides out a lost database server (a failover may take longer)
DEFAULT_RETRY_SECONDS = 10.0


ALL_STATES = frozenset(JobState)  # what a store writes: any other text is refused


# A job in one of these states has (or may have) cost money: never submitted again without a reason.
PAID_STATES = frozenset({JobState.SUBMITTING, JobState.SUBMITTED, JobState.FINISHED_REMOTELY,
                         JobState.DOWNLOADED, JobState.TAKE_READY})
ACTIVE_STATES = frozenset({JobState.SUBMITTING, JobState.SUBMITTED, JobState.FINISHED_REMOTELY})

# A queued job a worker may take: not finished, and not one that needs a person (failed, expired, cancelled).
WORKABLE_STATES = (JobState.PLANNED, JobState.EXCERPTED, JobState.UPLOADED, JobState.SUBMITTING, JobState.SUBMITTED,
                   JobState.FINISHED_REMOTELY, JobState.DOWNLOADED)

# Steps of a job not yet sent. A move to one of them leaves a cancelled job cancelled (`otio-retake cancel` from
# elsewhere while a runner cuts or uploads it: the runner finds it so before it would submit); a run that takes a
# cancelled job on again plans it first. News of a paid job (its handle, its result) is always written.
UNPAID_STEPS = frozenset({JobState.EXCERPTED, JobState.UPLOADED})

# The columns move() may set besides the state, and those stored as JSON text.
MOVE_FIELDS = frozenset({"idempotency_key", "request", "handle", "result_urls", "results", "takes_json",
                         "cost_reported", "error", "attempt"})
JSON_FIELDS = frozenset({"request", "result_urls", "results", "takes_json"})


def retry_seconds_from_env() -> float:
    """How long a shared journal's steps are retried while its server cannot be reached ($OTIO_RETAKE_JOURNAL_RETRY)."""
    text = os.environ.get(RETRY_ENV, "").strip()
    if not text:
        return DEFAULT_RETRY_SECONDS
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 3600:
        raise JournalError(f"{RETRY_ENV}={text!r} is not a number of seconds from 0 to 3600",
                           hint=f"unset it for the default ({DEFAULT_RETRY_SECONDS:g} s), or give e.g. 30")
    return seconds


def charge_budget(one: Callable[[str, tuple], dict | None], scope: str, usd: float, plan_key: str, attempt: int,
                  now: str, *, for_update: str = "") -> tuple[bool, float, float | None]:
    """``Store.spend`` in SQL both stores run, inside their own transaction: ``one(sql, params)`` runs a statement
    written with ``?`` marks and gives its first row (None if none). ``for_update``: PostgreSQL's row lock, which
    makes check-and-charge one step across workers (SQLite's write transaction already does). Returns (charged,
    spent, limit); (False, 0.0, None) when the scope has no budget."""
    row = one(f"SELECT limit_usd, spent_usd FROM budgets WHERE scope = ?{for_update}", (scope,))
    if row is None:
        return False, 0.0, None
    if one("SELECT 1 FROM spending WHERE scope = ? AND plan_key = ? AND attempt = ?", (scope, plan_key, attempt)):
        return True, row["spent_usd"], row["limit_usd"]  # this attempt is paid for already
    if row["spent_usd"] + usd > row["limit_usd"] + 1e-9:
        return False, row["spent_usd"], row["limit_usd"]
    one("UPDATE budgets SET spent_usd = spent_usd + ? WHERE scope = ?", (usd, scope))
    one("INSERT INTO spending (scope, plan_key, usd, at, attempt) VALUES (?, ?, ?, ?, ?)",
        (scope, plan_key, usd, now, attempt))
    return True, row["spent_usd"] + usd, row["limit_usd"]


def runner_identity() -> str:
    """Who holds a claim: the machine, the process, a random part and the process's start time (so a
    reused pid is another runner: ``holder_is_dead``)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}:{processes.started_at():.2f}"


def _local_process(owner: str) -> tuple[int, float | None] | None:
    """(pid, start time) of a runner identity of this machine; None for another machine's. Identities written
    before the start time was recorded have none."""
    host, _, rest = owner.partition(":")
    parts = rest.split(":")
    if host != socket.gethostname() or not parts[0].isdigit():
        return None
    try:
        started = float(parts[2]) if len(parts) > 2 else None
    except ValueError:
        started = None
    return int(parts[0]), started


def new_run_id() -> str:
    return uuid.uuid4().hex[:12]


def run_row(row) -> dict:
    return {"id": row["id"], "run_id": row["run_id"], "started_at": row["started_at"],
            "arguments": json.loads(row["arguments"])}


def holder_is_dead(owner: str) -> bool:
    """Whether a claim's holder is a process of this machine that has ended (see runner_identity)."""
    local = _local_process(owner)
    if local is None:
        return False  # another machine's: only its lease running out says it is gone
    return not processes.is_running(*local)


def encode_fields(fields: dict) -> dict:
    unknown = set(fields) - MOVE_FIELDS
    if unknown:
        raise ValueError(f"unknown journal field(s) {sorted(unknown)}")
    encoded = {}
    for key, value in fields.items():
        if key == "handle":
            value = value.to_json() if value is not None else None
        elif key in JSON_FIELDS:
            value = json.dumps(value) if value is not None else None
        encoded[key] = value
    if "handle" in fields:  # kept in its own indexed column too: the lost-submit lookup asks by it
        encoded["job_id"] = fields["handle"].job_id if fields["handle"] is not None else None
    return encoded


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
    claimed_by: str | None = None
    lease_until: float | None = None
    run_id: str | None = None  # the queued run it belongs to (run --queue), if any

    @classmethod
    def from_row(cls, row) -> JobRecord:
        """From a mapping of column names (sqlite3.Row or psycopg's dict rows)."""
        keys = row.keys()
        return cls(plan_key=row["plan_key"], range_name=row["range_name"], takes=row["takes"],
                   provider=row["provider"], model=row["model"], state=row["state"], attempt=row["attempt"],
                   idempotency_key=row["idempotency_key"],
                   request=json.loads(row["request"]) if row["request"] else None,
                   handle=JobHandle.from_json(row["handle"]) if row["handle"] else None,
                   result_urls=json.loads(row["result_urls"] or "[]"), results=json.loads(row["results"] or "[]"),
                   takes_json=json.loads(row["takes_json"] or "[]"), cost_estimate=row["cost_estimate"],
                   cost_reported=row["cost_reported"], error=row["error"], created_at=row["created_at"],
                   updated_at=row["updated_at"],
                   claimed_by=row["claimed_by"] if "claimed_by" in keys else None,
                   lease_until=row["lease_until"] if "lease_until" in keys else None,
                   run_id=row["run_id"] if "run_id" in keys else None)


@dataclass(frozen=True)
class Claim:
    """Who works on a job now, and for how many more seconds unless they renew."""

    owner: str
    seconds_left: float


class Store(ABC):
    """One journal: the jobs of one workspace (SQLite) or of a facility (PostgreSQL).

    Every write is its own committed transaction; readers see every committed step."""

    #: The journal's URL as it may be shown (no password).
    url: str

    #: The clock leases are timed by, in seconds since the epoch; None: the server's (PostgreSQL, so machines
    #: whose clocks differ agree) or this machine's (SQLite). A seam: tests set one they move by hand, so a lease
    #: test never races the wall clock on a loaded machine.
    lease_clock: Callable[[], float] | None = None

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def get(self, plan_key: str) -> JobRecord | None: ...

    @abstractmethod
    def all(self) -> list[JobRecord]: ...

    @abstractmethod
    def plan(self, plan_key: str, *, range_name: str, takes: str, provider: str, model: str,
             cost_estimate: float) -> JobRecord:
        """The job's record, created as ``planned`` if it is new (one row per identity, whoever asks)."""

    @abstractmethod
    def move(self, plan_key: str, state: str, *, detail: str | None = None, **fields) -> None:
        """Set the state (and any of MOVE_FIELDS) in one committed transaction, with an event row."""

    @abstractmethod
    def events(self, plan_key: str) -> list[tuple[str, str | None]]: ...

    @abstractmethod
    def record_run(self, arguments: dict, run_id: str | None = None, plan_keys: Iterable[str] = ()) -> str:
        """Store a run's arguments under ``run_id`` (a new one if None) and the keys of its jobs; the run's id."""

    @abstractmethod
    def run_job_keys(self, run_id: str) -> list[str]:
        """The keys of a run's jobs (as recorded with it, or queued under it)."""

    @abstractmethod
    def runs_with_job(self, plan_key: str) -> list[str]:
        """The ids of the runs a job was recorded or queued with (also after it left the queue), oldest first."""

    @abstractmethod
    def last_run(self) -> dict | None: ...

    @abstractmethod
    def runs(self, limit: int | None = None) -> list[dict]:
        """The runs, newest first: id (the row's, in order of starting), run_id, started_at, arguments."""

    @abstractmethod
    def find_run(self, run_id: str) -> dict | None:
        """One run by its id: run_id, started_at, arguments."""

    @abstractmethod
    def events_since(self, after_id: int, *, since: str | None = None, until: str | None = None
                     ) -> list[tuple[int, str, str, str, str, str | None]]:
        """The journal's events after ``after_id`` (and at or after ``since``, before ``until``: ISO times), in
        order: (id, at, range_name, takes, state, detail). For panels following a run another process makes."""

    @abstractmethod
    def schema_version(self) -> int: ...

    # -------------------------------------------------------------------------- claims
    @abstractmethod
    def claim(self, plan_key: str, owner: str, lease_seconds: float, *, dead: str | None = None) -> str | None:
        """Take the job for ``owner`` unless another runner holds a live lease on it.

        ``dead`` names a holder known to be gone (a process of this machine that no longer runs): its claim is
        taken at once rather than when its lease runs out. Returns None when another holds it, else what it was
        taken from: ``"free"``, ``"own"`` (a renewal) or the previous holder (a take-over)."""

    @abstractmethod
    def renew(self, owner: str, lease_seconds: float) -> int:
        """Extend every lease ``owner`` holds; the number still held."""

    @abstractmethod
    def release(self, plan_key: str, owner: str) -> None: ...

    @abstractmethod
    def holder(self, plan_key: str) -> Claim | None:
        """The live claim on a job, if any."""

    @abstractmethod
    def claims(self) -> list[dict]:
        """Every live claim: plan_key, range_name, takes, claimed_by, seconds_left."""

    @abstractmethod
    def held_job_ids(self, provider: str, other_than: str) -> set[str]:
        """The host job ids that rows other than ``other_than`` hold at ``provider`` (one indexed query)."""

    # -------------------------------------------------------------------------- a facility's limits
    @abstractmethod
    def take_slot(self, host: str, limit: int, owner: str, plan_key: str, lease_seconds: float) -> int | None:
        """One of the host's ``limit`` places for ``owner`` (renewed with its leases), or None if all are held."""

    @abstractmethod
    def release_slot(self, host: str, slot: int, owner: str) -> None: ...

    @abstractmethod
    def slots(self) -> list[dict]:
        """The places held now: host, slot, claimed_by, plan_key, seconds_left."""

    @abstractmethod
    def set_budget(self, scope: str, limit_usd: float) -> None: ...

    @abstractmethod
    def spend(self, scope: str, usd: float, plan_key: str, attempt: int) -> tuple[bool, float, float | None]:
        """Charge ``usd`` to the scope in one transaction, only if it stays within the limit:
        (charged, spent after, limit). A scope without a limit is refused (limit None). One charge per job and
        attempt: asking again for an attempt already charged (a lost submit sent again) is (True, spent, limit)
        and charges nothing more."""

    @abstractmethod
    def budgets(self) -> list[dict]:
        """scope, limit_usd, spent_usd for every budget."""

    # -------------------------------------------------------------------------- the queue (workers)
    @abstractmethod
    def queue_run(self, run_id: str, settings: dict, plan_keys: list[str]) -> None:
        """Store a run's settings and mark its jobs as queued for it (one transaction)."""

    @abstractmethod
    def queued_run(self, run_id: str) -> dict | None: ...

    @abstractmethod
    def claim_next(self, owner: str, lease_seconds: float, *, dead: Iterable[str] = ()
                   ) -> tuple[str, str, str | None] | None:
        """Claim the oldest queued job nobody holds, or whose holder is in ``dead`` (ended processes of this
        machine): (plan_key, run_id, the holder it was taken from), or None."""

    @abstractmethod
    def queue_holders(self) -> set[str]:
        """Who holds live claims on queued jobs."""

    @abstractmethod
    def queue_busy(self) -> int:
        """Queued jobs still to do or being done (claimed or not)."""

    @abstractmethod
    def cancel(self, plan_key: str, detail: str) -> None:
        """Mark a job cancelled and drop whoever's claim it has: a runner holding it finds it gone before it
        would submit, and no worker takes it again."""

    @abstractmethod
    def unqueue(self, plan_key: str, owner: str, why: str) -> None:
        """Take a job out of the queue (workers leave it; a person decides) unless another runner holds it now,
        release it, and say why."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
