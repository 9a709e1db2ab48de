"""EDL media found on disk by name, and source timecode mapped through the media's own start timecode."""

from __future__ import annotations

import json
from fractions import Fraction

import opentimelineio as otio
from opentimelineio.opentime import RationalTime as RT
from opentimelineio.opentime import TimeRange as TR

from conftest import decode_patterns, run_cli, take_file

from otio_retake.media.testpattern import make_pattern_clip
from otio_retake.timeline.relink import MediaResolver

EDL = """TITLE: tc
FCM: NON-DROP FRAME

001  CAM_A    V     C        10:00:01:00 10:00:09:00 01:00:00:00 01:00:08:00
* FROM CLIP NAME: A001C003
* SOURCE FILE: A001C003_220101.mov
002  CAM_B    V     C        00:00:02:00 00:00:08:00 01:00:08:00 01:00:14:00
* FROM CLIP NAME: cam_b.mp4
"""
MARKERS = """TITLE: m
FCM: NON-DROP FRAME

001  001      V     C        01:00:02:00 01:00:02:01 01:00:02:00 01:00:02:01
brighter |C:ResolveColorBlue |M:bright |D:48
"""


def _setup(tmp_path):
    media = tmp_path / "footage"
    # Camera A's file starts at 10:00:00:00 (its embedded timecode); the EDL cuts from 10:00:01:00.
    make_pattern_clip(media / "A001C003_220101.mov", clip_id=7, frames=240, width=320, height=180,
                      timecode="10:00:00:00", tone_hz=None)
    make_pattern_clip(media / "cam_b.mp4", clip_id=8, frames=240, width=320, height=180)
    edl = tmp_path / "cut.edl"
    edl.write_text(EDL)
    markers = tmp_path / "cut.markers.edl"
    markers.write_text(MARKERS)
    return media, edl, markers


def test_relink_reports_found_and_missing(tmp_path, capsys):
    media, edl, _ = _setup(tmp_path)
    assert run_cli("relink", edl, "--json") == 1  # nothing beside the EDL
    rows = json.loads(capsys.readouterr().out)
    assert [r["path"] for r in rows] == [None, None]
    assert run_cli("relink", edl, "--media-dir", media, "--json") == 0
    rows = {r["clips"][0]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["A001C003"]["path"].endswith("A001C003_220101.mov")
    assert "SOURCE FILE" not in rows["A001C003"]["how"] and "A001C003_220101.mov" in rows["A001C003"]["how"]
    assert rows["A001C003"]["start_frame"] == 10 * 3600 * 24  # the embedded 10:00:00:00
    assert rows["cam_b.mp4"]["start_frame"] == 0


def test_run_refuses_with_the_list_of_missing_media(tmp_path, capsys):
    _, edl, markers = _setup(tmp_path)
    assert run_cli("run", edl, "--markers", markers, "-o", tmp_path / "o.otio") == 5  # every range offline
    err = " ".join(capsys.readouterr().err.split())
    assert "clip 'A001C003' (no media path in the timeline; reel CAM_A)" in err and "not on this machine" in err


def test_source_timecode_maps_through_the_embedded_start_timecode(tmp_path):
    media, edl, markers = _setup(tmp_path)
    assert run_cli("run", edl, "--markers", markers, "--media-dir", media, "-o", tmp_path / "o.otio",
                   "--context", "0.5") == 0  # room for the 12-frame head checked below
    patterns = decode_patterns(take_file(tmp_path / "cut.retake" / "takes" / "bright_takeA.mp4"))
    # record 01:00:02:00 is source 10:00:03:00, i.e. file frame 72 of camera A.
    assert patterns[12:12 + 48] == [(72 + k, 7) for k in range(48)]
    assert patterns[0] == (60, 7)




def test_each_clip_resolves_to_its_own_media_however_often_otio_rewraps_it(tmp_path):
    """Timelines are copied all the time (outputs, pinned media) and their clips collected: a new clip can
    reuse a dead one's id, and a resolver that remembered clips by id handed one clip another's media
    (a take cut from the wrong shot)."""
    from otio_retake.media.testpattern import make_pattern_clip
    files = [make_pattern_clip(tmp_path / f"shot{n}.mp4", clip_id=n + 1, frames=4, width=64, height=36, tone_hz=None)
             for n in range(2)]

    def cut(first: int) -> otio.schema.Timeline:
        timeline = otio.schema.Timeline("t")
        track = otio.schema.Track("V1")
        for i in range(6):
            track.append(otio.schema.Clip(f"c{i}", media_reference=otio.schema.ExternalReference(
                target_url=str(files[(i + first) % 2]), available_range=TR(RT(0, 24), RT(4, 24))),
                source_range=TR(RT(0, 24), RT(4, 24))))
        timeline.tracks.append(track)
        return timeline

    resolver = MediaResolver(cut(0), timeline_dir=tmp_path)
    for n in range(60):  # short-lived timelines whose clips come and go, as copies do
        timeline = cut(n % 2)
        for i, clip in enumerate(timeline.tracks[0]):
            assert resolver.resolve(clip).path == files[(i + n) % 2].resolve(), (n, i)
        del timeline, clip


# Paths as editors write them (issue 23, item 9): Avid's FROM FILE / SOURCE FILE and Premiere's and Resolve's
# file URLs on Windows (drive, UNC) and macOS (/Volumes). None exists here: each is relinked by its file name.
EDITORS_PATHS_EDL = r"""TITLE: paths
FCM: NON-DROP FRAME

001  A001     V     C        00:00:00:00 00:00:04:00 01:00:00:00 01:00:04:00
* FROM CLIP NAME: sky shot
* FROM FILE: C:\Media\Day 1\A001C003.mov
* LOC: 01:00:01:00 RED     the sky turns red
002  NAS      V     C        00:00:00:00 00:00:04:00 01:00:04:00 01:00:08:00
* FROM CLIP NAME: rain shot
* SOURCE FILE: \\NAS01\footage\B002_UNC.mov
* LOC: 01:00:05:00 BLUE    rain
003  RAID     V     C        00:00:00:00 00:00:04:00 01:00:08:00 01:00:12:00
* FROM CLIP NAME: snow shot
* FROM FILE: /Volumes/RAID/footage/C003_mac.mov
* LOC: 01:00:09:00 GREEN   snow
"""


def test_editors_paths_from_any_platform_relink_by_file_name(tmp_path):
    footage = tmp_path / "footage"
    footage.mkdir()
    urls = {"a": "file://localhost/C%3a/Projects/Day%201/A001.mov", "b": "C:\\Media\\B002.mov",
            "c": "\\\\NAS01\\footage\\C003.mov", "d": "file://localhost/%5C%5CNAS01%5Cfootage%5CD004.mov",
            "e": "file://NAS01/footage/E005.mov", "f": "/Volumes/RAID/F006.mov", "g": "file:///Volumes/RAID/G007.mov"}
    track = otio.schema.Track("V1")
    for name, url in urls.items():
        (footage / url.replace("%5C", "/").replace("\\", "/").rsplit("/", 1)[1]).write_bytes(b"")
        track.append(otio.schema.Clip(name, media_reference=otio.schema.ExternalReference(target_url=url),
                                      source_range=TR(RT(0, 24), RT(4, 24))))
    timeline = otio.schema.Timeline("t")
    timeline.tracks.append(track)
    resolver = MediaResolver(timeline, timeline_dir=tmp_path, media_dirs=[footage])
    found = {clip.name: resolver.resolve(clip) for clip in track}
    assert {n: f.path.name for n, f in found.items()} == {
        "a": "A001.mov", "b": "B002.mov", "c": "C003.mov", "d": "D004.mov", "e": "E005.mov", "f": "F006.mov",
        "g": "G007.mov"}
    assert all(f.relinked for f in found.values())
    assert found["a"].written == "C:/Projects/Day 1/A001.mov"
    assert found["c"].written == "\\\\NAS01\\footage\\C003.mov" == found["d"].written.replace("D004", "C003")
    assert found["f"].written == "/Volumes/RAID/F006.mov"


def test_a_real_premiere_windows_export_relinks_by_name(fixtures_dir, tmp_path):
    # premiere_example.xml was exported by Premiere on Windows: its media are file://localhost/D%3a/media/...
    from otio_retake.timeline.read import read_timeline
    timeline = read_timeline(fixtures_dir / "premiere_example.xml")
    footage = tmp_path / "footage"
    footage.mkdir()
    for name in ("sc01_sh010_anim.mov", "sc01_sh020_anim.mov", "sc01_sh030_anim.mov",
                 "sc01_master_layerA_sh030_temp.mov", "sc01_placeholder.wav", "track_08.wav"):
        (footage / name).write_bytes(b"")
    resolver = MediaResolver(timeline, timeline_dir=tmp_path, media_dirs=[footage])
    clips = [c for c in timeline.find_clips() if c.name != "test_title"]
    found = [resolver.resolve(clip) for clip in clips]
    assert all(f is not None and f.relinked and f.path.parent == footage.resolve() for f in found)
    assert {f.written for f in found} == {f"D:/media/{f.path.name}" for f in found}


def test_plan_says_which_clips_were_relinked_and_from_what(tmp_path, capsys):
    from media_sources import make_source
    footage = tmp_path / "footage"
    footage.mkdir()
    for name in ("A001C003.mov", "B002_UNC.mov", "C003_mac.mov"):
        # as long as the clips (4 s): marked frames past a file's end are skipped, not planned
        make_source(footage / name, clip_id=1, frames=96, width=64, height=36, audio=None)
    edl = tmp_path / "cut.edl"
    edl.write_text(EDITORS_PATHS_EDL)
    args = ("plan", edl, "--media-dir", footage, "--default-length", "2", "--context", "0")
    assert run_cli(*args, "--json") == 0
    rows = {r["name"]: r["relinked"] for r in json.loads(capsys.readouterr().out)}
    assert rows == {
        "the sky turns red": [{"clip": "sky shot", "written": "C:\\Media\\Day 1\\A001C003.mov",
                               "path": str((footage / "A001C003.mov").resolve()),
                               "how": f"found by name 'A001C003.mov' in {footage.resolve()}"}],
        "rain": [{"clip": "rain shot", "written": "\\\\NAS01\\footage\\B002_UNC.mov",
                  "path": str((footage / "B002_UNC.mov").resolve()),
                  "how": f"found by name 'B002_UNC.mov' in {footage.resolve()}"}],
        "snow": [{"clip": "snow shot", "written": "/Volumes/RAID/footage/C003_mac.mov",
                  "path": str((footage / "C003_mac.mov").resolve()),
                  "how": f"found by name 'C003_mac.mov' in {footage.resolve()}"}]}
    assert run_cli(*args) == 0
    shown = " ".join(capsys.readouterr().out.split())
    assert f"relinked clip 'rain shot': \\\\NAS01\\footage\\B002_UNC.mov -> {(footage / 'B002_UNC.mov').resolve()}" \
        in shown


def test_plan_over_a_real_premiere_windows_export_says_what_it_relinked(fixtures_dir, tmp_path, capsys):
    # Premiere on Windows wrote file://localhost/D%3a/media/...; here the shot under 'My MArker 1' is in footage/.
    from media_sources import make_source
    footage = tmp_path / "footage"
    footage.mkdir()
    make_source(footage / "sc01_sh020_anim.mov", clip_id=2, frames=175, rate=Fraction(30), width=64, height=36, audio=None)
    args = ("plan", fixtures_dir / "premiere_example.xml", "--media-dir", footage, "--default-length", "2")
    run_cli(*args, "--json")
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    found = footage / "sc01_sh020_anim.mov"
    assert rows["My MArker 1"]["relinked"] == [{
        "clip": "sc01_sh020_anim.mov", "written": "D:/media/sc01_sh020_anim.mov", "path": str(found.resolve()),
        "how": f"found by name 'sc01_sh020_anim.mov' in {footage}"}]
    run_cli(*args)
    shown = " ".join(capsys.readouterr().out.split())
    assert f"relinked clip 'sc01_sh020_anim.mov': D:/media/sc01_sh020_anim.mov -> {found.resolve()}" in shown
