"""fal: the queue API (``queue.fal.run/{model}``) with fal storage uploads.

States: ``IN_QUEUE`` (with ``queue_position``) -> ``IN_PROGRESS`` -> ``COMPLETED``;
the result, or the reason it failed, comes from ``response_url``. The URLs
fal returns are used as given. Failed 5xx requests are not billed.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import HostError, ResultExpiredError, UnexpectedResponseError
from .base import Failed, JobHandle, JobStatus, Limits, Queued, RetakeRequest, Running, Succeeded
from .hosted import HostedProvider

__all__ = ["FalProvider", "parse_fal_status"]


def parse_fal_status(body: dict, host: str = "fal") -> JobStatus | None:
    """Queued / Running, or None for COMPLETED (the result is fetched separately)."""
    status = body.get("status")
    if status == "IN_QUEUE":
        return Queued(position=body.get("queue_position"))
    if status == "IN_PROGRESS":
        return Running()
    if status == "COMPLETED":
        return None
    raise UnexpectedResponseError(f"unknown queue status '{status}'", host=host)


class FalProvider(HostedProvider):
    name = "fal"
    model = "fal-ai/ltx-2/retake-video"
    key_env = "FAL_KEY"
    default_base_url = "https://queue.fal.run"
    default_rest_url = "https://rest.alpha.fal.ai"
    auth_scheme = "Key"
    # fal's schema: start_time 0-20 s, duration 2-20 s (fal.ai/models/fal-ai/ltx-2/retake-video)
    limits = Limits(max_concurrent=4, price_per_second=0.10, max_section_seconds=20.0, max_section_start=20.0)

    def __init__(self, key: str, *, base_url: str | None = None, **kw) -> None:
        super().__init__(key, base_url=base_url, **kw)
        # An emulator or proxy serves the queue and the storage API from one base URL.
        self.rest_url = self.base_url if base_url else self.default_rest_url

    async def upload(self, path: Path) -> str:
        path = Path(path)
        grant = (await self.http.request(
            "POST", f"{self.rest_url}/storage/upload/initiate?storage_type=fal-cdn-v3",
            json={"file_name": path.name, "content_type": "video/mp4"})).json()
        await self.http.request("PUT", grant["upload_url"], content=path.read_bytes(),
                                headers={"Content-Type": "video/mp4"}, ok=(200, 201, 204), auth=False)
        return grant["file_url"]

    async def submit(self, request: RetakeRequest) -> JobHandle:
        body = {"video_url": request.video, "prompt": request.prompt, "start_time": request.start_seconds,
                "duration": request.duration_seconds, "retake_mode": request.mode.host_word}
        answer = (await self.http.request("POST", self.url(f"/{self.model}"), json=body, paid=True)).json()
        return JobHandle(host=self.name, job_id=answer["request_id"], urls={
            "status": answer["status_url"], "response": answer["response_url"], "cancel": answer["cancel_url"]})

    async def poll(self, handle: JobHandle) -> JobStatus:
        status = await self.http.request("GET", handle.urls["status"], not_found=ResultExpiredError)
        parsed = parse_fal_status(status.json())
        if parsed is not None:
            return parsed
        try:
            result = await self.http.request("GET", handle.urls["response"], not_found=ResultExpiredError)
        except ResultExpiredError:
            raise
        except HostError as exc:  # the model ran and failed: fal answers the response URL with the error
            if exc.retryable:
                raise
            return Failed(reason=exc.message)
        video = (result.json() or {}).get("video") or {}
        if not video.get("url"):
            raise UnexpectedResponseError("completed without video.url", host=self.name)
        return Succeeded(result_urls=(video["url"],))

    async def cancel(self, handle: JobHandle) -> bool:
        # fal answers 202 CANCELLATION_REQUESTED while the request is queued or running, and 400
        # ALREADY_COMPLETED once it has finished: nothing was stopped then (False: the caller asks what happened).
        answer = await self.http.request("PUT", handle.urls["cancel"], ok=(200, 202, 204, 400))
        if answer.status_code != 400:
            return True
        try:
            body = answer.json()
        except ValueError:
            body = None
        word = body.get("status") if isinstance(body, dict) else None
        if word == "ALREADY_COMPLETED":
            return False
        raise self.http.error_for(answer)
