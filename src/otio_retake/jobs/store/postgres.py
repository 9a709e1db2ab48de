"""A facility's journal on PostgreSQL (psycopg 3): the same jobs, events and runs as the SQLite file,
shared by every workstation and worker. (Over 500 lines: one class, the whole Store interface in SQL; it
shortens when that interface is split into the parts callers use, issue 24.4.)

- One row per job identity (the primary key), so two machines asking for the
  same job find the same row; the one holding its claim works on it.
- Claims lock the row with ``SELECT ... FOR UPDATE SKIP LOCKED``: a runner
  never waits on another's transaction, it sees the job as taken. Leases are
  timed by the server's clock, so machines whose clocks differ agree.
- A dropped connection is opened again and the step retried for a while;
  after that a JournalError says so. A login the server refuses and a
  database that does not exist are said at once, with what to fix: retrying
  cannot help them. A retried write is one whose commit may
  not have been seen: moves set absolute values, so applying one twice is
  harmless (at worst a repeated event row).
- The URL's password is kept only inside the connection: ``url`` is redacted
  (``password=`` in the query too) and every error message is scrubbed of it
  (as written, percent-decoded and percent-encoded).
  A URL libpq could read otherwise than we do (a password with a bare '@',
  '/', '?', '#' or '%', a port that is not a number) is refused before use.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import time
from collections.abc import Iterable

from ...errors import JournalError
from .base import (ALL_STATES, UNPAID_STEPS, WORKABLE_STATES, Claim, JobRecord, JobState, Store, charge_budget,
                   encode_fields, new_run_id, retry_seconds_from_env, run_row)
from .migrations import LATEST, MIGRATIONS
from .urls import parse_postgres_url

__all__ = ["PostgresJournal"]

_MIGRATION_LOCK = 0x6F74696F  # pg_advisory_xact_lock key: one process upgrades the schema at a time
_NOW = "extract(epoch from clock_timestamp())"


# What the server said when it refused the connection, for the errors retrying cannot help. psycopg 3 gives no
# SQLSTATE at connect time (libpq keeps it to itself): an OperationalError carries the server's message, matched
# here (the server's English; a server set to another language's lc_messages gets the unreachable-server path).
# A SQLSTATE, where an error has one, is trusted first.
_REFUSED_LOGIN_STATES = frozenset({"28P01", "28000"})  # invalid_password, invalid_authorization_specification
_NO_DATABASE_STATES = frozenset({"3D000"})  # invalid_catalog_name
_NOT_ALLOWED = re.compile(r'no pg_hba\.conf entry for host ')
_REFUSED_LOGIN = re.compile(r'authentication failed for user "|fe_sendauth: no password supplied|'
                            r'FATAL: +role ".*" does not exist|FATAL: +role ".*" is not permitted to log in')
_NO_DATABASE = re.compile(r'FATAL: +database ".*" does not exist')

LOGIN_HINT = ("check the user and password (PGPASSWORD, ~/.pgpass, or the URL, percent-encoded: @ as %40, : as %3A, "
              "/ as %2F, % as %25); running again does not help until they are right")
NOT_ALLOWED_HINT = ("the server does not let this user in from this machine to this database: ask its administrator "
                    "for a pg_hba.conf entry (or check the user, database and sslmode in the URL)")
NO_DATABASE_HINT = ("create the database (e.g. `createdb -h HOST -p PORT -U USER NAME`, or CREATE DATABASE NAME as a "
                    "user who may) or fix the database name in the URL; otio-retake makes its tables itself")
UNREACHABLE_HINT = ("check that the database server is up and reachable from this machine, then run the same command "
                    "again: paid jobs are not lost (results already downloaded stay in the workspace, and "
                    "`otio-retake status --journal URL` shows what is in flight)")


def refused_for_good(exc: Exception) -> tuple[str, str] | None:
    """(what, hint) when the server refused the connection in a way retrying cannot mend (the login, the
    database), else None (unreachable, starting up, too many clients: worth retrying)."""
    state = getattr(exc, "sqlstate", None)
    text = str(exc)
    if _NOT_ALLOWED.search(text):
        return "refused this connection", NOT_ALLOWED_HINT
    if state in _REFUSED_LOGIN_STATES or _REFUSED_LOGIN.search(text):
        return "refused the login", LOGIN_HINT
    if state in _NO_DATABASE_STATES or _NO_DATABASE.search(text):
        return "has no such database", NO_DATABASE_HINT
    return None


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


class PostgresJournal(Store):
    def _lease_now(self) -> str:
        """SQL for the lease clock's now: the server's, or the seam's as a literal (a float, never user text)."""
        return _NOW if self.lease_clock is None else f"{float(self.lease_clock())!r}::double precision"

    def __init__(self, url: str, *, retry_seconds: float | None = None, connect_timeout: int = 5) -> None:
        parsed = parse_postgres_url(url)  # before anything else: a URL read two ways may leak its password
        try:
            import psycopg
        except ImportError:  # pragma: no cover - the driver is a dependency; say what to install if absent
            raise JournalError("a postgresql:// journal needs psycopg 3",
                               hint="pip install 'psycopg[binary]'") from None
        self._psycopg = psycopg
        self._conninfo = parsed.conninfo()
        self._scrub = parsed.scrub  # the password (the URL's or its query's) in any spelling: never in an error
        self.url = parsed.redacted()
        self.retry_seconds = retry_seconds if retry_seconds is not None else retry_seconds_from_env()
        self.connect_timeout = connect_timeout
        self._lock = threading.Lock()
        self._conn = None
        self._reached = False  # connected once: a later failure is a lost connection, not an unreachable server
        self._gone: tuple[float, str, str] | None = None  # (until, message, hint) after giving up on the server
        self._places: dict[str, int] = {}  # host -> how many of its places this process knows exist (take_slot)
        self._migrate()

    # -------------------------------------------------------------------------- connection
    def _connection(self):
        if self._conn is None or self._conn.closed:
            from psycopg.rows import dict_row
            self._conn = self._psycopg.connect(self._conninfo, autocommit=True, row_factory=dict_row,
                                               connect_timeout=self.connect_timeout,
                                               application_name="otio-retake")
            self._reached = True
        return self._conn

    def _drop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:
                pass
        self._conn = None

    def _tx(self, body, *, one_statement: bool = False):
        """Run ``body(cursor)`` in one transaction; reconnect and retry while the server is unreachable.
        ``one_statement``: the body is a single statement, atomic by itself (autocommit), so it is sent without
        BEGIN and COMMIT: one round trip instead of three, on the steps every job takes."""
        if self._gone is not None and time.monotonic() < self._gone[0]:
            raise JournalError(self._gone[1], hint=self._gone[2])  # just given up: not another wait per step
        deadline = time.monotonic() + self.retry_seconds
        delay = 0.1
        while True:
            try:
                with self._lock:
                    conn = self._connection()
                    if one_statement:
                        with conn.cursor() as cur:
                            return body(cur)
                    with conn.transaction(), conn.cursor() as cur:
                        return body(cur)
            except self._psycopg.OperationalError as exc:
                with self._lock:
                    self._drop()
                refused = refused_for_good(exc)
                if refused is not None:  # not waited out: the same answer would come back
                    raise JournalError(f"the journal's server at {self.url} {refused[0]}: "
                                       f"{self._scrub(str(exc)).strip()}", hint=refused[1]) from None
                if time.monotonic() + delay > deadline:
                    message = (f"{'lost the connection to' if self._reached else 'could not reach'} the journal "
                               f"at {self.url}: {self._scrub(str(exc)).strip()}")
                    hint = UNREACHABLE_HINT
                    self._gone = (time.monotonic() + self.retry_seconds, message, hint)
                    raise JournalError(message, hint=hint) from None
                time.sleep(delay)
                delay = min(delay * 2, 2.0)
            except self._psycopg.Error as exc:
                raise JournalError(f"the journal at {self.url} refused a step: {self._scrub(str(exc)).strip()}") \
                    from None

    def close(self) -> None:
        with self._lock:
            self._drop()

    # -------------------------------------------------------------------------- schema
    @staticmethod
    def _version(cur) -> int:
        cur.execute("SELECT to_regclass('schema_version') IS NOT NULL AS v, to_regclass('jobs') IS NOT NULL AS j")
        found = cur.fetchone()
        if found["v"]:
            cur.execute("SELECT COALESCE(MAX(version), 0) AS v FROM schema_version")
            return cur.fetchone()["v"]
        return 1 if found["j"] else 0

    def _migrate(self) -> None:
        def body(cur):
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            version = self._version(cur)
            if version > LATEST:
                raise JournalError(f"the journal at {self.url} was written by a newer otio-retake (schema "
                                   f"{version}; this one knows up to {LATEST})",
                                   hint="upgrade otio-retake on this machine")
            cur.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
                        "applied_at TEXT NOT NULL, why TEXT NOT NULL)")
            if version == 1:
                cur.execute("INSERT INTO schema_version VALUES (1, %s, %s) ON CONFLICT DO NOTHING",
                            (_now(), "found: written before the schema was versioned"))
            for step in MIGRATIONS:
                if step.version > version:
                    for sql in step.postgres:
                        cur.execute(sql)
                    cur.execute("INSERT INTO schema_version VALUES (%s, %s, %s)", (step.version, _now(), step.why))

        try:
            self._tx(body)
        except JournalError:
            raise
        except self._psycopg.Error as exc:  # pragma: no cover - _tx turns these into JournalError
            raise JournalError(self._scrub(str(exc))) from None

    def schema_version(self) -> int:
        return self._tx(self._version)

    # -------------------------------------------------------------------------- jobs
    def get(self, plan_key: str) -> JobRecord | None:
        def body(cur):
            cur.execute("SELECT * FROM jobs WHERE plan_key = %s", (plan_key,))
            return cur.fetchone()

        row = self._tx(body, one_statement=True)
        return JobRecord.from_row(row) if row else None

    def all(self) -> list[JobRecord]:
        def body(cur):
            cur.execute("SELECT * FROM jobs ORDER BY created_at, range_name, takes")
            return cur.fetchall()

        return [JobRecord.from_row(r) for r in self._tx(body)]

    def plan(self, plan_key: str, *, range_name: str, takes: str, provider: str, model: str,
             cost_estimate: float) -> JobRecord:
        now = _now()

        def body(cur):
            cur.execute("INSERT INTO jobs (plan_key, range_name, takes, provider, model, state, cost_estimate, "
                        "created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) "
                        "ON CONFLICT (plan_key) DO NOTHING RETURNING plan_key",
                        (plan_key, range_name, takes, provider, model, JobState.PLANNED, cost_estimate, now, now))
            if cur.fetchone() is not None:
                cur.execute("INSERT INTO events (plan_key, at, state, detail) VALUES (%s, %s, %s, NULL)",
                            (plan_key, now, JobState.PLANNED))
            cur.execute("SELECT * FROM jobs WHERE plan_key = %s", (plan_key,))
            return cur.fetchone()

        return JobRecord.from_row(self._tx(body))

    def move(self, plan_key: str, state: str, *, detail: str | None = None, **fields) -> None:
        if state not in ALL_STATES:
            raise ValueError(f"unknown job state {state!r}")
        encoded = encode_fields(fields)
        now = _now()
        columns = "".join(f", {k} = %s" for k in encoded)
        keep = " AND state <> 'cancelled'" if state in UNPAID_STEPS else ""  # see UNPAID_STEPS

        def body(cur):  # the move and its event in one statement
            cur.execute(f"WITH moved AS (UPDATE jobs SET state = %s, updated_at = %s{columns} WHERE plan_key = %s"
                        f"{keep} RETURNING plan_key) INSERT INTO events (plan_key, at, state, detail) "
                        "SELECT plan_key, %s, %s, %s FROM moved",
                        (state, now, *encoded.values(), plan_key, now, state, detail))

        self._tx(body, one_statement=True)

    def events(self, plan_key: str) -> list[tuple[str, str | None]]:
        def body(cur):
            cur.execute("SELECT state, detail FROM events WHERE plan_key = %s ORDER BY id", (plan_key,))
            return cur.fetchall()

        return [(r["state"], r["detail"]) for r in self._tx(body, one_statement=True)]

    def record_run(self, arguments: dict, run_id: str | None = None, plan_keys: Iterable[str] = ()) -> str:
        run_id = run_id or new_run_id()

        def body(cur):
            cur.execute("INSERT INTO runs (started_at, arguments, run_id) VALUES (%s, %s, %s)",
                        (_now(), json.dumps(arguments), run_id))
            cur.executemany("INSERT INTO run_jobs (run_id, plan_key) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                            [(run_id, key) for key in plan_keys])

        self._tx(body)
        return run_id

    def run_job_keys(self, run_id: str) -> list[str]:
        def body(cur):
            cur.execute("SELECT plan_key FROM run_jobs WHERE run_id = %(id)s UNION "
                        "SELECT plan_key FROM jobs WHERE run_id = %(id)s", {"id": run_id})
            return cur.fetchall()

        return sorted(r["plan_key"] for r in self._tx(body, one_statement=True))

    def runs_with_job(self, plan_key: str) -> list[str]:
        def body(cur):
            cur.execute("SELECT r.run_id FROM run_jobs j JOIN runs r ON r.run_id = j.run_id WHERE j.plan_key = %s "
                        "ORDER BY r.id", (plan_key,))
            return cur.fetchall()

        return [r["run_id"] for r in self._tx(body, one_statement=True)]

    def cancel(self, plan_key: str, detail: str) -> None:
        def body(cur):
            cur.execute("WITH moved AS (UPDATE jobs SET state = %(state)s, updated_at = %(now)s, claimed_by = NULL, "
                        "lease_until = NULL WHERE plan_key = %(key)s RETURNING plan_key) "
                        "INSERT INTO events (plan_key, at, state, detail) SELECT plan_key, %(now)s, %(state)s, "
                        "%(detail)s FROM moved", {"state": JobState.CANCELLED, "now": _now(), "key": plan_key,
                                                  "detail": detail})

        self._tx(body, one_statement=True)

    def runs(self, limit: int | None = None) -> list[dict]:
        def body(cur):
            cur.execute("SELECT id, run_id, started_at, arguments FROM runs ORDER BY id DESC LIMIT %s", (limit,))
            return cur.fetchall()

        return [run_row(r) for r in self._tx(body)]

    def find_run(self, run_id: str) -> dict | None:
        def body(cur):
            cur.execute("SELECT id, run_id, started_at, arguments FROM runs WHERE run_id = %s", (run_id,))
            return cur.fetchone()

        row = self._tx(body)
        return run_row(row) if row else None

    def last_run(self) -> dict | None:
        def body(cur):
            cur.execute("SELECT arguments FROM runs ORDER BY id DESC LIMIT 1")
            return cur.fetchone()

        row = self._tx(body)
        return json.loads(row["arguments"]) if row else None

    def events_since(self, after_id: int, *, since: str | None = None, until: str | None = None
                     ) -> list[tuple[int, str, str, str, str, str | None]]:
        # BIGSERIAL ids follow insertion, not commit, order: a reader may see id 9 before a slower 8 commits.
        def body(cur):
            cur.execute("SELECT e.id, e.at, j.range_name, j.takes, e.state, e.detail FROM events e JOIN jobs j ON "
                        "j.plan_key = e.plan_key WHERE e.id > %s AND e.at >= %s AND e.at < %s ORDER BY e.id",
                        (after_id, since or "", until or "9999"))
            return cur.fetchall()

        return [(r["id"], r["at"], r["range_name"], r["takes"], r["state"], r["detail"]) for r in self._tx(body)]

    # -------------------------------------------------------------------------- claims
    def claim(self, plan_key: str, owner: str, lease_seconds: float, *, dead: str | None = None) -> str | None:
        def body(cur):
            lease_now = self._lease_now()
            # One statement: SKIP LOCKED, a row another runner is claiming this instant is simply not ours to take
            # now; taken if free, its lease ran out, or it is already ours (or a dead process's of this machine).
            cur.execute(f"WITH old AS (SELECT plan_key, claimed_by, lease_until, {lease_now} AS now FROM jobs "
                        "WHERE plan_key = %(key)s FOR UPDATE SKIP LOCKED) "
                        f"UPDATE jobs SET claimed_by = %(owner)s, lease_until = {lease_now} + %(lease)s FROM old "
                        "WHERE jobs.plan_key = old.plan_key AND (old.claimed_by IS NULL OR "
                        "COALESCE(old.lease_until, 0) <= old.now OR old.claimed_by = %(owner)s OR "
                        "old.claimed_by = %(dead)s) RETURNING old.claimed_by AS was",
                        {"key": plan_key, "owner": owner, "lease": lease_seconds, "dead": dead})
            row = cur.fetchone()
            if row is None:
                return None
            if row["was"] is None:
                return "free"
            return "own" if row["was"] == owner else row["was"]

        return self._tx(body, one_statement=True)

    def renew(self, owner: str, lease_seconds: float) -> int:
        def body(cur):  # the places and the jobs in one statement
            lease_now = self._lease_now()
            cur.execute(f"WITH places AS (UPDATE host_slots SET lease_until = {lease_now} + %(lease)s "
                        "WHERE claimed_by = %(owner)s) "
                        f"UPDATE jobs SET lease_until = {lease_now} + %(lease)s WHERE claimed_by = %(owner)s",
                        {"lease": lease_seconds, "owner": owner})
            return cur.rowcount

        return self._tx(body, one_statement=True)

    def release(self, plan_key: str, owner: str) -> None:
        self._tx(lambda cur: cur.execute("UPDATE jobs SET claimed_by = NULL, lease_until = NULL "
                                         "WHERE plan_key = %s AND claimed_by = %s", (plan_key, owner)),
                 one_statement=True)

    def holder(self, plan_key: str) -> Claim | None:
        def body(cur):
            lease_now = self._lease_now()
            cur.execute(f"SELECT claimed_by, lease_until - {lease_now} AS left FROM jobs WHERE plan_key = %s",
                        (plan_key,))
            return cur.fetchone()

        row = self._tx(body, one_statement=True)
        if row is None or row["claimed_by"] is None or (row["left"] or 0) <= 0:
            return None
        return Claim(row["claimed_by"], float(row["left"]))

    def claims(self) -> list[dict]:
        def body(cur):
            lease_now = self._lease_now()
            cur.execute(f"SELECT plan_key, range_name, takes, claimed_by, lease_until - {lease_now} AS seconds_left "
                        f"FROM jobs WHERE claimed_by IS NOT NULL AND lease_until > {lease_now} "
                        "ORDER BY range_name, takes")
            return cur.fetchall()

        return [dict(r) for r in self._tx(body)]

    def held_job_ids(self, provider: str, other_than: str) -> set[str]:
        def body(cur):
            cur.execute("SELECT job_id FROM jobs WHERE provider = %s AND job_id IS NOT NULL AND plan_key <> %s",
                        (provider, other_than))
            return cur.fetchall()

        return {r["job_id"] for r in self._tx(body, one_statement=True)}

    # -------------------------------------------------------------------------- a facility's limits
    def take_slot(self, host: str, limit: int, owner: str, plan_key: str, lease_seconds: float) -> int | None:
        if self._places.get(host, 0) < limit:  # a host's places, once made, stay: made once per process
            self._tx(lambda cur: cur.execute("INSERT INTO host_slots (host, slot) SELECT %s, n FROM "
                                             "generate_series(0, %s - 1) AS n ON CONFLICT DO NOTHING", (host, limit)),
                     one_statement=True)
            self._places[host] = limit

        def body(cur):
            lease_now = self._lease_now()
            # One statement; SKIP LOCKED: two runners taking places at once each get a different one, neither waits.
            cur.execute(f"WITH free AS (SELECT slot FROM host_slots WHERE host = %(host)s AND slot < %(limit)s AND "
                        f"(claimed_by IS NULL OR lease_until < {lease_now}) "
                        "ORDER BY slot LIMIT 1 FOR UPDATE SKIP LOCKED) "
                        "UPDATE host_slots SET claimed_by = %(owner)s, plan_key = %(key)s, "
                        f"lease_until = {lease_now} + %(lease)s FROM free "
                        "WHERE host_slots.host = %(host)s AND host_slots.slot = free.slot "
                        "RETURNING host_slots.slot",
                        {"host": host, "limit": limit, "owner": owner, "key": plan_key, "lease": lease_seconds})
            row = cur.fetchone()
            return None if row is None else row["slot"]

        return self._tx(body, one_statement=True)

    def release_slot(self, host: str, slot: int, owner: str) -> None:
        self._tx(lambda cur: cur.execute("UPDATE host_slots SET claimed_by = NULL, plan_key = NULL, "
                                         "lease_until = NULL WHERE host = %s AND slot = %s AND claimed_by = %s",
                                         (host, slot, owner)), one_statement=True)

    def slots(self) -> list[dict]:
        def body(cur):
            lease_now = self._lease_now()
            cur.execute(f"SELECT host, slot, claimed_by, plan_key, lease_until - {lease_now} AS seconds_left "
                        f"FROM host_slots WHERE claimed_by IS NOT NULL AND lease_until > {lease_now} "
                        "ORDER BY host, slot")
            return cur.fetchall()

        return [dict(r) for r in self._tx(body)]

    def set_budget(self, scope: str, limit_usd: float) -> None:
        self._tx(lambda cur: cur.execute("INSERT INTO budgets (scope, limit_usd) VALUES (%s, %s) ON CONFLICT (scope) "
                                         "DO UPDATE SET limit_usd = excluded.limit_usd", (scope, limit_usd)))

    def spend(self, scope: str, usd: float, plan_key: str, attempt: int) -> tuple[bool, float, float | None]:
        def body(cur):
            def one(sql: str, params: tuple):
                cur.execute(sql.replace("?", "%s"), params)
                return cur.fetchone() if cur.description else None

            # The row lock (FOR UPDATE) makes check-and-charge one step: two workers never both fit in what is left
            # (and two runners charging the same attempt at once charge it once).
            return charge_budget(one, scope, usd, plan_key, attempt, _now(), for_update=" FOR UPDATE")

        return self._tx(body)

    def budgets(self) -> list[dict]:
        def body(cur):
            cur.execute("SELECT scope, limit_usd, spent_usd FROM budgets ORDER BY scope")
            return cur.fetchall()

        return [dict(r) for r in self._tx(body)]

    # -------------------------------------------------------------------------- the queue (workers)
    def queue_run(self, run_id: str, settings: dict, plan_keys: list[str]) -> None:
        def body(cur):
            cur.execute("INSERT INTO queued_runs (run_id, settings, created_at) VALUES (%s, %s, %s)",
                        (run_id, json.dumps(settings), _now()))
            cur.executemany("UPDATE jobs SET run_id = %s WHERE plan_key = %s", [(run_id, k) for k in plan_keys])

        self._tx(body)

    def queued_run(self, run_id: str) -> dict | None:
        def body(cur):
            cur.execute("SELECT settings FROM queued_runs WHERE run_id = %s", (run_id,))
            return cur.fetchone()

        row = self._tx(body)
        return json.loads(row["settings"]) if row else None

    def claim_next(self, owner: str, lease_seconds: float, *, dead: Iterable[str] = ()
                   ) -> tuple[str, str, str | None] | None:
        def body(cur):
            lease_now = self._lease_now()
            # One statement; SKIP LOCKED: workers asking at once each get a different job, none waits on another.
            cur.execute(f"WITH next AS (SELECT plan_key, run_id, claimed_by FROM jobs WHERE run_id IS NOT NULL AND "
                        f"state = ANY(%(states)s) AND (claimed_by IS NULL OR lease_until < {lease_now} OR "
                        "claimed_by = ANY(%(dead)s)) ORDER BY created_at, plan_key LIMIT 1 FOR UPDATE SKIP LOCKED) "
                        f"UPDATE jobs SET claimed_by = %(owner)s, lease_until = {lease_now} + %(lease)s FROM next "
                        "WHERE jobs.plan_key = next.plan_key RETURNING next.plan_key, next.run_id, next.claimed_by",
                        {"states": list(WORKABLE_STATES), "owner": owner, "lease": lease_seconds,
                         "dead": list(dead)})
            row = cur.fetchone()
            if row is None:
                return None
            return row["plan_key"], row["run_id"], row["claimed_by"]  # a previous holder: a take-over

        return self._tx(body, one_statement=True)

    def queue_holders(self) -> set[str]:
        def body(cur):
            lease_now = self._lease_now()
            cur.execute("SELECT DISTINCT claimed_by FROM jobs WHERE run_id IS NOT NULL AND claimed_by IS NOT NULL "
                        f"AND lease_until > {lease_now}")
            return cur.fetchall()

        return {r["claimed_by"] for r in self._tx(body, one_statement=True)}

    def queue_busy(self) -> int:
        def body(cur):
            cur.execute("SELECT COUNT(*) AS n FROM jobs WHERE run_id IS NOT NULL AND state = ANY(%s)",
                        (list(WORKABLE_STATES),))
            return cur.fetchone()["n"]

        return self._tx(body, one_statement=True)

    def unqueue(self, plan_key: str, owner: str, why: str) -> None:
        def body(cur):
            cur.execute("UPDATE jobs SET run_id = NULL, claimed_by = NULL, lease_until = NULL WHERE plan_key = %s "
                        "AND (claimed_by IS NULL OR claimed_by = %s)", (plan_key, owner))
            cur.execute("INSERT INTO events (plan_key, at, state, detail) SELECT plan_key, %s, state, %s FROM jobs "
                        "WHERE plan_key = %s", (_now(), why, plan_key))

        self._tx(body)
