"""WaveSpeedAI: ``/api/v3/lightricks/ltx-2-retake`` with binary uploads.

Every answer is wrapped as ``{code, message, data}``. States: ``created``,
``processing``, ``completed``, ``failed``; the video is ``data.outputs[0]``.
The model's documented inputs are ``video``, ``prompt`` and ``mode`` (default
``replace_audio_and_video``): no section. ``start_time`` / ``end_time``
appear on one version of the page only (unconfirmed, docs/hosts.md): they are
sent, but nothing relies on them. The planner sends only the marked range
(``honours_section=False``: no extra context), so a host that regenerates the
whole clip regenerates just what was marked, and the splice verifies which
frames actually changed. The poll URL is the one the host returns
(``data.urls.get``).
"""

from __future__ import annotations

from pathlib import Path

from ..errors import InvalidRequestError, ResultExpiredError, UnexpectedResponseError
from .base import Failed, JobHandle, JobStatus, Limits, Queued, RetakeRequest, Running, Succeeded
from .hosted import HostedProvider

__all__ = ["WaveSpeedProvider", "parse_wavespeed_status"]


def _data(body: dict, host: str) -> dict:
    if body.get("code") not in (None, 200):
        raise InvalidRequestError(str(body.get("message") or body), host=host, status=body.get("code"))
    return body.get("data") or {}


def parse_wavespeed_status(body: dict, host: str = "wavespeed") -> JobStatus:
    data = _data(body, host)
    status = data.get("status")
    if status == "created":
        return Queued()
    if status == "processing":
        return Running()
    if status == "completed":
        outputs = data.get("outputs") or []
        if not outputs:
            raise UnexpectedResponseError("completed without outputs", host=host)
        return Succeeded(result_urls=tuple(outputs))
    if status == "failed":
        return Failed(reason=str(data.get("error") or "no reason given"))
    raise UnexpectedResponseError(f"unknown prediction status '{status}'", host=host)


class WaveSpeedProvider(HostedProvider):
    name = "wavespeed"
    model = "lightricks/ltx-2-retake"
    key_env = "WAVESPEED_API_KEY"
    default_base_url = "https://api.wavespeed.ai"
    limits = Limits(max_concurrent=4, price_per_second=0.10, max_input_bytes=100 * 1024 * 1024,
                    honours_section=False)

    async def upload(self, path: Path) -> str:
        path = Path(path)
        with path.open("rb") as fh:
            answer = await self.http.request("POST", self.url("/api/v3/media/upload/binary"),
                                             files={"file": (path.name, fh, "video/mp4")})
        data = _data(answer.json(), self.name)
        url = data.get("download_url") or data.get("url")  # two versions of the docs
        if not url:
            raise UnexpectedResponseError("upload answered without a download_url", host=self.name)
        return url

    async def submit(self, request: RetakeRequest) -> JobHandle:
        body = {"video": request.video, "prompt": request.prompt, "mode": request.mode.host_word,
                "start_time": request.start_seconds,
                "end_time": request.start_seconds + request.duration_seconds}
        answer = await self.http.request("POST", self.url(f"/api/v3/{self.model}"), json=body, paid=True)
        data = _data(answer.json(), self.name)
        status = (data.get("urls") or {}).get("get") or self.url(f"/api/v3/predictions/{data['id']}/result")
        return JobHandle(host=self.name, job_id=data["id"], urls={"status": status})

    async def poll(self, handle: JobHandle) -> JobStatus:
        response = await self.http.request("GET", handle.urls["status"], not_found=ResultExpiredError)
        return parse_wavespeed_status(response.json())
