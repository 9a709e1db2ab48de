"""The journal's administration, for `status`, `resume`, `cancel`, `run --queue` and `worker`: which journal,
which run to resume, cancelling jobs at their hosts, queueing a run's jobs, doing queued jobs. A run itself
is ``pipeline.run``'s; what here needs a run built (the worker) is given a function that builds it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, ResultExpiredError, RetakeError
from ..media.work import MEDIA_THREADS, media_processes as in_media_processes
from ..model import RetakePlan
from ..providers import make_provider
from ..providers.base import Cancelled, Failed, Succeeded
from ..providers.base_urls import parse_base_urls
from .cost import check_cost
from .plan import jobs_for
from .runner import Runner
from .store import (ACTIVE_STATES, JOURNAL_ENV, JOURNAL_NAME, JobState, Journal, Store, is_shared, open_journal,
                    runner_identity)
from .worker import NEEDS_A_PERSON, WorkerReport, work

__all__ = ["CancelOutcome", "QueuedRun", "cancel_jobs", "cancel_run", "enqueue", "journal_for", "needs_a_person",
           "run_to_resume", "work_queue"]


UNSENT_STATES = frozenset({JobState.PLANNED, JobState.EXCERPTED, JobState.UPLOADED})


KEPT_NOTE = "already finished: its result is kept (the next run uses it, nothing is paid again)"


@dataclass(frozen=True)
class CancelOutcome:
    """What `cancel` did with one job: ``cancelled`` False for a job left as it was (finished at the host)."""

    range_name: str
    takes: str
    note: str
    cancelled: bool = True


async def _stop_at_host(provider, handle) -> tuple[bool, str]:
    """(mark the job cancelled?, what happened) for a job the host has. A job the host has finished is never
    marked cancelled, whether it finished before the cancel or while it was sent: it is paid, and the next run
    fetches its result instead of paying for it again. The same for a host that cannot cancel (LTX): its job
    runs on and is billed."""
    async def status():
        try:
            return await provider.poll(handle)
        except ResultExpiredError:
            return "gone"
        except RetakeError:
            return None  # could not ask: cancel all the same

    now = await status()
    if isinstance(now, Succeeded):
        return False, KEPT_NOTE
    if now == "gone":
        return True, f"gone at {provider.name} (nothing left to stop)"
    if isinstance(now, (Failed, Cancelled)):
        return True, f"had already ended at {provider.name} without a result (nothing left to stop)"
    try:
        if await provider.cancel(handle):
            return True, "cancelled at the host"
    except RetakeError as exc:
        return True, f"could not cancel at {provider.name}: {exc.message}"
    if isinstance(await status(), Succeeded):  # finished between the look and the cancel
        return False, KEPT_NOTE
    return False, (f"{provider.name} cannot cancel a job: it runs on and is billed, so it is kept (the next run "
                   "uses its result, nothing is paid again)")


def cancel_jobs(journal, *, base_urls: dict[str, str], results_root: Path, range_names=(),
                include_expired: bool = False, plan_keys: set[str] | None = None) -> list[CancelOutcome]:
    """Cancel at the host (where it can) every job of ``journal`` (or those of ``plan_keys``) still there, and
    those not yet sent (a queued run's: no worker takes them), and mark them cancelled; with ``include_expired``
    also give up jobs whose result expired. A job the host has already finished (or cannot stop) keeps its
    place and its result. What happened to each job."""
    wanted = ACTIVE_STATES | UNSENT_STATES | ({JobState.EXPIRED} if include_expired else set())

    async def cancel_all() -> list[CancelOutcome]:
        outcomes = []
        for record in journal.all():
            if record.state not in wanted or (range_names and record.range_name not in range_names) or \
                    (plan_keys is not None and record.plan_key not in plan_keys):
                continue
            cancel, note = True, "cancelled before the host answered"
            if record.state in UNSENT_STATES:
                note = "cancelled before it was sent (nothing paid)"
            elif record.state == JobState.EXPIRED:
                note = "given up: its result had expired at the host (a run submits it again only if asked)"
            elif record.state == JobState.FINISHED_REMOTELY:
                cancel, note = False, KEPT_NOTE
            elif record.handle is not None:
                provider = make_provider(record.provider, results_dir=results_root / "engine",
                                         base_url=base_urls.get(record.provider))
                try:
                    cancel, note = await _stop_at_host(provider, record.handle)
                finally:
                    await provider.aclose()
            if cancel:
                journal.cancel(record.plan_key, note)  # a runner holding it finds it cancelled before it would submit
            outcomes.append(CancelOutcome(record.range_name, record.takes, note, cancel))
        return outcomes

    return asyncio.run(cancel_all())


RECENT_RUNS = 20  # the runs a resume without a run id looks at (a facility's journal keeps every run)


def run_to_resume(journal, *, run_id: str | None = None, timeline: Path | None = None,
                  shared: bool = False) -> dict:
    """The run ``resume`` runs again: ``run_id``'s, else the latest of ``timeline``, else the journal's latest.

    On a shared journal (other people's runs too) the latest is taken only while the recent runs are all of one
    timeline; otherwise the user is asked which, with the runs listed."""
    where = journal.url
    if run_id:
        found = journal.find_run(run_id)
        if found is None:
            raise InputError(f"{where}: no run '{run_id}' in the journal",
                             hint="`otio-retake status --journal URL` lists the runs with their ids")
        return found
    recent = journal.runs(limit=RECENT_RUNS)
    if not recent:
        raise InputError(f"{where}: the journal has no run to resume")
    if timeline is not None:
        wanted = Path(timeline).resolve()
        for run in recent + journal.runs()[RECENT_RUNS:]:
            stored = run["arguments"].get("timeline")
            if stored and Path(stored).resolve() == wanted:
                return run
        raise InputError(f"{where}: no run of {timeline} in the journal",
                         hint="give the timeline as it was given to `run`, or --run ID (`otio-retake status` "
                              "lists the runs)")
    timelines = {run["arguments"].get("timeline") for run in recent}
    if shared and len(timelines) > 1:
        listing = "\n".join(f"  - run {run['run_id']} ({run['started_at']}): {run['arguments'].get('timeline')}"
                            for run in recent[:5])
        raise InputError(f"{where}: the journal holds runs of {len(timelines)} timelines, whose to resume?\n{listing}",
                         hint="otio-retake resume --journal URL --run ID, or give the timeline: "
                              "otio-retake resume --journal URL TIMELINE")
    return recent[0]


@dataclass
class QueuedRun:
    run_id: str
    jobs: int
    journal_url: str
    output: str


def enqueue(plans: list[RetakePlan], runner: Runner, *, queued: dict, recorded: dict, max_cost: float | None
            ) -> QueuedRun:
    """Plan every job of ``plans`` in the runner's (shared) journal and queue it with the run's settings as the
    journal stores them: ``queued`` for the workers (``RunSettings.stored(for_queue=True)``: paths absolute, so
    any machine that sees the same folders runs it as this one would), ``recorded`` for `resume`. Refused over
    ``max_cost``."""
    import uuid
    runner.planner.check(plans)
    pending = runner.planner.pending_cost(plans, runner.journal)
    check_cost(pending, max_cost, hint="retake fewer ranges, or raise --max-cost")
    keys = []
    for job in jobs_for(plans):
        first = job[0]
        key = runner.planner.plan_key(job)
        runner.journal.plan(key, range_name=first.range.name, takes="".join(p.take_letter for p in job),
                            provider=first.provider, model=runner.pool.provider(first.provider).model,
                            cost_estimate=first.cost_usd)
        keys.append(key)
    run_id = uuid.uuid4().hex[:12]
    runner.journal.queue_run(run_id, queued, keys)
    runner.journal.record_run(recorded, run_id=run_id, plan_keys=keys)  # one id: `resume --run` takes it
    return QueuedRun(run_id, len(keys), runner.journal.url, queued["output"])


def journal_for(target: Path | None, url: str | None = None) -> Store:
    """The journal a URL names, or that of a workspace folder, or of a timeline's default workspace; one that
    does not exist is refused, never made (status, resume and cancel read a journal a run wrote)."""
    if url:
        return open_journal(url, create=False,
                            missing_hint="check the path in the URL: this command reads a journal a run made "
                                         "(`otio-retake run --journal URL` makes one), and makes none itself")
    if target is None:
        raise InputError("which journal? give a workspace folder or a timeline, or --journal URL",
                         hint=f"e.g. `otio-retake status shots.retake` or `--journal postgresql://HOST/DB` "
                              f"(or set {JOURNAL_ENV})")
    root = target if target.is_dir() else target.with_name(target.stem + ".retake")  # "v1.2/" is a folder too
    if not (root / JOURNAL_NAME).exists():
        raise InputError(f"{target}: no otio-retake journal found (looked in {root})",
                         hint="give the workspace folder of a run, or the timeline it was run on")
    return Journal(root / JOURNAL_NAME)


def cancel_run(target: Path | None, url: str | None = None, range_names=(), *, run_id: str | None = None,
               every_run: bool = False) -> tuple[str | None, list[CancelOutcome], list[CancelOutcome]]:
    """``cancel_jobs`` at the hosts the run used: on a workspace's journal its jobs; on a shared journal (every
    workstation's and worker's) only one run's, ``run_id``'s or the latest of the ``target`` timeline's, unless
    ``every_run``; a job that a run of another timeline has too (one identity, one job) is kept, and said.
    (the run id, or None for every job; what was cancelled; what was kept)."""
    shared = is_shared(url)
    journal = journal_for(None if shared else target, url)
    keys = None
    if run_id or (shared and not every_run):
        if not run_id and target is None:
            raise InputError(f"{journal.url} is a shared journal (other people's runs are in it too): say whose "
                             "jobs to cancel", hint="give the timeline (its latest run), --run RUN_ID (`otio-retake "
                             "status --journal URL` lists the runs), or --all for every job in the journal")
        run = run_to_resume(journal, run_id=run_id, timeline=target if shared else None, shared=shared)
        run_id = run["run_id"]
        keys = set(journal.run_job_keys(run_id))
        if not keys:
            raise InputError(f"{journal.url}: run {run_id} has no jobs recorded (started by an older otio-retake?)",
                             hint="cancel by --range NAME on its workspace, or --all on the shared journal")
        last = run["arguments"]
        kept = _shared_with_other_timelines(journal, keys, run)
        keys -= {key for key, _ in kept}
    else:
        last, kept = journal.last_run() or {}, []
    base_urls = parse_base_urls(last.get("base_urls") or [], last.get("provider") or "preview")
    root = journal.path.parent if isinstance(journal, Journal) else Path(last.get("workspace") or ".")
    done = cancel_jobs(journal, base_urls=base_urls, results_root=root, range_names=range_names,
                       include_expired=True, plan_keys=keys)
    records = {r.plan_key: r for r in journal.all()} if kept else {}
    left = [CancelOutcome(records[key].range_name, records[key].takes, why, cancelled=False) for key, why in kept
            if key in records and (not range_names or records[key].range_name in range_names)]
    return run_id, [o for o in done if o.cancelled], [o for o in done if not o.cancelled] + left


def _shared_with_other_timelines(journal, keys: set[str], run: dict) -> list[tuple[str, str]]:
    """(key, why) of the run's jobs that a run of another timeline has too: cancelling one would cancel both."""
    mine = run["arguments"].get("timeline")
    timelines: dict[str, str | None] = {}
    kept = []
    for key in sorted(keys):
        for other in journal.runs_with_job(key):
            if other == run["run_id"]:
                continue
            if other not in timelines:
                found = journal.find_run(other)
                timelines[other] = found["arguments"].get("timeline") if found else None
            if timelines[other] != mine:
                kept.append((key, f"kept: run {other} of {timelines[other]} has this job too (cancel that run as "
                                  "well, or pass --all)"))
                break
    return kept


def needs_a_person(error: Exception) -> bool:
    """A worker's failed job that left the queue for a person to decide (`run` of its timeline says what)."""
    return isinstance(error, NEEDS_A_PERSON)


def work_queue(url: str | None, build: Callable, *, lease: float, until_idle: bool, jobs: int,
               media_processes: int | None = None, on_job: Callable[[str, Exception | None], None] | None = None,
               on_start: Callable[[str, str], None] | None = None) -> WorkerReport:
    """Do queued jobs of a shared journal (`run --queue`) as `run` would, each queued run's runner made by
    ``build(run_id, stored settings)`` (see ``worker.work``), cutting and splicing in ``media_processes`` child
    processes (None: one per core); ``on_start(owner, journal url)``."""
    if not url:
        raise InputError("a worker needs the shared journal: --journal postgresql://USER@HOST/DB",
                         hint=f"or set {JOURNAL_ENV}")
    store = open_journal(url, create=False,
                         missing_hint="a worker does the jobs queued in a journal, and one that does not exist has "
                                      "none: check the path in the URL, or queue a run into it first "
                                      "(`otio-retake run TIMELINE -o OUT --journal URL --queue`)")
    owner = runner_identity()

    if on_start is not None:
        on_start(owner, store.url)
    # Dozens of jobs in flight: media work and the event loops apart (media/work.py).
    with in_media_processes(media_processes or MEDIA_THREADS):
        return work(store, build, owner=owner, lease_seconds=lease, until_idle=until_idle, jobs=jobs, on_job=on_job)
