"""Avid marker lists (Markers window > Export Markers) beside an EDL or AAF cut, in both layouts and the
encodings Media Composer writes them in, made here byte for byte as it writes them."""

from __future__ import annotations

import codecs

import pytest

from otio_retake.errors import TimelineReadError
from otio_retake.timecode import timecode_to_frames
from otio_retake.timeline.avid_markers import decode_marker_list, parse_marker_list, write_marker_list
from otio_retake.timeline.marks import MarkerFilter, find_marked_ranges, record_markers
from otio_retake.timeline.read import read_timeline

CUT_START = timecode_to_frames("00:59:53:11", 24)  # screening_example.edl's first record frame

# Up to Media Composer 2024.5: user, timecode, track, colour, comment, span (as quoted in EDL_tools).
CLASSIC = ["Isabel Yanes GT\t01:00:01:14\tV1\tred\tCafé crème on the table\t1",
           "Isabel Yanes GT\t01:00:05:00\tV1\tgreen\tthe sky turns to dusk [mode: video]\t48"]
# 2024.6 on: a second user field and the extended colour after the span; the fourth field stays classic.
EXTENDED = ["Isabel Yanes GT\t01:00:01:14\tV1\tGreen\tthe rain stops [takes: 2]\t24\tasst editor\tForest",
            "Isabel Yanes GT\t01:00:05:00\tA1\tMagenta\t“Hello”, she says [mode: audio]\t36\tasst editor\tViolet"]


def _cut_with(tmp_path, fixtures_dir, lines, encoding, newline="\r\n"):
    markers = tmp_path / "cut Markers.txt"
    markers.write_bytes(newline.join(lines).encode(encoding) + newline.encode(encoding))
    return read_timeline(fixtures_dir / "screening_example.edl", markers=markers)


def _ours(timeline):
    return [(frame, span, m.color, m.comment) for frame, span, m in record_markers(timeline)
            if "marker_list" in m.metadata["otio_retake"]]


def test_a_classic_list_from_windows_cp1252_crlf_is_read_at_record_time(tmp_path, fixtures_dir):
    timeline = _cut_with(tmp_path, fixtures_dir, CLASSIC, "cp1252")
    assert _ours(timeline) == [
        (timecode_to_frames("01:00:01:14", 24) - CUT_START, 1, "RED", "Café crème on the table"),
        (timecode_to_frames("01:00:05:00", 24) - CUT_START, 48, "GREEN", "the sky turns to dusk [mode: video]")]
    ranges, skipped = find_marked_ranges(timeline)  # the 1-frame locator is a point, the 48-frame one a range
    assert [(r.prompt, r.duration) for r in ranges] == [("the sky turns to dusk", 48)]
    assert any(s.name == "Café crème on the table" and "point" in s.reason for s in skipped)


def test_a_2024_list_in_utf16_with_bom_keeps_extended_colours_users_and_directives(tmp_path, fixtures_dir):
    markers = tmp_path / "cut Markers.txt"
    markers.write_bytes(codecs.BOM_UTF16_LE + "\r\n".join(EXTENDED).encode("utf-16-le"))
    timeline = read_timeline(fixtures_dir / "screening_example.edl", markers=markers)
    ours = [m for _, _, m in record_markers(timeline) if "marker_list" in m.metadata["otio_retake"]]
    assert [(m.color, m.metadata["otio_retake"]["avid_color"], m.metadata["otio_retake"]["avid_track"])
            for m in ours] == [("GREEN", "Forest", "V1"), ("PURPLE", "Violet", "A1")]
    assert ours[0].metadata["otio_retake"]["marker_list"] == {"layout": "2024.6", "encoding": "UTF-16 with BOM"}
    ranges, _ = find_marked_ranges(timeline)
    assert [(r.prompt, r.takes, r.mode.value, r.duration) for r in ranges] == [
        ("the rain stops", 2, "video", 24), ("“Hello”, she says", 1, "audio", 36)]


@pytest.mark.parametrize("encoding, bom, name", [
    ("utf-8", b"", "UTF-8"), ("utf-8", codecs.BOM_UTF8, "UTF-8 with BOM"),
    ("utf-16-le", codecs.BOM_UTF16_LE, "UTF-16 with BOM"), ("mac_roman", b"", "Mac Roman"),
    ("cp1252", b"", "Windows-1252")])
@pytest.mark.parametrize("newline", ["\r\n", "\n", "\r"])
def test_every_encoding_and_line_ending_avid_writes_is_recognised_not_guessed(encoding, bom, name, newline):
    lines = [CLASSIC[0], EXTENDED[1].replace("Hello", "Señor, l’été est là")]
    text, found = decode_marker_list(bom + newline.join(lines).encode(encoding))
    assert found == name
    parsed = parse_marker_list(text, source="m.txt")
    assert [p.comment for p in parsed] == ["Café crème on the table", "“Señor, l’été est là”, she says [mode: audio]"]
    assert [(p.layout, p.color, p.span) for p in parsed] == [("classic", "Red", 1), ("2024.6", "Violet", 36)]


def test_a_line_that_is_not_a_locator_is_named(tmp_path, fixtures_dir):
    with pytest.raises(TimelineReadError, match=r"cut Markers\.txt: line 2: 'Mauve' is not a Media Composer"):
        _cut_with(tmp_path, fixtures_dir, [CLASSIC[0], CLASSIC[1].replace("green", "Mauve")], "utf-8")
    with pytest.raises(TimelineReadError, match=r"line 2: the span .* is not a number"):
        _cut_with(tmp_path, fixtures_dir, [CLASSIC[0], CLASSIC[1][:-3] + "\tlong"], "utf-8")


def test_the_list_we_write_reads_back_the_same(fixtures_dir):
    timeline = read_timeline(fixtures_dir / "screening_example.edl")
    classic = write_marker_list(timeline, [(10, 24, "V6", "Red", "sky take A: a\tdusk sky")])
    assert classic == "otio-retake\t00:59:53:21\tV6\tRed\tsky take A: a dusk sky\t24\r\n"
    extended = write_marker_list(timeline, [(10, 24, "V6", "Gold", "sky take B")])
    [loc] = parse_marker_list(extended, source="x")
    assert (loc.layout, loc.color, loc.timecode, loc.span) == ("2024.6", "Gold", "00:59:53:21", 24)
