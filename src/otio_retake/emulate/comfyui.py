"""Emulator of a studio's ComfyUI server running the ComfyUI-LTXVideo nodes, written from ComfyUI's own code.

What it copies (comfyanonymous/ComfyUI ``server.py`` and ``execution.py``, Lightricks/ComfyUI-LTXVideo
``latents.py``):

- every route also under ``/api``; no authentication (a studio's server on its own network);
- ``POST /upload/image``: multipart ``image`` (+ ``subfolder``, ``type``, ``overwrite``) stored as any bytes
  under the input folder; a second file of the same name gets ``name (1).ext`` unless it is the same bytes;
  answers ``{name, subfolder, type}``;
- ``POST /prompt {prompt, client_id, prompt_id}``: the graph (API format) is validated against the node classes
  ``GET /object_info`` lists (400 ``{error: {type, message, details, extra_info}, node_errors}``); a client's
  ``prompt_id`` is used as given (it must be a canonical lowercase hyphenated UUID). ComfyUI queues the same
  prompt_id twice if asked: so does this emulator, and its stats count it as a duplicate;
- ``GET /history/{prompt_id}`` is ``{}`` until the prompt has finished, then its entry (``prompt``, ``outputs``,
  ``status {status_str, completed, messages}``); ``GET /queue``; ``GET /view?filename&subfolder&type``;
  ``POST /interrupt`` (``{prompt_id}`` interrupts that prompt only if it is the one running);
  ``POST /api/jobs/{id}/cancel`` (idempotent);
- ``WS /ws?clientId=``: ``status`` to everyone; ``execution_start``, ``executing``, ``progress {value, max}``,
  ``executed``, ``execution_success`` | ``execution_error`` | ``execution_interrupted`` only to the client whose
  id queued the prompt;
- ``LTXVSetAudioVideoMaskByTime`` rounds the section INWARD to latent blocks: latent 0 is pixel frame 0, latent
  k >= 1 holds pixel frames 8(k-1)+1 .. 8k; the first block regenerated is the first starting at or after
  ``round(start_time * video_fps)``, the blocks end at the last block start at or before
  ``round(end_time * video_fps)`` (that block excluded). Only those frames are re-rendered (the preview engine);
  ``SaveVideo`` lists the result under ``images`` with ``animated: [true]``.
"""

from __future__ import annotations

import asyncio
import hashlib
import mimetypes
import re
import time
import uuid
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from ..model import Mode
from ..media.probe import probe
from .core import CutOffResponse, EmulatedJob, HostApp, clip_frames

__all__ = ["ComfyUIEmulator", "OBJECT_INFO", "regenerated_frames", "CANONICAL_UUID"]

CANONICAL_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
TIME_SCALE = 8  # the LTX video VAE's temporal downscale (vae.downscale_index_formula[0])


def _node(required: dict, outputs: tuple, optional: dict | None = None, *, output_node: bool = False,
          category: str = "") -> dict:
    inputs = {"required": required, **({"optional": optional} if optional else {})}
    return {"input": inputs, "input_order": {k: list(v) for k, v in inputs.items()}, "output": list(outputs),
            "output_is_list": [False] * len(outputs), "output_name": list(outputs), "output_node": output_node,
            "category": category, "description": "", "python_module": "nodes"}


def _float(default, lo, hi):
    return ["FLOAT", {"default": default, "min": lo, "max": hi}]


# The node classes of a server with ComfyUI core and ComfyUI-LTXVideo (their INPUT_TYPES, required inputs).
OBJECT_INFO = {
    "LoadVideo": _node({"file": [[], {"video_upload": True}]}, ("VIDEO",)),
    "GetVideoComponents": _node({"video": ["VIDEO"]}, ("IMAGE", "AUDIO", "FLOAT")),
    "CreateVideo": _node({"images": ["IMAGE"], "fps": _float(30.0, 1.0, 120.0)}, ("VIDEO",), {"audio": ["AUDIO"]}),
    "SaveVideo": _node({"video": ["VIDEO"], "filename_prefix": ["STRING", {"default": "video/ComfyUI"}],
                        "format": [["auto", "mp4"], {"default": "auto"}],
                        "codec": [["auto", "h264"], {"default": "auto"}]}, (), output_node=True),
    "CheckpointLoaderSimple": _node({"ckpt_name": [["ltx-2-19b-dev.safetensors"]]}, ("MODEL", "CLIP", "VAE")),
    "LTXVAudioVAELoader": _node({"ckpt_name": [["ltx-2-19b-dev.safetensors"]]}, ("VAE",)),
    "LTXAVTextEncoderLoader": _node({"text_encoder": [["gemma_3_12B_it.safetensors"]],
                                     "ckpt_name": [["ltx-2-19b-dev.safetensors"]],
                                     "device": [["default", "cpu"]]}, ("CLIP",)),
    "CLIPTextEncode": _node({"text": ["STRING", {"multiline": True}], "clip": ["CLIP"]}, ("CONDITIONING",)),
    "LTXVConditioning": _node({"positive": ["CONDITIONING"], "negative": ["CONDITIONING"],
                               "frame_rate": _float(25.0, 0.0, 1000.0)}, ("CONDITIONING", "CONDITIONING")),
    "VAEEncode": _node({"pixels": ["IMAGE"], "vae": ["VAE"]}, ("LATENT",)),
    "LTXVAudioVAEEncode": _node({"audio": ["AUDIO"], "audio_vae": ["VAE"]}, ("LATENT",)),
    "LTXVConcatAVLatent": _node({"video_latent": ["LATENT"], "audio_latent": ["LATENT"]}, ("LATENT",)),
    "LTXVSetAudioVideoMaskByTime": _node({
        "av_latent": ["LATENT"], "positive": ["CONDITIONING"], "negative": ["CONDITIONING"], "model": ["MODEL"],
        "vae": ["VAE"], "audio_vae": ["VAE"], "start_time": _float(0.0, 0.0, 2000.0),
        "end_time": _float(10.0, 0.0, 2000.0), "video_fps": _float(24.0, 0.0, 500.0),
        "mask_video": ["BOOLEAN", {"default": True}], "mask_audio": ["BOOLEAN", {"default": True}],
        "mask_init_value_video": _float(0.0, 0.0, 1.0), "mask_init_value_audio": _float(0.0, 0.0, 1.0),
        "slope_len": ["INT", {"default": 3, "min": 1, "max": 100, "step": 1}]},
        ("CONDITIONING", "CONDITIONING", "LATENT", "FLOAT", "FLOAT"), {"spatial_mask": ["MASK"]}),
    "RandomNoise": _node({"noise_seed": ["INT", {"default": 0, "min": 0, "max": 0xffffffffffffffff}]}, ("NOISE",)),
    "KSamplerSelect": _node({"sampler_name": [["euler", "euler_ancestral", "res_multistep"]]}, ("SAMPLER",)),
    "LTXVScheduler": _node({"steps": ["INT", {"default": 20, "min": 1, "max": 10000}],
                            "max_shift": _float(2.05, 0.0, 100.0), "base_shift": _float(0.95, 0.0, 100.0),
                            "stretch": ["BOOLEAN", {"default": True}], "terminal": _float(0.1, 0.0, 0.99)},
                           ("SIGMAS",), {"latent": ["LATENT"]}),
    "CFGGuider": _node({"model": ["MODEL"], "positive": ["CONDITIONING"], "negative": ["CONDITIONING"],
                        "cfg": _float(8.0, 0.0, 100.0)}, ("GUIDER",)),
    "SamplerCustomAdvanced": _node({"noise": ["NOISE"], "guider": ["GUIDER"], "sampler": ["SAMPLER"],
                                    "sigmas": ["SIGMAS"], "latent_image": ["LATENT"]}, ("LATENT", "LATENT")),
    "LTXVSeparateAVLatent": _node({"av_latent": ["LATENT"]}, ("LATENT", "LATENT")),
    "VAEDecode": _node({"samples": ["LATENT"], "vae": ["VAE"]}, ("IMAGE",)),
    "LTXVAudioVAEDecode": _node({"samples": ["LATENT"], "audio_vae": ["VAE"]}, ("AUDIO",)),
}

MASK_NODE = "LTXVSetAudioVideoMaskByTime"


def regenerated_frames(start_time: float, end_time: float, video_fps: float, frame_count: int) -> tuple[int, int]:
    """Pixel frames ``[first, end)`` the node regenerates in a clip of ``frame_count`` frames (its inward
    rounding to latent blocks, copied from ``LTXVSetAudioVideoMaskByTime.run``)."""
    latents = (frame_count - 1) // TIME_SCALE + 1
    starts = [0] + [1 + TIME_SCALE * k for k in range(latents)]  # xp: where each latent block starts
    first_raw, end_raw = int(round(start_time * video_fps)), int(round(end_time * video_fps))
    lo = next((i for i, x in enumerate(starts) if x >= first_raw), len(starts))  # searchsorted left
    hi = sum(1 for x in starts if x <= end_raw) - 1  # searchsorted right, minus one
    lo, hi = max(0, lo), min(hi, latents)
    if hi <= lo:
        return 0, 0
    return starts[lo], starts[hi]


class _Invalid(Exception):
    def __init__(self, error: dict, node_errors: dict | None = None) -> None:
        super().__init__(error["message"])
        self.body = {"error": error, "node_errors": node_errors or {}}


def _error(kind: str, message: str, details: str = "") -> dict:
    return {"type": kind, "message": message, "details": details, "extra_info": {}}


class ComfyUIEmulator(HostApp):
    def __init__(self, state) -> None:
        super().__init__(state)
        for folder in ("input", "output", "temp"):
            (state.root / folder).mkdir(exist_ok=True)
        self.sockets: dict[str, WebSocket] = {}
        self.number = 0
        self.meta: dict[str, dict] = {}  # prompt_id -> {number, prompt, client_id, save_ids, mask node ...}

    # ------------------------------------------------------------------ faults (no auth on ComfyUI)
    def take_fault(self, request: Request, stage: str):
        self.state.remember_base(request)
        self.state.requests[stage] += 1
        fault = self.state.faults.take(stage)
        if fault in ("drop", "late", "truncate"):
            return fault
        if fault == "expired":
            return Response(status_code=404)
        if fault in ("429", "500", "503", "402", "422"):
            return JSONResponse(_error("server_error", f"emulated HTTP {fault}"), status_code=int(fault),
                                headers={"Retry-After": f"{self.state.retry_after:g}"} if fault == "429" else None)
        return None

    # ------------------------------------------------------------------ validation (execution.validate_prompt)
    def object_info(self) -> dict:
        info = {name: dict(node) for name, node in OBJECT_INFO.items()}
        # LoadVideo lists the input folder's own files (not its subfolders) whose type guesses as video/*
        files = sorted(p.name for p in (self.state.root / "input").iterdir()
                       if p.is_file() and (mimetypes.guess_type(p.name)[0] or "").startswith("video/"))
        load = dict(info["LoadVideo"])
        load["input"] = {"required": {"file": [files, {"video_upload": True}]}}
        info["LoadVideo"] = load
        return info

    def validate(self, prompt) -> list[str]:
        """The output node ids to run, or ``_Invalid`` with ComfyUI's answer."""
        if not isinstance(prompt, dict):
            raise _Invalid(_error("invalid_prompt", "Invalid prompt: the prompt is not a dict"))
        info = self.object_info()
        for node_id, node in prompt.items():
            if not isinstance(node, dict) or "class_type" not in node:
                raise _Invalid(_error("invalid_prompt", f"Cannot execute because a node is missing the class_type "
                                      "property.", f"Node ID '#{node_id}'"))
            if node["class_type"] not in info:
                raise _Invalid(_error("missing_node_type", f"Node '{node['class_type']}' not found. The custom node "
                                      "may not be installed.", f"Node ID '#{node_id}'"))
        outputs = [i for i, n in prompt.items() if info[n["class_type"]].get("output_node")]
        if not outputs:
            raise _Invalid(_error("prompt_no_outputs", "Prompt has no outputs"))
        node_errors = {}
        for node_id, node in prompt.items():
            errors = self._node_errors(prompt, node, info[node["class_type"]])
            if errors:
                node_errors[node_id] = {"errors": errors, "dependent_outputs": outputs,
                                        "class_type": node["class_type"]}
        if node_errors:
            raise _Invalid(_error("prompt_outputs_failed_validation", "Prompt outputs failed validation"), node_errors)
        return outputs

    @staticmethod
    def _node_errors(prompt: dict, node: dict, info: dict) -> list[dict]:
        errors, inputs = [], node.get("inputs") or {}
        for name, spec in info["input"]["required"].items():
            if name not in inputs:
                errors.append({"type": "required_input_missing", "message": "Required input is missing",
                               "details": name, "extra_info": {"input_name": name}})
                continue
            value, kind = inputs[name], spec[0]
            if isinstance(value, list):  # a link [node id, output index]
                if len(value) != 2 or str(value[0]) not in prompt:
                    errors.append({"type": "bad_linked_input", "message": "Bad linked input, must be a length-2 "
                                   "list of [string, int]", "details": name, "extra_info": {"input_name": name}})
                continue
            if isinstance(kind, list) and value not in kind:
                errors.append({"type": "value_not_in_list", "message": "Value not in list",
                               "details": f"{name}: '{value}' not in {kind}", "extra_info": {"input_name": name}})
            elif kind in ("INT", "FLOAT"):
                options = spec[1] if len(spec) > 1 else {}
                if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                        (kind == "INT" and not isinstance(value, int)):
                    errors.append({"type": "invalid_input_type", "message": f"Failed to convert an input value to "
                                   f"a {kind} value", "details": f"{name}, {value!r}", "extra_info": {}})
                elif "min" in options and value < options["min"]:
                    errors.append({"type": "value_smaller_than_min", "message": f"Value {value} smaller than min "
                                   f"of {options['min']}", "details": name, "extra_info": {}})
                elif "max" in options and value > options["max"]:
                    errors.append({"type": "value_bigger_than_max", "message": f"Value {value} bigger than max "
                                   f"of {options['max']}", "details": name, "extra_info": {}})
            elif kind == "BOOLEAN" and not isinstance(value, bool):
                errors.append({"type": "invalid_input_type", "message": "Failed to convert an input value to a "
                               "BOOLEAN value", "details": f"{name}, {value!r}", "extra_info": {}})
        return errors

    # ------------------------------------------------------------------ executing a retake graph
    def _upstream_text(self, prompt: dict, link) -> str:
        """The text of the CLIPTextEncode a conditioning link comes from (through LTXVConditioning)."""
        seen = 0
        while isinstance(link, list) and seen < 20:
            node = prompt[str(link[0])]
            inputs = node.get("inputs") or {}
            if "text" in inputs:
                return str(inputs["text"])
            link = inputs.get("positive")
            seen += 1
        return ""

    def start(self, prompt_id: str, prompt: dict, client_id: str, outputs: list[str]) -> EmulatedJob | None:
        def only(kind):
            found = [(i, n) for i, n in prompt.items() if n["class_type"] == kind]
            return found[0] if len(found) == 1 else (None, None)

        load_id, load = only("LoadVideo")
        mask_id, mask = only(MASK_NODE)
        noise_id, noise = only("RandomNoise")
        failure = None
        if load is None or mask is None:
            failure = "this emulator runs only retake graphs: one LoadVideo and one LTXVSetAudioVideoMaskByTime"
        video = self.state.root / "input" / str(load["inputs"]["file"]) if load else None
        self.number += 1
        start = duration = 0.0
        mode = Mode.BOTH
        first = end = 0
        if failure is None:
            m = mask["inputs"]
            frames = clip_frames(video)
            first, end = regenerated_frames(m["start_time"], m["end_time"], m["video_fps"], frames)
            rate = float(probe(video).rate or m["video_fps"])
            start, duration = first / rate, (end - first) / rate
            mode = Mode.BOTH if m["mask_video"] and m["mask_audio"] else Mode.VIDEO if m["mask_video"] else Mode.AUDIO
        job = self.state.create_job(
            video=video or Path(), start=start, duration=duration, prompt=self._upstream_text(prompt, mask["inputs"]
                                                                                          ["positive"]) if mask else "",
            mode=mode, seed=int(noise["inputs"]["noise_seed"]) if noise else None,
            request={"prompt": prompt, "client_id": client_id}, job_id=prompt_id, failure=failure)
        steps = next((n["inputs"].get("steps") for n in prompt.values() if n["class_type"] == "LTXVScheduler"), 20)
        self.meta[prompt_id] = {"number": self.number, "prompt": prompt, "client_id": client_id, "outputs": outputs,
                                "mask": mask_id, "frames": (first, end), "steps": steps if isinstance(steps, int) else 20,
                                "created": time.time()}
        return job

    def phase(self, job: EmulatedJob) -> str:
        return job.state(self.state.latency)

    def ui_outputs(self, job: EmulatedJob) -> dict:
        meta = self.meta[job.id]
        outputs = {}
        for index, node_id in enumerate(meta["outputs"]):
            if not job.results:
                break
            result = job.results[0]
            prefix = str(meta["prompt"][node_id]["inputs"].get("filename_prefix", "video/ComfyUI"))
            subfolder, _, stem = prefix.rpartition("/")
            name = f"{stem or 'ComfyUI'}_{meta['number']:05d}_.mp4"
            target = self.state.root / "output" / subfolder / name
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(result.read_bytes())
            outputs[node_id] = {"images": [{"filename": name, "subfolder": subfolder, "type": "output"}],
                                "animated": [True]}
        return outputs

    def messages(self, job: EmulatedJob) -> list:
        meta = self.meta[job.id]
        started = int(meta["created"] * 1000)
        ended = started + int(self.state.latency * 1000)
        head = [["execution_start", {"prompt_id": job.id, "timestamp": started}],
                ["execution_cached", {"nodes": [], "prompt_id": job.id, "timestamp": started}]]
        phase = self.phase(job)
        if phase == "cancelled":
            return head + [["execution_interrupted", {"prompt_id": job.id, "node_id": meta["mask"],
                                                      "node_type": MASK_NODE, "executed": [], "timestamp": ended}]]
        if phase == "failed":
            return head + [["execution_error", {"prompt_id": job.id, "node_id": meta["mask"], "node_type": MASK_NODE,
                                                "executed": [], "exception_message": job.reason,
                                                "exception_type": "RuntimeError", "traceback": [],
                                                "current_inputs": {}, "current_outputs": {}, "timestamp": ended}]]
        return head + [["execution_success", {"prompt_id": job.id, "timestamp": ended}]]

    def history_entry(self, job: EmulatedJob) -> dict | None:
        phase = self.phase(job)
        if phase in ("queued", "running"):
            return None
        meta = self.meta[job.id]
        ok = phase == "succeeded"
        return {"prompt": [meta["number"], job.id, meta["prompt"], {"client_id": meta["client_id"]}, meta["outputs"]],
                "outputs": self.ui_outputs(job) if ok else {},
                "status": {"status_str": "success" if ok else "error", "completed": ok,
                           "messages": self.messages(job)},
                "meta": {n: {"node_id": n, "display_node": n, "parent_node": None, "real_node_id": n}
                         for n in meta["outputs"]} if ok else {}}

    def queue(self) -> dict:
        running, pending = [], []
        for job in self.state.jobs.values():
            meta = self.meta[job.id]
            item = [meta["number"], job.id, meta["prompt"], {"client_id": meta["client_id"]}, meta["outputs"]]
            {"running": running, "queued": pending}.get(self.phase(job), []).append(item)
        return {"queue_running": running, "queue_pending": pending}

    def interrupt(self, job: EmulatedJob) -> None:
        if self.phase(job) in ("queued", "running"):
            job.cancelled = True

    # ------------------------------------------------------------------ routes
    def routes(self) -> list:
        state = self.state

        async def upload(request: Request) -> Response:
            early = self.take_fault(request, "upload")
            if isinstance(early, Response):
                return early
            form = await request.form()
            image = form.get("image")
            if image is None or isinstance(image, str) or not image.filename:
                return Response(status_code=400)
            kind = str(form.get("type") or "input")
            if kind not in ("input", "temp", "output"):
                return Response(status_code=400)
            subfolder = str(form.get("subfolder") or "")
            folder = (state.root / kind / subfolder).resolve()
            if not folder.is_relative_to((state.root / kind).resolve()) or "/" in image.filename \
                    or "\\" in image.filename:
                return Response(status_code=400)
            folder.mkdir(parents=True, exist_ok=True)
            data = await image.read()
            name, path = image.filename, folder / image.filename
            if str(form.get("overwrite") or "") not in ("true", "1"):
                stem, suffix = Path(name).stem, Path(name).suffix
                i = 1
                while path.exists():
                    if hashlib.sha256(path.read_bytes()).digest() == hashlib.sha256(data).digest():
                        break  # the same bytes under the same name: not stored twice
                    name = f"{stem} ({i}){suffix}"
                    path, i = folder / name, i + 1
            path.write_bytes(data)
            return self.answer({"name": name, "subfolder": subfolder, "type": kind}, early)

        async def object_info(request: Request) -> Response:
            state.remember_base(request)
            state.requests["object_info"] += 1
            return JSONResponse(self.object_info())

        async def post_prompt(request: Request) -> Response:
            early = self.take_fault(request, "submit")
            if isinstance(early, Response):
                return early
            body = await request.json()
            if "prompt" not in body:
                return JSONResponse({"error": _error("no_prompt", "No prompt provided", "No prompt provided"),
                                     "node_errors": {}}, status_code=400)
            prompt_id = str(body.get("prompt_id") or uuid.uuid4())
            if not CANONICAL_UUID.match(prompt_id):
                return JSONResponse({"error": _error("invalid_prompt", "Invalid prompt_id: use a canonical lowercase "
                                                     "hyphenated UUID", prompt_id), "node_errors": {}}, status_code=400)
            try:
                outputs = self.validate(body["prompt"])
            except _Invalid as invalid:
                return JSONResponse(invalid.body, status_code=400)
            self.start(prompt_id, body["prompt"], str(body.get("client_id") or ""), outputs)
            return self.answer({"prompt_id": prompt_id, "number": self.number, "node_errors": {}}, early)

        async def history(request: Request) -> Response:
            early = self.take_fault(request, "poll")
            if isinstance(early, Response):
                return early
            job = state.jobs.get(request.path_params["id"])
            if job is not None:
                state.asked_about(job)
            entry = self.history_entry(job) if job is not None else None
            return self.answer({job.id: entry} if entry else {}, early)

        async def system_stats(request: Request) -> Response:
            return JSONResponse({"system": {"os": "posix", "comfyui_version": "emulated"},
                                 "devices": [{"name": "cuda:0 emulated", "type": "cuda", "index": 0,
                                              "vram_total": 24 * 2**30, "vram_free": 20 * 2**30}]})

        async def get_queue(request: Request) -> Response:
            state.requests["queue"] += 1
            return JSONResponse(self.queue())

        async def view(request: Request) -> Response:
            early = self.take_fault(request, "download")
            if isinstance(early, Response):
                return early
            query = request.query_params
            name = query.get("filename", "")
            if not name or name.startswith("/") or ".." in name:
                return Response(status_code=400)
            kind = query.get("type", "output")
            if kind not in ("input", "temp", "output"):
                return Response(status_code=400)
            folder = (state.root / kind / query.get("subfolder", "")).resolve()
            if not folder.is_relative_to((state.root / kind).resolve()):
                return Response(status_code=403)
            path = folder / Path(name).name
            if not path.is_file():
                return Response(status_code=404)
            if early == "truncate":
                return CutOffResponse(path.read_bytes(), keep=0.5, media_type="video/mp4")
            return FileResponse(path, media_type="video/mp4", headers={"Content-Disposition": f'filename="{path.name}"'})

        async def post_queue(request: Request) -> Response:
            body = await request.json()
            for pid in body.get("delete") or []:
                job = state.jobs.get(pid)
                if job is not None and self.phase(job) == "queued":
                    job.cancelled = True
            return Response(status_code=200)

        async def interrupt(request: Request) -> Response:
            state.requests["cancel"] += 1
            try:
                body = await request.json()
            except ValueError:
                body = {}
            wanted = (body or {}).get("prompt_id")
            running = [j for j in state.jobs.values() if self.phase(j) == "running"]
            for job in running:
                if wanted is None or job.id == wanted:
                    self.interrupt(job)
            return Response(status_code=200)

        async def get_job(request: Request) -> Response:
            self.take_fault(request, "poll")
            job = state.jobs.get(request.path_params["id"])
            if job is None:
                return JSONResponse({"error": "Job not found"}, status_code=404)
            word = {"queued": "pending", "running": "in_progress", "succeeded": "completed", "failed": "failed",
                    "cancelled": "cancelled"}[self.phase(job)]
            return JSONResponse({"id": job.id, "status": word, "create_time": int(self.meta[job.id]["created"] * 1000)})

        async def cancel_job(request: Request) -> Response:
            state.requests["cancel"] += 1
            job = state.jobs.get(request.path_params["id"])
            if job is None:
                return JSONResponse({"error": "Job not found"}, status_code=404)
            self.interrupt(job)
            return JSONResponse({"id": job.id, "status": "cancelled" if job.cancelled else self.phase(job)})

        async def ws(websocket: WebSocket) -> None:
            await websocket.accept()
            sid = websocket.query_params.get("clientId") or uuid.uuid4().hex
            self.sockets[sid] = websocket
            sent: dict[str, str] = {}
            try:
                await websocket.send_json({"type": "status", "data": {"status": self._queue_info(), "sid": sid}})
                receiver = asyncio.ensure_future(websocket.receive_text())
                while True:
                    for job in list(state.jobs.values()):
                        meta = self.meta.get(job.id)
                        if meta is None or meta["client_id"] != sid:
                            continue  # execution messages go to the client that queued the prompt only
                        await self._tell(websocket, job, meta, sent)
                    done, _ = await asyncio.wait({receiver}, timeout=0.05)
                    if done:
                        receiver.result()  # raises WebSocketDisconnect when the client leaves
                        receiver = asyncio.ensure_future(websocket.receive_text())
            except (WebSocketDisconnect, RuntimeError):
                pass
            finally:
                self.sockets.pop(sid, None)

        routes = [Route("/upload/image", upload, methods=["POST"]), Route("/object_info", object_info),
                  Route("/prompt", post_prompt, methods=["POST"]), Route("/history/{id}", history),
                  Route("/system_stats", system_stats), Route("/queue", get_queue), Route("/queue", post_queue, methods=["POST"]), Route("/view", view), Route("/interrupt", interrupt, methods=["POST"]),
                  WebSocketRoute("/ws", ws)]
        api = [Route("/api" + r.path, r.endpoint, methods=list(r.methods or ())) if isinstance(r, Route)
               else WebSocketRoute("/api" + r.path, r.endpoint) for r in routes]
        return routes + api + [Route("/api/jobs/{id}/cancel", cancel_job, methods=["POST"]),
                               Route("/api/jobs/{id}", get_job)]

    def _queue_info(self) -> dict:
        remaining = sum(1 for j in self.state.jobs.values() if self.phase(j) in ("queued", "running"))
        return {"exec_info": {"queue_remaining": remaining}}

    async def _tell(self, websocket: WebSocket, job: EmulatedJob, meta: dict, sent: dict) -> None:
        """The messages ComfyUI's executor sends about ``job`` since the last call, as its state moves on."""
        phase, before = self.phase(job), sent.get(job.id, "")
        pid = job.id
        if phase == "queued":
            return
        if not before:
            await websocket.send_json({"type": "execution_start", "data": {"prompt_id": pid,
                                                                          "timestamp": int(time.time() * 1000)}})
            await websocket.send_json({"type": "executing", "data": {"node": meta["mask"], "display_node": meta["mask"],
                                                                     "prompt_id": pid}})
            sent[pid] = "running"
        if phase == "running":
            age = time.monotonic() - job.created
            steps = meta["steps"]
            value = max(1, min(steps, int(steps * age / max(self.state.latency, 1e-6))))
            if sent.get(pid + ":step") != str(value):
                sent[pid + ":step"] = str(value)
                await websocket.send_json({"type": "progress", "data": {"value": value, "max": steps,
                                                                        "prompt_id": pid, "node": meta["mask"]}})
            return
        if before == "done":
            return
        sent[pid] = "done"
        last = self.messages(job)[-1]
        if phase == "succeeded":
            for node_id, output in self.ui_outputs(job).items():
                await websocket.send_json({"type": "executed", "data": {"node": node_id, "display_node": node_id,
                                                                        "output": output, "prompt_id": pid}})
        await websocket.send_json({"type": last[0], "data": last[1]})
        if phase == "succeeded":
            await websocket.send_json({"type": "executing", "data": {"node": None, "prompt_id": pid}})
