"""Where media work runs: one worker per core for the whole process, however many jobs are waiting on hosts.

Cutting an excerpt, rendering a preview and splicing a take are CPU work (PyAV lets go of the GIL while it
codes). A run with 32 jobs in flight would otherwise cut and splice up to 32 at once: no faster on two cores,
and every one of those threads hands the GIL back and forth with the others and with the event loops, so each
piece takes longer and the host sees its uploads late. The pool is shared by every runner of the process.

By default the pool is threads of this process. A team worker keeps dozens of jobs in flight, and there PyAV's
share of the GIL (AAC encoding, frame conversion, a take and a release around every call) and the event loops'
(HTTP, the journal) slowed each other: the worker spent about 160 ms of CPU per job, a third of it the kernel
switching threads, against about 80 ms for the job's excerpt and splice alone. So ``media_processes()`` runs the
media work in child processes while it lasts (``otio-retake worker`` does): forked from a server that has
imported the media code once, each leaving as soon as the process that started it has gone, even killed.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import multiprocessing
import multiprocessing.connection
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

from ..errors import EngineError
from .decode import decode_in_one_thread

__all__ = ["run_media_work", "media_processes", "MEDIA_THREADS"]

T = TypeVar("T")

MEDIA_THREADS = os.cpu_count() or 2
_THREADS = ThreadPoolExecutor(max_workers=MEDIA_THREADS, thread_name_prefix="otio-retake-media")
_pool: Executor = _THREADS
_processes = 0  # the children _pool has (0: it is _THREADS)
_PRELOAD = ["otio_retake.media.excerpt", "otio_retake.media.splice", "otio_retake.providers.preview"]


async def run_media_work(function: Callable[..., T], /, *args, **kwargs) -> T:
    """``function(*args, **kwargs)`` on the process's media workers, awaited from any event loop.

    In processes, the function and its arguments go by pickle (module-level functions, plain data)."""
    pool = _pool
    try:
        return await asyncio.get_running_loop().run_in_executor(pool, functools.partial(function, *args, **kwargs))
    except BrokenProcessPool:
        _replace_broken(pool)
        raise EngineError(f"a media process ended while running {getattr(function, '__name__', function)} "
                          "(killed, or out of memory)",
                          hint="run the same command again: nothing paid is lost, the job goes on from where it "
                               "stopped (a team worker tries it again itself)") from None


@contextlib.contextmanager
def media_processes(count: int = MEDIA_THREADS) -> Iterator[None]:
    """While it lasts, media work runs in ``count`` child processes instead of this process's threads."""
    global _pool, _processes
    if _processes:  # already in processes (nested): one pool
        yield
        return
    _pool, _processes = _process_pool(count), count
    try:
        yield
    finally:
        pool, _pool, _processes = _pool, _THREADS, 0
        pool.shutdown(wait=True, cancel_futures=True)


def _process_pool(count: int) -> ProcessPoolExecutor:
    # Not fork: this process has threads (event loops). Windows has no fork server: each child imports for itself.
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(_PRELOAD)
    else:
        context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(max_workers=count, mp_context=context, initializer=_start_child)


_replace_lock = threading.Lock()


def _replace_broken(pool: Executor) -> None:
    """A child that died breaks its whole pool: the next job gets a fresh one (the same size)."""
    global _pool
    with _replace_lock:
        if _pool is pool and _processes:
            _pool = _process_pool(_processes)
            pool.shutdown(wait=False, cancel_futures=True)


def _start_child() -> None:
    """In each child: one thread per decoder (the other children have the other cores), and exit once the process
    whose work this is has gone (it would otherwise wait for work forever).

    Not by watching its own parent: that is the fork server, which lives as long as any of its children does.
    The sentinel multiprocessing gives a child is a pipe the starting process holds open while it lives."""
    decode_in_one_thread()
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(0)

    threading.Thread(target=watch, name="otio-retake-media-watch", daemon=True).start()
