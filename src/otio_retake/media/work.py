"""Where media work runs: one thread per core for the whole process, however many jobs are waiting on hosts.

Cutting an excerpt, rendering a preview and splicing a take are CPU work (PyAV lets go of the GIL while it
codes). A run with 32 jobs in flight would otherwise cut and splice up to 32 at once: no faster on two cores,
and every one of those threads hands the GIL back and forth with the others and with the event loops, so each
piece takes longer and the host sees its uploads late. The pool is shared by every runner of the process (a
team worker runs one per thread).
"""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

__all__ = ["run_media_work", "MEDIA_THREADS"]

T = TypeVar("T")

MEDIA_THREADS = os.cpu_count() or 2
_POOL = ThreadPoolExecutor(max_workers=MEDIA_THREADS, thread_name_prefix="otio-retake-media")


async def run_media_work(function: Callable[..., T], /, *args, **kwargs) -> T:
    """``function(*args, **kwargs)`` on the process's media threads, awaited from any event loop."""
    return await asyncio.get_running_loop().run_in_executor(_POOL, functools.partial(function, *args, **kwargs))
