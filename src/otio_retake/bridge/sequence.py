"""A panel's sequence description (contract.Sequence, times in ticks) -> an OTIO timeline file.

The bridge writes the timeline to a file and runs it through the same
``pipeline.load`` as the command line, so a run started from a panel is an
ordinary run of that file: ``otio-retake status/resume/conform`` work on it.

Premiere's conventions (nle.md): 254016000000 ticks per second; marker and
track item start/end are sequence time from the sequence's first frame; in/out
points are media time from the media file's first frame; track indices are
0-based. Ticks arrive as strings (they exceed 2**53 quickly) and are turned
into whole frames of the sequence's timebase.
"""

from __future__ import annotations

import hashlib
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
from opentimelineio.opentime import RationalTime as RT
from opentimelineio.opentime import TimeRange as TR

from ..contract import TICKS_PER_SECOND, Sequence
from ..errors import InputError
from ..paths import atomic_path
from ..timecode import frames_to_timecode

__all__ = ["SequenceError", "sequence_rate", "sequence_to_timeline", "write_sequence", "PREMIERE_COLORS",
           "sequence_folder", "folder_for_name", "sequence_warnings"]

# Premiere's eight marker colours by colorIndex (the CEP/ExtendScript order; unverified for UXP: see the fake).
PREMIERE_COLORS = ("GREEN", "RED", "PURPLE", "ORANGE", "YELLOW", "WHITE", "BLUE", "CYAN")


class SequenceError(InputError):
    """The panel sent a sequence that cannot be used; ``field`` says which part (for a 422)."""

    def __init__(self, message: str, *, field: str, hint: str | None = None) -> None:
        super().__init__(f"{field}: {message}", hint=hint)
        self.field = field


def sequence_rate(sequence: Sequence) -> Fraction:
    tpf = int(sequence.timebaseTicks)
    if tpf <= 0:
        raise SequenceError("ticks per frame must be positive", field="sequence.timebaseTicks")
    return Fraction(TICKS_PER_SECOND, tpf)


def _frames(ticks: str, tpf: int) -> int:
    """Whole frames; a time between frames goes to the nearest one (as Premiere snaps)."""
    return round(Fraction(int(ticks), tpf))


def _track(track, kind, tpf: int, rate: Fraction, field: str) -> otio.schema.Track:
    out = otio.schema.Track(track.name or f"{'V' if kind == otio.schema.TrackKind.Video else 'A'}{track.index + 1}",
                            kind=kind)
    cursor = 0
    for n, item in sorted(enumerate(track.items), key=lambda pair: int(pair[1].startTicks)):
        where = f"{field}.items[{n}]"
        path = Path(item.mediaPath)
        # A Graphic, title, colour matte or adjustment layer has no media file: it is laid out as a generator,
        # which the picture rule passes over (timeline/picture.py), never a reason to refuse the sequence.
        generator = item.generator or ("" if item.mediaPath else "no media file")
        if not generator and (not path.is_absolute() or not path.is_file()):
            raise SequenceError(f"the media file '{item.mediaPath}' does not exist on this machine",
                                field=f"{where}.mediaPath", hint="relink the clip in Premiere, or make the file "
                                "reachable from this computer")
        start, end = _frames(item.startTicks, tpf), _frames(item.endTicks, tpf)
        src_in = _frames(item.inPointTicks, tpf)
        if end <= start:
            raise SequenceError("the item ends before it starts", field=f"{where}.endTicks")
        if start < cursor:
            raise SequenceError("the item overlaps the one before it on its track", field=f"{where}.startTicks")
        if start > cursor:
            out.append(otio.schema.Gap(source_range=TR(RT(0, rate), RT(start - cursor, rate))))
        if generator:
            out.append(otio.schema.Clip(item.name or generator, source_range=TR(RT(src_in, rate), RT(end - start, rate)),
                                        media_reference=otio.schema.GeneratorReference(generator_kind=generator)))
            out[-1].enabled = item.enabled
            cursor = end
            continue
        ref = otio.schema.ExternalReference(target_url=str(path))
        clip = otio.schema.Clip(item.name or path.name, media_reference=ref,
                                source_range=TR(RT(src_in, rate), RT(end - start, rate)))
        clip.enabled = item.enabled  # a clip switched off in Premiere is never the picture (timeline/picture.py)
        if item.take is not None:  # a take the panel placed, known by the metadata it wrote on it (not by a name)
            clip.metadata["otio_retake"] = {"take": item.take.letter, "marker_id": item.take.markerId,
                                            "range_name": item.take.range, "placed_by": "Premiere panel"}
        # The media's first frame is media time 0 for Premiere's in/out points, whatever its timecode.
        ref.available_range = TR(RT(0, rate), RT(src_in + end - start, rate))
        out.append(clip)
        cursor = end
    takes = {item.take.letter for item in track.items if item.take is not None}
    if track.items and len(takes) == 1 and all(item.take is not None for item in track.items):
        out.metadata["otio_retake"] = {"take": takes.pop()}  # a track holding only our takes: a Retake track
    return out


def sequence_to_timeline(sequence: Sequence) -> otio.schema.Timeline:
    rate = sequence_rate(sequence)
    tpf = int(sequence.timebaseTicks)
    start = _frames(sequence.zeroPointTicks, tpf)
    timeline = otio.schema.Timeline(sequence.name, global_start_time=RT(start, rate),
                                    metadata={"otio_retake": {"source": "Premiere Pro panel"}})
    video = sorted(sequence.videoTracks, key=lambda t: t.index)
    audio = sorted(sequence.audioTracks, key=lambda t: t.index)
    if not video:
        raise SequenceError("the sequence has no video track", field="sequence.videoTracks")
    for kind, tracks, name in ((otio.schema.TrackKind.Video, video, "videoTracks"),
                               (otio.schema.TrackKind.Audio, audio, "audioTracks")):
        for expected, track in enumerate(tracks):
            if track.index != expected:  # the bridge's track numbers must be Premiere's
                raise SequenceError(f"track {expected} is missing (indices must run 0, 1, 2, ...)",
                                    field=f"sequence.{name}")
            timeline.tracks.append(_track(track, kind, tpf, rate, f"sequence.{name}[{expected}]"))
    for n, marker in enumerate(sequence.markers):
        at, length = _frames(marker.startTicks, tpf), _frames(marker.durationTicks, tpf)
        if at < 0:
            raise SequenceError("the marker is before the sequence start", field=f"sequence.markers[{n}].startTicks")
        color = PREMIERE_COLORS[marker.colorIndex] if 0 <= marker.colorIndex < len(PREMIERE_COLORS) else "RED"
        tc = frames_to_timecode(start + at, rate)
        meta = {"origin": f"Premiere sequence marker '{marker.name or n + 1}' at {tc}"}
        if marker.guid:  # the range follows the marker's GUID (26.3+), whatever its name and place
            meta["marker_id"] = f"premiere:{marker.guid}"
        if not marker.name:  # its name by place among the markers before identity VERSION 3, to find its jobs
            meta["former_name"] = f"marker {n + 1}"
        m = otio.schema.Marker(name=marker.name or f"marker at {tc}", marked_range=TR(RT(at, rate), RT(length, rate)),
                               color=color, metadata={"otio_retake": meta})
        m.comment = marker.comments
        timeline.tracks.markers.append(m)
    return timeline


def sequence_warnings(sequence: Sequence) -> list[str]:
    """What was rounded: marker times that fall between frames (the range starts on the nearest frame)."""
    tpf = int(sequence.timebaseTicks)
    warnings = []
    for n, marker in enumerate(sequence.markers):
        for what, ticks in (("starts", marker.startTicks), ("lasts", marker.durationTicks)):
            if int(ticks) % tpf:
                warnings.append(f"marker '{marker.name or n + 1}' {what} between frames; the range uses the nearest "
                                f"frame ({_frames(ticks, tpf)})")
    return warnings


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)[:60] or "sequence"


def sequence_folder(root: Path, sequence: Sequence) -> Path:
    """One folder per sequence name, so a second run of a sequence finds its journal and reuses its takes."""
    return folder_for_name(root, sequence.name)


def folder_for_name(root: Path, name: str) -> Path:
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return Path(root) / "sequences" / f"{_safe(name)}-{digest}"


def write_sequence(root: Path, sequence: Sequence) -> Path:
    """The sequence as ``<folder>/<name>.otio`` (written to a temp name, then renamed)."""
    timeline = sequence_to_timeline(sequence)
    folder = sequence_folder(root, sequence)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{_safe(sequence.name)}.otio"
    with atomic_path(path) as partial:
        otio.adapters.write_to_file(timeline, str(partial))
    return path
