"""A timeline -> the file(s) its extension asks for, written atomically.

- ``.otio``: OTIO JSON with the schema versions of OTIO 0.14 (Clip.1), which
  every OTIO reader since then (Resolve's included) understands;
- ``.xml``: FCP 7 XML through ``otio_retake_fcp_xml``;
- ``.fcpxml``: FCPXML 1.10 through ``otio_retake_fcpx_xml``, takes as auditions;
- ``.aaf``: Avid AAF through the AAF adapter plus the locators it drops (``aaf_write``), and
  ``OUT.markers.txt``, an Avid marker list with one locator per take;
- ``.edl``: CMX 3600 through ``otio_retake_edl``, one file per enabled video
  track when there is more than one (``OUT.<track>.edl``), plus
  ``OUT.markers.edl`` in Resolve's "Timeline Markers to EDL" format when the
  cut has markers; what an EDL cannot carry is refused before any work.

Every file is written to a temporary name beside its destination and
renamed; an existing output is refused unless ``force``.
"""

from __future__ import annotations

import os
from pathlib import Path, PureWindowsPath

import opentimelineio as otio

from ..errors import InputError, OutputExistsError, UnsupportedEditError
from ..paths import atomic_path, atomic_write, path_to_url, url_to_path
from .aaf_write import check_aaf_writable, take_locators, write_aaf
from .avid_markers import write_marker_list
from .edl_write import check_edl_writable, edl_groups
from .fcp_xml import check_fcp_xml_writable
from .info import NAMESPACE, namespace
from .marks import record_markers
from .segments import time_effect

__all__ = ["write_timeline", "check_output", "absolute_media", "editor_files", "output_paths", "SUPPORTED_WRITE_SUFFIXES", "RESOLVE_SAFE_SCHEMAS"]

SUPPORTED_WRITE_SUFFIXES = (".otio", ".edl", ".xml", ".fcpxml", ".aaf")
RESOLVE_SAFE_SCHEMAS = otio.versioning.fetch_map("OTIO_CORE", "0.14.0")


def _slug(label: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in label).strip("_") or "track"


def output_paths(timeline: otio.schema.Timeline, out: Path) -> list[Path]:
    """Every file ``write_timeline`` will write for ``out``."""
    suffix = out.suffix.lower()
    if suffix not in SUPPORTED_WRITE_SUFFIXES:
        raise InputError(f"{out}: cannot write '{suffix or '(no extension)'}' timelines",
                         hint="use one of: " + ", ".join(SUPPORTED_WRITE_SUFFIXES))
    if suffix == ".aaf":
        return [out, out.with_suffix(".markers.txt")]
    if suffix != ".edl":
        return [out]
    groups = edl_groups(timeline)
    paths = [out] if len(groups) == 1 else [out.with_name(f"{out.stem}.{_slug(label)}.edl") for _, _, label in groups]
    if record_markers(timeline):
        paths.append(out.with_name(f"{out.stem}.markers.edl"))
    return paths


def editor_files(timeline: otio.schema.Timeline) -> set[Path]:
    """The files the editor gave us (the timeline, its markers EDL, the Retake EDLs read with it, its media):
    never written, even with --force."""
    ours = namespace(timeline, NAMESPACE)
    files = {Path(p) for p in (ours.get("source_file"), ours.get("markers_file"), *ours.get("take_files", ())) if p}
    base = Path(ours["source_file"]).resolve().parent if ours.get("source_file") else Path.cwd()
    for clip in timeline.find_clips():
        ref = clip.media_reference
        if isinstance(ref, otio.schema.ExternalReference) and ref.target_url:
            path = Path(url_to_path(ref.target_url))
            files.add(path if path.is_absolute() else base / path)
    return {_same_file_key(p) for p in files}


def _same_file_key(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:
        return path.absolute()


def check_output(timeline: otio.schema.Timeline, out: Path, *, force: bool) -> list[Path]:
    """The paths that will be written; refuses the editor's own files (even with ``force``), existing
    ones (unless ``force``), missing folders and folders we cannot write in."""
    paths = output_paths(timeline, out)
    if out.suffix.lower() == ".edl":  # what an EDL cannot carry (a nest, an iris) is refused now, not after the run
        check_edl_writable(timeline)
    elif out.suffix.lower() == ".xml":  # likewise a speed ramp in FCP 7 XML
        check_fcp_xml_writable(timeline)
    if out.suffix.lower() in _NO_CDL:
        _check_no_cdl(timeline, _NO_CDL[out.suffix.lower()])
    if out.suffix.lower() in (".aaf", ".fcpxml"):  # their writers lay a nest out at 100 %
        _check_nests_not_retimed(timeline, "AAF" if out.suffix.lower() == ".aaf" else "FCPXML")
    if out.suffix.lower() == ".aaf":  # and a speed ramp in AAF
        check_aaf_writable(timeline)
    protected = editor_files(timeline)
    for path in paths:
        if _same_file_key(path) in protected:
            raise InputError(f"{path}: is one of the editor's own files (the input timeline, its markers EDL or "
                             "its media); otio-retake never writes over them, even with --force",
                             hint="write the output under another name (e.g. add _retake)")
    existing = [p for p in paths if p.exists()]
    if out.suffix.lower() == ".edl":  # the number of per-track files is known only once takes are added
        existing = sorted({*existing, *([out] if out.exists() else []), *out.parent.glob(f"{out.stem}.*.edl")})
    if existing and not force:
        raise OutputExistsError(f"output already exists: {', '.join(map(str, existing))}",
                                hint="choose another name or pass --force to replace it")
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"{out}: the folder {out.parent} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"{out}: the folder {folder} cannot be written to (permission denied)",
                         hint="choose an output folder you can write in")
    return paths


def _check_nests_not_retimed(timeline: otio.schema.Timeline, format_name: str) -> None:
    """A retimed nest (an OTIO Stack or nested Track with a speed change or a freeze) is refused by name: the AAF
    and FCPXML writers would lay it out at 100 %, showing other frames and moving every later clip."""
    for nest in timeline.tracks.find_children(descended_from_type=otio.core.Composition):
        retimed = time_effect(nest) if nest.parent() is not timeline.tracks else None
        if retimed:
            raise UnsupportedEditError(f"nest '{nest.name}' is retimed ({retimed}), which this {format_name} writer "
                                       "cannot carry", hint="write .otio instead")


# Formats with no place for an ASC CDL (an EDL's *ASC_SOP / *ASC_SAT): Premiere's and Final Cut's colour are
# their own effects, Avid's AAF colour is Avid's; written anyway, a VFX pull's colour decisions would vanish.
_NO_CDL = {".xml": "FCP 7 XML", ".fcpxml": "FCPXML", ".aaf": "AAF"}


def _check_no_cdl(timeline: otio.schema.Timeline, format_name: str) -> None:
    graded = [c.name or "(unnamed)" for c in timeline.find_clips() if hasattr(c.metadata.get("cdl"), "get")]
    if graded:
        more = f" and {len(graded) - 1} more" if len(graded) > 1 else ""
        raise UnsupportedEditError(
            f"clip '{graded[0]}'{more} carries an ASC CDL (*ASC_SOP/*ASC_SAT), which {format_name} cannot carry",
            hint="write .edl or .otio to keep the colour decisions")


def _write_aaf(timeline: otio.schema.Timeline, paths: list[Path]) -> None:
    out, markers = paths
    with atomic_path(out) as partial:
        write_aaf(timeline, partial, name=str(out))
        atomic_write(markers, write_marker_list(timeline, take_locators(timeline)), newline="")


def absolute_media(timeline: otio.schema.Timeline) -> otio.schema.Timeline:
    """A copy whose media references are absolute ``file://`` URLs, so the output opens wherever it is written.

    A relative reference is relative to the timeline it was read from (``source_file``), as
    ``relink`` reads it; a Windows path keeps its drive.
    """
    out = timeline.deepcopy()
    source = namespace(out, NAMESPACE).get("source_file")
    base = Path(os.path.abspath(source)).parent if source else Path.cwd()
    for clip in out.find_clips():
        ref = clip.media_reference
        if not isinstance(ref, otio.schema.ExternalReference) or not ref.target_url:
            continue
        raw = url_to_path(ref.target_url)
        if PureWindowsPath(raw).drive or raw.startswith("\\\\"):
            if not ref.target_url.startswith("file:"):
                ref.target_url = path_to_url(raw)
            continue
        # absolute, not resolved: a media folder that is a link stays the path the editor gave
        ref.target_url = Path(os.path.abspath(base / raw)).as_uri()
    return out


def nests_of_tracks(timeline: otio.schema.Timeline) -> None:
    """Every nest as a Stack of tracks, the only form the EDL, FCP 7 XML and AAF writers know (they failed with
    the adapters' TypeErrors and ValueErrors): an item stacked straight in a Stack (OTIO allows clips there:
    OTIO's own nested_example.otio) becomes a video track of that one item, and a Track nested in a track a
    Stack holding it, with its trim, effects and markers; a nest's tracks last to its out-point. The same
    picture at the same frames."""
    for track in list(timeline.tracks.find_children(descended_from_type=otio.schema.Track)):
        parent = track.parent()
        if not isinstance(parent, otio.schema.Track):
            continue
        index = parent.index(track)
        parent.remove(track)  # OTIO has one parent per item: out of its place before into its new one
        nest = otio.schema.Stack(name=track.name, source_range=track.source_range,
                                 markers=[m.deepcopy() for m in track.markers],
                                 effects=[e.deepcopy() for e in track.effects], metadata=track.metadata)
        nest.enabled, track.source_range = track.enabled, None
        del track.markers[:], track.effects[:]
        nest.append(track)
        parent.insert(index, nest)
    for stack in [timeline.tracks, *timeline.tracks.find_children(descended_from_type=otio.schema.Stack)]:
        for index, child in enumerate(list(stack)):
            if isinstance(child, otio.schema.Track):
                continue
            stack.remove(child)
            stack.insert(index, otio.schema.Track(name=child.name, kind=otio.schema.TrackKind.Video,
                                                  children=[child]))
        if stack is timeline.tracks or stack.source_range is None:
            continue
        end = stack.source_range.end_time_exclusive()  # a nest longer than what it holds shows nothing after:
        for track in stack:  # a gap, so a writer that lays its tracks out (AAF) does not shorten the cut
            if track.duration() < end:
                track.append(otio.schema.Gap(duration=end - track.duration()))


def write_timeline(timeline: otio.schema.Timeline, out: str | Path, *, force: bool = False) -> list[Path]:
    out = Path(out)
    paths = check_output(timeline, out, force=force)
    timeline = absolute_media(timeline)
    suffix = out.suffix.lower()
    if suffix != ".otio":
        nests_of_tracks(timeline)
    if suffix == ".otio":
        atomic_write(out, otio.adapters.write_to_string(timeline, "otio_json",
                                                         target_schema_versions=RESOLVE_SAFE_SCHEMAS))
    elif suffix == ".xml":
        atomic_write(out, otio.adapters.write_to_string(timeline, "otio_retake_fcp_xml"))
    elif suffix == ".fcpxml":
        atomic_write(out, otio.adapters.write_to_string(timeline, "otio_retake_fcpx_xml"))
    elif suffix == ".aaf":
        _write_aaf(timeline, paths)
    else:
        groups = edl_groups(timeline)
        for path, (_, _, label) in zip(paths, groups):
            atomic_write(path, otio.adapters.write_to_string(timeline, "otio_retake_edl", track_name=label))
        if len(paths) > len(groups):
            atomic_write(paths[-1], otio.adapters.write_to_string(timeline, "otio_retake_edl", markers_only=True))
    return paths
