"""The ``Provider`` interface every engine implements, its limits and job handles.

A job goes::

    upload(excerpt) -> reference
    submit(request) -> JobHandle            (paid: never replayed blindly)
    poll(handle)    -> Queued | Running | Succeeded | Failed | Cancelled
    download(succeeded, dest)               (streamed to a temporary name, then renamed)

A ``JobHandle`` is a small frozen value that can be stored in the journal and
rebuilt to resume polling after a crash. ``JobStatus`` is a closed set: a
host's status word that a client does not know is an error, not a guess.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from ..model import Limits, Mode  # Limits lives with the shared value types; exported here too

__all__ = [
    "Limits", "RetakeRequest", "JobHandle", "Queued", "Running", "Succeeded", "Failed", "Cancelled",
    "JobStatus", "Provider",
]


@dataclass(frozen=True)
class RetakeRequest:
    video: str  # what upload() returned: a URL or data URI the host can read
    start_seconds: float
    duration_seconds: float
    prompt: str
    mode: Mode
    seed: int | None  # None: the host takes no seed, so none is sent (and none is listed on the take)
    variations: int = 1
    input_seconds: float = 0.0
    idempotency_key: str = ""  # unique per take and attempt: the host's idempotency key / task id where it has one
    take_marker: str = ""  # unique per take and attempt, carried where the host has a field for it


@dataclass(frozen=True)
class JobHandle:
    host: str
    job_id: str
    urls: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> JobHandle:
        data = json.loads(text)
        return cls(host=data["host"], job_id=data["job_id"], urls=dict(data.get("urls") or {}))


@dataclass(frozen=True)
class Queued:
    position: int | None = None


@dataclass(frozen=True)
class Running:
    progress: float | None = None


@dataclass(frozen=True)
class Succeeded:
    result_urls: tuple[str, ...]
    cost_usd: float | None = None


@dataclass(frozen=True)
class Failed:
    reason: str


@dataclass(frozen=True)
class Cancelled:
    pass


JobStatus = Queued | Running | Succeeded | Failed | Cancelled


@runtime_checkable
class Provider(Protocol):
    name: str
    model: str
    limits: Limits
    base_url: str  # where its API is ("" for an engine on this machine): part of a job's identity
    poll_seconds: float  # between status polls, unless the run says otherwise
    accepts_seed: bool  # the host's API documents a seed (it is sent only there)
    can_find_jobs: bool  # find_job's None means "the host has no such job" (a lost submit was never taken)
    finds_jobs_by_request: bool  # find_job matches by the request itself: one lookup at a time per job

    def host_params(self) -> dict: ...  # the host's own settings that change its result (part of the identity)

    async def upload(self, path: Path) -> str: ...

    async def submit(self, request: RetakeRequest) -> JobHandle: ...

    async def poll(self, handle: JobHandle) -> JobStatus: ...

    async def download(self, result: Succeeded, dest: Path, *, index: int = 0,
                       verify: Callable[[Path], None] | None = None) -> Path: ...

    async def cancel(self, handle: JobHandle) -> bool: ...

    async def aclose(self) -> None: ...

