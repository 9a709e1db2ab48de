"""plan, run, resume, status, cancel, worker: retaking the marked ranges, and the journal of the jobs."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.table import Table
from rich.text import Text

from .. import pipeline
from ..contract import plan_rows
from ..display import LiveProgress, PlainProgress
from ..errors import (MEDIA_OFFLINE_EXIT, SOME_SKIPPED_EXIT, CostLimitError, JobCancelledError,
                      NothingToDoError)
from ..jobs.cost import CONFIRM_ABOVE_USD
from ..session import RunSession
from ..timecode import rate_label
from ..timeline.info import timeline_rate
from . import echo_json, err, labelled, out
from .options import base_urls_option, journal_option, load_and_plan, timeline_options, warn

__all__ = ["COMMANDS"]


@click.command("plan")
@timeline_options
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array (one object per marker: ready, offline "
              "or skipped).")
def plan_cmd(as_json, **kwargs):
    """List every marker: what would be sent for each range and what it costs, or why it is skipped.

    Exit 0 every range ready, 4 some markers skipped, 5 none can be retaken, 6 media of some ranges is not
    on this machine (they are listed and priced; `run` skips them until it is found)."""
    loaded, plans = load_and_plan(pipeline.RunSettings(**kwargs), require=False)
    rate = timeline_rate(loaded.timeline)
    rows = plan_rows(plans, pipeline.relinked_clips(loaded, plans), pipeline.pictures(loaded, plans),
                     skipped=loaded.skipped, offline=loaded.offline, rate=rate)
    if as_json:
        echo_json(rows)
    else:
        ready = [r for r in rows if r.status in ("ready", "offline")]
        counts = {status: sum(r.status == status for r in rows) for status in ("skipped", "excluded")}
        table = Table(title=f"{loaded.path.name}: {len(ready)} marked range(s) at {rate_label(rate)} fps"
                            + "".join(f", {n} {'left out' if status == 'excluded' else status}"
                                      for status, n in counts.items() if n))
        for col in ("name", "mode", "record in", "record out", "frames", "secs", "context", "takes", "cost",
                    "billed on", "prompt"):
            table.add_column(col, overflow="fold")
        for row in ready:
            context = f"{row.context_in}-{row.context_out} (-{row.context_before_frames}/+{row.context_after_frames})"
            if row.context_note:
                context += f"\nshortened: {row.context_note}"
            prompt = row.prompt if row.status == "ready" else f"{row.prompt}\nOFFLINE: {', '.join(row.missing_media)}"
            table.add_row(row.name, row.mode, row.record_in, row.record_out, str(row.duration_frames),
                          f"{row.duration_seconds:.2f}", context, str(row.takes), f"${row.cost_usd:.2f}",
                          row.cost_basis, prompt)
        if ready:
            out.print(table)
            out.print(f"estimated total for {kwargs['provider']}: ${sum(r.cost_usd for r in rows):.2f}",
                      highlight=False)
        else:
            out.print(f"{loaded.path.name}: none of its {len(rows)} marker(s) can be retaken", highlight=False)
        for row in ready:  # which clips its marked frames show (the picture rule), a line each: the table stays narrow
            shown = ", ".join(dict.fromkeys(f"{c.clip} ({c.track})" if c.track else c.clip for c in row.picture))
            out.print(Text(f"picture of '{row.name}': {shown}"))
        for s in loaded.skipped:
            out.print(Text(f"skipped {s.listing()}", style="dim"))
        relinked = {c.clip: c for row in rows for c in row.relinked}
        for c in relinked.values():  # where the timeline said the media was, and where it was found instead
            out.print(f"relinked clip '{c.clip}': {c.written or '(no path in the timeline)'} -> {c.path} "
                      f"({c.how})", highlight=False)
        if loaded.offline:
            out.print(f"{len(loaded.offline)} range(s) need media that is not on this machine: `run` skips them "
                      "until it is found (--media-dir DIR; `otio-retake relink` lists what is found)",
                      highlight=False)
    if not plans:
        raise SystemExit(NothingToDoError.exit_code)
    if loaded.offline:
        raise SystemExit(MEDIA_OFFLINE_EXIT)
    if any(s.problem for s in loaded.skipped):  # markers left out by choice (--marker-color...) are not a fault
        raise SystemExit(SOME_SKIPPED_EXIT)


@click.command("run")
@timeline_options
@click.option("-o", "--output", "output", required=True, type=click.Path(path_type=Path),
              help="Output timeline: .otio, .edl (one file per track), .xml (FCP 7), .fcpxml or .aaf (Avid, with "
                   "OUT.markers.txt).")
@click.option("--workspace", type=click.Path(path_type=Path),
              help="Folder for excerpts, results, takes and the journal (default: <timeline stem>.retake beside it).")
@click.option("--force", is_flag=True, help="Replace an existing output.")
@click.option("--handles", type=click.IntRange(0, 48), default=pipeline.DEFAULT_HANDLES, show_default=True,
              help="Frames of handles to keep each side of a take where the result has them.")
@click.option("--blend-frames", type=click.IntRange(0, 48), default=0, show_default=True,
              help="Crossfade this many frames at each end of a take from the source, for a seamless cut.")
@click.option("--take-resolution", type=click.Choice(["host", "timeline"]), default="host", show_default=True,
              help="Takes at the size the host returned, or at the source picture's size.")
@click.option("--take-codec", type=click.Choice(["h264", "prores", "dnxhd"]), default="h264", show_default=True,
              help="H.264 (.mp4), ProRes 422 HQ or DNxHR HQ (.mov) takes.")
@click.option("--base-url", "base_urls", multiple=True, metavar="[HOST=]URL", callback=base_urls_option,
              help="Send a host's API calls here (an emulator or a proxy); repeatable.")
@click.option("--poll-interval", type=click.FloatRange(0.01, 600), help="Seconds between status polls "
              "(default: what the host asks for).")
@click.option("--workflow", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              envvar="OTIO_RETAKE_COMFYUI_WORKFLOW",
              help="--provider comfyui: the studio's retake graph in API format, with {{input}}, {{start_time}}, "
                   "{{end_time}}... placeholders (README); default: the shipped LTX-2 retake graph.")
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
@journal_option
@click.option("--lease", "lease", type=click.FloatRange(1, 3600), default=pipeline.DEFAULT_LEASE_SECONDS,
              show_default=True,
              help="Seconds a claim on a job lasts unless renewed (a dead machine's jobs are taken over after it).")
@click.option("--budget-usd", type=click.FloatRange(0), help="Set the budget of --budget-scope to this (USD).")
@click.option("--budget-scope", metavar="NAME",
              help="Charge every submit to this budget in the journal (a production's, shared by every machine); "
                   "a job that would go past it is not submitted.")
@click.option("--queue", is_flag=True, help="Plan and queue the jobs in --journal for `otio-retake worker`s, print "
              "the run id and return; a later run without --queue writes the outputs.")
def run_cmd(report, budget_usd, queue, resubmit_unknown, no_resubmit_expired, **options):
    """Retake every marked range and write the timeline with the takes as alternates.

    Exit 0 every marker done, 4 some markers skipped (listed with position and reason; the others done), 5
    nothing done (every marker skipped), 2 bad input, 3 an engine failure."""
    # Every other option is stored with the run (resume runs it again from them), the journal's without its password.
    settings = pipeline.RunSettings(**options, resubmit_unknown=resubmit_unknown,
                                    no_resubmit_expired=no_resubmit_expired)
    journal = settings.journal
    if budget_usd is not None and not options["budget_scope"]:
        raise click.BadParameter("--budget-usd needs --budget-scope NAME (whose budget it is)",
                                 param_hint="--budget-usd")
    if queue and not journal:
        raise click.BadParameter("--queue needs --journal URL (the journal the workers read)", param_hint="--queue")
    session = RunSession(settings, on_warning=warn, budget_usd=budget_usd)
    plans = session.prepare()  # media not on this machine: those ranges are skipped, said why
    if queue:
        queued = session.enqueue()
        out.print(queued.run_id, highlight=False)
        err.print(f"queued {queued.jobs} job(s) as run {queued.run_id} in {queued.journal_url}; `otio-retake worker "
                  f"--journal URL` runs them, and this command again without --queue writes {queued.output}",
                  highlight=False)
        return

    def confirm(pending: float) -> bool:
        per_range: dict[str, float] = {}
        for p in plans:
            per_range[p.range.name] = per_range.get(p.range.name, 0) + p.cost_usd
        listing = ", ".join(f"{name} ${cost:.2f}" for name, cost in per_range.items())
        err.print(f"{len(plans)} take(s) of {len(per_range)} range(s); estimated ${sum(per_range.values()):.2f} "
                  f"({listing}); ${pending:.2f} not yet paid for", highlight=False)
        if not no_resubmit_expired:
            for note in session.expired_notices():
                err.print(labelled("note:", "yellow", note), highlight=False)
        if pending <= CONFIRM_ABOVE_USD or options["yes"]:
            return True
        if not sys.stdin.isatty():
            raise CostLimitError(f"the run would cost about ${pending:.2f}, above ${CONFIRM_ABOVE_USD:.0f}",
                                 hint="pass --yes to go ahead without asking (and --max-cost to cap it)")
        return click.confirm(f"Spend about ${pending:.2f}?", default=False, err=True)

    display = (LiveProgress if err.is_terminal else PlainProgress)(err, len(plans))
    session.hub.subscribe(display)
    with display:
        result = session.run(confirm=confirm)
    for warning in result.warnings:
        err.print(labelled("warning:", "yellow", warning), highlight=False)
    for take in result.takes:
        out.print(f"{take.range.name} take {take.plan.take_letter}: {take.range.record_in_tc}-"
                  f"{take.range.record_out_tc} -> {take.path}", highlight=False)
    summary = result.report
    reported = f"${summary.reported_usd:.2f} reported by the host" if summary.reported_usd is not None \
        else "not reported by the host"
    recut = f", {summary.recut} cut again from results already paid for" if summary.recut else ""
    paid = (f"cost estimated ${summary.submitted_usd:.2f}, {reported}" if summary.submitted
            else "nothing paid by this run")  # reused and re-cut jobs were paid before: no estimate for them
    out.print(f"{summary.submitted} job(s) submitted, {summary.reused} reused{recut}; {paid}", highlight=False)
    for path in result.outputs:
        out.print(f"wrote {path}", highlight=False)
    for s in result.skipped:  # left out: the editor must see which markers were not retaken, where, and why
        out.print(f"skipped {s.listing()}", highlight=False)
    if report is not None:
        pipeline.write_report(report, result)
    faults = [s for s in result.skipped if s.problem]
    if faults:
        out.print(f"{len(faults)} marker(s) skipped, {len({t.range.name for t in result.takes})} retaken",
                  highlight=False)
        raise SystemExit(SOME_SKIPPED_EXIT)


@click.command("status")
@click.argument("target", type=click.Path(path_type=Path), required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@journal_option
def status_cmd(target, as_json, journal):
    """Show every job of a workspace (or of a timeline's workspace, or of --journal) and its state, the runs,
    who holds each claim and host place, and spend against budget."""
    status = pipeline.job_status(target, journal)
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
                      f"{claim.holder} ({claim.seconds_left:.0f} s left)" if claim else "",
                      (r.error or "")[:200])  # folded in its column: a reason is not cut mid-sentence
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


@click.command("resume")
@click.argument("target", type=click.Path(path_type=Path), required=False)
@journal_option
@click.option("--run", "run_id", metavar="RUN_ID", help="The run to resume (`status` lists them; default: the "
              "latest, or with --journal the latest of the TARGET timeline).")
@click.pass_context
def resume_cmd(ctx, target, journal, run_id):
    """Run a run of a workspace again (the last one, or --run RUN_ID): finished jobs are reused, running ones
    polled, paid ones never sent twice. With --journal URL, TARGET is the timeline whose latest run to resume."""
    run, settings = pipeline.run_to_rerun(target, journal, run_id)
    err.print(f"resuming run {run['run_id']} of {settings.timeline} (started {run['started_at']})",
              highlight=False)
    params = {p.name for p in run_cmd.params}
    ctx.invoke(run_cmd, **{k: (settings.path(k) if k in ("timeline", "output", "workspace", "markers") else v)
                           for k, v in dict(settings).items() if k in params})  # the URL with its password


@click.command("cancel")
@click.argument("target", type=click.Path(path_type=Path), required=False)
@click.option("--range", "range_names", multiple=True, help="Only this range (repeatable; default: all).")
@journal_option
@click.option("--run", "run_id", metavar="RUN_ID", help="Only this run's jobs (`status` lists the runs).")
@click.option("--all", "every_run", is_flag=True, help="On a shared journal: every run's jobs, everyone's.")
def cancel_cmd(target, range_names, journal, run_id, every_run):
    """Cancel the jobs still running at the host (where the host can), and those queued or not yet sent, and mark
    them cancelled. With --journal URL, TARGET is the timeline whose latest run to cancel."""
    run, done, kept = pipeline.cancel_run(target, journal, range_names, run_id=run_id, every_run=every_run)
    for outcome in done + kept:
        out.print(f"{outcome.range_name} take {outcome.takes}: {outcome.note}", highlight=False)
    out.print(f"{len(done)} job(s) cancelled" + (f" (run {run})" if run else ""), highlight=False)


@click.command("worker")
@journal_option
@click.option("--until-idle", is_flag=True, help="Exit (0) once no queued job is left to do or being done.")
@click.option("--lease", "lease", type=click.FloatRange(1, 3600), default=pipeline.DEFAULT_LEASE_SECONDS,
              show_default=True,
              help="Seconds a claim lasts unless renewed; a dead worker's job is taken over after it.")
@click.option("--jobs", type=click.IntRange(1, 256), default=1, show_default=True,
              help="Jobs this worker does at once (the host's limit still holds across all workers).")
@click.option("--media-processes", type=click.IntRange(1, 256), default=None,
              help="Processes that cut and splice for this worker [default: one per core]; with several "
                   "workers on one machine, give each its share of the cores.")
def worker_cmd(journal, until_idle, lease, jobs, media_processes):
    """Do queued jobs from a shared journal (`run --queue`), each one whole, as `run` would; keys are this
    machine's own (environment or keyring), never the journal's."""
    from .options import warn

    def said(where: str, error: Exception | None) -> None:
        if error is None:
            out.print(f"{where}: done", highlight=False)
        elif pipeline.needs_a_person(error):  # its hint is for `run` of the timeline, not for a worker
            err.print(labelled(f"{where}:", "yellow", f"{getattr(error, 'message', error)}\n  left the queue for a "
                               "person: `otio-retake run` of its timeline with --journal says what it needs"
                               + (f" ({error.hint})" if getattr(error, "hint", None) else "")), highlight=False)
        else:
            err.print(labelled(f"{where}:", "yellow", str(error)), highlight=False)

    report = pipeline.work_queue(journal, lease=lease, until_idle=until_idle, jobs=jobs,
                                 media_processes=media_processes, on_job=said,
                                 on_start=lambda owner, url: err.print(f"worker {owner} on {url}", highlight=False),
                                 on_warning=warn)
    cancelled = {where for where, error in report.failed if isinstance(error, JobCancelledError)}
    failed = {where for where, _ in report.failed} - set(report.done) - cancelled  # jobs, not tries
    out.print(f"{len(report.done)} job(s) done, {len(failed)} failed"
              + (f", {len(cancelled)} cancelled meanwhile" if cancelled else ""), highlight=False)


COMMANDS = (plan_cmd, run_cmd, resume_cmd, status_cmd, cancel_cmd, worker_cmd)
