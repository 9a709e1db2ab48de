"""The command starts at once: `otio-retake --help` imports no command module (OTIO, PyAV, hosts, FastAPI, Qt,
psycopg), yet lists every command with its own words."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys

from conftest import run_cli

from otio_retake import cli
from otio_retake.commands import edits, runs, services, setup

HEAVY = ("opentimelineio", "av", "numpy", "fastapi", "PySide6", "psycopg", "httpx", "pydantic", "rich",
         "otio_retake.pipeline", "otio_retake.providers", "otio_retake.commands")


def _first_sentence(command) -> str:
    words = []
    for word in inspect.cleandoc(command.help or "").split():
        words.append(word)
        if word.endswith("."):
            break
    return " ".join(words)


def test_the_lazy_table_lists_every_command_with_its_own_first_sentence():
    loaded = {c.name: (m.__name__.rsplit(".", 1)[-1], None if c.hidden else _first_sentence(c))
              for m in (runs, edits, services, setup) for c in m.COMMANDS}
    assert cli.COMMANDS == loaded


def test_help_imports_no_command_and_a_command_still_runs(capsys):
    code = ("import sys, json; from otio_retake.cli import main; main(['--help']); "
            "print(json.dumps(sorted(sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    listing, modules = done.stdout.rsplit("\n", 2)[0], json.loads(done.stdout.rsplit("\n", 2)[1])
    assert "plan       List every marker" in listing and "schemas" not in listing
    assert [m for m in modules if m.split(".")[0] in HEAVY or any(m.startswith(h + ".") or m == h
                                                                   for h in HEAVY)] == []
    assert run_cli("providers", "--json") == 0  # loaded on demand, in process
    assert any(row["name"] == "preview" for row in json.loads(capsys.readouterr().out))
    assert run_cli("nope") == 2  # a mistyped command is refused without loading any
