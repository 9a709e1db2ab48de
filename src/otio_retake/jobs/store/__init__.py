"""The journal: one interface (base.Store), two stores, one set of versioned migrations.

    sqlite:///PATH                     the default: <workspace>/jobs.sqlite, one per workspace
    postgresql://USER@HOST/DB          a facility's shared journal (psycopg 3)

A journal is named by one of these URLs (``--journal``, ``$OTIO_RETAKE_JOURNAL``): any other text is refused
rather than taken for a file name. Python callers may also pass a ``pathlib.Path`` (a SQLite file).
``Journal`` stays the name of the SQLite store (the default every run uses).
"""

from __future__ import annotations

from pathlib import Path

from .base import (ACTIVE_STATES, DEFAULT_LEASE_SECONDS, JOURNAL_NAME, PAID_STATES, Claim, JobRecord, JobState, Store,
                   runner_identity)
from .sqlite import SQLiteJournal
from .urls import (JOURNAL_ENV, PG_SCHEMES, check_journal_url, is_shared, journal_url_from_env, redact_url,
                   sqlite_path, url_kind)

__all__ = ["JobState", "JobRecord", "Journal", "Store", "Claim", "SQLiteJournal", "open_journal", "redact_url",
           "runner_identity", "journal_url_from_env", "check_journal_url", "ACTIVE_STATES", "PAID_STATES",
           "JOURNAL_NAME", "DEFAULT_LEASE_SECONDS", "JOURNAL_ENV"]

Journal = SQLiteJournal


def open_journal(url: str | Path, *, create: bool = True, missing_hint: str | None = None, **options) -> Store:
    """The journal a URL names: ``sqlite:///PATH`` or ``postgresql://...`` (a ``Path``: that SQLite file).
    ``create=False``: a SQLite file that does not exist is refused (``missing_hint`` says what to do), not made."""
    if isinstance(url, Path):
        return SQLiteJournal(url, create=create, missing_hint=missing_hint)
    text = check_journal_url(str(url))
    if url_kind(text) in PG_SCHEMES:
        from .postgres import PostgresJournal
        return PostgresJournal(text, **options)
    return SQLiteJournal(sqlite_path(text, text), create=create, missing_hint=missing_hint)
