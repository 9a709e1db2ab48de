"""Emulator of Oxen: repository file uploads and the generation queue.

As on Oxen, parameters are checked only when a job runs: a bad value (or a
non-1080p input for ``lightricks-ltx-2-retake``) ends the generation as ``failed``.
"""

from __future__ import annotations

import av
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from ..model import Mode
from .core import MODES, HostApp, SectionRule

SECTION = SectionRule(min_start=None, min_duration=2, max_duration=16)  # checked when the job runs
STATUS = {"queued": "queued", "running": "processing", "succeeded": "succeeded", "failed": "failed",
          "cancelled": "cancelled"}
MODELS = {"lightricks-ltx-2-retake": ("start_time", "duration", "mode"),
          "ltx-2-3-pro-retake": ("retake_start_time", "retake_duration", "retake_mode"),
          "ltx-2-3-retake": ("retake_start_time", "retake_duration", "retake_mode")}


def _is_1080p(path) -> bool:
    with av.open(str(path)) as c:
        s = c.streams.video[0].codec_context
        return (s.width, s.height) in ((1920, 1080), (1080, 1920))


class OxenEmulator(HostApp):
    def error(self, status: int, kind: str, message: str) -> Response:
        return JSONResponse({"status": "error", "status_message": kind, "error": {"type": kind, "message": message}},
                            status_code=status)

    def _generation(self, gid: str, job, index: int) -> dict:
        word = STATUS[job.state(self.state.latency)]
        body = {"generation_id": gid, "status": word, "request": job.request}
        if word == "succeeded" and index < len(job.results):
            body["result_url"] = self.state.file_url(job.results[index].name)
        if word == "failed":
            body["error_message"] = job.reason
        return body

    def routes(self) -> list[Route]:
        state = self.state
        generations: dict[str, tuple[str, int]] = {}  # generation id -> (job id, result index)

        @self.guarded("upload")
        async def put_file(request: Request, early) -> Response:
            # The resource is {branch}/{path}: a repository has one branch here, "main".
            if request.path_params["branch"] != "main":
                return self.error(404, "not_found", f"branch '{request.path_params['branch']}' not found")
            stored = await self.uploaded_file(request)
            if isinstance(stored, Response):
                return stored
            state.uploads[request.path_params["path"].rsplit("/", 1)[-1]] = stored[0]
            return self.answer({"status": "success", "status_message": "resource_created"}, early)

        async def get_file(request: Request) -> Response:
            name = request.path_params["path"].rsplit("/", 1)[-1]
            path = state.resolve_video(name)
            if path is None:
                return self.error(404, "not_found", "file not found")
            return FileResponse(path)

        @self.guarded("submit")
        async def enqueue(request: Request, early) -> Response:
            body = await request.json()
            model = body.get("model")
            if model not in MODELS:
                return self.error(404, "model_not_found", f"model '{model}' not found")
            start_key, duration_key, mode_key = MODELS[model]
            count = int(body.get("num_generations", 1))
            if not 1 <= count <= 4:
                return self.error(400, "bad_request", "num_generations must be 1-4")
            video = state.resolve_video(body.get("input_video", ""))
            duration = float(body.get(duration_key, 6))
            # Validated when the job runs, as on Oxen: the job is accepted, then fails.
            failure = None
            if video is None:
                failure = "input_video could not be fetched"
            elif model == "lightricks-ltx-2-retake" and not _is_1080p(video):
                failure = "input_video must be 1920x1080 or 1080x1920"
            elif not SECTION.duration_ok(duration):
                failure = f"{duration_key} must be between 2 and 16"
            job = state.create_job(video=video or state.root / "missing.mp4", start=float(body.get(start_key, 0)),
                                   duration=duration, prompt=str(body.get("prompt", "")),
                                   mode=MODES.get(body.get(mode_key, "replace_video"), Mode.VIDEO),
                                   variations=count, request=body, failure=failure)
            ids = [f"{job.id}-g{i}" for i in range(count)]
            for index, gid in enumerate(ids):
                generations[gid] = (job.id, index)
            return self.answer({"generations": [{"generation_id": gid, "status": "queued"} for gid in ids]}, early)

        @self.guarded("poll")
        async def listing(request: Request, early) -> Response:
            return self.answer({"generations": [self._generation(g, state.jobs[j], i)
                                                for g, (j, i) in generations.items()]}, early)

        @self.guarded("poll")
        async def generation(request: Request, early) -> Response:
            found = generations.get(request.path_params["id"])
            if found is None:
                return self.error(404, "not_found", "generation not found")
            job = state.jobs[found[0]]
            state.asked_about(job)
            if request.method == "DELETE" and job.state(state.latency) in ("queued", "running"):
                job.cancelled = True  # a finished generation stays finished (and paid)
            return self.answer(self._generation(request.path_params["id"], job, found[1]), early)

        return [Route("/api/repos/{ns}/{repo}/file/main/{path:path}", get_file, methods=["GET"]),
                Route("/api/repos/{ns}/{repo}/file/{branch}/{path:path}", put_file, methods=["PUT"]),
                Route("/api/ai/queue", enqueue, methods=["POST"]), Route("/api/ai/queue", listing, methods=["GET"]),
                Route("/api/ai/queue/{id}", generation, methods=["GET", "DELETE"])]
