"""The journal: one interface (base.Store), two stores, one set of versioned migrations.

    sqlite:///PATH (or a plain path)   the default: <workspace>/jobs.sqlite, one per workspace
    postgresql://USER@HOST/DB          a facility's shared journal (psycopg 3)

``Journal`` stays the name of the SQLite store (the default every run uses).
"""

from __future__ import annotations

import os
from pathlib import Path

from ...errors import JournalError
from .base import (ACTIVE_STATES, DEFAULT_LEASE_SECONDS, JOURNAL_NAME, PAID_STATES, Claim, JobRecord, JobState,
                   Store, redact_url, runner_identity)
from .sqlite import SQLiteJournal

__all__ = ["JobState", "JobRecord", "Journal", "Store", "Claim", "SQLiteJournal", "open_journal", "redact_url",
           "runner_identity", "journal_url_from_env", "ACTIVE_STATES", "PAID_STATES", "JOURNAL_NAME",
           "DEFAULT_LEASE_SECONDS", "JOURNAL_ENV"]

Journal = SQLiteJournal
JOURNAL_ENV = "OTIO_RETAKE_JOURNAL"


def journal_url_from_env() -> str | None:
    return os.environ.get(JOURNAL_ENV) or None


def is_shared(url: str | None) -> bool:
    return bool(url) and url.split(":", 1)[0].lower() in ("postgresql", "postgres")


def open_journal(url: str | Path, **options) -> Store:
    """The journal a URL names: ``sqlite:///PATH``, a plain file path, or ``postgresql://...``."""
    text = str(url)
    scheme = text.split("://", 1)[0].lower() if "://" in text else ""
    if scheme in ("postgresql", "postgres"):
        from .postgres import PostgresJournal
        return PostgresJournal(text, **options)
    if scheme == "sqlite":
        path = text[len("sqlite://"):]
        if path.startswith("//"):  # sqlite:////abs/path (SQLAlchemy's spelling) too
            path = path[1:]
        if not path or path == "/":
            raise JournalError(f"{text}: a sqlite journal URL needs a file path", hint="e.g. sqlite:///srv/jobs.sqlite")
        return SQLiteJournal(Path(path))
    if scheme:
        raise JournalError(f"{redact_url(text)}: unknown journal kind '{scheme}'",
                           hint="use sqlite:///PATH or postgresql://USER@HOST/DATABASE")
    return SQLiteJournal(Path(text))
