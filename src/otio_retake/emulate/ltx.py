"""Emulator of the LTX API: presigned uploads, ``/v2/retake`` jobs, the LTX error shape.

As documented: ``prompt`` is optional (at most 5000 characters), the input
must have at least 73 frames, and an account runs 2 generations at once (a
third is refused with 429 ``concurrency_limit_error`` and ``Retry-After``).
No seed is documented: every job draws its own.
"""

from __future__ import annotations

import datetime as dt

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .core import MODES, HostApp, SectionRule, clip_frames

CONCURRENCY = 2
MIN_INPUT_FRAMES = 73
SECTION = SectionRule(min_start=0, min_duration=2)  # floats; no upper bounds documented
STATUS = {"queued": "pending", "running": "processing", "succeeded": "completed", "failed": "failed",
          "cancelled": "failed"}
ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error", 402: "insufficient_funds_error",
               404: "not_found_error", 422: "content_filtered_error", 429: "rate_limit_error", 500: "api_error",
               503: "service_unavailable"}


def _iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).isoformat().replace("+00:00", "Z")


class LtxEmulator(HostApp):
    def error(self, status: int, kind: str, message: str) -> Response:
        body = {"type": "error", "error": {"type": ERROR_TYPES.get(status, kind), "message": message}}
        return JSONResponse(body, status_code=status, headers={"x-request-id": self.state.new_id("req_")})

    def routes(self) -> list[Route]:
        state = self.state

        @self.guarded("upload")
        async def upload(request: Request, early) -> Response:
            name = state.new_id("up_") + ".mp4"
            return self.answer({"upload_url": f"{state.base_url}/_emulator/uploads/{name}?require=x-ltx-upload",
                                "storage_uri": f"ltx://uploads/{name}", "expires_at": _iso(
                                    dt.datetime.now().timestamp() + 3600),
                                "required_headers": {"x-ltx-upload": "1"}}, early)

        @self.guarded("submit")
        async def submit(request: Request, early) -> Response:
            body = await request.json()
            video = state.resolve_video(body.get("video_uri", ""))
            problems = []
            if video is None:
                problems.append("video_uri: not a file uploaded to this account or a data URI")
            elif clip_frames(video) < MIN_INPUT_FRAMES:
                problems.append(f"video_uri: the input must have at least {MIN_INPUT_FRAMES} frames")
            if not SECTION.start_ok(body.get("start_time")):
                problems.append("start_time: must be a number >= 0")
            if not SECTION.duration_ok(body.get("duration")):
                problems.append("duration: must be a number >= 2")
            if not isinstance(body.get("prompt", ""), str) or len(body.get("prompt", "")) > 5000:
                problems.append("prompt: at most 5000 characters")
            if body.get("mode", "replace_audio_and_video") not in MODES:
                problems.append(f"mode: one of {', '.join(MODES)}")
            if problems:
                return self.error(400, "invalid_request_error", "; ".join(problems))
            if state.active() >= CONCURRENCY:
                return self.retry_later(self.error(429, "concurrency_limit_error",
                                                   f"at most {CONCURRENCY} generations at once on this account"))
            job = state.create_job(video=video, start=float(body["start_time"]), duration=float(body["duration"]),
                                   prompt=body.get("prompt", ""), mode=MODES[body.get("mode", "replace_audio_and_video")],
                                   request=body)
            return self.answer({"id": job.id, "created_at": _iso(job.created_wall)}, early, status=202)

        @self.per_job("poll", "Job not found (results are kept for 24 hours)")
        async def status(request: Request, job, early) -> Response:
            word = STATUS[job.state(state.latency)]
            body = {"id": job.id, "status": word, "created_at": _iso(job.created_wall)}
            if word == "completed":
                body["completed_at"] = _iso(job.created_wall + state.latency)
                body["result"] = {"video_url": state.file_url(job.results[0].name)}
            elif word == "failed":
                body["error"] = {"type": "generation_error", "message": job.reason or "cancelled"}
            return self.answer(body, early)

        return [Route("/v1/upload", upload, methods=["POST"]), Route("/v2/retake", submit, methods=["POST"]),
                Route("/v2/retake/{id}", status, methods=["GET"])]
