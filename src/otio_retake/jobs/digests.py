"""The footage by its content: a digest of each media file's bytes, read once per file and kept in the workspace.

A job's identity (identity.py) holds the footage by content, not by path or modification time: ``touch``, a
copy on another drive, or a relink with ``--media-dir`` to byte-identical media ask for the same generation.

Why the whole file, streamed once, rather than its size and a few sampled blocks: a sampled digest calls two
files the same when they differ only between the samples (an uncompressed or constant-bitrate re-render of a
few frames keeps its size and most of its bytes), and then a paid take made from other pictures would be shown
as this one. Reading the file is the price of never doing that, and it is paid once per file: the digest is
kept in ``<workspace>/media-digests.json`` by (path, size, modification time), so later plans and runs only
``stat`` the file; a touched or copied file is read once more and then found to be the same. SHA-256 streams at
disk speed on current machines (hardware SHA extensions), in 1 MiB reads that hold little memory.

The cache file is written only into a workspace that exists (a plan refused by its checks leaves none behind);
it is replaced whole (written beside, then renamed), so a reader never sees it half-written, and two processes
writing at once at worst lose an entry, which is computed again.
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path

from ..paths import atomic_write

__all__ = ["MediaDigests", "file_content_digest", "CACHE_NAME"]

CACHE_NAME = "media-digests.json"
_CHUNK = 1 << 20


def file_content_digest(path: Path) -> str:
    """SHA-256 of the file's bytes (hex)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class MediaDigests:
    """Content digests of media files, cached by (path, size, mtime) in memory and in the workspace's file."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = Path(folder) if folder is not None else None
        self._lock = threading.Lock()
        self._known: dict[str, list] = self._load()

    @property
    def cache_path(self) -> Path | None:
        return self.folder / CACHE_NAME if self.folder is not None else None

    def _load(self) -> dict[str, list]:
        path = self.cache_path
        if path is None or not path.is_file():
            return {}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return {k: v for k, v in data.get("files", {}).items() if isinstance(v, list) and len(v) == 3}
        except (OSError, ValueError, AttributeError):
            return {}  # a damaged cache only costs reading the files again

    def of(self, path: Path) -> str:
        """The content digest of ``path``: from the cache while its size and mtime are unchanged, else read."""
        stat = Path(path).stat()
        key = str(path)
        with self._lock:
            entry = self._known.get(key)
            if entry is not None and entry[0] == stat.st_size and entry[1] == stat.st_mtime_ns:
                return entry[2]
        digest = file_content_digest(Path(path))
        with self._lock:
            self._known[key] = [stat.st_size, stat.st_mtime_ns, digest]
            self._save()
        return digest

    def _save(self) -> None:
        path = self.cache_path
        if path is None or not self.folder.is_dir():
            return
        try:
            on_disk = MediaDigests(self.folder)._known  # another process's entries are kept
            on_disk.update(self._known)
            self._known = on_disk
            atomic_write(path, json.dumps({"version": 1, "files": on_disk}, ensure_ascii=False))
        except OSError:
            pass  # a cache that cannot be written only costs reading the file again next time
