"""EDLs as Avid and Resolve write them: LOCs at record time, Resolve markers, rates, and what we write back."""

from __future__ import annotations

import re
from fractions import Fraction

import opentimelineio as otio
import pytest

from otio_retake.timecode import frames_to_timecode, timecode_to_frames
from otio_retake.timeline.edl_parse import parse_edl
from otio_retake.timeline.edl_write import write_edl_for_track, write_resolve_markers_edl
from otio_retake.timeline.info import global_start_frames, timeline_drop_frame, timeline_rate
from otio_retake.timeline.marks import MarkerFilter, find_marked_ranges
from otio_retake.timeline.read import read_timeline
from otio_retake.timeline.segments import track_items


def _marker_tcs(timeline):
    rate = timeline_rate(timeline)
    start = global_start_frames(timeline, rate)
    drop = timeline_drop_frame(timeline)
    return [(m.name, m.color, frames_to_timecode(start + round(m.marked_range.start_time.value), rate, drop))
            for m in timeline.tracks.markers]


def test_avid_locators_sit_at_their_record_timecode(fixtures_dir):
    timeline = read_timeline(fixtures_dir / "screening_example.edl")
    assert _marker_tcs(timeline) == [("ANIM FIX NEEDED", "RED", "01:00:01:14"),
                                     ("ANIM FIX NEEDED", "PINK", "01:00:02:14"), ("", "GREEN", "01:00:15:13")]
    # ... which is inside event 004 (record 00:59:58:00-01:00:02:19), as Avid shows it.
    rate = timeline_rate(timeline)
    start = global_start_frames(timeline, rate)
    red = round(timeline.tracks.markers[0].marked_range.start_time.value)
    clip = timeline.tracks[0].child_at_time(otio.opentime.RationalTime(red, 24))
    assert clip.name == "ZZ100_504C (LAY1)"
    assert frames_to_timecode(start, rate) == "00:59:53:11"


def test_stock_adapter_misplaces_the_locator_which_is_why_we_fix_it(fixtures_dir):
    stock = otio.adapters.read_from_file(str(fixtures_dir / "screening_example.edl"))
    clip = next(c for c in stock.find_clips() if c.markers)
    # The stock adapter keeps the LOC's record timecode as media time of event 004's clip,
    # which is outside that clip's media range: the marker would never show.
    assert round(clip.markers[0].marked_range.start_time.value) == timecode_to_frames("01:00:01:14", Fraction(24))
    assert clip.source_range.start_time.value > clip.markers[0].marked_range.start_time.value or \
        clip.source_range.end_time_exclusive().value <= clip.markers[0].marked_range.start_time.value


def test_our_adapter_is_in_the_otio_registry_for_any_tool(fixtures_dir):
    timeline = otio.adapters.read_from_file(str(fixtures_dir / "screening_example.edl"), adapter_name="otio_retake_edl")
    assert _marker_tcs(timeline)[0] == ("ANIM FIX NEEDED", "RED", "01:00:01:14")
    assert "otio_retake_fcp_xml" in otio.adapters.available_adapter_names()


DF_EDL = """TITLE: df
FCM: DROP FRAME

001  A001     V     C        01:00:00;00 01:02:00;00 01:00:00;00 01:02:00;00
* FROM CLIP NAME: a.mov
* LOC: 01:01:00;02 RED     at the minute
"""


def test_drop_frame_locators_are_read(tmp_path):
    path = tmp_path / "df.edl"
    path.write_text(DF_EDL)
    timeline = read_timeline(path)
    assert timeline_rate(timeline) == Fraction(30000, 1001) and timeline_drop_frame(timeline)
    [marker] = timeline.tracks.markers
    # 00:01:00;02 after the start is frame 1800 in drop-frame counting (two numbers skipped).
    assert round(marker.marked_range.start_time.value) == 1800
    assert _marker_tcs(timeline) == [("at the minute", "RED", "01:01:00;02")]


@pytest.mark.parametrize("fps, fcm, exact, last_ff", [
    ("23.976", "NON-DROP FRAME", Fraction(24000, 1001), 23), ("24", "NON-DROP FRAME", Fraction(24), 23),
    ("25", "NON-DROP FRAME", Fraction(25), 24), ("29.97", "DROP FRAME", Fraction(30000, 1001), 29),
    ("29.97", "NON-DROP FRAME", Fraction(30000, 1001), 29), ("30", "NON-DROP FRAME", Fraction(30), 29),
    ("50", "NON-DROP FRAME", Fraction(50), 49), ("59.94", "DROP FRAME", Fraction(60000, 1001), 59),
    ("60", "NON-DROP FRAME", Fraction(60), 59),
])
def test_every_common_rate_reads_and_writes_back_the_same_timecodes(tmp_path, fps, fcm, exact, last_ff):
    sep = ";" if fcm == "DROP FRAME" else ":"
    tc = lambda s, f: f"01:00:{s:02d}{sep}{f:02d}"  # noqa: E731
    text = (f"TITLE: rates\nFCM: {fcm}\n\n"
            f"001  A001     V     C        {tc(1, 0)} {tc(11, 0)} {tc(0, 0)} {tc(10, 0)}\n"
            f"* FROM CLIP NAME: a.mov\n* LOC: {tc(2, last_ff)} BLUE    last frame of second two\n"
            f"002  B001     V     C        {tc(0, 0)} {tc(5, last_ff)} {tc(10, 0)} {tc(15, last_ff)}\n"
            f"* FROM CLIP NAME: b.mov\n")
    path = tmp_path / "r.edl"
    path.write_text(text)
    timeline = read_timeline(path, fps=fps)
    assert timeline_rate(timeline) == exact
    assert timeline_drop_frame(timeline) == (fcm == "DROP FRAME")
    nominal = round(exact)
    [marker] = timeline.tracks.markers
    assert round(marker.marked_range.start_time.value) == 2 * nominal + last_ff
    assert _marker_tcs(timeline)[0][2] == tc(2, last_ff)
    # Written back by us: the same record timecodes, FCM kept, the LOC at record time.
    written = parse_edl(write_edl_for_track(timeline))
    assert written.fcm == fcm
    assert [(e.rec_in, e.rec_out) for e in written.events] == [(tc(0, 0), tc(10, 0)), (tc(10, 0), tc(15, last_ff))]
    assert [(e.src_in, e.src_out) for e in written.events][0] == (tc(1, 0), tc(11, 0))
    assert written.events[0].locators[0].timecode == tc(2, last_ff)


def test_rate_is_guessed_from_the_frame_fields_when_not_given(tmp_path):
    path = tmp_path / "pal.edl"
    path.write_text("FCM: NON-DROP FRAME\n001  A001     V     C        00:00:00:00 00:00:05:24 "
                    "01:00:00:00 01:00:05:24\n")
    assert timeline_rate(read_timeline(path)) == 25


RESOLVE_CUT = """TITLE: Timeline 1
FCM: NON-DROP FRAME

001  AX       V     C        00:00:00:00 00:00:04:00 01:00:00:00 01:00:04:00
* FROM CLIP NAME: a.mov
* The sky turns red |C:ResolveColorRed |M:sky |D:48
002  AX       V     C        00:00:10:00 00:00:14:00 01:00:04:00 01:00:08:00
* FROM CLIP NAME: b.mov
 |C:ResolveColorGreen |M:no note |D:30
003  AX       V     C        00:00:20:00 00:00:24:00 01:00:08:00 01:00:12:00
* FROM CLIP NAME: c.mov
a note without a star |C:ResolveColorFuchsia |M:third |D:72
"""


def test_resolve_marker_comments_under_cut_events(tmp_path):
    path = tmp_path / "cut.edl"
    path.write_text(RESOLVE_CUT)
    timeline = read_timeline(path)
    got = [(m.name, m.color, m.comment, round(m.marked_range.start_time.value), round(m.marked_range.duration.value))
           for m in timeline.tracks.markers]
    assert got == [("sky", "RED", "The sky turns red", 0, 48), ("no note", "GREEN", "", 96, 30),
                   ("third", "MAGENTA", "a note without a star", 192, 72)]
    # A marker without a note still qualifies: its name is the prompt.
    ranges, _ = find_marked_ranges(timeline)
    assert [r.prompt for r in ranges] == ["The sky turns red", "no note", "a note without a star"]


def test_resolve_markers_edl_round_trips(tmp_path):
    path = tmp_path / "cut.edl"
    path.write_text(RESOLVE_CUT)
    timeline = read_timeline(path)
    markers = tmp_path / "m.edl"
    markers.write_text(write_resolve_markers_edl(timeline))
    plain = tmp_path / "plain.edl"
    plain.write_text("\n".join(line for line in RESOLVE_CUT.splitlines() if "|C:" not in line) + "\n")
    again = read_timeline(plain, markers=markers)
    strip = [(m.name, m.color, m.comment, m.marked_range) for m in timeline.tracks.markers]
    assert [(m.name, m.color, m.comment, m.marked_range) for m in again.tracks.markers] == strip


def test_resolve_notes_over_several_lines_are_kept_whole(fixtures_dir, tmp_path):
    # A real Resolve "Timeline Markers to EDL" export (tests/data/SOURCES.md): Marker 72's note ends
    # with a line break, so Resolve wrote it on its own line and the tag line starts empty.
    path = fixtures_dir / "resolve_markers_multiline_note.edl"
    cut = tmp_path / "cut.edl"  # one picture event under all the markers (01:00:00:00-01:45:00:00)
    cut.write_text("TITLE: cut\nFCM: NON-DROP FRAME\n\n"
                   "001  A001     V     C        00:00:00:00 00:45:00:00 01:00:00:00 01:45:00:00\n")
    for timeline in (read_timeline(path, fps=24), read_timeline(cut, markers=path, fps=24)):
        notes = {m.name: m.comment for m in timeline.tracks.markers}
        assert len(notes) == 9
        assert notes["Marker 72"] == "Tache claire en haut a gauche et en bas"
        assert notes["Marker 1"] == "Poil noire gauche cadre sur visage acteur"
        assert notes["Marker 130"] == ""  # no note at all: its name is the prompt, as before
        ranges, _ = find_marked_ranges(timeline, marker_filter=MarkerFilter(default_length_seconds=1))
        prompts = {r.name: r.prompt for r in ranges}
        assert prompts["Marker 72"] == "Tache claire en haut a gauche et en bas"
        assert prompts["Marker 130"] == "Marker 130"


def test_a_note_of_several_lines_keeps_every_line_and_its_directives(tmp_path):
    # Resolve's format for a three-line note: the lines as typed, the last one before the tags.
    path = tmp_path / "m.edl"
    path.write_text("TITLE: t\nFCM: NON-DROP FRAME\n\n"
                    "001  001      V     C        01:00:01:00 01:00:01:01 01:00:01:00 01:00:01:01  \n"
                    "The sky turns red\nmode: video\n\nslowly, from the left |C:ResolveColorRed |M:sky |D:24\n\n"
                    "002  001      V     C        01:00:03:00 01:00:03:01 01:00:03:00 01:00:03:01  \n"
                    "* FROM CLIP NAME: b.mov\nrain\nhard |C:ResolveColorBlue |M:rain |D:24\n\n"
                    "003  001      V     C        01:00:05:00 01:00:05:01 01:00:05:00 01:00:05:01  \n"
                    "Title: the card is crooked\nFCM: count again\nfix both |C:ResolveColorRed |M:card |D:24\n\n"
                    "004  001      V     C        01:00:07:00 01:00:07:01 01:00:07:00 01:00:07:01  \n"
                    "* LOC: 01:00:07:00 RED avid\n* first line, as a comment\n* ASC_SAT 1.0\n"
                    "* second line\nlast |C:ResolveColorRed |M:starred |D:24\n")
    timeline = read_timeline(path, fps=24)
    assert [m.comment for m in timeline.tracks.markers] == [
        "The sky turns red\nmode: video\n\nslowly, from the left", "rain\nhard",
        "Title: the card is crooked\nFCM: count again\nfix both",  # note lines, not the EDL's title and mode
        "avid", "second line\nlast"]  # written as comments: kept, but not past a statement (ASC_SAT)
    assert timeline.metadata["otio_retake"]["edl"]["fcm"] == "NON-DROP FRAME"
    ranges, _ = find_marked_ranges(timeline)
    assert [r.prompt for r in ranges][:3] == ["The sky turns red slowly, from the left", "rain hard",
                                              "Title: the card is crooked FCM: count again fix both"]


def test_written_edl_keeps_record_start_names_media_and_has_unique_short_reels(samples, tmp_path):
    from conftest import run_cli
    out = tmp_path / "o.edl"
    # Half a second of context: 12-frame heads, so a take's source in is its marked frames', not its file's start.
    assert run_cli("run", samples / "retake_sample.otio", "-o", out, "--context", "0.5") == 0
    cut = parse_edl((tmp_path / "o.V1.edl").read_text())
    assert cut.events[0].rec_in == "01:00:00:00"
    assert [loc.timecode for e in cut.events for loc in e.locators] == ["01:00:02:00", "01:00:08:12", "01:00:14:00"]
    takes = parse_edl((tmp_path / "o.Retake_A.edl").read_text())
    assert [(e.channels, e.rec_in, e.rec_out) for e in takes.events] == [
        ("V", "01:00:02:00", "01:00:05:00"), ("V", "01:00:08:12", "01:00:11:12"),
        ("AA", "01:00:08:12", "01:00:11:12"), ("AA", "01:00:14:00", "01:00:16:12")]
    names = [c for e in takes.events for c in e.comments if c.startswith("FROM CLIP NAME:")]
    # Take files carry their job's identity: <range>_take<A>_<12 hex digits>
    assert [re.sub(r"_[0-9a-f]{12}\.", ".", n) for n in names] == [
        "FROM CLIP NAME: sky_takeA.mp4", "FROM CLIP NAME: crossing_takeA.mp4", "FROM CLIP NAME: crossing_takeA.mp4",
        "FROM CLIP NAME: line_takeA.wav"]
    reels = {}
    for e, n in zip(takes.events, names):
        assert len(e.reel) <= 8
        reels.setdefault(n, set()).add(e.reel)
    assert all(len(r) == 1 for r in reels.values()) and len({next(iter(r)) for r in reels.values()}) == 3
    # Source timecode of a take equals its record timecode (the take file's embedded timecode).
    assert all(e.src_in == e.rec_in for e in takes.events)


def test_zero_length_locators_qualify_with_default_length(fixtures_dir):
    timeline = read_timeline(fixtures_dir / "screening_example.edl")
    ranges, skipped = find_marked_ranges(timeline)
    assert ranges == [] and len(skipped) == 3
    ranges, _ = find_marked_ranges(timeline, marker_filter=MarkerFilter(default_length_seconds=2, colors=("RED",)))
    assert [(r.record_in_tc, r.duration) for r in ranges] == [("01:00:01:14", 48)]


def test_record_items_follow_the_edl(fixtures_dir):
    timeline = read_timeline(fixtures_dir / "screening_example.edl")
    rate = timeline_rate(timeline)
    start = global_start_frames(timeline, rate)
    items = [(frames_to_timecode(start + a, rate), frames_to_timecode(start + b, rate))
             for _, a, b in track_items(timeline, timeline.tracks[0], rate)]
    doc = parse_edl((fixtures_dir / "screening_example.edl").read_text())
    assert items == [(e.rec_in, e.rec_out) for e in doc.events]
