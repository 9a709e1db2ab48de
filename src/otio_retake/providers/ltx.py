"""The LTX API (Lightricks, the model's maker): ``POST /v2/retake``, presigned uploads.

States: ``pending`` -> ``processing`` -> ``completed`` | ``failed``; a job 404s
24 h after it ends. Billed per second of the INPUT clip, so the planner keeps
the context tight. Two generations at once by default.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ResultExpiredError, UnexpectedResponseError
from .base import Failed, JobHandle, JobStatus, Limits, Queued, RetakeRequest, Running, Succeeded
from .hosted import HostedProvider

__all__ = ["LtxProvider", "parse_ltx_status"]


def parse_ltx_status(body: dict, host: str = "ltx") -> JobStatus:
    status = body.get("status")
    if status == "pending":
        return Queued()
    if status == "processing":
        return Running()
    if status == "completed":
        url = (body.get("result") or {}).get("video_url")
        if not url:
            raise UnexpectedResponseError("job completed without result.video_url", host=host)
        return Succeeded(result_urls=(url,))
    if status == "failed":
        error = body.get("error") or {}
        return Failed(reason=f"{error.get('type', 'error')}: {error.get('message', 'no reason given')}")
    raise UnexpectedResponseError(f"unknown job status '{status}'", host=host)


class LtxProvider(HostedProvider):
    name = "ltx"
    model = "ltx-2-3-pro"
    key_env = "LTX_API_KEY"
    default_base_url = "https://api.ltx.video"
    limits = Limits(max_concurrent=2, price_per_second=0.10, price_basis="input", max_input_bytes=32 * 1024 * 1024)

    async def upload(self, path: Path) -> str:
        grant = (await self.http.request("POST", self.url("/v1/upload"))).json()
        headers = {"Content-Type": "video/mp4", **(grant.get("required_headers") or {})}
        await self.http.request("PUT", grant["upload_url"], content=Path(path).read_bytes(), headers=headers,
                                ok=(200, 201, 204), auth=False)
        return grant["storage_uri"]

    async def submit(self, request: RetakeRequest) -> JobHandle:
        body = {"video_uri": request.video, "start_time": request.start_seconds,
                "duration": request.duration_seconds, "prompt": request.prompt,
                "mode": request.mode.host_word, "model": self.model}
        answer = (await self.http.request("POST", self.url("/v2/retake"), json=body, paid=True)).json()
        return JobHandle(host=self.name, job_id=answer["id"], urls={"status": self.url(f"/v2/retake/{answer['id']}")})

    async def poll(self, handle: JobHandle) -> JobStatus:
        response = await self.http.request("GET", handle.urls["status"], not_found=ResultExpiredError)
        return parse_ltx_status(response.json())
