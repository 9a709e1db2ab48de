"""``install`` and ``doctor``: putting otio-retake into an editing application, and saying what is set up (an
editor's scripts or panel, a host's guesses, a studio's ComfyUI server) and how to fix it."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from ..providers import provider_names
from . import err, out
from .options import base_urls_option

__all__ = ["COMMANDS"]


@click.group("install")
def install_group():
    """Install otio-retake into an editing application."""


@click.group("doctor")
def doctor_group():
    """Explain what is set up for an editing application (or what a host's guesses are) and how to fix it."""


@install_group.command("resolve")
@click.option("--dest", type=click.Path(path_type=Path),
              help="Scripts folder (default: Resolve's per-user Fusion/Scripts/Utility for this OS).")
@click.option("--workspace", type=click.Path(path_type=Path), help="Where runs from Resolve keep their files.")
@click.option("--provider", default="preview", show_default=True, type=click.Choice(provider_names()),
              help="The host the scripts use when Resolve offers no dialog.")
def install_resolve_cmd(dest, workspace, provider):
    """Copy the Resolve scripts and record which Python runs otio-retake."""
    from ..integrations.resolve import install
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
    from ..bridge import DEFAULT_PORT
    from ..integrations.premiere import LOAD_STEPS, install
    done = install(dest, port=port or DEFAULT_PORT)
    for path in done["files"]:
        out.print(f"wrote {path}", highlight=False)
    out.print(f"Double-click {done['ccx']} to install it, or " +
              LOAD_STEPS.format(manifest=Path(done["folder"]) / "manifest.json"), highlight=False)
    out.print(f"Then run `otio-retake bridge --port {done['port']}` and pair the panel with the code it prints.",
              highlight=False)


@doctor_group.command("resolve")
@click.option("--dest", type=click.Path(path_type=Path), help="Scripts folder to check.")
def doctor_resolve_cmd(dest):
    """Resolve edition and version, the scripts folder, external scripting, the Python the scripts call."""
    from ..integrations.resolve import doctor
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
    from ..bridge import DEFAULT_PORT
    from ..integrations.premiere import doctor
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
    @click.option("--base-url", callback=base_urls_option,
                  help="Send the probe here (an emulator or a proxy).")
    @click.option("--poll-interval", type=click.FloatRange(0.01, 600), help="Seconds between status polls.")
    def doctor_host_cmd(do_probe, yes, base_url, poll_interval):
        """What docs/hosts.md could not confirm about this host; --probe checks it for a few cents."""
        import tempfile
        if host == "ltx-local":  # this machine: the extra, CUDA and the weight files
            from ..providers.ltx_local import readiness as local_readiness
            _print_findings(local_readiness())
            return
        if host == "comfyui":  # a studio's own server: readiness, nothing to probe for money
            from .. import pipeline
            _doctor_comfyui(pipeline.parse_base_urls((base_url,), host).get(host) if base_url else None)
            return
        from ..jobs.probe import CONTRADICTED, probe_host, probe_plan
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


def _doctor_comfyui(base_url: str | None) -> None:
    """Server reachable, GPU, nodes of the workflow present (OTIO_RETAKE_COMFYUI_WORKFLOW or the default)."""
    import os
    from ..providers import WORKFLOW_ENV
    from ..providers.comfyui import readiness
    workflow = Path(os.environ[WORKFLOW_ENV]) if os.environ.get(WORKFLOW_ENV) else None
    _print_findings(readiness(base_url, workflow))


def _print_findings(findings) -> None:
    for ok, what, fix in findings:
        out.print(f"{'ok ' if ok else 'NO '} {what}" + (f"\n     fix: {fix}" if fix else ""), highlight=False)
    if not all(ok for ok, _, _ in findings):
        raise SystemExit(1)


for _host in [n for n in provider_names() if n != "preview"]:
    _doctor_host_command(_host)


COMMANDS = (install_group, doctor_group)
