"""The command line's view of a run's progress stream: a live table on terminals, plain lines elsewhere.

Both cost O(1) per event, so a run of hundreds of takes polled every second
is not slowed by its own display: ``JobBoard`` keeps its counts as events
arrive, and the live table is drawn by rich at its refresh rate (not once
per event) with the unfinished takes first and at most ``LIVE_ROWS`` rows.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table

from .jobs.progress import FINAL, ProgressEvent

__all__ = ["JobBoard", "LiveProgress", "PlainProgress", "LIVE_ROWS"]

LIVE_ROWS = 20  # a terminal shows a screenful; the head line counts the rest


class JobBoard:
    """The latest step of every take, with running counts by step."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.latest: dict[tuple[str, str], ProgressEvent] = {}
        self.started = time.monotonic()
        self._counts: Counter = Counter()
        self._lock = threading.Lock()  # the runner publishes from worker threads too

    def update(self, event: ProgressEvent) -> ProgressEvent | None:
        """Record ``event``; returns the take's previous event."""
        key = (event.range_name, event.take)
        with self._lock:
            previous = self.latest.get(key)
            if previous is not None:
                self._counts[previous.kind] -= 1
            self.latest[key] = event
            self._counts[event.kind] += 1
        return previous

    def counts(self) -> Counter:
        with self._lock:
            return +self._counts  # without the zeros

    @property
    def finished(self) -> int:
        with self._lock:
            return sum(self._counts[kind] for kind in FINAL)

    def rows(self, limit: int) -> list[ProgressEvent]:
        """Unfinished takes first (the ones to watch), then the finished ones, at most ``limit``."""
        with self._lock:
            events = list(self.latest.values())
        active = [e for e in events if e.kind not in FINAL]
        done = [e for e in events if e.kind in FINAL]
        return (active + done)[:limit]


class LiveProgress:
    def __init__(self, console: Console, total: int) -> None:
        self.board = JobBoard(total)
        self.live = Live(console=console, refresh_per_second=4, transient=False, get_renderable=self._render)

    def _render(self):
        board = self.board
        counts = ", ".join(f"{n} {kind}" for kind, n in sorted(board.counts().items()))
        head = (f"{board.finished}/{board.total} takes finished in {time.monotonic() - board.started:.0f} s"
                + (f" ({counts})" if counts else ""))
        table = Table(show_edge=False, pad_edge=False)
        for col in ("range", "take", "step", "at", "note"):
            table.add_column(col)
        for event in board.rows(LIVE_ROWS):
            note = ""
            if event.detail.get("position") is not None:
                note = f"queue position {event.detail['position']}"
            elif event.detail.get("progress") is not None:
                note = f"{event.detail['progress']:.0%} generated"
            elif event.kind == "failed":
                note = str(event.detail.get("reason", ""))[:60]
            table.add_row(event.range_name, event.take, event.kind, f"{event.elapsed:.0f} s", note)
        return Group(head, table)

    def __call__(self, event: ProgressEvent) -> None:
        self.board.update(event)

    def __enter__(self) -> LiveProgress:
        self.live.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.live.refresh()
        self.live.__exit__(*exc)


class PlainProgress:
    def __init__(self, console: Console, total: int) -> None:
        self.console = console
        self.board = JobBoard(total)

    def __call__(self, event: ProgressEvent) -> None:
        previous = self.board.update(event)
        if previous is not None and previous.kind == event.kind and event.kind in ("queued", "running"):
            return  # one line per change of step, not per poll
        detail = ""
        if event.detail.get("position") is not None:
            detail = f" (queue position {event.detail['position']})"
        if event.kind == "done" and not event.detail.get("context_match", True):
            detail = " [context mismatch: check this take]"
        if event.kind == "failed":
            detail = f": {event.detail.get('reason', '')}"
        self.console.print(f"[{event.elapsed:6.1f}s] {self.board.finished}/{self.board.total} "
                           f"{event.range_name} take {event.take}: {event.kind}{detail}", highlight=False)

    def __enter__(self) -> PlainProgress:
        return self

    def __exit__(self, *exc) -> None:
        return None
