"""Avid Media Composer marker lists (Markers window > Export Markers) <-> markers at record time.

One locator a line, fields separated by tabs. Two layouts, told apart by their field count:

- up to 2024.5: ``user  timecode  track  colour  comment  span``
  e.g. ``Isabel Yanes GT\\t01:01:07:21\\tV1\\tred\\tVFX - Fade In...\\t1``;
- 2024.6 and later: ``user  timecode  track  colour  comment  span  user  colour``: a second user
  field and the locator's colour again, now one of the extended set (pink, forest, denim, violet,
  purple, orange, grey, gold besides the eight classic ones), the fourth field keeping a classic
  colour for older readers.

Sources for the layout (no Avid document describes it): the exports quoted in
adamhawkey/EDL_tools ``Marker_tools/README.md`` (the 6-field layout) and the two parsers in
mjiggidy/locatorator ``locatorator/__init__.py`` (``MARKER_LIST_V1`` / ``MARKER_LIST_V2``, with the
extended colours "2024.6+"). The span is in frames, 1 for a point locator; the timecode is RECORD
timecode (``;`` when drop-frame).

Text encoding: Media Composer writes the list in the system's encoding: UTF-8 with or without a BOM,
UTF-16 LE with a BOM (Windows), or the legacy 8-bit code page (Mac Roman on older macOS, cp1252 on
Windows). A BOM decides; otherwise UTF-8 when the bytes are valid UTF-8; otherwise Mac Roman and cp1252
are both tried and the one whose non-ASCII characters read as words (accented letters inside words,
typographic quotes and dashes) wins, never a blind pick of one.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from fractions import Fraction

import opentimelineio as otio
from opentimelineio.opentime import RationalTime, TimeRange

from ..errors import TimelineReadError
from ..timecode import frames_to_timecode, timecode_to_frames
from .aaf_read import AVID_COLORS, AVID_LEGACY_COLORS, otio_color_of_avid
from .info import NAMESPACE, global_start_frames, timeline_drop_frame, timeline_rate

__all__ = ["AvidLocator", "decode_marker_list", "parse_marker_list", "is_marker_list", "overlay_marker_list",
           "write_marker_list"]

_TIMECODE = re.compile(r"^\d{1,2}[:;.]\d{2}[:;.]\d{2}[:;.]\d{2,3}$")
_COLOR_NAMES = {c.lower() for c in AVID_COLORS} | {"gray"}


@dataclass(frozen=True)
class AvidLocator:
    user: str
    timecode: str
    track: str
    color: str  # the Avid colour, title-cased: the extended one when the 2024.6 layout gives it
    comment: str
    span: int
    line: int
    layout: str  # "classic" (6 fields) or "2024.6" (8 fields)


def decode_marker_list(data: bytes) -> tuple[str, str]:
    """(text, encoding name) of a marker list's bytes."""
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                      (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(name), "UTF-8 with BOM" if name == "utf-8-sig" else "UTF-16 with BOM"
    if len(data) >= 4 and data[1::2].count(0) > len(data) // 4 and data[0::2].count(0) == 0:
        return data.decode("utf-16-le"), "UTF-16 LE"  # no BOM, but every other byte is zero
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    mac, win = data.decode("mac_roman"), data.decode("cp1252", errors="replace")
    return (mac, "Mac Roman") if _plausibility(mac) > _plausibility(win) else (win, "Windows-1252")


_PUNCTUATION = set("‘’“”‚„–—…•€«»°·¿¡ºª©®™")


def _plausibility(text: str) -> int:
    """How much the non-ASCII characters of ``text`` look like written words."""
    score = 0
    for i, c in enumerate(text):
        if ord(c) < 128:
            continue
        before = text[i - 1] if i else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        if c.isalpha():
            in_word = before.isalpha() or after.isalpha()
            capital_mid_word = c.isupper() and before.isalpha() and before.islower()
            score += -3 if capital_mid_word else (2 if in_word else 0)
        elif c in _PUNCTUATION:
            score += -1 if c in "–—" and before.isalpha() and after.isalpha() else 1
        else:
            score -= 3  # math symbols, box drawing, the replacement character: not a comment's
    return score


def is_marker_list(text: str) -> bool:
    """Whether ``text`` is an Avid marker list (its first line: tab-separated, a timecode second)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    fields = first.split("\t")
    return len(fields) >= 6 and bool(_TIMECODE.match(fields[1].strip()))


def parse_marker_list(text: str, *, source: str) -> list[AvidLocator]:
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        fields = line.split("\t")
        where = f"line {number}"
        if len(fields) < 6 or not _TIMECODE.match(fields[1].strip()):
            raise TimelineReadError(f"{where} is not an Avid marker list line (expected user, timecode, track, "
                                    f"colour, comment and span in frames, separated by tabs): {line[:80]!r}",
                                    path=source, hint="in Media Composer: Markers window > Export Markers")
        if len(fields) >= 8 and fields[-1].strip().lower() in _COLOR_NAMES and fields[-3].strip().isdigit():
            layout, color, span, comment = "2024.6", fields[-1], fields[-3], "\t".join(fields[4:-3])
        elif fields[-1].strip().isdigit():
            layout, color, span, comment = "classic", fields[3], fields[-1], "\t".join(fields[4:-1])
        else:
            raise TimelineReadError(f"{where}: the span (last field) is not a number of frames: {line[:80]!r}",
                                    path=source)
        color = color.strip().title().replace("Gray", "Grey")
        if color not in AVID_COLORS:
            raise TimelineReadError(f"{where}: '{color}' is not a Media Composer locator colour (one of "
                                    f"{', '.join(AVID_COLORS)})", path=source)
        out.append(AvidLocator(user=fields[0].strip(), timecode=fields[1].strip(), track=fields[2].strip(),
                               color=color, comment=comment.strip(), span=max(1, int(span)), line=number,
                               layout=layout))
    if not out:
        raise TimelineReadError("the marker list holds no locators", path=source,
                                hint="in Media Composer: Markers window > Export Markers")
    return out


def overlay_marker_list(timeline: otio.schema.Timeline, data: bytes, *, source: str) -> int:
    """Add the locators of a marker list to the Stack at their record time; returns how many."""
    text, encoding = decode_marker_list(data)
    locators = parse_marker_list(text, source=source)
    rate = timeline_rate(timeline)
    start = global_start_frames(timeline, rate)
    r = float(rate)
    # The same locator exported both ways (in an AAF cut and its marker list) is one range, not two jobs.
    seen = {(round(m.marked_range.start_time.value), " ".join((m.comment or m.name or "").split()).lower())
            for m in timeline.tracks.markers}
    for loc in locators:
        frame = _frames(loc.timecode, rate, source, loc.line) - start
        if (frame, " ".join(loc.comment.split()).lower()) in seen:
            continue
        marker = otio.schema.Marker(
            name=loc.comment.splitlines()[0] if loc.comment else f"locator at {loc.timecode}",
            color=otio_color_of_avid(loc.color) or "RED",
            marked_range=TimeRange(RationalTime(frame, r), RationalTime(loc.span, r)),
            metadata={NAMESPACE: {"origin": f"{source} line {loc.line} ({loc.timecode} {loc.track})",
                                  "avid_track": loc.track, "avid_color": loc.color, "user": loc.user,
                                  "marker_list": {"layout": loc.layout, "encoding": encoding}}})
        marker.comment = loc.comment
        timeline.tracks.markers.append(marker)
    return len(locators)  # read, duplicates of the cut's own locators included


def _frames(timecode: str, rate: Fraction, source: str, line: int) -> int:
    try:
        return timecode_to_frames(timecode.replace(".", ":"), rate)
    except ValueError as exc:
        raise TimelineReadError(f"line {line}: timecode {timecode} cannot be read at {rate} fps ({exc})",
                                path=source) from exc


def write_marker_list(timeline: otio.schema.Timeline, locators: list[tuple[int, int, str, str, str]],
                      *, user: str = "otio-retake") -> str:
    """An Avid marker list (CRLF lines) of (record frame from the cut's start, span, track, colour, comment).

    The classic 6-field layout, which every Media Composer imports; the 2024.6 layout (8 fields) only
    when a colour needs it (an extended one).
    """
    rate = timeline_rate(timeline)
    start = global_start_frames(timeline, rate)
    drop = timeline_drop_frame(timeline)
    extended = any(color not in AVID_LEGACY_COLORS for _, _, _, color, _ in locators)
    lines = []
    for frame, span, track, color, comment in locators:
        comment = " ".join(comment.replace("\t", " ").split())  # one line, no tabs: the list's separators
        fields = [user, frames_to_timecode(start + frame, rate, drop), track,
                  (color if color in AVID_LEGACY_COLORS else "Red") if extended else color,
                  comment, str(max(1, span))]
        if extended:
            fields += [user, color]
        lines.append("\t".join(fields))
    return "".join(line + "\r\n" for line in lines)

