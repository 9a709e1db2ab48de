"""A stand-in for ltx-pipelines 1.0.0 with the real signatures, for machines without a GPU.

It does what the real ``RetakePipeline`` does to the shape of a clip: it refuses sizes that are not multiples
of 32, keeps only the first 8k+1 frames, regenerates whole 8-frame latent blocks (block 0 is frame 0) covering
``[start_time, end_time]`` (tinted, so a test sees which frames changed), and its ``encode_video`` writes at the
integer rate the real one writes (23.976 -> 23). Like LTX Desktop's fake, but with real frames.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from otio_retake.media.decode import AUDIO_RATE, decode_all_frames, read_audio
from otio_retake.media.encode import ClipWriter
from otio_retake.providers.ltx_local import Library

CALLS: list[dict] = []
LOADS: list[str] = []


class RetakePipeline:
    def __init__(self, checkpoint_path, gemma_root, loras, device, quantization=None) -> None:
        LOADS.append(checkpoint_path)

    def __call__(self, video_path, prompt, start_time, end_time, seed, *, negative_prompt, num_inference_steps,
                 video_guider_params, audio_guider_params, regenerate_video, regenerate_audio, distilled, **_):
        if video_guider_params is None or audio_guider_params is None:
            raise TypeError("guider params are required")  # the real call fails inside the guider without them
        frames, _, rate = decode_all_frames(str(video_path))
        height, width = frames[0].shape[:2]
        if height % 32 or width % 32:
            raise ValueError(f"height and width must be multiples of 32, got {width}x{height}")
        keep = 8 * ((len(frames) - 1) // 8) + 1
        first, last = math.floor(start_time * rate + 1e-6), math.ceil(end_time * rate - 1e-6)
        lo = 0 if first == 0 else 1 + 8 * ((first - 1) // 8)
        hi = 1 + 8 * math.ceil((last - 1) / 8)
        CALLS.append({"frames": len(frames), "size": (width, height), "regenerated": (lo, min(hi, keep)),
                      "seed": seed, "video": regenerate_video, "audio": regenerate_audio})
        tint = np.array([(seed * 37) % 256, 90, 200], dtype=np.float32)
        out = []
        for i, frame in enumerate(frames[:keep]):
            if regenerate_video and lo <= i < hi:
                frame = (frame.astype(np.float32) * 0.65 + tint * 0.35).clip(0, 255).astype(np.uint8)
            out.append(frame)
        audio = read_audio(str(video_path), Fraction(0), round(Fraction(keep) / rate * AUDIO_RATE))
        return [np.stack(out[i:i + 16]) for i in range(0, keep, 16)], audio


def detect_params(checkpoint_path):
    return {"cfg": 3.0}, {"cfg": 7.0}


def encode_video(*, video, fps: int, audio, output_path) -> None:
    chunks = list(video)
    height, width = chunks[0].shape[1:3]
    with ClipWriter(output_path, rate=Fraction(int(fps)), width=width, height=height, audio=True) as writer:
        for chunk in chunks:
            for frame in chunk:
                writer.add_frame(np.ascontiguousarray(frame))
        writer.add_audio(audio)


LIBRARY = Library(RetakePipeline=RetakePipeline, detect_params=detect_params, encode_video=encode_video)
