"""Emulator of Runware: one ``POST /v1`` taking task arrays (mediaStorage, videoInference, getResponse).

Whole seconds only: a fractional ``startTime`` or ``duration`` is refused as
the real API refuses it. ``taskUUID`` must be a UUID v4 (documented), and one
already used is refused too, so a test can prove that a resumed run found its
task instead of submitting again. A finished task answers as the docs'
example does (``videoURL``, ``cost``, no ``status``), plus the ``seed`` used;
the cost is $0.10 per second of the returned clip, which is the whole input
clip (the docs' example: startTime 2, duration 3, cost 0.605, i.e. a 6.05 s
clip: unconfirmed, see docs/hosts.md).
"""

from __future__ import annotations

import uuid

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..model import Mode
from .core import MODES, HostApp, SectionRule, clip_seconds

COST_PER_SECOND = 0.10
SECTION = SectionRule(min_start=None, min_duration=2, max_duration=16, whole_seconds=True)


def _is_uuid4(text) -> bool:
    try:
        return uuid.UUID(str(text)).version == 4
    except ValueError:
        return False


class RunwareEmulator(HostApp):
    def error(self, status: int, kind: str, message: str, task: str | None = None, param: str | None = None) -> Response:
        return JSONResponse({"errors": [{"code": kind, "message": message, "parameter": param,
                                         "taskType": None, "taskUUID": task}]}, status_code=status)

    def routes(self) -> list[Route]:
        state = self.state

        async def tasks(request: Request) -> Response:
            body = await request.json()
            if not isinstance(body, list) or not body:
                return self.error(400, "invalidBody", "the body must be a JSON array of tasks")
            kinds = {t.get("taskType") for t in body}
            stage = "submit" if "videoInference" in kinds else "upload" if "mediaStorage" in kinds else "poll"
            early = await self.guard(request, stage)
            if isinstance(early, Response):
                return early
            data, errors = [], []
            for task in body:
                kind, uid = task.get("taskType"), task.get("taskUUID")
                if kind == "mediaStorage":
                    video = state.resolve_video(task.get("media", ""))
                    if video is None:
                        errors.append({"code": "invalidMedia", "message": "media must be a data URI or URL",
                                       "taskUUID": uid})
                        continue
                    data.append({"taskType": kind, "taskUUID": uid, "mediaUUID": video.stem,
                                 "mediaURL": state.file_url(video.name)})
                elif kind == "videoInference":
                    settings = (task.get("providerSettings") or {}).get("lightricks") or {}
                    start, duration = settings.get("startTime"), settings.get("duration")
                    video = state.resolve_video((task.get("inputs") or {}).get("video", ""))
                    if not _is_uuid4(uid):
                        errors.append({"code": "invalidTaskUUID", "message": "taskUUID must be a UUID v4",
                                       "taskUUID": uid, "parameter": "taskUUID"})
                    elif uid in state.jobs:
                        errors.append({"code": "duplicatedTaskUUID", "message": f"taskUUID {uid} was already used",
                                       "taskUUID": uid, "parameter": "taskUUID"})
                    elif not SECTION.ok(start, duration):
                        errors.append({"code": "invalidProviderSettings", "taskUUID": uid,
                                       "message": "startTime and duration must be whole seconds (duration 2-16)",
                                       "parameter": "providerSettings.lightricks"})
                    elif video is None or not task.get("positivePrompt"):
                        errors.append({"code": "invalidInputs", "message": "inputs.video and positivePrompt are "
                                       "required", "taskUUID": uid})
                    elif not 1 <= int(task.get("numberResults", 1)) <= 4:
                        errors.append({"code": "invalidNumberResults", "message": "numberResults must be 1-4",
                                       "taskUUID": uid})
                    else:
                        state.create_job(video=video, start=float(start), duration=float(duration),
                                         prompt=task["positivePrompt"], mode=MODES.get(settings.get("mode"),
                                                                                      Mode.BOTH),
                                         seed=task.get("seed"), variations=int(task.get("numberResults", 1)),
                                         request=task, job_id=uid)
                        data.append({"taskType": kind, "taskUUID": uid})
                elif kind == "getResponse":
                    job = state.jobs.get(uid)
                    if job is None:
                        errors.append({"code": "taskNotFound", "message": f"no task {uid}", "taskUUID": uid})
                        continue
                    state.asked_about(job)
                    word = job.state(state.latency)
                    if word in ("queued", "running"):
                        data.append({"taskType": "videoInference", "taskUUID": uid, "status": "processing"})
                    elif word == "succeeded":
                        cost = round(COST_PER_SECOND * clip_seconds(job.video), 4)
                        for index, result in enumerate(job.results):
                            data.append({"taskType": "videoInference", "taskUUID": uid,
                                         "videoUUID": str(uuid.uuid4()), "videoURL": state.file_url(result.name),
                                         "seed": job.seed + index, "cost": cost})
                    else:
                        errors.append({"code": "inferenceFailed", "message": job.reason or "cancelled",
                                       "taskUUID": uid})
                else:
                    errors.append({"code": "unsupportedTaskType", "message": f"taskType {kind}", "taskUUID": uid})
            answer = {"data": data}
            if errors:
                answer["errors"] = errors
            status = 400 if errors and not data and stage != "poll" else 200
            return self.answer(answer, early, status=status)

        return [Route("/v1", tasks, methods=["POST"])]
