"""conform, studio, relink: choosing takes, reviewing them, and finding the cut's media."""

from __future__ import annotations

from pathlib import Path

import click

from .. import pipeline
from ..errors import InputError
from ..providers import provider_names
from . import echo_json, out
from .options import DIRECTORY, base_urls_option, rate_option

__all__ = ["COMMANDS"]


@click.command("conform")
@click.argument("timeline", type=click.Path(path_type=Path))
@click.option("--pick", "picks", multiple=True, metavar="NAME=LETTER",
              help="The take to use for a range (repeatable; default: the picks made in `otio-retake studio`).")
@click.option("--pick-all", metavar="LETTER", help="Use this take for every range that has it.")
@click.option("-o", "--output", "output", required=True, type=click.Path(path_type=Path),
              help="The final cut: .otio, .edl, .xml, .fcpxml or .aaf (Avid, with OUT.markers.txt).")
@click.option("--keep-alternates", is_flag=True, help="Keep the Retake tracks in the output.")
@click.option("--force", is_flag=True, help="Replace an existing output.")
@click.option("--project", metavar="NAME", help="The project to read of an FCPXML, or the timeline of an OTIO collection, that holds several.")
def conform_cmd(timeline, picks, pick_all, output, keep_alternates, force, project):
    """Put the picked takes into the cut (the .otio that `run` wrote)."""
    parsed = {}
    for pick in picks:
        name, sep, letter = pick.rpartition("=")
        if not sep or not name or len(letter.strip()) != 1:
            raise click.BadParameter(f"'{pick}' is not NAME=LETTER (e.g. sky=B)", param_hint="--pick")
        parsed[name] = letter.strip()
    outputs, chosen = pipeline.conform_file(timeline, output, picks=parsed or None, pick_all=pick_all,
                                            keep_alternates=keep_alternates, force=force, project=project)
    for name, letter in chosen.items():
        out.print(f"{name}: take {letter}", highlight=False)
    for path in outputs:
        out.print(f"wrote {path}", highlight=False)


@click.command("studio")
@click.argument("target", required=False, type=click.Path(path_type=Path))
@click.option("--workspace", type=click.Path(path_type=Path),
              help="The run's folder (default: <timeline stem>.retake beside it).")
@click.option("--provider", default="preview", show_default=True, type=click.Choice(provider_names()),
              help="The engine new takes are made with.")
@click.option("--media-dir", "media_dirs", multiple=True, type=DIRECTORY,
              help="Folder to look for media in (repeatable; it must exist).")
@click.option("--markers", type=click.Path(path_type=Path), help="A Resolve markers EDL to overlay on the cut.")
@click.option("--fps", help="Frame rate of an EDL.")
@click.option("--base-url", "base_urls", multiple=True, metavar="[HOST=]URL", callback=base_urls_option,
              help="Send a host's API calls here (an emulator or a proxy); repeatable.")
@click.option("--poll-interval", type=click.FloatRange(0.01, 600), help="Seconds between status polls.")
@click.option("--screenshot", type=click.Path(path_type=Path),
              help="Open offscreen, load, select the first range, write a picture of the window here and exit.")
def studio_cmd(target, workspace, provider, media_dirs, markers, fps, base_urls, poll_interval, screenshot):
    """Open the review window on a timeline or on the workspace of an earlier run."""
    try:
        from ..studio.window import run_studio
    except ImportError as exc:
        raise InputError(f"the studio needs PySide6 ({exc})", hint="pip install 'otio-retake[studio]'") from None
    code = run_studio(target, screenshot=screenshot, workspace=workspace, provider=provider,
                      media_dirs=list(media_dirs), markers=markers, fps=fps,
                      base_urls=pipeline.parse_base_urls(base_urls, provider), poll_interval=poll_interval)
    if screenshot and code == 0:
        out.print(f"wrote {screenshot}", highlight=False)
    if code:
        raise SystemExit(code)


@click.command("relink")
@click.argument("timeline", type=click.Path(path_type=Path))
@click.option("--media-dir", "media_dirs", multiple=True, type=DIRECTORY,
              help="Folder to look for media in (repeatable; it must exist).")
@click.option("--fps", callback=rate_option, help="Frame rate of an EDL.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--project", metavar="NAME", help="The project to read of an FCPXML, or the timeline of an OTIO collection, that holds several.")
def relink_cmd(timeline, media_dirs, fps, as_json, project):
    """Report which media file each clip uses, and what is missing (exit 1 if anything is)."""
    tl, resolver = pipeline.open_timeline(timeline, fps=fps, media_dirs=list(media_dirs), project=project)
    rows = pipeline.relink_report(tl, resolver)
    missing = [r for r in rows if r.path is None]
    if as_json:
        echo_json(rows)
    else:
        for row in rows:
            clips = ", ".join(sorted(set(row.clips)))
            if row.path:
                out.print(f"found   {row.path} ({row.how}; media starts at frame {row.start_frame}) "
                          f"<- {clips}", highlight=False)
            else:
                out.print(f"MISSING {row.wanted}", highlight=False)
        out.print(f"{len(rows) - len(missing)} found, {len(missing)} missing", highlight=False)
    if missing:
        raise SystemExit(1)


COMMANDS = (conform_cmd, studio_cmd, relink_cmd)
