"""One run as every surface runs it: the command line, the bridge and the review window.

A ``RunSession`` is built from a run's ``RunSettings``. It loads and plans, builds the runner, checks the
cost (once, here), runs, and says how the run ended:

    pending -> running -> done | failed | cancelled

``run()`` runs in the calling thread and raises what stopped it (the command line prints it);
``run_requests()`` is the review window's run (batches of takes, no timeline written); ``start()`` runs
either in a thread of its own and never raises: ``status``, ``error`` and ``hint`` say how it ended, then
``on_end`` is called (the bridge and the window). ``cancel()`` is safe from any thread: it stops the run's
event loop (a paid submit in flight finishes, so its job is journaled) and the jobs still at the hosts are
cancelled there, as `otio-retake cancel` does.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Literal

from . import pipeline
from .contract import RunSettings
from .errors import RetakeError
from .jobs.progress import FINAL, ProgressHub
from .jobs.runner import ProgressEvent, Runner, cancel_run_loop
from .model import RetakePlan, Take

__all__ = ["RunSession", "RunStatusName", "CANCELLED_BY_USER", "ProgressEvent", "FINAL"]

RunStatusName = Literal["pending", "running", "done", "failed", "cancelled"]
CANCELLED_BY_USER = "cancelled by the editor"


class RunSession:
    def __init__(self, settings: RunSettings, *, on_event: Callable[[ProgressEvent], None] | None = None,
                 on_warning: Callable[[str], None] | None = None, budget_usd: float | None = None,
                 on_end: Callable[[RunSession], None] | None = None, loaded: pipeline.Loaded | None = None
                 ) -> None:
        """``loaded``: the timeline already read and planned (the review window's), for ``run_requests``."""
        self.settings = settings
        self.hub = ProgressHub()
        if on_event is not None:
            self.hub.subscribe(on_event)
        self.on_warning = on_warning
        self.budget_usd = budget_usd
        self.on_end = on_end
        self.status: RunStatusName = "pending"
        self.error: str | None = None
        self.hint: str | None = None
        self.result: pipeline.RunResult | None = None
        self.loaded: pipeline.Loaded | None = loaded
        self.plans: list[RetakePlan] = []
        self.runner: Runner | None = None
        self.thread: threading.Thread | None = None
        self.outcome: tuple[list[Take], list[tuple[str, str]], bool] | None = None  # run_requests'
        self._loop: asyncio.AbstractEventLoop | None = None
        self._cancel = False
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ before any money is spent
    def prepare(self) -> list[RetakePlan]:
        """Load and plan the settings' timeline and build the runner; the plans this machine can run (a range
        whose media is not here is left out and said in ``loaded.skipped``). Refused with nothing to run."""
        loaded, plans = pipeline.load_and_plan(self.settings, on_warning=self.on_warning)
        plans = pipeline.ready_plans(loaded, plans)
        if not plans:
            raise pipeline.nothing_to_do(loaded)
        self.loaded, self.plans = loaded, plans
        self.runner = pipeline.runner_for(self.settings, loaded, on_event=self._on_event,
                                          budget_usd=self.budget_usd)
        return plans

    def expired_notices(self) -> list[str]:
        return pipeline.expired_notices(self.runner, self.plans)

    def enqueue(self) -> pipeline.QueuedRun:
        """Queue the prepared run's jobs in the shared journal for workers (`run --queue`)."""
        return pipeline.enqueue(self.loaded, self.plans, self.runner, self.settings)

    # ------------------------------------------------------------------ the run
    def run(self, *, confirm: Callable[[float], bool] | None = None) -> pipeline.RunResult:
        """Run in this thread (``prepare`` first if not yet done); raises what stopped it, ``status`` says it."""
        self.status = "running"
        try:
            if self.runner is None:
                self.prepare()
            self.result = pipeline.run(self.loaded, self.plans, self.settings.output, runner=self.runner,
                                       force=self.settings.force, max_cost=self.settings.max_cost, confirm=confirm,
                                       settings=self.settings)
        except BaseException as exc:
            self._ended(exc)
            raise
        self._ended(None)
        return self.result

    def start(self, requests: dict[int, list[RetakePlan]] | None = None) -> threading.Thread:
        """Run in a thread of its own (``requests``: see ``run_requests``); ``on_end(self)`` when it has ended,
        whichever way."""
        def work() -> None:
            try:
                if requests is None:
                    self.run()
                else:
                    self.outcome = self.run_requests(requests)
            except BaseException:  # noqa: BLE001 - said by status/error/hint, heard by on_end
                pass
            if self.on_end is not None:
                self.on_end(self)

        self.status = "running"
        self.thread = threading.Thread(target=work, name="retake-run", daemon=True)
        self.thread.start()
        return self.thread

    def run_requests(self, requests: dict[int, list[RetakePlan]]
                     ) -> tuple[list[Take], list[tuple[str, str]], bool]:
        """The review window's run: each request's plans through a runner of its own, in turn (a new take never
        regroups the jobs of the others), writing no timeline; a cancel leaves the jobs at the hosts for a
        resume. (the takes made, (where, message) of each failure, cancelled)."""
        self.status = "running"
        takes: list[Take] = []
        errors: list[tuple[str, str]] = []
        for plans in requests.values():
            if self._cancel:
                break
            try:
                runner = pipeline.runner_for(self.settings, self.loaded, on_event=self._on_event)
                try:
                    report = runner.run(plans)
                finally:
                    runner.journal.close()
            except asyncio.CancelledError:
                break
            except RetakeError as exc:
                errors += [(f"{p.range.name} take {p.take_letter}", str(exc)) for p in plans]
                continue
            except Exception as exc:  # noqa: BLE001 - an internal error is shown in words, not lost in a thread
                errors += [(f"{p.range.name} take {p.take_letter}", f"internal error: {type(exc).__name__}: {exc}")
                           for p in plans]
                continue
            finally:
                with self._lock:
                    self._loop = None
            takes += report.takes
            errors += [(where, str(exc)) for where, exc in report.errors]
        self.status = "cancelled" if self._cancel else "failed" if errors else "done"
        return takes, errors, self._cancel

    def _ended(self, exc: BaseException | None) -> None:
        """The exception that stopped the run, as a status and the words for the user."""
        if exc is None:
            status, error, hint = "done", None, None
        elif isinstance(exc, asyncio.CancelledError) or (self._cancel and isinstance(exc, RetakeError)):
            # a job cut off mid-request ends as an error of its own: the user's cancel wins
            status, error, hint = "cancelled", CANCELLED_BY_USER, self._cancel_at_hosts()
        elif isinstance(exc, RetakeError):
            status, error, hint = "failed", exc.message, exc.hint
        elif isinstance(exc, Exception):  # a bug: whoever follows the run must still hear that it stopped
            status, error = "failed", f"internal error: {type(exc).__name__}: {exc}"
            hint = "this is a bug in otio-retake; the journal keeps what was done"
        else:  # KeyboardInterrupt, SystemExit: the process stops
            status, error, hint = "cancelled", CANCELLED_BY_USER, None
        self.error, self.hint = error, hint
        self.status = status  # last: a reader that sees the end sees its reason too

    # ------------------------------------------------------------------ progress and cancel
    def _on_event(self, event: ProgressEvent) -> None:
        """Called by the runner inside its event loop: the place to learn the loop, for cancel."""
        with self._lock:
            learned = self._loop is None
            if learned:
                self._loop = asyncio.get_running_loop()
        if learned and self._cancel:
            cancel_run_loop(self._loop)
        self.hub.publish(event)

    def cancel(self) -> None:
        with self._lock:
            self._cancel = True
            loop = self._loop
        if loop is not None and not loop.is_closed():
            cancel_run_loop(loop)

    @property
    def cancelled(self) -> bool:
        return self._cancel

    def _cancel_at_hosts(self) -> str:
        """What `otio-retake cancel` does for this run's workspace: cancel the jobs still at the host."""
        workspace = self.runner.workspace.root if self.runner is not None else self.settings.path("workspace")
        if workspace is None or not (workspace / "jobs.sqlite").exists():
            return "nothing had been sent"
        try:
            journal = pipeline.journal_for(workspace)
            try:
                done = pipeline.cancel_jobs(journal, base_urls=pipeline.parse_base_urls(self.settings.base_urls,
                                                                                       self.settings.provider),
                                            results_root=workspace)
            finally:
                journal.close()
        except RetakeError as exc:
            return f"the jobs could not be cancelled at the host: {exc.message}"
        return "; ".join(f"{o.range_name} take {o.takes}: {o.note}" for o in done) or "no job was at the host yet"
