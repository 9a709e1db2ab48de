"""The public path through the stages, shared by the CLI, the review window, the bridge and the NLE scripts.

    load()          timeline file -> normalised timeline + marked ranges
    plan()          marked ranges -> RetakePlans within the engine's limits
    run()           plans -> takes -> output timeline file(s)
    conform_file()  a timeline with takes + picks -> the final cut
    relink_report() which media the timeline's clips resolve to

and what the command line's journal commands do (``run``'s settings, ``--queue``, ``status``,
``resume``, ``cancel``, ``worker``), so that no client reaches into the runner or the journal:

    load_and_plan(), runner_for()   a run's RunSettings (contract.py) -> loaded plans, a runner
    enqueue()                       plans -> queued jobs in a shared journal (``run --queue``)
    job_status(), run_to_rerun(), work_queue(), write_report()
    journal_for(), run_to_resume(), cancel_run(), cancel_jobs()   the journal's administration (jobs/admin.py)
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import opentimelineio as otio

from .jobs import admin
from .jobs.admin import (CancelOutcome, QueuedRun, cancel_jobs, cancel_run, journal_for, needs_a_person,
                         run_to_resume)
from .jobs.plan import build_plans, check_windows, jobs_for, skip_of
from .media.probe import probe
from .media.splice import TakeOptions
from .errors import (CostLimitError, JobFailedError, NothingToDoError, RetakeError, RunIncompleteError,
                     SubmitOutcomeUnknownError)
from .jobs.cost import CONFIRM_ABOVE_USD, check_cost
from .jobs.picks import find_picks
from .jobs.pool import HostPool
from .contract import JournalStatus, RelinkedClip, RelinkRow, RunSettings, journal_status, run_report
from .jobs.store import DEFAULT_LEASE_SECONDS, JOURNAL_ENV, JOURNAL_NAME, check_journal_url, is_shared
from .jobs.worker import WorkerReport
from .jobs.runner import DEFAULT_HANDLES, ExpiredResultError, ProgressEvent, RunReport, Runner
from .jobs.workspace import Workspace
from .paths import atomic_write
from .model import MarkedRange, Mode, RetakePlan, Take
from .providers import make_provider, provider_limits
from .providers.base_urls import parse_base_urls
from .timeline.alternates import add_alternates
from .timeline.conform import conform
from .timeline.marks import MarkerFilter, SkippedMarker, find_marked_ranges, require_marked_ranges
from .timeline.read import read_timeline
from .timeline.info import timeline_rate
from .timeline.relink import MediaResolver
from .timeline.segments import TimelineIndex
from .timeline.write import check_output, write_timeline

__all__ = ["Loaded", "open_timeline", "load", "plan", "ready_plans", "nothing_to_do", "make_runner", "run", "RunResult",
           "conform_file", "cancel_jobs", "CancelOutcome",
           "relink_report", "relinked_clips", "parse_base_urls", "RunSettings", "load_and_plan", "runner_for",
           "expired_notices", "pictures", "QueuedRun", "enqueue", "write_report", "journal_for", "JournalStatus", "job_status",
           "run_to_resume", "run_to_rerun", "cancel_run", "work_queue", "needs_a_person", "last_run_settings", "DEFAULT_HANDLES", "DEFAULT_LEASE_SECONDS", "JOURNAL_ENV",
           "check_journal_url", "CONFIRM_ABOVE_USD", "check_cost"]


@dataclass
class Loaded:
    """A read timeline and its markers: ``ranges`` to retake, ``skipped`` the markers left out (by ``load``,
    and by ``plan`` with the reasons it found), ``offline`` what media each range needs that is not on this
    machine (``plan`` lists and prices such ranges; ``run`` leaves them out)."""

    path: Path
    timeline: otio.schema.Timeline
    ranges: list[MarkedRange]
    skipped: list[SkippedMarker]
    resolver: MediaResolver
    warnings: list[str] = field(default_factory=list)  # what reading had to assume (e.g. an EDL's rate)
    offline: dict[str, list[str]] = field(default_factory=dict)
    marker_skips: list[SkippedMarker] | None = None  # the markers ``load`` left out: each plan starts from them

    def __post_init__(self) -> None:
        if self.marker_skips is None:
            self.marker_skips = list(self.skipped)


def open_timeline(path: str | Path, *, fps: str | None = None, markers: str | Path | None = None,
                  media_dirs: list[Path] = (), project: str | None = None
                  ) -> tuple[otio.schema.Timeline, MediaResolver]:
    """Read a timeline and prepare to find its media (no markers needed); ``project``: which of an FCPXML's."""
    path = Path(path)
    timeline = read_timeline(path, fps=fps, markers=markers, media_dirs=list(media_dirs), project=project)
    return timeline, MediaResolver(timeline, timeline_dir=path.resolve().parent, media_dirs=list(media_dirs))


def load(path: str | Path, *, fps: str | None = None, markers: str | Path | None = None,
         media_dirs: list[Path] = (), marker_filter: MarkerFilter = MarkerFilter(), mode: Mode | None = None,
         takes: int | None = None, seed: int | None = None, project: str | None = None,
         picture_track: str | None = None, require: bool = True) -> Loaded:
    """Read the timeline and its markers; with ``require`` none qualifying is a ``NoMarkedRangesError`` (without,
    only when none was found or chosen: ``plan`` lists the ones skipped for a fault of their own)."""
    path = Path(path)
    timeline, resolver = open_timeline(path, fps=fps, markers=markers, media_dirs=media_dirs, project=project)
    ranges, skipped = find_marked_ranges(timeline, marker_filter=marker_filter, default_mode=mode or Mode.VIDEO,
                                         default_takes=takes or 1, default_seed=seed, picture_track=picture_track,
                                         resolver=resolver)
    if require or not any(s.problem for s in skipped):  # none found, or none chosen: said as before
        require_marked_ranges(ranges, skipped, str(path))
    warnings = [str(w) for w in timeline.metadata.get("otio_retake", {}).get("warnings", [])]
    return Loaded(path, timeline, ranges, skipped, resolver, warnings)


def plan(loaded: Loaded, *, provider: str = "preview", widen: bool = False,
         context_seconds: float | None = None, require: bool = True) -> list[RetakePlan]:
    """Plans of every range that can be retaken, checked as ``run`` checks them before it spends anything.

    Each range stands alone: its context is shortened to stop short of what cannot be rendered exactly, and a
    range that still cannot be planned joins ``loaded.skipped`` with its position and reason. A range whose
    media is not on this machine is planned (and priced) and named in ``loaded.offline``. With ``require``,
    no plan at all is a ``NothingToDoError`` listing every marker and why.
    """
    skipped = list(loaded.marker_skips)
    plans = build_plans(loaded.timeline, loaded.ranges, limits_for=provider_limits, provider=provider,
                        widen=widen, context_seconds=context_seconds, skipped=skipped,
                        source=str(loaded.path), resolver=loaded.resolver)
    plans, loaded.offline = check_windows(loaded.timeline, plans, loaded.resolver, skipped=skipped)
    loaded.skipped = sorted(skipped, key=lambda s: (s.record_frame is None, s.record_frame or 0, s.name))
    if require and not plans:
        raise nothing_to_do(loaded)
    return plans


def nothing_to_do(loaded: Loaded) -> NothingToDoError:
    """Every marker was skipped: the error lists each with its position and reason."""
    listing = "\n".join(f"  - {s.listing()}" for s in loaded.skipped)
    return NothingToDoError(f"{loaded.path}: none of the {len(loaded.skipped)} marker(s) can be retaken:\n{listing}")


def ready_plans(loaded: Loaded, plans: list[RetakePlan]) -> list[RetakePlan]:
    """The plans a run makes: a range whose media is not on this machine is left out, and joins
    ``loaded.skipped`` saying which media (once, however often it is asked)."""
    if not loaded.offline:
        return plans
    listed = {s.name for s in loaded.skipped}
    for rng in {p.range.name: p.range for p in plans}.values():
        if rng.name in loaded.offline and rng.name not in listed:
            missing = ", ".join(loaded.offline[rng.name])
            loaded.skipped.append(skip_of(rng, f"its media is not on this machine: {missing} (point at it with "
                                               "--media-dir DIR; `otio-retake relink` lists what is found)"))
    loaded.skipped.sort(key=lambda s: (s.record_frame is None, s.record_frame or 0, s.name))
    return [p for p in plans if p.range.name not in loaded.offline]


def pictures(loaded: Loaded, plans: list[RetakePlan]) -> dict[str, list]:
    """Range name -> the segments its marked frames show (which clips give its picture, ``plan`` says)."""
    index = TimelineIndex(loaded.timeline, timeline_rate(loaded.timeline))
    out = {}
    for rng in dict.fromkeys(p.range for p in plans):
        try:
            out[rng.name] = index.segments(rng.picture, rng.record_in, rng.record_out, loaded.resolver,
                                           range_name=rng.name)
        except RetakeError:  # a range that cannot be rendered is said so where it is skipped, not here
            out[rng.name] = []
    return out


@dataclass
class RunResult:
    takes: list[Take]
    outputs: list[Path]
    timeline: otio.schema.Timeline
    workspace: Workspace
    report: RunReport
    warnings: list[str] = field(default_factory=list)
    skipped: list[SkippedMarker] = field(default_factory=list)  # markers not retaken, with position and reason


def make_runner(loaded: Loaded, *, provider: str = "preview", workspace: Path | None = None,
                handles: int = DEFAULT_HANDLES, take_options: TakeOptions | None = None,
                base_urls: dict[str, str] | None = None, provider_options: dict[str, dict] | None = None,
                poll_interval: float | None = None, concurrency: int | None = None, per_host: int | None = None,
                resubmit_unknown: bool = False, resubmit_expired: bool = True, journal: str | None = None,
                lease_seconds: float | None = None, budget_scope: str | None = None,
                on_event: Callable[[ProgressEvent], None] | None = None) -> Runner:
    ws = Workspace.for_timeline(loaded.path, workspace)
    base_urls = base_urls or {}

    provider_options = provider_options or {}

    def factory(name: str, **options):
        return make_provider(name, results_dir=ws.root / "engine", base_url=base_urls.get(name),
                             **{**provider_options.get(name, {}), **options})

    pool = HostPool(factory, global_limit=concurrency, per_host_limit=per_host)
    return Runner(loaded.timeline, loaded.resolver, pool, ws,
                  take_options=take_options or TakeOptions(handles=handles),
                  poll_interval=poll_interval, resubmit_unknown=resubmit_unknown,
                  resubmit_expired=resubmit_expired, journal_url=journal, budget_scope=budget_scope,
                  **({"lease_seconds": lease_seconds} if lease_seconds else {}), on_event=on_event)


def run(loaded: Loaded, plans: list[RetakePlan], out: str | Path, *, runner: Runner, force: bool = False,
        max_cost: float | None = None, confirm: Callable[[float], bool] | None = None,
        settings: RunSettings | None = None) -> RunResult:
    """Make the takes and write ``out``; refuses over ``max_cost`` or when ``confirm`` says no. With
    ``settings`` the run is recorded in the journal (``resume`` runs it again from them)."""
    out = Path(out)
    check_output(loaded.timeline, out, force=force)  # refuse before any work is done, not after
    runner.workspace.check_writable()
    skipped = list(loaded.skipped)
    plans, offline = check_windows(loaded.timeline, plans, loaded.resolver, skipped=skipped)
    loaded.offline.update(offline)
    loaded.skipped = skipped
    plans = ready_plans(loaded, plans)
    if not plans:
        raise nothing_to_do(loaded)
    runner.planner.check(plans)
    pending = runner.planner.pending_cost(plans, runner.journal)
    check_cost(pending, max_cost, hint="retake fewer ranges, use less context (--context), or raise --max-cost")
    if confirm is not None and not confirm(pending):
        raise CostLimitError(f"not confirmed: the run would cost about ${pending:.2f}")
    if settings is not None:  # with who runs it and from where, so a bridge can follow it; and its jobs (cancel)
        runner.journal.record_run(settings.model_copy(update={"runner": runner.owner,
                                                              "cwd": str(Path.cwd())}).stored(),
                                  plan_keys=[runner.planner.plan_key(job) for job in jobs_for(plans)])
    report = runner.run(plans)
    if report.errors:
        lines = "\n".join(f"  - {where}: {error}" for where, error in report.errors)
        raise RunIncompleteError(
            f"{len(report.errors)} job(s) did not finish ({len(report.takes)} take(s) are ready in "
            f"{runner.workspace.root}):\n{lines}", hint=_rerun_hint([e for _, e in report.errors],
                                                                    resubmit_expired=runner.resubmit_expired))
    takes = report.takes
    # media found by a search are written down, so the output opens again wherever it is written
    result_timeline = add_alternates(loaded.resolver.pinned(loaded.timeline), takes)
    size = _frame_size(loaded)
    if size:
        result_timeline.metadata.setdefault("otio_retake", {})["frame_size"] = list(size)
    outputs = write_timeline(result_timeline, out, force=force)
    warnings = [f"range '{t.range.name}' take {t.plan.take_letter}: the result's context does not match its "
                f"source (difference {t.metadata['checks']['context_difference']:.1f}); check it before use"
                for t in takes if not t.metadata["checks"]["context_match"]]
    warnings += [f"range '{t.range.name}' take {t.plan.take_letter}: the result changed "
                 f"{t.metadata['checks']['section_coverage']:.0%} of the marked frames and "
                 f"{t.metadata['checks']['changed_outside']} frame(s) outside the section (clamped or moved by the "
                 f"host?); check it before use" for t in takes if not t.metadata["checks"]["section_ok"]]
    warnings += [f"range '{t.range.name}': a source ran out, {t.metadata['held_source_frames']} frame(s) held"
                 for t in takes if t.metadata.get("held_source_frames")]
    return RunResult(takes, outputs, result_timeline, runner.workspace, report, warnings, list(loaded.skipped))


def _rerun_hint(errors: list[Exception], *, resubmit_expired: bool = True) -> str:
    """Say "run the same command again" only where running again can help (a passing failure). An expired
    result is one only where the run may pay for it again: with --no-resubmit-expired it stops there again."""
    stuck = [] if resubmit_expired else [e for e in errors if isinstance(e, ExpiredResultError)]
    passing = [e for e in errors if e not in stuck and (
        getattr(e, "retryable", False) or isinstance(e, (SubmitOutcomeUnknownError, JobFailedError,
                                                         ExpiredResultError)))]
    kept = "finished and paid jobs are reused, not paid for twice"
    if any(isinstance(e, ExpiredResultError) for e in passing):
        kept += "; a job whose result expired is paid for again (--no-resubmit-expired to stop)"
    if len(passing) == len(errors):
        return f"run the same command again: {kept}"
    fixes = sorted({e.hint for e in errors if e not in passing and e not in stuck and getattr(e, "hint", None)})
    if stuck:
        fixes.append("run without --no-resubmit-expired to pay for the expired job(s) again, or cancel them as "
                     "said above")
    what = "; ".join(fixes) if fixes else "fix what each error says (a key, credits, the prompt or the input)"
    if passing:
        return f"{what}; then run the same command again ({kept}; the others failed for a passing reason)"
    return f"running again as it is would fail the same way: {what}; then run again ({kept})"


def _frame_size(loaded: Loaded) -> tuple[int, int] | None:
    """The picture size of the cut's first clip with media, for formats that declare one."""
    for clip in loaded.timeline.find_clips():
        media = loaded.resolver.resolve(clip)
        if media is not None:
            info = probe(media.path)
            if info.has_video:
                return info.width, info.height
    return None


def relinked_clips(loaded: Loaded, plans: list[RetakePlan]) -> dict[str, list[RelinkedClip]]:
    """Range name -> the clips of its context window whose media was found by a search, and from what path."""
    index = TimelineIndex(loaded.timeline, timeline_rate(loaded.timeline))
    out: dict[str, list[RelinkedClip]] = {}
    for p in plans:
        rng = p.range
        if rng.name in out:
            continue
        try:
            segments = index.segments(rng.picture, p.context_in, p.context_out, loaded.resolver,
                                      range_name=rng.name)
        except RetakeError:  # a window that cannot be rendered is listed as such elsewhere, not here
            segments = []
        rows = {seg.clip_name: RelinkedClip(clip=seg.clip_name, written=seg.media.written, path=str(seg.media.path),
                                            how=seg.media.how)
                for seg in segments if seg.media is not None and seg.media.relinked}
        out[rng.name] = list(rows.values())
    return out


def relink_report(timeline: otio.schema.Timeline, resolver: MediaResolver) -> list[RelinkRow]:
    """One row per media the timeline's clips use: where it was found (and how), or that it is missing."""
    rows: dict[str, dict] = {}
    for clip in timeline.find_clips():
        found = resolver.resolve(clip)
        key = str(found.path) if found else resolver.describe(clip)
        row = rows.setdefault(key, {"clips": [], "path": str(found.path) if found else None,
                                    "how": found.how if found else "missing", "start_frame": found.start_frame
                                    if found else None, "wanted": resolver.describe(clip)})
        row["clips"].append(clip.name)
    return [RelinkRow(**row) for row in rows.values()]


def conform_file(path: str | Path, out: str | Path, *, picks: dict[str, str] | None = None,
                 pick_all: str | None = None, keep_alternates: bool = False,
                 force: bool = False, project: str | None = None) -> tuple[list[Path], dict[str, str]]:
    """Conform the picks of a timeline written by ``run`` and write the final cut.

    ``picks=None`` (and no ``pick_all``) uses the picks saved in the takes' workspace (``otio-retake studio``).
    """
    timeline = read_timeline(Path(path), project=project)
    if picks is None:
        picks = {} if pick_all else {n: t for n, t in find_picks(timeline)[1].items() if t}
    check_output(timeline, Path(out), force=force)
    final, chosen = conform(timeline, picks, pick_all=pick_all, keep_alternates=keep_alternates)
    return write_timeline(final, out, force=force), chosen


# ------------------------------------------------------------------------------ a run's settings and its journal
# A run is built from its RunSettings (contract.py): by `run`, `resume`, a worker from a queued run's, the bridge
# and the review window; the journal stores them with the run (``record_run``, ``queue_run``).

def load_and_plan(settings: RunSettings, *, on_warning: Callable[[str], None] | None = None,
                  require: bool = True) -> tuple[Loaded, list[RetakePlan]]:
    """``load`` then ``plan`` as the settings say; what reading had to assume is told before planning.
    Without ``require`` every marker skipped is not an error (``plan`` lists them)."""
    s = settings
    loaded = load(
        s.timeline, fps=s.fps, markers=s.path("markers"), media_dirs=[Path(p) for p in s.media_dirs],
        marker_filter=MarkerFilter(colors=tuple(s.marker_colors), name_prefix=s.marker_prefix,
                                   default_length_seconds=s.default_length),
        mode=Mode(s.mode) if s.mode else None, takes=s.takes, seed=s.seed, project=s.project,
        picture_track=s.picture_track, require=require)
    for warning in loaded.warnings:
        if on_warning is not None:
            on_warning(warning)
    plans = plan(loaded, provider=s.provider, widen=s.widen, context_seconds=s.context_seconds, require=require)
    return loaded, plans


def runner_for(settings: RunSettings, loaded: Loaded, journal: str | None = None, *, on_event=None,
               lease: float | None = None, budget_usd: float | None = None) -> Runner:
    """The runner of a run's settings (`run`, `resume`, a worker, the bridge, the review window); ``journal``:
    the URL to open instead of the settings' own (a worker's, with its password). With ``budget_usd`` the
    budget of the settings' ``budget_scope`` is set to it first."""
    s = settings
    runner = make_runner(
        loaded, provider=s.provider, workspace=s.path("workspace"),
        take_options=TakeOptions(handles=s.handles, blend_frames=s.blend_frames, resolution=s.take_resolution,
                                 codec=s.take_codec),
        base_urls=parse_base_urls(s.base_urls, s.provider), poll_interval=s.poll_interval,
        concurrency=s.concurrency, per_host=s.per_host, resubmit_unknown=s.resubmit_unknown,
        resubmit_expired=not s.no_resubmit_expired, journal=journal or s.journal, lease_seconds=lease or s.lease,
        budget_scope=s.budget_scope, on_event=on_event,
        provider_options={"comfyui": {"workflow": s.path("workflow")}} if s.workflow else None)
    if budget_usd is not None:
        runner.journal.set_budget(s.budget_scope, budget_usd)
    return runner


def expired_notices(runner: Runner, plans: list[RetakePlan]) -> list[str]:
    """One line per job whose result expired at the host: this run pays for it again."""
    return runner.planner.expired_notices(plans, runner.journal)


def write_report(path: Path, result: RunResult) -> None:
    """The run as JSON: every take with its absolute record frame, length, handles and file."""
    body = run_report(result).model_dump()
    atomic_write(path, json.dumps(body, indent=2))


def enqueue(loaded: Loaded, plans: list[RetakePlan], runner: Runner, settings: RunSettings) -> QueuedRun:
    """The ranges that can be run here, planned and queued in the shared journal for workers (``admin.enqueue``)."""
    plans = ready_plans(loaded, plans)
    if not plans:
        raise nothing_to_do(loaded)
    settings = settings.model_copy(update={"workspace": str(runner.workspace.create().root)})
    return admin.enqueue(plans, runner, queued=settings.stored(for_queue=True), recorded=settings.stored(),
                         max_cost=settings.max_cost)


def last_run_settings(workspace: Path) -> RunSettings | None:
    """The settings of the last run recorded in a workspace's journal, if it has one (the review window opens
    a workspace as that run read and planned it)."""
    if not (Path(workspace) / JOURNAL_NAME).exists():
        return None
    journal = journal_for(Path(workspace))
    try:
        last = journal.last_run()
    finally:
        journal.close()
    return RunSettings.from_stored(last) if last else None


def job_status(target: Path | None, url: str | None = None) -> JournalStatus:
    """What a journal (see ``journal_for``) holds: its jobs, runs, live claims, host places and budgets."""
    return journal_status(journal_for(target, url))


def run_to_rerun(target: Path | None, url: str | None = None, run_id: str | None = None
                 ) -> tuple[dict, RunSettings]:
    """The run ``resume`` runs again (see ``run_to_resume``): with ``url``, ``target`` is the timeline whose
    latest run it is; (the journal's row, its settings marked confirmed and given the URL now given)."""
    journal = journal_for(None if url else target, url)
    run = run_to_resume(journal, run_id=run_id, timeline=target if url else None, shared=is_shared(url))
    # confirmed (or under the threshold) when it started; the journal's URL is stored without its password
    return run, RunSettings.from_stored(run["arguments"]).model_copy(update={"yes": True, "journal": url})


def work_queue(url: str | None, *, lease: float, until_idle: bool, jobs: int, media_processes: int | None = None,
               on_job: Callable[[str, Exception | None], None] | None = None,
               on_start: Callable[[str, str], None] | None = None,
               on_warning: Callable[[str], None] | None = None) -> WorkerReport:
    """Do queued jobs of a shared journal (`run --queue`) as `run` would (``admin.work_queue``), each queued run
    rebuilt from its stored settings."""
    def build(run_id: str, stored: dict):  # once per queued run (the worker keeps what it returns)
        settings = RunSettings.from_stored(stored)
        loaded, plans = load_and_plan(settings, on_warning=on_warning)
        probe = runner_for(settings, loaded, url, lease=lease)
        jobs_of_run = {probe.planner.plan_key(job): job for job in jobs_for(plans)}
        return (lambda: runner_for(settings, loaded, url, lease=lease)), jobs_of_run

    return admin.work_queue(url, build, lease=lease, until_idle=until_idle, jobs=jobs,
                            media_processes=media_processes, on_job=on_job, on_start=on_start)
