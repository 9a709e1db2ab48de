"""Emulator of fal's queue API and storage uploads (``detail`` errors, ``X-Fal-Error-Type``)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .core import MODES, HostApp, SectionRule

SECTION = SectionRule(min_start=0, max_start=20, min_duration=2, max_duration=20)
MODEL_IDS = ("fal-ai/ltx-2/retake-video", "fal-ai/ltx-2.3/retake-video")
STATUS = {"queued": "IN_QUEUE", "running": "IN_PROGRESS", "succeeded": "COMPLETED", "failed": "COMPLETED",
          "cancelled": "COMPLETED"}


class FalEmulator(HostApp):
    scheme = "Key"

    def error(self, status: int, kind: str, message: str) -> Response:
        headers = {"X-Fal-Error-Type": {503: "runner_scheduling_failure", 504: "request_timeout"}.get(status, kind)}
        if status == 422:
            body = {"detail": [{"loc": ["body", "prompt"], "msg": message, "type": "content_policy_violation"}]}
        else:
            body = {"detail": message}
        return JSONResponse(body, status_code=status, headers=headers)

    def _urls(self, model: str, rid: str) -> dict:
        app = "/".join(model.split("/")[:2])  # fal-ai/ltx-2: sub-paths are not part of the request URLs
        base = f"{self.state.base_url}/{app}/requests/{rid}"
        return {"request_id": rid, "status_url": f"{base}/status", "response_url": base, "cancel_url": f"{base}/cancel"}

    def routes(self) -> list[Route]:
        state = self.state

        @self.guarded("upload")
        async def initiate(request: Request, early) -> Response:
            body = await request.json()
            name = state.new_id("fal_") + "-" + str(body.get("file_name", "upload.mp4"))
            return self.answer({"upload_url": f"{state.base_url}/_emulator/uploads/{name}",
                                "file_url": f"{state.base_url}/_emulator/files/{name}"}, early)

        async def submit(request: Request) -> Response:
            model = request.path_params["model"]
            if model not in MODEL_IDS:
                return self.error(404, "not_found", f"Application '{model}' not found")
            early = await self.guard(request, "submit")
            if isinstance(early, Response):
                return early
            body = await request.json()
            problems = []
            video = state.resolve_video(body.get("video_url", ""))
            if video is None:
                problems.append({"loc": ["body", "video_url"], "msg": "could not fetch the video", "type": "value_error"})
            if not body.get("prompt"):
                problems.append({"loc": ["body", "prompt"], "msg": "field required", "type": "missing"})
            start, duration = body.get("start_time", 0), body.get("duration", 5)
            if not SECTION.ok(start, duration):
                problems.append({"loc": ["body", "duration"], "msg": "start_time 0-20, duration 2-20",
                                 "type": "value_error"})
            if body.get("retake_mode", "replace_audio_and_video") not in MODES:
                problems.append({"loc": ["body", "retake_mode"], "msg": "unknown mode", "type": "enum"})
            if problems:
                return JSONResponse({"detail": problems}, status_code=422)
            job = state.create_job(video=video, start=float(start), duration=float(duration), prompt=body["prompt"],
                                   mode=MODES[body.get("retake_mode", "replace_audio_and_video")], request=body)
            return self.answer(self._urls(model, job.id), early)

        @self.per_job("poll", "Request not found")
        async def status(request: Request, job, early) -> Response:
            word = STATUS[job.state(state.latency)]
            body = {"status": word, "request_id": job.id}
            if word == "IN_QUEUE":
                body["queue_position"] = job.queue_position
            return self.answer(body, early)

        @self.per_job("poll", "Request not found")
        async def response(request: Request, job, early) -> Response:
            state_word = job.state(state.latency)
            if state_word in ("queued", "running"):
                return self.error(400, "not_ready", "Request is still in progress")
            if state_word != "succeeded":
                return JSONResponse({"detail": [{"msg": job.reason or "cancelled", "type": "model_error"}]},
                                    status_code=422)
            result = job.results[0]
            return self.answer({"video": {"url": state.file_url(result.name), "content_type": "video/mp4",
                                          "file_name": result.name, "file_size": result.stat().st_size}}, early)

        @self.per_job("poll", "Request not found")
        async def cancel(request: Request, job, early) -> Response:
            if job.state(state.latency) in ("queued", "running"):
                job.cancelled = True
                return self.answer({"status": "CANCELLATION_REQUESTED"}, early, status=202)
            return self.answer({"status": "ALREADY_COMPLETED"}, early, status=400)

        return [Route("/storage/upload/initiate", initiate, methods=["POST"]),
                Route("/{app:path}/requests/{id}/status", status, methods=["GET"]),
                Route("/{app:path}/requests/{id}/cancel", cancel, methods=["PUT"]),
                Route("/{app:path}/requests/{id}", response, methods=["GET"]),
                Route("/{model:path}", submit, methods=["POST"])]
