"""The progress of a run as one stream of events.

The runner publishes a ``ProgressEvent`` for each step of each take;
``ProgressHub`` hands every event to its subscribers: the command line's
display (``otio_retake.display``), the review window and the bridge.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["ProgressEvent", "ProgressHub", "KINDS", "FINAL"]

# The steps a take goes through; a take ends "done", "reused" or "failed".
KINDS = ("excerpt", "upload", "submit", "queued", "running", "download", "splice", "done", "reused", "failed")
FINAL = frozenset({"done", "reused", "failed"})


@dataclass(frozen=True)
class ProgressEvent:
    """One step of one take, for terminals, the review window and the bridge."""

    kind: str  # one of KINDS
    range_name: str
    take: str
    elapsed: float
    detail: dict = field(default_factory=dict)


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
