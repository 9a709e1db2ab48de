"""What every host emulator shares: uploads, jobs rendered by the preview engine, faults, stats.

A job goes ``queued`` -> ``running`` -> ``succeeded`` | ``failed`` | ``cancelled``
on the clock: queued for the first quarter of ``latency``, running until
``latency`` has passed and its render is finished. Each host app maps these
onto its own status words and JSON shapes.

Faults (``--faults``): comma-separated ``STAGE=KIND[xN]`` rules, each used N
times (default 1) at the first requests of that stage::

    stages: upload, submit, poll, download, job
    kinds:  429 (with Retry-After), 500, 503, 402, 422, drop (the answer is cut off
            after the request was handled), late (the request is handled, then answered 500),
            truncate (a download stops halfway),
            expired (404 as after the host's retention), fail (the job ends failed)

e.g. ``submit=429x2,poll=500,download=truncate,job=fail``.
"""

from __future__ import annotations

import abc
import base64
import binascii
import dataclasses
import itertools
import json
import random
import re
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from ..media.probe import probe
from ..model import Mode
from ..providers.preview import render_preview

__all__ = ["FaultRule", "parse_faults", "Faults", "EmulatedJob", "EmulatorState", "CutOffResponse", "HostApp",
           "FAULT_ANSWERS", "STAGES", "KINDS", "MODES", "SectionRule"]

# Every host names the three modes with the same words (Mode.host_word); each host has its own default.
MODES = {m.host_word: m for m in Mode}

STAGES = ("upload", "submit", "poll", "download", "job")
KINDS = ("429", "500", "503", "402", "422", "drop", "late", "truncate", "expired", "fail")
_RULE = re.compile(r"^(?P<stage>[a-z]+)=(?P<kind>\d{3}|[a-z]+?)(?:x(?P<count>\d+))?$")


@dataclass
class FaultRule:
    stage: str
    kind: str
    count: int = 1


def parse_faults(spec: str | None) -> list[FaultRule]:
    """Rules from ``STAGE=KIND[xN],...``; a bad rule is a ValueError naming it and what is allowed."""
    rules = []
    for part in filter(None, (p.strip() for p in (spec or "").split(","))):
        m = _RULE.match(part)
        if not m or m["stage"] not in STAGES or m["kind"] not in KINDS:
            raise ValueError(f"bad fault rule '{part}': use STAGE=KIND[xN] with STAGE one of {', '.join(STAGES)} "
                             f"and KIND one of {', '.join(KINDS)}")
        rules.append(FaultRule(m["stage"], m["kind"], int(m["count"] or 1)))
    return rules


class Faults:
    def __init__(self, rules: list[FaultRule]) -> None:
        self.rules = [dataclasses.replace(r) for r in rules]
        self.lock = threading.Lock()
        self.fired: Counter = Counter()

    def take(self, stage: str) -> str | None:
        """The fault for this request of ``stage``, if a rule still has one to give."""
        with self.lock:
            for rule in self.rules:
                if rule.stage == stage and rule.count > 0:
                    rule.count -= 1
                    self.fired[f"{stage}={rule.kind}"] += 1
                    return rule.kind
        return None


@dataclass
class EmulatedJob:
    id: str
    video: Path
    start: float
    duration: float
    prompt: str
    mode: Mode
    seed: int  # the request's, or one drawn at random where it sent none (as a real model does)
    variations: int
    request: dict
    created: float = field(default_factory=time.monotonic)
    created_wall: float = field(default_factory=time.time)
    results: list[Path] = field(default_factory=list)
    rendered: threading.Event = field(default_factory=threading.Event)
    render_error: str | None = None
    failure: str | None = None
    cancelled: bool = False
    queue_position: int = 0
    seed_given: bool = True

    def state(self, latency: float) -> str:
        if self.cancelled:
            return "cancelled"
        age = time.monotonic() - self.created
        if age < latency * 0.25:
            return "queued"
        if age < latency or not self.rendered.is_set():
            return "running"
        if self.failure or self.render_error:
            return "failed"
        return "succeeded"

    @property
    def reason(self) -> str:
        return self.failure or self.render_error or ""


@dataclass(frozen=True)
class SectionRule:
    """A host's documented bounds on the section it regenerates, in seconds (docs/hosts.md): each host
    states its own; ``None`` is a bound the host does not document. A value must be a number (an integer
    where the host takes whole seconds only); how a host answers a value out of bounds stays its own."""

    min_start: float | None = 0.0
    max_start: float | None = None
    min_duration: float = 2.0
    max_duration: float | None = None
    whole_seconds: bool = False

    def _number(self, value) -> bool:
        kinds = (int,) if self.whole_seconds else (int, float)
        return isinstance(value, kinds) and not isinstance(value, bool)

    def start_ok(self, value) -> bool:
        return self._number(value) and (self.min_start is None or value >= self.min_start) and \
            (self.max_start is None or value <= self.max_start)

    def duration_ok(self, value) -> bool:
        return self._number(value) and value >= self.min_duration and \
            (self.max_duration is None or value <= self.max_duration)

    def ok(self, start, duration) -> bool:
        return self.start_ok(start) and self.duration_ok(duration)


def clip_seconds(path: Path) -> float:
    """The length of an uploaded clip (what hosts billing per input or output second charge for)."""
    info = probe(path)
    if info.frames and info.rate:
        return float(info.frames / info.rate)
    return float(info.duration)


def clip_frames(path: Path) -> int:
    info = probe(path)
    return int(info.frames or round(info.duration * float(info.rate or 24)))


class CutOffResponse(Response):
    """Headers promising the whole body, then only part of it: the client sees the connection drop."""

    def __init__(self, content: bytes, keep: float = 0.5, media_type: str = "application/json",
                 status_code: int = 200) -> None:
        super().__init__(content=content, status_code=status_code, media_type=media_type)
        self._keep = int(len(content) * keep)

    async def __call__(self, scope, receive, send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        await send({"type": "http.response.body", "body": self.body[:self._keep], "more_body": False})


class EmulatorState:
    """Uploads, jobs and counters of one emulated host."""

    def __init__(self, host: str, *, latency: float = 1.0, faults: str | list[FaultRule] | None = None,
                 key: str | None = None, retry_after: float = 1.0, workdir: Path | None = None) -> None:
        self.host = host
        self.latency = latency
        self.key = key
        self.retry_after = retry_after
        self.faults = Faults(parse_faults(faults) if isinstance(faults, str) or faults is None else faults)
        self._tmp = None if workdir else tempfile.TemporaryDirectory(prefix=f"otio-retake-{host}-")
        self.root = Path(workdir or self._tmp.name)
        (self.root / "files").mkdir(parents=True, exist_ok=True)
        self.jobs: dict[str, EmulatedJob] = {}
        self.submitted: Counter = Counter()  # accepted paid submits, by idempotency fingerprint
        self.requests: Counter = Counter()
        self.asked_while: Counter = Counter()  # requests about a job (polls, results, cancels) by its state then
        self.max_active = 0  # most jobs queued or running at once, seen at submit time
        self.uploads: dict[str, str] = {}  # presigned upload name -> stored file
        self.lock = threading.Lock()
        self._counter = itertools.count(1)
        self.base_url = ""  # set from the first request (the emulator serves its own result URLs)

    # ------------------------------------------------------------------ files
    def file_url(self, name: str) -> str:
        return f"{self.base_url}/_emulator/files/{urllib.parse.quote(name)}"

    def store(self, data: bytes, name: str) -> str:
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", name)[-80:] or "upload.mp4"
        stored = f"{uuid.uuid4().hex[:12]}-{safe}"
        (self.root / "files" / stored).write_bytes(data)
        return stored

    def resolve_video(self, ref: str) -> Path | None:
        """The local file behind a URL this emulator served, a data URI, or None."""
        if not ref:
            return None
        if ref.startswith("data:"):
            try:
                payload = base64.b64decode(ref.split(",", 1)[1], validate=True)
            except (IndexError, binascii.Error):
                return None
            return self.root / "files" / self.store(payload, "inline.mp4")
        name = urllib.parse.unquote(ref.rstrip("/").rsplit("/", 1)[-1])
        name = self.uploads.get(name, name)
        path = self.root / "files" / name
        return path if path.is_file() else None

    async def fetch_video(self, ref: str) -> Path | None:
        """As ``resolve_video``, and any other http(s) URL fetched as a host fetches an "input video URL"."""
        local = self.resolve_video(ref)
        if local is not None or not ref.startswith(("http://", "https://")):
            return local
        import httpx
        try:
            async with httpx.AsyncClient(timeout=30.0, follow_redirects=True) as client:
                response = await client.get(ref)
        except httpx.HTTPError:
            return None
        if response.status_code != 200 or not response.content:
            return None
        name = urllib.parse.unquote(urllib.parse.urlsplit(ref).path.rsplit("/", 1)[-1]) or "fetched.mp4"
        return self.root / "files" / self.store(response.content, name)

    # ------------------------------------------------------------------ jobs
    def new_id(self, prefix: str = "") -> str:
        return f"{prefix}{next(self._counter):06d}-{uuid.uuid4().hex[:8]}"

    def create_job(self, *, video: Path, start: float, duration: float, prompt: str, mode: Mode,
                   seed: int | None = None, variations: int = 1, request: dict | None = None,
                   job_id: str | None = None, failure: str | None = None) -> EmulatedJob:
        # Without a seed every request is a new generation (a different picture), as on the real hosts;
        # only a host that documents a seed passes one, and then the same seed gives the same result.
        given = seed is not None
        seed = int(seed) if given else random.SystemRandom().randrange(2_000_000_000)
        job = EmulatedJob(id=job_id or self.new_id(), video=video, start=start, duration=duration, prompt=prompt,
                          mode=mode, seed=seed, variations=variations, request=dict(request or {}), failure=failure,
                          seed_given=given)
        if self.faults.take("job") == "fail":
            job.failure = "the model could not complete the generation (emulated failure)"
        with self.lock:
            job.queue_position = sum(1 for j in self.jobs.values() if j.state(self.latency) == "queued")
            self.jobs[job.id] = job
            self.submitted[job.id] += 1
            active = sum(1 for j in self.jobs.values() if j.state(self.latency) in ("queued", "running"))
            self.max_active = max(self.max_active, active)
        threading.Thread(target=self._render, args=(job,), daemon=True).start()
        return job

    def _render(self, job: EmulatedJob) -> None:
        try:
            if not job.failure:
                for index in range(job.variations):
                    dest = self.root / "files" / f"result-{job.id}-{index}.mp4"
                    render_preview(job.video, dest, start_seconds=job.start, duration_seconds=job.duration,
                                   mode=job.mode, prompt=job.prompt, seed=job.seed + index)
                    job.results.append(dest)
        except Exception as exc:  # a render failure is the job's failure, reported by status
            job.render_error = f"render failed: {exc}"
        finally:
            job.rendered.set()

    def asked_about(self, job: EmulatedJob) -> None:
        """Count a request about ``job`` under the state it is in: how many polls found it still queued."""
        self.asked_while[job.state(self.latency)] += 1

    def active(self) -> int:
        """Jobs queued or running now."""
        with self.lock:
            return sum(1 for j in self.jobs.values() if j.state(self.latency) in ("queued", "running"))

    def stats(self) -> dict:
        by_status = Counter(job.state(self.latency) for job in self.jobs.values())
        return {"host": self.host, "submitted": sum(self.submitted.values()),
                "jobs": len(self.jobs), "by_status": dict(by_status),
                "duplicates": sum(1 for c in self.submitted.values() if c > 1), "max_active": self.max_active,
                "requests": dict(self.requests), "asked_while": dict(self.asked_while), "faults_fired": dict(self.faults.fired)}

    # ------------------------------------------------------------------ request helpers
    def remember_base(self, request: Request) -> None:
        if not self.base_url:
            self.base_url = str(request.base_url).rstrip("/")

    def authorized(self, request: Request, scheme: str) -> bool:
        header = request.headers.get("authorization", "")
        if not header.startswith(scheme + " ") or not header[len(scheme) + 1:].strip():
            return False
        return self.key is None or header[len(scheme) + 1:].strip() == self.key

    def common_routes(self) -> list[Route]:
        async def stats(request: Request) -> Response:
            return JSONResponse(self.stats())

        async def files(request: Request) -> Response:
            self.remember_base(request)
            self.requests["download"] += 1
            name = request.path_params["name"]
            path = self.root / "files" / self.uploads.get(name, name)
            if not path.is_file():
                return JSONResponse({"error": "no such file"}, status_code=404)
            fault = self.faults.take("download")
            if fault == "truncate":
                return CutOffResponse(path.read_bytes(), keep=0.5, media_type="video/mp4")
            if fault == "expired":
                return JSONResponse({"error": "result expired"}, status_code=404)
            if fault in ("500", "503", "429"):
                return JSONResponse({"error": "storage unavailable"}, status_code=int(fault),
                                    headers={"Retry-After": str(self.retry_after)} if fault == "429" else None)
            return FileResponse(path, media_type="video/mp4" if path.suffix == ".mp4" else None)

        async def put_upload(request: Request) -> Response:
            self.remember_base(request)
            required = request.query_params.get("require")
            if required and request.headers.get(required) is None:
                return Response("missing a required header", status_code=403)
            stored = self.store(await request.body(), request.path_params["name"])
            self.uploads[request.path_params["name"]] = stored
            return Response(status_code=200)

        return [Route("/_emulator/stats", stats), Route("/_emulator/files/{name}", files),
                Route("/_emulator/uploads/{name}", put_upload, methods=["PUT"])]


# The answer each fault kind gives: (HTTP status, error kind, message).
FAULT_ANSWERS = {
    "429": (429, "rate_limit", "Too many requests: slow down"),
    "500": (500, "server_error", "Internal server error"),
    "503": (503, "unavailable", "Service temporarily unavailable"),
    "402": (402, "insufficient_funds", "Insufficient credits on this account"),
    "422": (422, "content_filtered", "The request was rejected by the safety filter"),
    "expired": (404, "not_found", "Not found: results are kept for 24 hours"),
}


class HostApp(abc.ABC):
    """A host's routes over an ``EmulatorState``: subclasses give the shapes and the routes."""

    scheme = "Bearer"

    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    def error(self, status: int, kind: str, message: str) -> Response:
        return JSONResponse({"error": {"type": kind, "message": message}}, status_code=status)

    async def guard(self, request: Request, stage: str) -> Response | str | None:
        """An early answer (auth failure or injected fault), "drop", or None to carry on."""
        self.state.remember_base(request)
        self.state.requests[stage] += 1
        if not self.state.authorized(request, self.scheme):
            return self.error(401, "authentication_error", "Invalid or missing API key")
        fault = self.state.faults.take(stage)
        if fault in ("drop", "late"):
            return fault
        if fault in FAULT_ANSWERS:
            status, kind, message = FAULT_ANSWERS[fault]
            response = self.error(status, kind, message)
            return self.retry_later(response) if status == 429 else response
        return None

    def retry_later(self, response: Response) -> Response:
        """A 429 says when to come back, as every host's does."""
        response.headers["Retry-After"] = f"{self.state.retry_after:g}"
        return response

    def guarded(self, stage: str):
        """A route ``handler(request, fault)`` behind ``guard``: an auth failure or an injected fault answers
        instead of it; ``fault`` is "drop", "late" or None, for ``answer``."""
        def wrap(handler):
            async def endpoint(request: Request) -> Response:
                early = await self.guard(request, stage)
                if isinstance(early, Response):
                    return early
                return await handler(request, early)
            return endpoint
        return wrap

    def per_job(self, stage: str, not_found: str):
        """A route ``handler(request, job, fault)`` about the job named by the path's ``{id}``, behind ``guard``;
        an unknown job is answered 404 with the host's words ``not_found``."""
        def wrap(handler):
            async def endpoint(request: Request) -> Response:
                found = await self.job_for(request, stage, not_found)
                if isinstance(found, Response):
                    return found
                return await handler(request, *found)
            return endpoint
        return wrap

    async def job_for(self, request: Request, stage: str, not_found: str):
        """(job, fault) for a request about one job, or the Response to send instead (auth, fault, 404)."""
        early = await self.guard(request, stage)
        if isinstance(early, Response):
            return early
        job = self.state.jobs.get(request.path_params["id"])
        if job is None:
            return self.error(404, "not_found", not_found)
        self.state.asked_about(job)
        return job, early

    async def uploaded_file(self, request: Request) -> tuple[str, str] | Response:
        """(stored name, original file name) of a multipart ``file`` upload, or the 400 to answer."""
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            return self.error(400, "bad_request", "multipart field 'file' is required")
        return self.state.store(await upload.read(), upload.filename or "upload.mp4"), upload.filename or ""

    def answer(self, body, fault: str | Response | None, status: int = 200) -> Response:
        if fault == "drop":
            return CutOffResponse(json.dumps(body).encode(), keep=0.5, status_code=status)
        if fault == "late":
            return self.error(500, "server_error", "Internal server error")
        return JSONResponse(body, status_code=status)

    @abc.abstractmethod
    def routes(self) -> list[Route]:
        """The host's own endpoints."""
