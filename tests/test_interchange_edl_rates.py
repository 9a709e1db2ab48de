"""EDL events whose clip runs at another rate than the cut: Avid's high-frame-rate camera clips (issue 23, item 7)."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from conftest import decode_patterns, run_cli, take_file
from media_sources import make_source
from otio_retake.timeline.edl_read import camera_rate
from otio_retake.timeline.marks import MarkerFilter, find_marked_ranges
from otio_retake.timeline.read import read_timeline
from otio_retake.timeline.segments import track_items

HFR_ID = 5  # the pattern id of the 48 fps camera clip
# A 24 fps cut as Avid writes a 48 fps clip in it: the clip's source timecode counts its frames (01:00:02:00 is
# its frame 48 past its first, 01:00:00:00), so 144 record frames show 288 source frames, with no M2 line.
HFR_CUT = """TITLE: HFR
FCM: NON-DROP FRAME

001  A001C003 V     C        01:00:02:00 01:00:14:00 01:00:00:00 01:00:06:00
* FROM CLIP NAME:  A001C003_48FPS
* LOC: 01:00:02:00 RED     make it rain
002  B001C001 V     C        00:00:00:00 00:00:02:00 01:00:07:00 01:00:09:00
* FROM CLIP NAME:  B001C001
"""


@pytest.fixture(scope="module")
def hfr_media(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hfr_media")
    make_source(folder / "A001C003_48FPS.mov", clip_id=HFR_ID, frames=360, rate=Fraction(48), audio=None,
                timecode="01:00:00:00")
    make_source(folder / "B001C001.mov", clip_id=6, frames=60, audio=None)
    return folder


def test_a_high_frame_rate_clip_is_laid_out_by_its_record_and_counted_in_its_own_frames(tmp_path):
    path = tmp_path / "cut.edl"
    path.write_text(HFR_CUT)
    timeline = read_timeline(path)
    items = [(type(item).__name__, first, last) for item, first, last in
             track_items(timeline, timeline.tracks[0], Fraction(24))]
    # The cut as Avid shows it: the 48 fps clip lasts its 6 record seconds, then a 1 s gap, then the next clip.
    assert items == [("Clip", 0, 144), ("Gap", 144, 168), ("Clip", 168, 216)]
    clip = timeline.tracks[0][0]
    assert (clip.source_range.start_time.value, clip.source_range.start_time.rate) == (86448, 48)
    assert clip.source_range.duration.to_seconds() == 6
    ranges, skipped = find_marked_ranges(timeline, marker_filter=MarkerFilter(default_length_seconds=3))
    assert [(r.name, r.record_in, r.duration) for r in ranges] == [("make it rain", 48, 72)] and not skipped


def test_only_camera_rates_explain_a_longer_source():
    assert camera_rate(Fraction(24), 288, 144) == 48
    assert camera_rate(Fraction(24000, 1001), 288, 144) == Fraction(48000, 1001)
    assert camera_rate(Fraction(25), 200, 100) == 50
    assert camera_rate(Fraction(24), 360, 144) == 60  # 2.5 x
    assert camera_rate(Fraction(24), 150, 72) == 50  # 72 x 50 / 24, Avid rounds it to the frame
    assert camera_rate(Fraction(24), 250, 144) is None  # no camera rate: a wrong edit, still refused
    assert camera_rate(Fraction(24), 144, 144) is None


def test_a_source_no_camera_rate_explains_skips_only_the_markers_over_its_event(tmp_path, capsys):
    path = tmp_path / "bad.edl"
    path.write_text(HFR_CUT.replace("01:00:14:00", "01:00:12:10")
                    .replace("00:00:02:00 01:00:07:00 01:00:09:00", "00:00:06:00 01:00:07:00 01:00:13:00")
                    .replace("* FROM CLIP NAME:  B001C001", "* FROM CLIP NAME:  B001C001\n"
                             "* LOC: 01:00:09:00 RED     make it snow"))
    timeline = read_timeline(path)  # the cut is read, laid out by its record; the event's clip says why
    items = [(type(item).__name__, first, last) for item, first, last in
             track_items(timeline, timeline.tracks[0], Fraction(24))]
    assert items == [("Clip", 0, 144), ("Gap", 144, 168), ("Clip", 168, 312)]
    assert run_cli("plan", path, "--json", "--default-length", "2", "--context", "0") == 6  # skipped; offline
    rows = {row["name"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows["make it snow"]["status"] == "offline" and rows["make it rain"]["status"] == "skipped"
    assert rows["make it rain"]["record_in"] == "01:00:02:00"
    assert "event 001 (line 4) has a source of 250 frames over 144 record frames" in rows["make it rain"]["reason"]


def test_a_run_over_a_high_frame_rate_clip_shows_its_frames_at_its_own_rate(tmp_path, hfr_media):
    # Record frame k of event 001 shows the 48 fps clip at k / 24 s past its source in (its frame 48): file frame
    # 48 + 2k. The marker (record 48-120, half a second of context) is rendered from those frames, not from
    # 48 + k as a 24 fps reading of the source timecode would show (nor refused, as the whole cut was).
    path = tmp_path / "cut.edl"
    path.write_text(HFR_CUT)
    assert run_cli("run", path, "--media-dir", hfr_media, "--default-length", "3", "-o", tmp_path / "o.otio",
                   "--workspace", tmp_path / "ws", "--context", "0.5", "--handles", "12") == 0
    shown = decode_patterns(take_file(tmp_path / "ws" / "takes" / "make_it_rain_takeA.mp4"))
    assert shown == [(48 + 2 * k, HFR_ID) for k in range(48 - 12, 120 + 12)]


def test_a_relinked_high_frame_rate_clip_takes_its_media_rate(tmp_path):
    # The EDL only implies 48 fps (288 source frames over 144 at 24); the media found runs at 47.952: its frames
    # are counted at that rate, so a long clip does not drift by a frame every ~21 s.
    footage = tmp_path / "footage"
    footage.mkdir()
    make_source(footage / "A001C003_48FPS.mov", clip_id=HFR_ID, frames=8, rate=Fraction(48000, 1001), audio=None,
                timecode="01:00:00:00")
    path = tmp_path / "cut.edl"
    path.write_text(HFR_CUT)
    clip = read_timeline(path, media_dirs=[footage]).tracks[0][0]
    assert Fraction(clip.source_range.start_time.rate).limit_denominator(1001) == Fraction(48000, 1001)
    assert clip.source_range.start_time.value == 86448
    assert abs(clip.source_range.duration.to_seconds() - 6) < 1e-9  # the cut's layout is the record's
    assert read_timeline(path).tracks[0][0].source_range.start_time.rate == 48  # media not found: as implied


def test_a_high_frame_rate_clip_is_written_back_as_avid_wrote_it(tmp_path):
    from otio_retake.timeline.edl_write import write_edl_for_track
    path = tmp_path / "cut.edl"
    path.write_text(HFR_CUT)
    written = write_edl_for_track(read_timeline(path))
    assert "01:00:02:00 01:00:14:00 01:00:00:00 01:00:06:00" in written
    again = tmp_path / "again.edl"
    again.write_text(written)
    clip = read_timeline(again).tracks[0][0]
    assert (clip.source_range.start_time.value, clip.source_range.start_time.rate) == (86448, 48)


def test_consecutive_high_frame_rate_clips_each_count_their_own_frames(tmp_path):
    # Two 48 fps events in a row, the first entered with a dissolve: each is placed by its record timecode.
    path = tmp_path / "cut.edl"
    path.write_text("TITLE: x\nFCM: NON-DROP FRAME\n\n"
                    "001  B001     V     C        00:00:00:00 00:00:04:00 01:00:00:00 01:00:04:00\n"
                    "002  B001     V     C        00:00:04:00 00:00:04:00 01:00:04:00 01:00:04:00\n"
                    "002  A001     V     D    024 01:00:02:00 01:00:10:00 01:00:04:00 01:00:08:00\n"
                    "003  A001     V     C        01:00:10:00 01:00:18:00 01:00:08:00 01:00:12:00\n"
                    "004  B001     V     C        00:00:08:00 00:00:10:00 01:00:12:00 01:00:14:00\n")
    timeline = read_timeline(path)
    clips = timeline.find_clips()
    assert [(c.source_range.start_time.value, c.source_range.start_time.rate,
             round(c.source_range.duration.to_seconds(), 9)) for c in clips] == [
        (0, 24, 4), (86448, 48, 4), (86640, 48, 4), (192, 24, 2)]
    items = track_items(timeline, timeline.tracks[0], Fraction(24))
    assert (items[-1][1], items[-1][2]) == (288, 336)  # the last clip at its record 01:00:12:00
