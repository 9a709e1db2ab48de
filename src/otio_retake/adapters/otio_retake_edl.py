"""OTIO adapter ``otio_retake_edl``: CMX 3600 with our fixes (see otio_retake.timeline.edl_read / edl_write)."""

from otio_retake.timeline.edl_read import overlay_markers, read_edl
from otio_retake.timeline.edl_write import write_edl_for_track, write_resolve_markers_edl


def read_from_string(input_str, fps=None, markers=None, source="EDL", markers_source="markers EDL"):
    """``markers`` is the text of a Resolve "Timeline Markers to EDL" file to overlay."""
    return read_edl(input_str, fps=fps, markers=markers, source=source, markers_source=markers_source)


def write_to_string(input_otio, track_name=None, markers_only=False):
    """One video track (the first, or ``track_name``) with its audio tracks; or Resolve's markers EDL."""
    if markers_only:
        return write_resolve_markers_edl(input_otio)
    return write_edl_for_track(input_otio, track_name)


__all__ = ["read_from_string", "write_to_string", "overlay_markers"]
