"""Replicate: predictions of ``lightricks/ltx-2-retake``.

States: ``starting``, ``processing``, ``succeeded``, ``failed``, ``canceled``;
the output is one URI. The excerpt goes inline as a data URI.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ResultExpiredError, UnexpectedResponseError
from .base import Cancelled, Failed, JobHandle, JobStatus, Limits, Queued, RetakeRequest, Running, Succeeded
from .hosted import HostedProvider

__all__ = ["ReplicateProvider", "parse_replicate_status"]


def parse_replicate_status(body: dict, host: str = "replicate") -> JobStatus:
    status = body.get("status")
    if status == "starting":
        return Queued()
    if status == "processing":
        return Running()
    if status == "succeeded":
        output = body.get("output")
        urls = (output,) if isinstance(output, str) else tuple(output or ())
        if not urls:
            raise UnexpectedResponseError("succeeded without output", host=host)
        return Succeeded(result_urls=urls)
    if status == "failed":
        return Failed(reason=str(body.get("error") or "no reason given"))
    if status == "canceled":
        return Cancelled()
    raise UnexpectedResponseError(f"unknown prediction status '{status}'", host=host)


class ReplicateProvider(HostedProvider):
    name = "replicate"
    model = "lightricks/ltx-2-retake"
    key_env = "REPLICATE_API_TOKEN"
    default_base_url = "https://api.replicate.com"
    limits = Limits(max_concurrent=4, price_per_second=0.10, max_input_bytes=20 * 1024 * 1024)
    inline_limit = 28 * 1024 * 1024

    async def upload(self, path: Path) -> str:
        return self.data_uri(Path(path), limit_bytes=self.inline_limit, host=self.name)

    async def submit(self, request: RetakeRequest) -> JobHandle:
        body = {"input": {"video": request.video, "prompt": request.prompt, "start_time": request.start_seconds,
                          "duration": request.duration_seconds, "mode": request.mode.host_word}}
        answer = (await self.http.request("POST", self.url(f"/v1/models/{self.model}/predictions"), json=body,
                                          paid=True)).json()
        urls = answer.get("urls") or {}
        return JobHandle(host=self.name, job_id=answer["id"], urls={
            "status": urls.get("get") or self.url(f"/v1/predictions/{answer['id']}"),
            "cancel": urls.get("cancel") or self.url(f"/v1/predictions/{answer['id']}/cancel")})

    async def poll(self, handle: JobHandle) -> JobStatus:
        response = await self.http.request("GET", handle.urls["status"], not_found=ResultExpiredError)
        return parse_replicate_status(response.json())

    async def cancel(self, handle: JobHandle) -> bool:
        # Replicate answers with the prediction: one that had already succeeded stays so (nothing was stopped).
        answer = await self.http.request("POST", handle.urls["cancel"], ok=(200, 202))
        return _status_word(answer) != "succeeded"


def _status_word(answer) -> str | None:
    try:
        body = answer.json()
    except ValueError:
        return None
    return body.get("status") if isinstance(body, dict) else None
