"""FCP 7 XML as Premiere and Resolve write it, and what we write for them to import."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import opentimelineio as otio
from opentimelineio.opentime import RationalTime as RT
from opentimelineio.opentime import TimeRange as TR

from otio_retake.timeline.fcp_xml import read_fcp_xml, write_fcp_xml
from otio_retake.timeline.marks import find_marked_ranges
from otio_retake.timeline.read import read_timeline


def _timeline_with_timecoded_media():
    """Media whose first frame is 01:00:00:00; the clip uses media frames 48-168; a marker at media 60-108."""
    tl = otio.schema.Timeline("tc", global_start_time=RT(0, 24))
    track = otio.schema.Track("V1")
    ref = otio.schema.ExternalReference(target_url="/media/a.mov", available_range=TR(RT(86400, 24), RT(240, 24)))
    clip = otio.schema.Clip("a", media_reference=ref, source_range=TR(RT(86448, 24), RT(120, 24)))
    marker = otio.schema.Marker("m", TR(RT(86460, 24), RT(48, 24)), color="RED")
    marker.comment = "fix the light"
    clip.markers.append(marker)
    track.append(clip)
    tl.tracks.append(track)
    return tl


def test_written_clip_markers_are_relative_to_the_media_start_as_premiere_expects():
    text = write_fcp_xml(_timeline_with_timecoded_media())
    marker = ET.fromstring(text).find(".//clipitem/marker")
    # Premiere counts clip marker frames from the media's first frame.
    assert (marker.findtext("in"), marker.findtext("out")) == ("60", "108")
    assert marker.findtext("comment") == "fix the light"


def test_clip_markers_are_offset_by_the_media_timecode_on_read():
    text = write_fcp_xml(_timeline_with_timecoded_media())
    stock = otio.adapters.read_from_string(text, "fcp_xml")
    stock_marker = stock.find_clips()[0].markers[0]
    assert stock_marker.marked_range.start_time.value == 60  # outside the clip's media range 86448-86568
    fixed = read_fcp_xml(text)
    ranges, _ = find_marked_ranges(fixed)
    # media 86460 is 12 frames into the clip, which starts at record 0.
    assert [(r.record_in, r.duration, r.prompt) for r in ranges] == [(12, 48, "fix the light")]


def test_premiere_export_markers_comments_and_paths(fixtures_dir):
    timeline = read_timeline(fixtures_dir / "premiere_example.xml")
    notes = {m.name: m.comment for m in timeline.tracks.markers}
    assert notes["My MArker 1"] == "so, this happened" and notes["dsf"] == "fsfsfs"
    paths = {c.media_reference.target_url for c in timeline.find_clips()
             if isinstance(c.media_reference, otio.schema.ExternalReference)}
    assert "D:/media/sc01_sh010_anim.mov" in paths  # from file://localhost/D%3a/media/sc01_sh010_anim.mov


def test_written_paths_are_file_urls_and_tracks_are_named(tmp_path):
    tl = _timeline_with_timecoded_media()
    tl.tracks[0].name = "Retake A"
    media = tmp_path / "my media" / "a.mov"
    tl.find_clips()[0].media_reference.target_url = str(media)
    root = ET.fromstring(write_fcp_xml(tl))
    assert root.findtext(".//pathurl") == "file://" + str(media).replace(" ", "%20")
    assert root.find(".//video/track").get("MZ.TrackName") == "Retake A"
    again = read_fcp_xml(ET.tostring(root, encoding="unicode"))
    assert again.tracks[0].name == "Retake A"
    assert again.find_clips()[0].media_reference.target_url == str(media)


def test_windows_paths_become_file_urls():
    tl = _timeline_with_timecoded_media()
    tl.find_clips()[0].media_reference.target_url = "D:\\media\\a b.mov"
    root = ET.fromstring(write_fcp_xml(tl))
    assert root.findtext(".//pathurl") == "file://localhost/D:/media/a b.mov".replace(" ", "%20")


def test_output_structure_matches_what_premiere_exports(fixtures_dir, samples, tmp_path):
    """The elements Premiere and Resolve look for are where their own exports put them."""
    from conftest import run_cli
    out = tmp_path / "o.xml"
    assert run_cli("run", samples / "retake_sample.xml", "-o", out, "--marker-prefix", "sky") == 0
    ours = ET.parse(out).getroot()
    theirs = ET.parse(fixtures_dir / "premiere_example.xml").getroot()
    assert ours.tag == theirs.tag == "xmeml"
    for path in ("sequence/rate/timebase", "sequence/media/video/track/clipitem/file/pathurl",
                 "sequence/media/video/track/clipitem/start", "sequence/media/video/track/clipitem/in",
                 "sequence/timecode/frame"):
        assert ours.find(path) is not None and theirs.find(path) is not None, path
    tracks = ours.findall("sequence/media/video/track")
    assert [t.get("MZ.TrackName") for t in tracks] == ["V1", "Retake A"]
    take = tracks[1].find("clipitem")
    assert take.findtext("file/pathurl").startswith("file:///")
    assert (take.findtext("start"), take.findtext("end")) == ("48", "120")
