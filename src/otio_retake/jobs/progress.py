"""Progress of a run: a stream of events to subscribe to, and two ways to show it.

``ProgressHub`` is the stream: the runner publishes ``ProgressEvent``s, and
the terminal display, the review window and the bridge subscribe. On a
terminal ``LiveProgress`` keeps one table up to date (overall counts, each
job's state, elapsed time, queue position); elsewhere ``PlainProgress``
prints one line per step, which logs and CI read well.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table

from .runner import ProgressEvent

__all__ = ["ProgressHub", "JobBoard", "LiveProgress", "PlainProgress"]

FINAL = {"done", "reused", "failed"}


class ProgressHub:
    def __init__(self) -> None:
        self._subscribers: list[Callable[[ProgressEvent], None]] = []
        self._lock = threading.Lock()

    def subscribe(self, callback: Callable[[ProgressEvent], None]) -> Callable[[], None]:
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def publish(self, event: ProgressEvent) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for callback in subscribers:
            callback(event)


class JobBoard:
    """The latest step of every take, for displays."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.latest: dict[tuple[str, str], ProgressEvent] = {}
        self.started = time.monotonic()

    def update(self, event: ProgressEvent) -> None:
        self.latest[(event.range_name, event.take)] = event

    def counts(self) -> Counter:
        return Counter(e.kind for e in self.latest.values())

    @property
    def finished(self) -> int:
        return sum(1 for e in self.latest.values() if e.kind in FINAL)


class LiveProgress:
    def __init__(self, console: Console, total: int) -> None:
        self.board = JobBoard(total)
        self.live = Live(self._render(), console=console, refresh_per_second=4, transient=False)

    def _render(self):
        board = self.board
        counts = ", ".join(f"{n} {kind}" for kind, n in sorted(board.counts().items()))
        head = (f"{board.finished}/{board.total} takes finished in {time.monotonic() - board.started:.0f} s"
                + (f" ({counts})" if counts else ""))
        table = Table(show_edge=False, pad_edge=False)
        for col in ("range", "take", "step", "at", "note"):
            table.add_column(col)
        for (name, take), event in sorted(board.latest.items()):
            note = ""
            if event.detail.get("position") is not None:
                note = f"queue position {event.detail['position']}"
            elif event.kind == "failed":
                note = str(event.detail.get("reason", ""))[:60]
            table.add_row(name, take, event.kind, f"{event.elapsed:.0f} s", note)
        return Group(head, table)

    def __call__(self, event: ProgressEvent) -> None:
        self.board.update(event)
        self.live.update(self._render())

    def __enter__(self) -> LiveProgress:
        self.live.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.live.update(self._render())
        self.live.__exit__(*exc)


class PlainProgress:
    def __init__(self, console: Console, total: int) -> None:
        self.console = console
        self.board = JobBoard(total)

    def __call__(self, event: ProgressEvent) -> None:
        previous = self.board.latest.get((event.range_name, event.take))
        self.board.update(event)
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
