"""The review window's viewer: the selected range's original and takes at exact record frames (frames from
``viewer.FrameReader`` through the controller), with the review tools' keys; ``FrameView`` paints them."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ..errors import RetakeError
from ..timecode import frames_to_timecode
from .controller import StudioController

__all__ = ["FrameView", "Viewer"]


class FrameView(QWidget):
    """Paints one picture, or two side by side, scaled to fit with their aspect kept; or a message."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.images: list[QImage] = []
        self.labels: list[str] = []
        self.message = ""
        self.setMinimumSize(320, 180)
        self.setAutoFillBackground(True)

    def set_pictures(self, images: list[QImage], labels: list[str]) -> None:
        self.images, self.labels, self.message = images, labels, ""
        self.update()

    def set_message(self, text: str) -> None:
        self.images, self.labels, self.message = [], [], text
        self.update()

    def image_rects(self) -> list[QRect]:
        """Where each picture is painted, in widget pixels (tests decode the grabbed widget there)."""
        if not self.images:
            return []
        n = len(self.images)
        cell_w = (self.width() - 8 * (n - 1)) // n
        rects = []
        for i, image in enumerate(self.images):
            scale = min(cell_w / image.width(), (self.height() - 20) / image.height())
            w, h = int(image.width() * scale), int(image.height() * scale)
            x = i * (cell_w + 8) + (cell_w - w) // 2
            rects.append(QRect(x, (self.height() - 20 - h) // 2, w, h))
        return rects

    def paintEvent(self, event) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(24, 24, 24))
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.setPen(QColor(230, 230, 230))
        if self.message:
            painter.drawText(self.rect().adjusted(12, 12, -12, -12), Qt.TextFlag.TextWordWrap
                             | Qt.AlignmentFlag.AlignCenter, self.message)
        for image, rect, label in zip(self.images, self.image_rects(), self.labels):
            painter.drawImage(rect, image)
            painter.drawText(QRect(rect.left(), self.height() - 18, rect.width(), 16), Qt.AlignmentFlag.AlignCenter,
                             label)
        painter.end()


class Viewer(QWidget):
    """The selected range's original and takes at exact record frames, with the review tools' keys."""

    frame_shown = Signal(int)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.controller: StudioController | None = None
        self.name: str | None = None
        self.frame = 0
        self.source: str | None = None  # None is the original
        self.other: str | None = None  # the other side of the A/B toggle
        self.side_by_side = False
        self.loop = True
        self.view = FrameView(self)
        self.info = QLabel("open a timeline to review its marked ranges")
        self.info.setTextFormat(Qt.TextFormat.PlainText)  # clip and marker names are never read as HTML
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self._tick)
        controls = QHBoxLayout()
        for text, slot in (("|<", self.to_start), ("<", lambda: self.step(-1)), ("play", self.toggle_play),
                           (">", lambda: self.step(1)), (">|", self.to_end)):
            button = QPushButton(text)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(slot)
            controls.addWidget(button)
            if text == "play":
                self.play_button = button
        self.loop_box = QCheckBox("loop with handles (L)")
        self.loop_box.setChecked(True)
        self.loop_box.toggled.connect(lambda on: setattr(self, "loop", on))
        self.side_box = QCheckBox("side by side (S)")
        self.side_box.toggled.connect(self._set_side)
        for box in (self.loop_box, self.side_box):
            box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            controls.addWidget(box)
        controls.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.info)
        layout.addLayout(controls)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    # ----------------------------------------------------------------------------- what is shown
    def set_controller(self, controller: StudioController | None) -> None:
        self.stop()
        self.controller, self.name = controller, None
        self.view.set_message("")

    def set_range(self, name: str) -> None:
        self.name = name
        takes = self.controller.takes(name)
        self.source, self.other = None, (takes[0] if takes else None)
        self.frame = self.controller.row(name).record_in_frame
        self.show_frame()

    def bounds(self) -> tuple[int, int]:
        return self.controller.view_range(self.name)

    def choose(self, source: str | None) -> None:
        if source != self.source:
            self.other, self.source = self.source, source
        self.show_frame()
        if self.playing:
            self._sync_sound(force=True)

    def toggle_ab(self) -> None:
        self.source, self.other = self.other, self.source
        self.show_frame()
        if self.playing:
            self._sync_sound(force=True)

    def _set_side(self, on: bool) -> None:
        self.side_by_side = on
        self.show_frame()

    def _label(self, source: str | None) -> str:
        row = self.controller.row(self.name)
        if source is None:
            text = "ORIGINAL"
            return text + ("  [picked]" if row.pick is None and self.controller.decided(self.name) else "")
        return f"TAKE {source}" + ("  [picked]" if row.pick == source else "")

    def sources(self) -> list[str | None]:
        if self.side_by_side:
            return [self.other, self.source] if self.other != self.source else [None, self.source]
        return [self.source]

    def show_frame(self) -> None:
        if self.controller is None or self.name is None:
            return
        try:
            sources = self.sources()
            images = [self.controller.picture(self.name, s, self.frame) for s in sources]
        except RetakeError as exc:
            self.view.set_message(str(exc))
            images, sources = None, []
        if images is not None:
            self.view.set_pictures(images, [self._label(s) for s in sources])
        row = self.controller.row(self.name)
        first, last = self.bounds()
        rate = self.controller.rate
        inside = row.record_in_frame <= self.frame < row.record_out_frame
        where = f"range frame {self.frame - row.record_in_frame + 1}/{row.range.duration}" if inside else \
            "handle / context"
        self.info.setText(f"{row.name}  |  {' / '.join(self._label(s) for s in self.sources())}  |  "
                          f"{frames_to_timecode(self.frame, rate)}  |  frame {self.frame}  |  {where}  |  "
                          f"loop {frames_to_timecode(first, rate)}-{frames_to_timecode(last, rate)}")
        self.frame_shown.emit(self.frame)
        # Decode ahead of the playhead while the editor looks at this frame.
        ahead = [f for f in range(self.frame + 1, self.frame + 13) if f < last]
        for source in sources:
            self.controller.prefetch(self.name, source, ahead)

    # ----------------------------------------------------------------------------- transport
    def step(self, frames: int) -> None:
        if self.name is None:
            return
        first, last = self.bounds()
        target = self.frame + frames
        if self.loop:
            span = last - first
            target = first + (target - first) % span
        self.frame = max(first, min(last - 1, target))
        self.show_frame()

    def to_start(self) -> None:
        if self.name is not None:
            self.frame = self.bounds()[0]
            self.show_frame()

    def to_end(self) -> None:
        if self.name is not None:
            self.frame = self.bounds()[1] - 1
            self.show_frame()

    @property
    def playing(self) -> bool:
        return self.timer.isActive()

    def toggle_play(self) -> None:
        if self.playing:
            self.stop()
        elif self.name is not None:
            self.timer.start(max(1, round(1000 / float(self.controller.rate))))
            self.play_button.setText("pause")
            self._sync_sound(force=True)

    def stop(self) -> None:
        self.timer.stop()
        if hasattr(self, "play_button"):
            self.play_button.setText("play")
        if self._player is not None:
            self._player.pause()

    def _tick(self) -> None:
        first, last = self.bounds()
        if not self.loop and self.frame >= last - 1:
            self.stop()
            return
        self.step(1)
        self._sync_sound()

    # ----------------------------------------------------------------------------- sound (QtMultimedia)
    _player = None
    _sound_unavailable = False
    SOUND_DRIFT_MS = 80  # re-seek the sound when it is this far from the picture (two frames at 24 fps)

    def sound_source(self) -> tuple[str, int] | None:
        """(file, milliseconds) the sound plays from now, None when silent."""
        if self._player is None or self._player.source().isEmpty():
            return None
        return self._player.source().toLocalFile(), self._player.position()

    def _sync_sound(self, force: bool = False) -> None:
        """Play the sound of what is shown (the picture is the clock): follow switches, cuts and loop wraps."""
        if self._sound_unavailable or self.name is None:
            return
        if self._player is None:
            try:
                from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer
            except ImportError:  # PySide6-Addons or libpulse0 missing: pictures only
                self._sound_unavailable = True
                return
            self._audio = QAudioOutput(self)
            self._player = QMediaPlayer(self)
            self._player.setAudioOutput(self._audio)
        from PySide6.QtCore import QUrl
        where = self.controller.sound_at(self.name, self.source, self.frame)
        if where is None:
            self._player.pause()
            return
        path, seconds = where
        wanted_ms = int(seconds * 1000)
        if self._player.source().toLocalFile() != path:
            self._player.setSource(QUrl.fromLocalFile(path))
            force = True
        if force or abs(self._player.position() - wanted_ms) > self.SOUND_DRIFT_MS:
            self._player.setPosition(wanted_ms)
        self._player.play()

    def keyPressEvent(self, event) -> None:  # noqa: N802
        key = event.key()
        shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if self.controller is None or self.name is None:
            return super().keyPressEvent(event)
        takes = self.controller.takes(self.name)
        second = round(float(self.controller.rate))
        if Qt.Key.Key_1 <= key <= Qt.Key.Key_9:
            index = key - Qt.Key.Key_1
            if index < len(takes):
                self.choose(takes[index])
            else:
                self.window().show_message(f"range '{self.name}' has no take {index + 1} "
                                           f"({len(takes)} ready)", error=True)
        elif key == Qt.Key.Key_0:
            self.choose(None)
        elif key == Qt.Key.Key_A:
            self.toggle_ab()
        elif key == Qt.Key.Key_S:
            self.side_box.setChecked(not self.side_box.isChecked())
        elif key == Qt.Key.Key_L:
            self.loop_box.setChecked(not self.loop_box.isChecked())
        elif key == Qt.Key.Key_Right:
            self.step(second if shift else 1)
        elif key == Qt.Key.Key_Left:
            self.step(-second if shift else -1)
        elif key == Qt.Key.Key_Home:
            self.to_start()
        elif key == Qt.Key.Key_End:
            self.to_end()
        elif key == Qt.Key.Key_Space:
            self.toggle_play()
        elif key == Qt.Key.Key_P:
            self.window().pick_shown()
        else:
            super().keyPressEvent(event)
