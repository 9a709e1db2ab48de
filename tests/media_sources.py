"""Sources like the ones editors really have, made with PyAV for the media tests.

Every picture is a test-pattern frame (clip id + frame index in blocks), so any
output frame can be traced back to the source frame it shows.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
from av.video.reformatter import VideoReformatter
import numpy as np

from otio_retake.media.decode import AUDIO_RATE
from otio_retake.media.testpattern import pattern_frame

LAYOUT_CHANNELS = {"mono": 1, "stereo": 2, "5.1": 6}


def make_source(path: Path, *, clip_id: int, frames: int, rate: Fraction = Fraction(24), width: int = 320,
                height: int = 180, codec: str = "libx264", pix_fmt: str = "yuv420p", options: dict | None = None,
                audio: str | None = "stereo", tone_hz: float = 440.0, rotation: int = 0,
                times: list[Fraction] | None = None, timecode: str | None = None) -> Path:
    """A pattern clip. ``rotation``: stored turned clockwise, with a display matrix saying how to turn it back.
    ``times``: presentation times in seconds (variable frame rate) instead of i / rate."""
    path = Path(path)
    container = av.open(str(path), "w")
    if timecode:
        container.metadata["timecode"] = timecode
    if codec == "libx264":  # x264's default preset costs twice veryfast's here; veryfast still writes B-frames
        options = {"preset": "veryfast", **(options or {})}
    video = container.add_stream(codec, rate=rate, options=options or {})
    stored_w, stored_h = (height, width) if rotation in (90, 270) else (width, height)
    video.width, video.height, video.pix_fmt = stored_w, stored_h, pix_fmt
    time_base = Fraction(1, 1000) if times is not None else 1 / rate
    video.codec_context.time_base = time_base
    if rotation:
        video.set_display_rotation(rotation)
    stream_audio = None
    if audio:
        stream_audio = container.add_stream("aac", rate=AUDIO_RATE)
        stream_audio.layout = audio
    scaler = VideoReformatter()
    for i in range(frames):
        picture = pattern_frame(i, clip_id, width, height)
        if rotation:
            picture = np.ascontiguousarray(np.rot90(picture, k=-(rotation // 90)))  # store it turned
        frame = scaler.reformat(av.VideoFrame.from_ndarray(picture, format="rgb24"), format=pix_fmt)
        frame.pts = round(times[i] / time_base) if times is not None else i
        frame.time_base = time_base
        for packet in video.encode(frame):
            container.mux(packet)
    for packet in video.encode():
        container.mux(packet)
    if stream_audio is not None:
        total = round(frames / rate * AUDIO_RATE)
        t = np.arange(total) / AUDIO_RATE
        mono = (0.3 * np.sin(2 * np.pi * tone_hz * t)).astype(np.float32)
        planes = np.tile(mono, (LAYOUT_CHANNELS[audio], 1))
        for start in range(0, total, 1024):
            chunk = np.ascontiguousarray(planes[:, start:start + 1024])
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout=audio)
            frame.sample_rate = AUDIO_RATE
            frame.pts = start
            for packet in stream_audio.encode(frame):
                container.mux(packet)
        for packet in stream_audio.encode():
            container.mux(packet)
    container.close()
    return path
