"""When to poll a job next: not before a job of that host could have moved on, learned from the jobs it ran.

Every host here is polled (none streams its status; a webhook needs an address the host can reach). Polling a
2 s job every 0.2 s is ten requests, nine of them answered "in progress": with dozens of jobs in flight that is
most of a worker's HTTP and much of the host's serving. So a job this process submitted is first asked about
when it has waited nearly as long as the shortest queue of this host's recent jobs (submit to first seen
running), and once seen running, when it has run nearly as long as the shortest of their runs; between and
after, at the run's interval. Each change is seen as soon as before, unless the job is quicker than any of
those (then at most that much later); its place in the queue is shown from its first poll. Learned per process,
so every runner of a worker shares it.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Hashable

__all__ = ["HostPace", "PACE"]

RECENT = 32  # the jobs of a host remembered: enough to forget a slow spell, few enough to follow a change
MARGIN = 0.9  # of the shortest learned time: a job a little faster than those is still seen at once


class HostPace:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._took: dict[tuple[Hashable, str], deque[float]] = {}

    def _learn(self, host: Hashable, stage: str, seconds: float, interval: float) -> None:
        with self._lock:  # seen up to one interval after it happened: it may have taken that much less
            self._took.setdefault((host, stage), deque(maxlen=RECENT)).append(max(0.0, seconds - interval))

    def _shortest(self, host: Hashable, stage: str) -> float | None:
        with self._lock:
            took = self._took.get((host, stage))
            return min(took) if took else None

    def started(self, host: Hashable, seconds: float, interval: float) -> None:
        """A job of ``host`` was first seen running ``seconds`` after its submit, polled every ``interval`` s."""
        self._learn(host, "queue", seconds, interval)

    def finished(self, host: Hashable, seconds: float, interval: float) -> None:
        """A job of ``host`` was seen finished ``seconds`` after it was first seen running, polled every
        ``interval`` s."""
        self._learn(host, "run", seconds, interval)

    def first_poll(self, host: Hashable, since_submit: float) -> float:
        """Seconds to wait before the first poll of a job this process submitted ``since_submit`` seconds ago:
        none until a job of this host has been seen to start."""
        shortest = self._shortest(host, "queue")
        return 0.0 if shortest is None else max(0.0, MARGIN * shortest - since_submit)

    def next_poll(self, host: Hashable, since_running: float | None, interval: float) -> float:
        """Seconds to wait before the next poll of a job first seen running ``since_running`` seconds ago (None:
        queued, or not submitted by this process so how long it has run is not known: the interval)."""
        shortest = self._shortest(host, "run")
        if since_running is None or shortest is None:
            return interval
        return max(interval, MARGIN * shortest - since_running)


PACE = HostPace()
