"""OTIO tracks -> CMX 3600 text, the way Avid and Resolve read it back.

Written by us because the cmx_3600 adapter writes one video track only,
drops audio, always starts record timecode at 00:00:00:00 and writes LOCs at
media time (interchange.md). Here:

- record timecode keeps the timeline's start and its drop-frame convention;
- each event names its media with ``* FROM CLIP NAME:`` (the file name, so a
  relink by name finds it); reels are unique per media file and at most 8
  characters (the clip's own reel when it has a valid one);
- an EDL holds one video track; audio tracks of the same name go with it as
  ``AA`` events (the sound of a take beside its picture);
- a take's event says which take it is (``* RETAKE: <range> take <A>``), so
  a run over the output finds the takes in its Retake EDLs (``read_edl``'s
  ``add_take_edls``);
- markers are ``* LOC:`` lines at RECORD time under the event that contains
  them, and can also be written as Resolve's "Timeline Markers to EDL" file
  (one one-frame event per marker with ``note |C:ResolveColorX |M:name |D:n``)
  so they survive a round trip into Resolve.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import PurePath, PureWindowsPath

import opentimelineio as otio

from ..timecode import frames_to_timecode, snap_rate
from ..paths import url_to_path
from .colors import OTIO_TO_RESOLVE_COLOR
from .marks import marker_note, one_line_note, record_markers
from .info import NAMESPACE, global_start_frames, namespace, timeline_drop_frame, timeline_rate, xml_text
from .segments import track_items, video_tracks

__all__ = ["edl_groups", "write_edl_for_track", "write_edl_text", "write_resolve_markers_edl"]

REEL_WIDTH = 8


def _media_name(clip: otio.schema.Clip) -> str:
    ref = clip.media_reference
    if isinstance(ref, otio.schema.ExternalReference) and ref.target_url:
        return PurePath(url_to_path(ref.target_url).replace("\\", "/")).name
    return clip.name


def _one_line(text: str | None) -> str:
    """A name on one EDL line: line breaks, tabs and other controls become single spaces."""
    return " ".join(xml_text(text).replace("|", "/").split())


def _source_file(clip: otio.schema.Clip) -> str | None:
    ref = clip.media_reference
    if isinstance(ref, otio.schema.ExternalReference) and ref.target_url:
        path = url_to_path(ref.target_url)
        if PurePath(path).is_absolute() or PureWindowsPath(path).drive:
            return path
    return None


class _Reels:
    """One reel name per media file: the clip's own when valid, else a unique 8-character name."""

    def __init__(self) -> None:
        self.by_media: dict[str, str] = {}
        self.used: set[str] = set()
        self.next_number: dict[str, int] = {}  # per prefix, so naming N reels is not N squared

    def name(self, clip: otio.schema.Clip) -> str:
        key = _media_name(clip)
        if key in self.by_media:
            return self.by_media[key]
        own = str(namespace(clip, "cmx_3600").get("reel") or "")
        if own and len(own) <= REEL_WIDTH and " " not in own:
            reel = own
        else:
            take = namespace(clip, NAMESPACE).get("take")
            prefix = f"RT{take}" if take else "AX"
            n = self.next_number.get(prefix, 1)
            while f"{prefix}{n:03d}" in self.used:  # a clip's own reel may have taken it
                n += 1
            self.next_number[prefix] = n + 1
            reel = f"{prefix}{n:03d}"[:REEL_WIDTH]
        self.used.add(reel)
        self.by_media[key] = reel
        return reel


def edl_groups(timeline: otio.schema.Timeline):
    """(video track or None, audio tracks, label) per EDL: a video track with the audio tracks of its name.

    Audio tracks not named like a video track go with the first video track
    (the cut's own sound), except Retake audio tracks without a picture
    track of their letter, which get an EDL of their own.
    """
    videos = video_tracks(timeline)
    audios = [t for t in timeline.tracks if isinstance(t, otio.schema.Track) and t.kind == otio.schema.TrackKind.Audio]
    groups = []
    claimed: set[int] = set()
    for index, video in enumerate(videos):
        paired = [a for a in audios if a.name and a.name == video.name]
        claimed.update(id(a) for a in paired)
        groups.append([video, paired, video.name or f"V{index + 1}"])
    for audio in audios:
        if id(audio) in claimed:
            continue
        if (audio.name or "").startswith("Retake") or not groups:
            groups.append([None, [audio], audio.name or "A"])
        else:
            groups[0][1].append(audio)
    return [tuple(g) for g in groups]


def write_edl_for_track(timeline: otio.schema.Timeline, track_name: str | None = None) -> str:
    groups = edl_groups(timeline)
    if track_name is not None:
        groups = [g for g in groups if g[2] == track_name]
        if not groups:
            raise ValueError(f"no track named '{track_name}'")
    video, audio, label = groups[0]
    first_video = video_tracks(timeline)[:1]
    markers = record_markers(timeline) if video is not None and [video] == first_video else []
    return write_edl_text(timeline, video, audio, title=f"{timeline.name or 'timeline'} {label}".strip(),
                          markers=markers)


def write_edl_text(timeline: otio.schema.Timeline, video: otio.schema.Track | None,
                   audio: list[otio.schema.Track], *, title: str,
                   markers: list[tuple[int, int, otio.schema.Marker]] = ()) -> str:
    """An EDL of one video track and its audio tracks; ``markers`` are (record frame, duration, marker)."""
    rate = timeline_rate(timeline)
    drop = timeline_drop_frame(timeline)
    start = global_start_frames(timeline, rate)

    def tc(frames: int, at: Fraction = rate) -> str:
        return frames_to_timecode(frames, at, drop and at == rate)

    lines = [f"TITLE: {title}", f"FCM: {'DROP FRAME' if drop else 'NON-DROP FRAME'}", ""]
    reels = _Reels()
    events = []
    for track, channel in [(video, "V")] * (video is not None) + [(a, "AA") for a in audio]:
        for item, first, last in track_items(timeline, track, rate):
            if isinstance(item, otio.schema.Clip) and last > first:
                events.append((first, channel, item, last))
    events.sort(key=lambda e: (e[0], e[1] != "V"))
    pending = list(markers)
    for number, (first, channel, clip, last) in enumerate(events, start=1):
        # A high-frame-rate clip read from an EDL counts its own frames in the cut's timecode, as Avid wrote it.
        counted = namespace(clip, NAMESPACE).get("timecode_rate")
        src_rate = Fraction(counted) if counted else snap_rate(clip.source_range.duration.rate)
        src_in = round(clip.source_range.start_time.value)
        src_out = src_in + round(clip.source_range.duration.value)
        lines.append(f"{number:03d}  {reels.name(clip):<{REEL_WIDTH}} {channel:<5} C        "
                     f"{tc(src_in, src_rate)} {tc(src_out, src_rate)} {tc(start + first)} {tc(start + last)}")
        lines.append(f"* FROM CLIP NAME: {_media_name(clip)}")
        source_file = _source_file(clip)
        if source_file:  # Avid's FROM FILE: where the media is, so the EDL relinks wherever it is written
            lines.append(f"* FROM FILE: {source_file}")
        take = namespace(clip, NAMESPACE)
        if take.get("range_name") and take.get("take"):  # which take this is, for a run over this output
            lines.append(f"* RETAKE: {_one_line(str(take['range_name']))} take {take['take']}")
        if channel == "V":
            inside = [m for m in pending if first <= m[0] < last]
            for frame, _, marker in inside:
                lines.append(f"* LOC: {tc(start + frame)} {(marker.color or 'RED').upper():<7} {_one_line(marker.name)}".rstrip())
            pending = [m for m in pending if m not in inside]
    lines.append("")
    return "\n".join(lines)


def write_resolve_markers_edl(timeline: otio.schema.Timeline) -> str:
    """Resolve's "Timeline Markers to EDL" format: Resolve imports it back as timeline markers."""
    rate = timeline_rate(timeline)
    drop = timeline_drop_frame(timeline)
    start = global_start_frames(timeline, rate)
    lines = [f"TITLE: {timeline.name or 'timeline'}", f"FCM: {'DROP FRAME' if drop else 'NON-DROP FRAME'}", ""]
    for number, (frame, duration, marker) in enumerate(record_markers(timeline), start=1):
        tc_in = frames_to_timecode(start + frame, rate, drop)
        tc_out = frames_to_timecode(start + frame + 1, rate, drop)
        resolve_color = namespace(marker, NAMESPACE).get("resolve_color") or \
            "ResolveColor" + OTIO_TO_RESOLVE_COLOR.get((marker.color or "BLUE").upper(), "Blue")
        note = _one_line(one_line_note(marker_note(marker)))  # Resolve's note is one line
        lines.append(f"{number:03d}  001      V     C        {tc_in} {tc_out} {tc_in} {tc_out}  ")
        lines.append(f"{note} |C:{resolve_color} |M:{_one_line(marker.name)} |D:{max(1, duration)}".lstrip())
        lines.append("")
    return "\n".join(lines)
