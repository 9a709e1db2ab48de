"""EDL media found on disk by name, and source timecode mapped through the media's own start timecode."""

from __future__ import annotations

import json

import opentimelineio as otio
from opentimelineio.opentime import RationalTime as RT
from opentimelineio.opentime import TimeRange as TR

from conftest import decode_patterns, run_cli

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
    assert run_cli("run", edl, "--markers", markers, "-o", tmp_path / "o.otio") == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "clip 'A001C003' (no media path in the timeline; reel CAM_A)" in err


def test_source_timecode_maps_through_the_embedded_start_timecode(tmp_path):
    media, edl, markers = _setup(tmp_path)
    assert run_cli("run", edl, "--markers", markers, "--media-dir", media, "-o", tmp_path / "o.otio",
                   "--context", "0.5") == 0  # room for the 12-frame head checked below
    patterns = decode_patterns(tmp_path / "cut.retake" / "takes" / "bright_takeA.mp4")
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
