"""The ``otio-retake`` command.

Every ``RetakeError`` is printed as a message (with its hint) and a non-zero
exit code; only an internal bug prints a traceback, and only with --debug.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from . import pipeline
from .contract import journal_status, plan_rows, run_report
from .errors import CostLimitError, InputError, RetakeError
from .display import LiveProgress, PlainProgress
from .jobs.cost import CONFIRM_ABOVE_USD
from .jobs.progress import ProgressHub
from .jobs.runner import DEFAULT_HANDLES
from .media.splice import TakeOptions
from .jobs.store import (DEFAULT_LEASE_SECONDS, JOURNAL_ENV, JOURNAL_NAME, Journal,
                         Store, is_shared, open_journal, redact_url)
from .timecode import rate_label, snap_rate
from .model import Mode, RetakePlan
from .providers import provider_limits, provider_names
from .timeline.marks import MarkerFilter

__all__ = ["main", "cli"]

INTERNAL_ERROR_EXIT = 70  # EX_SOFTWARE

out = Console(width=None if sys.stdout.isatty() else 160, soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def _rate_option(ctx, param, value):
    """A frame rate: 23.976, 25, 29.97, 24000/1001 - positive, finite, at most 240."""
    if value is None:
        return None
    try:
        rate = snap_rate(value)
    except (ValueError, ZeroDivisionError, OverflowError):
        raise click.BadParameter(f"'{value}' is not a frame rate (e.g. 23.976, 25, 29.97 or 24000/1001)") from None
    if not 0 < rate <= 240:
        raise click.BadParameter(f"'{value}' is not a frame rate: it must be above 0 and at most 240")
    return value


def _seconds_option(low: float, high: float, *, low_open: bool = False):
    """Seconds within [low, high] (``low_open``: above low), finite: nan and inf are refused."""
    def check(ctx, param, value):
        if value is None:
            return None
        if not math.isfinite(value) or value > high or value < low or (low_open and value == low):
            lower = f"above {low:g}" if low_open else f"at least {low:g}"
            raise click.BadParameter(f"{value:g} is not a number of seconds {lower} and at most {high:g}")
        return value
    return check


def _journal_option(f):
    return click.option("--journal", "journal", envvar=JOURNAL_ENV, metavar="URL",
                        help="The journal: sqlite:///PATH (default: jobs.sqlite in the workspace) or "
                             f"postgresql://USER@HOST/DB for a facility's shared one (or ${JOURNAL_ENV}).")(f)


def _timeline_options(f):
    options = [
        click.argument("timeline", type=click.Path(path_type=Path)),
        click.option("--markers", "markers", type=click.Path(path_type=Path),
                     help="A Resolve 'Timeline Markers to EDL' file to overlay on the cut."),
        click.option("--fps", callback=_rate_option,
                     help="Frame rate of an EDL (e.g. 23.976, 25, 29.97); read from FCM: otherwise."),
        click.option("--media-dir", "media_dirs", multiple=True, type=click.Path(path_type=Path),
                     help="Folder to look for media in (repeatable)."),
        click.option("--marker-color", "marker_colors", multiple=True,
                     help="Only markers of this colour count (repeatable; default: all)."),
        click.option("--marker-prefix", help="Only markers whose name starts with this count."),
        click.option("--default-length", type=float, callback=_seconds_option(0, 600, low_open=True),
                     help="Seconds to give zero-length (point) markers, from the marker on."),
        click.option("--mode", type=click.Choice([m.value for m in Mode]),
                     help="Default mode for markers without a 'mode:' line (default video)."),
        click.option("--takes", type=click.IntRange(1, 26), help="Default number of takes per range."),
        click.option("--seed", type=int, help="Default seed (take N uses seed + N)."),
        click.option("--provider", default="preview", show_default=True,
                     type=click.Choice(provider_names()), help="The engine that makes the takes."),
        click.option("--widen", is_flag=True, help="Extend ranges shorter than the engine's minimum evenly."),
        click.option("--context", "context_seconds", type=float, callback=_seconds_option(0, 600),
                     help="Seconds of context each side of a range (default 2)."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _load_and_plan(timeline, markers, fps, media_dirs, marker_colors, marker_prefix, default_length, mode,
                   takes, seed, provider, widen, context_seconds):
    loaded = pipeline.load(
        timeline, fps=fps, markers=markers, media_dirs=list(media_dirs),
        marker_filter=MarkerFilter(colors=tuple(marker_colors), name_prefix=marker_prefix,
                                   default_length_seconds=default_length),
        mode=Mode(mode) if mode else None, takes=takes, seed=seed)
    for warning in loaded.warnings:
        err.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)
    plans = pipeline.plan(loaded, provider=provider, widen=widen, context_seconds=context_seconds)
    return loaded, plans


def _plan_rows(plans: list[RetakePlan]) -> list[dict]:
    return [row.model_dump() for row in plan_rows(plans)]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
@click.version_option(package_name="otio-retake")
@click.pass_context
def cli(ctx, debug):
    """Retake the marked ranges of an editor's timeline with LTX-2 Retake."""
    ctx.obj = {"debug": debug}


@cli.command("plan")
@_timeline_options
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array (one object per range).")
def plan_cmd(as_json, **kwargs):
    """List the marked ranges and what would be sent for each."""
    loaded, plans = _load_and_plan(**kwargs)
    rows = _plan_rows(plans)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    rate = loaded.ranges[0].rate
    table = Table(title=f"{loaded.path.name}: {len(rows)} marked range(s) at {rate_label(rate)} fps")
    for col in ("name", "mode", "record in", "record out", "frames", "secs", "context", "takes", "cost", "billed on",
                "prompt"):
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(row["name"], row["mode"], row["record_in"], row["record_out"], str(row["duration_frames"]),
                      f"{row['duration_seconds']:.2f}", f"{row['context_in']}-{row['context_out']}",
                      str(row["takes"]), f"${row['cost_usd']:.2f}", row["cost_basis"], row["prompt"])
    out.print(table)
    out.print(f"estimated total for {kwargs['provider']}: ${sum(r['cost_usd'] for r in rows):.2f}")
    for s in loaded.skipped:
        out.print(f"[dim]skipped '{s.name}' ({s.origin}): {s.reason}[/dim]")




def _jsonable(value):
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


@cli.command("run")
@_timeline_options
@click.option("-o", "--output", "output", required=True, type=click.Path(path_type=Path),
              help="Output timeline: .otio, .edl (one file per track), .xml (FCP 7) or .fcpxml.")
@click.option("--workspace", type=click.Path(path_type=Path),
              help="Folder for excerpts, results, takes and the journal (default: <timeline stem>.retake beside it).")
@click.option("--force", is_flag=True, help="Replace an existing output.")
@click.option("--handles", type=click.IntRange(0, 48), default=DEFAULT_HANDLES, show_default=True,
              help="Frames of handles to keep each side of a take where the result has them.")
@click.option("--blend-frames", type=click.IntRange(0, 48), default=0, show_default=True,
              help="Crossfade this many frames at each end of a take from the source, for a seamless cut.")
@click.option("--take-resolution", type=click.Choice(["host", "timeline"]), default="host", show_default=True,
              help="Takes at the size the host returned, or at the source picture's size.")
@click.option("--take-codec", type=click.Choice(["h264", "prores", "dnxhd"]), default="h264", show_default=True,
              help="H.264 (.mp4), ProRes 422 HQ or DNxHR HQ (.mov) takes.")
@click.option("--base-url", "base_urls", multiple=True, metavar="[HOST=]URL",
              help="Send a host's API calls here (an emulator or a proxy); repeatable.")
@click.option("--poll-interval", type=click.FloatRange(0.01, 600), help="Seconds between status polls "
              "(default: what the host asks for).")
@click.option("--concurrency", type=click.IntRange(1, 1024), help="Jobs at once over all hosts.")
@click.option("--per-host", type=click.IntRange(1, 256), help="Jobs at once per host (default: each host's limit).")
@click.option("--max-cost", type=click.FloatRange(0), help="Refuse to start if the run would cost more (USD).")
@click.option("--yes", is_flag=True, help=f"Do not ask before a run estimated above ${CONFIRM_ABOVE_USD:.0f}.")
@click.option("--resubmit-unknown", is_flag=True,
              help="Submit again a job whose submit answer was lost and that the host cannot look up.")
@click.option("--no-resubmit-expired", is_flag=True,
              help="Stop (instead of paying again) for a job whose result has expired at the host.")
@click.option("--report", type=click.Path(path_type=Path),
              help="Also write a JSON report of the run here (the contract the NLE scripts read).")
@_journal_option
@click.option("--lease", "lease", type=click.FloatRange(1, 3600), default=DEFAULT_LEASE_SECONDS, show_default=True,
              help="Seconds a claim on a job lasts unless renewed (a dead machine's jobs are taken over after it).")
@click.option("--budget-usd", type=click.FloatRange(0), help="Set the budget of --budget-scope to this (USD).")
@click.option("--budget-scope", metavar="NAME",
              help="Charge every submit to this budget in the journal (a production's, shared by every machine); "
                   "a job that would go past it is not submitted.")
@click.option("--queue", is_flag=True, help="Plan and queue the jobs in --journal for `otio-retake worker`s, print "
              "the run id and return; a later run without --queue writes the outputs.")
def run_cmd(output, workspace, force, handles, blend_frames, take_resolution, take_codec, base_urls, poll_interval,
            concurrency, per_host, max_cost, yes, resubmit_unknown, no_resubmit_expired, report, journal, lease,
            budget_usd, budget_scope, queue, **kwargs):
    """Retake every marked range and write the timeline with the takes as alternates."""
    # The journal's URL is stored without its password; resume is given the URL again.
    arguments = {k: _jsonable(v) for k, v in {**kwargs, "output": output, "workspace": workspace, "force": force,
                                               "handles": handles, "base_urls": base_urls,
                                               "blend_frames": blend_frames, "take_resolution": take_resolution,
                                               "take_codec": take_codec,
                                               "poll_interval": poll_interval, "concurrency": concurrency,
                                               "per_host": per_host, "max_cost": max_cost, "yes": yes,
                                               "journal": redact_url(journal) if journal else None,
                                               "lease": lease, "budget_scope": budget_scope}.items()}
    if budget_usd is not None and not budget_scope:
        raise click.BadParameter("--budget-usd needs --budget-scope NAME (whose budget it is)",
                                 param_hint="--budget-usd")
    if queue and not journal:
        raise click.BadParameter("--queue needs --journal URL (the journal the workers read)", param_hint="--queue")
    loaded, plans = _load_and_plan(**kwargs)
    hub = ProgressHub()
    runner = _runner_for({**arguments, "resubmit_unknown": resubmit_unknown,
                          "no_resubmit_expired": no_resubmit_expired}, loaded, journal, on_event=hub.publish)
    if budget_usd is not None:
        runner.journal.set_budget(budget_scope, budget_usd)
    if queue:
        _enqueue(loaded, plans, runner, {**arguments, "resubmit_unknown": resubmit_unknown,
                                         "no_resubmit_expired": no_resubmit_expired})
        return

    def confirm(pending: float) -> bool:
        per_range: dict[str, float] = {}
        for p in plans:
            per_range[p.range.name] = per_range.get(p.range.name, 0) + p.cost_usd
        listing = ", ".join(f"{name} ${cost:.2f}" for name, cost in per_range.items())
        err.print(f"{len(plans)} take(s) of {len(per_range)} range(s); estimated ${sum(per_range.values()):.2f} "
                  f"({listing}); ${pending:.2f} not yet paid for", highlight=False)
        if not no_resubmit_expired:
            for note in runner.expired_notices(plans):
                err.print(f"[yellow]note:[/yellow] {note}", highlight=False)
        if pending <= CONFIRM_ABOVE_USD or yes:
            return True
        if not sys.stdin.isatty():
            raise CostLimitError(f"the run would cost about ${pending:.2f}, above ${CONFIRM_ABOVE_USD:.0f}",
                                 hint="pass --yes to go ahead without asking (and --max-cost to cap it)")
        return click.confirm(f"Spend about ${pending:.2f}?", default=False, err=True)

    display = (LiveProgress if err.is_terminal else PlainProgress)(err, len(plans))
    hub.subscribe(display)
    with display:
        result = pipeline.run(loaded, plans, output, runner=runner, force=force, max_cost=max_cost, confirm=confirm,
                              arguments=arguments)
    for warning in result.warnings:
        err.print(f"[yellow]warning:[/yellow] {warning}")
    for take in result.takes:
        out.print(f"{take.range.name} take {take.plan.take_letter}: {take.range.record_in_tc}-"
                  f"{take.range.record_out_tc} -> {take.path}", highlight=False)
    summary = result.report
    reported = f"${summary.reported_usd:.2f} reported by the host" if summary.reported_usd is not None \
        else "not reported by the host"
    out.print(f"{summary.submitted} job(s) submitted, {summary.reused} reused; cost estimated "
              f"${summary.estimated_usd:.2f}, {reported}", highlight=False)
    for path in result.outputs:
        out.print(f"wrote {path}", highlight=False)
    for s in loaded.skipped:  # left out: the editor must see which markers were not retaken, and why
        out.print(f"skipped '{s.name}' ({s.origin}): {s.reason}", highlight=False)
    if report is not None:
        write_report(report, result)


def _runner_for(settings: dict, loaded, journal: str | None, *, on_event=None, lease: float | None = None):
    """The runner `run` builds from its settings: by `run` itself and by a worker from a queued run's."""
    take_options = TakeOptions(handles=settings["handles"], blend_frames=settings["blend_frames"],
                               resolution=settings["take_resolution"], codec=settings["take_codec"])
    workspace = settings.get("workspace")
    return pipeline.make_runner(
        loaded, provider=settings["provider"], workspace=Path(workspace) if workspace else None,
        take_options=take_options, base_urls=pipeline.parse_base_urls(settings.get("base_urls") or [],
                                                                      settings["provider"]),
        poll_interval=settings.get("poll_interval"), concurrency=settings.get("concurrency"),
        per_host=settings.get("per_host"), resubmit_unknown=bool(settings.get("resubmit_unknown")),
        resubmit_expired=not settings.get("no_resubmit_expired"), journal=journal,
        lease_seconds=lease or settings.get("lease"), budget_scope=settings.get("budget_scope"), on_event=on_event)


_TIMELINE_KEYS = ("timeline", "markers", "fps", "media_dirs", "marker_colors", "marker_prefix", "default_length",
                  "mode", "takes", "seed", "provider", "widen", "context_seconds")


def _load_settings(settings: dict):
    return _load_and_plan(**{k: (Path(settings[k]) if k in ("timeline", "markers") and settings[k] else
                                 [Path(p) for p in settings[k]] if k == "media_dirs" else settings[k])
                             for k in _TIMELINE_KEYS})


def _enqueue(loaded, plans, runner, arguments: dict) -> None:
    """Plan every job in the shared journal and queue it with the run's settings (paths made absolute, so any
    machine that sees the same folders runs it as this one would)."""
    import uuid
    runner.check(plans)
    pending = runner.pending_cost(plans)
    if arguments.get("max_cost") is not None and pending > arguments["max_cost"] + 1e-9:
        raise CostLimitError(f"this run would cost about ${pending:.2f}, more than --max-cost "
                             f"${arguments['max_cost']:.2f}", hint="retake fewer ranges, or raise --max-cost")
    settings = dict(arguments)
    settings["timeline"] = str(Path(arguments["timeline"]).resolve())
    settings["markers"] = str(Path(arguments["markers"]).resolve()) if arguments.get("markers") else None
    settings["media_dirs"] = [str(Path(p).resolve()) for p in arguments.get("media_dirs") or []]
    settings["workspace"] = str(runner.workspace.create().root)
    settings["output"] = str(Path(arguments["output"]).resolve())
    keys = []
    for job in runner.jobs_for(plans):
        first = job[0]
        key = runner.plan_key(job)
        runner.journal.plan(key, range_name=first.range.name, takes="".join(p.take_letter for p in job),
                            provider=first.provider, model=runner.pool.provider(first.provider).model,
                            cost_estimate=first.cost_usd)
        keys.append(key)
    run_id = uuid.uuid4().hex[:12]
    runner.journal.queue_run(run_id, settings, keys)
    runner.journal.record_run(arguments, run_id=run_id)  # one id: `resume --run` takes the one printed
    out.print(run_id, highlight=False)
    err.print(f"queued {len(keys)} job(s) as run {run_id} in {runner.journal.url}; `otio-retake worker --journal "
              f"URL` runs them, and this command again without --queue writes {settings['output']}",
              highlight=False)


def write_report(path: Path, result) -> None:
    """The run as JSON: every take with its absolute record frame, length, handles and file."""
    body = run_report(result).model_dump()
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps(body, indent=2), encoding="utf-8")
    partial.replace(path)


def _journal_for(target: Path | None, url: str | None = None) -> Store:
    """The journal a URL names, or that of a workspace folder, or of a timeline's default workspace."""
    if url:
        return open_journal(url)
    if target is None:
        raise InputError("which journal? give a workspace folder or a timeline, or --journal URL",
                         hint=f"e.g. `otio-retake status shots.retake` or `--journal postgresql://HOST/DB` "
                              f"(or set {JOURNAL_ENV})")
    root = target if target.is_dir() else target.with_name(target.stem + ".retake")  # "v1.2/" is a folder too
    if not (root / JOURNAL_NAME).exists():
        raise InputError(f"{target}: no otio-retake journal found (looked in {root})",
                         hint="give the workspace folder of a run, or the timeline it was run on")
    return Journal(root / JOURNAL_NAME)


@cli.command("status")
@click.argument("target", type=click.Path(path_type=Path), required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@_journal_option
def status_cmd(target, as_json, journal):
    """Show every job of a workspace (or of a timeline's workspace, or of --journal) and its state, the runs,
    who holds each claim and host place, and spend against budget."""
    status = journal_status(_journal_for(target, journal))
    if as_json:
        click.echo(status.model_dump_json(indent=2))
        return
    table = Table(title=f"{status.journal}: {len(status.jobs)} job(s)")
    for col in ("range", "takes", "host", "state", "job id", "est.", "claimed by", "note"):
        table.add_column(col, overflow="fold")
    held = {c.plan_key: c for c in status.claims}
    for r in status.jobs:
        claim = held.get(r.plan_key)
        table.add_row(r.range, r.takes, r.provider, r.state, r.job_id or "", f"${r.cost_estimate or 0:.2f}",
                      f"{claim.holder} ({claim.seconds_left:.0f} s left)" if claim else "", (r.error or "")[:60])
    out.print(table)
    out.print("by state: " + (", ".join(f"{n} {state}" for state, n in status.by_state.items()) or "no jobs"),
              highlight=False)
    for run in status.runs[:5]:
        out.print(f"run {run.run_id} ({run.started_at}{', queued' if run.queued else ''}): {run.timeline}",
                  highlight=False)
    for place in status.places:
        out.print(f"{place.host} place {place.place}: {place.holder}", highlight=False)
    for budget in status.budgets:
        out.print(f"budget '{budget.scope}': ${budget.spent_usd:.2f} spent of ${budget.limit_usd:.2f}",
                  highlight=False)


@cli.command("resume")
@click.argument("target", type=click.Path(path_type=Path), required=False)
@_journal_option
@click.option("--run", "run_id", metavar="RUN_ID", help="The run to resume (`status` lists them; default: the "
              "latest, or with --journal the latest of the TARGET timeline).")
@click.pass_context
def resume_cmd(ctx, target, journal, run_id):
    """Run a run of a workspace again (the last one, or --run RUN_ID): finished jobs are reused, running ones
    polled, paid ones never sent twice. With --journal URL, TARGET is the timeline whose latest run to resume."""
    store = _journal_for(None if journal else target, journal)
    run = pipeline.run_to_resume(store, run_id=run_id, timeline=target if journal else None,
                                 shared=is_shared(journal))
    arguments = run["arguments"]
    err.print(f"resuming run {run['run_id']} of {arguments.get('timeline')} (started {run['started_at']})",
              highlight=False)
    arguments["yes"] = True  # it was confirmed (or under the threshold) when it started
    arguments["journal"] = journal  # stored without its password: the URL given now
    params = {p.name for p in run_cmd.params}
    ctx.invoke(run_cmd, **{k: (Path(v) if k in ("timeline", "output", "workspace", "markers") and v else v)
                           for k, v in arguments.items() if k in params})


@cli.command("cancel")
@click.argument("target", type=click.Path(path_type=Path), required=False)
@click.option("--range", "range_names", multiple=True, help="Only this range (repeatable; default: all).")
@_journal_option
def cancel_cmd(target, range_names, journal):
    """Cancel the jobs still running at the host (where the host can) and mark them cancelled."""
    journal = _journal_for(target, journal)
    last = journal.last_run() or {}
    base_urls = pipeline.parse_base_urls(last.get("base_urls") or [], last.get("provider") or "preview")
    root = journal.path.parent if isinstance(journal, Journal) else Path(last.get("workspace") or ".")
    done = pipeline.cancel_jobs(journal, base_urls=base_urls, results_root=root, range_names=range_names,
                                include_expired=True)
    for range_name, takes, note in done:
        out.print(f"{range_name} take {takes}: {note}", highlight=False)
    cancelled = len(done)
    out.print(f"{cancelled} job(s) cancelled", highlight=False)


@cli.command("worker")
@_journal_option
@click.option("--until-idle", is_flag=True, help="Exit (0) once no queued job is left to do or being done.")
@click.option("--lease", "lease", type=click.FloatRange(1, 3600), default=DEFAULT_LEASE_SECONDS, show_default=True,
              help="Seconds a claim lasts unless renewed; a dead worker's job is taken over after it.")
@click.option("--jobs", type=click.IntRange(1, 256), default=1, show_default=True,
              help="Jobs this worker does at once (the host's limit still holds across all workers).")
def worker_cmd(journal, until_idle, lease, jobs):
    """Do queued jobs from a shared journal (`run --queue`), each one whole, as `run` would; keys are this
    machine's own (environment or keyring), never the journal's."""
    from .jobs.store import runner_identity
    from .jobs.worker import work
    if not journal:
        raise InputError("a worker needs the shared journal: --journal postgresql://USER@HOST/DB",
                         hint=f"or set {JOURNAL_ENV}")
    store = open_journal(journal)
    owner = runner_identity()
    cache: dict[str, tuple] = {}

    def build(run_id: str, settings: dict):
        if run_id not in cache:
            loaded, plans = _load_settings(settings)
            probe = _runner_for(settings, loaded, journal, lease=lease)
            cache[run_id] = (loaded, {probe.plan_key(job): job for job in probe.jobs_for(plans)})
        loaded, jobs = cache[run_id]
        return (lambda: _runner_for(settings, loaded, journal, lease=lease)), jobs

    def said(where: str, error: Exception | None) -> None:
        if error is None:
            out.print(f"{where}: done", highlight=False)
        else:
            err.print(f"[yellow]{where}:[/yellow] {error}", highlight=False)

    err.print(f"worker {owner} on {store.url}", highlight=False)
    report = work(store, build, owner=owner, lease_seconds=lease, until_idle=until_idle, jobs=jobs, on_job=said)
    out.print(f"{len(report.done)} job(s) done, {len(report.failed)} failed", highlight=False)


@cli.command("conform")
@click.argument("timeline", type=click.Path(path_type=Path))
@click.option("--pick", "picks", multiple=True, metavar="NAME=LETTER",
              help="The take to use for a range (repeatable; default: the picks made in `otio-retake studio`).")
@click.option("--pick-all", metavar="LETTER", help="Use this take for every range that has it.")
@click.option("-o", "--output", "output", required=True, type=click.Path(path_type=Path),
              help="The final cut: .otio, .edl or .xml.")
@click.option("--keep-alternates", is_flag=True, help="Keep the Retake tracks in the output.")
@click.option("--force", is_flag=True, help="Replace an existing output.")
def conform_cmd(timeline, picks, pick_all, output, keep_alternates, force):
    """Put the picked takes into the cut (the .otio that `run` wrote)."""
    parsed = {}
    for pick in picks:
        name, sep, letter = pick.rpartition("=")
        if not sep or not name or len(letter.strip()) != 1:
            raise click.BadParameter(f"'{pick}' is not NAME=LETTER (e.g. sky=B)", param_hint="--pick")
        parsed[name] = letter.strip()
    outputs, chosen = pipeline.conform_file(timeline, output, picks=parsed or None, pick_all=pick_all,
                                            keep_alternates=keep_alternates, force=force)
    for name, letter in chosen.items():
        out.print(f"{name}: take {letter}", highlight=False)
    for path in outputs:
        out.print(f"wrote {path}", highlight=False)


@cli.command("studio")
@click.argument("target", required=False, type=click.Path(path_type=Path))
@click.option("--workspace", type=click.Path(path_type=Path),
              help="The run's folder (default: <timeline stem>.retake beside it).")
@click.option("--provider", default="preview", show_default=True, type=click.Choice(provider_names()),
              help="The engine new takes are made with.")
@click.option("--media-dir", "media_dirs", multiple=True, type=click.Path(path_type=Path),
              help="Folder to look for media in (repeatable).")
@click.option("--markers", type=click.Path(path_type=Path), help="A Resolve markers EDL to overlay on the cut.")
@click.option("--fps", help="Frame rate of an EDL.")
@click.option("--base-url", "base_urls", multiple=True, metavar="[HOST=]URL",
              help="Send a host's API calls here (an emulator or a proxy); repeatable.")
@click.option("--poll-interval", type=click.FloatRange(0.01, 600), help="Seconds between status polls.")
@click.option("--screenshot", type=click.Path(path_type=Path),
              help="Open offscreen, load, select the first range, write a picture of the window here and exit.")
def studio_cmd(target, workspace, provider, media_dirs, markers, fps, base_urls, poll_interval, screenshot):
    """Open the review window on a timeline or on the workspace of an earlier run."""
    try:
        from .studio.window import run_studio
    except ImportError as exc:
        raise InputError(f"the studio needs PySide6 ({exc})", hint="pip install 'otio-retake[studio]'") from None
    code = run_studio(target, screenshot=screenshot, workspace=workspace, provider=provider,
                      media_dirs=list(media_dirs), markers=markers, fps=fps,
                      base_urls=pipeline.parse_base_urls(base_urls, provider), poll_interval=poll_interval)
    if screenshot and code == 0:
        out.print(f"wrote {screenshot}", highlight=False)
    if code:
        raise SystemExit(code)


@cli.command("relink")
@click.argument("timeline", type=click.Path(path_type=Path))
@click.option("--media-dir", "media_dirs", multiple=True, type=click.Path(path_type=Path),
              help="Folder to look for media in (repeatable).")
@click.option("--fps", callback=_rate_option, help="Frame rate of an EDL.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def relink_cmd(timeline, media_dirs, fps, as_json):
    """Report which media file each clip uses, and what is missing (exit 1 if anything is)."""
    tl, resolver = pipeline.open_timeline(timeline, fps=fps, media_dirs=list(media_dirs))
    rows = pipeline.relink_report(tl, resolver)
    missing = [r for r in rows if r["path"] is None]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
    else:
        for row in rows:
            clips = ", ".join(sorted(set(row["clips"])))
            if row["path"]:
                out.print(f"found   {row['path']} ({row['how']}; media starts at frame {row['start_frame']}) "
                          f"<- {clips}", highlight=False)
            else:
                out.print(f"MISSING {row['wanted']}", highlight=False)
        out.print(f"{len(rows) - len(missing)} found, {len(missing)} missing", highlight=False)
    if missing:
        raise SystemExit(1)


@cli.command("providers")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def providers_cmd(as_json):
    """List the hosts with their limits, prices and whether a key is configured (never the key)."""
    from .contract import provider_rows
    rows = provider_rows()
    if as_json:
        click.echo(json.dumps([r.model_dump(mode="json") for r in rows], indent=2))
        return
    table = Table(title="LTX-2 Retake hosts (each take is its own job)")
    for col in ("host", "model", "section", "input max", "whole s", "at once", "seed sent", "price", "key"):
        table.add_column(col)
    for r in rows:
        table.add_row(r.name, r.model, f"{r.section_seconds[0]:g}-{r.section_seconds[1]:g} s",
                      f"{r.max_input_seconds:g} s, {r.max_input_bytes // 2**20} MB",
                      "yes" if r.whole_seconds else "", str(r.max_concurrent), "yes" if r.seed_sent else "no",
                      f"${r.price_per_second:.2f}/s {r.billed_on}", r.key or f"missing ({r.key_env})")
    out.print(table)


@cli.command("emulate")
@click.argument("host", type=click.Choice(["ltx", "fal", "wavespeed", "runware", "gmi", "oxen", "oxen-ltx2",
                                           "replicate"]))
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True)
@click.option("--latency", type=float, default=2.0, show_default=True, help="Seconds each job takes.")
@click.option("--faults", help="Faults to inject, e.g. submit=429x2,poll=500,download=truncate,job=fail.")
@click.option("--key", help="Accept only this key (default: any non-empty key).")
def emulate_cmd(host, port, latency, faults, key):
    """Serve a local emulator of a host's API on 127.0.0.1 (results rendered by the preview engine)."""
    import uvicorn
    from .emulate import make_app
    from .emulate.core import parse_faults
    from .emulate.server import QUIET
    try:
        rules = parse_faults(faults)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--faults") from None
    _check_port_free(port)
    app = make_app(host, latency=latency, faults=rules, key=key)
    app.state.emulator.base_url = f"http://127.0.0.1:{port}"
    err.print(f"emulating {host} on http://127.0.0.1:{port} (stats at /_emulator/stats)", highlight=False)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level=QUIET)


@cli.command("bridge")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Port on 127.0.0.1 (default 8733, the "
              "port `install premiere` bakes into the panel).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Loopback address to bind (nothing else).")
@click.option("--root", type=click.Path(path_type=Path), help="Where the bridge keeps sequences, takes and runs.")
@click.option("--base-url", "base_urls", multiple=True, metavar="[HOST=]URL",
              help="Send a host's API calls here (an emulator or a proxy); repeatable.")
@click.option("--poll-interval", type=click.FloatRange(0.01, 600), help="Seconds between status polls.")
def bridge_cmd(port, host, root, base_urls, poll_interval):
    """Serve the local API that the Premiere Pro panel talks to (127.0.0.1 only, token required)."""
    import uvicorn
    from .bridge import DEFAULT_PORT, create_app, default_root, is_loopback, load_token
    from .bridge.security import PairingGate
    if not is_loopback(host):
        raise InputError(f"--host {host}: the bridge only listens on this machine's loopback address",
                         hint="use 127.0.0.1 (panels run on the same computer as the bridge)")
    port = port or DEFAULT_PORT
    tokens = load_token()
    pairing = PairingGate()
    app = create_app(tokens=tokens, pairing=pairing, root=Path(root) if root else default_root(),
                     port_of=lambda: port, base_urls=list(base_urls), poll_interval=poll_interval)
    err.print(f"otio-retake bridge on http://127.0.0.1:{port} (token from {tokens.source})", highlight=False)
    err.print(f"pairing code: {pairing.code}  (type it in the Retake panel once)", highlight=False)
    uvicorn.run(app, host=host, port=port, log_level="warning")


@cli.command("schemas", hidden=True)
@click.option("--docs", "folder", type=click.Path(path_type=Path), default=Path("docs"), show_default=True)
def schemas_cmd(folder):
    """Write the contract's JSON Schema and the bridge's OpenAPI document into docs/."""
    from .bridge import write_schemas
    for path in write_schemas(folder):
        out.print(f"wrote {path}", highlight=False)


def _check_port_free(port: int) -> None:
    """A port in use is the user's to change, said before the server starts (uvicorn would just exit)."""
    import socket
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe_socket:
        probe_socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe_socket.bind(("127.0.0.1", port))
        except OSError as exc:
            raise InputError(f"port {port} on 127.0.0.1 cannot be used ({exc.strerror or exc})",
                             hint="pick another with --port, or stop what is listening there") from None


@cli.group("install")
def install_group():
    """Install otio-retake into an editing application."""


@install_group.command("resolve")
@click.option("--dest", type=click.Path(path_type=Path),
              help="Scripts folder (default: Resolve's per-user Fusion/Scripts/Utility for this OS).")
@click.option("--workspace", type=click.Path(path_type=Path), help="Where runs from Resolve keep their files.")
@click.option("--provider", default="preview", show_default=True, type=click.Choice(provider_names()),
              help="The host the scripts use when Resolve offers no dialog.")
def install_resolve_cmd(dest, workspace, provider):
    """Copy the Resolve scripts and record which Python runs otio-retake."""
    from .integrations.resolve import install
    done = install(dest, workspace=workspace, provider=provider)
    for path in done["files"]:
        out.print(f"wrote {path}", highlight=False)
    out.print(f"In Resolve: Workspace > Scripts > Retake Marked Ranges (scripts run {' '.join(done['settings']['command'])})",
              highlight=False)


@install_group.command("premiere")
@click.option("--dest", type=click.Path(path_type=Path), help="Folder for the .ccx and the unpacked panel "
              "(default: otio-retake's data folder).")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="The bridge's port (default 8733).")
def install_premiere_cmd(dest, port):
    """Write the Premiere Pro panel (.ccx and the folder for the UXP Developer Tool) for the bridge's port."""
    from .bridge import DEFAULT_PORT
    from .integrations.premiere import LOAD_STEPS, install
    done = install(dest, port=port or DEFAULT_PORT)
    for path in done["files"]:
        out.print(f"wrote {path}", highlight=False)
    out.print(f"Double-click {done['ccx']} to install it, or " +
              LOAD_STEPS.format(manifest=Path(done["folder"]) / "manifest.json"), highlight=False)
    out.print(f"Then run `otio-retake bridge --port {done['port']}` and pair the panel with the code it prints.",
              highlight=False)


@cli.group("doctor")
def doctor_group():
    """Explain what is set up for an editing application (or what a host's guesses are) and how to fix it."""


@doctor_group.command("resolve")
@click.option("--dest", type=click.Path(path_type=Path), help="Scripts folder to check.")
def doctor_resolve_cmd(dest):
    """Resolve edition and version, the scripts folder, external scripting, the Python the scripts call."""
    from .integrations.resolve import doctor
    report = doctor(dest)
    for finding in report.findings:
        mark = "ok " if finding.ok else "NO "
        out.print(f"{mark} {finding.what}" + (f"\n     fix: {finding.fix}" if finding.fix else ""), highlight=False)
    if not all(f.ok for f in report.findings):
        raise SystemExit(1)


@doctor_group.command("premiere")
@click.option("--dest", type=click.Path(path_type=Path), help="Folder the panel was installed in.")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="The bridge's port (default 8733).")
def doctor_premiere_cmd(dest, port):
    """Whether the bridge is running and on which port, whether a panel is paired, how to load the panel."""
    from .bridge import DEFAULT_PORT
    from .integrations.premiere import doctor
    report = doctor(dest, port=port or DEFAULT_PORT)
    for finding in report.findings:
        mark = "ok " if finding.ok else "NO "
        out.print(f"{mark} {finding.what}" + (f"\n     fix: {finding.fix}" if finding.fix else ""), highlight=False)
    if not all(f.ok for f in report.findings):
        raise SystemExit(1)


def _doctor_host_command(host: str) -> None:
    @doctor_group.command(host)
    @click.option("--probe", "do_probe", is_flag=True, help="Send one small paid request and check the guesses.")
    @click.option("--yes", is_flag=True, help="Do not ask before paying for the probe.")
    @click.option("--base-url", help="Send the probe here (an emulator or a proxy).")
    @click.option("--poll-interval", type=click.FloatRange(0.01, 600), help="Seconds between status polls.")
    def doctor_host_cmd(do_probe, yes, base_url, poll_interval):
        """What docs/hosts.md could not confirm about this host; --probe checks it for a few cents."""
        import tempfile
        from .jobs.probe import CONTRADICTED, probe_host, probe_plan
        plan = probe_plan(host)
        if not do_probe:
            out.print(f"otio-retake doctor {host} --probe would send {plan.describe()}; see docs/hosts.md",
                      highlight=False)
            return
        def confirm(p) -> bool:  # the cost is said before paying, asked unless --yes
            if yes:
                out.print(f"Sending {p.describe()}", highlight=False)
                return True
            return click.confirm(f"This sends {p.describe()}. Pay for it?")
        with tempfile.TemporaryDirectory(prefix="otio-retake-probe-") as work:
            report = probe_host(host, workdir=Path(work), base_url=base_url, poll_interval=poll_interval,
                                confirm=confirm)
        if report is None:
            out.print("nothing sent", highlight=False)
            return
        table = Table(title=f"{host}: guesses checked (job {report.job_id or 'none'})")
        for col in ("guess", "the host answered", "verdict"):
            table.add_column(col)
        for check in report.checks:
            table.add_row(check.guess, check.answered, check.verdict)
        out.print(table)
        paid = f"${report.reported_usd:.4f} reported" if report.reported_usd is not None else "not reported"
        out.print(f"cost: about ${plan.cost.usd:.2f} estimated ({plan.cost.describe()}), {paid}", highlight=False)
        if report.contradicted:
            err.print(f"{len(report.contradicted)} guess(es) {CONTRADICTED}: the client and its emulator need a fix "
                      "(docs/hosts.md says what each check means)", highlight=False)
            raise SystemExit(1)


for _host in [n for n in provider_names() if n != "preview"]:
    _doctor_host_command(_host)


@cli.command("resolve")
@click.option("--provider", default="preview", show_default=True, type=click.Choice(provider_names()))
@click.option("--marker-color", help="Only markers of this Resolve colour (e.g. Blue).")
@click.option("--mode", type=click.Choice([m.value for m in Mode]))
@click.option("--takes", type=click.IntRange(1, 26))
@click.option("--workspace", type=click.Path(path_type=Path))
@click.option("--conform", "do_conform", is_flag=True, help="Conform the picks instead of retaking.")
def resolve_cmd(provider, marker_color, mode, takes, workspace, do_conform):
    """Retake the marked ranges of Resolve's current timeline from outside Resolve (Studio, external scripting)."""
    import importlib.util
    from .integrations.resolve import external_resolve, plugin_source
    spec = importlib.util.spec_from_file_location("otio_retake_resolve", plugin_source() / "otio_retake_resolve.py")
    plugin = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(plugin)
    command = [sys.executable, "-m", "otio_retake.cli"]
    try:
        if do_conform:
            summary = plugin.conform_retakes(external_resolve(), command=command, settings={})
        else:
            summary = plugin.retake_marked_ranges(external_resolve(), provider=provider, marker_color=marker_color,
                                                  mode=mode, takes=takes, command=command,
                                                  workspace=str(workspace) if workspace else None, settings={})
    except plugin.ResolveScriptError as exc:
        raise InputError(exc.message, hint=exc.hint) from None
    click.echo(json.dumps(summary, indent=2))


def main(argv: list[str] | None = None) -> int:
    try:
        cli.main(args=argv, prog_name="otio-retake", standalone_mode=False)
    except RetakeError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        return exc.exit_code
    except click.exceptions.Abort:
        err.print("aborted")
        return 130
    except click.BadParameter as exc:  # one line that says which option and why, not the usage text
        err.print(f"[red]error:[/red] {exc.format_message()}", highlight=False)
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except SystemExit as exc:
        return int(exc.code or 0)
    except KeyboardInterrupt:
        err.print("interrupted")
        return 130
    except Exception as exc:  # an internal bug: say so plainly, details on request
        if "--debug" in (argv if argv is not None else sys.argv):
            raise
        err.print(f"[red]internal error:[/red] {type(exc).__name__}: {exc}\n"
                  "  this is a bug in otio-retake; re-run with --debug for the traceback", highlight=False)
        return INTERNAL_ERROR_EXIT
    return 0


if __name__ == "__main__":
    sys.exit(main())
