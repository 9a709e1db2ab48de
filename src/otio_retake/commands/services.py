"""providers, emulate, bridge, schemas, resolve: the hosts, the local services, and Resolve from outside."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.table import Table

from ..contract import provider_rows
from ..errors import InputError
from ..model import Mode
from ..providers import provider_names
from . import echo_json, err, out
from .options import base_urls_option, seconds_option

__all__ = ["COMMANDS"]


@click.command("providers")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def providers_cmd(as_json):
    """List the hosts with their limits, prices and whether a key is configured (never the key)."""
    rows = provider_rows()
    if as_json:
        echo_json(rows)
        return
    table = Table(title="LTX-2 Retake hosts (each take is its own job)")
    for col in ("host", "model", "section", "input max", "whole s", "at once", "seed sent", "price", "key"):
        table.add_column(col)
    for r in rows:
        table.add_row(r.name, r.model, f"{r.section_seconds[0]:g}-{r.section_seconds[1]:g} s",
                      f"{r.max_input_seconds:g} s, {r.max_input_bytes // 2**20} MB",
                      "yes" if r.whole_seconds else "", str(r.max_concurrent), "yes" if r.seed_sent else "no",
                      "GPU time, no fee" if r.name != "preview" and r.key == "not needed" and not r.price_per_second
                      else f"${r.price_per_second:.2f}/s {r.billed_on}", r.key or f"missing ({r.key_env})")
    out.print(table)


@click.command("emulate")
@click.argument("host", type=click.Choice(["ltx", "fal", "wavespeed", "runware", "gmi", "oxen", "oxen-ltx2",
                                           "replicate", "comfyui"]))
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True)
@click.option("--latency", type=float, default=2.0, show_default=True, callback=seconds_option(0, 3600),
              help="Seconds each job takes.")
@click.option("--faults", help="Faults to inject, e.g. submit=429x2,poll=500,download=truncate,job=fail.")
@click.option("--key", help="Accept only this key (default: any non-empty key).")
def emulate_cmd(host, port, latency, faults, key):
    """Serve a local emulator of a host's API on 127.0.0.1 (results rendered by the preview engine)."""
    import uvicorn
    from ..emulate import make_app
    from ..emulate.core import parse_faults
    from ..emulate.server import QUIET
    try:
        rules = parse_faults(faults)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--faults") from None
    _check_port_free(port)
    app = make_app(host, latency=latency, faults=rules, key=key)
    app.state.emulator.base_url = f"http://127.0.0.1:{port}"
    err.print(f"emulating {host} on http://127.0.0.1:{port} (stats at /_emulator/stats)", highlight=False)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level=QUIET)


@click.command("bridge")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Port on 127.0.0.1 (default 8733, the "
              "port `install premiere` bakes into the panel).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Loopback address to bind (nothing else).")
@click.option("--root", type=click.Path(path_type=Path), help="Where the bridge keeps sequences, takes and runs.")
@click.option("--base-url", "base_urls", multiple=True, metavar="[HOST=]URL", callback=base_urls_option,
              help="Send a host's API calls here (an emulator or a proxy); repeatable.")
@click.option("--poll-interval", type=click.FloatRange(0.01, 600), help="Seconds between status polls.")
def bridge_cmd(port, host, root, base_urls, poll_interval):
    """Serve the local API that the Premiere Pro panel talks to (127.0.0.1 only, token required)."""
    import uvicorn
    from ..bridge import DEFAULT_PORT, create_app, default_root, is_loopback, load_token
    from ..bridge.security import PairingGate
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


@click.command("schemas", hidden=True)
@click.option("--docs", "folder", type=click.Path(path_type=Path), default=Path("docs"), show_default=True)
def schemas_cmd(folder):
    """Write the contract's JSON Schema and the bridge's OpenAPI document into docs/."""
    from ..bridge import write_schemas
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


@click.command("resolve")
@click.option("--provider", default="preview", show_default=True, type=click.Choice(provider_names()))
@click.option("--marker-color", help="Only markers of this Resolve colour (e.g. Blue).")
@click.option("--mode", type=click.Choice([m.value for m in Mode]))
@click.option("--takes", type=click.IntRange(1, 26))
@click.option("--workspace", type=click.Path(path_type=Path))
@click.option("--conform", "do_conform", is_flag=True, help="Conform the picks instead of retaking.")
def resolve_cmd(provider, marker_color, mode, takes, workspace, do_conform):
    """Retake the marked ranges of Resolve's current timeline from outside Resolve (Studio, external scripting)."""
    from ..integrations.resolve import run_outside
    summary = run_outside(conform=do_conform, provider=provider, marker_color=marker_color, mode=mode, takes=takes,
                          workspace=workspace)
    click.echo(json.dumps(summary.model_dump(exclude_unset=True), indent=2))  # the keys the script gave


COMMANDS = (providers_cmd, emulate_cmd, bridge_cmd, schemas_cmd, resolve_cmd)
