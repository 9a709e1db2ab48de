"""The review window's state and calls, with no widgets (pyblish-lite's ``control.py`` is the model).

The controller reads a timeline (or the workspace of an earlier run) through
``pipeline.load`` and ``pipeline.plan``, runs takes through a ``RunSession``
(session.py: its thread, event loop and cancel, as the bridge's runs), follows
the runner's progress stream, and keeps the editor's picks in the workspace.
Tests and scripts drive it without a window; the window only draws it.

Takes are asked for in *requests*: the first run asks for every range's
planned takes (the same jobs ``otio-retake run`` makes, so a workspace made on
the command line is reused as it is); ``rerun(name)`` asks for one more take
of one range with its edited prompt, mode or seed, under the next letter.
Each request goes to the runner on its own, so a new take never regroups the
jobs of existing ones and nothing already paid for is paid again.

Files in the workspace (written atomically)::

    studio.json   requests per range (letter, prompt, mode, seed) and the takes they made
    studio.otio   the timeline with every ready take as an alternate (what Conform reads)
    picks.json    the picks, read by `otio-retake conform` too (jobs/picks.py)
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np
from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, Qt, Signal

from .. import pipeline
from ..contract import PLAN_FIELDS, RunSettings
from ..jobs.cost import CONFIRM_ABOVE_USD  # the same confirmation as `otio-retake run`
from ..errors import CostLimitError, InputError, MediaError, RetakeError
from ..jobs.picks import read_picks, write_picks
from ..jobs.runner import DEFAULT_HANDLES, ProgressEvent, file_sha256
from ..jobs.store import JOURNAL_NAME, JobState, Journal
from ..jobs.workspace import Workspace
from ..media.splice import TakeOptions
from ..paths import atomic_write
from ..session import RunSession
from ..model import TAKE_LETTERS, MarkedRange, Mode, RetakePlan, Take
from ..providers import HOSTS, key_source
from ..timeline.alternates import add_alternates
from ..timeline.info import NAMESPACE
from ..timeline.marks import MarkerFilter
from ..timeline.segments import TimelineIndex
from ..timeline.write import write_timeline
from .viewer import FrameReader

__all__ = ["StudioController", "RangeRow", "TakeRow", "CONFIRM_ABOVE_USD", "STATE_NAME", "TAKES_TIMELINE"]

STATE_NAME = "studio.json"
TAKES_TIMELINE = "studio.otio"

# The runner's steps, as the table says them.
_STEP_WORDS = {"excerpt": "preparing", "upload": "uploading", "submit": "submitted", "queued": "queued",
               "running": "running", "download": "downloading", "splice": "splicing", "done": "done",
               "reused": "done", "failed": "failed"}
_JOURNAL_WORDS = {JobState.PLANNED: "planned", JobState.EXCERPTED: "planned", JobState.UPLOADED: "planned",
                  JobState.SUBMITTING: "submitted", JobState.SUBMITTED: "submitted",
                  JobState.FINISHED_REMOTELY: "finished at the host", JobState.DOWNLOADED: "downloaded",
                  JobState.TAKE_READY: "done", JobState.FAILED: "failed", JobState.CANCELLED: "cancelled"}


@dataclass
class TakeRow:
    """One take asked for: what was asked (letter, prompt, mode, seed), where it is, and its file once made."""

    letter: str
    prompt: str
    mode: Mode
    seed: int
    request: int  # takes asked for together run together
    state: str = "planned"
    note: str = ""  # queue position, progress step or the failure's reason, in words
    take: Take | None = None
    cost_usd: float = 0.0

    @property
    def ready(self) -> bool:
        return self.take is not None and Path(self.take.path).exists()


@dataclass
class RangeRow:
    """One marked range as the table shows it; ``prompt``/``mode``/``seed`` are what the next request asks."""

    range: MarkedRange  # as read from the timeline
    prompt: str
    mode: Mode
    seed: int | None
    plans: list[RetakePlan]
    takes: list[TakeRow] = field(default_factory=list)
    pick: str | None = None  # a take letter, or None for the original

    @property
    def name(self) -> str:
        return self.range.name

    @property
    def record_in_frame(self) -> int:
        """Absolute record frame, as ``record_in_frame`` in ``plan --json``."""
        return self.range.start_frame + self.range.record_in

    @property
    def record_out_frame(self) -> int:
        return self.range.start_frame + self.range.record_out

    @property
    def host(self) -> str:
        return self.plans[0].provider if self.plans else ""

    @property
    def estimated_usd(self) -> float:
        planned = sum(p.cost_usd for p in self.plans) if not self.takes else 0.0
        return round(planned + sum(t.cost_usd for t in self.takes), 4)

    @property
    def state(self) -> str:
        """The range's state in words: the least finished of its takes."""
        if not self.takes:
            return "planned"
        for word in ("failed", "missing", "out of date", "cancelled", "stopped"):
            rows = [t for t in self.takes if t.state == word]
            if rows:
                return f"{word}: {rows[0].note}" if rows[0].note else word
        busy = [t for t in self.takes if t.state != "done"]
        if busy:
            return f"{busy[0].state} {busy[0].note}".strip()
        return "done"


class StudioController(QObject):
    """Widget-free state of the review window; every change is announced by a past-tense signal."""

    loaded = Signal()
    rangeChanged = Signal(str)  # a range's prompt, mode, seed, takes or state changed
    jobProgressed = Signal(str, str, str, object)  # range, take letter, step, detail
    runStarted = Signal(float)  # the cost it may newly spend
    runFinished = Signal(object)  # {"takes": n ready, "errors": [(where, message)], "cancelled": bool}
    picked = Signal(str, object)  # range, take letter or None for the original
    conformed = Signal(object)  # the files written
    errorRaised = Signal(str)  # a user-facing message (never a traceback)

    _eventArrived = Signal(object)
    _batchDone = Signal(object)

    def __init__(self, path: str | Path, workspace: str | Path | None = None, provider: str = "preview", *,
                 base_urls: dict[str, str] | None = None, poll_interval: float | None = None,
                 markers: str | Path | None = None, fps: str | None = None, media_dirs: list[Path] = (),
                 marker_filter: MarkerFilter = MarkerFilter(), handles: int = DEFAULT_HANDLES,
                 take_options: TakeOptions | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        if QCoreApplication.instance() is None:  # signals between threads need an application object
            self._app = QCoreApplication([])
        path = Path(path)
        state: dict = {}
        options: dict = {}
        if path.is_dir():  # the workspace of an earlier run: find its timeline and how it was read
            workspace = path
            state = _read_json(path / STATE_NAME)
            run = pipeline.last_run_settings(path)
            last = run.model_dump() if run else {}
            # How the run read and planned the cut, so that the same jobs are found in the journal.
            options = {**{k: last.get(k) for k in PLAN_FIELDS}, **(state.get("options") or {})}
            source = state.get("timeline") or last.get("timeline")
            if not source:
                raise InputError(f"{path}: this folder has no otio-retake run (no {STATE_NAME} or journal run)",
                                 hint="open the timeline itself, or the workspace folder a run wrote")
            markers = markers or state.get("markers") or last.get("markers")
            fps = fps or state.get("fps") or last.get("fps")
            media_dirs = list(media_dirs) or [Path(p) for p in state.get("media_dirs") or last.get("media_dirs") or []]
            if provider == "preview" and (state.get("provider") or last.get("provider")):
                provider = state.get("provider") or last.get("provider")
            path = Path(source)
        elif provider == "preview":  # a timeline whose workspace holds a run: its takes are that host's
            provider = _workspace_provider(Workspace.for_timeline(path, Path(workspace) if workspace else None)
                                           .root) or provider
        self.provider = provider
        self.base_urls = base_urls or {}
        self.poll_interval = poll_interval
        self.handles = handles
        self.take_options = take_options or TakeOptions(handles=handles)
        self.confirm_above_usd = CONFIRM_ABOVE_USD
        self._load_args = {"markers": str(Path(markers).resolve()) if markers else None, "fps": fps,
                           "media_dirs": [str(Path(p).resolve()) for p in media_dirs]}
        if not path.is_dir() and not options:
            options = (_read_json(Workspace.for_timeline(path, Path(workspace) if workspace else None).root
                                  / STATE_NAME).get("options") or {})
        if marker_filter == MarkerFilter() and (options.get("marker_colors") or options.get("marker_prefix")
                                                or options.get("default_length")):
            marker_filter = MarkerFilter(colors=tuple(options.get("marker_colors") or ()),
                                         name_prefix=options.get("marker_prefix"),
                                         default_length_seconds=options.get("default_length"))
        self._options = {"marker_colors": list(marker_filter.colors), "marker_prefix": marker_filter.name_prefix,
                         "default_length": marker_filter.default_length_seconds,
                         **{k: options.get(k) for k in ("mode", "takes", "seed", "widen", "context_seconds",
                                                        "picture_track")}}
        self._plan_args = {"widen": bool(options.get("widen")), "context_seconds": options.get("context_seconds")}
        self._loaded = pipeline.load(path, fps=fps, markers=markers, media_dirs=list(media_dirs),
                                     marker_filter=marker_filter,
                                     mode=Mode(options["mode"]) if options.get("mode") else None,
                                     takes=options.get("takes"), seed=options.get("seed"),
                                     picture_track=options.get("picture_track"))  # the run's picture, its takes
        self.workspace = Workspace.for_timeline(self._loaded.path, Path(workspace) if workspace else None)
        if not state:
            state = _read_json(self.workspace.root / STATE_NAME)
        plans = pipeline.plan(self._loaded, provider=provider, **self._plan_args)
        by_range: dict[str, list] = {}
        for p in plans:
            by_range.setdefault(p.range.name, []).append(p)
        self._rows: dict[str, RangeRow] = {}
        for rng in self._loaded.ranges:
            self._rows[rng.name] = RangeRow(rng, rng.prompt, rng.mode, rng.seed, by_range.get(rng.name, []))
        self._restore(state)
        self.reader = FrameReader()
        self._segments: dict[str, list] = {}
        self._index = TimelineIndex(self._loaded.timeline, self.rate)  # one pass over the cut, not one per range
        self._session: RunSession | None = None  # the run going on (or last made): its thread and cancel
        self._running_requests: set[int] = set()
        self._eventArrived.connect(self._apply_event, Qt.ConnectionType.QueuedConnection)
        self._batchDone.connect(self._apply_batch, Qt.ConnectionType.QueuedConnection)

    # ----------------------------------------------------------------------------- reading
    @property
    def ranges(self) -> list[RangeRow]:
        return list(self._rows.values())

    @property
    def timeline_path(self) -> Path:
        return self._loaded.path

    @property
    def rate(self) -> Fraction:
        return self._loaded.ranges[0].rate

    @property
    def skipped(self):
        return self._loaded.skipped

    def row(self, name: str) -> RangeRow:
        try:
            return self._rows[name]
        except KeyError:
            raise InputError(f"there is no marked range '{name}'",
                             hint="ranges: " + ", ".join(self._rows)) from None

    def takes(self, name: str) -> list[str]:
        """The letters of the range's takes that are ready, as ``frame`` and ``pick`` take them."""
        return [t.letter for t in self.row(name).takes if t.ready]

    def take_row(self, name: str, letter: str) -> TakeRow:
        for take in self.row(name).takes:
            if take.letter == letter.upper():
                return take
        raise InputError(f"range '{name}' has no take {letter}",
                         hint=f"its takes: {', '.join(self.takes(name)) or 'none yet'}")

    @property
    def running(self) -> bool:
        thread = self._session.thread if self._session is not None else None
        return thread is not None and thread.is_alive()

    @property
    def total_usd(self) -> float:
        return round(sum(r.estimated_usd for r in self._rows.values()), 4)

    def source_clips(self, name: str) -> str:
        """The clips of the cut under the marked range (two across a cut)."""
        row = self.row(name)
        rng = row.range
        names = [s.clip_name for s in self._cut_segments(row)
                 if s.record_in < rng.record_out and s.record_out > rng.record_in]
        return ", ".join(dict.fromkeys(names))

    def host_keys(self) -> dict[str, str]:
        """Each host the ranges use and where its key comes from (never the key)."""
        out = {}
        for host in sorted({r.host for r in self._rows.values()} | {self.provider}):
            source = key_source(host)
            out[host] = source if source else f"missing (set {HOSTS[host].key_env})"
        return out

    def view_range(self, name: str) -> tuple[int, int]:
        """Absolute record frames [first, last) the viewer loops over: the range and its handles."""
        row = self.row(name)
        head = max([t.take.head for t in row.takes if t.take] + [self.handles])
        tail = max([t.take.tail for t in row.takes if t.take] + [self.handles])
        start = row.range.start_frame
        total = round(self._loaded.timeline.duration().rescaled_to(float(self.rate)).value)
        return (max(start, row.record_in_frame - head), min(start + total, row.record_out_frame + tail))

    # ----------------------------------------------------------------------------- pictures
    def frame(self, name: str, take: str | None, record_frame: int) -> np.ndarray:
        """The picture (RGB array) at an absolute record frame: of the take, or of the cut when take is None.

        Outside the take's frames (its handles included) the cut is shown, as the take would be cut in.
        """
        where = self._locate(name, take, record_frame)
        if where[0] is None:
            return np.zeros((where[1][1], where[1][0], 3), np.uint8)
        return self.reader.frame(*where)

    def picture(self, name: str, take: str | None, record_frame: int):
        """The same picture as ``frame``, as the QImage the viewer paints (no RGB round trip)."""
        where = self._locate(name, take, record_frame)
        if where[0] is None:
            from PySide6.QtGui import QImage
            image = QImage(where[1][0], where[1][1], QImage.Format.Format_RGB32)
            image.fill(0)
            return image
        return self.reader.qimage(*where)

    def sound_at(self, name: str, take: str | None, record_frame: int) -> tuple[str, Fraction] | None:
        """(file, seconds) to play the sound from at a record frame: the take's file inside it (sound-only
        takes too), else the cut's media; None over a gap or missing media."""
        row = self.row(name)
        rel = record_frame - row.range.start_frame
        trow = next((t for t in row.takes if t.letter == take and t.ready), None) if take else None
        if trow is not None:
            index = trow.take.head + rel - row.range.record_in
            if 0 <= index < trow.take.head + row.range.duration + trow.take.tail:
                return str(trow.take.path), Fraction(index) / self.rate
        segment = next((s for s in self._cut_segments(row) if s.record_in <= rel < s.record_out), None)
        if segment is None or segment.media is None:
            return None
        return str(segment.media.path), segment.file_time(rel, self.rate)

    def _locate(self, name: str, take: str | None, record_frame: int) -> tuple:
        """(file, seconds in it) of the picture at a record frame, or (None, (w, h)) for black (a gap)."""
        row = self.row(name)
        rng = row.range
        rel = record_frame - rng.start_frame
        if take is not None:
            trow = self.take_row(name, take)
            if trow.take is None:
                raise MediaError(f"range '{name}' take {trow.letter} is not made yet ({trow.state})")
            made = trow.take
            index = made.head + rel - rng.record_in
            if made.has_video and 0 <= index < made.head + rng.duration + made.tail:
                if not Path(made.path).exists():
                    raise MediaError(f"range '{name}' take {trow.letter}: its file {made.path} is gone",
                                     hint="run the range again: the paid result is cut again, not paid twice")
                return made.path, Fraction(index) / rng.rate
        segment = next((s for s in self._cut_segments(row) if s.record_in <= rel < s.record_out), None)
        if segment is None:  # outside what was mapped for this range: map this one frame
            segment = self._index.segments(row.range.picture, rel, rel + 1, self._loaded.resolver,
                                           range_name=row.name)[0]
        if segment.missing:
            raise MediaError(f"range '{row.name}': the media of clip '{segment.clip_name}' is missing "
                             f"({segment.missing})", hint="point at it with --media-dir DIR")
        if segment.media is None:  # a gap in the cut shows black
            return None, self._frame_size(row)
        return segment.media.path, segment.file_time(rel, self.rate)

    def _cut_segments(self, row: RangeRow) -> list:
        if row.name not in self._segments:
            first, last = self.view_range(row.name)
            start = row.range.start_frame
            self._segments[row.name] = self._index.segments(row.range.picture, first - start, last - start,
                                                            self._loaded.resolver, range_name=row.name)
        return self._segments[row.name]

    def _frame_size(self, row: RangeRow) -> tuple[int, int]:
        for segment in self._cut_segments(row):
            if segment.media is not None:
                image = self.reader.frame(segment.media.path, segment.file_start)
                return image.shape[1], image.shape[0]
        size = (self._loaded.timeline.metadata.get(NAMESPACE) or {}).get("frame_size") or (640, 360)
        return int(size[0]), int(size[1])

    def prefetch(self, name: str, take: str | None, record_frames: list[int]) -> None:
        """Decode these frames ahead in the background (the viewer asks around its playhead)."""
        items = []
        for frame in record_frames:
            try:
                where = self._locate(name, take, frame)
            except RetakeError:
                break
            if where[0] is not None:
                items.append(where)
        self.reader.prefetch(items)

    # ----------------------------------------------------------------------------- editing
    def set_prompt(self, name: str, text: str) -> None:
        text = text.strip()
        if not text:
            raise InputError(f"range '{name}': the prompt is empty", hint="say what the take should show")
        self.row(name).prompt = text
        self._save()
        self.rangeChanged.emit(name)

    def set_mode(self, name: str, mode: str | Mode) -> None:
        self.row(name).mode = Mode(mode)
        self._save()
        self.rangeChanged.emit(name)

    def set_seed(self, name: str, seed: int | None) -> None:
        self.row(name).seed = seed
        self._save()
        self.rangeChanged.emit(name)

    def decided(self, name: str) -> bool:
        """Whether the editor chose for this range (a take, or to keep the original)."""
        return name in self._picks

    def pick(self, name: str, take: str | None) -> None:
        """Choose the take that goes into the cut (None: keep the original); saved in the workspace at once."""
        row = self.row(name)
        if take is not None:
            take = self.take_row(name, take).letter
            if take not in self.takes(name):
                raise InputError(f"range '{name}' take {take} is not ready to pick")
        row.pick = take
        self._picks[name] = take  # only decisions are written: "keep the original" is one, "not yet" is not
        write_picks(self.workspace.root, self._picks)
        self.picked.emit(name, take)

    # ----------------------------------------------------------------------------- requests
    def _plans_for(self, row: RangeRow, takes: list[TakeRow]) -> list[RetakePlan]:
        """Plans for takes of one request: the planner's window, section and cost for the range (they do not
        depend on the prompt), with the take's prompt, mode, letter and seed."""
        plans = []
        for take in takes:
            index = TAKE_LETTERS.index(take.letter)
            template = row.plans[min(index, len(row.plans) - 1)]
            rng = dataclasses.replace(template.range, prompt=take.prompt, mode=take.mode)
            plans.append(dataclasses.replace(template, range=rng, take_index=index, seed=take.seed))
        return plans

    def _base_request(self) -> None:
        """The first run asks every range without takes for its planned takes (request 0, one runner call)."""
        for row in self._rows.values():
            if row.takes:
                continue
            if (row.prompt, row.mode, row.seed) == (row.range.prompt, row.range.mode, row.range.seed):
                plans = row.plans  # as the command line plans them: the same jobs, reused both ways
            else:
                edited = dataclasses.replace(row.range, prompt=row.prompt, mode=row.mode, seed=row.seed)
                plans = pipeline.plan(dataclasses.replace(self._loaded, ranges=[edited]),
                                      provider=row.host or self.provider, **self._plan_args)
            row.takes = [TakeRow(p.take_letter, p.range.prompt, p.range.mode, p.seed, 0, cost_usd=p.cost_usd)
                         for p in plans]

    def _requests(self, only: set[int] | None = None) -> dict[int, list[RetakePlan]]:
        """Plans per request for every take not ready (ready ones are reused by the runner for nothing)."""
        out: dict[int, list[RetakePlan]] = {}
        for row in self._rows.values():
            by_request: dict[int, list[TakeRow]] = {}
            for take in row.takes:
                by_request.setdefault(take.request, []).append(take)
            for request, takes in by_request.items():
                if (only is not None and request not in only) or all(t.ready for t in takes):
                    continue
                out.setdefault(request, []).extend(self._plans_for(row, takes))
        return out

    def _settings(self) -> RunSettings:
        """This window's run as settings (the host, its URLs and the take options can change between runs)."""
        options = self.take_options
        return RunSettings(timeline=self._loaded.path, provider=self.provider, workspace=self.workspace.root,
                           base_urls=[f"{host}={url}" for host, url in self.base_urls.items()],
                           poll_interval=self.poll_interval, handles=options.handles,
                           blend_frames=options.blend_frames, take_resolution=options.resolution,
                           take_codec=options.codec)

    def _runner(self, on_event=None):
        return pipeline.runner_for(self._settings(), self._loaded, on_event=on_event)

    def pending_usd(self) -> float:
        """What running now would newly spend (jobs the journal has as paid cost nothing)."""
        self._base_request()
        return self._pending(self._requests())

    def _pending(self, requests: dict[int, list[RetakePlan]]) -> float:
        if not requests:
            return 0.0
        runner = self._runner()  # one for every request: its journal and host clients opened once
        try:
            total = sum(runner.planner.pending_cost(plans, runner.journal) for plans in requests.values())
        finally:
            runner.journal.close()
            asyncio.run(runner.pool.aclose())  # the host clients it opened to read their limits
        return round(total, 4)

    def run(self, *, confirmed: bool = False, max_cost: float | None = None) -> float:
        """Start every take not ready yet; returns at once with the cost it may newly spend.

        Above ``confirm_above_usd`` (the CLI's threshold) it refuses unless ``confirmed`` (the window asks, as the CLI does).
        """
        self._base_request()
        return self._start(self._requests(), confirmed=confirmed, max_cost=max_cost)

    def resume(self) -> float:
        """Carry on the takes of the last run: finished ones reused, submitted ones polled, none paid twice."""
        return self.run(confirmed=True)

    def rerun(self, name: str, *, prompt: str | None = None, mode: str | Mode | None = None,
              seed: int | None = None, confirmed: bool = False) -> str:
        """One more take of one range with its edited prompt/mode/seed, under the next letter; returns it."""
        row = self.row(name)
        if prompt is not None:
            row.prompt = prompt.strip() or row.prompt
        if mode is not None:
            row.mode = Mode(mode)
        if seed is not None:
            row.seed = seed
        if not row.takes:
            self._base_request()
        if len(row.takes) >= len(TAKE_LETTERS):
            raise InputError(f"range '{name}' already has {len(TAKE_LETTERS)} takes")
        letter = TAKE_LETTERS[max(TAKE_LETTERS.index(t.letter) for t in row.takes) + 1]
        used = {t.seed for t in row.takes}
        new_seed = row.seed if row.seed is not None and row.seed not in used else \
            (max(used) + 1 if used else 1)  # a fresh seed: the same one would give the same picture
        request = max(t.request for r in self._rows.values() for t in r.takes) + 1
        cost = row.plans[0].cost_usd if row.plans else 0.0
        row.takes.append(TakeRow(letter, row.prompt, row.mode, new_seed, request, cost_usd=cost))
        try:
            self._start(self._requests(only={request}), confirmed=confirmed)
        except RetakeError:
            row.takes.pop()
            raise
        return letter

    def _start(self, requests: dict[int, list[RetakePlan]], *, confirmed: bool, max_cost: float | None = None
               ) -> float:
        if self.running:
            raise InputError("a run is already going", hint="wait for it, or Cancel it first")
        if not requests:
            self.runFinished.emit({"takes": self._ready_count(), "errors": [], "cancelled": False})
            return 0.0
        pending = self._pending(requests)
        pipeline.check_cost(pending, max_cost, limit="the limit")
        if pending > self.confirm_above_usd and not confirmed:
            raise CostLimitError(f"this run would cost about ${pending:.2f}, above ${self.confirm_above_usd:.2f}: "
                                 "it needs a confirmation", hint="confirm it (run(confirmed=True))")
        for plans in requests.values():
            for plan in plans:
                take = self.take_row(plan.range.name, plan.take_letter)
                if not take.ready:
                    take.state, take.note = "planned", ""
        self._save()  # the requests are on disk before anything is sent: a reopened window can resume them
        self._running_requests = set(requests)
        self._session = RunSession(self._settings(), loaded=self._loaded, on_event=self._eventArrived.emit,
                                   on_end=lambda session: self._batchDone.emit(
                                       {"takes": session.outcome[0], "errors": session.outcome[1],
                                        "cancelled": session.outcome[2], "requests": list(requests)}))
        self._session.start(requests)
        self.runStarted.emit(pending)
        for name in {p.range.name for plans in requests.values() for p in plans}:
            self.rangeChanged.emit(name)
        return pending

    def cancel(self) -> None:
        """Stop the run here: jobs already at a host stay in the journal as they are, and Resume picks them up."""
        if self._session is not None:
            self._session.cancel()

    def wait(self, timeout: float = 60.0) -> bool:
        """Let the run finish while delivering its signals (for scripts and tests without a window)."""
        deadline = time.monotonic() + timeout
        loop = QEventLoop()
        while time.monotonic() < deadline:
            loop.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
            if not self.running and not self._running_requests:
                return True
            time.sleep(0.01)
        return False

    def shutdown(self, timeout: float = 10.0) -> None:
        """Stop any run and close files (the window calls it when it closes); the journal stays resumable."""
        if self.running:
            self.cancel()
            self._session.thread.join(timeout)
        self.reader.close()

    def _apply_event(self, event: ProgressEvent) -> None:
        row = self._rows.get(event.range_name)
        if row is None:
            return
        take = next((t for t in row.takes if t.letter == event.take), None)
        if take is None:
            return
        take.state = _STEP_WORDS.get(event.kind, event.kind)
        if event.kind == "queued" and event.detail.get("position") is not None:
            take.note = f"(queue position {event.detail['position']})"
        elif event.kind == "failed":
            take.note = str(event.detail.get("reason", ""))
        elif event.kind in ("running", "queued", "submit", "upload", "download", "splice", "excerpt"):
            take.note = f"({event.elapsed:.0f} s)"
        else:
            take.note = ""
        self.jobProgressed.emit(event.range_name, event.take, event.kind, dict(event.detail))
        self.rangeChanged.emit(event.range_name)

    def _apply_batch(self, result: dict) -> None:
        if self._session is not None and self._session.thread is not None:  # its last act was sending this:
            self._session.thread.join(10)  # let it end, so `running` is False by the time runFinished says so
        self._running_requests = set()
        for made in result["takes"]:
            row = self._rows[made.range.name]
            take = next((t for t in row.takes if t.letter == made.plan.take_letter), None)
            if take is None:
                continue
            take.take, take.state, take.note = made, "done", ""
            take.cost_usd = float(made.metadata.get("cost_usd") or take.cost_usd)
        errors = []
        for where, message in result["errors"]:
            name, _, letters = where.rpartition(" take ")
            row = self._rows.get(name)
            for take in (row.takes if row else []):
                if take.letter in letters and not take.ready:
                    take.state, take.note = "failed", message.splitlines()[0]
            errors.append((where, message))
        if result["cancelled"]:
            for row in self._rows.values():
                for take in row.takes:
                    if not take.ready and take.state not in ("failed",):
                        take.state = "stopped"
                        take.note = "jobs already sent keep going at the host; Resume picks them up"
        try:
            self._save()
        except OSError as exc:
            self.errorRaised.emit(f"could not save the studio state in {self.workspace.root}: {exc}")
        for name in self._rows:
            self.rangeChanged.emit(name)
        self.runFinished.emit({"takes": self._ready_count(), "errors": errors, "cancelled": result["cancelled"]})

    def _ready_count(self) -> int:
        return sum(1 for r in self._rows.values() for t in r.takes if t.ready)

    # ----------------------------------------------------------------------------- conform
    def takes_timeline(self) -> Path:
        """Write the timeline with every ready take as an alternate (what `otio-retake conform` reads)."""
        ready = [t.take for r in self._rows.values() for t in r.takes if t.ready]
        timeline = add_alternates(self._loaded.timeline, ready)
        timeline.metadata.setdefault(NAMESPACE, {})["workspace"] = str(self.workspace.root)
        out = self.workspace.create().root / TAKES_TIMELINE
        write_timeline(timeline, out, force=True)
        return out

    def conform(self, output_path: str | Path, *, force: bool = False) -> list[Path]:
        """Write the cut with the picked takes, in any format the CLI writes (by the output's suffix)."""
        picks = {r.name: r.pick for r in self._rows.values() if r.pick}
        if not picks:
            raise InputError("nothing to conform: no range has a picked take",
                             hint="pick a take (keys 1-9 in the viewer, then Pick)")
        outputs, _ = pipeline.conform_file(self.takes_timeline(), output_path, picks=picks, force=force)
        self.conformed.emit(outputs)
        return outputs

    # ----------------------------------------------------------------------------- persistence
    def _save(self) -> None:
        body = {"timeline": str(self._loaded.path.resolve()), "provider": self.provider, **self._load_args,
                "options": self._options, "ranges": {}}
        for row in self._rows.values():
            body["ranges"][row.name] = {
                "prompt": row.prompt, "mode": row.mode.value, "seed": row.seed,
                "takes": [{"letter": t.letter, "prompt": t.prompt, "mode": t.mode.value, "seed": t.seed,
                           "request": t.request, "cost_usd": t.cost_usd,
                           "record_in": row.range.record_in, "duration": row.range.duration,
                           "take": None if t.take is None else {
                               "path": t.take.path, "head": t.take.head, "tail": t.take.tail,
                               "has_video": t.take.has_video, "metadata": t.take.metadata}}
                          for t in row.takes]}
        root = self.workspace.create().root
        atomic_write(root / STATE_NAME, json.dumps(body, indent=1, default=str))

    def _restore(self, state: dict) -> None:
        saved = state.get("ranges") or {}
        for name, row in self._rows.items():
            entry = saved.get(name)
            if not entry:
                continue
            row.prompt = entry.get("prompt") or row.prompt
            row.mode = Mode(entry.get("mode") or row.mode.value)
            row.seed = entry.get("seed", row.seed)
            for spec in entry.get("takes") or []:
                take = TakeRow(spec["letter"], spec["prompt"], Mode(spec["mode"]), int(spec["seed"]),
                               int(spec.get("request", 0)), cost_usd=float(spec.get("cost_usd") or 0.0))
                made = spec.get("take")
                moved = (spec.get("record_in", row.range.record_in), spec.get("duration", row.range.duration)) != \
                    (row.range.record_in, row.range.duration)
                if made and moved:  # the marker was moved or trimmed since: that take no longer fits
                    made = None
                    take.state = "out of date"
                    take.note = "the marker changed since this take was made; Run makes it again"
                if made:
                    plan = self._plans_for(row, [take])[0]
                    take.take = Take(plan=plan, path=made["path"], head=int(made["head"]), tail=int(made["tail"]),
                                     has_video=bool(made["has_video"]), has_audio=True,
                                     metadata=dict(made.get("metadata") or {}))
                    take.state = "done" if Path(made["path"]).exists() else "missing"
                    if take.state == "missing":
                        take.note = f"its file {made['path']} is gone; Run makes it again from the paid result"
                row.takes.append(take)
        if not saved:
            self._import_journal()
        self._journal_states()
        self._picks = read_picks(self.workspace.root)
        for name, letter in self._picks.items():
            if name in self._rows and (letter is None or letter in self.takes(name)):
                self._rows[name].pick = letter

    def _records(self):
        path = self.workspace.root / JOURNAL_NAME
        if not path.exists():
            return []
        journal = Journal(path)
        try:
            return journal.all()
        finally:
            journal.close()

    def _import_journal(self) -> None:
        """A workspace made by `otio-retake run`: its finished takes become request 0, each letter the newest
        take of it whose file is still its own (take files are named by range and letter, so a later job of the
        range may have written over it) and, if the marker has moved or been trimmed since, out of date."""
        records = sorted((r for r in self._records() if r.state == JobState.TAKE_READY and r.range_name in self._rows),
                         key=lambda r: r.updated_at, reverse=True)
        named = Counter(stored["path"] for record in records for stored in record.takes_json)
        for record in records:
            row = self._rows[record.range_name]
            request = record.request or {}
            for stored in record.takes_json:
                letter = TAKE_LETTERS[int(stored["take_index"])]
                path = Path(stored["path"])
                if any(t.letter == letter for t in row.takes):
                    continue  # a newer take of this letter is already listed
                if named[stored["path"]] > 1 and path.exists() and stored.get("sha256") != file_sha256(path):
                    continue  # another job's take was written there since: not this one's any more
                take = TakeRow(letter, str(request.get("prompt") or row.prompt),
                               Mode(request.get("mode") or row.mode.value),
                               int(request.get("seed") if request.get("seed") is not None else 0), 0,
                               cost_usd=float(stored["metadata"].get("cost_usd") or 0.0))
                row.takes.append(take)
                if (stored.get("record_in", row.range.record_in), stored.get("duration", row.range.duration)) != \
                        (row.range.record_in, row.range.duration):
                    take.state = "out of date"
                    take.note = "the marker changed since this take was made; Run makes it again"
                    continue
                plan = self._plans_for(row, [take])[0]
                take.take = Take(plan=plan, path=str(path), head=int(stored["head"]), tail=int(stored["tail"]),
                                 has_video=bool(stored["has_video"]), has_audio=True,
                                 metadata=dict(stored["metadata"]))
                take.state = "done" if path.exists() else "missing"
        for row in self._rows.values():
            row.takes.sort(key=lambda t: t.letter)

    def _journal_states(self) -> None:
        """Takes not ready show what the journal last knew of their job."""
        latest: dict[tuple[str, str], object] = {}
        for record in self._records():
            for letter in record.takes:
                key = (record.range_name, letter)
                if key not in latest or record.updated_at >= latest[key].updated_at:
                    latest[key] = record
        for row in self._rows.values():
            for take in row.takes:
                record = latest.get((row.name, take.letter))
                if take.ready or record is None:
                    continue
                if take.state in ("missing", "out of date"):
                    continue
                take.state = _JOURNAL_WORDS.get(record.state, record.state)
                take.note = (record.error or "")[:200] if record.state == JobState.FAILED else \
                    "Resume to follow it" if record.state in (JobState.SUBMITTING, JobState.SUBMITTED,
                                                              JobState.FINISHED_REMOTELY) else ""


def _workspace_provider(root: Path) -> str | None:
    """The host the workspace's last session or run used, if any."""
    chosen = _read_json(root / STATE_NAME).get("provider")
    if chosen:
        return chosen
    last = pipeline.last_run_settings(root)
    return last.provider if last else None


def _read_json(path: Path) -> dict:
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise InputError(f"{path}: cannot be read ({exc})", hint=f"delete {path.name} to start the studio afresh "
                         "(takes and the journal are kept)") from None
