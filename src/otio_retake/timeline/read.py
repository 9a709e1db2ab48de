"""Timeline files -> one normalised OTIO ``Timeline``.

After ``read_timeline`` every timeline looks the same to the later stages,
whatever wrote it:

- stack time 0 is the first frame of the cut and ``global_start_time`` holds
  the record timecode of that frame;
- marker notes are in ``Marker.comment`` wherever the writing tool put them;
- EDL markers (Avid LOCs, Resolve marker comments, a ``markers=`` overlay)
  sit on the Stack at their RECORD time; so do an AAF's locators and those of
  an Avid marker list given as ``markers=`` (beside any cut);
- an EDL that otio-retake wrote gets back the Retake tracks of the Retake
  EDLs written beside it, so a run over it knows its takes.

Each format is read through the OTIO adapter registry with our own adapters
(``otio_retake.adapters``), so other OTIO tools get the same fixes. The
input file is only read.
"""

from __future__ import annotations

import glob
import re
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
from opentimelineio.opentime import RationalTime

from ..errors import MediaError, TimelineReadError
from ..media.probe import probe
from ..timecode import rate_label, snap_rate
from .avid_markers import decode_marker_list, is_marker_list, overlay_marker_list
from .edl_read import add_take_edls, overlay_markers, set_clip_rate, take_of
from .info import NAMESPACE, namespace, timeline_rate
from .relink import MediaResolver

__all__ = ["read_timeline", "read_text", "timeline_rate", "namespace", "NAMESPACE", "SUPPORTED_READ_SUFFIXES"]

# suffix -> adapter name in the OTIO registry
# How far a high-frame-rate clip's media rate may be from the rate its EDL implies and still be its rate
# (47.952 against 48 is 0.1%; 50 against 48, 4%, is another clip).
_SAME_CAMERA_RATE = Fraction(1, 50)

SUPPORTED_READ_SUFFIXES = {".otio": "otio_json", ".edl": "otio_retake_edl", ".xml": "otio_retake_fcp_xml",
                           ".fcpxml": "otio_retake_fcpx_xml", ".fcpxmld": "otio_retake_fcpx_xml",
                           ".aaf": "otio_retake_aaf"}


def read_timeline(path: str | Path, *, fps: str | float | None = None,
                  markers: str | Path | None = None, media_dirs: list[Path] = (),
                  project: str | None = None) -> otio.schema.Timeline:
    """Read and normalise a timeline; ``markers`` is a Resolve markers EDL to overlay; ``project`` names the
    project of an FCPXML library or event that holds several (Final Cut's exports).

    An EDL that states no rate (no ``FCM:``, no ``fps``) takes the rate of its media when they all
    agree (found as ``relink`` finds them, in ``media_dirs`` too); otherwise the rate guessed from its
    frame fields is kept and ``metadata["otio_retake"]["warnings"]`` says so.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    adapter = SUPPORTED_READ_SUFFIXES.get(suffix)
    if adapter == "otio_retake_aaf":
        read_bytes(path, head=True)  # opened by its adapter; may embed its media: checked here, not loaded
        text = ""
    elif suffix == ".fcpxmld":  # Final Cut 10.6+ exports a bundle: a folder whose Info.fcpxml is the document
        if path.is_dir() and not (path / "Info.fcpxml").is_file():
            raise TimelineReadError("is an FCPXML bundle without its Info.fcpxml", path=str(path),
                                    hint="export the project again from Final Cut (File > Export XML)")
        text = _decode(read_bytes(path / "Info.fcpxml" if path.is_dir() else path))
    else:
        text = _decode(read_bytes(path))
    if adapter is None:
        raise TimelineReadError(f"unknown timeline format '{suffix or '(no extension)'}'", path=str(path),
                                hint="use one of: " + ", ".join(sorted(SUPPORTED_READ_SUFFIXES)))
    markers_text = read_text(Path(markers)) if markers is not None else None
    avid_list = None  # an Avid marker list: overlaid once the cut is read, whatever its format
    if markers is not None and is_marker_list(decode_marker_list(read_bytes(Path(markers)))[0]):
        avid_list, markers_text = read_bytes(Path(markers)), None
    if adapter == "otio_retake_edl":
        timeline = otio.adapters.read_from_string(text, adapter, fps=fps, markers=markers_text, source=str(path),
                                                  markers_source=str(markers))
        if namespace(timeline, NAMESPACE).get("edl", {}).get("rate_from") == "guessed":
            timeline = _edl_rate_from_media(timeline, path, text, markers_text, markers, media_dirs)
        _camera_clips_at_media_rate(timeline, path, media_dirs)
        _add_take_edls(timeline, path)
    elif adapter == "otio_retake_aaf":  # binary: the adapter opens the file itself
        timeline = otio.adapters.read_from_file(str(path), adapter_name=adapter, source=str(path))
        if fps is not None and timeline.global_start_time is None:
            timeline.global_start_time = RationalTime(0, float(snap_rate(fps)))
        if markers_text is not None:
            overlay_markers(timeline, markers_text, source=str(markers))
    else:
        if project is not None and adapter not in ("otio_retake_fcpx_xml", "otio_json"):
            raise TimelineReadError("--project names a project of an FCPXML file or a timeline of an OTIO "
                                    "collection; this is neither", path=str(path), hint="leave --project out")
        timeline = _read_other(path, text, adapter, project)
        if namespace(timeline, NAMESPACE):  # warnings kept in an output are the earlier read's, not this one's
            timeline.metadata[NAMESPACE].pop("warnings", None)
            timeline.metadata[NAMESPACE].pop("take_files", None)  # an EDL's, kept in an output written from it
        if fps is not None and timeline.global_start_time is None:
            timeline.global_start_time = RationalTime(0, float(snap_rate(fps)))
        if markers_text is not None:
            overlay_markers(timeline, markers_text, source=str(markers))
    if avid_list is not None:
        overlay_marker_list(timeline, avid_list, source=str(markers))
    timeline.metadata.setdefault(NAMESPACE, {})["source_file"] = str(path)
    if markers is not None:
        timeline.metadata[NAMESPACE]["markers_file"] = str(markers)
    else:
        timeline.metadata[NAMESPACE].pop("markers_file", None)
    return timeline


def _add_take_edls(timeline, path: Path) -> None:
    """An EDL that otio-retake wrote holds one track: its takes are in the Retake EDLs beside it
    (``OUT.V1.edl`` -> ``OUT.Retake_A.edl``, ``OUT.Retake_A_2.edl``): read them as its Retake tracks."""
    if any(take_of(clip) for clip in timeline.find_clips()):  # it opens (relink, review); marks refuses a run
        timeline.metadata[NAMESPACE]["edl"]["takes_only"] = True
        return
    base = path.stem.rpartition(".")[0]
    if not base:
        return
    pattern = re.compile(rf"^{re.escape(base)}\.(Retake_[A-Z](?:_\d+)?)\.edl$", re.IGNORECASE)
    found = sorted(p for p in path.parent.glob(f"{glob.escape(base)}.*.edl") if pattern.match(p.name) and p != path)
    takes = [(read_text(p), pattern.match(p.name)[1].replace("_", " "), str(p)) for p in found]
    if takes and add_take_edls(timeline, takes):
        timeline.metadata.setdefault(NAMESPACE, {})["take_files"] = [str(p) for p in found]


def _edl_rate_from_media(timeline, path: Path, text: str, markers_text, markers, media_dirs):
    guessed = timeline_rate(timeline)
    fcm = timeline.metadata[NAMESPACE]["edl"].get("fcm")
    resolver = MediaResolver(timeline, timeline_dir=path.resolve().parent, media_dirs=list(media_dirs))
    rates = set()
    for clip in timeline.find_clips():
        if namespace(clip, NAMESPACE).get("clip_rate"):  # a high-frame-rate clip: not at the cut's rate
            continue
        found = resolver.resolve(clip)
        if found is not None:
            try:
                info = probe(found.path)
            except MediaError:
                continue
            if info.has_video and info.rate:
                rates.add(info.rate)
    if len(rates) == 1 and next(iter(rates)) != guessed:
        rate = next(iter(rates))
        timeline = otio.adapters.read_from_string(text, "otio_retake_edl", fps=str(rate), markers=markers_text,
                                                  source=str(path), markers_source=str(markers))
        timeline.metadata[NAMESPACE]["edl"]["rate_from"] = "media"
        return timeline
    if len(rates) == 1:
        timeline.metadata[NAMESPACE]["edl"]["rate_from"] = "media"
        return timeline
    seen = f"its media run at {', '.join(rate_label(r) for r in sorted(rates))} fps" if rates else \
        "its media were not found"
    timeline.metadata[NAMESPACE].setdefault("warnings", []).append(
        f"{path}: the EDL does not state its rate ({'FCM: NON-DROP FRAME does not say which' if fcm else 'no FCM: line'}"
        f", no --fps) and {seen}: read at {rate_label(guessed)} fps (guessed from the "
        f"frame fields); pass --fps to set the rate")
    return timeline


def _camera_clips_at_media_rate(timeline, path: Path, media_dirs) -> None:
    """An EDL's high-frame-rate clips (edl_read) at the rate their media has when it is found: the EDL only
    implies it from the source's length, to the frame (a 47.952 fps clip reads as 48 in a 24 fps cut)."""
    clips = [clip for clip in timeline.find_clips() if namespace(clip, NAMESPACE).get("clip_rate")]
    if not clips:
        return
    resolver = MediaResolver(timeline, timeline_dir=path.resolve().parent, media_dirs=list(media_dirs))
    for clip in clips:
        found = resolver.resolve(clip)
        try:
            info = probe(found.path) if found is not None else None
        except MediaError:
            continue
        meta = namespace(clip, NAMESPACE)
        implied = Fraction(meta["clip_rate"])
        if info is not None and info.has_video and info.rate and info.rate != implied \
                and abs(info.rate / implied - 1) < _SAME_CAMERA_RATE:
            set_clip_rate(clip, info.rate, round(clip.source_range.start_time.value), Fraction(meta["timecode_rate"]))


def read_text(path: Path) -> str:
    return _decode(read_bytes(path))


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # old EDLs from Avid are often Latin-1


def read_bytes(path: Path, *, head: bool = False) -> bytes:
    """The file's bytes (``head``: its first few, to check it can be read)."""
    if not path.exists():
        raise TimelineReadError("no such file", path=str(path))
    if path.is_dir():
        raise TimelineReadError("is a folder, not a timeline file", path=str(path))
    try:
        if head:
            with path.open("rb") as f:
                return f.read(8)
        return path.read_bytes()
    except OSError as exc:
        raise TimelineReadError(f"cannot be read ({exc.strerror})", path=str(path)) from exc


def _read_other(path: Path, text: str, adapter: str, project: str | None = None) -> otio.schema.Timeline:
    options = {} if adapter == "otio_json" else {"source": str(path)}
    if project is not None and adapter != "otio_json":
        options["project"] = project
    try:
        result = otio.adapters.read_from_string(text, adapter, **options)
    except TimelineReadError:
        raise
    except Exception as exc:  # adapters raise anything from KeyError to JSONDecodeError
        raise TimelineReadError(f"could not be parsed as {adapter}: {type(exc).__name__}: {exc}", path=str(path),
                                hint="check that the file is complete and was exported in this format") from exc
    if isinstance(result, otio.schema.SerializableCollection):
        timelines = list(result.find_children(descended_from_type=otio.schema.Timeline))
        if not timelines:
            raise TimelineReadError("holds no timeline", path=str(path))
        result = _one_timeline(timelines, path, project)
    elif project is not None and adapter == "otio_json":
        raise TimelineReadError("holds one timeline, not a collection: --project has nothing to choose",
                                path=str(path), hint="leave --project out")
    if not isinstance(result, otio.schema.Timeline):
        raise TimelineReadError(f"holds a {type(result).__name__}, not a timeline", path=str(path))
    return result


def _one_timeline(timelines: list[otio.schema.Timeline], path: Path, project: str | None) -> otio.schema.Timeline:
    """The timeline of a collection (an OTIO ``SerializableCollection``, as Resolve and OTIO's tools write a
    bin of timelines) that ``--project`` names, or its only one: the first of several is never taken unsaid."""
    names = ", ".join(repr(t.name) for t in timelines)
    if project is not None:
        chosen = [t for t in timelines if t.name == project]
        if len(chosen) != 1:
            raise TimelineReadError(f"holds {'no' if not chosen else len(chosen)} timelines named {project!r} "
                                    f"(its timelines: {names})", path=str(path),
                                    hint="name one of them with --project")
        return chosen[0]
    if len(timelines) > 1:
        raise TimelineReadError(f"holds {len(timelines)} timelines ({names}): which one to read is not said",
                                path=str(path), hint="choose one with --project NAME")
    return timelines[0]
