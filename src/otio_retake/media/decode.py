"""Reading pictures and sound out of a file at given times.

The picture shown at time T is the last frame whose presentation time is at
or before T (with a quarter-frame tolerance for rounding in time bases). Times
are in seconds from the file's first frame (the stream's ``start_time`` is
subtracted), the same clock OTIO media time uses after relinking.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from fractions import Fraction

import av
import numpy as np
from av.video.reformatter import VideoReformatter

from ..errors import MediaError

__all__ = ["frames_at", "prefetch", "read_audio", "decode_all_frames", "decode_with_threads", "decode_in_one_thread",
           "AUDIO_RATE", "AUDIO_CHANNELS"]

AUDIO_RATE = 48000  # every excerpt and take carries 48 kHz, what the hosts and NLEs expect
AUDIO_CHANNELS = 2


# Frame threads decode one big picture sooner: worth it while a job has the machine to itself. In a team worker's
# media processes every core already has a job of its own, and they only add work (bench_team: about 15% of the
# media CPU). Set per process.
_decoder_threads = "AUTO"
_scaler_threads = 0  # 0: one per core


def decode_in_one_thread() -> None:
    """From now on, in this process, decoders and scalers use one thread each (a process per core does the rest)."""
    global _decoder_threads, _scaler_threads
    _decoder_threads, _scaler_threads = "NONE", 1


def decode_with_threads(stream: av.VideoStream) -> None:
    """Set a video stream, before decoding it, to the process's way of threading."""
    stream.thread_type = _decoder_threads


def _open(path: str):
    try:
        return av.open(str(path))
    except (av.error.FFmpegError, OSError) as exc:
        raise MediaError(f"{path}: cannot be opened as media ({exc})") from exc


def frames_at(path: str, times: Iterable[Fraction], *, width: int, height: int,
              held: list[int] | None = None, as_frames: bool = False,
              tolerance: Fraction = Fraction(1, 4)) -> Iterator[np.ndarray | av.VideoFrame]:
    """Frames shown at each of ``times`` (ascending seconds), as displayed (rotation applied).

    ``tolerance`` (in source frames): how far before a frame's start a time may fall and still show it
    (time bases round); a retime that lands between frames wants the floor, so a smaller one.

    RGB arrays (height, width, 3), or with ``as_frames`` yuv420p ``VideoFrame``s
    straight from the scaler (what an H.264 encoder takes: no RGB round trip).
    Times past the last frame repeat it; their count is appended to ``held``
    so callers can report a source shorter than asked for.
    """
    scaler = VideoReformatter()  # one per file: a frame's own to_ndarray()/reformat() sets one up every time
    convert = _as_yuv if as_frames else _rgb
    times = list(times)
    if not times:
        return
    with _open(path) as container:
        if not container.streams.video:
            raise MediaError(f"{path}: has no video stream")
        stream = container.streams.video[0]
        decode_with_threads(stream)
        tb = stream.time_base
        origin = Fraction(stream.start_time or 0) * tb
        src_rate = Fraction(stream.average_rate or stream.guessed_rate or 24)
        eps = tolerance / src_rate
        first = times[0]
        if first > 1:
            container.seek(int((first + origin - 1) / tb), stream=stream, backward=True, any_frame=False)
        index = 0
        current = None
        for frame in container.decode(stream):
            if frame.pts is None:
                continue
            t = Fraction(frame.pts) * tb - origin
            while index < len(times) and t > times[index] + eps:
                if current is None:  # the window starts before the file's first frame
                    current = frame
                yield convert(current, width, height, scaler)
                index += 1
            if index >= len(times):
                return
            current = frame
        if current is None:
            raise MediaError(f"{path}: no decodable video frames")
        last = convert(current, width, height, scaler)
        if held is not None and index < len(times):
            held.append(len(times) - index)
        while index < len(times):
            yield last
            index += 1


def _rgb(frame: av.VideoFrame, width: int, height: int, scaler: VideoReformatter) -> np.ndarray:
    rotation = frame.rotation % 360
    if rotation in (90, 270):  # stored sideways: scale to the stored shape, then turn upright
        sideways = scaler.reformat(frame, format="rgb24", width=height, height=width).to_ndarray()
        return np.ascontiguousarray(np.rot90(sideways, k=rotation // 90))
    image = scaler.reformat(frame, format="rgb24", width=width, height=height).to_ndarray()
    return np.ascontiguousarray(np.rot90(image, k=2)) if rotation == 180 else image


def _as_yuv(frame: av.VideoFrame, width: int, height: int, scaler: VideoReformatter) -> av.VideoFrame:
    if frame.rotation % 360:
        upright = av.VideoFrame.from_ndarray(_rgb(frame, width, height, scaler), format="rgb24")
        return scaler.reformat(upright, format="yuv420p")
    # Threaded slices: the scaler is the heaviest step left in Python's thread at 4K.
    return scaler.reformat(frame, width=width, height=height, format="yuv420p", threads=_scaler_threads)


def prefetch(iterator: Iterator, depth: int = 16) -> Iterator:
    """Run ``iterator`` in a worker thread, ``depth`` items ahead: decoding overlaps encoding."""
    items: queue.Queue = queue.Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def work() -> None:
        try:
            for item in iterator:
                if stop.is_set():
                    return
                items.put(item)
            items.put(done)
        except BaseException as exc:  # handed to the consumer, raised there
            items.put(exc)

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    try:
        while True:
            item = items.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # unblock a producer waiting on a full queue
            try:
                items.get_nowait()
            except queue.Empty:
                worker.join(0.01)


def decode_all_frames(path: str, *, width: int | None = None, height: int | None = None,
                      fmt: str = "rgb24") -> tuple[list[np.ndarray], list[Fraction], Fraction]:
    """Every frame of a file with its time (s from the first frame) and the measured rate."""
    with _open(path) as container:
        if not container.streams.video:
            raise MediaError(f"{path}: has no video stream")
        stream = container.streams.video[0]
        decode_with_threads(stream)
        tb = stream.time_base
        origin = Fraction(stream.start_time or 0) * tb
        frames, times = [], []
        scaler = VideoReformatter()
        size = {"width": width, "height": height} if width and height else {}
        for frame in container.decode(stream):
            if frame.pts is None:
                continue
            frames.append(scaler.reformat(frame, format=fmt, **size).to_ndarray())
            times.append(Fraction(frame.pts) * tb - origin)
        rate = Fraction(stream.average_rate) if stream.average_rate else Fraction(24)
    return frames, times, rate


def read_audio(path: str | None, start: Fraction, samples: int, *, rate: Fraction | int = AUDIO_RATE) -> np.ndarray:
    """``samples`` stereo float32 samples at 48 kHz from ``start`` seconds; silence where there is none.

    ``rate``: resample to this rate instead (rounded to whole Hz) and take ``samples`` of those, for sound
    played faster or slower than it was recorded (50050 Hz played at 48 kHz: 25 fps media at 23.976).
    """
    rate = round(rate)
    out = np.zeros((AUDIO_CHANNELS, samples), dtype=np.float32)
    if path is None or samples <= 0:
        return out
    with _open(path) as container:
        if not container.streams.audio:
            return out
        stream = container.streams.audio[0]
        tb = stream.time_base
        origin = Fraction(stream.start_time or 0) * tb
        if start > 1:
            container.seek(int((start + origin - 1) / tb), stream=stream, backward=True, any_frame=False)
        resampler = av.AudioResampler(format="fltp", layout="stereo", rate=rate)
        chunks: list[np.ndarray] = []
        first_time: Fraction | None = None
        have = 0
        needed_end = None
        for frame in container.decode(stream):
            if frame.pts is None:
                continue
            if first_time is None:
                first_time = Fraction(frame.pts) * tb - origin
                needed_end = round((start - first_time) * rate) + samples
            for rs in resampler.resample(frame):
                chunk = rs.to_ndarray()
                chunks.append(chunk)
                have += chunk.shape[1]
            if needed_end is not None and have >= needed_end:
                break
        else:
            for rs in resampler.resample(None):
                chunks.append(rs.to_ndarray())
        if first_time is None:
            return out
        audio = np.concatenate(chunks, axis=1) if chunks else np.zeros((2, 0), np.float32)
        offset = round((start - first_time) * rate)
        src_lo, dst_lo = (offset, 0) if offset >= 0 else (0, -offset)
        n = max(0, min(samples - dst_lo, audio.shape[1] - src_lo))
        if n > 0:
            out[:, dst_lo:dst_lo + n] = audio[:, src_lo:src_lo + n]
    return out
