"""Emulator of Replicate's predictions API for ``lightricks/ltx-2-retake``."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .core import MODES, HostApp, SectionRule

SECTION = SectionRule(min_start=None, min_duration=2, max_duration=16)
STATUS = {"queued": "starting", "running": "processing", "succeeded": "succeeded", "failed": "failed",
          "cancelled": "canceled"}


class ReplicateEmulator(HostApp):
    def error(self, status: int, kind: str, message: str) -> Response:
        return JSONResponse({"title": kind, "detail": message, "status": status}, status_code=status)

    def _prediction(self, job) -> dict:
        word = STATUS[job.state(self.state.latency)]
        base = f"{self.state.base_url}/v1/predictions/{job.id}"
        return {"id": job.id, "model": "lightricks/ltx-2-retake", "status": word, "input": job.request.get("input"),
                "output": self.state.file_url(job.results[0].name) if word == "succeeded" else None,
                "error": job.reason if word == "failed" else None, "urls": {"get": base, "cancel": f"{base}/cancel"}}

    def routes(self) -> list[Route]:
        state = self.state

        @self.guarded("submit")
        async def create(request: Request, early) -> Response:
            body = await request.json()
            given = body.get("input") or {}
            video = state.resolve_video(given.get("video", ""))
            duration = float(given.get("duration", 5))
            if video is None or not given.get("prompt") or not SECTION.duration_ok(duration) \
                    or given.get("mode", "replace_video") not in MODES:
                return self.error(422, "Input validation failed",
                                  "input.video, input.prompt, input.duration 2-16 and a valid mode are required")
            job = state.create_job(video=video, start=float(given.get("start_time", 0)), duration=duration,
                                   prompt=given["prompt"], mode=MODES[given.get("mode", "replace_video")], request=body)
            return self.answer(self._prediction(job), early, status=201)

        @self.per_job("poll", "prediction not found")
        async def get(request: Request, job, early) -> Response:
            return self.answer(self._prediction(job), early)

        @self.per_job("poll", "prediction not found")
        async def cancel(request: Request, job, early) -> Response:
            if job.state(state.latency) in ("queued", "running"):
                job.cancelled = True
            return self.answer(self._prediction(job), early)

        return [Route("/v1/models/lightricks/ltx-2-retake/predictions", create, methods=["POST"]),
                Route("/v1/predictions/{id}", get, methods=["GET"]),
                Route("/v1/predictions/{id}/cancel", cancel, methods=["POST"])]
