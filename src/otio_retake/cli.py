"""The ``otio-retake`` command: the group, its commands (``commands/``, one module per area) and ``main``.

Every ``RetakeError`` is printed as a message (with its hint) and a non-zero
exit code; only an internal bug prints a traceback, and only with --debug.
The commands are a thin layer over ``pipeline``: no command opens a journal or
builds a runner itself, and every JSON they print is a model of ``contract.py``.
"""

from __future__ import annotations

import os
import signal
import sys

# numpy's OpenBLAS starts a thread per core when imported, and they spin before they sleep: about 0.1 s of CPU
# on every start of this command and of a worker's media processes (measured on 2 cores), for linear algebra
# otio-retake never does. Set before anything imports numpy; a value the user gives wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import importlib

import click

from .errors import RetakeError

__all__ = ["main", "cli", "COMMANDS"]

INTERNAL_ERROR_EXIT = 70  # EX_SOFTWARE

# Every command: the module of commands/ that holds it, and the first sentence of its help (None: hidden). A
# command's module is imported only when that command is asked for: `otio-retake --help` (or a mistyped name)
# answers at once instead of importing OTIO, PyAV, the hosts, FastAPI and Qt. tests/test_cli_start.py checks
# these sentences are the commands' own.
COMMANDS: dict[str, tuple[str, str | None]] = {
    "plan": ("runs", "List every marker: what would be sent for each range and what it costs, or why it is "
                     "skipped."),
    "run": ("runs", "Retake every marked range and write the timeline with the takes as alternates."),
    "resume": ("runs", "Run a run of a workspace again (the last one, or --run RUN_ID): finished jobs are reused, "
                       "running ones polled, paid ones never sent twice."),
    "status": ("runs", "Show every job of a workspace (or of a timeline's workspace, or of --journal) and its "
                       "state, the runs, who holds each claim and host place, and spend against budget."),
    "cancel": ("runs", "Cancel the jobs still running at the host (where the host can), and those queued or not "
                       "yet sent, and mark them cancelled."),
    "worker": ("runs", "Do queued jobs from a shared journal (`run --queue`), each one whole, as `run` would; keys "
                       "are this machine's own (environment or keyring), never the journal's."),
    "conform": ("edits", "Put the picked takes into the cut (the .otio that `run` wrote)."),
    "studio": ("edits", "Open the review window on a timeline or on the workspace of an earlier run."),
    "relink": ("edits", "Report which media file each clip uses, and what is missing (exit 1 if anything is)."),
    "providers": ("services", "List the hosts with their limits, prices and whether a key is configured (never "
                              "the key)."),
    "emulate": ("services", "Serve a local emulator of a host's API on 127.0.0.1 (results rendered by the "
                            "preview engine)."),
    "bridge": ("services", "Serve the local API that the Premiere Pro panel talks to (127.0.0.1 only, token "
                           "required)."),
    "schemas": ("services", None),
    "resolve": ("services", "Retake the marked ranges of Resolve's current timeline from outside Resolve "
                            "(Studio, external scripting)."),
    "install": ("setup", "Install otio-retake into an editing application."),
    "doctor": ("setup", "Explain what is set up for an editing application (or what a host's guesses are) and "
                        "how to fix it."),
}


class LazyGroup(click.Group):
    """The command group that imports a command's module when the command is asked for (see COMMANDS)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module = importlib.import_module(f".commands.{COMMANDS[cmd_name][0]}", __package__)
        return next(c for c in module.COMMANDS if c.name == cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        shown = [(name, summary) for name, (_, summary) in sorted(COMMANDS.items()) if summary is not None]
        limit = formatter.width - 6 - max(len(name) for name, _ in shown)
        with formatter.section("Commands"):
            formatter.write_dl([(name, click.Command(name, help=summary).get_short_help_str(limit))
                                for name, summary in shown])


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
@click.version_option(package_name="otio-retake")
@click.pass_context
def cli(ctx, debug):
    """Retake the marked ranges of an editor's timeline with LTX-2 Retake."""
    ctx.obj = {"debug": debug}


def _take_ctrl_c() -> None:
    # A shell starts a script's background job (`otio-retake run ... &`) with Ctrl-C ignored, and Python leaves it
    # so: such a run could not be stopped the graceful way (journal kept, jobs cancellable), neither by Ctrl-C nor
    # by a panel's Cancel through the bridge, which sends it SIGINT. A run's graceful stop is its Ctrl-C path.
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def main(argv: list[str] | None = None) -> int:
    if argv is None:  # run as the program, not called in process
        _take_ctrl_c()
    try:
        cli.main(args=argv, prog_name="otio-retake", standalone_mode=False)
    except (Exception, KeyboardInterrupt, SystemExit) as exc:
        return _exit_for(exc, argv)
    return 0


def _exit_for(exc: BaseException, argv: list[str] | None) -> int:
    """The exit code for what stopped the command, said in one line (rich is loaded only when there is an error)."""
    from .commands import err, labelled
    if isinstance(exc, RetakeError):
        err.print(labelled("error:", "red", str(exc)), highlight=False)
        return exc.exit_code
    if isinstance(exc, click.exceptions.Abort):
        err.print("aborted")
        return 130
    if isinstance(exc, click.BadParameter):  # one line that says which option and why, not the usage text
        err.print(labelled("error:", "red", exc.format_message()), highlight=False)
        return exc.exit_code
    if isinstance(exc, click.ClickException):
        exc.show()
        return exc.exit_code
    if isinstance(exc, SystemExit):
        return int(exc.code or 0)
    if isinstance(exc, KeyboardInterrupt):
        err.print("interrupted")
        return 130
    # an internal bug: say so plainly, details on request
    if "--debug" in (argv if argv is not None else sys.argv):
        raise exc
    err.print(labelled("internal error:", "red", f"{type(exc).__name__}: {exc}\n  this is a bug in otio-retake; "
                       "re-run with --debug for the traceback"), highlight=False)
    return INTERNAL_ERROR_EXIT


if __name__ == "__main__":
    sys.exit(main())
