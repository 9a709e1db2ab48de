"""Runs the bridge did not start: ``otio-retake run`` (or ``resume``) over a workspace under the bridge's root.

Such a run is known only by what it wrote: a row of its journal's ``runs``
table (the arguments, with who ran it: ``runner`` = host:pid:random and the
``cwd`` relative paths are from), the jobs and their events, and in the end
its output timeline. Its id is ``cli-<journal digest>-<row id>``, stable across
bridge restarts. Its events are the journal's state changes from its start to
the next run's start; whether it still runs is whether its process lives (this
machine) or holds a live lease (another). Runs the bridge started itself carry
``bridge_run`` in their arguments and are the RunManager's own.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio

from .. import pipeline, processes
from ..contract import TICKS_PER_SECOND, ProgressMessage, Report, ReportTake, RunStatus
from ..errors import InputError, RetakeError
from ..jobs.store import JOURNAL_NAME, JobState, Journal
from ..jobs.store.base import holder_is_dead
from ..timeline.conform import available_takes
from ..timeline.info import global_start_frames, timeline_rate
from .words import words_for

__all__ = ["JournalRun", "find_journal_runs", "KIND_OF_STATE"]

# A journal state as the step the panel already shows for runs it started (runner ProgressEvent kinds).
KIND_OF_STATE = {JobState.PLANNED: "planned", JobState.EXCERPTED: "excerpt", JobState.UPLOADED: "upload",
                 JobState.SUBMITTING: "submit", JobState.SUBMITTED: "queued",
                 JobState.FINISHED_REMOTELY: "download", JobState.DOWNLOADED: "splice",
                 JobState.TAKE_READY: "done", JobState.FAILED: "failed", JobState.CANCELLED: "cancelled",
                 JobState.EXPIRED: "expired"}
_FINISHED = {JobState.TAKE_READY, JobState.FAILED, JobState.CANCELLED, JobState.EXPIRED}
_STOP_WAIT = 20.0  # seconds a command-line run gets to stop after Ctrl-C before its jobs are cancelled anyway


def _epoch(iso: str) -> float:
    return dt.datetime.fromisoformat(iso).timestamp()


def _process(owner: str | None) -> int | None:
    """The pid of a runner identity of this machine that still runs an otio-retake, else None."""
    if not owner or holder_is_dead(owner):
        return None
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return None
    # A reused pid is another program: never signalled, never taken for the run.
    return int(pid) if processes.runs_otio_retake(int(pid)) else None


@dataclass
class JournalRun:
    """One recorded run of a workspace's journal; attributes as a BridgeRun's where the API reads them."""

    id: str
    journal_path: Path
    row: int
    started_at: str
    until: str | None  # the next run's start: this run's events end there
    arguments: dict
    cancelled_note: str | None = None
    cancelling: bool = False  # between the bridge's Ctrl-C and the jobs cancelled at the host: still running
    _report: Report | None = None
    _frames: tuple[int, int] | None = None  # (ticks per frame, start frame) of the output
    _name: tuple[int, str] | None = None  # (the timeline's mtime, the sequence name it holds)

    origin = "command line"

    # ------------------------------------------------------------------ what it was asked
    def _path(self, key: str) -> Path | None:
        value = self.arguments.get(key)
        if not value:
            return None
        path = Path(value)
        return Path(os.path.normpath(path if path.is_absolute() else Path(self.arguments.get("cwd") or ".") / path))

    @property
    def workspace(self) -> str:
        return str(self.journal_path.parent)

    @property
    def timeline(self) -> str:
        return str(self._path("timeline") or "")

    @property
    def output(self) -> str:
        return str(self._path("output") or "")

    @property
    def provider(self) -> str:
        return str(self.arguments.get("provider") or "preview")

    @property
    def sequence(self) -> str:
        """The sequence's name for a panel's timeline (an .otio keeps it), else the file's stem."""
        path = self._path("timeline")
        if path is None:
            return ""
        if path.suffix == ".otio":
            try:
                stamp = path.stat().st_mtime_ns
                if self._name is None or self._name[0] != stamp:  # read again only when the file changed
                    with path.open(encoding="utf-8") as handle:
                        self._name = (stamp, str(json.load(handle).get("name") or ""))
                if self._name[1]:
                    return self._name[1]
            except (OSError, ValueError, AttributeError):
                pass
        return path.stem

    def open(self) -> Journal:
        return Journal(self.journal_path)

    # ------------------------------------------------------------------ where it is
    def pid(self) -> int | None:
        return _process(self.arguments.get("runner"))

    def state(self, journal: Journal | None = None) -> tuple[str, str | None, str | None, int, int]:
        """(status, error, hint, takes total, takes finished), from the process, the output and the journal
        (``journal``: an open one to read, as a stream polls it)."""
        opened = journal is None
        journal = journal or self.open()
        try:
            records = [r for r in journal.all() if self.until is None or r.created_at < self.until]
            live_lease = any(journal.holder(r.plan_key) for r in records if r.claimed_by)
        finally:
            if opened:
                journal.close()
        total = sum(len(r.takes) for r in records)
        finished = sum(len(r.takes) for r in records if r.state in _FINISHED)
        resume = f"`otio-retake resume {self.workspace}` continues it (paid jobs are reused)"
        owner = self.arguments.get("runner")
        here = bool(owner) and owner.partition(":")[0] == socket.gethostname()
        output = self._path("output")
        written = output is not None and output.exists() and output.stat().st_mtime >= _epoch(self.started_at) - 2
        if self.cancelling or (self.until is None and (self.pid() is not None or (not here and live_lease))):
            if not written:
                return "running", None, None, total, finished
        if written:
            return "done", None, None, total, finished
        states = {r.state for r in records if r.updated_at >= self.started_at}
        if self.cancelled_note is not None or JobState.CANCELLED in states:
            return "cancelled", "cancelled", self.cancelled_note, total, finished
        failed = [r for r in records if r.state in (JobState.FAILED, JobState.EXPIRED)
                  and r.updated_at >= self.started_at]
        if failed:
            lines = "; ".join(f"{r.range_name} take {r.takes}: {r.error or r.state}" for r in failed[:5])
            return "failed", lines, f"fix what it says, then {resume}", total, finished
        if records and all(r.state == JobState.TAKE_READY for r in records):
            return "done", None, None, total, finished  # an output the bridge cannot see (EDL: one per track)
        return "interrupted", "the command line run stopped before it finished", resume, total, finished

    @property
    def status(self) -> str:
        return self.state()[0]

    def status_body(self) -> RunStatus:
        status, error, hint, total, finished = self.state()
        return RunStatus(id=self.id, sequence=self.sequence, status=status, provider=self.provider,
                         workspace=self.workspace, output=self.output, takes_total=total, takes_finished=finished,
                         error=error, hint=hint, origin=self.origin, timeline=self.timeline,
                         started_at=self.started_at)

    # ------------------------------------------------------------------ progress
    async def messages(self, after: int, poll: float) -> AsyncIterator[ProgressMessage | None]:
        """The journal's events of this run after event ``after``, as they are committed, then its end;
        None whenever a poll found nothing (for keep-alives)."""
        import asyncio
        journal = await asyncio.to_thread(self.open)
        try:
            while True:
                rows = await asyncio.to_thread(journal.events_since, after, since=self.started_at, until=self.until)
                if not rows:
                    status = await asyncio.to_thread(lambda: self.state(journal)[:2])
                    if status[0] != "running":  # the last events were committed before it stopped
                        rows = await asyncio.to_thread(journal.events_since, after, since=self.started_at,
                                                       until=self.until)
                for event_id, _at, range_name, takes, state, detail in rows:
                    after = event_id
                    kind = KIND_OF_STATE.get(state, state)
                    info = {"state": state, **({"reason": detail} if kind == "failed" and detail else {}),
                            **({"note": detail} if detail else {})}
                    yield ProgressMessage(seq=event_id, kind=kind, range=range_name, take=takes,
                                          elapsed=round(_epoch(_at) - _epoch(self.started_at), 3), detail=info,
                                          words=words_for(kind, info, self.provider))
                if rows:
                    continue
                if status[0] != "running":
                    yield ProgressMessage(seq=after + 1, kind="end", detail={"status": status[0], "error": status[1]},
                                          words=words_for("end", {}, self.provider))
                    return
                yield None
                await asyncio.sleep(poll)
        finally:
            journal.close()

    # ------------------------------------------------------------------ cancel
    def cancel(self) -> None:
        """Stop the process as Ctrl-C would (this machine), then cancel its jobs at the host the way
        `otio-retake cancel` does."""
        self.cancelling = True
        try:
            self._cancel()
        finally:
            self.cancelling = False

    def _cancel(self) -> None:
        pid = self.pid()
        if pid is not None and not processes.interrupt(pid):
            pid = None
        deadline = time.monotonic() + _STOP_WAIT
        while pid is not None and self.pid() is not None and time.monotonic() < deadline:
            time.sleep(0.05)
        journal = self.open()
        try:
            urls = pipeline.parse_base_urls(self.arguments.get("base_urls") or [], self.provider)
            done = pipeline.cancel_jobs(journal, base_urls=urls, results_root=self.journal_path.parent)
        except RetakeError as exc:  # e.g. no key where the bridge runs: the run has stopped all the same
            self.cancelled_note = f"the jobs could not be cancelled at the host: {exc.message}"
            return
        finally:
            journal.close()
        notes = [f"{o.range_name} take {o.takes}: {o.note}" for o in done]
        self.cancelled_note = "; ".join(notes) or "no job was at the host yet"

    # ------------------------------------------------------------------ results
    def _read_output(self) -> otio.schema.Timeline:
        output = self._path("output")
        if output is None or output.suffix != ".otio":
            raise InputError(f"run '{self.id}' wrote {output or 'no output'}: only an .otio output keeps where each "
                             "take goes", hint="run it with `-o NAME.otio` (other formats can be written from it)")
        return otio.adapters.read_from_file(str(output))

    @property
    def report(self) -> Report | None:
        if self._report is not None:
            return self._report
        if self.status != "done":
            return None
        timeline = self._read_output()
        rate = timeline_rate(timeline)
        tpf = Fraction(TICKS_PER_SECOND) / rate
        if tpf.denominator != 1:
            raise InputError(f"{self.output}: {float(rate):g} fps is not a whole number of Premiere ticks per frame")
        self._frames = (int(tpf), global_start_frames(timeline, rate))
        refs = available_takes(timeline)
        video = {(t.range_name, t.letter) for t in refs if t.kind == otio.schema.TrackKind.Video}
        takes, seen = [], set()
        for ref in refs:
            if (ref.range_name, ref.letter) in seen:
                continue
            seen.add((ref.range_name, ref.letter))
            meta = ref.clip.metadata["otio_retake"]
            head, tail = (list(meta.get("handles") or [0, 0]) + [0, 0])[:2]
            checks = meta.get("checks") or {}
            takes.append(ReportTake(
                range=ref.range_name, take=ref.letter, mode=ref.mode, prompt=str(meta.get("prompt", "")),
                record_frame=int(meta["record_in_frame"]), duration=ref.duration,
                record_in=str(meta.get("record_in", "")), record_out=str(meta.get("record_out", "")),
                path=str(meta["take_file"]), head=int(head), tail=int(tail),
                has_video=(ref.range_name, ref.letter) in video, track=f"Retake {ref.letter}",
                job_id=meta.get("job_id"), host=meta.get("host"), track_index=ref.track_index,
                context_match=bool(checks.get("context_match", True)), section_ok=bool(checks.get("section_ok", True)),
                marker_id=str(meta.get("marker_id") or "")))
        journal = self.open()
        try:
            records = [r for r in journal.all() if self.until is None or r.created_at < self.until]
            sent = {row[2:4] for row in journal.events_since(0, since=self.started_at, until=self.until)
                    if row[4] == JobState.SUBMITTING}
        finally:
            journal.close()
        reported = [r.cost_reported for r in records if r.cost_reported is not None]
        self._report = Report(outputs=[self.output], workspace=self.workspace, takes=takes, warnings=[],
                              submitted=len(sent), reused=len(records) - len(sent),
                              estimated_usd=round(sum(r.cost_estimate or 0 for r in records), 4),
                              reported_usd=round(sum(reported), 4) if reported else None)
        return self._report

    @property
    def tpf(self) -> int:
        if self._frames is None:
            _ = self.report
        return self._frames[0]

    @property
    def start_frame(self) -> int:
        if self._frames is None:
            _ = self.report
        return self._frames[1]


def _digest(path: Path) -> str:
    return hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:8]


def find_journal_runs(root: Path, known: dict[str, JournalRun]) -> dict[str, JournalRun]:
    """Every run recorded in a workspace journal under ``root`` and not started by the bridge; ``known``
    (the last answer) keeps what the bridge learnt about a run, e.g. that it cancelled it."""
    found: dict[str, JournalRun] = {}
    for path in sorted(Path(root).rglob(JOURNAL_NAME)):
        try:
            journal = Journal(path)
            try:
                rows = [(r["id"], r["started_at"], r["arguments"]) for r in reversed(journal.runs())]
            finally:
                journal.close()
        except Exception:  # a journal another version writes, or half a file: not this bridge's to list
            continue
        digest = _digest(path)
        for n, (row, started_at, arguments) in enumerate(rows):
            if arguments.get("bridge_run"):
                continue
            run_id = f"cli-{digest}-{row}"
            until = rows[n + 1][1] if n + 1 < len(rows) else None
            run = known.get(run_id)
            if run is None:
                run = JournalRun(id=run_id, journal_path=path, row=row, started_at=started_at, until=until,
                                 arguments=arguments)
            run.until = until
            found[run_id] = run
    return found
