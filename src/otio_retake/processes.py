"""Processes of this machine, asked the same way on macOS, Windows and Linux (psutil).

A pid alone names a process only while it runs: once it ends the system may
give the number to another program. So a process we may later ask about is
recorded as its pid *and* its start time, and it is "still running" only when
a process with that pid started at that time. Nothing here reads Linux's proc
filesystem, and nothing probes with signal 0 (not a probe on Windows).
"""

from __future__ import annotations

import os
import signal
import sys

import psutil

__all__ = ["started_at", "is_running", "runs_otio_retake", "interrupt"]

# psutil gives a start time to the hundredth of a second on every platform; two readings of one process agree
# to that, and a pid reused within the same hundredth is not a case to design for.
_START_TOLERANCE = 0.05


def started_at(pid: int | None = None) -> float:
    """When a process (default: this one) started, in seconds since the epoch, rounded as it is recorded."""
    return round(psutil.Process(pid if pid is not None else os.getpid()).create_time(), 2)


def is_running(pid: int, started: float | None = None) -> bool:
    """Whether ``pid`` runs and, when ``started`` is given, is the process that started then (not a reused pid)."""
    try:
        process = psutil.Process(pid)
        if started is not None and abs(process.create_time() - started) > _START_TOLERANCE:
            return False
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:  # another user's process: it runs
        return True


def runs_otio_retake(pid: int) -> bool:
    """Whether the process's command line is an otio-retake (a reused pid is another program)."""
    try:
        words = psutil.Process(pid).cmdline()
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return False
    except psutil.AccessDenied:  # cannot tell: never taken for ours
        return False
    return any("otio-retake" in w or "otio_retake" in w for w in words)


def interrupt(pid: int) -> bool:
    """Ask a process to stop as Ctrl-C would; False where it is gone or this platform cannot send that.

    Windows delivers Ctrl-C only to processes sharing the sender's console, so there the caller relies on
    the journal (a cancelled job is never sent) instead of the signal."""
    if sys.platform == "win32":
        return False
    try:
        psutil.Process(pid).send_signal(signal.SIGINT)
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False
    return True
