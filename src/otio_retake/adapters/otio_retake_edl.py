"""OTIO adapter ``otio_retake_edl``: CMX 3600 with our fixes (see otio_retake.timeline.edl_read / edl_write)."""

from fractions import Fraction

from otio_retake.errors import UnsupportedEditError
from otio_retake.timecode import snap_rate
from otio_retake.timeline.edl_read import overlay_markers, read_edl
from otio_retake.timeline.info import timeline_rate
from otio_retake.timeline.edl_write import keep_speed_sources, write_edl_for_track, write_resolve_markers_edl


def read_from_string(input_str, fps=None, markers=None, source="EDL", markers_source="markers EDL"):
    """``markers`` is the text of a Resolve "Timeline Markers to EDL" file to overlay."""
    timeline = read_edl(input_str, fps=fps, markers=markers, source=source, markers_source=markers_source)
    keep_speed_sources(timeline, input_str)  # M2 source outs, which the writer gives back as they were
    return timeline


def write_to_string(input_otio, track_name=None, markers_only=False, rate=None, style="avid", reelname_len=8):
    """One video track (``track_name``, or the only one) with its audio tracks; or Resolve's markers EDL.

    A timeline with several video tracks is refused without ``track_name`` (an EDL holds one):
    ``otio-retake`` writes one EDL per track. The cmx_3600 writer's options are taken where they mean what
    we write (``style`` avid or nucoda: both read ``* FROM FILE:``; 8-character reels; the timeline's own
    rate) and refused otherwise, never ignored.
    """
    if style not in ("avid", "nucoda"):
        raise UnsupportedEditError(f"otio_retake_edl writes Avid/Nucoda-style EDLs, not style '{style}'")
    if reelname_len != 8:
        raise UnsupportedEditError(f"otio_retake_edl writes CMX 3600's 8-character reels, not {reelname_len}")
    if rate is not None and snap_rate(Fraction(rate) if isinstance(rate, int) else rate) != timeline_rate(input_otio):
        raise UnsupportedEditError(f"otio_retake_edl writes the timeline at its own rate "
                                   f"({timeline_rate(input_otio)}), not {rate}")
    if markers_only:
        return write_resolve_markers_edl(input_otio)
    return write_edl_for_track(input_otio, track_name)


__all__ = ["read_from_string", "write_to_string", "overlay_markers"]
