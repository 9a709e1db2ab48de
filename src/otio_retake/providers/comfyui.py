"""ComfyUI: a studio's own server running LTX-2 with the ComfyUI-LTXVideo nodes (no key, no dollars).

The excerpt is uploaded with ``POST /upload/image`` (named by its content, so the same excerpt is stored once),
the retake graph (API format: the shipped ``workflows/ltx2_retake_api.json`` or the studio's own,
``--workflow FILE.json``) is filled in and queued with ``POST /prompt`` under a ``prompt_id`` derived from the
job's identity: a canonical lowercase UUID, the same every time the same take's attempt is sent. A lost answer
is therefore found again with ``GET /history/{prompt_id}`` or ``GET /queue``, never queued twice (ComfyUI itself
would queue the same id twice). The result is the history entry's output (``SaveVideo``: ``images`` with
``animated``; VideoHelperSuite: ``gifs``) fetched with ``GET /view``. Progress comes from ``WS /ws`` when the
server lets us listen, otherwise from polling. ``LTXVSetAudioVideoMaskByTime`` rounds the section inward to
8-frame latent blocks: the planner widens the section outward to them (``Limits.latent_block_frames``), so the
node regenerates every marked frame and the take keeps only the marked ones.

Placeholders a workflow may hold, each as a whole string value of a node input (``"{{seed}}"``), replaced by
a value of the right type: ``{{input}}`` (the uploaded file, for ``LoadVideo``), ``{{start_time}}`` and
``{{end_time}}`` (seconds into the excerpt), ``{{fps}}`` (the excerpt's rate), ``{{prompt}}``,
``{{negative_prompt}}``, ``{{seed}}``, ``{{mask_video}}`` and ``{{mask_audio}}`` (the mode). The first three
are required. Every node class of the workflow is checked against ``GET /object_info`` before anything is
queued.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import re
import urllib.parse
import uuid
from fractions import Fraction
from pathlib import Path

import httpx

from ..errors import (InputError, InvalidRequestError, ResultExpiredError, SubmitOutcomeUnknownError,
                      UnexpectedResponseError)
from ..media.probe import probe
from .base import Cancelled, Failed, JobHandle, JobStatus, Limits, Queued, RetakeRequest, Running, Succeeded
from .hosted import HostedProvider

__all__ = ["ComfyUIProvider", "DEFAULT_WORKFLOW", "PLACEHOLDERS", "REQUIRED_PLACEHOLDERS", "prompt_id_for",
           "load_workflow", "fill_workflow", "parse_history", "readiness"]

DEFAULT_WORKFLOW = Path(__file__).parent / "workflows" / "ltx2_retake_api.json"
PLACEHOLDERS = ("input", "start_time", "end_time", "fps", "prompt", "negative_prompt", "seed", "mask_video",
                "mask_audio")
REQUIRED_PLACEHOLDERS = ("input", "start_time", "end_time")
_PLACEHOLDER = re.compile(r"^\{\{\s*([a-z_]+)\s*\}\}$")
UPLOAD_PREFIX = "otio-retake-"


def prompt_id_for(request: RetakeRequest) -> str:
    """The prompt_id of a take's attempt: a canonical lowercase hyphenated UUID from its idempotency key."""
    key = request.idempotency_key or f"{request.video}|{request.start_seconds}|{request.prompt}|{request.seed}|" \
                                     f"{request.take_marker}"
    return str(uuid.UUID(bytes=hashlib.sha256(key.encode()).digest()[:16], version=4))


def _placeholders(graph: dict) -> dict[str, list[tuple[str, str]]]:
    found: dict[str, list[tuple[str, str]]] = {}
    for node_id, node in graph.items():
        for name, value in (node.get("inputs") or {}).items():
            m = _PLACEHOLDER.match(value) if isinstance(value, str) else None
            if m:
                found.setdefault(m[1], []).append((node_id, name))
    return found


def load_workflow(path: Path | None) -> dict:
    """The workflow graph (API format) with its placeholders checked; the shipped one for ``None``."""
    source = Path(path) if path else DEFAULT_WORKFLOW
    try:
        graph = json.loads(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read the ComfyUI workflow {source}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise InputError(f"the ComfyUI workflow {source} is not JSON: {exc}") from None
    if not isinstance(graph, dict) or not graph or \
            not all(isinstance(n, dict) and "class_type" in n for n in graph.values()):
        raise InputError(f"the ComfyUI workflow {source} is not in API format (an object of nodes, each with "
                         "class_type and inputs)", hint="in ComfyUI, use Workflow > Export (API)")
    found = _placeholders(graph)
    unknown = sorted(set(found) - set(PLACEHOLDERS))
    if unknown:
        raise InputError(f"the ComfyUI workflow {source} holds unknown placeholders: "
                         + ", ".join("{{" + u + "}}" for u in unknown),
                         hint="placeholders: " + ", ".join("{{" + p + "}}" for p in PLACEHOLDERS))
    missing = [p for p in REQUIRED_PLACEHOLDERS if p not in found]
    if missing:
        raise InputError(f"the ComfyUI workflow {source} lacks the placeholders "
                         + ", ".join("{{" + m + "}}" for m in missing),
                         hint="put {{input}} in LoadVideo's file, {{start_time}} and {{end_time}} in "
                              "LTXVSetAudioVideoMaskByTime")
    return graph


def fill_workflow(graph: dict, values: dict) -> dict:
    """A copy of ``graph`` with every placeholder replaced by its typed value."""
    filled = json.loads(json.dumps(graph))
    for name, places in _placeholders(filled).items():
        for node_id, field in places:
            filled[node_id]["inputs"][field] = values[name]
    return filled


def parse_history(entry: dict, view_url) -> JobStatus:
    """A finished prompt's history entry -> Succeeded (its video outputs) | Failed | Cancelled."""
    status = entry.get("status") or {}
    messages = status.get("messages") or []
    kinds = [m[0] for m in messages if isinstance(m, list) and m]
    if "execution_interrupted" in kinds:
        return Cancelled()
    if status.get("status_str") == "error" or "execution_error" in kinds:
        details = [m[1] for m in messages if isinstance(m, list) and len(m) > 1 and m[0] == "execution_error"]
        reason = "; ".join(f"{d.get('node_type', 'a node')} (node {d.get('node_id')}): "
                           f"{d.get('exception_message', '').strip()}" for d in details if isinstance(d, dict))
        return Failed(reason=reason or "the workflow failed on the ComfyUI server")
    urls = []
    for output in (entry.get("outputs") or {}).values():
        videos = list(output.get("gifs") or [])  # VideoHelperSuite's Video Combine
        if any(output.get("animated") or []):  # core SaveVideo / SaveAnimated*: animated images
            videos += output.get("images") or []
        urls += [view_url(v) for v in videos if isinstance(v, dict) and v.get("filename")]
    if not urls:
        return Failed(reason="the workflow finished without a video output (SaveVideo or Video Combine)")
    return Succeeded(result_urls=tuple(urls), cost_usd=0.0)


def gpu_seconds(entry: dict) -> float | None:
    """Seconds from execution_start to the end, from the history's message timestamps (ms), where given."""
    times = {m[0]: m[1].get("timestamp") for m in (entry.get("status") or {}).get("messages") or []
             if isinstance(m, list) and len(m) > 1 and isinstance(m[1], dict)}
    start = times.get("execution_start")
    end = times.get("execution_success") or times.get("execution_error") or times.get("execution_interrupted")
    return (end - start) / 1000 if isinstance(start, (int, float)) and isinstance(end, (int, float)) else None


def readiness(base_url: str | None, workflow: Path | None = None, *, timeout: float = 10.0
              ) -> list[tuple[bool, str, str]]:
    """(ok, what, fix) for ``doctor comfyui``: the workflow, the server reachable, its GPU, the nodes present."""
    base = (base_url or ComfyUIProvider.default_base_url).rstrip("/")
    found: list[tuple[bool, str, str]] = []
    try:
        graph = load_workflow(workflow)
        found.append((True, f"workflow {workflow or 'default retake workflow'}: {len(graph)} nodes, placeholders ok", ""))
    except InputError as exc:
        return [(False, exc.message, exc.hint or "")]
    try:
        stats = httpx.get(f"{base}/system_stats", timeout=timeout)
        info = httpx.get(f"{base}/object_info", timeout=timeout)
    except httpx.HTTPError as exc:
        return found + [(False, f"ComfyUI server at {base} not reachable ({type(exc).__name__})",
                         "start ComfyUI (python main.py --listen) or pass --base-url http://HOST:8188")]
    if stats.status_code != 200 or info.status_code != 200:
        return found + [(False, f"{base} answered HTTP {stats.status_code}/{info.status_code}: not a ComfyUI server?",
                         "check --base-url")]
    devices = [d for d in (stats.json().get("devices") or []) if isinstance(d, dict)]
    gpus = [d for d in devices if d.get("type") not in (None, "cpu")]
    found.append((True, f"ComfyUI server at {base} reachable", ""))
    found.append((bool(gpus), "GPU: " + (", ".join(f"{d.get('name')} ({(d.get('vram_total') or 0) / 2**30:.0f} GB)"
                                                  for d in gpus) or "none, the server runs on its CPU"),
                  "" if gpus else "run ComfyUI on a machine with a CUDA GPU"))
    missing = sorted({n["class_type"] for n in graph.values()} - set(info.json()))
    found.append((not missing, "nodes: " + (f"missing {', '.join(missing)}" if missing else "all present"),
                  "install ComfyUI-LTXVideo (ComfyUI Manager, or git clone into custom_nodes) and restart"
                  if missing else ""))
    return found


class ComfyUIProvider(HostedProvider):
    name = "comfyui"
    model = "LTX-2 (ComfyUI-LTXVideo)"
    key_env = ""
    needs_key = False
    default_base_url = "http://127.0.0.1:8188"
    accepts_seed = True  # RandomNoise.noise_seed: the same seed gives the same take
    can_find_jobs = True  # the prompt_id is ours: history and queue say whether it was taken
    poll_seconds = 2.0
    # No dollars; one GPU runs one prompt at a time. Sections widened outward to the node's 8-frame blocks.
    limits = Limits(price_per_second=0.0, max_concurrent=1, max_section_seconds=20.0, latent_block_frames=8,
                    max_input_bytes=1024 * 1024 * 1024)

    def __init__(self, key: str = "", *, base_url: str | None = None, workflow: Path | None = None, **kw) -> None:
        super().__init__(key, base_url=base_url, **kw)
        self.workflow_path = Path(workflow) if workflow else None
        self.workflow = load_workflow(self.workflow_path)
        self.client_id = uuid.uuid4().hex
        self._clips: dict[str, Fraction] = {}  # uploaded name -> its rate
        self._checked = False
        self._progress: dict[str, float] = {}
        self._listener: asyncio.Task | None = None

    def auth_headers(self, key: str) -> dict[str, str]:
        return {}  # a studio's server on its own network: ComfyUI has no keys

    def host_params(self) -> dict:
        """The graph changes what a job makes: part of the job's identity."""
        text = json.dumps(self.workflow, sort_keys=True)
        return {"workflow": hashlib.sha256(text.encode()).hexdigest()[:16]}

    # ------------------------------------------------------------------ checks before anything is queued
    async def check_nodes(self) -> None:
        """Every node class of the workflow is installed on the server (``GET /object_info``)."""
        if self._checked:
            return
        info = (await self.http.request("GET", self.url("/object_info"))).json()
        missing = sorted({n["class_type"] for n in self.workflow.values()} - set(info))
        if missing:
            where = self.workflow_path or "the default retake workflow"
            raise InvalidRequestError(
                f"the ComfyUI server at {self.base_url} lacks the node(s) {', '.join(missing)} that {where} uses",
                host=self.name, hint="install ComfyUI-LTXVideo (and the nodes your workflow needs) on the server, "
                                     "then restart it")
        self._checked = True

    # ------------------------------------------------------------------ the job
    async def upload(self, path: Path) -> str:
        path = Path(path)
        info = probe(path)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:20]
        name = f"{UPLOAD_PREFIX}{digest}.mp4"  # mp4: LoadVideo lists only files whose type guesses as video/*
        answer = (await self.http.request(
            "POST", self.url("/upload/image"), files={"image": (name, path.read_bytes(), "video/mp4")},
            data={"type": "input", "subfolder": "", "overwrite": "true"})).json()
        stored = answer.get("name") or name
        self._clips[stored] = Fraction(info.rate or 24).limit_denominator(1001)
        return stored

    def graph_for(self, request: RetakeRequest) -> dict:
        rate = self._clips.get(request.video)
        if rate is None:
            raise UnexpectedResponseError(f"the excerpt {request.video} was not uploaded by this run", host=self.name)
        fps = float(rate)
        # Frames, then seconds the node turns back into the same frames (int(round(t * fps))).
        first = round(Fraction(request.start_seconds).limit_denominator(100000) * rate)
        end = round(Fraction(request.start_seconds + request.duration_seconds).limit_denominator(100000) * rate)
        values = {"input": request.video, "start_time": first / fps, "end_time": end / fps, "fps": fps,
                  "prompt": request.prompt, "negative_prompt": "",
                  "seed": int(request.seed if request.seed is not None else 0),
                  "mask_video": request.mode.has_video, "mask_audio": request.mode.has_audio}
        return fill_workflow(self.workflow, values)

    async def submit(self, request: RetakeRequest) -> JobHandle:
        await self.check_nodes()
        graph = self.graph_for(request)
        prompt_id = prompt_id_for(request)
        self._listen()
        answer = await self.http.request("POST", self.url("/prompt"), paid=True, ok=(200, 400), json={
            "prompt": graph, "client_id": self.client_id, "prompt_id": prompt_id})
        if answer.status_code == 400:
            raise InvalidRequestError(self._refusal(answer), host=self.name, status=400,
                                      hint="fix the workflow (--workflow) or install the nodes it needs")
        return JobHandle(host=self.name, job_id=answer.json().get("prompt_id") or prompt_id)

    @staticmethod
    def _refusal(answer: httpx.Response) -> str:
        """ComfyUI's validation answer in words: the error and each node's errors."""
        try:
            body = answer.json()
        except ValueError:
            return answer.text[:300] or "the ComfyUI server refused the workflow"
        error = body.get("error") if isinstance(body, dict) else None
        text = error.get("message", "") if isinstance(error, dict) else str(error or "")
        if isinstance(error, dict) and error.get("details"):
            text += f" ({error['details']})"
        parts = []
        for node_id, node in ((body.get("node_errors") or {}) if isinstance(body, dict) else {}).items():
            for problem in node.get("errors") or []:
                parts.append(f"node {node_id} {node.get('class_type', '')}: {problem.get('message', '')}"
                             + (f" ({problem['details']})" if problem.get("details") else ""))
        return "the ComfyUI server refused the workflow: " + "; ".join(filter(None, [text, *parts]))

    def _view_url(self, item: dict) -> str:
        query = urllib.parse.urlencode({"filename": item["filename"], "subfolder": item.get("subfolder", ""),
                                        "type": item.get("type", "output")})
        return self.url(f"/view?{query}")

    async def _history(self, prompt_id: str) -> dict | None:
        body = (await self.http.request("GET", self.url(f"/history/{prompt_id}"))).json()
        entry = body.get(prompt_id) if isinstance(body, dict) else None
        return entry if isinstance(entry, dict) else None

    async def _job_state(self, prompt_id: str) -> JobStatus | str:
        """Newer servers' jobs API: Queued / Running, "finished", or "absent" / "unknown" where it cannot say."""
        answer = await self.http.request("GET", self.url(f"/api/jobs/{prompt_id}"), ok=(200, 404, 405))
        if answer.status_code != 200:
            return "unknown"  # a 404 is an unknown job or a server without the jobs API: /queue decides
        try:
            word = str((answer.json() or {}).get("status", "")).lower()
        except ValueError:
            return "unknown"
        if word in ("pending", "queued"):
            return Queued()
        if word in ("in_progress", "running", "executing"):
            return Running(progress=self._progress.get(prompt_id))
        return "finished" if word else "unknown"

    async def _queue_place(self, prompt_id: str) -> JobStatus | str:
        """Queued (with its place) or Running where the server holds the prompt; "absent" where its queue
        does not; "finished" or "unknown" (neither ``/queue`` nor the jobs API answered)."""
        state = await self._job_state(prompt_id)
        if not isinstance(state, str):
            return state
        answer = await self.http.request("GET", self.url("/queue"), ok=(200, 404, 405))
        if answer.status_code != 200:
            return state
        body = answer.json()
        if any(isinstance(i, list) and len(i) > 1 and i[1] == prompt_id for i in body.get("queue_running") or []):
            return Running(progress=self._progress.get(prompt_id))
        pending = sorted((i for i in body.get("queue_pending") or [] if isinstance(i, list) and len(i) > 1),
                         key=lambda i: i[0])
        for place, item in enumerate(pending):
            if item[1] == prompt_id:
                return Queued(position=place)
        return "finished" if state == "finished" else "absent"

    async def poll(self, handle: JobHandle) -> JobStatus:
        entry = await self._history(handle.job_id)
        if entry is not None:
            return parse_history(entry, self._view_url)
        place = await self._queue_place(handle.job_id)
        if not isinstance(place, str):
            return place
        if (entry := await self._history(handle.job_id)) is not None:
            return parse_history(entry, self._view_url)  # it finished between the two questions
        if place == "absent":
            raise ResultExpiredError(f"the ComfyUI server at {self.base_url} no longer knows prompt {handle.job_id} "
                                     "(restarted, or its history was cleared)", host=self.name)
        return Running(progress=self._progress.get(handle.job_id))  # the server cannot say more: keep asking

    async def find_job(self, request: RetakeRequest, exclude: frozenset[str] = frozenset()) -> JobHandle | None:
        prompt_id = prompt_id_for(request)
        if prompt_id in exclude:
            return None
        if await self._history(prompt_id) is not None:
            return JobHandle(host=self.name, job_id=prompt_id)
        place = await self._queue_place(prompt_id)
        if not isinstance(place, str) or place == "finished":
            return JobHandle(host=self.name, job_id=prompt_id)
        if place == "unknown":  # never queued twice on a guess: the history will show it once it has run
            raise SubmitOutcomeUnknownError(
                f"the ComfyUI server at {self.base_url} has neither /queue nor the jobs API, and prompt {prompt_id} "
                "is not in its history yet", host=self.name,
                hint="run the same command again once the server is idle: a prompt it took shows in its history")
        return None

    async def cancel(self, handle: JobHandle) -> bool:
        if await self._history(handle.job_id) is not None:
            return False  # finished: kept
        answer = await self.http.request("POST", self.url(f"/api/jobs/{handle.job_id}/cancel"), ok=(200, 202, 404))
        if answer.status_code == 404:  # an older server: take it out of the queue, or stop it running
            await self.http.request("POST", self.url("/queue"), json={"delete": [handle.job_id]})
            await self.http.request("POST", self.url("/interrupt"), json={"prompt_id": handle.job_id})
        return True

    # ------------------------------------------------------------------ progress over the websocket
    def _listen(self) -> None:
        if self._listener is None or self._listener.done():
            self._listener = asyncio.get_running_loop().create_task(self._receive())

    async def _receive(self) -> None:
        """Progress of our prompts (``progress {value, max, prompt_id}``); polling stays the source of truth."""
        try:
            import websockets
            url = self.base_url.replace("http", "ws", 1) + f"/ws?clientId={self.client_id}"
            async with websockets.connect(url, open_timeout=10) as ws:
                async for raw in ws:
                    if not isinstance(raw, str):
                        continue  # preview images
                    message = json.loads(raw)
                    data = message.get("data") or {}
                    if message.get("type") == "progress" and data.get("prompt_id") and data.get("max"):
                        self._progress[data["prompt_id"]] = float(data["value"]) / float(data["max"])
        except Exception:  # no websocket (a proxy that does not pass it): polling alone
            return

    async def aclose(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._listener
        await super().aclose()
