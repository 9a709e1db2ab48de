"""The ``otio-retake`` commands, one module per area, listed in ``cli.py`` (COMMANDS) and imported when run.

    options.py   the options several commands share (a timeline and its markers, rates, seconds, the journal)
    runs.py      plan, run, resume, status, cancel, worker
    edits.py     conform, studio, relink
    services.py  providers, emulate, bridge, schemas, resolve
    setup.py     install, doctor

A command parses its options, calls ``pipeline`` (or a stage's public function) and prints what it got:
the work is done below, so the review window, the bridge and the NLE scripts do it the same way.
"""

from __future__ import annotations

import json
import sys

import click
from rich.console import Console
from rich.text import Text

__all__ = ["out", "err", "echo_json", "labelled"]

# Markup off: what the consoles print comes from files and users (paths, marker names, prompts, hosts' words), and
# rich would read "[final]" in it as a style (the text vanishes) and "[/x]" as a closing tag (an error, after the
# output was written). Our own colours go through ``labelled``, a Text that is never parsed.
out = Console(width=None if sys.stdout.isatty() else 160, soft_wrap=True, markup=False)
err = Console(stderr=True, soft_wrap=True, markup=False)


def labelled(label: str, style: str, text: str) -> Text:
    """``label`` in ``style`` then ``text`` as it is (never read as markup)."""
    return Text.assemble((label, style), " ", text)


def echo_json(models) -> None:
    """Print contract models (``contract.py``) as the JSON array the scripts read."""
    click.echo(json.dumps([m.model_dump(mode="json") for m in models], indent=2))
