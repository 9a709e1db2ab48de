"""The journal: one interface (base.Store), two stores, one set of versioned migrations.

    sqlite:///PATH                     the default: <workspace>/jobs.sqlite, one per workspace
    postgresql://USER@HOST/DB          a facility's shared journal (psycopg 3)

A journal is named by one of these URLs (``--journal``, ``$OTIO_RETAKE_JOURNAL``): any other text is refused
rather than taken for a file name. Python callers may also pass a ``pathlib.Path`` (a SQLite file).
``Journal`` stays the name of the SQLite store (the default every run uses).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ...errors import JournalError
from .base import (ACTIVE_STATES, DEFAULT_LEASE_SECONDS, JOURNAL_NAME, PAID_STATES, PG_SCHEMES, Claim, JobRecord,
                   JobState, Store, parse_postgres_url, redact_url, runner_identity)
from .sqlite import SQLiteJournal

__all__ = ["JobState", "JobRecord", "Journal", "Store", "Claim", "SQLiteJournal", "open_journal", "redact_url",
           "runner_identity", "journal_url_from_env", "check_journal_url", "ACTIVE_STATES", "PAID_STATES",
           "JOURNAL_NAME", "DEFAULT_LEASE_SECONDS", "JOURNAL_ENV"]

Journal = SQLiteJournal
JOURNAL_ENV = "OTIO_RETAKE_JOURNAL"
URL_FORMS = "sqlite:///PATH (a file) or postgresql://USER@HOST/DATABASE"


def journal_url_from_env() -> str | None:
    return os.environ.get(JOURNAL_ENV) or None


def is_shared(url: str | None) -> bool:
    return bool(url) and url.split(":", 1)[0].lower() in PG_SCHEMES


def _kind(text: str) -> str:
    scheme, sep, _ = text.partition("://")
    return scheme.lower() if sep else ""


def _sqlite_path(text: str, where: str) -> Path:
    path = text[len("sqlite://"):]
    if path.startswith("//"):  # sqlite:////abs/path (SQLAlchemy's spelling) too
        path = path[1:]
    if not path or path == "/":
        raise JournalError(f"{where}: a sqlite journal URL needs a file path", hint="e.g. sqlite:///srv/jobs.sqlite")
    return Path(path)


def check_journal_url(text: str, where: str = "the journal") -> str:
    """``text`` if it is a journal URL that can be used (``where`` names whence it came in the error if not:
    ``--journal``, the variable). Nothing is opened or created."""
    kind = _kind(text)
    if kind in PG_SCHEMES:
        parse_postgres_url(text)
    elif kind == "sqlite":
        _sqlite_path(text, where)
    elif kind:
        raise JournalError(f"{where}: unknown journal kind '{text.partition('://')[0]}'", hint=f"use {URL_FORMS}")
    else:
        # Not echoed if it could hold a password (a mistyped URL, a libpq "key=value" string).
        safe = not any(c in text for c in "@=:") and "password" not in text.lower()
        shown = f"'{text}'" if safe else "the value given"
        hint = f"use {URL_FORMS}"
        if re.match(r"(postgresql|postgres|sqlite)[:/]", text, re.IGNORECASE):
            hint = f"it starts like a journal URL but lacks its '://': {hint}"
        elif safe:
            hint = f"for a SQLite file there: sqlite://{Path(text).absolute()}; or {hint}"
        raise JournalError(f"{where}: {shown} is not a journal URL (nothing was opened or created)", hint=hint)
    return text


def open_journal(url: str | Path, *, create: bool = True, missing_hint: str | None = None, **options) -> Store:
    """The journal a URL names: ``sqlite:///PATH`` or ``postgresql://...`` (a ``Path``: that SQLite file).
    ``create=False``: a SQLite file that does not exist is refused (``missing_hint`` says what to do), not made."""
    if isinstance(url, Path):
        return SQLiteJournal(url, create=create, missing_hint=missing_hint)
    text = check_journal_url(str(url))
    if _kind(text) in PG_SCHEMES:
        from .postgres import PostgresJournal
        return PostgresJournal(text, **options)
    return SQLiteJournal(_sqlite_path(text, text), create=create, missing_hint=missing_hint)
