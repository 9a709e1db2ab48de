"""A journal's steps awaited from coroutines, run on a thread of their own, never on the event loop.

A store call is blocking I/O: a SQLite write waits on another process's lock, and a lost PostgreSQL server is
retried for up to OTIO_RETAKE_JOURNAL_RETRY seconds. Made on the loop, one job's journal step froze every other
job's polling, downloads and the display meanwhile. ``await OffLoop(store).move(...)`` waits on one thread kept
for the journal: the other jobs go on, and the steps are taken in the order they were asked (one thread), so a
job's rows never overtake each other.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from .base import Store

__all__ = ["OffLoop"]


class OffLoop:
    """``await journal.NAME(...)`` for every method of the store ``open_store()`` gives (opened on first use, on
    the journal's thread too)."""

    def __init__(self, open_store: Callable[[], Store]) -> None:
        self._open = open_store
        self._thread: ThreadPoolExecutor | None = None

    def __getattr__(self, name: str):
        async def call(*args, **kwargs):
            if self._thread is None:
                self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="journal")
            return await asyncio.get_running_loop().run_in_executor(
                self._thread, lambda: getattr(self._open(), name)(*args, **kwargs))
        call.__name__ = name
        return call

    def shutdown(self) -> None:
        """Let the thread go once its steps are done (never waiting here: the loop may be closing)."""
        if self._thread is not None:
            self._thread.shutdown(wait=False)
            self._thread = None
