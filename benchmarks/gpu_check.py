"""One real retake of a small pattern clip through each local host, on a machine with a CUDA GPU.

Needs: ``pip install -e '.[local]'`` (ltx-pipelines / ltx-core 1.0.0, torch 2.7), OTIO_RETAKE_LTX_CHECKPOINT and
OTIO_RETAKE_GEMMA_ROOT for ``ltx-local``; a ComfyUI server with ComfyUI-LTXVideo and the default workflow's
weights at OTIO_RETAKE_COMFYUI_URL (e.g. http://gpu-box:8188) for ``comfyui``. A host whose setting is missing
is skipped with the reason. Checks, per host: the result has the excerpt's frames at its rate, the frames
outside the section are unchanged within codec tolerance, the section's frames differ. Exit 1 on a failure.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from fractions import Fraction
from pathlib import Path

import numpy as np

from otio_retake.media.decode import AUDIO_RATE, decode_all_frames
from otio_retake.media.encode import ClipWriter
from otio_retake.media.testpattern import pattern_frame
from otio_retake.model import Mode
from otio_retake.providers import make_provider
from otio_retake.providers.base import RetakeRequest, Succeeded

RATE = Fraction(24)
FRAMES = 97  # 8k+1
SECTION = (33, 65)  # on latent block starts: what is asked is what is regenerated
UNCHANGED = 12.0  # mean grey-level difference of an untouched frame after two encodes is ~1-3
CHANGED = 12.0


def clip(path: Path) -> Path:
    with ClipWriter(path, rate=RATE, width=768, height=512, audio=True) as writer:
        for i in range(FRAMES):
            writer.add_frame(pattern_frame(i, 1, 768, 512))
        t = np.arange(round(FRAMES / RATE * AUDIO_RATE)) / AUDIO_RATE
        tone = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
        writer.add_audio(np.stack([tone, tone]))
    return path


async def retake(host: str, source: Path, work: Path, **options) -> Path:
    provider = make_provider(host, results_dir=work / host, **options)
    try:
        video = await provider.upload(source)
        request = RetakeRequest(video=video, start_seconds=float(SECTION[0] / RATE),
                                duration_seconds=float((SECTION[1] - SECTION[0]) / RATE),
                                prompt="a red balloon drifts across the frame", mode=Mode.VIDEO, seed=1,
                                idempotency_key=f"gpu-check-{host}-{os.getpid()}")
        handle = await provider.submit(request)
        while not isinstance(status := await provider.poll(handle), Succeeded):
            if type(status).__name__ in ("Failed", "Cancelled"):
                raise RuntimeError(f"{host}: {status}")
            await asyncio.sleep(2)
        return await provider.download(status, work / f"{host}-result.mp4")
    finally:
        await provider.aclose()


def check(host: str, source: Path, result: Path) -> bool:
    before, _, _ = decode_all_frames(str(source))
    after, _, rate = decode_all_frames(str(result), width=768, height=512)
    diffs = [float(np.abs(a.astype(float) - b.astype(float)).mean()) for a, b in zip(before, after)]
    outside = [d for i, d in enumerate(diffs) if not SECTION[0] <= i < SECTION[1]]
    inside = diffs[SECTION[0]:SECTION[1]]
    ok = len(after) >= SECTION[1] and max(outside) <= UNCHANGED and min(inside) >= CHANGED
    print(f"{host}: {len(after)} frames at {rate} fps; outside the section max difference {max(outside):.1f} "
          f"(<= {UNCHANGED}), inside min {min(inside):.1f} (>= {CHANGED}): {'ok' if ok else 'FAILED'}")
    return ok


def main() -> int:
    results = []
    with tempfile.TemporaryDirectory(prefix="otio-retake-gpu-check-") as tmp:
        work = Path(tmp)
        source = clip(work / "pattern.mp4")
        hosts = {"ltx-local": ({}, None if os.environ.get("OTIO_RETAKE_LTX_CHECKPOINT") else
                               "OTIO_RETAKE_LTX_CHECKPOINT is not set"),
                 "comfyui": ({"base_url": os.environ.get("OTIO_RETAKE_COMFYUI_URL")},
                             None if os.environ.get("OTIO_RETAKE_COMFYUI_URL") else
                             "OTIO_RETAKE_COMFYUI_URL is not set")}
        for host, (options, missing) in hosts.items():
            if missing:
                print(f"{host}: skipped ({missing})")
                continue
            try:
                results.append(check(host, source, asyncio.run(retake(host, source, work, **options))))
            except Exception as exc:  # a check script: say what failed and go on to the next host
                print(f"{host}: FAILED: {exc}")
                results.append(False)
    return 0 if results and all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
