"""CMX 3600 text -> statements: events, their comment lines, LOCs, Resolve markers.

The OTIO cmx_3600 adapter builds the cut; this parser reads what it gets
wrong or ignores (interchange.md): the ``FCM:`` line, Avid ``* LOC:`` lines
(record timecode, drop-frame ``;`` allowed) and DaVinci Resolve marker
comments ``<note> |C:ResolveColorBlue |M:<name> |D:<frames>``. Every
statement keeps its line number so errors can point at it.

Resolve writes a note of several lines as it is: its first lines stand alone
under the event line and its last line carries the tags (empty before the
tags when the note ends with a line break, as in `` |C:...``). The lines
just above a tag line that are not EDL statements (an event, ``M2``, a LOC,
a ``* KEYWORD:`` comment such as ``* FROM CLIP NAME:``, ``* ASC_SOP``) are
therefore the start of its note; a leading ``*`` is dropped, as on the tag
line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from .colors import RESOLVE_TO_OTIO_COLOR

__all__ = [
    "EdlEvent",
    "EdlLocator",
    "ResolveMarkerComment",
    "EdlDocument",
    "parse_edl",
    "parse_resolve_marker_comment",
]

_TC = r"\d{1,2}[:;.]\d{2}[:;.]\d{2}[:;.]\d{2}"
_EVENT = re.compile(
    rf"^\s*(?P<num>\d+)\s+(?P<reel>\S+)\s+(?P<channels>\S+)\s+(?P<transition>C|D|W\d+|K\s*B?|KB|KO)"
    rf"(?:\s+(?P<tdur>\d+))?\s+(?P<src_in>{_TC})\s+(?P<src_out>{_TC})\s+(?P<rec_in>{_TC})\s+(?P<rec_out>{_TC})\s*$"
)
# What an event line starts with: a line like this that _EVENT does not match is a broken event, not a comment.
_EVENT_START = re.compile(r"^\s*(?P<num>\d{1,6})\s+(?P<reel>\S+)\s+(?P<channels>\S+)\s+(?:C|D|W\d+|K\s*B?|KB|KO)\b")
_LOC = re.compile(rf"^\s*\*\s*LOC:\s*(?P<tc>{_TC})\s*(?P<color>[A-Za-z]+)?\s*(?P<name>.*?)\s*$")
_RESOLVE = re.compile(
    r"^(?P<note>.*?)\s*\|C:(?P<color>[^|]*?)\s*\|M:(?P<name>[^|]*?)\s*\|D:(?P<dur>\d+)\s*$"
)
# Only the two modes: a note line that starts "FCM:" or "Title:" (Resolve writes notes as typed) is not one.
# A comment statement an EDL tool writes under an event (``* FROM CLIP NAME:``, ``* SOURCE FILE:``,
# ``* ASC_SOP (...)``...), as against a line of a note: it ends the note being gathered.
_STATEMENT = re.compile(r"^\*\s*(?:[A-Z][A-Z0-9 _]*:|ASC_)")
_FCM = re.compile(r"^\s*FCM:\s*(?P<fcm>(?:NON[- ]?)?DROP[- ]FRAME)\s*$", re.IGNORECASE)

@dataclass(frozen=True)
class ResolveMarkerComment:
    note: str
    color: str  # OTIO colour word
    resolve_color: str  # as Resolve wrote it, e.g. "ResolveColorBlue"
    name: str
    duration: int  # frames


@dataclass(frozen=True)
class EdlLocator:
    timecode: str
    color: str | None
    name: str
    line: int


@dataclass
class EdlEvent:
    number: str
    reel: str
    channels: str
    transition: str
    src_in: str
    src_out: str
    rec_in: str
    rec_out: str
    line: int
    comments: list[str] = field(default_factory=list)
    locators: list[EdlLocator] = field(default_factory=list)
    resolve_markers: list[ResolveMarkerComment] = field(default_factory=list)
    has_speed_effect: bool = False
    src_out_span: tuple[int, int] = (0, 0)  # where the source out timecode is in its line


@dataclass
class EdlDocument:
    title: str | None
    fcm: str | None  # "DROP FRAME" / "NON-DROP FRAME" as written
    events: list[EdlEvent]
    malformed: list[tuple[int, str, str]] = field(default_factory=list)  # (line, event number, text)

    @property
    def drop_frame(self) -> bool | None:
        if self.fcm is None:
            return None
        return not self.fcm.upper().startswith("NON")

    def timecodes(self) -> list[str]:
        out: list[str] = []
        for e in self.events:
            out += [e.src_in, e.src_out, e.rec_in, e.rec_out]
            out += [loc.timecode for loc in e.locators]
        return out


def parse_resolve_marker_comment(text: str) -> ResolveMarkerComment | None:
    """A Resolve marker comment, with or without a note, ``* `` or leading space."""
    body = text.strip()
    if body.startswith("*"):
        body = body[1:].strip()
    m = _RESOLVE.match(body)
    if not m:
        return None
    raw_color = m["color"].strip()
    short = raw_color.removeprefix("ResolveColor")
    return ResolveMarkerComment(
        note=m["note"].strip(),
        color=RESOLVE_TO_OTIO_COLOR.get(short, "RED"),
        resolve_color=raw_color,
        name=m["name"].strip(),
        duration=int(m["dur"]),
    )


def parse_edl(text: str) -> EdlDocument:
    """Statements of an EDL; lines we do not know are kept as comments."""
    title = None
    fcm = None
    events: list[EdlEvent] = []
    doc_malformed: list[tuple[int, str, str]] = []
    current: EdlEvent | None = None
    note_lines: list[str] = []  # plain lines since the last statement: the start of a multi-line Resolve note
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            if note_lines:  # an empty line inside a note
                note_lines.append("")
            continue
        if line.upper().startswith("TITLE:") and not events:
            title = line.split(":", 1)[1].strip()
            continue
        fm = _FCM.match(line)
        if fm:
            fcm = fm["fcm"].upper()
            continue
        em = _EVENT.match(line)
        if em:
            # A dissolve is written as two lines with the same number: keep the
            # second (the incoming clip), which is what the record range belongs to.
            current = EdlEvent(
                number=em["num"], reel=em["reel"], channels=em["channels"],
                transition=em["transition"].replace(" ", ""),
                src_in=em["src_in"], src_out=em["src_out"], rec_in=em["rec_in"], rec_out=em["rec_out"],
                line=lineno, src_out_span=em.span("src_out"),
            )
            events.append(current)
            note_lines = []
            continue
        bad = _EVENT_START.match(line)
        if bad:
            doc_malformed.append((lineno, bad["num"], line.strip()))
            current = None
            continue
        if current is None:
            continue
        if line.lstrip().upper().startswith("M2 "):
            current.has_speed_effect = True
            note_lines = []
            continue
        loc = _LOC.match(line)
        if loc:
            current.locators.append(EdlLocator(loc["tc"], (loc["color"] or None) and loc["color"].upper(),
                                               loc["name"] or "", lineno))
            note_lines = []
            continue
        rm = parse_resolve_marker_comment(line)
        if rm:
            if note_lines:
                whole = "\n".join([*note_lines, rm.note]).strip("\n")
                rm = replace(rm, note=whole)
                gathered = sum(1 for n in note_lines if n)  # they were kept as comments until now
                del current.comments[len(current.comments) - gathered:]
            current.resolve_markers.append(rm)
            note_lines = []
            continue
        stripped = line.strip()
        if "FREEZE FRAME" in stripped.upper():
            current.has_speed_effect = True
        if _STATEMENT.match(stripped):
            note_lines = []
        else:
            note_lines.append(stripped.lstrip("*").strip())
        current.comments.append(stripped.lstrip("*").strip())
    return EdlDocument(title=title, fcm=fcm, events=events, malformed=doc_malformed)
