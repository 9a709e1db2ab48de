"""Frames that say which clip and which frame they are, and files made of them.

The top of every frame carries two rows of black/white blocks: the frame
index (16 bits) and the clip id (8 bits). They survive H.264, scaling and the
preview engine's tint, so a test (or an editor) can decode any output frame
and name the source frame it came from. The rest of the frame is a clip
coloured gradient with the frame number written large, for people.
"""

from __future__ import annotations

import functools
from fractions import Fraction
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .decode import AUDIO_RATE
from .encode import ClipWriter

__all__ = ["pattern_frame", "read_pattern", "make_pattern_clip", "tone", "label_font", "FRAME_BITS", "CLIP_BITS"]

FRAME_BITS = 16
CLIP_BITS = 8
ROW_FRACTION = Fraction(1, 9)  # each code row is a ninth of the height: big blocks survive compression


def _rows(height: int) -> tuple[int, int]:
    row = max(4, int(height * ROW_FRACTION))
    return row, row * 2


@functools.lru_cache(maxsize=16)
def _background(clip_id: int, width: int, height: int) -> np.ndarray:
    """The clip's gradient, the same on every frame: computed once per clip and size (it was most of the cost)."""
    y = np.linspace(0, 1, height, dtype=np.float32)[:, None]
    x = np.linspace(0, 1, width, dtype=np.float32)[None, :]
    hue = (clip_id * 0.37) % 1.0
    base = np.stack([0.25 + 0.5 * ((hue + 0.0) % 1) * (1 - y) + 0.1 * x,
                     0.25 + 0.5 * ((hue + 0.33) % 1) * y + 0.0 * x,
                     0.25 + 0.5 * ((hue + 0.66) % 1) * (1 - x) + 0.0 * y], axis=-1)
    img = (np.clip(base, 0, 1) * 255).astype(np.uint8)
    img.flags.writeable = False
    return img


def pattern_frame(index: int, clip_id: int, width: int = 640, height: int = 360) -> np.ndarray:
    """An RGB frame encoding ``index`` and ``clip_id``."""
    img = _background(clip_id, width, height).copy()
    row, bottom = _rows(height)
    for bits, value, top in ((FRAME_BITS, index, 0), (CLIP_BITS, clip_id, row)):
        block = width / bits
        for b in range(bits):
            on = (value >> (bits - 1 - b)) & 1
            x0, x1 = int(b * block), int((b + 1) * block)
            img[top:top + row, x0:x1] = 235 if on else 16
    pil = Image.fromarray(img)
    draw = ImageDraw.Draw(pil)
    font = label_font(max(12, height // 6))
    draw.text((width // 2, (bottom + height) // 2), f"{clip_id}:{index}", fill=(255, 255, 255),
              font=font, anchor="mm", stroke_width=2, stroke_fill=(0, 0, 0))
    return np.asarray(pil)


def read_pattern(rgb: np.ndarray) -> tuple[int, int]:
    """(frame index, clip id) decoded from a pattern frame, at any size."""
    height, width = rgb.shape[:2]
    luma = rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114
    row, _ = _rows(height)
    values = []
    for bits, top in ((FRAME_BITS, 0), (CLIP_BITS, row)):
        block = width / bits
        value = 0
        for b in range(bits):
            cx, cy = int((b + 0.5) * block), top + row // 2
            rx, ry = max(1, int(block / 4)), max(1, row // 4)
            value = (value << 1) | int(luma[cy - ry:cy + ry, cx - rx:cx + rx].mean() > 128)
        values.append(value)
    return values[0], values[1]


def tone(freq: float, samples: int, start_sample: int = 0, amplitude: float = 0.3) -> np.ndarray:
    """A stereo sine, phase-continuous from ``start_sample``."""
    t = (np.arange(samples) + start_sample) / AUDIO_RATE
    mono = (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    return np.stack([mono, mono])


def make_pattern_clip(path: str | Path, *, clip_id: int, frames: int, rate: Fraction = Fraction(24),
                      width: int = 640, height: int = 360, tone_hz: float | None = 440.0,
                      timecode: str | None = None, codec: str = "h264") -> Path:
    """A file of pattern frames 0..frames-1 with a steady tone (or no audio)."""
    path = Path(path)
    with ClipWriter(path, rate=rate, width=width, height=height, audio=tone_hz is not None,
                    codec=codec, timecode=timecode) as writer:
        for i in range(frames):
            writer.add_frame(pattern_frame(i, clip_id, width, height))
            if tone_hz is not None:
                lo = round(i * AUDIO_RATE / rate)
                hi = round((i + 1) * AUDIO_RATE / rate)
                writer.add_audio(tone(tone_hz, hi - lo, lo))
    return path


_FONT_CACHE: dict[int, ImageFont.ImageFont] = {}


def label_font(size: int):
    """Pillow's default font at ``size`` (cached): the one font every label we draw uses."""
    if size not in _FONT_CACHE:
        try:
            _FONT_CACHE[size] = ImageFont.load_default(size=size)
        except TypeError:  # Pillow < 10.1 has one fixed-size default font
            _FONT_CACHE[size] = ImageFont.load_default()
    return _FONT_CACHE[size]
