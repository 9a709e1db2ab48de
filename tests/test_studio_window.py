"""The studio window with pytest-qt, offscreen: a whole review session, closing mid-run, bad input, --screenshot.

What the viewer shows is checked by grabbing the painted widget and decoding the picture in it (every
sample frame carries its source frame index and clip id); money by the emulators' counts.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any Qt import

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLineEdit

from conftest import EMULATOR_KEY, emulator_stats, run_cli, source_frame_at

from otio_retake.jobs.picks import read_picks
from otio_retake.jobs.store import JobState, Journal
from otio_retake.media.decode import decode_all_frames
from otio_retake.media.testpattern import read_pattern
from otio_retake.studio.window import COLUMNS, StudioWindow
from otio_retake.timeline.marks import MarkerFilter

START = 86400


def _array(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    w, h = image.width(), image.height()
    data = np.frombuffer(image.constBits(), np.uint8, count=image.sizeInBytes()).reshape(h, image.bytesPerLine())
    return data[:, :w * 3].reshape(h, w, 3).copy()


def _painted(window) -> list[np.ndarray]:
    """The pictures as painted in the viewer, cut out of a grab of the widget."""
    view = window.viewer.view
    grab = _array(view.grab().toImage())
    ratio = grab.shape[1] / view.width()
    return [grab[int(r.top() * ratio):int(r.bottom() * ratio), int(r.left() * ratio):int(r.right() * ratio)]
            for r in view.image_rects()]


def _closest(painted: np.ndarray, candidates: dict) -> str:
    h, w = painted.shape[:2]
    scores = {name: float(np.abs(np.asarray(Image.fromarray(c).resize((w, h))).astype(int) - painted).mean())
              for name, c in candidates.items()}
    return min(scores, key=scores.get)


def _key(qtbot, window, key, modifier=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(window.viewer, key, modifier)


def test_a_whole_review_session(samples, qtbot, tmp_path, short_context):
    window = StudioWindow(samples / "retake_sample.otio")
    qtbot.addWidget(window)
    window.show()
    controller = window.controller
    assert window.model.rowCount() == 3
    assert window.model.index(0, COLUMNS.index("record in")).data() == "01:00:02:00"
    assert window.model.index(1, COLUMNS.index("source clip")).data() == "shot_a.mp4, shot_b.mp4"
    assert "preview: key not needed" in window.summary.text()

    # Edit the prompt in the table as an editor would: open the cell, type, Enter.
    cell = window.model.index(0, COLUMNS.index("prompt"))
    window.table.setCurrentIndex(cell)
    window.table.edit(cell)
    editor = window.table.findChild(QLineEdit)  # the cell's editor
    editor.selectAll()
    qtbot.keyClicks(editor, "A red balloon drifts by")
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # the delegate commits on the next turn of the event loop
    qtbot.waitUntil(lambda: controller.row("sky").prompt == "A red balloon drifts by", timeout=5000)

    with qtbot.waitSignal(controller.runFinished, timeout=120_000):
        qtbot.mouseClick(window.buttons["Run"], Qt.MouseButton.LeftButton)
    assert "3 take(s) ready" in window.message.text()
    assert window.model.index(0, COLUMNS.index("state")).data() == "done"
    assert controller.take_row("sky", "A").prompt == "A red balloon drifts by"

    window.select("sky")
    window.viewer.setFocus()
    assert window.viewer.frame == START + 48
    [shown] = _painted(window)
    assert read_pattern(shown) == source_frame_at(48)
    for _ in range(3):
        _key(qtbot, window, Qt.Key.Key_Right)
    assert window.viewer.frame == START + 51
    _key(qtbot, window, Qt.Key.Key_Left)
    _key(qtbot, window, Qt.Key.Key_1)  # take A at the same frame
    [shown] = _painted(window)
    assert read_pattern(shown) == source_frame_at(50)
    candidates = {"take": controller.frame("sky", "A", START + 50), "original": controller.frame("sky", None, START + 50)}
    assert _closest(shown, candidates) == "take"
    assert "TAKE A" in window.viewer.info.text() and "01:00:02:02" in window.viewer.info.text()
    _key(qtbot, window, Qt.Key.Key_0)
    assert _closest(_painted(window)[0], candidates) == "original"
    _key(qtbot, window, Qt.Key.Key_A)  # A/B toggle back to the take
    assert window.viewer.source == "A" and _closest(_painted(window)[0], candidates) == "take"
    _key(qtbot, window, Qt.Key.Key_S)  # side by side: original left, take right
    left, right = _painted(window)
    assert _closest(left, candidates) == "original" and _closest(right, candidates) == "take"
    assert read_pattern(left) == read_pattern(right) == source_frame_at(50)
    _key(qtbot, window, Qt.Key.Key_S)
    # Stepping back into the handle: the take file's handle frames are the source's.
    _key(qtbot, window, Qt.Key.Key_Home)
    first, _ = controller.view_range("sky")
    assert window.viewer.frame == first == START + 36
    assert read_pattern(_painted(window)[0]) == source_frame_at(36)
    _key(qtbot, window, Qt.Key.Key_Left)  # the loop wraps to the last frame of the handles
    assert window.viewer.frame == START + 120 + 12 - 1
    assert read_pattern(_painted(window)[0]) == source_frame_at(131)
    # Play a few frames and pause; the sound follows the picture (the take's file while a take is shown).
    _key(qtbot, window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.viewer.frame not in (START + 131,), timeout=5000)
    _key(qtbot, window, Qt.Key.Key_Space)
    assert not window.viewer.playing
    sound = window.viewer.sound_source()
    assert sound is not None and sound[0] == str(controller.sound_at("sky", "A", window.viewer.frame)[0])
    assert sound[0] == controller.take_row("sky", "A").take.path

    _key(qtbot, window, Qt.Key.Key_1)
    _key(qtbot, window, Qt.Key.Key_P)  # pick what is shown
    assert controller.row("sky").pick == "A" and read_picks(controller.workspace.root) == {"sky": "A"}
    assert window.model.index(0, COLUMNS.index("pick")).data() == "A"
    assert "[picked]" in window.viewer.info.text()

    final = tmp_path / "final.otio"
    window.conform(final)
    assert "wrote" in window.message.text() and final.exists()
    # The conformed cut, rendered from its track: every frame is its source frame; the take's look only in sky.
    from otio_retake.media.excerpt import render_excerpt
    from otio_retake.timeline.info import timeline_rate
    from otio_retake.timeline.read import read_timeline
    from otio_retake.timeline.relink import MediaResolver
    from otio_retake.timeline.segments import segments_for
    timeline = read_timeline(final)
    rate = timeline_rate(timeline)
    resolver = MediaResolver(timeline, timeline_dir=samples)
    render_excerpt(segments_for(timeline, 0, 0, 456, rate, resolver, range_name="all"), tmp_path / "cut.mp4", rate=rate)
    frames, _, _ = decode_all_frames(str(tmp_path / "cut.mp4"))
    assert [read_pattern(f) for f in frames] == [source_frame_at(r) for r in range(456)]
    band = np.array([float(f[-40:].mean()) for f in frames])
    assert [i for i in range(456) if band[i] < band.max() - 30] == list(range(48, 120))
    window.close()


def test_closing_mid_run_then_resuming_from_the_window(samples, emulator, qtbot, monkeypatch):
    monkeypatch.setenv("FAL_KEY", EMULATOR_KEY)
    server = emulator("fal", latency=1.5)
    options = dict(provider="fal", base_urls={"fal": server.url}, poll_interval=0.05,
                   marker_filter=MarkerFilter(name_prefix="sky"))
    window = StudioWindow(samples / "retake_sample.otio", **options)
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.controller.jobProgressed, timeout=60_000,
                          check_params_cb=lambda name, take, kind, detail: kind in ("running", "queued")):
        qtbot.mouseClick(window.buttons["Run"], Qt.MouseButton.LeftButton)
    assert not window.buttons["Run"].isEnabled() and window.buttons["Cancel"].isEnabled()
    window.close()  # mid-run
    [record] = Journal(samples / "retake_sample.retake" / "jobs.sqlite").all()
    assert record.state == JobState.SUBMITTED

    again = StudioWindow(samples / "retake_sample.retake", **options)  # the workspace, as after a restart
    qtbot.addWidget(again)
    again.show()
    assert again.model.index(0, COLUMNS.index("state")).data().startswith("submitted")
    with qtbot.waitSignal(again.controller.runFinished, timeout=60_000):
        qtbot.mouseClick(again.buttons["Resume"], Qt.MouseButton.LeftButton)
    assert again.controller.takes("sky") == ["A"]
    again.select("sky")
    _key(qtbot, again, Qt.Key.Key_1)
    assert read_pattern(_painted(again)[0]) == source_frame_at(48)
    assert emulator_stats(server)["submitted"] == 1  # resumed by polling, never sent twice
    again.close()


def test_bad_input_is_shown_in_words(samples, tmp_path, qtbot, monkeypatch, emulator, capsys):
    broken = tmp_path / "<i>cut" / "cut.otio"  # a folder name that Qt would otherwise read as HTML
    broken.parent.mkdir()
    broken.write_text("{ not json")
    window = StudioWindow(broken)
    qtbot.addWidget(window)
    assert window.controller is None and "could not open" in window.message.text()
    assert "<i>cut" in window.message.text() and window.message.textFormat() == Qt.TextFormat.PlainText
    assert "cut.otio" in window.viewer.view.message
    qtbot.mouseClick(window.buttons["Run"], Qt.MouseButton.LeftButton)  # nothing to run: no error, no crash
    picture = tmp_path / "broken.png"
    capsys.readouterr()
    # The picture shows the message, and the command line says it too (it printed nothing and exited 1)
    assert run_cli("studio", broken, "--screenshot", picture) == 2
    said = capsys.readouterr()
    assert "cut.otio" in said.err and "error:" in said.err and "Traceback" not in said.err
    assert QImage(str(picture)).width() == 1280

    monkeypatch.delenv("FAL_KEY", raising=False)
    monkeypatch.setattr("otio_retake.providers._keyring_key", lambda name: None)
    window = StudioWindow(samples / "retake_sample.otio", provider="fal")
    qtbot.addWidget(window)
    assert "fal: key missing (set FAL_KEY)" in window.summary.text()
    qtbot.mouseClick(window.buttons["Run"], Qt.MouseButton.LeftButton)
    assert "no API key for fal" in window.message.text()
    assert not window.controller.running

    fail = emulator("fal", faults="job=fail")
    monkeypatch.setenv("FAL_KEY", EMULATOR_KEY)
    window = StudioWindow(samples / "retake_sample.otio", provider="fal", base_urls={"fal": fail.url},
                          poll_interval=0.05, marker_filter=MarkerFilter(name_prefix="sky"))
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.controller.runFinished, timeout=60_000):
        qtbot.mouseClick(window.buttons["Run"], Qt.MouseButton.LeftButton)
    assert "did not finish" in window.message.text()
    state = window.model.index(0, COLUMNS.index("state")).data()
    assert state.startswith("failed: ") and len(state) > len("failed: ")


def test_a_deleted_take_file_is_said_in_the_viewer(samples, qtbot, short_context):
    sky = MarkerFilter(name_prefix="sky")  # one range is enough
    window = StudioWindow(samples / "retake_sample.otio", marker_filter=sky)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.controller.runFinished, timeout=120_000):
        window.run()
    path = window.controller.take_row("sky", "A").take.path
    window.close()
    os.unlink(path)
    window = StudioWindow(samples / "retake_sample.otio", marker_filter=sky)
    qtbot.addWidget(window)
    assert window.model.index(0, COLUMNS.index("state")).data().startswith("missing")
    window.viewer.choose("A")
    assert "is gone" in window.viewer.view.message
    with qtbot.waitSignal(window.controller.runFinished, timeout=120_000):
        window.run()  # made again from the result the workspace kept
    assert os.path.exists(path) and window.model.index(0, COLUMNS.index("state")).data() == "done"


def test_screenshot_is_a_picture_of_the_window(samples, tmp_path, qtbot):
    """On the workspace of a command-line run: the first range, its original beside take A."""
    assert run_cli("run", samples / "retake_sample.otio", "-o", tmp_path / "alts.otio", "--marker-prefix", "sky",
                   "--context", "0") == 0
    picture = tmp_path / "studio.png"
    assert run_cli("studio", samples / "retake_sample.retake", "--screenshot", picture) == 0
    image = QImage(str(picture))
    assert (image.width(), image.height()) == (1280, 860)
    pixels = _array(image)
    assert pixels.std() > 20  # not a blank picture
    # Where the viewer paints, in a window laid out the same way: the original left, take A right, frame 48.
    window = StudioWindow(samples / "retake_sample.retake")
    qtbot.addWidget(window)
    assert window.controller.takes("sky") == ["A"]  # the command line's takes, read from its journal
    window.viewer.choose("A")
    window.viewer.side_box.setChecked(True)
    window.show()
    crops = []
    for rect in window.viewer.view.image_rects():
        top_left = window.viewer.view.mapTo(window, rect.topLeft())
        crops.append(pixels[top_left.y():top_left.y() + rect.height(), top_left.x():top_left.x() + rect.width()])
    left, right = crops
    candidates = {"take": window.controller.frame("sky", "A", START + 48),
                  "original": window.controller.frame("sky", None, START + 48)}
    assert read_pattern(left) == read_pattern(right) == source_frame_at(48)
    assert _closest(left, candidates) == "original" and _closest(right, candidates) == "take"
    if os.environ.get("OTIO_RETAKE_README_SCREENSHOT"):  # the picture README.md shows
        import shutil
        shutil.copy(picture, os.environ["OTIO_RETAKE_README_SCREENSHOT"])
