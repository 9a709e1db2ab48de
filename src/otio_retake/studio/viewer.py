"""Exact frames for the viewer: PyAV decode by presentation time, an open decoder per file, a frame cache.

QtMultimedia seeks from the previous keyframe on every call and lands on
frame n-1 at a frame's exact start (review.md), so pictures are decoded here
instead: the picture shown at time T is the last frame whose pts is at or
before T (a quarter-frame tolerance, as in ``media.decode``). Stepping forward
continues the open decoder (one decode per step); any other move seeks to the
keyframe and decodes forward. Decoded frames stay in a byte-bounded LRU cache
and ``prefetch`` fills it around the playhead in a worker thread.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from ..errors import MediaError

__all__ = ["FrameReader", "to_qimage"]

# Qt's RGB32 is 0xffRRGGBB in native order: the bytes B, G, R, A on little-endian machines (FFmpeg "bgra").
_QT_RGB32 = "bgra" if sys.byteorder == "little" else "argb"
_RGB_OF_QT = (slice(None), slice(None), slice(2, None, -1)) if _QT_RGB32 == "bgra" else \
    (slice(None), slice(None), slice(1, 4))

CACHE_BYTES = 768 * 2**20  # about 120 frames of 1080p RGB: a few seconds each side of the playhead
FORWARD_DECODE_SECONDS = 2.0  # further than this ahead a seek is cheaper than decoding through


class _Decoder:
    """One open file; not thread-safe on its own (the reader holds its lock)."""

    def __init__(self, path: Path) -> None:
        try:
            self.container = av.open(str(path))
        except (av.error.FFmpegError, OSError) as exc:
            raise MediaError(f"{path}: cannot be opened as media ({exc})") from exc
        if not self.container.streams.video:
            self.container.close()
            raise MediaError(f"{path}: has no video stream")
        self.path = path
        self.stream = self.container.streams.video[0]
        self.stream.thread_type = "SLICE"  # frame threading delays every picture by a thread's worth of frames
        self.tb = self.stream.time_base
        self.origin = Fraction(self.stream.start_time or 0) * self.tb
        self.rate = Fraction(self.stream.average_rate or self.stream.guessed_rate or 24)
        self.eps = Fraction(1, 4) / self.rate
        self.lock = threading.Lock()
        self._frames = None
        self._shown: tuple[Fraction, av.VideoFrame] | None = None  # last frame at or before the last time asked
        self._ahead: tuple[Fraction, av.VideoFrame] | None = None  # the first frame after it

    def _restart(self, t: Fraction) -> None:
        self.container.seek(max(0, int((t + self.origin) / self.tb)), stream=self.stream, backward=True,
                            any_frame=False)
        self._frames = self._iter()
        self._shown = self._ahead = None

    def _iter(self):
        for frame in self.container.decode(self.stream):
            if frame.pts is not None:
                yield Fraction(frame.pts) * self.tb - self.origin, frame

    def frame_at(self, t: Fraction) -> av.VideoFrame:
        shown = self._shown
        if self._frames is None or shown is None or t + self.eps < shown[0] or \
                t - shown[0] > FORWARD_DECODE_SECONDS:
            self._restart(t)
        elif self._ahead is not None and self._ahead[0] > t + self.eps:
            return shown[1]  # same picture as last time
        while True:
            item = self._ahead if self._ahead is not None else next(self._frames, None)
            self._ahead = None
            if item is None:  # past the end: the last frame holds
                if self._shown is None:
                    raise MediaError(f"{self.path}: no decodable video frame at {float(t):.3f} s")
                return self._shown[1]
            if item[0] > t + self.eps:
                self._ahead = item
                if self._shown is None:  # before the first frame: show the first
                    self._shown = item
                    self._ahead = None
                return self._shown[1]
            self._shown = item

    def close(self) -> None:
        self.container.close()


class FrameReader:
    """RGB pictures of media files at exact times, cached; safe to call from several threads."""

    def __init__(self, cache_bytes: int = CACHE_BYTES) -> None:
        self._decoders: dict[Path, _Decoder] = {}
        self._cache: OrderedDict[tuple[Path, int], np.ndarray] = OrderedDict()
        self._cache_bytes = cache_bytes
        self._used = 0
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="studio-prefetch")
        self._wanted: list[tuple[Path, Fraction]] = []
        self._closed = False
        self.hits = self.misses = 0

    def _decoder(self, path: Path) -> _Decoder:
        with self._lock:
            decoder = self._decoders.get(path)
            if decoder is None:
                decoder = self._decoders[path] = _Decoder(path)
            return decoder

    def rate(self, path: str | Path) -> Fraction:
        return self._decoder(Path(path)).rate

    def frame(self, path: str | Path, seconds: Fraction) -> np.ndarray:
        """The picture shown ``seconds`` after the file's first frame, as an (h, w, 3) RGB uint8 array."""
        return np.ascontiguousarray(self._bgra(path, seconds)[_RGB_OF_QT])

    def qimage(self, path: str | Path, seconds: Fraction):
        """The same picture as a QImage that owns its pixels."""
        from PySide6.QtGui import QImage
        bgra = self._bgra(path, seconds)
        height, width = bgra.shape[:2]
        return QImage(bgra.data, width, height, bgra.strides[0], QImage.Format.Format_RGB32).copy()

    def _bgra(self, path: str | Path, seconds: Fraction) -> np.ndarray:
        """Cached as BGRA: byte for byte Qt's RGB32, which Qt scales ~20x faster than RGB888 when painting."""
        path = Path(path)
        decoder = self._decoder(path)
        key = (path, round(seconds * decoder.rate))
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                self.hits += 1
                return cached
        with decoder.lock:
            with self._lock:
                cached = self._cache.get(key)
            if cached is None:
                image = decoder.frame_at(Fraction(seconds)).to_ndarray(format=_QT_RGB32)
                self._store(key, image)
                self.misses += 1
                return image
        return cached

    def _store(self, key, image: np.ndarray) -> None:
        with self._lock:
            if key in self._cache:
                return
            self._cache[key] = image
            self._used += image.nbytes
            while self._used > self._cache_bytes and len(self._cache) > 1:
                _, old = self._cache.popitem(last=False)
                self._used -= old.nbytes

    def prefetch(self, items: list[tuple[str | Path, Fraction]]) -> None:
        """Decode these (path, seconds) in the background, in order; a newer call replaces older wishes."""
        with self._lock:
            if self._closed:
                return
            self._wanted = [(Path(p), Fraction(s)) for p, s in items]
        self._pool.submit(self._work)

    def _work(self) -> None:
        while True:
            with self._lock:
                if not self._wanted:
                    return
                path, seconds = self._wanted.pop(0)
            try:
                self._bgra(path, seconds)
            except MediaError:
                return  # the viewer reports it when the frame is asked for

    def close(self) -> None:
        with self._lock:
            self._wanted = []
            self._closed = True
        self._pool.shutdown(wait=True)
        for decoder in self._decoders.values():
            with decoder.lock:
                decoder.close()
        self._decoders.clear()
        self._cache.clear()


def to_qimage(rgb: np.ndarray):
    """A QImage owning a copy of the pixels (the array may be evicted from the cache)."""
    from PySide6.QtGui import QImage
    rgb = np.ascontiguousarray(rgb)
    height, width = rgb.shape[:2]
    return QImage(rgb.data, width, height, rgb.strides[0], QImage.Format.Format_RGB888).copy()
