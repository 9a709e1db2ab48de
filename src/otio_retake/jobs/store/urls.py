"""Journal URLs: which kind (``sqlite:///PATH``, ``postgresql://...``), checked before anything is opened, and shown
or stored without their passwords.

A postgresql:// URL is cut up here the way libpq cuts it, and refused when libpq could read it otherwise than
we do (a password's unencoded '@', '/', '#', '%'...): a URL read two ways could send its password to a host or
show it in an error. psycopg (an optional extra) is not needed to check or redact a URL.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote

from ...errors import JournalError

__all__ = ["PG_SCHEMES", "JOURNAL_ENV", "PgUrl", "parse_postgres_url", "redact_url", "check_journal_url",
           "journal_url_from_env", "is_shared", "sqlite_path", "url_kind"]

JOURNAL_ENV = "OTIO_RETAKE_JOURNAL"
URL_FORMS = "sqlite:///PATH (a file) or postgresql://USER@HOST/DATABASE"


def journal_url_from_env() -> str | None:
    return os.environ.get(JOURNAL_ENV) or None


def is_shared(url: str | None) -> bool:
    return bool(url) and url.split(":", 1)[0].lower() in PG_SCHEMES


def url_kind(text: str) -> str:
    scheme, sep, _ = text.partition("://")
    return scheme.lower() if sep else ""


def sqlite_path(text: str, where: str) -> Path:
    path = text[len("sqlite://"):]
    if path.startswith("//"):  # sqlite:////abs/path (SQLAlchemy's spelling) too
        path = path[1:]
    if not path or path == "/":
        raise JournalError(f"{where}: a sqlite journal URL needs a file path", hint="e.g. sqlite:///srv/jobs.sqlite")
    return Path(path)


def check_journal_url(text: str, where: str = "the journal") -> str:
    """``text`` if it is a journal URL that can be used (``where`` names whence it came in the error if not:
    ``--journal``, the variable). Nothing is opened or created."""
    kind = url_kind(text)
    if kind in PG_SCHEMES:
        parse_postgres_url(text)
    elif kind == "sqlite":
        sqlite_path(text, where)
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


PG_SCHEMES = ("postgresql", "postgres")

# How to write a password libpq and we read the same way (or to keep it out of the URL).
URL_PASSWORD_HINT = ("percent-encode the password's special characters in the URL (@ as %40, : as %3A, / as %2F, "
                     "% as %25, ? as %3F, # as %23, & as %26), or leave it out of the URL: PGPASSWORD, ~/.pgpass, "
                     "or the password= query parameter (percent-encoded too)")


@dataclass(frozen=True)
class PgUrl:
    """A postgresql:// URL cut up the way libpq cuts it, every part as written (not percent-decoded)."""

    scheme: str  # lower case: libpq knows no other spelling
    userinfo: str | None  # before the '@', if any
    hosts: str  # host[:port][,host[:port]...]
    rest: str  # the path and the query, from the first '/' or '?' on

    @property
    def user(self) -> str | None:
        return None if self.userinfo is None else self.userinfo.partition(":")[0]

    @property
    def password(self) -> str | None:
        if self.userinfo is None or ":" not in self.userinfo:
            return None
        return self.userinfo.partition(":")[2]

    def conninfo(self) -> str:
        """The URL for libpq (its scheme in lower case, the only spelling libpq reads as a URL)."""
        return f"{self.scheme}://" + (f"{self.userinfo}@" if self.userinfo is not None else "") + self.hosts + \
            self.rest

    def _query(self) -> tuple[str, list[str]]:
        path, _, query = self.rest.partition("?")
        return path, query.split("&") if query else []

    def query_passwords(self) -> list[str]:
        """The values (as written) of the query's password parameters (libpq's ``password=``, ``sslpassword=``)."""
        return [piece.partition("=")[2] for piece in self._query()[1]
                if unquote(piece.partition("=")[0]) in SECRET_PARAMETERS]

    def redacted(self) -> str:
        user = "" if self.userinfo is None else f"{self.user}:***@" if self.password is not None \
            else f"{self.userinfo}@"
        rest = self.rest
        if self.query_passwords():
            path, pieces = self._query()
            rest = path + "?" + "&".join(f"{piece.partition('=')[0]}=***"
                                         if unquote(piece.partition("=")[0]) in SECRET_PARAMETERS else piece
                                         for piece in pieces)
        return f"{self.scheme}://{user}{self.hosts}{rest}"

    def secrets(self) -> list[str]:
        """Every spelling of the URL's passwords an error message could hold (as written, percent-decoded and
        percent-encoded), longest first."""
        found = set()
        for raw in [self.password, *self.query_passwords()]:
            if raw:
                found |= {raw, unquote(raw), quote(unquote(raw), safe="")}
        return sorted((s for s in found if s), key=len, reverse=True)

    def scrub(self, text: str) -> str:
        """``text`` with every spelling of the URL's passwords replaced by ``***`` (an error message)."""
        for secret in self.secrets():  # longest first: a short one inside a longer one is not left half shown
            text = text.replace(secret, "***")
        return text


SECRET_PARAMETERS = frozenset({"password", "sslpassword"})  # libpq's query parameters that hold one
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})|%00")


def parse_postgres_url(url: str) -> PgUrl:
    """The URL's parts, or a JournalError if libpq could read it otherwise than we do (a password whose '@', '/',
    '?', '#', '%', '&' or '=' is not percent-encoded, a port that is not a number). The error shows nothing of the
    URL past its scheme: what is wrong there may be a password."""
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in PG_SCHEMES:
        raise ValueError(f"not a postgresql:// URL: {scheme}")

    def refuse(why: str):
        raise JournalError(f"the {scheme}:// journal URL cannot be read unambiguously: {why} (the URL is not shown: "
                           "it may hold a password)", hint=URL_PASSWORD_HINT)

    if "#" in rest:
        refuse("it holds a '#'")
    if _BAD_PERCENT.search(rest):
        refuse("it holds a '%' that is not followed by two hexadecimal digits (or is %00)")
    authority = re.match(r"[^/?]*", rest).group()  # libpq's too: the host list ends at the first '/' or '?'
    after = rest[len(authority):]
    if authority.count("@") > 1:
        refuse("more than one '@' before the host")
    if "@" in after.partition("?")[0]:
        refuse("a '@' after the host, in the database name")
    if "@" not in authority and "@" in rest.partition("/")[0]:
        # libpq looks for the user and password up to the first '@' before any '/': here, in the query
        refuse("a '@' in the query before any '/'")
    for piece in after.partition("?")[2].split("&"):
        if piece and piece.count("=") != 1:
            # libpq would refuse it, quoting what may be a piece of a password cut at a bare '&' or '='
            refuse("a query parameter without exactly one '=' (a bare '&' or '=' in a value: write %26 or %3D)")
    userinfo, at, hosts = authority.rpartition("@")
    for spec in hosts.split(","):
        if spec.startswith("["):
            end = spec.find("]")
            if end < 0:
                refuse("a '[' host without its ']'")
            port = spec[end + 1:]
            if port and not port.startswith(":"):
                refuse("something other than ':PORT' after a ']' host")
            port = port[1:] if port else None
        else:
            _, colon, port = spec.partition(":")
            port = port if colon else None
        if port is not None and not (port.isascii() and port.isdigit() and 0 < int(port) < 65536):
            refuse("a port that is not a number from 1 to 65535")
    return PgUrl(scheme, userinfo if at else None, hosts, after)


def redact_url(url: str) -> str:
    """The URL as it may be shown or stored: any password replaced by ``***``. Never raises: a postgresql:// URL
    that cannot be read unambiguously is shown as its scheme alone."""
    try:
        text = str(url)
        scheme, sep, rest = text.partition("://")
        if not sep or scheme.lower() == "sqlite":
            return text
        if scheme.lower() in PG_SCHEMES:
            try:
                return parse_postgres_url(text).redacted()
            except JournalError:
                return f"{scheme.lower()}://***"
        return f"{scheme}://***" if "@" in rest or "password" in rest.lower() else text  # a kind we do not know
    except Exception:  # pragma: no cover - nothing above raises; a URL is never worth a crash
        return "<journal URL>"
