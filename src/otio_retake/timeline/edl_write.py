"""OTIO tracks -> CMX 3600 text, the way Avid and Resolve read it back.

Written by us because the cmx_3600 adapter writes one video track only,
drops audio, always starts record timecode at 00:00:00:00 and writes LOCs at
media time (interchange.md). Here: record timecode keeps the timeline's start,
each clip names its media with ``* FROM CLIP NAME:`` (the file name, so
relinking by name works), reels are unique and at most 8 characters, audio
tracks of the same name become ``AA`` events, and markers are ``* LOC:`` lines
at record time under the event that contains them.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import PurePath

import opentimelineio as otio

from ..media.timecode import frames_to_timecode, is_drop_frame_rate, snap_rate
from ..paths import url_to_path
from .read import NAMESPACE, namespace
from .segments import track_items

__all__ = ["write_edl_text"]

REEL_WIDTH = 8


def _media_name(clip: otio.schema.Clip) -> str:
    ref = clip.media_reference
    if isinstance(ref, otio.schema.ExternalReference) and ref.target_url:
        return PurePath(url_to_path(ref.target_url).replace("\\", "/")).name
    return clip.name


class _Reels:
    """Reel names: the clip's own when it has one, else a unique 8-character name."""

    def __init__(self) -> None:
        self.by_media: dict[str, str] = {}
        self.used: set[str] = set()

    def name(self, clip: otio.schema.Clip) -> str:
        key = _media_name(clip)
        if key in self.by_media:
            return self.by_media[key]
        own = namespace(clip, "cmx_3600").get("reel")
        if own and len(own) <= REEL_WIDTH:
            reel = own
        else:
            meta = namespace(clip, NAMESPACE)
            prefix = f"R{meta.get('take', '')}" if meta.get("take") else "AX"
            n = 1
            while f"{prefix}{n:03d}" in self.used:
                n += 1
            reel = f"{prefix}{n:03d}"[:REEL_WIDTH]
        self.used.add(reel)
        self.by_media[key] = reel
        return reel


def write_edl_text(timeline: otio.schema.Timeline, video: otio.schema.Track | None,
                   audio: list[otio.schema.Track], *, rate: Fraction, title: str,
                   markers: list[tuple[int, otio.schema.Marker]] = ()) -> str:
    """An EDL of one video track and its audio tracks; ``markers`` are (record frame, marker)."""
    drop = is_drop_frame_rate(rate)
    start = 0
    if timeline.global_start_time is not None:
        start = round(timeline.global_start_time.rescaled_to(float(rate)).value)
    lines = [f"TITLE: {title}", f"FCM: {'DROP FRAME' if drop else 'NON-DROP FRAME'}", ""]

    def tc(frames: int, at: Fraction = rate) -> str:
        return frames_to_timecode(frames, at, drop and at == rate)

    reels = _Reels()
    events = []
    for track, channel in [(video, "V")] * (video is not None) + [(a, "AA") for a in audio]:
        for item, first, last in track_items(timeline, track, rate):
            if isinstance(item, otio.schema.Clip) and last > first:
                events.append((first, channel, item, last))
    events.sort(key=lambda e: (e[0], e[1] != "V"))
    loc_pending = sorted(markers, key=lambda m: m[0])
    for number, (first, channel, clip, last) in enumerate(events, start=1):
        src_rate = snap_rate(clip.source_range.duration.rate)
        src_in = round(clip.source_range.start_time.value)
        src_out = src_in + round(clip.source_range.duration.value)
        lines.append(f"{number:03d}  {reels.name(clip):<{REEL_WIDTH}} {channel:<5} C        "
                     f"{tc(src_in, src_rate)} {tc(src_out, src_rate)} {tc(start + first)} {tc(start + last)}")
        lines.append(f"* FROM CLIP NAME: {_media_name(clip)}")
        if channel == "V":
            for frame, marker in [m for m in loc_pending if first <= m[0] < last]:
                color = (marker.color or "RED").upper()
                lines.append(f"* LOC: {tc(start + frame)} {color:<7} {marker.name}".rstrip())
            loc_pending = [m for m in loc_pending if not first <= m[0] < last]
    lines.append("")
    return "\n".join(lines)
