"""FCPXML: exact rates, media-rep paths, markers at record time; takes written as auditions."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from fractions import Fraction

import opentimelineio as otio

from conftest import run_cli

from otio_retake.timeline.fcpxml import parse_time
from otio_retake.timeline.info import timeline_rate
from otio_retake.timeline.marks import record_markers
from otio_retake.timeline.read import read_timeline
from otio_retake.timeline.segments import track_items


def test_final_cut_export_markers_land_at_their_record_frames(fixtures_dir):
    timeline = read_timeline(fixtures_dir / "fcpx_project.fcpxml")
    assert timeline_rate(timeline) == 30
    got = {m.name: (round(m.marked_range.start_time.value), m.color) for m in timeline.tracks.markers}
    assert got["Marker 1"] == (180, "PURPLE")  # 6 s into the first clip
    assert got["Marker 5"] == (660, "RED")  # to-do marker on a clip connected to the gap at 20 s
    # on a gap whose clock starts at 3600 s: 36.525 s is between frames 1095 and 1096; Final Cut shows it on the
    # frame that contains it (issue 27.12), not the next one
    assert got["Marker 9"] == (1095, "PURPLE")
    assert got["Marker 4"] == (1937, "PURPLE")  # inside a secondary storyline
    assert got["Marker 7"] == (2400, "GREEN")  # done marker on a compound clip
    clips = {c.name: c for c in timeline.tracks[0].find_clips(shallow_search=True)}  # the primary storyline
    assert clips["IMG_0687"].media_reference.target_url == "/Volumes/Media/otio/IMG_0687.MOV"
    assert clips["IMG_0687"].source_range.start_time.value == 376  # start 37600/3000 s


MODERN = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE fcpxml>
<fcpxml version="1.11">
  <resources>
    <format id="r1" frameDuration="1001/24000s" width="1920" height="1080"/>
    <asset id="r2" name="A B" start="0s" duration="1001/100s" hasVideo="1" format="r1">
      <media-rep kind="original-media" src="file:///Volumes/x/A%20B.mov"/>
    </asset>
  </resources>
  <library><event name="e"><project name="p">
    <sequence format="r1" tcStart="3600s" tcFormat="NDF" duration="1001/240s">
      <spine>
        <asset-clip ref="r2" offset="3600s" start="1001/8000s" duration="1001/240s" name="A B">
          <marker start="1001/1000s" duration="1001/24000s" value="sky" note="make it rain"/>
        </asset-clip>
      </spine>
    </sequence>
  </project></event></library>
</fcpxml>
"""


def test_modern_fcpxml_keeps_23976_and_reads_media_rep(tmp_path):
    path = tmp_path / "modern.fcpxml"
    path.write_text(MODERN)
    timeline = read_timeline(path)
    assert timeline_rate(timeline) == Fraction(24000, 1001)  # never 23
    [clip] = timeline.find_clips()
    assert clip.media_reference.target_url == "/Volumes/x/A B.mov"
    assert (clip.source_range.start_time.value, clip.source_range.duration.value) == (3, 100)
    [marker] = timeline.tracks.markers
    # marker at asset time 1.001 s = frame 24; the clip starts at asset frame 3, at record 0.
    assert (round(marker.marked_range.start_time.value), marker.comment) == (21, "make it rain")
    stock = otio.adapters.read_from_file(str(path), adapter_name="fcpx_xml")
    assert stock.find_clips()[0].source_range.duration.rate == 23  # the adapter's truncation we avoid


def test_takes_are_written_as_auditions_with_the_original_active(samples, tmp_path):
    out = tmp_path / "o.fcpxml"
    # Half a second of context: 12-frame heads, so a take's start is its marked frames', not its file's first.
    assert run_cli("run", samples / "retake_sample.otio", "-o", out, "--takes", "2", "--context", "0.5") == 0
    root = ET.parse(out).getroot()
    assert root.get("version") == "1.10"
    auditions = root.findall(".//spine/audition")
    assert len(auditions) == 1  # 'sky' sits inside shot A; 'crossing' crosses the cut
    clips = auditions[0].findall("asset-clip")
    assets = {a.get("id"): a for a in root.iter("asset")}
    src = {rid: a.find("media-rep").get("src") for rid, a in assets.items()}
    assert src[clips[0].get("ref")].endswith("/media/shot_a.mp4")  # the original is the active pick
    assert [c.get("name") for c in clips[1:]] == ["sky take A", "sky take B"]
    for clip in clips:
        assert parse_time(clip.get("duration")) == 3 and parse_time(clip.get("offset")) == 3600 + 2
    assert parse_time(clips[0].get("start")) == Fraction(24 + 48, 24)
    assert parse_time(clips[1].get("start")) == Fraction(86448, 24)  # the take file's own timecode
    lanes = sorted(c.get("lane") for c in root.iter("asset-clip") if c.get("lane"))
    assert lanes == ["-1", "-1", "-2", "-2", "1", "2"]  # crossing picture A/B above, sound below


def test_fcpxml_round_trip_keeps_placement_markers_and_paths(samples, tmp_path):
    out = tmp_path / "o.fcpxml"
    assert run_cli("run", samples / "retake_sample.otio", "-o", out, "--context", "0") == 0
    source = read_timeline(samples / "retake_sample.otio")
    again = read_timeline(out)
    rate = timeline_rate(source)

    def cuts(tl):  # record ranges and media of the picture, with the audition's pieces merged back
        merged = []
        for item, first, last in track_items(tl, tl.tracks[0], rate):
            path = item.media_reference.target_url.rsplit("/", 1)[-1]
            if merged and merged[-1][2] == path and merged[-1][1] == first:
                merged[-1] = (merged[-1][0], last, path)
            else:
                merged.append((first, last, path))
        return merged

    assert cuts(again) == cuts(source)
    assert again.global_start_time == source.global_start_time
    def markers(tl):
        return [(frame, m.name, m.comment) for frame, _, m in record_markers(tl)]

    assert markers(again) == markers(source) and len(markers(source)) == 3


def test_marked_ranges_survive_the_fcpxml_round_trip(samples, tmp_path):
    from otio_retake.timeline.marks import find_marked_ranges
    out = tmp_path / "o.fcpxml"
    assert run_cli("run", samples / "retake_sample.otio", "-o", out, "--marker-prefix", "sky", "--context", "0") == 0
    ranges, skipped = find_marked_ranges(read_timeline(out))
    assert [(r.name, r.record_in_tc, r.duration, r.mode.value, r.prompt) for r in ranges] == [
        ("crossing", "01:00:08:12", 72, "both", "A cyclist rides through the frame"),
        ("line", "01:00:14:00", 60, "audio", "She says: we are late")]
    # 'sky' is there too, with the take its audition holds: not sent again (issue 22.6)
    assert [(s.name, s.reason.split(" (")[0]) for s in skipped] == [("sky", "already has take(s) A on this timeline")]
