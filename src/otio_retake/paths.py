"""Local paths <-> file URLs, the way editors' tools write them."""

from __future__ import annotations

import re
import urllib.parse
from pathlib import Path, PurePosixPath, PureWindowsPath

__all__ = ["url_to_path", "path_to_url", "foreign_path", "file_name"]

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
