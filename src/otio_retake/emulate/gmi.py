"""Emulator of GMI Cloud's request queue (with the request list used to find lost submits).

As documented (docs.gmicloud.ai, ltx-2-pro-retake): ``video_uri`` is an
"Input video URL" (fetched, from wherever it is served), at most 4K and
21 s; ``start_time`` >= 0 (default 0), ``duration`` >= 2 (default 5),
``prompt`` and ``mode`` optional. A data URI is accepted too: that is the
client's guess (GMI documents no upload), unconfirmed, which
``otio-retake doctor gmi --probe`` checks against the real host.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..media.probe import probe
from .core import MODES, HostApp, SectionRule, clip_seconds

MAX_INPUT_SECONDS = 21.0
MAX_SIZE = (3840, 2160)

QUEUE = "/api/v1/ie/requestqueue/apikey/requests"
SECTION = SectionRule(min_start=0, min_duration=2)  # floats; the page states no upper bounds
STATUS = {"queued": "queued", "running": "processing", "succeeded": "success", "failed": "failed",
          "cancelled": "cancelled"}


class GmiEmulator(HostApp):
    def error(self, status: int, kind: str, message: str) -> Response:
        return JSONResponse({"error": message, "code": kind}, status_code=status)

    def _request(self, job) -> dict:
        word = STATUS[job.state(self.state.latency)]
        body = {"request_id": job.id, "model": job.request.get("model"), "status": word,
                "payload": job.request.get("payload"), "created_at": job.created_wall}
        if word == "success":
            body["outcome"] = {"media_urls": [{"url": self.state.file_url(p.name)} for p in job.results]}
        if word == "failed":
            body["error"] = job.reason
        return body

    def routes(self) -> list[Route]:
        state = self.state

        @self.guarded("submit")
        async def submit(request: Request, early) -> Response:
            body = await request.json()
            payload = body.get("payload") or {}
            if body.get("model") != "ltx-2-pro-retake":
                return self.error(404, "model_not_found", f"model '{body.get('model')}' not found")
            video = await state.fetch_video(str(payload.get("video_uri", "")))
            if video is not None:
                info = probe(video)
                if clip_seconds(video) > MAX_INPUT_SECONDS + 1e-6 or \
                        max(info.width or 0, info.height or 0) > MAX_SIZE[0] or \
                        min(info.width or 0, info.height or 0) > MAX_SIZE[1]:
                    return self.error(400, "invalid_payload", f"video_uri: max 4K and {MAX_INPUT_SECONDS:g} seconds")
            # As documented: video_uri required, start_time >= 0 (default 0), duration >= 2 (default 5),
            # prompt optional, mode optional (default replace_audio_and_video).
            mode = payload.get("mode", "replace_audio_and_video")
            if video is None or mode not in MODES or \
                    not SECTION.ok(float(payload.get("start_time", 0)), float(payload.get("duration", 5))):
                return self.error(400, "invalid_payload", "payload needs video_uri, a known mode, start_time >= 0 "
                                                          "and duration >= 2")
            job = state.create_job(video=video, start=float(payload.get("start_time", 0)),
                                   duration=float(payload.get("duration", 5)), prompt=payload.get("prompt", ""),
                                   mode=MODES[mode], request=body)
            return self.answer({"request_id": job.id, "model": body["model"], "status": "queued"}, early)

        @self.guarded("poll")
        async def listing(request: Request, early) -> Response:
            return self.answer({"requests": [self._request(j) for j in state.jobs.values()]}, early)

        @self.per_job("poll", "request not found")
        async def status(request: Request, job, early) -> Response:
            return self.answer(self._request(job), early)

        return [Route(QUEUE, submit, methods=["POST"]), Route(QUEUE, listing, methods=["GET"]),
                Route(QUEUE + "/{id}", status, methods=["GET"])]
