"""Oxen: the generation queue (``/api/ai/queue``), media uploaded into an Oxen repository.

Models: ``ltx-2-3-pro-retake`` (default; ``retake_*`` fields, input up to 4K)
and ``lightricks-ltx-2-retake`` (``start_time``/``duration``/``mode``, input
exactly 1080p). ``num_generations`` (1-4) gives variations. States:
``queued``, ``processing``, ``succeeded``, ``failed``, ``cancelled``; parameters
are validated only when the job runs, so bad values end as ``failed``. There
is no media upload endpoint: the excerpt is committed into a repository of the
user's own, named by ``OXEN_REPO`` (``namespace/repo``; there is no shared
default: another account's repository would see every excerpt), with
``PUT /api/repos/{ns}/{repo}/file/{branch}/{path}`` (the resource includes the
branch, ``OXEN_BRANCH``, default ``main``) and referenced by its URL. The
queue list is how a submit whose answer was lost is found again.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import InputError, ResultExpiredError, UnexpectedResponseError
from .base import Cancelled, Failed, JobHandle, JobStatus, Limits, Queued, RetakeRequest, Running, Succeeded
from .hosted import HostedProvider

__all__ = ["OxenProvider", "OxenLtx2Provider", "parse_oxen_status", "combine"]

DEFAULT_BRANCH = "main"
UPLOAD_DIR = "otio-retake"


def parse_oxen_status(body: dict, host: str = "oxen") -> JobStatus:
    status = body.get("status")
    if status == "queued":
        return Queued(position=body.get("queue_position"))
    if status == "processing":
        return Running()
    if status == "succeeded":
        if not body.get("result_url"):
            raise UnexpectedResponseError("succeeded without result_url", host=host)
        return Succeeded(result_urls=(body["result_url"],))
    if status == "failed":
        return Failed(reason=str(body.get("error_message") or "no reason given"))
    if status == "cancelled":
        return Cancelled()
    raise UnexpectedResponseError(f"unknown generation status '{status}'", host=host)


def combine(statuses: list[JobStatus]) -> JobStatus:
    """One status for the generations of one job: failed if any failed, done when all are."""
    for s in statuses:
        if isinstance(s, (Failed, Cancelled)):
            return s
    if all(isinstance(s, Succeeded) for s in statuses):
        return Succeeded(result_urls=tuple(u for s in statuses for u in s.result_urls))
    if any(isinstance(s, Running) for s in statuses):
        return Running()
    return Queued()


class OxenProvider(HostedProvider):
    name = "oxen"
    model = "ltx-2-3-pro-retake"
    key_env = "OXEN_API_KEY"
    default_base_url = "https://hub.oxen.ai"
    can_find_jobs = True
    finds_jobs_by_request = True
    limits = Limits(max_concurrent=4, price_per_second=0.10, max_variations=4)

    def __init__(self, key: str, *, base_url: str | None = None, repo: str | None = None,
                 branch: str | None = None, **kw) -> None:
        repo = repo or os.environ.get("OXEN_REPO")
        if not repo or repo.count("/") != 1:
            raise InputError("oxen needs a repository of your own to upload excerpts to (OXEN_REPO is not set)",
                             hint="create one on hub.oxen.ai and set OXEN_REPO=your-namespace/repo-name")
        super().__init__(key, base_url=base_url, **kw)
        self.repo = repo
        self.branch = branch or os.environ.get("OXEN_BRANCH") or DEFAULT_BRANCH

    def _fields(self, request: RetakeRequest) -> dict:
        if self.model == "lightricks-ltx-2-retake":
            return {"prompt": request.prompt, "input_video": request.video, "start_time": request.start_seconds,
                    "duration": request.duration_seconds, "mode": request.mode.host_word}
        return {"prompt": request.prompt, "input_video": request.video, "retake_start_time": request.start_seconds,
                "retake_duration": request.duration_seconds, "retake_mode": request.mode.host_word}

    def host_params(self) -> dict:
        return {"repo": self.repo, "branch": self.branch}

    async def upload(self, path: Path) -> str:
        path = Path(path)
        resource = f"{self.branch}/{UPLOAD_DIR}/{path.name}"
        with path.open("rb") as fh:
            await self.http.request("PUT", self.url(f"/api/repos/{self.repo}/file/{resource}"),
                                    files={"file": (path.name, fh, "video/mp4")},
                                    data={"message": f"otio-retake excerpt {path.name}"})
        return self.url(f"/api/repos/{self.repo}/file/{resource}")

    async def submit(self, request: RetakeRequest) -> JobHandle:
        body = {"model": self.model, "num_generations": 1, **self._fields(request)}  # one take, one job
        answer = (await self.http.request("POST", self.url("/api/ai/queue"), json=body, paid=True)).json()
        ids = [g["generation_id"] for g in answer.get("generations") or []]
        if not ids:
            raise UnexpectedResponseError("queue answered without generations", host=self.name)
        return JobHandle(host=self.name, job_id=ids[0], urls={"generations": ",".join(ids)})

    def _ids(self, handle: JobHandle) -> list[str]:
        return handle.urls.get("generations", handle.job_id).split(",")

    async def poll(self, handle: JobHandle) -> JobStatus:
        statuses = []
        for gid in self._ids(handle):
            response = await self.http.request("GET", self.url(f"/api/ai/queue/{gid}"), not_found=ResultExpiredError)
            statuses.append(parse_oxen_status(response.json()))
        return combine(statuses)

    async def cancel(self, handle: JobHandle) -> bool:
        # The answer is the generation (or nothing): one that had already succeeded was not stopped.
        stopped = False
        for gid in self._ids(handle):
            answer = await self.http.request("DELETE", self.url(f"/api/ai/queue/{gid}"), ok=(200, 202, 204))
            try:
                body = answer.json() if answer.content else {}
            except ValueError:
                body = {}
            stopped = stopped or not (isinstance(body, dict) and body.get("status") == "succeeded")
        return stopped

    async def find_job(self, request: RetakeRequest, exclude: frozenset[str] = frozenset()) -> JobHandle | None:
        # One generation per take; generations other takes already hold (``exclude``) are never adopted.
        listing = (await self.http.request("GET", self.url("/api/ai/queue"))).json()
        wanted = {"model": self.model, **self._fields(request)}
        ids = [g["generation_id"] for g in listing.get("generations") or []
               if all(g.get("request", {}).get(k) == v for k, v in wanted.items())
               and g["generation_id"] not in exclude]
        if not ids:
            return None
        return JobHandle(host=self.name, job_id=ids[0], urls={"generations": ids[0]})


class OxenLtx2Provider(OxenProvider):
    """Oxen's ``lightricks-ltx-2-retake``: the input must be exactly 1920x1080 or 1080x1920."""

    name = "oxen-ltx2"
    model = "lightricks-ltx-2-retake"
    limits = Limits(max_concurrent=4, price_per_second=0.10, max_variations=4,
                    exact_resolutions=((1920, 1080), (1080, 1920)))
