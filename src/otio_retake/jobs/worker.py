"""Team mode's worker: takes queued jobs from a shared journal (``--jobs`` at a time) and does each one whole.

A run queued with ``run --queue`` stored its settings in the journal (the
timeline, host, base-url overrides, handles, codecs, workspace; never a key)
and marked its jobs with its run id. A worker claims the oldest queued job
nobody holds (``claim_next``: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL),
rebuilds that run's runner from the settings (``build``, given by the command
line, which knows how ``run`` builds one) and runs the job exactly as ``run``
would: excerpt, upload, submit, poll, download, verify, splice. Its claim is
renewed by the runner's heartbeat; if the worker dies, the claim runs out and
another worker takes the job over from the journal's state.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import AuthenticationError, CostLimitError, InsufficientCreditsError, MissingKeyError
from .runner import ExpiredResultError, UnresolvedSubmitError
from .store import Store
from .store.base import WORKABLE_STATES, holder_is_dead

# A job failing so waits for a person (resubmit it or not, pay again or not, raise the budget): workers leave it,
# and `run` (or `resume`) of its timeline says what it needs.
NEEDS_A_PERSON = (UnresolvedSubmitError, ExpiredResultError, CostLimitError)
WORKER_TRIES = 3  # a job still workable after failing this often in one worker leaves the queue
# This machine cannot do the host's jobs at all (its key is missing or refused, its account has no credit): the
# worker stops, and the job stays queued for a worker that can, instead of each job failing here in turn.
STOPS_THE_WORKER = (MissingKeyError, AuthenticationError, InsufficientCreditsError)

__all__ = ["WorkerReport", "work"]


@dataclass
class WorkerReport:
    done: list[str] = field(default_factory=list)  # "range take (run id)"
    failed: list[tuple[str, Exception]] = field(default_factory=list)


def work(journal: Store, build: Callable[[str, dict], tuple[Callable, dict]], *, owner: str, lease_seconds: float,
         until_idle: bool, jobs: int = 1, idle_poll: float = 0.5,
         on_job: Callable[[str, Exception | None], None] | None = None) -> WorkerReport:
    """Claim and run queued jobs until stopped (or, with ``until_idle``, until none is queued or claimed),
    ``jobs`` at a time: tasks of one event loop, sharing one runner per queued run (its host clients, journal
    connection and heartbeat), as the jobs of one ``run`` do. Ctrl-C stops it as it stops ``run``.

    ``build(run_id, settings)`` -> (a function making a fresh Runner, {plan_key: the job's plans})."""
    return asyncio.run(_work(journal, build, owner=owner, lease_seconds=lease_seconds, until_idle=until_idle,
                             jobs=max(1, jobs), idle_poll=idle_poll, on_job=on_job))


async def _work(journal: Store, build, *, owner, lease_seconds, until_idle, jobs, idle_poll, on_job) -> WorkerReport:
    report = WorkerReport()
    tries: dict[str, int] = {}  # this worker's failed tries of each job still workable (_hold_back)
    runs: dict[str, asyncio.Future] = {}  # run id -> (its jobs, its runner): built once, by whichever task is first
    raised: list[BaseException] = []

    async def take_jobs() -> None:
        try:
            await _jobs(journal, build, runs, owner=owner, lease_seconds=lease_seconds, until_idle=until_idle,
                        idle_poll=idle_poll, on_job=on_job, stop=lambda: bool(raised), report=report, tries=tries)
        except Exception as exc:  # the others finish the job they are on, then this is what the caller sees
            raised.append(exc)

    try:
        # Every task to its end, even cancelled (Ctrl-C): one cancelled first must not close the runners under a
        # paid submit another is letting finish (runner._submit_through_cancel).
        await asyncio.gather(*(take_jobs() for _ in range(jobs)), return_exceptions=True)
    finally:
        for built in runs.values():
            runner = built.result()[1] if built.done() and not built.cancelled() and not built.exception() else None
            if runner is not None:
                with contextlib.suppress(Exception):
                    await runner.aclose()
    if raised:
        raise raised[0]
    return report


def _hold_back(journal: Store, key: str, owner: str, lease_seconds: float, tries: dict[str, int], why: str) -> None:
    """A job that failed but is still workable (a download that kept failing: paid, and resumable) is not claimed
    again at once, by this worker or another: held for one lease, then free; after WORKER_TRIES failures in this
    worker it leaves the queue, and `run` of its timeline (or `resume`) tries it again when a person asks."""
    record = journal.get(key)
    if record is None or record.state not in WORKABLE_STATES:
        return  # failed for good (refused at submit, the job failed at the host): not worked on again anyway
    tries[key] = tries.get(key, 0) + 1
    if tries[key] >= WORKER_TRIES:
        journal.unqueue(key, owner, f"left the queue after {tries[key]} failed tries in worker {owner}: {why}")
    elif journal.claim(key, owner, lease_seconds) is not None:  # the claim keeps every worker off it meanwhile
        journal.move(key, record.state, detail=f"failed in worker {owner} ({why}); tried again in "
                                               f"{lease_seconds:g} s")


async def _run_of(journal: Store, build, runs: dict[str, asyncio.Future], run_id: str, owner: str):
    """A queued run's jobs and its runner (None, {} when its settings are gone), made once per worker: its
    settings never change, and building reads the timeline and its media (off the event loop)."""
    if run_id not in runs:
        async def made():
            settings = journal.queued_run(run_id)
            if settings is None:
                return {}, None
            make_runner, jobs = await asyncio.to_thread(build, run_id, settings)
            runner = make_runner()
            runner.owner = owner  # the claims this worker takes are this runner's
            return jobs, runner
        runs[run_id] = asyncio.ensure_future(made())
    return await asyncio.shield(runs[run_id])


async def _jobs(journal: Store, build, runs, *, owner, lease_seconds, until_idle, idle_poll, on_job, stop, report,
                tries) -> None:
    dead: set[str] = set()  # holders that were processes of this machine and have ended (a crash, a kill)
    while not stop():
        got = journal.claim_next(owner, lease_seconds, dead=dead)
        if got is None:
            if until_idle and journal.queue_busy() == 0:
                break
            # Others hold what is left: it comes back to the queue when their leases run out, at once if they
            # were processes of this machine that have ended.
            ended = {holder for holder in journal.queue_holders() if holder_is_dead(holder)}
            if ended - dead:  # newly found: asked again at once
                dead |= ended
                continue
            await asyncio.sleep(idle_poll)
            continue
        key, run_id, previous = got
        try:
            if previous is not None:
                record = journal.get(key)
                why = "its process on this machine ended" if previous in dead else "its lease ran out"
                journal.move(key, record.state, detail=f"taken over from {previous} ({why})")
            jobs, runner = await _run_of(journal, build, runs, run_id, owner)
            job = jobs.get(key)
            if job is None:  # the timeline or its media changed since it was queued: not this job any more
                journal.move(key, "failed", error=f"queued run {run_id}: the job is no longer in its timeline",
                             detail="dropped by a worker")
                journal.release(key, owner)
                continue
            where = f"range '{job[0].range.name}' take {job[0].take_letter} (run {run_id})"
            result = await runner.run_more(job)
            error = result.errors[0][1] if result.errors else None
            if isinstance(error, STOPS_THE_WORKER):
                raise error
        except BaseException:  # refused before it started (this machine cannot see the media), the journal lost,
            with contextlib.suppress(Exception):  # or Ctrl-C: given back if the journal can still be told; the
                journal.release(key, owner)       # first error is what the user sees
            raise
        if isinstance(error, NEEDS_A_PERSON):  # retrying cannot help: out of the queue, not claimed again and again
            journal.unqueue(key, owner, f"left the queue: {getattr(error, 'message', error)}")
        elif error is not None:
            _hold_back(journal, key, owner, lease_seconds, tries, getattr(error, "message", str(error)))
        if error is None:
            report.done.append(where)
        else:
            report.failed.append((where, error))
        if on_job is not None:
            on_job(where, error)
