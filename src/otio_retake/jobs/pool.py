"""The hosts a run talks to: one client each, a limit of jobs at once per host, and a global limit.

A 429 from a host cools down only that host: new work for it waits out the
``Retry-After`` while jobs on other hosts carry on.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

from ..providers.base import Provider

__all__ = ["HostPool"]


class HostPool:
    def __init__(self, factory: Callable[..., Provider], *, global_limit: int | None = None,
                 per_host_limit: int | None = None) -> None:
        self._factory = factory
        self._providers: dict[str, Provider] = {}
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._global = asyncio.Semaphore(global_limit) if global_limit else None
        self._per_host_limit = per_host_limit
        self._resume_at: dict[str, float] = {}

    def provider(self, name: str) -> Provider:
        if name not in self._providers:
            self._providers[name] = self._factory(name, on_rate_limited=lambda s, n=name: self.cool_down(n, s))
        return self._providers[name]

    def cool_down(self, name: str, seconds: float) -> None:
        self._resume_at[name] = max(self._resume_at.get(name, 0.0), time.monotonic() + seconds)

    def limit(self, name: str) -> int:
        return self._per_host_limit or self.provider(name).limits.max_concurrent

    @contextlib.asynccontextmanager
    async def slot(self, name: str):
        """Hold one of the host's places (and a global one) for a job; waits out a cool-down first."""
        if name not in self._slots:
            self._slots[name] = asyncio.Semaphore(self.limit(name))
        async with self._slots[name]:
            async with self._global if self._global is not None else contextlib.nullcontext():
                wait = self._resume_at.get(name, 0.0) - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                yield self.provider(name)

    async def aclose(self) -> None:
        for provider in self._providers.values():
            await provider.aclose()
