"""RetakePlans -> Takes through the journal: excerpt, upload, submit, poll, download, splice.

One asyncio loop drives every job; excerpt rendering and splicing run in
worker threads so polling never stalls. Jobs are limited per host (the
host's own limit unless told otherwise) and globally.

Every step is written to the journal before and after it happens, so the
same command run again continues where the last one stopped:

    take_ready (files present)  -> reused, nothing sent
    finished_remotely / downloaded -> downloaded (again if needed) and spliced
    submitted                   -> polling resumes from the stored handle
    submitting (answer lost)    -> looked up in the host's own records where it has them
                                   (Runware task ids, GMI and Oxen job lists): polled if found,
                                   submitted if not; otherwise the run stops for that job and
                                   asks (``resubmit_unknown``)
    expired (result gone, 404/410) -> submitted again, paid again (the run says so first), unless
                                   ``resubmit_expired`` is off: then the run stops for that job
    planned / excerpted / uploaded, failed, cancelled -> submitted (again)

Every take is its own job at the host (never one job with several results),
so that a lost answer is matched back to one take only, and each take is a
separate generation. A job's key, and the names of every file it writes,
come from its identity (identity.py): a changed request never reuses an old file.

Checks that cost nothing (missing media, edits we cannot render) run for
all plans before the first upload.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import opentimelineio as otio

from ..errors import (CostLimitError, DownloadError, EngineError, HostError, JobCancelledError, JobFailedError,
                      JournalError, MissingMediaError, ResultExpiredError, SubmitOutcomeUnknownError)
from ..media.excerpt import ExcerptInfo, render_excerpt
from ..media.probe import check_download, probe
from ..media.splice import TakeOptions, splice_take
from ..media.work import run_media_work
from ..model import JOB_STATE_ORDER, RetakePlan, Take
from ..paths import atomic_path, path_to_url
from ..providers.base import Cancelled, Failed, JobHandle, Provider, Queued, RetakeRequest, Succeeded
from ..timeline.info import timeline_rate
from ..timeline.relink import MediaResolver
from .identity import JobIdentity, idempotency_key
from .pace import PACE
from .plan import JobPlanner, UnresolvedSubmitError, jobs_for, sends_seed
from .pool import HostPool
from .progress import ProgressEvent
from .store import DEFAULT_LEASE_SECONDS, JobState, Journal, Store, open_journal, runner_identity
from .store.base import holder_is_dead
from .store.offloop import OffLoop
from .workspace import Workspace

__all__ = ["Runner", "ProgressEvent", "RunReport", "idempotency_key", "DEFAULT_HANDLES", "UnresolvedSubmitError",
           "ExpiredResultError", "sends_seed", "file_sha256"]

DEFAULT_HANDLES = TakeOptions.handles  # half a second at 24 fps: room to trim a cut without re-generating
_ORDER = {state: i for i, state in enumerate(JOB_STATE_ORDER)}


PAID_SUBMIT = "otio-retake: a paid submit in flight"  # the task a cancel lets finish (see _submit_through_cancel)


def cancel_run_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel a run going on in ``loop``, from another thread (a panel's or a window's Cancel): every task but a
    paid submit in flight, which finishes so its job is journaled (and can be cancelled at the host)."""
    def cancel_all() -> None:
        for task in asyncio.all_tasks(loop):
            if task.get_name() != PAID_SUBMIT:
                task.cancel()
    with contextlib.suppress(RuntimeError):  # the loop ended meanwhile
        loop.call_soon_threadsafe(cancel_all)


class ExpiredResultError(EngineError):
    """A paid job whose result the host no longer has; only a new (paid) submit gets it back."""


def file_sha256(path: Path) -> str:
    """The take file's digest, kept in the journal: whether a file named for people is still the one a job cut."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class RunReport:
    takes: list[Take]
    errors: list[tuple[str, Exception]]  # (range and take, error)
    estimated_usd: float
    reported_usd: float | None
    submitted: int
    reused: int
    submitted_usd: float = 0.0  # the estimate of what this run sent (``estimated_usd`` is every job's)
    recut: int = 0  # jobs whose takes were cut again from a result paid for before this run


class Runner:
    def __init__(self, timeline: otio.schema.Timeline, resolver: MediaResolver, pool: HostPool,
                 workspace: Workspace, *, take_options: TakeOptions = TakeOptions(),
                 poll_interval: float | None = None, resubmit_unknown: bool = False,
                 resubmit_expired: bool = True, journal_url: str | None = None,
                 lease_seconds: float = DEFAULT_LEASE_SECONDS, budget_scope: str | None = None,
                 on_event: Callable[[ProgressEvent], None] | None = None) -> None:
        self.timeline = timeline
        self.resolver = resolver
        self.pool = pool
        self.workspace = workspace
        self._journal: Store | None = None
        self.journal_url = journal_url  # None: the workspace's own SQLite file
        self.lease_seconds = lease_seconds
        self.owner = runner_identity()  # who holds this runner's claims in the journal
        self.budget_scope = budget_scope
        self.take_options = take_options
        self.poll_interval = poll_interval
        self.resubmit_unknown = resubmit_unknown
        self.resubmit_expired = resubmit_expired
        self._lookups: dict[str, asyncio.Lock] = {}  # one lost-submit lookup per host at a time
        self.on_event = on_event or (lambda event: None)
        self.rate = timeline_rate(timeline)
        self._started = time.monotonic()
        self._excerpts: dict[tuple, asyncio.Task[ExcerptInfo]] = {}
        self.planner = JobPlanner(timeline, resolver, pool, workspace)  # segments, checks, job keys: jobs/plan.py
        self._submitted = 0
        self._submitted_usd = 0.0
        self._sent: set[str] = set()  # keys of the jobs this run submitted
        self._recut = 0
        self._submitted_at: dict[str, float] = {}  # this run's submits: when (PACE)
        self._queued_scopes: dict[str, str | None] = {}  # queued run id -> the budget it was queued under
        self._reused = 0
        self._sizes: dict[Path, tuple[int, int] | None] = {}
        self._leases_lost: str | None = None  # why, once the heartbeat could not renew this runner's claims
        self._running = 0  # calls of _run_all going on (a worker runs several jobs at once on one runner)
        self._beating: asyncio.Future | None = None
        self.db = OffLoop(lambda: self.journal)  # the journal's steps from coroutines: off the event loop

    @property
    def journal(self) -> Store:
        """Opened on first use, so that a run refused by its checks leaves no workspace behind."""
        if self._journal is None:
            self._journal = open_journal(self.journal_url) if self.journal_url else \
                Journal.for_workspace(self.workspace.create().root)
        return self._journal

    # ----------------------------------------------------------------------------- running
    def run(self, plans: list[RetakePlan]) -> RunReport:
        self.planner.check(plans)
        self.workspace.create()
        self.planner.adopt_legacy(plans, self.journal)
        return asyncio.run(self._run_all(plans))

    async def run_more(self, plans: list[RetakePlan]) -> RunReport:
        """``run`` in the caller's event loop, keeping the hosts' clients open for the next call: a worker doing
        job after job of one run keeps one runner (its connections, journal and timeline index). ``aclose``
        when done."""
        self.planner.check(plans)
        self.workspace.create()
        return await self._run_all(plans, close=False)

    async def aclose(self) -> None:
        await self.pool.aclose()
        self.db.shutdown()
        if self._journal is not None:
            self._journal.close()

    async def _run_all(self, plans: list[RetakePlan], close: bool = True) -> RunReport:
        jobs = jobs_for(plans)

        async def one(job: list[RetakePlan]) -> list[Take]:
            return await self.run_job(job, self.pool.provider(job[0].provider))

        # One heartbeat renews all of this runner's claims, however many calls are running (a worker's jobs).
        self._running += 1
        if self._running == 1:
            self._beating = asyncio.ensure_future(self._heartbeat())
        try:
            done = await asyncio.gather(*(one(job) for job in jobs), return_exceptions=True)
        finally:
            self._running -= 1
            if self._running == 0:
                self._beating.cancel()
            if close:
                await self.pool.aclose()
        self._holding()  # a run that lost its claims ends with that error, not a list of its consequences
        takes: list[Take] = []
        errors: list[tuple[str, Exception]] = []
        for job, result in zip(jobs, done):
            if isinstance(result, BaseException):
                if not isinstance(result, Exception):
                    raise result
                errors.append((f"{job[0].range.name} take {''.join(p.take_letter for p in job)}", result))
            else:
                takes += result
        order = {(p.range.name, p.take_index): i for i, p in enumerate(plans)}
        takes.sort(key=lambda t: order[(t.range.name, t.plan.take_index)])
        reported = [t.metadata.get("cost_usd") for t in takes if t.metadata.get("cost_reported")]
        return RunReport(takes=takes, errors=errors, estimated_usd=round(sum(j[0].cost_usd for j in jobs), 4),
                         reported_usd=round(sum(reported), 4) if reported else None, submitted=self._submitted,
                         reused=self._reused, submitted_usd=round(self._submitted_usd, 4), recut=self._recut)

    def _emit(self, kind: str, plan: RetakePlan, **detail) -> None:
        self.on_event(ProgressEvent(kind, plan.range.name, plan.take_letter, time.monotonic() - self._started, detail))

    async def _excerpt(self, plan: RetakePlan, provider: Provider, identity: JobIdentity) -> ExcerptInfo:
        key = identity.excerpt
        cached = self._excerpts.get(key)
        if cached is not None and cached.done() and (cached.cancelled() or cached.exception() is not None):
            del self._excerpts[key]  # a failed cut is tried again by the next job, not handed on
        if key not in self._excerpts:  # takes of one window (on one host's encode) share one excerpt
            self._emit("excerpt", plan, frames=plan.context_frames)
            self._excerpts[key] = asyncio.ensure_future(run_media_work(
                render_excerpt, self.planner.segments(plan), self.workspace.excerpt_path(plan, key[:12]),
                rate=self.rate, limits=provider.limits))
        return await self._excerpts[key]

    def request_for(self, plans: list[RetakePlan], provider: Provider, video: str, identity: JobIdentity,
                    attempt: int) -> RetakeRequest:
        first = plans[0]
        rng = first.range
        return RetakeRequest(video=video, start_seconds=float(first.section_start),
                             duration_seconds=float(first.section_duration), prompt=rng.prompt, mode=rng.mode,
                             seed=first.seed if sends_seed(provider) else None, variations=len(plans),
                             input_seconds=first.context_seconds, idempotency_key=idempotency_key(identity, attempt),
                             take_marker=f"{identity.short}-{attempt}")

    async def run_job(self, plans: list[RetakePlan], provider: Provider) -> list[Take]:
        """One job at the host for one or more takes of a range, resumed from the journal."""
        first = plans[0]
        identity = self.planner.identity(plans)
        key = identity.key
        record = await self.db.plan(key, range_name=first.range.name, takes="".join(p.take_letter for p in plans),
                                    provider=provider.name, model=provider.model, cost_estimate=first.cost_usd)
        if record.state == JobState.TAKE_READY:
            takes = self._reuse(record, plans)
            if takes is not None:
                return takes
        # One runner at a time works on a job (another process, another machine on a shared journal): the
        # others wait for it and reuse what it made, and take over only once its lease has run out.
        record = await self._claim(key, plans)
        try:
            return await self._run_claimed(key, plans, provider, identity, record)
        finally:
            await self.db.release(key, self.owner)

    def _reuse(self, record, plans: list[RetakePlan]) -> list[Take] | None:
        takes = self._takes_from(record, plans)
        if takes is not None:
            self._reused += 1
            for take in takes:
                self._emit("reused", take.plan, take=take.path)
        return takes

    async def _claim(self, key: str, plans: list[RetakePlan]):
        """The job's record once this runner holds its claim (re-read: the last holder may have moved it)."""
        waited = False
        while True:
            self._holding()
            dead = None
            taken = await self.db.claim(key, self.owner, self.lease_seconds)
            if taken is None:  # held: by a process of this machine that has ended (a crash, a kill)? It gives way.
                holder = await self.db.holder(key)
                dead = holder.owner if holder is not None and holder_is_dead(holder.owner) else None
                if dead is not None:
                    taken = await self.db.claim(key, self.owner, self.lease_seconds, dead=dead)
            if taken is not None:
                record = await self.db.get(key)
                if taken not in ("free", "own"):  # said in the journal too: who was working on it, and where it was
                    why = "its process has ended" if taken == dead else "its lease ran out"
                    await self.db.move(key, record.state, detail=f"taken over from {taken} ({why})")
                    self._emit("takeover", plans[0], previous=taken, state=record.state)
                return record
            if not waited:
                holder = await self.db.holder(key)
                self._emit("waiting", plans[0], holder=holder.owner if holder else None)
                waited = True
            await asyncio.sleep(min(1.0, max(0.05, self.lease_seconds / 10)))

    @contextlib.asynccontextmanager
    async def _facility_slot(self, host: str, key: str, limit: int | None = None):
        """On a journal given by URL (shared by runners and machines), a place at the host is the facility's:
        held in the journal's slot table, renewed with the leases, so the host's limit holds across all of them."""
        if not self.journal_url:
            yield
            return
        limit = self.pool.limit(host) if limit is None else limit
        while True:
            self._holding()
            slot = await self.db.take_slot(host, limit, self.owner, key, self.lease_seconds)
            if slot is not None:
                break
            await asyncio.sleep(0.1)
        try:
            yield
        finally:
            await self.db.release_slot(host, slot, self.owner)

    async def _heartbeat(self) -> None:
        """Renew this runner's leases while it lives: a runner that dies lets them run out.

        A renewal that fails is tried again (the store retries a lost connection itself too) until the leases are
        two thirds gone; then this runner stops starting work (``_holding``) before another may take its jobs
        over, and the run ends with a JournalError that says so."""
        interval = self.lease_seconds / 3
        last_ok = time.monotonic()
        while True:
            await asyncio.sleep(interval)
            while True:
                try:
                    await asyncio.to_thread(self.journal.renew, self.owner, self.lease_seconds)
                    last_ok = time.monotonic()
                    break
                except Exception as exc:  # any failure of the store: the claims are not renewed
                    retry = min(1.0, interval)
                    if time.monotonic() + retry >= last_ok + self.lease_seconds * 2 / 3:
                        self._leases_lost = getattr(exc, "message", None) or str(exc) or type(exc).__name__
                        return
                    await asyncio.sleep(retry)

    def _holding(self) -> None:
        """Go on only while this runner can hold its claims: once its heartbeat has failed, no new paid work
        (submits), no more waiting or polling; what is in flight at the host stays in the journal for later."""
        if self._leases_lost is not None:
            raise JournalError(
                f"could not renew this run's claims on its jobs in the journal at {self.journal.url} "
                f"({self._leases_lost}); stopped before its leases ran out, so that no two runners ever work on "
                f"one job", hint="check that the journal is reachable from this machine, then run the same "
                "command again: paid jobs are not lost (results already downloaded stay, and `otio-retake status` "
                "shows what is in flight)")

    async def _run_claimed(self, key: str, plans: list[RetakePlan], provider: Provider, identity: JobIdentity,
                           record) -> list[Take]:
        first = plans[0]
        if record.state == JobState.TAKE_READY:
            takes = self._reuse(record, plans)
            if takes is not None:
                return takes
            # Files gone or cut differently: cut again from the paid result, never submit again.
            await self.db.move(key, JobState.FINISHED_REMOTELY, detail="re-splicing (takes missing or options changed)")
            record = await self.db.get(key)
        attempt = record.attempt
        if record.state == JobState.EXPIRED:
            where = f"range '{first.range.name}' take {first.take_letter} ({first.range.origin})"
            if not self.resubmit_expired:
                raise ExpiredResultError(
                    f"{where}: the {provider.name} result of job {record.handle.job_id if record.handle else '?'} "
                    f"has expired at the host ({record.error or 'gone'}); getting it back means paying for it again "
                    f"(about ${first.cost_usd:.2f})",
                    # Not `resume`: it runs the last run again, --no-resubmit-expired included.
                    hint=f"run the same command without --no-resubmit-expired to submit it again, or `otio-retake "
                         f"cancel {self.workspace.root} --range {first.range.name}` to give it up")
            self._emit("expired", first, cost_usd=first.cost_usd)
        if record.state == JobState.CANCELLED and record.handle is not None:
            record = await self._finished_though_cancelled(key, provider, record)
        if record.state in (JobState.FAILED, JobState.CANCELLED, JobState.EXPIRED):
            attempt += 1
            await self.db.move(key, JobState.PLANNED, attempt=attempt, error=None, handle=None, result_urls=None,
                               detail=f"attempt {attempt} after {record.state}" + (
                                   f": submitted again, about ${first.cost_usd:.2f}"
                                   if record.state == JobState.EXPIRED else ""))
            record = await self.db.get(key)
        excerpt = await self._excerpt(first, provider, identity)
        state = record.state
        if _ORDER.get(state, 0) < _ORDER[JobState.EXCERPTED]:
            await self.db.move(key, JobState.EXCERPTED)
        handle = record.handle
        if _ORDER.get(state, 0) >= _ORDER[JobState.FINISHED_REMOTELY]:
            status = Succeeded(result_urls=tuple(record.result_urls), cost_usd=record.cost_reported)
        else:
            # A place at the host is held only while the host works: excerpts and splices run outside it.
            async with self.pool.slot(provider.name), self._facility_slot(provider.name, key):
                if state == JobState.SUBMITTING:  # the last run sent it and lost the answer
                    handle = await self._resolve_unknown(key, plans, provider, excerpt, identity, attempt)
                    if handle is None:
                        handle = await self._submit(key, plans, provider, excerpt, identity, attempt,
                                                    await self._budget_scope(record))
                elif _ORDER.get(state, 0) < _ORDER[JobState.SUBMITTED]:
                    handle = await self._submit(key, plans, provider, excerpt, identity, attempt,
                                                await self._budget_scope(record))
                status = await self._wait(key, plans, provider, handle)
        return await self._finish(key, plans, provider, handle, status, excerpt, identity)

    async def _finished_though_cancelled(self, key: str, provider: Provider, record):
        """The record again, moved on to its paid result when the host finished the job it was cancelled with
        (an earlier otio-retake marked a finished job cancelled, or a host that cannot cancel ran it on): a
        cancelled job is sent again only when the host has no result for it."""
        try:
            status = await provider.poll(record.handle)
        except HostError:
            return record  # gone, or the host cannot say: submitted again, as cancelled jobs are
        if not isinstance(status, Succeeded):
            return record
        await self.db.move(key, JobState.FINISHED_REMOTELY, result_urls=list(status.result_urls),
                           cost_reported=status.cost_usd,
                           detail="cancelled, but the host had finished it: its paid result is used")
        return await self.db.get(key)

    @contextlib.asynccontextmanager
    async def _lookup_turn(self, provider: Provider, key: str):
        """One lost-submit lookup per host at a time (facility-wide on a shared journal), and, where the host's
        jobs are matched by what was asked, no lookup while a submit is between the host taking it and the
        journal holding its job id: otherwise the lookup sees that fresh job unclaimed and a second take adopts
        it (two takes, one generation, one take's paid job never used)."""
        async with self._lookups.setdefault(provider.name, asyncio.Lock()):
            async with self._facility_slot(f"{provider.name} lookups", key, limit=1):
                yield

    async def _claimed(self, provider: Provider, key: str) -> set[str]:
        """Job ids at this host that other journal rows already hold: never adopted by a second take."""
        return await self.db.held_job_ids(provider.name, key)

    async def _resolve_unknown(self, key: str, plans: list[RetakePlan], provider: Provider, excerpt: ExcerptInfo,
                               identity: JobIdentity, attempt: int) -> JobHandle | None:
        first = plans[0]
        video = await provider.upload(excerpt.path)
        request = self.request_for(plans, provider, video, identity, attempt)
        # The claim is written before the next lookup or submit: two takes whose requests look alike (no seed
        # at the host) each get their own job, never the same one twice.
        async with self._lookup_turn(provider, key):
            handle = await provider.find_job(request, exclude=frozenset(await self._claimed(provider, key)))
            if handle is not None:
                await self.db.move(key, JobState.SUBMITTED, handle=handle,
                                   detail="found at the host after a lost answer")
                return handle
        if provider.can_find_jobs:  # looked up and not there: it was never taken
            await self.db.move(key, JobState.UPLOADED, detail="not found at the host: submitting it")
            return None
        if not self.resubmit_unknown:
            raise UnresolvedSubmitError(
                f"range '{first.range.name}' take {first.take_letter}: a submit to {provider.name} was sent but its "
                f"answer was lost, and {provider.name} offers no way to look the job up",
                hint="check the host's dashboard; if the job is not there, run again with --resubmit-unknown "
                     "(if it is, that generation may be paid twice)")
        await self.db.move(key, JobState.UPLOADED, detail="resubmitting an unknown submit (--resubmit-unknown)")
        return None

    async def _budget_scope(self, record) -> str | None:
        """The budget a job is charged to: the run's --budget-scope, else the one a run queued with it gave (a
        later `run` finishing a queued run spends the production's budget, not past it, also after a worker
        took the job out of the queue)."""
        if self.budget_scope or not self.journal_url:  # a workspace's own journal has no queued runs
            return self.budget_scope
        for run_id in await self.db.runs_with_job(record.plan_key):
            if run_id not in self._queued_scopes:
                settings = await self.db.queued_run(run_id) or {}
                self._queued_scopes[run_id] = settings.get("budget_scope")
            if self._queued_scopes[run_id]:
                return self._queued_scopes[run_id]
        return None

    async def _submit(self, key: str, plans: list[RetakePlan], provider: Provider, excerpt: ExcerptInfo,
                      identity: JobIdentity, attempt: int, scope: str | None = None) -> JobHandle:
        first = plans[0]
        if scope:  # charged before the paid request (and before an upload it could not pay for), with the check
            # Once per attempt: a lost submit looked up, not found and sent again was charged when first sent.
            charged, spent, limit = await self.db.spend(scope, first.cost_usd, key, attempt)
            if not charged:
                message = (f"not submitted, the budget '{scope}' " + (
                    f"has ${limit - spent:.2f} of ${limit:.2f} left and this job would cost about "
                    f"${first.cost_usd:.2f}" if limit is not None else "has no limit set"))
                await self.db.move(key, JobState.EXCERPTED, detail=message, error=message)
                raise CostLimitError(f"range '{first.range.name}' take {first.take_letter}: {message}",
                                     hint="raise it with --budget-usd N --budget-scope NAME, or retake fewer ranges")
        self._emit("upload", first)
        video = await provider.upload(excerpt.path)
        await self.db.move(key, JobState.UPLOADED)
        request = self.request_for(plans, provider, video, identity, attempt)
        stored = {"start_seconds": request.start_seconds, "duration_seconds": request.duration_seconds,
                  "prompt": request.prompt, "mode": request.mode.value, "seed": request.seed,
                  "variations": request.variations, "take_marker": request.take_marker,
                  "video": video if not video.startswith("data:") else f"inline ({len(video)} bytes)"}
        turn = self._lookup_turn(provider, key) if provider.finds_jobs_by_request \
            else contextlib.nullcontext()
        async with turn:
            # Nothing awaited from here to the request: "submitting" is journaled only when it is sent (a cancel
            # while waiting for the turn leaves the job uploaded, not a submit to look up).
            self._holding()  # the last check before money is spent
            if await self.db.claim(key, self.owner, self.lease_seconds) != "own":  # renewed, and still ours
                await self._cancelled_meanwhile(key, first, "not submitted")  # `otio-retake cancel` drops the claim
                raise EngineError(f"range '{first.range.name}' take {first.take_letter}: another runner took this "
                                  "job over (this one's lease ran out); not submitting it a second time",
                                  hint="run the same command again: it waits for that runner and reuses its take")
            await self.db.move(key, JobState.SUBMITTING, request=stored, idempotency_key=request.idempotency_key,
                               error=None)
            self._emit("submit", first, takes=len(plans))
            try:
                handle, cancelled = await self._submit_through_cancel(provider, request)
            except SubmitOutcomeUnknownError:
                raise  # stays "submitting": the next run resolves it
            except HostError as exc:  # the host refused: nothing was started
                await self.db.move(key, JobState.FAILED, error=exc.message, detail="refused at submit")
                raise
            self._submitted += 1
            self._submitted_usd += plans[0].cost_usd
            self._sent.add(key)
            self._submitted_at[key] = time.monotonic()
            await self.db.move(key, JobState.SUBMITTED, handle=handle)
        if cancelled:
            raise asyncio.CancelledError
        return handle

    @staticmethod
    async def _submit_through_cancel(provider: Provider, request: RetakeRequest) -> tuple[JobHandle, bool]:
        """(handle, whether the run was cancelled meanwhile): the paid request is let finish through a cancel,
        since the host may already have taken it and only a job whose id is journaled can be cancelled there."""
        sending = asyncio.get_running_loop().create_task(provider.submit(request), name=PAID_SUBMIT)
        cancelled = False
        while True:
            try:
                return await asyncio.shield(sending), cancelled
            except asyncio.CancelledError:
                if sending.cancelled():
                    raise
                # However often the run is cancelled meanwhile (a window cancels at each event it gets): one
                # request, bounded by the client's timeout; its errors are met as any submit's are.
                cancelled = True

    async def _wait(self, key: str, plans: list[RetakePlan], provider: Provider, handle: JobHandle) -> Succeeded:
        first = plans[0]
        interval = self.poll_interval if self.poll_interval is not None else provider.poll_seconds
        submitted_at = self._submitted_at.pop(key, None)  # None: sent by an earlier run, when is not known
        host = (provider.name, provider.model, provider.base_url)  # another address: another host
        running_since = None
        try:
            if submitted_at is not None:
                await asyncio.sleep(PACE.first_poll(host, time.monotonic() - submitted_at))
                self._holding()
            status = await provider.poll(handle)
            while not isinstance(status, (Succeeded, Failed, Cancelled)):
                kind = "queued" if isinstance(status, Queued) else "running"
                self._emit(kind, first, position=getattr(status, "position", None), job_id=handle.job_id,
                           progress=getattr(status, "progress", None))  # a share 0-1 where the host says it
                if kind == "running" and running_since is None and submitted_at is not None:
                    running_since = time.monotonic()
                    PACE.started(host, running_since - submitted_at, interval)
                since = time.monotonic() - running_since if running_since is not None else None
                await asyncio.sleep(PACE.next_poll(host, since, interval))
                self._holding()
                status = await provider.poll(handle)
            if isinstance(status, Succeeded) and running_since is not None:
                PACE.finished(host, time.monotonic() - running_since, interval)
        except ResultExpiredError as exc:  # the host no longer has the job: paid, and gone
            await self.db.move(key, JobState.EXPIRED, error=exc.message, detail="job expired at the host")
            raise self._expired_error(plans, provider, handle, exc) from None
        rng = first.range
        if isinstance(status, (Failed, Cancelled)):
            await self._cancelled_meanwhile(key, first, f"the {provider.name} job {handle.job_id} was stopped")
        if isinstance(status, Failed):
            await self.db.move(key, JobState.FAILED, error=status.reason)
            self._emit("failed", first, reason=status.reason)
            raise JobFailedError(f"range '{rng.name}' take {first.take_letter} ({rng.origin}): the {provider.name} "
                                 f"job {handle.job_id} failed: {status.reason}",
                                 hint="change the prompt or the range if the host's reason says so; running again "
                                      f"submits it again (about ${first.cost_usd:.2f})")
        if isinstance(status, Cancelled):
            await self.db.move(key, JobState.CANCELLED, detail="cancelled at the host")
            raise JobFailedError(f"range '{rng.name}' take {first.take_letter}: job {handle.job_id} was cancelled")
        if len(status.result_urls) < len(plans):
            await self.db.move(key, JobState.FAILED, error="too few results")
            raise JobFailedError(f"range '{rng.name}': the {provider.name} job {handle.job_id} returned "
                                 f"{len(status.result_urls)} result(s) for {len(plans)} take(s)")
        await self.db.move(key, JobState.FINISHED_REMOTELY, result_urls=list(status.result_urls),
                           cost_reported=status.cost_usd)
        return status

    async def _cancelled_meanwhile(self, key: str, first: RetakePlan, what: str) -> None:
        """Raise if `otio-retake cancel` cancelled the job while this runner had it."""
        record = await self.db.get(key)
        if record is not None and record.state == JobState.CANCELLED:
            raise JobCancelledError(f"range '{first.range.name}' take {first.take_letter}: cancelled in the "
                                    f"journal meanwhile; {what}",
                                    hint="run the timeline again to retake it (a cancelled job is sent again)")

    def _expired_error(self, plans: list[RetakePlan], provider: Provider, handle: JobHandle | None,
                       exc: HostError) -> ExpiredResultError:
        first = plans[0]
        return ExpiredResultError(
            f"range '{first.range.name}' take {first.take_letter} ({first.range.origin}): the {provider.name} job "
            f"{handle.job_id if handle else '?'} or its result is gone at the host ({exc.message})",
            hint=(f"the next run submits it again and pays for it again (about ${first.cost_usd:.2f}); pass "
                  "--no-resubmit-expired to stop instead" if self.resubmit_expired else
                  "a run with --no-resubmit-expired stops at it again; one without it submits it again and pays "
                  f"for it again (about ${first.cost_usd:.2f})")
                 + f", or `otio-retake cancel {self.workspace.root} --range {first.range.name}` to give it up")

    async def _finish(self, key: str, plans: list[RetakePlan], provider: Provider, handle: JobHandle | None,
                      status: Succeeded, excerpt: ExcerptInfo, identity: JobIdentity) -> list[Take]:
        results = []
        for index, plan in enumerate(plans):
            dest = self.workspace.result_path(plan, identity.short)
            if not dest.exists():
                self._emit("download", plan)
                try:
                    await provider.download(status, dest, index=index, verify=check_download)
                except ResultExpiredError as exc:  # 404/410: that URL will never work again
                    await self.db.move(key, JobState.EXPIRED, error=exc.message, detail="result expired at the host")
                    raise self._expired_error(plans, provider, handle, exc) from None
                except DownloadError as exc:
                    raise DownloadError(
                        f"range '{plan.range.name}' take {plan.take_letter} ({plan.range.origin}): {exc.message}",
                        hint=exc.hint or "run the same command again: the paid result is downloaded again, "
                                         "not generated again") from None
            results.append(dest)
        await self.db.move(key, JobState.DOWNLOADED, results=[str(p) for p in results])
        cost = status.cost_usd / len(plans) if status.cost_usd is not None else None
        takes = []
        source_size = self._source_size(plans[0])
        for plan, result_path in zip(plans, results):
            self._emit("splice", plan)
            audio_only = not plan.range.mode.has_video
            take_path = self.workspace.take_path(plan, self._take_key(identity), audio_only, self.take_options.suffix)
            # Cut beside it, then renamed into place: a take in a folder other machines read is whole or absent.
            with atomic_path(take_path) as partial:
                head, tail, check = await run_media_work(
                    splice_take, plan, excerpt=excerpt.path, result=result_path, dest=partial,
                    audio_only=audio_only, options=self.take_options, content=excerpt.content,
                    source_size=source_size)
            takes.append(Take(plan=plan, path=str(take_path), head=head, tail=tail, has_video=not audio_only,
                              has_audio=True, metadata={
                                  "job_id": handle.job_id if handle else None, "host": provider.name,
                                  "model": provider.model, "job_key": identity.key,
                                  "seed": request_seed(plan, provider), "seed_sent": sends_seed(provider),
                                  "cost_usd": cost if cost is not None else plan.cost_usd / len(plans),
                                  "cost_reported": cost is not None,
                                  "excerpt": path_to_url(excerpt.path), "result": path_to_url(result_path),
                                  "checks": check.as_metadata(), "held_source_frames": excerpt.held_frames,
                                  "take_options": self.take_options.as_metadata()}))
            self._emit("done", plan, take=str(take_path), context_match=check.context_match)
        await self.db.move(key, JobState.TAKE_READY, takes_json=[
             {"take_index": t.plan.take_index, "path": t.path, "head": t.head, "tail": t.tail,
              "has_video": t.has_video, "sha256": file_sha256(Path(t.path)), "metadata": t.metadata,
              "record_in": t.range.record_in, "duration": t.range.duration}  # where its marker was (studio)
             for t in takes])
        if key not in self._sent:  # paid before this run: only cut again
            self._recut += 1
        return takes

    def _take_key(self, identity: JobIdentity) -> str:
        """The take file's name: its job and the way it was cut (handles, codec...), so a take an output points
        at is never written over, neither by another request nor by the same one cut another way."""
        options = json.dumps(self.take_options.as_metadata(), sort_keys=True, default=str)
        return hashlib.sha256(f"{identity.key}|{options}".encode()).hexdigest()[:12]

    def _source_size(self, plan: RetakePlan) -> tuple[int, int] | None:
        for seg in self.planner.segments(plan):
            if seg.media is not None:
                path = seg.media.path
                if path not in self._sizes:  # one probe per source file, not per take (a reel has hundreds)
                    info = probe(path)
                    self._sizes[path] = (info.width, info.height) if info.has_video else None
                return self._sizes[path]
        return None

    def _takes_from(self, record, plans: list[RetakePlan]) -> list[Take] | None:
        """The takes a finished job left, if their files are all still there and were cut the same way."""
        by_index = {int(t["take_index"]): t for t in record.takes_json}
        takes = []
        for plan in plans:
            stored = by_index.get(plan.take_index)
            # The file must still be the one this job cut: takes are named by their job (never written over by
            # another), but a journal from an older version named them by range, and people move files.
            if stored is None or not Path(stored["path"]).exists() or \
                    stored["metadata"].get("take_options") != self.take_options.as_metadata() or \
                    stored.get("sha256") != file_sha256(Path(stored["path"])):
                return None
            takes.append(Take(plan=plan, path=stored["path"], head=int(stored["head"]), tail=int(stored["tail"]),
                              has_video=bool(stored["has_video"]), has_audio=True, metadata=dict(stored["metadata"])))
        return takes



def request_seed(plan: RetakePlan, provider: Provider) -> int | None:
    """The seed the request carried: none where the host takes none (so none is listed)."""
    return plan.seed if sends_seed(provider) else None
