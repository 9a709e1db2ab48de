#!/usr/bin/env python3
"""Studio benchmark, offscreen: opening a 500-range workspace, and frame-step latency on 1080p H.264 takes.

1. Open: a cut of 500 clips, each with a marked range and a ready take in the workspace; the time from
   nothing to the window drawn with its 500 rows and the first range's frame painted, against the
   baseline of reading and planning the same timeline (`pipeline.load` + `pipeline.plan`, what
   `otio-retake plan` does). Wanted: under 2 s.
2. Step: a 1080p H.264 take made by the preview engine; the time of one Right-arrow step in the viewer
   (decode, QImage, paint) against the frame interval at 24 fps (41.7 ms) and against the baseline of
   PyAV decoding the same file frame after frame with the RGB conversion and nothing else.

    python benchmarks/bench_studio.py [--ranges 500] [--steps 48]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import av
import opentimelineio as otio
from opentimelineio.opentime import RationalTime as RT
from opentimelineio.opentime import TimeRange as TR
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication

from otio_retake import pipeline
from otio_retake.media.splice import TakeOptions
from otio_retake.media.testpattern import make_pattern_clip
from otio_retake.studio.controller import StudioController
from otio_retake.studio.window import StudioWindow

RATE = 24
CLIP = 96  # frames per clip of the big cut; each clip holds one 48-frame range (the preview's 2 s minimum)


def cut(folder: Path, clips: int, media: Path, media_frames: int, width: int, height: int) -> Path:
    folder = folder / f"{media.stem}_{clips}"  # a cut and its workspace per case
    folder.mkdir(exist_ok=True)
    if not (folder / media.name).exists():
        (folder / media.name).symlink_to(media)
    tl = otio.schema.Timeline("bench", global_start_time=RT(86400, RATE),
                              metadata={"otio_retake": {"frame_size": [width, height]}})
    track = otio.schema.Track("V1")
    for i in range(clips):
        ref = otio.schema.ExternalReference(target_url=media.name,
                                            available_range=TR(RT(0, RATE), RT(media_frames, RATE)))
        clip = otio.schema.Clip(f"shot{i}", media_reference=ref,
                                source_range=TR(RT(8, RATE), RT(CLIP if clips > 1 else media_frames - 16, RATE)))
        first = 8 + (CLIP - 48) // 2 if clips > 1 else 8 + 24
        clip.markers.append(otio.schema.Marker(f"r{i:03d}", TR(RT(first, RATE), RT(48, RATE)), comment="a sky"))
        track.append(clip)
    tl.tracks.append(track)
    path = folder / f"cut{clips}.otio"
    otio.adapters.write_to_file(tl, str(path))
    return path


def make_take(timeline: Path) -> tuple[StudioController, Path]:
    controller = StudioController(timeline, take_options=TakeOptions(resolution="timeline"))  # 1080p stays 1080p
    controller.run()
    controller.wait(600)
    name = controller.ranges[0].name
    return controller, Path(controller.take_row(name, "A").take.path)


def bench_open(folder: Path, ranges: int) -> None:
    media = make_pattern_clip(folder / "shot.mp4", clip_id=1, frames=CLIP + 16, width=640, height=360,
                              tone_hz=None)
    # One real take (a one-range cut), then a workspace of `ranges` ranges whose takes are ready.
    one = cut(folder, 1, media, CLIP + 16, 640, 360)
    maker, take = make_take(one)
    maker.shutdown()
    big = cut(folder, ranges, media, CLIP + 16, 640, 360)
    controller = StudioController(big)  # writes nothing until asked; used to lay out a consistent state
    state = {"timeline": str(big), "provider": "preview", "markers": None, "fps": None, "media_dirs": [],
             "ranges": {}}
    for row in controller.ranges:
        plan = row.plans[0]
        state["ranges"][row.name] = {"prompt": row.prompt, "mode": row.mode.value, "seed": row.seed, "takes": [{
            "letter": "A", "prompt": row.prompt, "mode": row.mode.value, "seed": plan.seed, "request": 0,
            "cost_usd": 0.0, "take": {"path": str(take), "head": 12, "tail": 12, "has_video": True,
                                      "metadata": {"host": "preview", "cost_usd": 0.0}}}]}
    controller.shutdown()
    ws = big.with_name(big.stem + ".retake")
    ws.mkdir(exist_ok=True)
    (ws / "studio.json").write_text(json.dumps(state))

    app = QApplication.instance()
    times, base = [], []
    for _ in range(3):
        t = time.perf_counter()
        loaded = pipeline.load(big)
        pipeline.plan(loaded)
        base.append(time.perf_counter() - t)
        t = time.perf_counter()
        window = StudioWindow(ws)
        window.show()
        app.processEvents()
        window.viewer.view.repaint()
        times.append(time.perf_counter() - t)
        assert window.model.rowCount() == ranges and window.controller.takes("r000") == ["A"]
        window.close()
    print(f"open a {ranges}-range workspace: {min(times):.2f} s (best of 3; want < 2 s); "
          f"baseline load+plan of the same timeline {min(base):.2f} s; studio overhead "
          f"{min(times) - min(base):.2f} s")


def bench_step(folder: Path, steps: int) -> None:
    frames = 48 + 48 + 16
    media = make_pattern_clip(folder / "hd.mp4", clip_id=2, frames=frames, width=1920, height=1080, tone_hz=None)
    timeline = cut(folder, 1, media, frames, 1920, 1080)
    controller, take = make_take(timeline)
    controller.shutdown()
    with av.open(str(take)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "SLICE"
        size = (stream.codec_context.width, stream.codec_context.height)
        decoded = []
        t = time.perf_counter()
        for frame in container.decode(stream):
            frame.to_ndarray(format="rgb24")
            decoded.append(time.perf_counter() - t)
            t = time.perf_counter()
    floor = statistics.median(decoded[1:])

    app = QApplication.instance()
    window = StudioWindow(timeline)
    window.resize(1280, 860)
    window.show()
    app.processEvents()
    viewer = window.viewer
    viewer.choose("A")
    viewer.to_start()
    viewer.view.repaint()
    press = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Right, Qt.KeyboardModifier.NoModifier)

    def step_times(pause: float) -> list[float]:
        out = []
        viewer.to_start()
        for _ in range(steps):
            if pause:  # an editor tapping the key: the prefetch works between presses
                end = time.perf_counter() + pause
                while time.perf_counter() < end:
                    app.processEvents()
                    time.sleep(0.002)
            t = time.perf_counter()
            QApplication.sendEvent(viewer, press)
            viewer.view.repaint()
            out.append(time.perf_counter() - t)
        return out

    controller = window.controller
    controller.reader._cache.clear()
    controller.reader._used = 0
    held = step_times(0.0)  # key held down: every step decodes
    controller.reader._cache.clear()
    controller.reader._used = 0
    tapped = step_times(0.25)
    interval = 1000 / RATE
    print(f"frame step on a {size[0]}x{size[1]} H.264 take ({steps} steps; interval at 24 fps {interval:.1f} ms):")
    for label, values in (("key held (decode each step)", held), ("tapping, 4 per second (prefetched)", tapped)):
        ms = sorted(v * 1000 for v in values)
        print(f"  {label:36s} median {statistics.median(ms):6.1f} ms, p90 {ms[int(len(ms) * 0.9) - 1]:6.1f} ms, "
              f"max {ms[-1]:6.1f} ms")
    print(f"  baseline: PyAV decode + RGB of the same file, median {floor * 1000:.1f} ms per frame")
    window.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ranges", type=int, default=500)
    parser.add_argument("--steps", type=int, default=48)
    args = parser.parse_args()
    QApplication.instance() or QApplication(sys.argv[:1])
    folder = Path(tempfile.mkdtemp(prefix="bench_studio_"))
    try:
        bench_open(folder, args.ranges)
        bench_step(folder, args.steps)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
