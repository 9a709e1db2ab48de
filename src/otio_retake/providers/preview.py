"""The offline ``preview`` engine: a real local renderer that stands in for LTX-2 Retake.

It returns a clip of the excerpt's length in which the section is visibly
"regenerated" (tinted, with a label band across the bottom fifth carrying the
prompt and seed) while everything outside the section is the source frame
untouched; audio modes replace the section's sound with a 1 kHz tone. The
tint keeps each frame's structure, so a test can still tell which source
frame every output frame came from. The emulators of the hosted APIs render
their results with ``render_preview`` too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import colorsys
import hashlib
import shutil
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from av.video.reformatter import VideoReformatter
from PIL import Image, ImageDraw

from ..errors import EngineError
from ..media.decode import AUDIO_RATE, decode_with_threads, read_audio
from ..media.encode import ClipWriter
from ..media.testpattern import label_font, tone
from ..media.work import run_media_work
from ..model import Mode
from ..paths import atomic_path, url_to_path
from .base import Failed, JobHandle, JobStatus, Limits, RetakeRequest, Succeeded

__all__ = ["render_preview", "PreviewProvider", "PREVIEW_LIMITS", "PREVIEW_TONE_HZ", "TINT_STRENGTH"]

PREVIEW_TONE_HZ = 1000.0
TINT_STRENGTH = 0.35  # strong enough to see at a glance, weak enough to keep the frame readable
# The model's own limits (providers.md, "Common facts"); the preview costs nothing.
PREVIEW_LIMITS = Limits(price_per_second=0.0, max_concurrent=2)


def _tint_colour(seed: int) -> np.ndarray:
    hue = (seed * 0.61803398875) % 1.0
    return np.array(colorsys.hsv_to_rgb(hue, 0.9, 1.0), dtype=np.float32) * 255


def _label_mask(width: int, height: int, band: int, prompt: str, seed: int) -> Image.Image:
    """Coverage of the label text over the band: drawn once per render, not once per frame."""
    mask = Image.new("L", (width, height - band), 0)
    font = label_font(max(10, height // 22))
    text = f"PREVIEW RETAKE (seed {seed}): {prompt}"
    ImageDraw.Draw(mask).text((8, (height - band) // 2), text[:200], fill=255, font=font, anchor="lm")
    return mask


class _Look:
    """The stand-in's look: the picture tinted towards the seed's colour, the band under it darkened to a
    quarter with the label in white over it. Worked out once per render as PIL lookup tables and a mask, so a
    frame is two table lookups and one composite in C (a float32 blend of every pixel was ~85 ms a 1080p
    frame, most of an emulated 1080p job's time; this is ~20 ms)."""

    def __init__(self, tint: np.ndarray, width: int, height: int, band: int, label: Image.Image) -> None:
        self.tint = [min(255, max(0, round(v * (1 - TINT_STRENGTH) + float(tint[c]) * TINT_STRENGTH)))
                     for c in range(3) for v in range(256)]
        self.dark = [round(v * 0.25) for v in range(256)] * 3
        self.box = (0, band, width, height)
        self.white = Image.new("RGB", label.size, (255, 255, 255))
        self.label = label

    def apply(self, frame: np.ndarray) -> np.ndarray:
        image = Image.fromarray(frame).point(self.tint)
        below = image.crop(self.box).point(self.dark)
        image.paste(Image.composite(self.white, below, self.label), self.box[:2])
        return np.asarray(image)


def render_preview(source: str | Path, dest: str | Path, *, start_seconds: float, duration_seconds: float,
                   mode: Mode, prompt: str, seed: int) -> Path:
    """Render a preview result of ``source`` with the section replaced; returns ``dest``."""
    try:
        container = av.open(str(source))
    except (av.error.FFmpegError, OSError) as exc:
        raise EngineError(f"preview engine: {source} cannot be opened ({exc})") from exc
    with container:
        if not container.streams.video:
            raise EngineError(f"preview engine: {source} has no picture")
        stream = container.streams.video[0]
        decode_with_threads(stream)
        rate = Fraction(stream.average_rate or 24).limit_denominator(1001)
        first = round(Fraction(start_seconds).limit_denominator(100000) * rate)
        last = round(Fraction(start_seconds + duration_seconds).limit_denominator(100000) * rate)
        width, height = stream.codec_context.width, stream.codec_context.height
        band = height - height // 5
        look = _Look(_tint_colour(seed), width, height, band, _label_mask(width, height, band, prompt, seed))
        frames = 0
        scaler = VideoReformatter()  # one for every frame, not one set up per frame
        with ClipWriter(dest, rate=rate, width=width, height=height, audio=True) as writer:
            for frame in container.decode(stream):
                if frame.pts is None:
                    continue
                if mode.has_video and first <= frames < last:
                    writer.add_frame(look.apply(scaler.reformat(frame, format="rgb24").to_ndarray()))
                else:
                    writer.add_frame(frame)  # untouched frames go to the encoder as decoded
                frames += 1
            if not frames:
                raise EngineError(f"preview engine: {source} has no frames")
            total_samples = round(frames * AUDIO_RATE / rate)
            audio = read_audio(str(source), Fraction(0), total_samples)
            if mode.has_audio:
                lo, hi = round(first * AUDIO_RATE / rate), round(min(last, frames) * AUDIO_RATE / rate)
                audio[:, lo:hi] = tone(PREVIEW_TONE_HZ, hi - lo, lo, amplitude=0.25)
            writer.add_audio(audio)
    return Path(dest)


def local_result_status(handle: JobHandle, label: str) -> JobStatus:
    """An engine on this machine finishes a job inside its submit: its result file is there, or it was removed."""
    result = Path(url_to_path(handle.urls["result"]))
    if result.exists():
        return Succeeded(result_urls=(handle.urls["result"],), cost_usd=0.0)
    return Failed(reason=f"{label} {result.name} is gone")


async def copy_local_result(result: Succeeded, dest: Path, *, index: int = 0,
                            verify: Callable[[Path], None] | None = None) -> Path:
    """An engine on this machine's result file copied to ``dest`` (checked by ``verify`` before it is there)."""
    source = Path(url_to_path(result.result_urls[index]))
    with atomic_path(dest) as partial:
        await asyncio.to_thread(shutil.copyfile, source, partial)
        if verify is not None:
            verify(partial)
    return dest


class PreviewProvider:
    """The preview engine behind the ``Provider`` interface: no network, no key, no cost."""

    name = "preview"
    model = "preview-1"
    limits = PREVIEW_LIMITS
    accepts_seed = True  # our own renderer: the seed decides the tint, so takes differ and repeat
    base_url = ""  # on this machine
    poll_seconds = 1.0
    can_find_jobs = False
    finds_jobs_by_request = False

    def __init__(self, results_dir: Path) -> None:
        self.results_dir = Path(results_dir)
        self._sources: dict[str, Path] = {}

    def host_params(self) -> dict:
        return {}

    async def upload(self, path: Path) -> str:
        return Path(path).resolve().as_uri()

    async def submit(self, request: RetakeRequest) -> JobHandle:
        source = Path(url_to_path(request.video))
        digest = hashlib.sha256(f"{source}|{request.start_seconds}|{request.duration_seconds}|{request.prompt}|"
                                f"{request.mode.value}|{request.seed}".encode()).hexdigest()[:16]
        dest = self.results_dir / f"preview-{digest}.mp4"
        try:
            await run_media_work(render_preview, source, dest, start_seconds=request.start_seconds,
                                    duration_seconds=request.duration_seconds, mode=request.mode,
                                    prompt=request.prompt, seed=request.seed)
        except EngineError:
            raise
        except Exception as exc:  # a rendering failure is the engine's, reported as such
            raise EngineError(f"preview engine failed on {source.name}: {exc}") from exc
        return JobHandle(host=self.name, job_id=digest, urls={"result": dest.resolve().as_uri()})

    async def poll(self, handle: JobHandle) -> JobStatus:
        return local_result_status(handle, "preview result")

    async def download(self, result: Succeeded, dest: Path, *, index: int = 0,
                       verify: Callable[[Path], None] | None = None) -> Path:
        return await copy_local_result(result, dest, index=index, verify=verify)

    async def cancel(self, handle: JobHandle) -> bool:
        return False  # jobs finish inside submit; there is nothing running to cancel

    async def aclose(self) -> None:
        return None

