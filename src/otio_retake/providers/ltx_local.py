"""``ltx-local``: Lightricks' own ``RetakePipeline`` (ltx-pipelines 1.0.0) in this process, on this machine's GPU.

Optional: ``pip install 'otio-retake[local]'`` brings ltx-pipelines / ltx-core 1.0.0 and torch; nothing here
imports them until a job runs, and a machine without them (or without CUDA: the pipeline calls
``torch.cuda.synchronize()`` unconditionally) is told so in one line before anything is loaded. The weights
are local files, never downloaded: ``OTIO_RETAKE_LTX_CHECKPOINT`` (the .safetensors file) and
``OTIO_RETAKE_GEMMA_ROOT`` (the Gemma folder), or the provider's ``checkpoint`` / ``gemma_root`` options.

The pipeline's constraints are met here, not left to it: it silently crops a clip to 8k+1 frames (we send
8k+1), wants sizes in multiples of 32 (we pad with black and crop back), encodes its output at an integer rate
(23.976 comes back as 23: we re-time it to the excerpt's true rate), takes stereo sound only (the excerpt is
stereo), and regenerates whole 8-frame latent blocks (the planner widens the section outward to them,
``Limits.latent_block_frames``). The model is loaded once per process and jobs run one at a time. A job's
result is a file named by the request, so a run killed while generating re-runs only that job, and a finished
result is never generated twice.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from ..errors import EngineError, InputError
from ..media.decode import AUDIO_RATE, decode_all_frames, read_audio
from ..media.encode import ClipWriter
from ..media.probe import probe
from ..paths import atomic_path, url_to_path
from .base import JobHandle, JobStatus, Limits, RetakeRequest, Succeeded
from .preview import copy_local_result, local_result_status

__all__ = ["LtxLocalProvider", "LTX_LOCAL_LIMITS", "CHECKPOINT_ENV", "GEMMA_ENV", "Library", "load_library",
           "prepare_input", "block_frames", "readiness"]

CHECKPOINT_ENV = "OTIO_RETAKE_LTX_CHECKPOINT"
GEMMA_ENV = "OTIO_RETAKE_GEMMA_ROOT"
SIZE_STEP = 32
BLOCK = 8
LTX_LOCAL_LIMITS = Limits(price_per_second=0.0, max_concurrent=1, max_section_seconds=20.0, latent_block_frames=BLOCK)


@dataclass(frozen=True)
class Library:
    """What this provider uses of ltx-pipelines 1.0.0: the pipeline class, the checkpoint's guider
    parameters (the library's ``detect_params``) and its video encoder."""

    RetakePipeline: Callable
    detect_params: Callable
    encode_video: Callable


def load_library() -> Library:
    """ltx-pipelines 1.0.0, imported only now; a missing extra or GPU is said in one line, before any load."""
    try:
        import torch
    except ImportError:
        raise EngineError("ltx-local needs the optional [local] extra (torch, ltx-pipelines 1.0.0)",
                          hint="pip install 'otio-retake[local]' on a machine with a CUDA GPU") from None
    if not torch.cuda.is_available():
        raise EngineError("ltx-local needs a CUDA GPU, and torch sees none on this machine",
                          hint="run on a machine with an NVIDIA GPU, or use --provider comfyui with a GPU server")
    # The module paths of ltx-pipelines 1.0.0 (`make gpu-check` runs them on a real GPU).
    from ltx_pipelines.retake import RetakePipeline
    from ltx_pipelines.utils.media_io import encode_video
    from ltx_pipelines.utils.params import detect_params
    return Library(RetakePipeline=RetakePipeline, detect_params=detect_params, encode_video=encode_video)


def weights(checkpoint: str | Path | None, gemma_root: str | Path | None) -> tuple[Path, Path]:
    """The checkpoint file and Gemma folder, from the options or the environment, each checked to exist."""
    ckpt = checkpoint or os.environ.get(CHECKPOINT_ENV)
    gemma = gemma_root or os.environ.get(GEMMA_ENV)
    if not ckpt:
        raise InputError("ltx-local needs the LTX-2 checkpoint", hint=f"set {CHECKPOINT_ENV} to its .safetensors file")
    if not gemma:
        raise InputError("ltx-local needs the Gemma text encoder folder",
                         hint=f"set {GEMMA_ENV} to the Gemma text encoder's folder")
    if not Path(ckpt).is_file():
        raise InputError(f"the LTX-2 checkpoint {ckpt} does not exist", hint="check the path (it is never downloaded)")
    if not Path(gemma).is_dir():
        raise InputError(f"the Gemma folder {gemma} does not exist", hint="check the path (it is never downloaded)")
    return Path(ckpt), Path(gemma)


def readiness(checkpoint=None, gemma_root=None) -> list[tuple[bool, str, str]]:
    """(ok, what, fix) for ``providers`` / ``doctor``: the extra, CUDA and the weight files."""
    found = []
    try:
        weights(checkpoint, gemma_root)
        found.append((True, "weights found", ""))
    except InputError as exc:
        found.append((False, exc.message, exc.hint or ""))
    try:
        import importlib.util
        if importlib.util.find_spec("torch") is None or importlib.util.find_spec("ltx_pipelines") is None:
            raise EngineError("the [local] extra is not installed",
                              hint="pip install 'otio-retake[local]' (torch, ltx-pipelines 1.0.0)")
        load_library()
        found.append((True, "ltx-pipelines and a CUDA GPU found", ""))
    except (EngineError, ImportError) as exc:
        found.append((False, getattr(exc, "message", str(exc)), getattr(exc, "hint", "") or ""))
    return found


def block_frames(frames: int) -> int:
    """The most frames of the form 8k+1 a clip of ``frames`` frames holds (what the pipeline keeps)."""
    return BLOCK * ((frames - 1) // BLOCK) + 1


def prepare_input(excerpt: Path, dest: Path) -> tuple[Fraction, int, int, int]:
    """The excerpt as the pipeline takes it: 8k+1 frames, padded to multiples of 32, stereo; returns
    (true rate, frames, width, height) of the excerpt's picture."""
    frames, _, rate = decode_all_frames(str(excerpt))
    keep = block_frames(len(frames))
    height, width = frames[0].shape[:2]
    padded_w, padded_h = SIZE_STEP * math.ceil(width / SIZE_STEP), SIZE_STEP * math.ceil(height / SIZE_STEP)
    audio = read_audio(str(excerpt), Fraction(0), round(Fraction(keep) / rate * AUDIO_RATE))  # stereo, 48 kHz
    with ClipWriter(dest, rate=rate, width=padded_w, height=padded_h, audio=True) as writer:
        for frame in frames[:keep]:
            canvas = np.zeros((padded_h, padded_w, 3), dtype=np.uint8)
            canvas[:height, :width] = frame
            writer.add_frame(canvas)
        writer.add_audio(audio)
    return rate, keep, width, height


def retime(result: Path, dest: Path, *, rate: Fraction, width: int, height: int) -> None:
    """The pipeline's output at the excerpt's true rate (it writes an integer rate) and size (padding off)."""
    frames, _, _ = decode_all_frames(str(result))
    info = probe(result)
    seconds = Fraction(len(frames)) / rate
    audio = read_audio(str(result), Fraction(0), round(seconds * AUDIO_RATE)) if info.has_audio else None
    with ClipWriter(dest, rate=rate, width=width, height=height, audio=audio is not None) as writer:
        for frame in frames:
            writer.add_frame(np.ascontiguousarray(frame[:height, :width]))
        if audio is not None:
            writer.add_audio(audio)


_MODELS: dict[tuple, object] = {}  # loaded once per process, kept for every job of the run
_GPU = threading.Lock()  # one job at a time on the GPU


class LtxLocalProvider:
    name = "ltx-local"
    model = "LTX-2 RetakePipeline (ltx-pipelines 1.0.0)"
    limits = LTX_LOCAL_LIMITS
    accepts_seed = True
    needs_key = False
    can_find_jobs = True  # a result file named by the request: there, or never made
    poll_seconds = 1.0
    finds_jobs_by_request = False
    base_url = ""  # on this machine

    def __init__(self, results_dir: Path, *, checkpoint: str | Path | None = None, gemma_root: str | Path | None = None,
                 library: Callable[[], Library] | None = None, steps: int = 40, distilled: bool = False, **_) -> None:
        self.results_dir = Path(results_dir)
        self.checkpoint, self.gemma_root = checkpoint, gemma_root
        self._library = library or load_library
        self.steps, self.distilled = steps, distilled
        self._clips: dict[str, tuple[Fraction, int, int, int]] = {}

    def host_params(self) -> dict:
        return {"steps": self.steps, "distilled": self.distilled}

    def _pipeline(self, library: Library):
        ckpt, gemma = weights(self.checkpoint, self.gemma_root)
        key = (str(ckpt), str(gemma))
        if key not in _MODELS:
            _MODELS[key] = library.RetakePipeline(checkpoint_path=str(ckpt), gemma_root=str(gemma), loras=[],
                                                  device="cuda", quantization=None)
        return _MODELS[key], ckpt

    async def upload(self, path: Path) -> str:
        path = Path(path)
        weights(self.checkpoint, self.gemma_root)  # a missing file is named before any work
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        dest = self.results_dir / f"ltx-local-input-{digest}.mp4"
        dest.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(dest) as partial:
            shape = await asyncio.to_thread(prepare_input, path, partial)
        self._clips[str(dest)] = shape
        return str(dest)

    def _result_path(self, request: RetakeRequest) -> Path:
        key = request.idempotency_key or f"{request.video}|{request.start_seconds}|{request.prompt}|{request.seed}"
        return self.results_dir / f"ltx-local-{hashlib.sha256(key.encode()).hexdigest()[:16]}.mp4"

    def _generate(self, request: RetakeRequest, dest: Path) -> None:
        library = self._library()  # CUDA and the extra checked before any weight is read
        rate, frames, width, height = self._clips.get(request.video) or _shape_of(Path(request.video))
        with _GPU:
            pipe, ckpt = self._pipeline(library)
            video_params, audio_params = library.detect_params(str(ckpt))
            video, audio = pipe(request.video, request.prompt, request.start_seconds,
                                request.start_seconds + request.duration_seconds, int(request.seed or 0),
                                negative_prompt="", num_inference_steps=self.steps,
                                video_guider_params=video_params, audio_guider_params=audio_params,
                                regenerate_video=request.mode.has_video, regenerate_audio=request.mode.has_audio,
                                distilled=self.distilled)
        raw = dest.with_name(f".{dest.name}.raw.mp4")
        library.encode_video(video=video, fps=int(rate), audio=audio, output_path=str(raw))  # as the library does
        try:
            with atomic_path(dest) as partial:
                retime(raw, partial, rate=rate, width=width, height=height)
        finally:
            raw.unlink(missing_ok=True)

    async def submit(self, request: RetakeRequest) -> JobHandle:
        dest = self._result_path(request)
        if not dest.exists():  # finished by an earlier run: never generated twice
            try:
                await asyncio.to_thread(self._generate, request, dest)
            except (EngineError, InputError):
                raise
            except Exception as exc:  # the pipeline's own failure, in its words
                raise EngineError(f"ltx-local: the pipeline failed: {exc}") from exc
        return JobHandle(host=self.name, job_id=dest.stem, urls={"result": dest.resolve().as_uri()})

    async def find_job(self, request: RetakeRequest, exclude: frozenset[str] = frozenset()) -> JobHandle | None:
        dest = self._result_path(request)
        if dest.exists() and dest.stem not in exclude:
            return JobHandle(host=self.name, job_id=dest.stem, urls={"result": dest.resolve().as_uri()})
        return None

    async def poll(self, handle: JobHandle) -> JobStatus:
        return local_result_status(handle, "the ltx-local result")

    async def download(self, result: Succeeded, dest: Path, *, index: int = 0,
                       verify: Callable[[Path], None] | None = None) -> Path:
        return await copy_local_result(result, dest, index=index, verify=verify)

    async def cancel(self, handle: JobHandle) -> bool:
        return False  # a generation runs inside its submit: nothing is left running to stop

    async def aclose(self) -> None:
        return None


def _shape_of(path: Path) -> tuple[Fraction, int, int, int]:
    info = probe(path)
    return Fraction(info.rate or 24).limit_denominator(1001), int(info.frames or 0), info.width, info.height
