"""Local paths <-> file URLs, the way editors' tools write them, and files written whole or not at all."""

from __future__ import annotations

import contextlib
import os
import re
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path, PurePosixPath, PureWindowsPath

__all__ = ["url_to_path", "path_to_url", "foreign_path", "file_name", "atomic_write", "atomic_path",
           "partial_path", "replace_durably"]

_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")


def url_to_path(url: str) -> str:
    """A target_url as a local path: file:// URLs decoded (``file://localhost/D%3a/x`` -> ``D:/x``)."""
    if url.startswith("file:"):
        parsed = urllib.parse.urlparse(url)
        path = urllib.parse.unquote(parsed.path)
        if len(path) > 2 and path[0] == "/" and path[2] == ":":  # /D:/media -> D:/media
            path = path[1:]
        elif path.startswith("/\\\\"):  # file://localhost/%5C%5Cserver%5Cshare -> \\server\share
            path = path[1:]
        if parsed.netloc and parsed.netloc != "localhost":
            path = f"//{parsed.netloc}{path}"  # UNC share
        return path
    return url


def path_to_url(path: str | Path) -> str:
    """An absolute ``file://`` URL for a path; a Windows path keeps its drive (``file://localhost/D:/a%20b.mov``)."""
    text = str(path)
    if PureWindowsPath(text).drive and not text.startswith("/"):
        return "file://localhost/" + urllib.parse.quote(text.replace("\\", "/"), safe="/:")
    return Path(path).resolve().as_uri()


def foreign_path(text: str) -> PurePosixPath | PureWindowsPath:
    """A path in the form its editor wrote it, whatever this machine is: Windows (``C:\\``, ``C:/``, UNC
    ``\\\\server\\share``, any backslash) or POSIX (``/Volumes/...``)."""
    if "\\" in text or _DRIVE.match(text):
        return PureWindowsPath(text)
    return PurePosixPath(text)


def file_name(text: str) -> str:
    """The file name at the end of a path written on any platform (``C:\\a\\b.mov`` -> ``b.mov``)."""
    return foreign_path(text.strip()).name


def partial_path(path: Path) -> Path:
    """A hidden name beside ``path`` to write it under, unique per process and thread (two threads may write the
    same file at once); it keeps the suffix, which writers such as OTIO's choose their format by."""
    return path.with_name(f".{path.stem}.partial-{os.getpid()}-{threading.get_native_id()}{path.suffix}")


def _fsync(path: Path, *, folder: bool = False) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    except OSError:
        if folder:
            return  # Windows cannot open a folder; its rename is journaled by NTFS itself
        raise
    try:
        os.fsync(fd)
    except OSError:
        if not folder:
            raise
    finally:
        os.close(fd)


def replace_durably(partial: Path, path: Path) -> None:
    """Put the finished ``partial`` in place of ``path``: its bytes reach the disk first, then the rename, then the
    folder's entry, so a crash or power cut leaves the old file or the new one, never an empty or torn one."""
    _fsync(partial)
    os.replace(partial, path)
    _fsync(path.parent if str(path.parent) else Path("."), folder=True)


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """``with atomic_path(dest) as partial:`` write ``partial`` by any means (a muxer, a zip, an adapter); on
    leaving without an error it replaces ``dest`` durably, on an error it is removed and ``dest`` is untouched."""
    path = Path(path)
    partial = partial_path(path)
    try:
        yield partial
        replace_durably(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def atomic_write(path: str | Path, data: str | bytes, *, encoding: str = "utf-8", newline: str | None = None,
                 private: bool = False) -> Path:
    """Write ``data`` to ``path`` whole or not at all (see ``atomic_path``). ``private``: readable by the user
    alone from the first byte (the mode is set at creation, never by a chmod after writing)."""
    path = Path(path)
    with atomic_path(path) as partial:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0),
                     0o600 if private else 0o666)
        if private:
            os.chmod(partial, 0o600)  # O_CREAT's mode is cut by the umask only, never widened; this keeps it exact
        if isinstance(data, bytes):
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
        else:
            with os.fdopen(fd, "w", encoding=encoding, newline=newline) as fh:
                fh.write(data)
    return path
