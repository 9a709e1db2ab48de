"""Options that several commands share, with their checks (said as one line naming the option)."""

from __future__ import annotations

import math
from pathlib import Path

import click

from .. import pipeline
from ..errors import RetakeError
from ..model import Mode
from ..providers import provider_names
from ..timecode import snap_rate
from . import err, labelled

__all__ = ["rate_option", "seconds_option", "base_urls_option", "journal_option", "timeline_options",
           "load_and_plan"]


# A folder that must exist: a mistyped --media-dir is said, not silently looked in and never found.
DIRECTORY = click.Path(path_type=Path, exists=True, file_okay=False)


def rate_option(ctx, param, value):
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


def seconds_option(low: float, high: float, *, low_open: bool = False):
    """Seconds within [low, high] (``low_open``: above low), finite: nan and inf are refused."""
    def check(ctx, param, value):
        if value is None:
            return None
        if not math.isfinite(value) or value > high or value < low or (low_open and value == low):
            lower = f"above {low:g}" if low_open else f"at least {low:g}"
            raise click.BadParameter(f"{value:g} is not a number of seconds {lower} and at most {high:g}")
        return value
    return check


def _journal_url(ctx, param, value):
    """A journal URL, checked before any work (not a plain path: a typo must not become a new SQLite file)."""
    if value is None:
        return None
    from click.core import ParameterSource
    where = pipeline.JOURNAL_ENV if ctx.get_parameter_source(param.name) is ParameterSource.ENVIRONMENT \
        else "--journal"
    return pipeline.check_journal_url(value, where)


def base_urls_option(ctx, param, values):
    """``--base-url [HOST=]URL``s, checked before any work: a mistyped host must not send to the real one."""
    try:
        pipeline.parse_base_urls((values,) if isinstance(values, str) else values, "preview")
    except RetakeError as exc:
        said = exc.message.removeprefix(f"--{param.name.removesuffix('s').replace('_', '-')} ")
        raise click.BadParameter(f"{said}; {exc.hint}" if exc.hint else said) from None
    return values


def journal_option(f):
    return click.option("--journal", "journal", envvar=pipeline.JOURNAL_ENV, metavar="URL", callback=_journal_url,
                        help="The journal: sqlite:///PATH (default: jobs.sqlite in the workspace) or "
                             f"postgresql://USER@HOST/DB for a facility's shared one (or ${pipeline.JOURNAL_ENV}).")(f)


def timeline_options(f):
    options = [
        click.argument("timeline", type=click.Path(path_type=Path)),
        click.option("--markers", "markers", type=click.Path(path_type=Path),
                     help="Markers to overlay on the cut: a Resolve 'Timeline Markers to EDL' file or an Avid "
                          "marker list (.txt from Media Composer's Markers window > Export Markers)."),
        click.option("--fps", callback=rate_option,
                     help="Frame rate of an EDL (e.g. 23.976, 25, 29.97); read from FCM: otherwise."),
        click.option("--media-dir", "media_dirs", multiple=True,
                     type=DIRECTORY,
                     help="Folder to look for media in (repeatable; it must exist)."),
        click.option("--project", metavar="NAME",
                     help="The project to read of an FCPXML library or event, or the timeline of an OTIO collection, that holds several."),
        click.option("--marker-color", "marker_colors", multiple=True,
                     help="Only markers of this colour count (repeatable; default: all)."),
        click.option("--marker-prefix", help="Only markers whose name starts with this count."),
        click.option("--default-length", type=float, callback=seconds_option(0, 600, low_open=True),
                     help="Seconds to give zero-length (point) markers, from the marker on."),
        click.option("--mode", type=click.Choice([m.value for m in Mode]),
                     help="Default mode for markers without a 'mode:' line (default video)."),
        click.option("--takes", type=click.IntRange(1, 26), help="Default number of takes per range."),
        click.option("--seed", type=int, help="Default seed (take N uses seed + N)."),
        click.option("--provider", default="preview", show_default=True,
                     type=click.Choice(provider_names()), help="The engine that makes the takes."),
        click.option("--widen", is_flag=True, help="Extend ranges shorter than the engine's minimum evenly."),
        click.option("--context", "context_seconds", type=float, callback=seconds_option(0, 600),
                     help="Seconds of context each side of a range (default 2)."),
        click.option("--picture-track", metavar="NAME",
                     help="The video track whose footage is sent (its name, or V1, V2...; default: under each "
                          "frame, the topmost track holding footage, never a title, graphic or take)."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def warn(warning: str) -> None:
    err.print(labelled("warning:", "yellow", warning), highlight=False)


def load_and_plan(settings: pipeline.RunSettings, require: bool = True):
    """``pipeline.load_and_plan`` of the settings, its warnings printed."""
    return pipeline.load_and_plan(settings, on_warning=warn, require=require)
