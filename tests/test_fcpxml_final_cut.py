"""FCPXML read as Final Cut shows it: real exports (tests/data/SOURCES.md) checked against the timecodes Final
Cut Pro shows for their markers, compound / multicam / synchronized clips, lanes, projects."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES
from otio_retake.errors import TimelineReadError
from otio_retake.timeline.marks import MarkerFilter, find_marked_ranges
from otio_retake.timeline.read import read_timeline


def _tc_frames(tc: str, fps: int) -> int:
    h, m, s, f = (int(x) for x in tc.split(":"))
    return ((h * 60 + m) * 60 + s) * fps + f


# Final Cut Pro's own timecodes for the 30 markers on the project's timeline of fcp_5994_with_2398_2997_media.fcpxml
# (swift-fcpxml's test of that export: "absolute timecode, as seen in FCP"; 59.94 NDF, subframes dropped).
FINAL_CUT_5994 = {
    "Shot_01": "00:00:16:34", "Shot_02": "00:00:52:13", "Shot_03": "00:01:26:35", "Shot_04": "00:01:53:38",
    "Shot_05": "00:02:10:40", "Shot_06": "00:02:18:27", "Shot_07": "00:02:24:10", "Shot_08": "00:03:17:05",
    "Shot_09": "00:03:36:13", "Shot_10": "00:03:44:48", "Marker 2": "00:03:55:11", "Marker 3": "00:03:58:03",
    "Marker 4": "00:03:59:39", "Marker 8": "00:04:05:33", "Marker 9": "00:04:06:49", "Marker 1": "00:04:07:59",
    "Marker 10": "00:04:08:09", "Marker 11": "00:04:08:23", "Marker 12": "00:04:08:37", "Marker 13": "00:04:08:38",
    "Marker 14": "00:04:08:48", "Marker 15": "00:04:08:56", "Marker 16": "00:04:09:15", "Marker 17": "00:04:09:30",
    "Marker 18": "00:04:13:41", "Marker 19": "00:04:15:33", "Marker 23": "00:04:18:08", "Marker 20": "00:04:18:11",
    "Marker 21": "00:04:20:53", "Marker 22": "00:04:22:41"}


def test_5994_project_with_2398_and_2997_clips_puts_every_marker_where_final_cut_shows_it():
    # 23.98 clips with <conform-rate srcFrameRate="23.98"/> play at 24 in a 59.94 project (their clock runs at
    # 1000/1001: their connected clips land on sequence frames only so), not frame for frame as a 23.98->24
    # conform would (Shot_10 was 509 frames early); 29.97 clips with scaleEnabled="0" play in real time.
    # Markers inside the compound clip '29.97_CC' are not on the project's timeline (Final Cut shows 30).
    timeline = read_timeline(FIXTURES / "fcp_5994_with_2398_2997_media.fcpxml")
    got = {m.name: round(m.marked_range.start_time.value) for m in timeline.tracks.markers}
    assert len(timeline.tracks.markers) == 30
    assert got == {name: _tc_frames(tc, 60) for name, tc in FINAL_CUT_5994.items()}
    # Final Cut's markers are points (one frame of their clip: 2 or 2.5 frames at 59.94): one record frame here
    assert {m.marked_range.duration.value for m in timeline.tracks.markers} == {1}
    # markers on clips with a smooth (varying) retime are listed as skipped, the others are ranges
    ranges, skipped = find_marked_ranges(timeline, marker_filter=MarkerFilter(default_length_seconds=1))
    assert {r.name: r.record_in_tc for r in ranges}["Shot_10"] == "00:03:44:48"
    assert sorted(s.name for s in skipped) == ["Marker 18", "Marker 19", "Marker 8", "Marker 9", "Shot_04",
                                               "Shot_06", "Shot_08"]


def test_5994_project_reads_connected_clips_and_storylines_as_lanes():
    timeline = read_timeline(FIXTURES / "fcp_5994_with_2398_2997_media.fcpxml")
    names = [(t.name, t.kind) for t in timeline.tracks]
    assert names[0] == ("V1", "Video") and ("V2", "Video") in names
    v2 = next(t for t in timeline.tracks if t.name == "V2")
    placed = [(c.name, round(r.start_time.value)) for c, r in
              ((c, c.transformed_time_range(c.trimmed_range(), timeline.tracks)) for c in v2.find_clips())]
    # the secondary storyline under Shot_05 starts at sequence frame 8157, Shot_10's connected clip at 13064
    assert ("TestVideo", 8157) in placed and ("TestVideo", 13064) in placed
    assert sum(1 for _ in v2.find_children(descended_from_type=__import__("opentimelineio").schema.Transition)) == 2


def test_multicam_clips_show_their_active_video_angle_and_their_markers():
    # Final Cut shows 'Marker on Multicam Clip 1' at 01:00:01:09 and '... 2' at 01:00:44:08 (23.976 NDF).
    timeline = read_timeline(FIXTURES / "fcp_multicam_markers.fcpxml")
    ranges, skipped = find_marked_ranges(timeline, marker_filter=MarkerFilter(default_length_seconds=1))
    assert [(r.name, r.record_in_tc) for r in ranges] == [("Marker on Multicam Clip 1", "01:00:01:09"),
                                                          ("Marker on Multicam Clip 2", "01:00:44:08")]
    assert not skipped  # the markers inside the angles are the multicam clip's, not the project's
    # the picture is the active video angle (mc-source srcEnable="all"): angle D (Cam 4), then angle B (Cam 2),
    # from where the mc-clip's start falls in the angle (10.05 s of multicam time, Cam 4 from 4.21 s: frame 140)
    cam4, cam2 = timeline.tracks[0]
    assert (cam4.media_reference.target_url, cam4.source_range.start_time.value,
            cam4.source_range.duration.value) == ("/Users/user/Movies/Cam 4.mp4", 140, 960)
    assert (cam2.media_reference.target_url, cam2.source_range.start_time.value) == ("/Users/user/Movies/Cam 2.mp4",
                                                                                     188)


def test_sync_clip_shows_its_video_and_its_marker():
    timeline = read_timeline(FIXTURES / "fcp_sync_clip.fcpxml")
    [clip] = timeline.tracks[0]
    assert clip.media_reference.target_url.endswith("Original Media/TestVideo.m4v")
    ranges, _ = find_marked_ranges(timeline, marker_filter=MarkerFilter(default_length_seconds=1))
    assert [(r.name, r.record_in_tc) for r in ranges] == [("Marker on Sync Clip", "01:00:10:00")]


def test_compound_clip_is_a_nested_stack_from_its_in_point(fixtures_dir):
    # issue 27.8: <ref-clip start="10900/3000s"> shows its compound clip from 3.633 s: source frame 109, not 0
    timeline = read_timeline(fixtures_dir / "fcpx_project.fcpxml")
    import opentimelineio as otio
    stacks = [i for i in timeline.tracks[0] if isinstance(i, otio.schema.Stack)]
    assert [(s.name, s.source_range.start_time.value, s.source_range.duration.value) for s in stacks] == [
        ("compound_clip_1", 109, 900), ("compound_clip_1", 57, 300)]
    record = [round(timeline.tracks[0].range_of_child(s).start_time.value) for s in stacks]
    assert record == [80 * 30, 140 * 30]
    inner = stacks[0][0]  # the compound clip's own primary storyline, with its clips
    assert [c.name for c in inner.find_clips(shallow_search=True)] == ["IMG_0233", "IMG_0857", "IMG_0858"]


PROJECTS = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE fcpxml>
<fcpxml version="1.10">
  <resources>
    <format id="r1" frameDuration="1/25s" width="1920" height="1080"/>
    <asset id="r2" name="a" start="0s" duration="60s" hasVideo="1" format="r1">
      <media-rep kind="original-media" src="file:///media/a.mov"/>
    </asset>
  </resources>
  <library><event name="e">
    {projects}
    <asset-clip ref="r2" name="a browser clip" start="0s" duration="10s"/>
  </event></library>
</fcpxml>
"""


def _project(name: str, marker: str) -> str:
    return (f'<project name="{name}"><sequence format="r1" tcStart="0s" duration="10s"><spine>'
            f'<asset-clip ref="r2" name="a" offset="0s" start="0s" duration="10s">'
            f'<marker start="{marker}" duration="2s" value="m {name}"/></asset-clip></spine></sequence></project>')


def test_a_library_with_several_projects_is_read_by_name_or_refused_naming_them(tmp_path):
    path = tmp_path / "library.fcpxml"
    path.write_text(PROJECTS.format(projects=_project("Cut 1", "1s") + _project("Cut 2", "3s")))
    with pytest.raises(TimelineReadError) as refused:
        read_timeline(path)
    assert "2 projects ('Cut 1', 'Cut 2')" in str(refused.value) and "--project NAME" in refused.value.hint
    timeline = read_timeline(path, project="Cut 2")
    assert timeline.name == "Cut 2"
    assert [(m.name, m.marked_range.start_time.value) for m in timeline.tracks.markers] == [("m Cut 2", 75)]
    with pytest.raises(TimelineReadError, match="no project named 'Cut 3' \\(its projects: 'Cut 1', 'Cut 2'\\)"):
        read_timeline(path, project="Cut 3")


def test_a_file_of_clips_without_a_project_is_refused_clearly(tmp_path):
    path = tmp_path / "clips.fcpxml"
    path.write_text(PROJECTS.format(projects=""))
    with pytest.raises(TimelineReadError, match="holds no project \\(only clips: 'a browser clip'\\)"):
        read_timeline(path)


def test_plan_and_conform_take_project(tmp_path, capsys):
    from conftest import run_cli
    path = tmp_path / "library.fcpxml"
    path.write_text(PROJECTS.format(projects=_project("Cut 1", "1s") + _project("Cut 2", "3s")))
    assert run_cli("plan", path, "--default-length", "1") == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "holds 2 projects ('Cut 1', 'Cut 2')" in err and "--project NAME" in err
    run_cli("plan", path, "--default-length", "1", "--project", "Cut 2", "--json")
    captured = capsys.readouterr()
    assert "projects" not in captured.err  # read: what follows is about its media, not which project
    assert run_cli("conform", path, "--project", "Cut 3", "-o", tmp_path / "final.otio") == 2
    assert "no project named 'Cut 3'" in " ".join(capsys.readouterr().err.split())
    assert run_cli("relink", path, "--project", "Cut 1", "--json") == 1  # read; its media is missing
    assert "a.mov" in capsys.readouterr().out


def test_a_run_over_its_fcpxml_output_pays_only_for_new_ranges(emulator, samples, tmp_path, monkeypatch):
    # issue 22.6: the output's audition (sky) and connected takes are read back as takes, and the clip split
    # around the audition is one clip again: the second run sends only the ranges without takes.
    import httpx
    from conftest import EMULATOR_KEY, run_cli
    monkeypatch.setenv("FAL_KEY", EMULATOR_KEY)
    server = emulator("fal")

    def run(timeline, out, *extra):
        return run_cli("run", timeline, "-o", out, "--provider", "fal", "--base-url", server.url, "--poll-interval",
                       "0.05", "--workspace", tmp_path / "ws", "--context", "0", *extra)

    def submitted():
        return httpx.get(server.url + "/_emulator/stats").json()["submitted"]

    first = tmp_path / "first.fcpxml"
    assert run(samples / "retake_sample.otio", first, "--marker-prefix", "sky") == 0
    assert submitted() == 1
    source, again = read_timeline(samples / "retake_sample.otio"), read_timeline(first)
    assert [c.source_range for c in again.tracks[0].find_clips(shallow_search=True)] == \
        [c.source_range for c in source.tracks[0].find_clips(shallow_search=True)]  # not split by the audition
    second = tmp_path / "second.fcpxml"
    assert run(first, second) == 0
    assert submitted() == 3  # crossing and line; sky keeps its take A
    ranges, skipped = find_marked_ranges(read_timeline(second))
    assert ranges == [] and sorted(s.name for s in skipped) == ["crossing", "line", "sky"]


def _cut(timeline):
    """Every track's items with their record frames, source ranges (ms) and transitions' sides."""
    import opentimelineio as otio
    from otio_retake.timeline.info import timeline_rate
    from otio_retake.timeline.segments import track_items
    rate = timeline_rate(timeline)
    out = []
    for track in timeline.tracks:
        rows = []
        for item, first, last in track_items(timeline, track, rate):
            if isinstance(item, otio.schema.Gap):
                continue
            if isinstance(item, otio.schema.Transition):
                rows.append(("transition", first, last, item.in_offset.value, item.out_offset.value))
            else:
                rng = item.source_range
                rows.append((type(item).__name__, item.name, first, last, round(rng.start_time.to_seconds() * 1000),
                             round(rng.duration.to_seconds() * 1000), item.enabled))
        out.append((track.name, track.kind, rows))
    return out


def test_final_cut_project_round_trips_with_its_lanes_transitions_and_conformed_clips(tmp_path):
    # issue 27.9/27.10: the secondary storylines and connected clips go back on their lanes, the dissolves
    # (one at the start, one spanning a cut, two in a storyline) are written back, conformed clips stay so.
    from otio_retake.timeline.write import write_timeline
    source = read_timeline(FIXTURES / "fcp_5994_with_2398_2997_media.fcpxml")
    write_timeline(source, tmp_path / "o.fcpxml")
    again = read_timeline(tmp_path / "o.fcpxml")
    assert _cut(again) == _cut(source)
    assert sorted((m.name, m.marked_range.start_time.value) for m in again.tracks.markers) == \
        sorted((m.name, m.marked_range.start_time.value) for m in source.tracks.markers)
    text = (tmp_path / "o.fcpxml").read_text()
    assert text.count("<transition ") == 4 and '<spine lane="1"' in text


def test_compound_clip_is_written_back_as_a_ref_clip_from_its_in_point(fixtures_dir, tmp_path):
    # issue 27.8: written back as a compound clip (not a gap), from source frame 109
    import xml.etree.ElementTree as ET
    import opentimelineio as otio
    from otio_retake.timeline.write import write_timeline
    write_timeline(read_timeline(fixtures_dir / "fcpx_project.fcpxml"), tmp_path / "o.fcpxml")
    root = ET.parse(tmp_path / "o.fcpxml").getroot()
    refs = root.findall("./library/event/project/sequence/spine/ref-clip")
    assert [(r.get("name"), r.get("start"), r.get("duration")) for r in refs] == [
        ("compound_clip_1", "109/30s", "30s"), ("compound_clip_1", "19/10s", "10s")]
    media = {m.get("id"): m for m in root.iter("media")}
    inner = media[refs[0].get("ref")].find("sequence/spine")
    assert [c.get("name") for c in inner if c.tag == "asset-clip"] == ["IMG_0233", "IMG_0857", "IMG_0858"]
    again = read_timeline(tmp_path / "o.fcpxml")
    stacks = [i for i in again.tracks[0] if isinstance(i, otio.schema.Stack)]
    assert [s.source_range.start_time.value for s in stacks] == [109, 57]

    def inside(timeline):  # the compound clips' own tracks: storyline, connected clips, sound
        return [[(t.kind, [(type(i).__name__, i.name, i.source_range) for i in t]) for t in s]
                for s in timeline.tracks[0] if isinstance(s, otio.schema.Stack)]

    assert inside(again) == inside(read_timeline(fixtures_dir / "fcpx_project.fcpxml"))
    assert _cut(again) == _cut(read_timeline(fixtures_dir / "fcpx_project.fcpxml"))


def test_a_take_over_a_multicam_clip_shows_its_active_angle(tmp_path):
    # The real multicam export with pattern media named as its cameras: 'Marker on Multicam Clip 1' (record
    # frame 33) is over angle D (Cam 4), shown from its media frame 140: the take is Cam 4's frames 173...
    from fractions import Fraction
    from conftest import decode_patterns, run_cli
    from media_sources import make_source
    media = tmp_path / "media"
    media.mkdir()
    make_source(media / "Cam 4.mp4", clip_id=4, frames=230, rate=Fraction(24000, 1001), audio=None)
    make_source(media / "Cam 2.mp4", clip_id=2, frames=24, rate=Fraction(24000, 1001), audio=None)  # never used
    assert run_cli("run", FIXTURES / "fcp_multicam_markers.fcpxml", "-o", tmp_path / "o.otio", "--media-dir", media,
                   "--workspace", tmp_path / "ws", "--marker-prefix", "Marker on Multicam Clip 1",
                   "--default-length", "2", "--context", "0", "--handles", "0") == 0
    [take] = (tmp_path / "ws" / "takes").glob("*.mp4")
    assert decode_patterns(take) == [(173 + k, 4) for k in range(48)]


def test_an_edl_cut_written_as_fcpxml_keeps_its_clips_speeds_freezes_and_sound_tracks(fixtures_dir, tmp_path):
    # issue 27's Done-when: what a format read is what FCPXML writes. EDL events without media become offline
    # clips of their name and source timecode (not gaps), M2 speeds and freezes become timeMaps, AA events
    # connected sound on their own lanes.
    import opentimelineio as otio
    from otio_retake.timeline.write import write_timeline

    def clips(timeline):
        return [(t.kind, c.name, c.source_range, [(type(e).__name__, e.time_scalar if isinstance(
            e, otio.schema.LinearTimeWarp) else None) for e in c.effects], c.enabled)
            for t in timeline.tracks for c in t.find_clips(shallow_search=True)]

    for name in ("speed_effects_small.edl", "multi_audio.edl"):
        source = read_timeline(fixtures_dir / name, fps="24")
        write_timeline(source, tmp_path / f"{name}.fcpxml")
        again = read_timeline(tmp_path / f"{name}.fcpxml")
        assert clips(again) == clips(source), name
    text = (tmp_path / "speed_effects_small.edl.fcpxml").read_text()
    assert text.count("<timeMap>") == 2 and "<gap name=\"Z" not in text


def test_a_take_over_a_compound_clip_shows_its_footage_from_the_in_point(fixtures_dir, tmp_path):
    # issue 23.1 / 27.8 on the stock adapter's real export: 'Marker 7' sits on the compound clip's first frame
    # (record 2400); the compound shows its own timeline from 3.633 s (its in-point), where IMG_0233 plays from
    # its frame 109: the take is IMG_0233's frames 109..168 (from frame 0 before, or refused as a nest).
    from fractions import Fraction
    from conftest import decode_patterns, run_cli
    from media_sources import make_source
    media = tmp_path / "media"
    media.mkdir()
    make_source(media / "IMG_0233.MOV", clip_id=33, frames=240, rate=Fraction(30), audio=None)
    assert run_cli("run", fixtures_dir / "fcpx_project.fcpxml", "-o", tmp_path / "o.fcpxml", "--media-dir", media,
                   "--workspace", tmp_path / "ws", "--marker-prefix", "Marker 7", "--default-length", "2",
                   "--context", "0", "--handles", "0") == 0
    [take] = (tmp_path / "ws" / "takes").glob("*.mp4")
    assert decode_patterns(take) == [(109 + k, 33) for k in range(60)]
    # written back: the compound clips stay ref-clips (two on the storyline, one connected below for its sound)
    text = (tmp_path / "o.fcpxml").read_text()
    assert text.count("<ref-clip") == 3 and 'start="109/30s"' in text and "Marker 7 take A" in text


def test_final_cuts_own_library_and_clips_exports_are_chosen_from_or_refused():
    # the stock adapter's real exports of one library: two projects; and browser clips with no project
    stock = Path(__file__).parent / "stock" / "fcpx" / "sample_data"
    with pytest.raises(TimelineReadError, match="holds 2 projects \\('OpenTimeline_Project', 'OpenTimeline_Project 1'\\)"):
        read_timeline(stock / "fcpx_library.fcpxml")
    chosen = read_timeline(stock / "fcpx_library.fcpxml", project="OpenTimeline_Project 1")
    assert chosen.name == "OpenTimeline_Project 1" and chosen.find_clips()
    with pytest.raises(TimelineReadError, match="holds no project \\(only clips: 'IMG_0233'"):
        read_timeline(stock / "fcpx_clips.fcpxml")


def test_markers_final_cut_hides_outside_their_clip_are_not_read():
    # fcp_occlusion.fcpxml (swift-fcpxml's Occlusion test: "not visible from the main timeline, FCP hides it"):
    # a marker at its title's end, one before its start and one past its end would otherwise land in the
    # gap after it or on the next clip
    timeline = read_timeline(FIXTURES / "fcp_occlusion.fcpxml")
    assert [(m.name, m.marked_range.start_time.value) for m in timeline.tracks.markers] == [
        ("Marker on Start", 0), ("Marker in Middle", 15 * 24), ("Marker 1 Frame Before End", 30 * 24 - 1),
        ("Marker in Middle", 45 * 24)]


def test_conform_over_an_fcpxml_output_puts_the_picked_take_in_the_cut(samples, tmp_path):
    # the takes read back from the output's audition carry what conform needs (their range, record frames)
    from conftest import run_cli, source_frame_at
    from otio_retake.timeline.info import timeline_rate
    from otio_retake.timeline.relink import MediaResolver
    from otio_retake.timeline.segments import TimelineIndex
    out, final = tmp_path / "o.fcpxml", tmp_path / "final.fcpxml"
    assert run_cli("run", samples / "retake_sample.otio", "-o", out, "--marker-prefix", "sky", "--context", "0",
                   "--workspace", tmp_path / "ws") == 0
    assert run_cli("conform", out, "--pick", "sky=A", "-o", final) == 0
    timeline = read_timeline(final)
    rate = timeline_rate(timeline)
    segments = TimelineIndex(timeline, rate).segments(0, 0, 144, MediaResolver(timeline, timeline_dir=tmp_path),
                                                      range_name="all")
    shown = [(s.media.path.name, round(s.file_time(k, rate) * rate)) for s in segments
             for k in range(s.record_in, s.record_out)]
    take = [frame for name, frame in shown if name not in ("shot_a.mp4", "shot_b.mp4")]  # the take file
    assert [name for name, _ in shown[:48]] == ["shot_a.mp4"] * 48 and len(take) == 72
    assert take == list(range(take[0], take[0] + 72))  # the take's frames in order, from its marked frames
    assert shown[120:] == [("shot_a.mp4", source_frame_at(k)[0]) for k in range(120, 144)]
    assert "<audition" not in final.read_text()


def test_a_final_cut_bundle_is_read_from_its_info_fcpxml(tmp_path):
    # Final Cut 10.6+ exports File > Export XML as NAME.fcpxmld, a folder holding Info.fcpxml
    import shutil
    bundle = tmp_path / "Multicam.fcpxmld"
    bundle.mkdir()
    shutil.copy(FIXTURES / "fcp_multicam_markers.fcpxml", bundle / "Info.fcpxml")
    ranges, _ = find_marked_ranges(read_timeline(bundle), marker_filter=MarkerFilter(default_length_seconds=1))
    assert [r.record_in_tc for r in ranges] == ["01:00:01:09", "01:00:44:08"]
    (bundle / "Info.fcpxml").unlink()
    with pytest.raises(TimelineReadError, match="FCPXML bundle without its Info.fcpxml"):
        read_timeline(bundle)


def test_titles_are_written_back_as_titles_with_their_markers(tmp_path):
    # fcp_occlusion.fcpxml's cut is Basic Titles (and compound clips of them): written back as <title>s of the
    # same effect, not as offline clips, and the markers Final Cut shows stay where they were
    import opentimelineio as otio
    from otio_retake.timeline.write import write_timeline
    source = read_timeline(FIXTURES / "fcp_occlusion.fcpxml")
    write_timeline(source, tmp_path / "o.fcpxml")
    text = (tmp_path / "o.fcpxml").read_text()
    assert text.count("<title ") == 5 and text.count('uid=".../Titles.localized/Bumper:Opener.localized/') == 1
    again = read_timeline(tmp_path / "o.fcpxml")
    assert all(isinstance(c.media_reference, otio.schema.GeneratorReference) for c in again.find_clips())
    assert [(m.name, m.marked_range.start_time.value) for m in again.tracks.markers] == \
        [(m.name, m.marked_range.start_time.value) for m in source.tracks.markers]


def test_markers_on_transitions_are_read_where_final_cut_shows_them():
    # fcp_transition_markers.fcpxml: Final Cut shows its 11 markers (on dissolves and titles) at these timecodes
    # (swift-fcpxml's TransitionMarkers1 test); the dissolves' markers were dropped
    timeline = read_timeline(FIXTURES / "fcp_transition_markers.fcpxml")
    ranges, _ = find_marked_ranges(timeline, marker_filter=MarkerFilter(default_length_seconds=1))
    assert sorted((r.record_in, r.name, r.record_in_tc) for r in ranges) == sorted(
        (_tc_frames(tc, 24) - 86400, f"Marker {n}", tc) for n, tc in enumerate(
            ["01:00:00:00", "01:00:00:12", "01:00:01:00", "01:00:09:12", "01:00:10:00", "01:00:10:12",
             "01:00:19:12", "01:00:20:00", "01:00:20:12", "01:00:29:00", "01:00:29:12"], start=1))


def test_a_rate_conformed_multicam_clip_is_not_read_as_its_angles_clip(tmp_path):
    # a 23.98 multicam in a 25 project, conformed (played at 25): the angle's clip shown frame for frame is not
    # the clip as the angle holds it; it stays a nest whose speed change is said (not rendered at wrong frames)
    import opentimelineio as otio
    text = (FIXTURES / "fcp_multicam_markers.fcpxml").read_text()
    text = text.replace('<format id="r1" name="FFVideoFormat1080p2398" frameDuration="1001/24000s"',
                        '<format id="r1" name="FFVideoFormat1080p2398" frameDuration="1001/24000s"/>\n'
                        '<format id="r9" frameDuration="1/25s"', 1)
    text = text.replace('<sequence format="r1"', '<sequence format="r9"').replace(
        '<mc-source angleID="gA31yYbYRRSetqQyxAwC8g" srcEnable="all">',
        '<conform-rate srcFrameRate="23.98"/><mc-source angleID="gA31yYbYRRSetqQyxAwC8g" srcEnable="all">')
    path = tmp_path / "conformed.fcpxml"
    path.write_text(text)
    first, second = read_timeline(path).tracks[0]
    assert isinstance(first, otio.schema.Stack) and "conform-rate" in first.effects[0].effect_name
    assert isinstance(second, otio.schema.Clip)  # not conformed: its angle's clip
