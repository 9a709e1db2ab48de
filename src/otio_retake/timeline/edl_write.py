"""OTIO tracks -> CMX 3600 text, the way Avid and Resolve read it back.

Written by us because the cmx_3600 adapter writes one video track only,
drops audio, always starts record timecode at 00:00:00:00, writes LOCs at
media time and moves a speed effect's source out (interchange.md). Here:

- record timecode keeps the timeline's start and its drop-frame convention;
  source timecode is at the EDL's rate too (a 15 fps clip in a 30 fps cut is
  the same seconds of its media, as a conform reads it);
- each event names its media with ``* FROM CLIP NAME:`` (the file name, so a
  relink by name finds it); the reel is the clip's own (the EDL's reel, the
  tape or reel name of its media) before any made-up name, at most 8
  characters, and one made-up name per media file;
- speed changes and freeze frames are ``M2`` lines (speed in frames per
  second, ``000.0`` and ``* * FREEZE FRAME`` for a freeze) with the source out
  of the frames really shown (as read, when the EDL gave it);
- dissolves (``D``), wipes (``W001``...) and fades (from or to a ``BL``
  event) are written as such: the outgoing event's zero-length cut line and
  the incoming event's transition line under one event number;
- ``*ASC_SOP`` / ``*ASC_SAT`` colour decisions read from an EDL are written back;
- disabled clips and tracks are never live events, and titles and other
  generators (but black and bars) have no source a conform could pull: they
  are left out (the EDL shows what is under them), and the first event says
  which with an ``* OTIO-RETAKE NOT WRITTEN:`` comment;
- an EDL holds one video track; the audio tracks that go with it are ``AA``
  (one track, or two that carry the same events), else ``A``, ``A2``,
  ``A3``...: channels the cmx_3600 reader (and ours) read back as tracks;
- a take's event says which take it is (``* RETAKE: <range> take <A>``), so
  a run over the output finds the takes in its Retake EDLs (``read_edl``'s
  ``add_take_edls``);
- markers are ``* LOC:`` lines at RECORD time under the event that contains
  them, and can also be written as Resolve's "Timeline Markers to EDL" file
  (one one-frame event per marker with ``note |C:ResolveColorX |M:name |D:n``)
  so they survive a round trip into Resolve.

- a nested sequence is written as the clips it shows: its tracks of the
  track's kind composed (the upper over the lower) from its in-point, each
  clip an event of its own source, which is what a conform pulls.

What CMX 3600 cannot carry is refused with one line naming the item: a nest
holding transitions, retimed or mixing several audio tracks, a time effect
other than a constant speed or a freeze, a transition other than a dissolve
or a wipe, a rate SMPTE timecode lacks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import PurePath, PureWindowsPath

import opentimelineio as otio

from ..errors import UnsupportedEditError
from ..paths import url_to_path
from ..timecode import frames_to_timecode, rate_label, timecode_to_frames
from .colors import OTIO_TO_RESOLVE_COLOR
from .edl_parse import parse_edl
from .info import NAMESPACE, global_start_frames, namespace, timeline_drop_frame, timeline_rate, xml_text
from .marks import marker_note, one_line_note, record_markers
from .retime import clip_speed, keep_source_frames, source_frames
from .segments import TrackIndex, track_items, video_tracks

__all__ = ["edl_groups", "write_edl_for_track", "write_edl_text", "write_resolve_markers_edl", "keep_speed_sources",
           "check_edl_writable"]

REEL_WIDTH = 8
FORMAT = "a CMX 3600 EDL"
NOT_WRITTEN = "OTIO-RETAKE NOT WRITTEN:"


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
    if isinstance(ref, otio.schema.ImageSequenceReference) and ref.target_url_base:
        # as the cmx_3600 reader reads an image sequence back: NAME.[first-last].ext
        first, last = ref.frame_range_for_time_range(clip.trimmed_range())
        return ref.abstract_target_url(f"[{first}-{last}]")
    if isinstance(ref, otio.schema.ExternalReference) and ref.target_url:
        path = url_to_path(ref.target_url)
        if PurePath(path).is_absolute() or PureWindowsPath(path).drive:
            return path
    return None


def _event_name(clip: otio.schema.Clip) -> str:
    """``FROM CLIP NAME``: the clip's name as the editor named it; a take's is its file's, found in a bin."""
    if namespace(clip, NAMESPACE).get("take") or not (clip.name or "").strip():
        return _media_name(clip)
    return _one_line(clip.name)


def _generator(clip: otio.schema.Clip) -> str | None:
    ref = clip.media_reference
    return str(ref.generator_kind or "") if isinstance(ref, otio.schema.GeneratorReference) else None


def own_reel(clip: otio.schema.Clip) -> str:
    """The reel the clip's own metadata names: the EDL's reel, Avid's tape name, the media's reel (FCP 7 XML)."""
    # Avid's tape name: what the AAF reader found among the clip's media (``media_names``)
    tapes = [entry[1] for entry in namespace(clip, NAMESPACE).get("media_names") or []
             if len(entry) == 2 and entry[0] == "tape name"]
    candidates = [namespace(clip, "cmx_3600").get("reel"), namespace(clip, NAMESPACE).get("reel"), *tapes[:1]]
    ref = clip.media_reference
    if ref is not None:
        candidates.append(namespace(ref, NAMESPACE).get("reel"))
        timecode = namespace(ref, "fcp_xml").get("timecode")
        reel = timecode.get("reel") if hasattr(timecode, "get") else None
        candidates.append(reel.get("name") if hasattr(reel, "get") else None)
    for candidate in candidates:
        if candidate and str(candidate).strip():
            return str(candidate).strip()
    return ""


class _Reels:
    """A reel name per clip: its own (made a valid 8-character name) or one made-up name per media file."""

    def __init__(self) -> None:
        self.by_media: dict[str, str] = {}
        self.by_own: dict[str, str] = {}
        self.used: set[str] = set()
        self.next_number: dict[str, int] = {}  # per prefix, so naming N reels is not N squared

    def name(self, clip: otio.schema.Clip) -> str:
        kind = _generator(clip)
        if kind is not None and kind.lower() in ("black", "bl"):
            return "BL"
        if kind is not None and kind.lower() in ("smptebars", "bars"):
            return "BARS"
        own = own_reel(clip)
        if own:
            if own not in self.by_own:
                valid = len(own) <= REEL_WIDTH and not any(c.isspace() for c in own)
                short = own if valid else re.sub(r"[^A-Za-z0-9_.-]", "", own)[:REEL_WIDTH]
                # a shortened reel another reel already has would pull the other's shots: make one up instead
                self.by_own[own] = short if short and short not in self.used else self._made_up(clip)
                self.used.add(self.by_own[own])
            return self.by_own[own]
        key = _media_name(clip)
        if key not in self.by_media:
            self.by_media[key] = self._made_up(clip)
            self.used.add(self.by_media[key])
        return self.by_media[key]

    def _made_up(self, clip: otio.schema.Clip) -> str:
        take = namespace(clip, NAMESPACE).get("take")
        prefix = f"RT{take}" if take else "AX"
        n = self.next_number.get(prefix, 1)
        while f"{prefix}{n:03d}" in self.used:  # a clip's own reel may have taken it
            n += 1
        self.next_number[prefix] = n + 1
        return f"{prefix}{n:03d}"[:REEL_WIDTH]


def edl_groups(timeline: otio.schema.Timeline):
    """(video track or None, audio tracks, label) per EDL: a video track with the audio tracks of its name.

    Audio tracks not named like a video track go with the first video track
    (the cut's own sound), except Retake audio tracks without a picture
    track of their letter, which get an EDL of their own. Disabled tracks
    have no EDL: the first one says so (``disabled_tracks``).
    """
    videos = [t for t in video_tracks(timeline) if t.enabled]
    audios = [t for t in timeline.tracks if isinstance(t, otio.schema.Track)
              and t.kind == otio.schema.TrackKind.Audio and t.enabled]
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
    seen: dict[str, int] = {}
    for group in groups:  # two tracks of one name are two EDLs, not the first one twice
        seen[group[2]] = seen.get(group[2], 0) + 1
        if seen[group[2]] > 1:
            group[2] = f"{group[2]} {seen[group[2]]}"
    return [tuple(g) for g in groups]


def disabled_tracks(timeline: otio.schema.Timeline) -> list[str]:
    return [t.name or f"{'V' if t.kind == otio.schema.TrackKind.Video else 'A'}{i + 1}"
            for i, t in enumerate(timeline.tracks) if isinstance(t, otio.schema.Track) and not t.enabled]


def write_edl_for_track(timeline: otio.schema.Timeline, track_name: str | None = None) -> str:
    groups = edl_groups(timeline)
    if track_name is not None:
        groups = [g for g in groups if g[2] == track_name]
        if not groups:
            raise UnsupportedEditError(f"no track named '{track_name}' to write as {FORMAT}")
    elif len(groups) > 1:
        raise UnsupportedEditError(
            f"{FORMAT} holds one video track; this timeline has {len(groups)} tracks to write "
            f"({', '.join(g[2] for g in groups)})",
            hint="write it with `otio-retake` to OUT.edl (one EDL per track), or pass track_name=")
    if not groups:
        raise UnsupportedEditError(f"nothing to write as {FORMAT}: every track is disabled or empty")
    video, audio, label = groups[0]
    all_groups = edl_groups(timeline)
    first_video = [g[0] for g in all_groups if g[0] is not None][:1]
    markers = record_markers(timeline) if video is not None and [video] == first_video else []
    # the disabled tracks are said in the first EDL (the cut's), once
    notes = [f"track '{name}' is disabled" for name in disabled_tracks(timeline)] if label == all_groups[0][2] else []
    # the timeline's own name when it is one EDL, so a round trip keeps it; the track's beside it when several
    title = (timeline.name or "timeline") if len(all_groups) == 1 else f"{timeline.name or 'timeline'} {label}"
    return write_edl_text(timeline, video, audio, title=title,
                          markers=markers, notes=notes)


@dataclass
class _Event:
    first: int  # record frames from the timeline's first frame
    last: int
    clip: otio.schema.Clip | None  # None: black (BL)
    src_in: int  # at the EDL's rate
    src_out: int
    speed: Fraction | None = None  # source frames per record frame, when not 1
    transition: tuple[str, int, _Event | None] | None = None  # (D or Wnnn, frames, outgoing event or None: BL)
    channel: str = "V"
    notes: list[str] = field(default_factory=list)

    def key(self, reels: _Reels) -> tuple:
        """What two audio tracks must share to be written as one ``AA`` event."""
        reel = reels.name(self.clip) if self.clip is not None else "BL"
        trans = self.transition[:2] if self.transition else None
        return (self.first, self.last, self.src_in, self.src_out, self.speed, reel, trans,
                _media_name(self.clip) if self.clip is not None else "")


def _frames(time: otio.opentime.RationalTime, rate: Fraction) -> int:
    return round(time.value_rescaled_to(float(rate)))


def _where(track_label: str, first: int, last: int, start: int, rate: Fraction, drop: bool) -> str:
    return (f"track {track_label}, record {frames_to_timecode(start + first, rate, drop)}-"
            f"{frames_to_timecode(start + last, rate, drop)}")


def _track_events(timeline: otio.schema.Timeline, track: otio.schema.Track, rate: Fraction, start: int, drop: bool,
                  label: str, keep: list) -> list[_Event]:
    """The events of a track; ``keep`` holds what nests were composed into while the events are written."""
    return _events_of(TrackIndex(timeline, track, rate).entries, track.kind, rate, start, drop, label, keep)


def _nest_entries(stack: otio.schema.Stack, kind: str, first: int, rate: Fraction, where: str, keep: list) -> list:
    """The items a nest shows on a track of ``kind``, at record frames from ``first``: its enabled tracks of
    that kind composed as the editor sees them (the upper over the lower, OTIO's ``flatten_stack``), from its
    in-point. A nest that is retimed, or whose tracks hold transitions, cannot be laid out as events."""
    tracks = [t for t in stack if isinstance(t, otio.schema.Track) and t.kind == kind and t.enabled]
    if any(isinstance(effect, otio.schema.TimeEffect) for effect in stack.effects) or \
            any(isinstance(i, otio.schema.Transition) for t in tracks for i in t):
        raise UnsupportedEditError(f"nested sequence '{stack.name}' ({where}) is retimed or holds transitions, "
                                   f"which {FORMAT} cannot carry inside a nest",
                                   hint="decompose the nest in the editor, or write .otio / .xml")
    if kind == otio.schema.TrackKind.Audio and len([t for t in tracks if t.find_clips()]) > 1:
        raise UnsupportedEditError(f"nested sequence '{stack.name}' ({where}) mixes several audio tracks, which "
                                   f"{FORMAT} cannot carry as one channel",
                                   hint="decompose the nest in the editor, or write .otio / .xml")
    if not tracks:
        return []
    copies = [t.deepcopy() for t in tracks]
    flat = otio.algorithms.flatten_stack(copies)
    shown = otio.algorithms.track_trimmed_to_range(flat, stack.trimmed_range())
    holder = otio.schema.Stack()
    holder.append(shown)
    keep += [copies, flat, holder]  # OTIO frees a composition's children with it: alive until written
    return [(item, first + a, first + b) for item, a, b in TrackIndex(holder, shown, rate).entries]


def _events_of(entries: list, track_kind: str, rate: Fraction, start: int, drop: bool, label: str,
               keep: list) -> list[_Event]:
    events: list[_Event] = []
    pending = None  # (code, frames, outgoing event, in_offset frames) of a transition waiting for its incoming item
    for index, (item, first, last) in enumerate(entries):
        where = _where(label, first, last, start, rate, drop)
        if isinstance(item, otio.schema.Transition):
            kind = item.transition_type
            code = str(namespace(item, "cmx_3600").get("transition") or "")
            if kind in (otio.schema.TransitionTypes.SMPTE_Dissolve, ""):  # no type: a dissolve, as OTIO's default
                code = "D"
            elif kind == "SMPTE_Wipe":
                code = code if re.fullmatch(r"W\d{3}", code) else "W001"
            else:
                raise UnsupportedEditError(f"transition '{item.name or kind}' ({where}) is a '{kind}', which "
                                           f"{FORMAT} cannot carry (it has dissolves and wipes)",
                                           hint="make it a dissolve or a wipe, or write .otio / .xml instead")
            before = _frames(item.in_offset, rate)
            total = before + _frames(item.out_offset, rate)
            outgoing = events[-1] if events and events[-1].last == first + before and index > 0 \
                and entries[index - 1][0] is events[-1].clip else None
            if outgoing is not None:  # the outgoing event ends where the dissolve starts
                outgoing.last -= before
                outgoing.src_out -= _shown(before, outgoing.speed)
            pending = (code, total, outgoing, before)
            continue
        if isinstance(item, otio.schema.Stack):
            beside = [entries[i][0] for i in (index - 1, index + 1) if 0 <= i < len(entries)]
            if pending is not None or any(isinstance(i, otio.schema.Transition) for i in beside):
                raise UnsupportedEditError(f"nested sequence '{item.name}' ({where}) has a transition at its edge, "
                                           f"which {FORMAT} cannot carry", hint="decompose the nest in the editor, "
                                           "or write .otio / .xml")
            if not item.enabled:
                if not events:
                    events.append(_Event(first, first, None, 0, 0))
                events[-1].notes.append(f"disabled nested sequence '{_one_line(item.name)}' ({where})")
                continue
            # a nest is written as the clips it shows, each an event of its own source (a conform pulls those)
            events += _events_of(_nest_entries(item, track_kind, first, rate, where, keep), track_kind, rate, start,
                                 drop, f"{label} > {item.name or 'nest'}", keep)
            continue
        kind = _generator(item) if isinstance(item, otio.schema.Clip) else None
        left_out = None
        if isinstance(item, otio.schema.Clip) and not item.enabled:
            left_out = f"disabled clip '{_one_line(item.name)}' ({where})"
        elif kind is not None and kind.lower() not in ("black", "bl", "smptebars", "bars") and last > first:
            # a title or other generator has no source an EDL could name: a conform would look for a reel
            left_out = f"generator '{_one_line(item.name)}' ({kind or 'generated'}, {where}): no source media"
        if left_out is not None:
            if events:
                events[-1].notes.append(left_out)
            else:
                events.append(_Event(first, first, None, 0, 0, notes=[left_out]))
            pending = None
            continue
        if isinstance(item, otio.schema.Clip) and _generator(item) is not None and _generator(item).lower() in \
                ("black", "bl") and pending is None:
            continue  # black between events is what an EDL's record gap shows
        if isinstance(item, otio.schema.Clip) and last > first:
            speed = clip_speed(item, where=where, format_name=FORMAT)
            src_in = _frames(item.source_range.start_time, rate) if item.source_range is not None else 0
            length = source_frames(item, last - first, speed)
            if namespace(item, NAMESPACE).get("timecode_rate") and speed is None:
                # a high-frame-rate clip read from an EDL counts its own frames in the cut's timecode, as Avid wrote it
                src_in = round(item.source_range.start_time.value)
                length = round(item.source_range.duration.value)
            given = namespace(item, NAMESPACE).get("edl_source_frames")
            if given is not None and speed is None and last - first == _frames(item.source_range.duration, rate):
                length = int(given)  # an event read out of step (edl_read): written as it was, still out of step
            event = _Event(first, last, item, src_in, src_in + length, speed)
            if pending is not None:
                code, total, outgoing, before = pending
                event.first -= before
                event.src_in -= _shown(before, speed)
                event.transition = (code, total, outgoing)
            events.append(event)
        elif pending is not None and isinstance(item, otio.schema.Gap | otio.schema.Clip):  # fade to black
            code, total, outgoing, before = pending
            events.append(_Event(first - before, first - before + total, None, 0, total,
                                 transition=(code, total, outgoing)))
        elif pending is not None:
            raise UnsupportedEditError(f"transition at {where} leads to nothing {FORMAT} can show")
        pending = None
    if pending is not None:  # a transition at the very end: a fade to black
        code, total, outgoing, before = pending
        cut = outgoing.last if outgoing is not None else entries[-1][2]
        events.append(_Event(cut, cut + total, None, 0, total, transition=(code, total, outgoing)))
    return events


def _shown(frames: int, speed: Fraction | None) -> int:
    return frames if speed is None else round(frames * speed)


def _audio_channels(per_track: list[list[_Event]], reels: _Reels, *, lone: str = "AA") -> list[tuple[str, list[_Event]]]:
    """Channel codes for a group's audio tracks: ``lone`` for one (``AA``: a stereo pair, as our takes are;
    ``A`` for the one track an EDL's ``A`` events were read into), ``AA`` for two that carry the same events,
    else ``A``, ``A2``, ``A3``..."""
    if len(per_track) == 1:
        return [(lone, per_track[0])]
    out = []
    rest = list(enumerate(per_track))
    if len(per_track) >= 2 and [e.key(reels) for e in per_track[0]] == [e.key(reels) for e in per_track[1]]:
        out.append(("AA", per_track[0]))
        rest = rest[2:]
    for index, events in rest:
        out.append(("A" if index == 0 else f"A{index + 1}", events))
    return out


def write_edl_text(timeline: otio.schema.Timeline, video: otio.schema.Track | None,
                   audio: list[otio.schema.Track], *, title: str,
                   markers: list[tuple[int, int, otio.schema.Marker]] = (), notes: list[str] = ()) -> str:
    """An EDL of one video track and its audio tracks; ``markers`` are (record frame, duration, marker)."""
    rate = timeline_rate(timeline)
    drop = timeline_drop_frame(timeline)
    start = global_start_frames(timeline, rate)

    def tc(frames: int) -> str:
        return frames_to_timecode(max(0, frames), rate, drop)

    try:
        tc(0)
    except ValueError:  # OTIO: "SMPTE timecode does not support this rate" (15, 12.5, 100, 120 fps...)
        raise UnsupportedEditError(f"{FORMAT} counts SMPTE timecode, which has no {rate_label(rate)} fps "
                                   f"(the rate of '{timeline.name or 'timeline'}')",
                                   hint="write .otio, .xml or .fcpxml instead, or set the sequence to a "
                                        "standard rate (23.976, 24, 25, 29.97, 30, 50, 59.94, 60)") from None

    lines = [f"TITLE: {title}", f"FCM: {'DROP FRAME' if drop else 'NON-DROP FRAME'}", ""]
    keep: list = []  # nests composed for writing: alive while their clips are written
    reels = _Reels()
    events: list[_Event] = []
    if video is not None:
        events += _track_events(timeline, video, rate, start, drop, video.name or "V", keep)
    per_audio = [_track_events(timeline, a, rate, start, drop, a.name or f"A{i + 1}", keep)
                 for i, a in enumerate(audio)]
    # an EDL's A events are read into one track A1: written back as A, not as a pair
    lone = "A" if namespace(timeline, NAMESPACE).get("edl") and len(audio) == 1 and audio[0].name == "A1" else "AA"
    for channel, track_events in _audio_channels(per_audio, reels, lone=lone):
        for event in track_events:
            event.channel = channel
        events += track_events
    order = {"V": 0, "AA": 1, "A": 2}
    events.sort(key=lambda e: (e.first, order.get(e.channel, 3), e.channel))
    carried = [n for e in events for n in e.notes] + [n for n in notes]
    events = [e for e in events if e.last > e.first or e.transition is not None]
    pending = list(markers)
    number = 0
    begun: set[str] = set()  # channels with an event already
    for event in events:
        number += 1
        clip = event.clip
        reel = reels.name(clip) if clip is not None else "BL"
        if event.transition is not None and event.transition[2] is None and event.channel not in begun:
            # A fade in that opens its track: a zero-length black event first, so the cmx_3600 reader (which
            # needs something before a transition) reads it back; Avid and Resolve read it as nothing.
            lines.append(f"{number:03d}  {'BL':<{REEL_WIDTH}} {event.channel:<5} C        {tc(0)} {tc(0)} "
                         f"{tc(start + event.first)} {tc(start + event.first)}")
            number += 1
        begun.add(event.channel)
        if event.transition is not None:
            code, total, outgoing = event.transition
            if outgoing is not None and outgoing.clip is not None:
                from_reel = reels.name(outgoing.clip)
                lines.append(f"{number:03d}  {from_reel:<{REEL_WIDTH}} {event.channel:<5} C        "
                             f"{tc(outgoing.src_out)} {tc(outgoing.src_out)} {tc(start + event.first)} "
                             f"{tc(start + event.first)}")
            else:  # a fade in: from black
                lines.append(f"{number:03d}  {'BL':<{REEL_WIDTH}} {event.channel:<5} C        {tc(0)} {tc(0)} "
                             f"{tc(start + event.first)} {tc(start + event.first)}")
            lines.append(f"{number:03d}  {reel:<{REEL_WIDTH}} {event.channel:<5} {code:<4} {total:03d} "
                         f"{tc(event.src_in)} {tc(event.src_out)} {tc(start + event.first)} {tc(start + event.last)}")
        else:
            lines.append(f"{number:03d}  {reel:<{REEL_WIDTH}} {event.channel:<5} C        "
                         f"{tc(event.src_in)} {tc(event.src_out)} {tc(start + event.first)} {tc(start + event.last)}")
        if clip is not None and event.speed is not None:
            lines.append(f"M2   {reel:<{REEL_WIDTH}}       {float(event.speed * rate):05.1f}                "
                         f"{tc(event.src_in)}")
        names = []  # a clip with no name has no name line
        if event.transition is not None and event.transition[2] is not None and event.transition[2].clip is not None:
            names = [("FROM", _event_name(event.transition[2].clip), ""),
                     ("TO", _event_name(clip) if clip is not None else "", "")]
        elif clip is not None:
            names = [("FROM", _event_name(clip), " FF" if event.speed == 0 else "")]
        lines += [f"* {side} CLIP NAME: {name}{suffix}" for side, name, suffix in names if name]
        if clip is not None:
            if event.speed == 0:
                lines.append("* * FREEZE FRAME")
            source_file = _source_file(clip)
            if source_file:  # Avid's FROM FILE (under a dissolve: the incoming clip's, as readers take it)
                lines.append(f"* FROM FILE: {source_file}")
            kept = _kept_comments(clip)
            lines += [c if c.upper().startswith("AUD ") else f"* {c}" for c in kept]  # AUD: CMX's channels 3/4 line
            if not any(c.upper().startswith("SOURCE FILE:") for c in kept) and _media_name(clip) != _event_name(clip):
                # Avid's SOURCE FILE: what a relink by name looks for
                lines.append(f"* SOURCE FILE: {_media_name(clip)}")
            lines += _cdl_lines(clip)
            take = namespace(clip, NAMESPACE)
            if take.get("range_name") and take.get("take"):  # which take this is, for a run over this output
                lines.append(f"* RETAKE: {_one_line(str(take['range_name']))} take {take['take']}")
        if carried:  # what was left out, said once under the first event a reader keeps
            lines += [f"* {NOT_WRITTEN} {n}" for n in carried]
            carried = []
        if event.channel == "V":
            inside = [m for m in pending if event.first <= m[0] < event.last]
            for frame, _, marker in inside:
                lines.append(f"* LOC: {tc(start + frame)} {(marker.color or 'RED').upper():<7} {_one_line(marker.name)}".rstrip())
            pending = [m for m in pending if m not in inside]
    if not events:  # a track of titles or disabled clips only: an EDL without events that says why
        lines += [f"* {NOT_WRITTEN} {n}" for n in carried] or [f"* {NOT_WRITTEN} the track is empty"]
    lines.append("")
    return "\n".join(lines)


_OURS = re.compile(r"^(RETAKE:|OTIO-RETAKE |\* ?FREEZE FRAME|FREEZE FRAME|M2\b)", re.IGNORECASE)


def _kept_comments(clip: otio.schema.Clip) -> list[str]:
    """The comments of an EDL event no reader made anything of (Avid's ``SOURCE FILE:``, ``AVX2 EFFECT, RESIZE``),
    written back as they were; not those we write ourselves, nor a Resolve marker's lines (its note's lines stand
    alone under the event, and it is written back as a LOC)."""
    comments = [str(c).strip() for c in namespace(clip, "cmx_3600").get("comments") or []]
    if any("|C:" in c and "|M:" in c for c in comments):
        return [c for c in comments if c.upper().startswith("SOURCE FILE:")]
    return [c for c in comments if c and not _OURS.match(c)]


def _cdl_lines(clip: otio.schema.Clip) -> list[str]:
    """The ASC CDL the cmx_3600 reader keeps in ``metadata["cdl"]``, as Avid writes it."""
    cdl = clip.metadata.get("cdl")
    if not hasattr(cdl, "get"):
        return []
    out = []
    sop = cdl.get("asc_sop")
    if hasattr(sop, "get"):
        triples = [" ".join(_number(v) for v in sop.get(k, default)) for k, default in
                   (("slope", (1, 1, 1)), ("offset", (0, 0, 0)), ("power", (1, 1, 1)))]
        out.append("*ASC_SOP " + " ".join(f"({t})" for t in triples))
    if cdl.get("asc_sat") is not None:
        out.append(f"*ASC_SAT {_number(cdl['asc_sat'])}")
    return out


def _number(value) -> str:
    return repr(float(value)) if not isinstance(value, str) else value


def check_edl_writable(timeline: otio.schema.Timeline) -> None:
    """Refuse before any work what the EDL writer would refuse after it (an empty timeline too: no file)."""
    groups = edl_groups(timeline)
    if not groups:
        write_edl_for_track(timeline)  # says there is nothing to write
    for _, _, label in groups:
        write_edl_for_track(timeline, label)


def keep_speed_sources(timeline: otio.schema.Timeline, text: str) -> None:
    """Keep on each retimed clip the source length its M2 event gave, which the writer writes back.

    The cmx_3600 reader keeps only the speed, rounded to 0.1 fps, so the source out cannot be recomputed
    exactly (2 of the 17 M2 events of the adapter's speed_effects.edl come out a frame off).
    """
    rate = timeline_rate(timeline)
    start = global_start_frames(timeline, rate)
    given = {}
    for event in parse_edl(text).events:
        if event.has_speed_effect:
            try:
                key = (timecode_to_frames(event.rec_in, rate), timecode_to_frames(event.src_in, rate))
                given[key] = timecode_to_frames(event.src_out, rate) - key[1]
            except ValueError:
                continue
    if not given:
        return
    for track in timeline.tracks:
        if not isinstance(track, otio.schema.Track):
            continue
        for item, first, last in track_items(timeline, track, rate):
            if not isinstance(item, otio.schema.Clip) or not item.effects or item.source_range is None:
                continue
            src_in = round(item.source_range.start_time.value)
            length = given.get((start + first, src_in))
            if length is not None:
                keep_source_frames(item, last - first, length)


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
