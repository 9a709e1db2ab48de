"""When to poll a job next: not before a job of that host could have finished, learned from the jobs it finished.

Every host here is polled (none streams its status; a webhook needs an address the host can reach). Polling a
2 s job every 0.2 s is ten requests, nine of them answered "in progress": with dozens of jobs in flight that is
most of a worker's HTTP and much of the host's serving. So once a job this process submitted is seen running,
its polls are held back until it has run nearly as long as the shortest run of this host's recent jobs, then
made at the run's interval: it is seen finished as soon as before, unless it is faster than any of those (then
at most that much later). A queued job is polled at the interval: how long a queue takes varies, and the
editor sees its place in it and the moment it starts. Learned per process, so every runner of a worker shares it.
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
        self._took: dict[Hashable, deque[float]] = {}

    def finished(self, host: Hashable, seconds: float, interval: float) -> None:
        """A job of ``host`` was seen finished ``seconds`` after it was first seen running, polled every
        ``interval`` s (it may have finished up to that much sooner)."""
        with self._lock:
            self._took.setdefault(host, deque(maxlen=RECENT)).append(max(0.0, seconds - interval))

    def next_poll(self, host: Hashable, since_running: float | None, interval: float) -> float:
        """Seconds to wait before the next poll of a job first seen running ``since_running`` seconds ago (None:
        queued, or not submitted by this process so how long it has run is not known: the interval)."""
        with self._lock:
            took = self._took.get(host)
            shortest = min(took) if took else None
        if since_running is None or shortest is None:
            return interval
        return max(interval, MARGIN * shortest - since_running)


PACE = HostPace()
