"""The Retake Studio window: it draws a ``StudioController`` and forwards the editor's actions to it.

Keys in the viewer (the habits of OpenRV, xStudio, DJV): 1-9 the range's takes, 0 the original, A the A/B
toggle between the last two shown, S side by side, Left/Right one frame, Shift+Left/Right one second,
Home/End the loop's ends, Space play/pause, L loop the range with its handles, P pick what is shown.
Errors are shown in the window in words; nothing here prints a traceback.
"""

from __future__ import annotations

import enum
import functools
import os
import sys
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QApplication, QFileDialog, QHBoxLayout, QHeaderView,
                               QLabel, QMainWindow, QMessageBox, QPushButton, QSplitter, QTableView, QVBoxLayout,
                               QWidget)

from ..errors import RetakeError
from ..model import Mode
from .controller import StudioController
from .viewer_widget import FrameView, Viewer

__all__ = ["StudioWindow", "Viewer", "FrameView", "RangeModel", "Role", "main_window", "run_studio"]


class Role(enum.IntEnum):
    """Item data roles of the range table, from Qt.UserRole so they never collide with Qt's own."""

    NAME = Qt.ItemDataRole.UserRole + 1
    STATE = enum.auto()
    TAKES = enum.auto()


COLUMNS = ("name", "record in", "record out", "source clip", "prompt", "mode", "takes", "host", "est. cost",
           "state", "pick")
EDITABLE = {"prompt", "mode"}


def _in_words(method):
    """Run a slot; any error becomes a message in the window instead of a traceback."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except RetakeError as exc:
            self.window().show_message(str(exc), error=True)
        except Exception as exc:  # noqa: BLE001 - an internal bug, still said in words
            self.window().show_message(f"internal error: {type(exc).__name__}: {exc} (a bug in otio-retake)",
                                       error=True)
    return wrapper


class RangeModel(QAbstractTableModel):
    """The controller's ranges as table rows; edits go back through the controller."""

    edit_failed = Signal(str)

    def __init__(self, controller: StudioController | None = None) -> None:
        super().__init__()
        self.controller = controller
        self._names: list[str] = []
        self._sources: dict[str, str] = {}
        self.set_controller(controller)

    def set_controller(self, controller: StudioController | None) -> None:
        self.beginResetModel()
        self.controller = controller
        self._values: dict[str, dict[str, str]] = {}
        self._names = [r.name for r in controller.ranges] if controller else []
        self._values = {}
        self._sources = {}  # filled as rows are drawn: mapping every range up front is slow on long cuts
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt's names
        return 0 if parent.isValid() else len(self._names)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def name_at(self, row: int) -> str:
        return self._names[row]

    def row_of(self, name: str) -> int:
        return self._names.index(name)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or self.controller is None:
            return None
        row = self.controller.row(self._names[index.row()])
        column = COLUMNS[index.column()]
        if role == Role.NAME:
            return row.name
        if role == Role.STATE:
            return row.state
        if role == Role.TAKES:
            return self.controller.takes(row.name)
        if role == Qt.ItemDataRole.ForegroundRole:
            if column != "state":
                return None
            word = row.state.split(":")[0].split(" ")[0]
            return QColor({"done": "#2e7d32", "failed": "#c62828", "missing": "#c62828",
                           "stopped": "#ef6c00"}.get(word, "#1565c0" if word != "planned" else "#555555"))
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole, Qt.ItemDataRole.ToolTipRole):
            return None
        values = self._values.get(row.name)
        if values is None:
            values = self._values[row.name] = self._row_values(row)
        return values[column]

    def _row_values(self, row) -> dict[str, str]:
        """A row's cells in words, kept until the row changes (views ask for each cell many times)."""
        rng = row.range
        return {
            "name": row.name, "record in": rng.record_in_tc, "record out": rng.record_out_tc,
            "source clip": self._source(row.name), "prompt": row.prompt, "mode": row.mode.value,
            "takes": " ".join(f"{t.letter}" + ("" if t.ready else f"({t.state})") for t in row.takes)
            or f"{len(row.plans)} planned",
            "host": row.host, "est. cost": f"${row.estimated_usd:.2f}", "state": row.state,
            "pick": (row.pick or "original") if self.controller.decided(row.name) else "-"}

    def _source(self, name: str) -> str:
        if name not in self._sources:
            try:
                self._sources[name] = self.controller.source_clips(name)
            except RetakeError as exc:
                self._sources[name] = f"({exc})"
        return self._sources[name]

    def flags(self, index):
        base = super().flags(index)
        if index.isValid() and COLUMNS[index.column()] in EDITABLE:
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if role != Qt.ItemDataRole.EditRole or self.controller is None:
            return False
        name = self._names[index.row()]
        column = COLUMNS[index.column()]
        try:
            if column == "prompt":
                self.controller.set_prompt(name, str(value))
            elif column == "mode":
                if str(value).strip().lower() not in [m.value for m in Mode]:
                    raise RetakeError(f"'{value}' is not a mode: use video, audio or both")
                self.controller.set_mode(name, str(value).strip().lower())
            else:
                return False
        except RetakeError as exc:
            self.edit_failed.emit(str(exc))
            return False
        self.dataChanged.emit(index, index)
        return True

    def refresh(self, name: str) -> None:
        self._values.pop(name, None)
        if name in self._names:
            row = self._names.index(name)
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))


class StudioWindow(QMainWindow):
    """Ranges above, the viewer below; buttons for Run, Cancel, Resume, Re-run, Pick and Conform."""

    def __init__(self, path: str | Path | None = None, *, controller: StudioController | None = None,
                 **options) -> None:
        super().__init__()
        self.setWindowTitle("Retake Studio")
        self.options = options
        self.controller: StudioController | None = None
        self.open_error: RetakeError | None = None  # why the last open() failed (the command line says it too)
        self._attached: StudioController | None = None
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)  # paths, names and hosts' words: never read as HTML
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary = QLabel("")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.model = RangeModel()
        self.model.edit_failed.connect(lambda text: self.show_message(text, error=True))
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setResizeContentsPrecision(40)  # size columns by the first rows, not all
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.horizontalHeader().setSectionResizeMode(COLUMNS.index("prompt"), QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().currentRowChanged.connect(self._row_selected)
        self.viewer = Viewer()
        buttons = QHBoxLayout()
        self.buttons = {}
        for text, slot in (("Open...", self.open_dialog), ("Run", self.run), ("Cancel", self.cancel),
                           ("Resume", self.resume), ("Re-run range", self.rerun), ("Pick shown (P)", self.pick_shown),
                           ("Keep original", self.keep_original), ("Conform...", self.conform_dialog)):
            button = QPushButton(text)
            button.clicked.connect(slot)
            buttons.addWidget(button)
            self.buttons[text.split(" ")[0].rstrip(".")] = button
        buttons.addStretch(1)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.addLayout(buttons)
        top_layout.addWidget(self.message)
        top_layout.addWidget(self.table, 1)
        top_layout.addWidget(self.summary)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(self.viewer)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        self.setCentralWidget(splitter)
        QShortcut(QKeySequence("Ctrl+R"), self, activated=self.run)
        self.resize(1280, 860)
        if controller is not None:
            self.set_controller(controller)
        elif path is not None:
            self.open(path)
        self._update_buttons()

    # ----------------------------------------------------------------------------- opening
    def open(self, path: str | Path) -> bool:
        """Open a timeline or a workspace; a failure is shown here and the previous session stays open."""
        try:
            controller = StudioController(path, **self.options)
        except RetakeError as exc:
            self.open_error = exc
            self.show_message(f"could not open {path}: {exc}", error=True)
            if self.controller is None:
                self.viewer.view.set_message(f"could not open {path}:\n{exc}")
            return False
        self.set_controller(controller)
        return True

    def set_controller(self, controller: StudioController) -> None:
        if self.controller is not None:
            self._detach(self.controller)
            self.controller.shutdown()
        self.controller = self._attached = controller
        controller.setParent(self)
        controller.rangeChanged.connect(self.on_rangeChanged)
        controller.runStarted.connect(self.on_runStarted)
        controller.runFinished.connect(self.on_runFinished)
        controller.picked.connect(self.on_picked)
        controller.errorRaised.connect(lambda text: self.show_message(text, error=True))
        self.model.set_controller(controller)
        self.viewer.set_controller(controller)
        self.setWindowTitle(f"Retake Studio - {controller.timeline_path.name}")
        skipped = "; ".join(f"skipped '{s.name}'" + (f" at {s.record_in}" if s.record_in else "") + f": {s.reason}"
                            for s in controller.skipped)
        self.show_message(f"{len(controller.ranges)} marked range(s) in {controller.timeline_path} "
                          f"(workspace {controller.workspace.root})" + (f". {skipped}" if skipped else ""))
        self._update_summary()
        if controller.ranges:
            self.select(controller.ranges[0].name)

    @_in_words
    def open_dialog(self, checked=False) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a timeline", "",
                                              "Timelines (*.otio *.edl *.xml *.fcpxml *.aaf);;All files (*)")
        if path:
            self.open(path)

    def select(self, name: str) -> None:
        self.table.selectRow(self.model.row_of(name))

    def _row_selected(self, current, previous) -> None:
        if current.isValid() and self.controller is not None:
            try:
                self.viewer.set_range(self.model.name_at(current.row()))
            except RetakeError as exc:
                self.viewer.view.set_message(str(exc))

    # ----------------------------------------------------------------------------- actions
    def show_message(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #c62828;" if error else "")

    def confirm_cost(self, pending: float) -> bool:
        """The CLI's question before a run above the threshold (tests replace this)."""
        answer = QMessageBox.question(self, "Confirm the run",
                                      f"This run may cost about ${pending:.2f} (above "
                                      f"${self.controller.confirm_above_usd:.2f}). Start it?")
        return answer == QMessageBox.StandardButton.Yes

    @_in_words
    def run(self, checked=False) -> None:
        if self.controller is None:
            return
        pending = self.controller.pending_usd()
        if pending > self.controller.confirm_above_usd and not self.confirm_cost(pending):
            self.show_message(f"not started: the run would cost about ${pending:.2f}")
            return
        self.controller.run(confirmed=True)

    @_in_words
    def cancel(self, checked=False) -> None:
        if self.controller is not None and self.controller.running:
            self.controller.cancel()
            self.show_message("stopping: jobs already at a host keep going there; Resume picks them up")

    @_in_words
    def resume(self, checked=False) -> None:
        if self.controller is not None:
            self.controller.resume()

    @_in_words
    def rerun(self, checked=False) -> None:
        name = self.viewer.name
        if self.controller is None or name is None:
            return
        row = self.controller.row(name)
        pending = row.plans[0].cost_usd if row.plans else 0.0
        if pending > self.controller.confirm_above_usd and not self.confirm_cost(pending):
            return
        letter = self.controller.rerun(name, confirmed=True)
        self.show_message(f"range '{name}': take {letter} started with \"{row.prompt}\" ({row.mode.value})")

    @_in_words
    def pick_shown(self, checked=False) -> None:
        if self.controller is not None and self.viewer.name is not None:
            self.controller.pick(self.viewer.name, self.viewer.source)

    @_in_words
    def keep_original(self, checked=False) -> None:
        if self.controller is not None and self.viewer.name is not None:
            self.controller.pick(self.viewer.name, None)

    @_in_words
    def conform_dialog(self, checked=False) -> None:
        if self.controller is None:
            return
        default = str(self.controller.timeline_path.with_name(self.controller.timeline_path.stem + "_final.otio"))
        path, _ = QFileDialog.getSaveFileName(self, "Conform the picks into", default,
                                              "OTIO (*.otio);;FCP 7 XML (*.xml);;FCPXML (*.fcpxml);;EDL (*.edl);;Avid AAF (*.aaf)")
        if path:
            self.conform(path, force=True)  # the dialog asked about replacing

    @_in_words
    def conform(self, path: str | Path, *, force: bool = False) -> None:
        outputs = self.controller.conform(path, force=force)
        self.show_message("wrote " + ", ".join(str(p) for p in outputs))

    # ----------------------------------------------------------------------------- following the controller
    def on_rangeChanged(self, name: str) -> None:  # noqa: N802 - on_<signal>
        self.model.refresh(name)
        self._update_summary()

    def on_runStarted(self, pending: float) -> None:  # noqa: N802
        self.show_message(f"running (may spend ${pending:.2f})")
        self._update_buttons()

    def on_runFinished(self, summary: dict) -> None:  # noqa: N802
        self._update_buttons()
        self._update_summary()
        if summary["errors"]:
            lines = "; ".join(f"{where}: {text.splitlines()[0]}" for where, text in summary["errors"])
            self.show_message(f"{len(summary['errors'])} take(s) did not finish: {lines}", error=True)
        elif summary["cancelled"]:
            self.show_message("stopped: jobs already at a host keep going there; Resume picks them up")
        else:
            self.show_message(f"run finished: {summary['takes']} take(s) ready")
        if self.viewer.name is not None:
            name = self.viewer.name
            if self.viewer.other is None and self.controller.takes(name):
                self.viewer.other = self.controller.takes(name)[0]
            self.viewer.show_frame()

    def on_picked(self, name: str, take) -> None:  # noqa: N802
        self.model.refresh(name)
        if name == self.viewer.name:
            self.viewer.show_frame()
        self.show_message(f"range '{name}': {'take ' + take if take else 'the original'} goes into the cut")

    def _update_summary(self) -> None:
        if self.controller is None:
            return
        keys = ", ".join(f"{host}: key {source}" for host, source in self.controller.host_keys().items())
        self.summary.setText(f"estimated total ${self.controller.total_usd:.2f}  |  {keys}")

    def _update_buttons(self) -> None:
        running = self.controller is not None and self.controller.running
        for name in ("Run", "Resume", "Re-run"):
            self.buttons[name].setEnabled(not running and self.controller is not None)
        self.buttons["Cancel"].setEnabled(running)

    def closeEvent(self, event) -> None:  # noqa: N802
        """Closing mid-run stops here and leaves the journal resumable (nothing already made is lost)."""
        self.viewer.stop()
        if self.controller is not None:
            self._detach(self.controller)
            self.controller.shutdown()
        super().closeEvent(event)

    def _detach(self, controller: StudioController) -> None:
        """Signals still queued from the run's thread must not reach a closed window."""
        if self._attached is not controller:
            return
        self._attached = None
        for signal, slot in ((controller.rangeChanged, self.on_rangeChanged),
                             (controller.runStarted, self.on_runStarted),
                             (controller.runFinished, self.on_runFinished), (controller.picked, self.on_picked)):
            try:
                signal.disconnect(slot)
            except (RuntimeError, TypeError):
                pass

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(1280, 860)


def main_window(path=None, **options) -> StudioWindow:
    return StudioWindow(path, **options)


def run_studio(path: str | Path | None, *, screenshot: str | Path | None = None, **options) -> int:
    """The `otio-retake studio` command: a window, or with ``screenshot`` a picture of it made offscreen."""
    if screenshot:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = StudioWindow(path, **options)
    if screenshot:
        viewer = window.viewer
        if viewer.name is not None and window.controller.takes(viewer.name):
            viewer.choose(window.controller.takes(viewer.name)[0])  # the original beside the first take
            viewer.side_box.setChecked(True)
        window.show()
        for _ in range(5):  # let the layout settle and the first frame paint
            app.processEvents()
        picture = window.grab()
        window.close()
        if not picture.save(str(screenshot)):
            raise RetakeError(f"{screenshot}: could not write the picture (a .png path?)")
        if window.controller is None and window.open_error is not None:
            raise window.open_error  # the picture shows it; the command line says it too, and exits as it says
        return 0 if window.controller is not None else 1
    window.show()
    return app.exec()
