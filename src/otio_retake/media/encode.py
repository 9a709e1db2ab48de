"""Writing media files: constant frame rate pictures, 48 kHz sound, an embedded timecode.

Every file is written under a temporary name beside its destination and
renamed only when complete, so a crash never leaves a half-written file
under a real name.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from av.video.reformatter import VideoReformatter

from ..paths import atomic_path, partial_path, replace_durably
from .decode import AUDIO_CHANNELS, AUDIO_RATE

__all__ = ["ClipWriter", "write_wav", "VIDEO_CODECS", "AUDIO_BITRATE"]

# name -> (ffmpeg encoder, pixel format, options). Picked for editors:
# H.264 for hosts and review, ProRes 422 HQ and DNxHR HQ for cutting.
VIDEO_CODECS = {
    "h264": ("libx264", "yuv420p", {"preset": "veryfast", "crf": "16"}),
    "prores": ("prores_ks", "yuv422p10le", {"profile": "3"}),
    "dnxhd": ("dnxhd", "yuv422p", {"profile": "dnxhr_hq"}),
}
AUDIO_BITRATE = 192_000
_CONTAINERS = {".mp4": "mp4", ".mov": "mov", ".mxf": "mxf", ".wav": "wav", ".mkv": "matroska"}
AAC_FRAME = 1024


class ClipWriter:
    """Writes frames and samples to ``path``; use as a context manager."""

    def __init__(self, path: str | Path, *, rate: Fraction, width: int, height: int, audio: bool = True,
                 codec: str = "h264", timecode: str | None = None, bitrate: int | None = None) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._partial = partial_path(self.path)  # a worker's threads may cut one excerpt at once
        self.rate = Fraction(rate)
        encoder, pix_fmt, options = VIDEO_CODECS[codec]
        options = dict(options)
        if bitrate and codec == "h264":
            # Constant quality, capped: the cap keeps a file under a host's byte limit.
            options.update({"maxrate": str(bitrate), "bufsize": str(bitrate)})
        self._container = av.open(str(self._partial), "w", format=_CONTAINERS.get(self.path.suffix.lower(), "mp4"))
        if timecode:
            self._container.metadata["timecode"] = timecode
        self._video = self._container.add_stream(encoder, rate=self.rate, options=options)
        self._video.width = width - width % 2
        self._video.height = height - height % 2
        self._video.pix_fmt = pix_fmt
        self._video.codec_context.time_base = 1 / self.rate
        if timecode:
            self._video.metadata["timecode"] = timecode
        self._audio = None
        if audio:
            self._audio = self._container.add_stream("aac" if self.path.suffix.lower() != ".mov" or codec == "h264"
                                                     else "pcm_s16le", rate=AUDIO_RATE)
            self._audio.layout = "stereo"
            if self._audio.codec_context.name == "aac":
                self._audio.bit_rate = AUDIO_BITRATE
        # One scaler for every frame: a frame's own reformat() sets up a new one (and its threads) each time.
        self._scaler = VideoReformatter()
        self._frames = 0
        self._samples = 0
        self._pending = np.zeros((AUDIO_CHANNELS, 0), np.float32)
        self._closed = False

    @property
    def frames_written(self) -> int:
        return self._frames

    def add_frame(self, image: np.ndarray | av.VideoFrame) -> None:
        """An RGB array, or a ``VideoFrame`` (encoded as is when it already has the stream's size and format)."""
        frame = image if isinstance(image, av.VideoFrame) else \
            av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
        if frame.width != self._video.width or frame.height != self._video.height or \
                frame.format.name != self._video.pix_fmt:
            frame = self._scaler.reformat(frame, width=self._video.width, height=self._video.height,
                                          format=self._video.pix_fmt)
        frame.pts = self._frames
        frame.time_base = 1 / self.rate
        self._frames += 1
        for packet in self._video.encode(frame):
            self._container.mux(packet)

    def add_audio(self, samples: np.ndarray) -> None:
        if self._audio is None:
            return
        self._pending = np.concatenate([self._pending, samples.astype(np.float32)], axis=1)
        chunk = self._audio.codec_context.frame_size or AAC_FRAME
        while self._pending.shape[1] >= chunk:
            self._encode_audio(self._pending[:, :chunk])
            self._pending = self._pending[:, chunk:]

    def _encode_audio(self, block: np.ndarray) -> None:
        fmt = self._audio.codec_context.format.name
        if fmt == "s16":
            data = (np.clip(block, -1, 1) * 32767).astype(np.int16).T.reshape(1, -1)
        else:
            data = np.ascontiguousarray(block)
        frame = av.AudioFrame.from_ndarray(data, format="s16" if fmt == "s16" else "fltp", layout="stereo")
        frame.sample_rate = AUDIO_RATE
        frame.pts = self._samples
        frame.time_base = Fraction(1, AUDIO_RATE)
        self._samples += block.shape[1]
        for packet in self._audio.encode(frame):
            self._container.mux(packet)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for packet in self._video.encode():
            self._container.mux(packet)
        if self._audio is not None:
            if self._pending.shape[1]:
                self._encode_audio(self._pending)
            for packet in self._audio.encode():
                self._container.mux(packet)
        self._container.close()
        replace_durably(self._partial, self.path)

    def abort(self) -> None:
        if not self._closed:
            self._closed = True
            try:
                self._container.close()
            except Exception:  # closing a broken muxer must not hide the original error
                pass
        self._partial.unlink(missing_ok=True)

    def __enter__(self) -> ClipWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def write_wav(path: str | Path, samples: np.ndarray, *, time_reference: int | None = None) -> None:
    """Stereo 48 kHz 16-bit WAV, written under a temporary name and renamed. With ``time_reference`` (samples
    since midnight) a Broadcast WAV: its ``bext`` chunk's TimeReference is where NLEs read a sound file's
    timecode from (ffmpeg's wav muxer writes the chunk)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    bext = {"write_bext": "1"} if time_reference is not None else {}
    with atomic_path(path) as partial:
        with av.open(str(partial), "w", format="wav", options=bext) as container:
            if time_reference is not None:
                container.metadata["time_reference"] = str(time_reference)
                container.metadata["originator"] = "otio-retake"
            stream = container.add_stream("pcm_s16le", rate=AUDIO_RATE)
            stream.layout = "stereo"
            data = (np.clip(samples, -1, 1) * 32767).astype(np.int16).T.reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(data), format="s16", layout="stereo")
            frame.sample_rate = AUDIO_RATE
            frame.pts = 0
            for packet in stream.encode(frame):
                container.mux(packet)
            for packet in stream.encode():
                container.mux(packet)
