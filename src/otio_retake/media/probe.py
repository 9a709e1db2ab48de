"""What a media file holds, measured with PyAV (never assumed from its name)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

import av

from ..errors import DownloadError, MediaError
from ..timecode import snap_rate, timecode_to_frames

__all__ = ["MediaInfo", "probe", "check_download"]


@dataclass(frozen=True)
class MediaInfo:
    path: str
    width: int | None
    height: int | None
    rate: Fraction | None
    frames: int | None
    duration: float
    has_video: bool
    has_audio: bool
    audio_rate: int | None
    audio_channels: int | None
    start_timecode: str | None
    video_codec: str | None
    pix_fmt: str | None
    rotation: int = 0  # counter-clockwise degrees to turn the stored picture upright
    variable_rate: bool = False
    transparent: bool = False  # its first picture is see-through somewhere (alpha below opaque): made to lie over

    @property
    def has_alpha(self) -> bool:
        """Its pixel format has an alpha channel (see ``transparent`` for whether it is used)."""
        return _has_alpha(self.pix_fmt)

    @property
    def still(self) -> bool:
        """One picture (a PNG, JPEG or TIFF), not moving footage."""
        return self.has_video and (self.frames or 0) <= 1 and self.duration <= float(1 / (self.rate or 24))

    def start_frame(self, rate: Fraction | None = None) -> int:
        """The embedded start timecode in frames (0 when the file has none)."""
        rate = rate or self.rate
        if not self.start_timecode or rate is None:
            return 0
        return timecode_to_frames(self.start_timecode, rate)


def _has_alpha(pix_fmt: str | None) -> bool:
    try:
        return bool(pix_fmt) and any(c.is_alpha for c in av.VideoFormat(pix_fmt).components)
    except ValueError:  # a format PyAV does not name
        return False


def probe(path: str | Path) -> MediaInfo:
    """Measure a file; a file PyAV cannot open is a ``MediaError`` naming it."""
    path = Path(path)
    stat = path.stat() if path.exists() else None
    if stat is None:
        raise MediaError(f"{path}: media file not found")
    return _probe_cached(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=256)
def _probe_cached(path: str, _mtime: int, _size: int) -> MediaInfo:
    try:
        container = av.open(path)
    except (av.error.FFmpegError, OSError) as exc:
        raise MediaError(f"{path}: not a readable media file ({exc})") from exc
    with container:
        video = container.streams.video[0] if container.streams.video else None
        audio = container.streams.audio[0] if container.streams.audio else None
        timecode = None
        for stream in container.streams:
            timecode = timecode or stream.metadata.get("timecode")
        timecode = timecode or container.metadata.get("timecode")
        duration = float(container.duration / av.time_base) if container.duration else 0.0
        rate = None
        frames = None
        rotation = 0
        transparent = False
        variable = False
        width = video.codec_context.width if video else None
        height = video.codec_context.height if video else None
        if video is not None:
            try:
                first = next(container.decode(video), None)  # rotation lives in the frames' display matrix
            except av.error.FFmpegError as exc:  # a damaged file: found here, before any range is sent
                raise MediaError(f"{path}: its picture cannot be decoded ({exc})") from exc
            if first is None:
                raise MediaError(f"{path}: its video stream holds no frame that can be decoded")
            rotation = first.rotation % 360
            # An alpha channel alone says nothing (ProRes 4444 masters carry an opaque one): see-through pixels do.
            transparent = _has_alpha(video.codec_context.pix_fmt) and \
                int(first.to_ndarray(format="rgba")[..., 3].min()) < 255
            if rotation in (90, 270):
                width, height = height, width
            if video.average_rate and video.guessed_rate:
                variable = abs(float(video.average_rate) - float(video.guessed_rate)) > 0.01
            raw_rate = video.average_rate or video.guessed_rate or video.base_rate
            rate = snap_rate(Fraction(raw_rate)) if raw_rate else None
            frames = video.frames or (round(duration * rate) if rate else None)
            if video.duration and video.time_base:
                duration = max(duration, float(video.duration * video.time_base))
        return MediaInfo(
            path=path,
            width=width, height=height,
            rate=rate, frames=frames, duration=duration,
            has_video=video is not None, has_audio=audio is not None,
            audio_rate=audio.codec_context.sample_rate if audio else None,
            audio_channels=audio.codec_context.channels if audio else None,
            start_timecode=timecode,
            video_codec=video.codec_context.name if video else None,
            pix_fmt=video.codec_context.pix_fmt if video else None,
            rotation=rotation, variable_rate=variable, transparent=transparent,
        )


def check_download(path: Path) -> None:
    """A downloaded result must be a media file PyAV can open, with a stream in it (``DownloadError`` if not:
    a download that went wrong is retried, unlike a bad source)."""
    try:
        with av.open(str(path)) as container:
            if not container.streams.video and not container.streams.audio:
                raise DownloadError(f"the downloaded result {Path(path).name} holds no video or audio")
    except av.error.FFmpegError as exc:
        raise DownloadError(f"the downloaded result is not a readable media file ({exc})") from exc
