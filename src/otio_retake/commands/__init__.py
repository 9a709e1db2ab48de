"""The ``otio-retake`` commands, one module per area, registered by ``cli.py``.

    options.py   the options several commands share (a timeline and its markers, rates, seconds, the journal)
    runs.py      plan, run, resume, status, cancel, worker
    edits.py     conform, studio, relink
    services.py  providers, emulate, bridge, schemas, resolve

A command parses its options, calls ``pipeline`` (or a stage's public function) and prints what it got:
the work is done below, so the review window, the bridge and the NLE scripts do it the same way.
"""

from __future__ import annotations

import json
import sys

import click
from rich.console import Console

__all__ = ["out", "err", "echo_json"]

out = Console(width=None if sys.stdout.isatty() else 160, soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def echo_json(models) -> None:
    """Print contract models (``contract.py``) as the JSON array the scripts read."""
    click.echo(json.dumps([m.model_dump(mode="json") for m in models], indent=2))
