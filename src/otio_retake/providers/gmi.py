"""GMI Cloud: the request queue (``/api/v1/ie/requestqueue/apikey/requests``), model ``ltx-2-pro-retake``.

States: ``queued``, ``processing``, ``success``, ``failed``, ``cancelled``; the
video at ``outcome.media_urls[0].url`` (from client code: unconfirmed).
GMI documents ``video_uri`` as an "Input video URL" and no upload API, so the
excerpt goes inline as a data URI: unconfirmed (``otio-retake doctor gmi
--probe`` checks it). The excerpt is encoded under ``max_input_bytes`` so its
data URI stays under ``inline_limit``; one that does not is refused before
anything is sent, saying so. The request list is how a submit whose answer
was lost is found again.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import InvalidRequestError, ResultExpiredError, UnexpectedResponseError
from .base import Cancelled, Failed, JobHandle, JobStatus, Limits, Queued, RetakeRequest, Running, Succeeded
from .hosted import HostedProvider

__all__ = ["GmiProvider", "parse_gmi_status"]

QUEUE = "/api/v1/ie/requestqueue/apikey/requests"


def parse_gmi_status(body: dict, host: str = "gmi") -> JobStatus:
    status = body.get("status")
    if status == "queued":
        return Queued()
    if status == "processing":
        return Running()
    if status == "success":
        urls = [m.get("url") for m in (body.get("outcome") or {}).get("media_urls") or [] if m.get("url")]
        if not urls:
            raise UnexpectedResponseError("success without outcome.media_urls", host=host)
        return Succeeded(result_urls=tuple(urls))
    if status == "failed":
        return Failed(reason=str(body.get("error") or body.get("message") or "no reason given"))
    if status == "cancelled":
        return Cancelled()
    raise UnexpectedResponseError(f"unknown request status '{status}'", host=host)


class GmiProvider(HostedProvider):
    name = "gmi"
    model = "ltx-2-pro-retake"
    key_env = "GMI_API_KEY"
    default_base_url = "https://console.gmicloud.ai"
    can_find_jobs = True
    finds_jobs_by_request = True
    limits = Limits(max_concurrent=4, price_per_second=0.10, max_input_seconds=21.0,
                    max_input_bytes=20 * 1024 * 1024)
    inline_limit = 28 * 1024 * 1024  # a 20 MB excerpt, base64; GMI states no limit for a data URI (unconfirmed)

    def _payload(self, request: RetakeRequest) -> dict:
        return {"video_uri": request.video, "start_time": request.start_seconds, "duration": request.duration_seconds,
                "prompt": request.prompt, "mode": request.mode.host_word}

    async def upload(self, path: Path) -> str:
        try:
            return self.data_uri(Path(path), limit_bytes=self.inline_limit, host=self.name)
        except InvalidRequestError as exc:
            raise InvalidRequestError(
                f"{exc.message.removeprefix('gmi: ')}: GMI documents video_uri as a URL and has no upload API, so "
                f"otio-retake sends the excerpt inline as a data URI, and this one is too large to send",
                host=self.name, hint="retake a shorter range or with less context (--context S), or use a host "
                                     "with an upload API (ltx, fal, wavespeed, runware, oxen)") from None

    async def submit(self, request: RetakeRequest) -> JobHandle:
        answer = (await self.http.request("POST", self.url(QUEUE), json={"model": self.model,
                                                                         "payload": self._payload(request)},
                                          paid=True)).json()
        rid = answer["request_id"]
        return JobHandle(host=self.name, job_id=rid, urls={"status": self.url(f"{QUEUE}/{rid}")})

    async def poll(self, handle: JobHandle) -> JobStatus:
        response = await self.http.request("GET", handle.urls["status"], not_found=ResultExpiredError)
        return parse_gmi_status(response.json())

    async def find_job(self, request: RetakeRequest, exclude: frozenset[str] = frozenset()) -> JobHandle | None:
        # GMI documents no seed and no client reference: requests for two takes look alike, so a job another
        # take already holds (``exclude``) is never adopted; any unclaimed twin is the same request's result.
        listing = (await self.http.request("GET", self.url(QUEUE))).json()
        wanted = self._payload(request)
        for item in listing.get("requests") or listing.get("data") or []:
            if item.get("model") == self.model and item.get("payload") == wanted \
                    and item.get("request_id") not in exclude:
                rid = item["request_id"]
                return JobHandle(host=self.name, job_id=rid, urls={"status": self.url(f"{QUEUE}/{rid}")})
        return None
