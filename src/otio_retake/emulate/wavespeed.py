"""Emulator of WaveSpeedAI: ``{code, message, data}`` envelopes, binary uploads, predictions.

Only the documented inputs are honoured (``video``, ``prompt``, ``mode``
defaulting to ``replace_audio_and_video``): any other field, ``start_time`` /
``end_time`` included, is ignored, so the whole clip is regenerated. The poll
URL is served under a path of its own (``/api/v3/predictions/{id}/result``
and the one returned in ``urls.get``), so a client that builds it instead of
using the returned one is caught.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .core import MODES, HostApp, clip_seconds
STATUS = {"queued": "created", "running": "processing", "succeeded": "completed", "failed": "failed",
          "cancelled": "failed"}


class WaveSpeedEmulator(HostApp):
    def error(self, status: int, kind: str, message: str) -> Response:
        return JSONResponse({"code": status, "message": message, "data": None}, status_code=status)

    def _prediction(self, job) -> dict:
        word = STATUS[job.state(self.state.latency)]
        return {"id": job.id, "model": "lightricks/ltx-2-retake", "status": word,
                "urls": {"get": f"{self.state.base_url}/api/v3/predictions/{job.id}/result?via=urls.get"},
                "outputs": [self.state.file_url(p.name) for p in job.results] if word == "completed" else [],
                "error": job.reason if word == "failed" else "", "timings": {"inference": 0}}

    def routes(self) -> list[Route]:
        state = self.state

        @self.guarded("upload")
        async def upload(request: Request, early) -> Response:
            stored = await self.uploaded_file(request)
            if isinstance(stored, Response):
                return stored
            return self.answer({"code": 200, "message": "success", "data": {
                "type": "video", "download_url": state.file_url(stored[0]), "filename": stored[1]}}, early)

        @self.guarded("submit")
        async def submit(request: Request, early) -> Response:
            body = await request.json()
            video = state.resolve_video(body.get("video", ""))
            mode = body.get("mode", "replace_audio_and_video")
            if video is None or not body.get("prompt") or mode not in MODES:
                return self.error(400, "invalid", "video (a reachable URL), prompt and a valid mode are required")
            job = state.create_job(video=video, start=0.0, duration=clip_seconds(video), prompt=body["prompt"],
                                   mode=MODES[mode], request=body)
            return self.answer({"code": 200, "message": "success", "data": self._prediction(job)}, early)

        @self.per_job("poll", "prediction not found")
        async def prediction(request: Request, job, early) -> Response:
            return self.answer({"code": 200, "message": "success", "data": self._prediction(job)}, early)

        async def result(request: Request) -> Response:
            if request.query_params.get("via") == "urls.get":  # counted whether or not the poll is answered
                state.requests["poll_via_returned_url"] += 1
            return await prediction(request)

        return [Route("/api/v3/media/upload/binary", upload, methods=["POST"]),
                Route("/api/v3/lightricks/ltx-2-retake", submit, methods=["POST"]),
                Route("/api/v3/predictions/{id}/result", result, methods=["GET"])]
