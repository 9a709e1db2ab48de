"""A timeline -> the file(s) its extension asks for, written atomically.

``.otio`` (OTIO JSON), ``.xml`` (FCP 7 XML, with ``pathurl``s as valid
``file://`` URLs) and ``.edl`` (CMX 3600; one file per video track when
there is more than one: ``OUT.<track>.edl``). Every file is written to a
temporary name beside its destination and renamed; an existing output is
refused unless ``force``.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

import opentimelineio as otio

from ..errors import InputError, OutputExistsError
from ..paths import path_to_url, url_to_path
from .edl_write import write_edl_text
from .read import timeline_rate
from .segments import video_tracks

__all__ = ["write_timeline", "check_output", "output_paths", "SUPPORTED_WRITE_SUFFIXES"]

SUPPORTED_WRITE_SUFFIXES = (".otio", ".edl", ".xml")


def _edl_groups(timeline: otio.schema.Timeline):
    """(video track or None, audio tracks, label): a video track with the audio tracks of its name."""
    videos = video_tracks(timeline)
    audios = [t for t in timeline.tracks if isinstance(t, otio.schema.Track) and t.kind == otio.schema.TrackKind.Audio]
    groups = []
    claimed = set()
    for index, video in enumerate(videos):
        label = video.name or f"V{index + 1}"
        paired = [a for a in audios if a.name and a.name == video.name]
        claimed.update(id(a) for a in paired)
        groups.append((video, paired, label))
    for index, audio in enumerate(audios):
        if id(audio) not in claimed and (audio.name or "").startswith("Retake"):
            groups.append((None, [audio], audio.name))
    return groups


def _slug(label: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in label).strip("_") or "track"


def output_paths(timeline: otio.schema.Timeline, out: Path) -> list[Path]:
    """Every file ``write_timeline`` will write for ``out``."""
    suffix = out.suffix.lower()
    if suffix not in SUPPORTED_WRITE_SUFFIXES:
        raise InputError(f"{out}: cannot write '{suffix or '(no extension)'}' timelines",
                         hint="use one of: " + ", ".join(SUPPORTED_WRITE_SUFFIXES))
    if suffix == ".edl":
        groups = _edl_groups(timeline)
        if len(groups) > 1:
            return [out.with_name(f"{out.stem}.{_slug(label)}.edl") for _, _, label in groups]
    return [out]


def _atomic_write(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    try:
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def check_output(timeline: otio.schema.Timeline, out: Path, *, force: bool) -> list[Path]:
    """The paths that will be written; refuses existing ones (unless ``force``) and missing folders."""
    paths = output_paths(timeline, out)
    existing = [p for p in paths if p.exists()]
    if out.suffix.lower() == ".edl":  # the number of per-track files is known only once takes are added
        existing = sorted({*existing, *([out] if out.exists() else []), *out.parent.glob(f"{out.stem}.*.edl")})
    if existing and not force:
        raise OutputExistsError(f"output already exists: {', '.join(map(str, existing))}",
                                hint="choose another name or pass --force to replace it")
    if not out.parent.is_dir():
        raise InputError(f"{out}: the folder {out.parent} does not exist")
    return paths


def write_timeline(timeline: otio.schema.Timeline, out: str | Path, *, force: bool = False) -> list[Path]:
    out = Path(out)
    paths = check_output(timeline, out, force=force)
    suffix = out.suffix.lower()
    if suffix == ".otio":
        _atomic_write(out, otio.adapters.write_to_string(timeline, "otio_json"))
    elif suffix == ".xml":
        _atomic_write(out, fcp_xml_text(timeline))
    else:
        rate = timeline_rate(timeline)
        markers = _record_markers(timeline, rate)
        for path, (video, audio, label) in zip(paths, _edl_groups(timeline)):
            title = f"{timeline.name or out.stem} {label}".strip()
            # Markers belong to the cut, not to the takes: they go with the first video track.
            track_markers = markers if video is not None and video is video_tracks(timeline)[0] else []
            _atomic_write(path, write_edl_text(timeline, video, audio, rate=rate, title=title, markers=track_markers))
    return paths


def _record_markers(timeline: otio.schema.Timeline, rate) -> list[tuple[int, otio.schema.Marker]]:
    r = float(rate)
    out = [(round(m.marked_range.start_time.rescaled_to(r).value), m) for m in timeline.tracks.markers]
    for track in timeline.tracks:
        for marker in getattr(track, "markers", []):
            rng = track.transformed_time_range(marker.marked_range, timeline.tracks)
            out.append((round(rng.start_time.rescaled_to(r).value), marker))
        for clip in track.find_clips(shallow_search=True) if isinstance(track, otio.schema.Track) else []:
            for marker in clip.markers:
                rng = clip.transformed_time_range(marker.marked_range, timeline.tracks)
                out.append((round(rng.start_time.rescaled_to(r).value), marker))
    return out


def fcp_xml_text(timeline: otio.schema.Timeline) -> str:
    """FCP 7 XML from the adapter, with what it gets wrong put right.

    The adapter writes a ``pathurl`` as given (a plain path is not a URL) and
    drops track names; Premiere and Resolve want ``file://`` URLs.
    """
    text = otio.adapters.write_to_string(timeline, "fcp_xml")
    root = ET.fromstring(text)
    for pathurl in root.iter("pathurl"):
        value = (pathurl.text or "").strip()
        if value and not value.startswith("file:"):
            path = url_to_path(value)
            pathurl.text = path_to_url(path) if Path(path).is_absolute() else value
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE xmeml>\n' + body + "\n"
