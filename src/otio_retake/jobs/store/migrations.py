"""The journal's schema, one numbered step at a time, for both stores.

A journal records its version in ``schema_version``; opening it applies the
steps it lacks, in order, each in its own transaction, so a journal written by
an older otio-retake is upgraded in place (its jobs, events and runs kept) and
never recreated. Version 1 is the schema of the journals written before the
schema was versioned: a file with a ``jobs`` table and no ``schema_version`` is
a version-1 journal. A journal newer than this code is refused, not guessed at.

A new step is appended here (never an old one edited), with the SQL for each
dialect.

Not a schema step: the job keys of journals written before job identities
(jobs/identity.py VERSION 2) mean something else; the key alone cannot be
rewritten in SQL (it needs the timeline), so a run re-keys the rows it meets
(``JobPlanner.adopt_legacy``: a paid job is used again, never paid twice, and its
old-named files are never reused; a lost submit of that version is refused
with what to do) and marks the old row ``superseded``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Migration", "MIGRATIONS", "LATEST"]


@dataclass(frozen=True)
class Migration:
    version: int
    why: str
    sqlite: tuple[str, ...]
    postgres: tuple[str, ...]


_JOBS_V1 = """
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
    cost_estimate {real},
    cost_reported {real},
    error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
)"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1, "jobs, their events and the runs (the schema before versioning)",
        sqlite=(_JOBS_V1.format(real="REAL"),
                "CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY AUTOINCREMENT, plan_key TEXT NOT NULL, "
                "at TEXT NOT NULL, state TEXT NOT NULL, detail TEXT)",
                "CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY AUTOINCREMENT, started_at TEXT NOT NULL, "
                "arguments TEXT NOT NULL)"),
        postgres=(_JOBS_V1.format(real="DOUBLE PRECISION"),
                  "CREATE TABLE IF NOT EXISTS events (id BIGSERIAL PRIMARY KEY, plan_key TEXT NOT NULL, "
                  "at TEXT NOT NULL, state TEXT NOT NULL, detail TEXT)",
                  "CREATE TABLE IF NOT EXISTS runs (id BIGSERIAL PRIMARY KEY, started_at TEXT NOT NULL, "
                  "arguments TEXT NOT NULL)")),
    Migration(
        2, "claims with leases, so one runner at a time works on a job; events found by job",
        sqlite=("ALTER TABLE jobs ADD COLUMN claimed_by TEXT",
                "ALTER TABLE jobs ADD COLUMN lease_until REAL",
                "CREATE INDEX IF NOT EXISTS events_by_job ON events (plan_key, id)"),
        postgres=("ALTER TABLE jobs ADD COLUMN claimed_by TEXT",
                  "ALTER TABLE jobs ADD COLUMN lease_until DOUBLE PRECISION",
                  "CREATE INDEX IF NOT EXISTS events_by_job ON events (plan_key, id)")),
    Migration(
        3, "a facility's limits: places at each host held by one runner at a time, and budgets by scope",
        sqlite=("CREATE TABLE IF NOT EXISTS host_slots (host TEXT NOT NULL, slot INTEGER NOT NULL, claimed_by TEXT, "
                "plan_key TEXT, lease_until REAL, PRIMARY KEY (host, slot))",
                "CREATE TABLE IF NOT EXISTS budgets (scope TEXT PRIMARY KEY, limit_usd REAL NOT NULL, "
                "spent_usd REAL NOT NULL DEFAULT 0)",
                "CREATE TABLE IF NOT EXISTS spending (id INTEGER PRIMARY KEY AUTOINCREMENT, scope TEXT NOT NULL, "
                "plan_key TEXT NOT NULL, usd REAL NOT NULL, at TEXT NOT NULL)"),
        postgres=("CREATE TABLE IF NOT EXISTS host_slots (host TEXT NOT NULL, slot INTEGER NOT NULL, "
                  "claimed_by TEXT, plan_key TEXT, lease_until DOUBLE PRECISION, PRIMARY KEY (host, slot))",
                  "CREATE TABLE IF NOT EXISTS budgets (scope TEXT PRIMARY KEY, limit_usd DOUBLE PRECISION NOT NULL, "
                  "spent_usd DOUBLE PRECISION NOT NULL DEFAULT 0)",
                  "CREATE TABLE IF NOT EXISTS spending (id BIGSERIAL PRIMARY KEY, scope TEXT NOT NULL, "
                  "plan_key TEXT NOT NULL, usd DOUBLE PRECISION NOT NULL, at TEXT NOT NULL)")),
    Migration(
        4, "queued runs: their settings, and the run each queued job belongs to, for workers",
        sqlite=("CREATE TABLE IF NOT EXISTS queued_runs (run_id TEXT PRIMARY KEY, settings TEXT NOT NULL, "
                "created_at TEXT NOT NULL)",
                "ALTER TABLE jobs ADD COLUMN run_id TEXT"),
        postgres=("CREATE TABLE IF NOT EXISTS queued_runs (run_id TEXT PRIMARY KEY, settings TEXT NOT NULL, "
                  "created_at TEXT NOT NULL)",
                  "ALTER TABLE jobs ADD COLUMN run_id TEXT")),
    Migration(
        5, "the host's job id in its own indexed column (the lost-submit lookup's one query); one charge per paid "
           "attempt in the budget ledger; every run with an id, so resume can be told which",
        sqlite=("ALTER TABLE jobs ADD COLUMN job_id TEXT",
                "UPDATE jobs SET job_id = json_extract(handle, '$.job_id') WHERE handle IS NOT NULL",
                "CREATE INDEX IF NOT EXISTS jobs_by_host_job ON jobs (provider, job_id)",
                "ALTER TABLE spending ADD COLUMN attempt INTEGER",
                # Rows from before: no attempt, so no uniqueness claimed for them.
                "CREATE UNIQUE INDEX IF NOT EXISTS spending_once ON spending (scope, plan_key, attempt) "
                "WHERE attempt IS NOT NULL",
                "ALTER TABLE runs ADD COLUMN run_id TEXT",
                "UPDATE runs SET run_id = CAST(id AS TEXT)",
                "CREATE UNIQUE INDEX IF NOT EXISTS runs_by_id ON runs (run_id)"),
        postgres=("ALTER TABLE jobs ADD COLUMN job_id TEXT",
                  "UPDATE jobs SET job_id = handle::json->>'job_id' WHERE handle IS NOT NULL",
                  "CREATE INDEX IF NOT EXISTS jobs_by_host_job ON jobs (provider, job_id)",
                  "ALTER TABLE spending ADD COLUMN attempt INTEGER",
                  "CREATE UNIQUE INDEX IF NOT EXISTS spending_once ON spending (scope, plan_key, attempt) "
                  "WHERE attempt IS NOT NULL",
                  "ALTER TABLE runs ADD COLUMN run_id TEXT",
                  "UPDATE runs SET run_id = CAST(id AS TEXT)",
                  "CREATE UNIQUE INDEX IF NOT EXISTS runs_by_id ON runs (run_id)")),
    Migration(
        6, "the jobs of each run, so a cancel on a shared journal stops one run's jobs, not everyone's",
        sqlite=("CREATE TABLE IF NOT EXISTS run_jobs (run_id TEXT NOT NULL, plan_key TEXT NOT NULL, "
                "PRIMARY KEY (run_id, plan_key))",),
        postgres=("CREATE TABLE IF NOT EXISTS run_jobs (run_id TEXT NOT NULL, plan_key TEXT NOT NULL, "
                  "PRIMARY KEY (run_id, plan_key))",)),
)

LATEST = MIGRATIONS[-1].version
