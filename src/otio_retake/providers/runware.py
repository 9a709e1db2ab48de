"""Runware: one endpoint (``POST /v1``) taking a JSON array of tasks.

Section times are WHOLE seconds (``providerSettings.lightricks.startTime`` and
``duration`` are integers): the planner cuts the excerpt so the section
starts on a whole second and widens it to whole seconds. Each take is its
own task with its own ``seed`` (``numberResults`` stays 1, so every result's
seed is the one we sent). The task UUID is ours: a UUID v4 (as documented)
derived from the request's idempotency key, unique per take and attempt, so
a submit whose answer was lost is found again with ``getResponse`` instead of
being paid twice. A result item is read as the docs' example shows it
(``videoURL`` and ``cost``, no ``status``); a ``status`` is read where a poll
answer carries one.
"""

from __future__ import annotations

import hashlib
import math
import uuid
from pathlib import Path

from ..errors import InvalidRequestError, ResultExpiredError, UnexpectedResponseError
from .base import Failed, JobHandle, JobStatus, Limits, RetakeRequest, Running, Succeeded
from .hosted import HostedProvider

__all__ = ["RunwareProvider", "parse_runware_results", "task_uuid"]

def task_uuid(request: RetakeRequest) -> str:
    """A UUID v4 (the documented format) that is the same every time the same take's request is made."""
    key = request.idempotency_key or f"{request.video}|{request.start_seconds}|{request.prompt}|{request.seed}|" \
                                     f"{request.take_marker}"
    return str(uuid.UUID(bytes=hashlib.sha256(key.encode()).digest()[:16], version=4))


def parse_runware_results(body: dict, task: str, host: str = "runware") -> JobStatus:
    errors = [e for e in body.get("errors") or [] if e.get("taskUUID") in (None, task)]
    if errors:
        return Failed(reason="; ".join(str(e.get("message", e)) for e in errors))
    items = [d for d in body.get("data") or [] if d.get("taskUUID") == task]
    if not items:
        raise UnexpectedResponseError(f"no answer for task {task}", host=host)
    # The documented example result has videoURL and cost but no status: such an item is a result.
    statuses = {d.get("status") or ("success" if d.get("videoURL") else None) for d in items}
    unknown = statuses - {"processing", "success", "error"}
    if unknown:
        raise UnexpectedResponseError(f"unknown task status {sorted(map(str, unknown))}", host=host)
    if "error" in statuses:
        return Failed(reason="; ".join(str(d.get("message") or d.get("error") or "task failed") for d in items))
    if "processing" in statuses:
        return Running()
    urls = tuple(d["videoURL"] for d in items if d.get("videoURL"))
    costs = [float(d["cost"]) for d in items if d.get("cost") is not None]
    return Succeeded(result_urls=urls, cost_usd=round(sum(costs), 4) if costs else None)


class RunwareProvider(HostedProvider):
    name = "runware"
    model = "lightricks:3@1"
    key_env = "RUNWARE_API_KEY"
    default_base_url = "https://api.runware.ai"
    can_find_jobs = True
    accepts_seed = True
    limits = Limits(max_concurrent=4, price_per_second=0.10, whole_seconds=True, max_variations=4,
                    max_input_bytes=100 * 1024 * 1024)
    inline_limit = 100 * 1024 * 1024

    async def _tasks(self, tasks: list[dict], *, paid: bool = False, not_found=InvalidRequestError) -> dict:
        return (await self.http.request("POST", self.url("/v1"), json=tasks, paid=paid, not_found=not_found)).json()

    async def upload(self, path: Path) -> str:
        media = self.data_uri(Path(path), limit_bytes=self.inline_limit, host=self.name)
        body = await self._tasks([{"taskType": "mediaStorage", "taskUUID": str(uuid.uuid4()),
                                   "operation": "upload", "media": media}])
        items = body.get("data") or []
        if not items or not items[0].get("mediaURL"):
            raise UnexpectedResponseError("mediaStorage answered without a mediaURL", host=self.name)
        return items[0]["mediaURL"]

    async def submit(self, request: RetakeRequest) -> JobHandle:
        task = task_uuid(request)
        body = [{
            "taskType": "videoInference", "taskUUID": task, "model": self.model,
            "positivePrompt": request.prompt, "inputs": {"video": request.video},
            "providerSettings": {"lightricks": {"startTime": int(round(request.start_seconds)),
                                                "duration": int(math.ceil(request.duration_seconds - 1e-9)),
                                                "mode": request.mode.host_word}},
            "deliveryMethod": "async", "outputType": "URL", "outputFormat": "MP4",
            "numberResults": 1, "includeCost": True,
        }]
        if request.seed is not None:
            body[0]["seed"] = request.seed
        answer = await self._tasks(body, paid=True)
        if answer.get("errors"):
            raise InvalidRequestError("; ".join(str(e.get("message", e)) for e in answer["errors"]), host=self.name)
        return JobHandle(host=self.name, job_id=task)

    async def poll(self, handle: JobHandle) -> JobStatus:
        body = await self._tasks([{"taskType": "getResponse", "taskUUID": handle.job_id}], not_found=ResultExpiredError)
        return parse_runware_results(body, handle.job_id)

    async def find_job(self, request: RetakeRequest, exclude: frozenset[str] = frozenset()) -> JobHandle | None:
        task = task_uuid(request)  # unique to this take and attempt, so ``exclude`` cannot hold it
        body = await self._tasks([{"taskType": "getResponse", "taskUUID": task}], not_found=ResultExpiredError)
        if any(d.get("taskUUID") == task for d in body.get("data") or []):
            return JobHandle(host=self.name, job_id=task)
        return None
