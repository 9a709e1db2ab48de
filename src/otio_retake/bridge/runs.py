"""Runs started from a panel: the same ``pipeline`` calls as ``otio-retake run``, in a worker thread;
and the runs of the command line in workspaces under the bridge's folder (journal_runs.py), served alike.

    running -> done | failed | cancelled        (a bridge stopped mid-run leaves "interrupted")

Each run is recorded in ``<root>/runs/<id>.json`` (what was asked, never the
token) and its jobs in the sequence's journal, with the run's arguments in the
same shape as the command line's: ``otio-retake resume <workspace>`` continues a
run the bridge started, and ``POST /v1/runs/{id}/resume`` continues one after a
restart. Paid jobs are never submitted twice: the journal says where each is.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from .. import pipeline
from ..contract import (BridgeReport, ConformedRange, ConformResponse, PlacedRange, PlacedTake, ProgressMessage,
                        Report, RunRequest, RunSettings, RunStatus, run_report)
from ..errors import InputError
from ..paths import atomic_write
from ..session import FINAL, ProgressEvent, RunSession
from .journal_runs import JournalRun, find_journal_runs
from .words import words_for
from .sequence import folder_for_name, write_sequence

__all__ = ["RunManager", "BridgeRun", "UnknownRunError", "RunConflictError", "words_for"]


class UnknownRunError(InputError):
    pass


class RunConflictError(InputError):
    pass


@dataclass
class BridgeRun:
    id: str
    sequence: str
    timeline: str
    output: str
    workspace: str
    provider: str
    arguments: RunSettings
    tpf: int  # ticks per frame
    start_frame: int
    status: str = "running"
    error: str | None = None
    hint: str | None = None
    takes_total: int = 0
    finished: set = field(default_factory=set)
    report: Report | None = None
    events: list[ProgressMessage] = field(default_factory=list)
    _subscribers: list = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    session: RunSession | None = None  # the attempt going on (or last made): its thread, loop and cancel
    started_at: str | None = None

    origin = "panel"

    # ------------------------------------------------------------------ progress
    def publish(self, kind: str, *, range_name=None, take=None, elapsed=0.0, detail=None) -> ProgressMessage:
        detail = {k: v for k, v in (detail or {}).items() if isinstance(v, (str, int, float, bool, type(None)))}
        with self._lock:
            message = ProgressMessage(seq=len(self.events) + 1, kind=kind, range=range_name, take=take,
                                      elapsed=round(elapsed, 3), detail=detail,
                                      words=words_for(kind, detail, self.provider))
            self.events.append(message)
            subscribers = list(self._subscribers)
        for loop, queue in subscribers:
            loop.call_soon_threadsafe(queue.put_nowait, message)
        return message

    def on_event(self, event: ProgressEvent) -> None:
        if event.kind in FINAL:
            self.finished.add((event.range_name, event.take))
        self.publish(event.kind, range_name=event.range_name, take=event.take, elapsed=event.elapsed,
                     detail=event.detail)

    def subscribe(self, after: int = 0):
        """(backlog, queue, unsubscribe) for an SSE stream on the calling loop."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue = asyncio.Queue()
        with self._lock:
            backlog = [e for e in self.events if e.seq > after]
            self._subscribers.append((loop, queue))

        def unsubscribe():
            with self._lock:
                if (loop, queue) in self._subscribers:
                    self._subscribers.remove((loop, queue))
        return backlog, queue, unsubscribe

    def cancel(self) -> None:
        if self.session is not None:
            self.session.cancel()

    def _takes_total(self) -> int:
        """The takes the attempt going on makes, once planned."""
        session = self.session
        return len(session.plans) if session is not None and session.plans else self.takes_total

    def status_body(self) -> RunStatus:
        return RunStatus(id=self.id, sequence=self.sequence, status=self.status, provider=self.provider,
                         workspace=self.workspace, output=self.output, takes_total=self._takes_total(),
                         takes_finished=len(self.finished), error=self.error, hint=self.hint, origin=self.origin,
                         timeline=self.timeline, started_at=self.started_at)

    def record(self) -> dict:
        return {"id": self.id, "sequence": self.sequence, "timeline": self.timeline, "output": self.output,
                "workspace": self.workspace, "provider": self.provider, "arguments": self.arguments.stored(),
                "tpf": self.tpf, "start_frame": self.start_frame, "status": self.status, "error": self.error,
                "hint": self.hint, "takes_total": self._takes_total(), "started_at": self.started_at,
                "report": self.report.model_dump() if self.report else None}


class RunManager:
    def __init__(self, root: Path, *, base_urls: list[str] = (), poll_interval: float | None = None) -> None:
        self.root = Path(root)
        self.base_urls = list(base_urls)
        self.poll_interval = poll_interval
        self.runs: dict[str, BridgeRun] = {}
        self.journal_runs: dict[str, JournalRun] = {}
        self._lock = threading.Lock()
        (self.root / "runs").mkdir(parents=True, exist_ok=True)
        for path in sorted((self.root / "runs").glob("*.json")):
            data = json.loads(path.read_text(encoding="utf-8"))
            run = BridgeRun(**{k: data[k] for k in ("id", "sequence", "timeline", "output", "workspace", "provider",
                                                     "arguments", "tpf", "start_frame", "status", "error", "hint",
                                                     "takes_total") if k != "arguments"},
                           arguments=RunSettings.from_stored(data["arguments"]))
            run.started_at = data.get("started_at")
            if data.get("report"):
                run.report = Report(**data["report"])
            if run.status == "running":  # the bridge stopped while it ran: the journal knows where it was
                run.status = "interrupted"
                run.hint = "resume it (POST /v1/runs/{id}/resume or `otio-retake resume WORKSPACE`)"
            self.runs[run.id] = run

    def discover(self) -> dict[str, JournalRun]:
        """The command line's runs in workspaces under the root, found again at each call (they come and go)."""
        self.journal_runs = find_journal_runs(self.root, self.journal_runs)
        return self.journal_runs

    def listing(self, sequence: str | None = None, status: str | None = None) -> list[RunStatus]:
        """Every run, oldest first; ``sequence`` keeps a panel sequence's own (by name, or the command line's
        runs over the timeline the bridge wrote for it)."""
        folder = folder_for_name(self.root, sequence) if sequence else None
        rows = []
        for run in [*self.runs.values(), *self.discover().values()]:
            if sequence and run.sequence != sequence and Path(run.timeline).parent != folder:
                continue
            body = run.status_body()
            if status is None or body.status == status:
                rows.append(body)
        return sorted(rows, key=lambda r: r.started_at or "")

    def get(self, run_id: str) -> BridgeRun | JournalRun:
        run = self.runs.get(run_id) or self.journal_runs.get(run_id) or self.discover().get(run_id)
        if run is None:
            raise UnknownRunError(f"no run '{run_id}' on this bridge",
                                  hint="start one with POST /v1/runs; ids are listed by GET /v1/runs")
        return run

    def _save(self, run: BridgeRun) -> None:
        path = self.root / "runs" / f"{run.id}.json"
        atomic_write(path, json.dumps(run.record(), indent=2))

    def _load(self, settings: RunSettings):
        return pipeline.load_and_plan(settings)

    def start(self, request: RunRequest) -> BridgeRun:
        timeline = write_sequence(self.root, request.sequence)
        output = timeline.with_name(timeline.stem + ".retakes.otio")
        workspace = timeline.with_name(timeline.stem + ".retake")
        # The command line's own settings, so `otio-retake resume` replays this run.
        arguments = RunSettings(timeline=timeline, marker_colors=[request.markerColor] if request.markerColor else [],
                                mode=request.mode, takes=request.takes, provider=request.provider, output=output,
                                workspace=workspace, force=True, base_urls=self.base_urls,
                                poll_interval=self.poll_interval, max_cost=request.maxCostUsd, yes=True)
        tpf = int(request.sequence.timebaseTicks)
        run = BridgeRun(id=secrets.token_hex(6), sequence=request.sequence.name, timeline=str(timeline),
                        output=str(output), workspace=str(workspace), provider=request.provider,
                        arguments=arguments, tpf=tpf, start_frame=round(Fraction(int(request.sequence.zeroPointTicks),
                                                                                  tpf)),
                        started_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds"))
        self._load(arguments)  # refused now (no markers, a range too short...), not after the 202
        with self._lock:
            busy = [r for r in [*self.runs.values(), *self.discover().values()]
                    if Path(r.workspace) == Path(run.workspace) and r.status == "running"]
            if busy:
                raise RunConflictError(f"sequence '{run.sequence}' is already being retaken (run {busy[0].id})",
                                       hint="wait for it, or cancel it first")
            self.runs[run.id] = run
        self._launch(run)
        return run

    def resume(self, run_id: str) -> BridgeRun:
        run = self.get(run_id)
        if isinstance(run, JournalRun):
            raise RunConflictError(f"run '{run_id}' was started on the command line: resume it there",
                                   hint=f"`otio-retake resume {run.workspace}` (paid jobs are reused)")
        with self._lock:
            if run.status == "running":
                raise RunConflictError(f"run '{run_id}' is still running")
            run.status, run.error, run.hint = "running", None, None
            run.finished = set()
            with run._lock:  # a new attempt, a new stream: the last attempt's "end" must not end this one
                run.events = []
        self._launch(run)
        return run

    def _launch(self, run: BridgeRun) -> None:
        self._save(run)
        # Marked as the bridge's own, so it is not listed a second time as a command-line run.
        run.session = RunSession(run.arguments.model_copy(update={"bridge_run": run.id}), on_event=run.on_event,
                                 on_end=lambda session: self._ended(run, session))
        run.session.start()

    def _ended(self, run: BridgeRun, session: RunSession) -> None:
        run.takes_total = len(session.plans) or run.takes_total
        run.report = run_report(session.result) if session.result is not None else None
        run.error, run.hint = session.error, session.hint
        run.status = session.status  # last: a reader that sees the end sees its reason too
        self._save(run)
        run.publish("end", detail={"status": run.status, "error": run.error})

    # ------------------------------------------------------------------ results
    def bridge_report(self, run: BridgeRun) -> BridgeReport:
        if run.report is None:
            raise RunConflictError(f"run '{run.id}' has no takes yet (it is {run.status})",
                                   hint="wait for the run's end event")
        ranges: dict[str, PlacedRange] = {}
        for take in run.report.takes:
            start = (take.record_frame - run.start_frame) * run.tpf
            entry = ranges.setdefault(take.range, PlacedRange(
                name=take.range, markerId=take.marker_id, mode=take.mode, trackIndex=take.track_index,
                startTicks=str(start), durationTicks=str(take.duration * run.tpf), takes=[]))
            entry.takes.append(PlacedTake(letter=take.take, path=take.path, track=take.track,
                                          hasVideo=take.has_video, hasAudio=take.mode in ("audio", "both"),
                                          inTicks=str(take.head * run.tpf),
                                          outTicks=str((take.head + take.duration) * run.tpf)))
        return BridgeReport(id=run.id, report=run.report, ranges=list(ranges.values()))

    def conform(self, run: BridgeRun, picks: dict[str, str]) -> ConformResponse:
        report = self.bridge_report(run)
        known = {r.name: r for r in report.ranges}
        for name, letter in picks.items():
            if name not in known:
                raise InputError(f"picks: no range '{name}' in run '{run.id}'",
                                 hint="ranges: " + ", ".join(sorted(known)))
            if letter not in {t.letter for t in known[name].takes}:
                raise InputError(f"picks: range '{name}' has no take {letter}",
                                 hint="takes: " + ", ".join(t.letter for t in known[name].takes))
        final = Path(run.output).with_name(Path(run.output).stem.replace(".retakes", "") + f".conformed-"
                                           f"{time.strftime('%Y%m%d-%H%M%S')}.otio")
        outputs, chosen = pipeline.conform_file(run.output, final, picks=picks, force=True)
        ranges = []
        for name, letter in chosen.items():
            rng = known[name]
            take = next(t for t in rng.takes if t.letter == letter)
            ranges.append(ConformedRange(name=name, letter=letter, path=take.path, mode=rng.mode,
                                         trackIndex=rng.trackIndex, startTicks=rng.startTicks,
                                         durationTicks=rng.durationTicks, inTicks=take.inTicks,
                                         outTicks=take.outTicks))
        return ConformResponse(outputs=[str(p) for p in outputs], picks=chosen, ranges=ranges)
