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
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from ..model import Mode

__all__ = [
    "Limits", "RetakeRequest", "JobHandle", "Queued", "Running", "Succeeded", "Failed", "Cancelled",
    "JobStatus", "Provider",
]


@dataclass(frozen=True)
class Limits:
    """What one host accepts and charges, as data the planner obeys."""

    min_section_seconds: float = 2.0
    max_section_seconds: float = 16.0
    max_section_start: float | None = None  # latest section start the host accepts (fal: 20 s)
    min_input_frames: int = 73  # the model's minimum input (about 3 s at 24 fps)
    max_input_seconds: float = 20.0  # the model's window is 505 frames, about 20-21 s
    max_input_bytes: int = 100 * 1024 * 1024
    max_width: int = 3840
    max_height: int = 2160
    exact_resolutions: tuple[tuple[int, int], ...] = ()  # e.g. Oxen's 1080p-only model
    whole_seconds: bool = False  # section start/duration must be whole seconds (Runware)
    # False where the host documents no section parameter (WaveSpeed): it may regenerate the whole clip, so
    # the clip sent is the marked range itself (grown only to the minimum input), never extra context
    honours_section: bool = True
    max_concurrent: int = 4
    max_variations: int = 1  # results per job with different seeds
    price_per_second: float = 0.10
    # What the host bills (jobs/cost.py): "output" (seconds of the returned clip), "input" (of the uploaded
    # clip, LTX), "section" (of the regenerated section) or "request" (price_per_request each)
    price_basis: str = "output"
    price_per_request: float = 0.0


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

    async def upload(self, path: Path) -> str: ...

    async def submit(self, request: RetakeRequest) -> JobHandle: ...

    async def poll(self, handle: JobHandle) -> JobStatus: ...

    async def download(self, result: Succeeded, dest: Path, *, index: int = 0) -> Path: ...

    async def cancel(self, handle: JobHandle) -> bool: ...

    async def aclose(self) -> None: ...

