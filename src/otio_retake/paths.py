"""Local paths <-> file URLs, the way editors' tools write them."""

from __future__ import annotations

import urllib.parse
from pathlib import Path, PureWindowsPath

__all__ = ["url_to_path", "path_to_url"]


def url_to_path(url: str) -> str:
    """A target_url as a local path: file:// URLs decoded (``file://localhost/D%3a/x`` -> ``D:/x``)."""
    if url.startswith("file:"):
        parsed = urllib.parse.urlparse(url)
        path = urllib.parse.unquote(parsed.path)
        if len(path) > 2 and path[0] == "/" and path[2] == ":":  # /D:/media -> D:/media
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
