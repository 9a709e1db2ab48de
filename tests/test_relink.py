"""EDL media found on disk by name, and source timecode mapped through the media's own start timecode."""

from __future__ import annotations

import json

from conftest import decode_patterns, run_cli

from otio_retake.media.testpattern import make_pattern_clip

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
    make_pattern_clip(media / "A001C003_220101.mov", clip_id=7, frames=240, timecode="10:00:00:00", tone_hz=None)
    make_pattern_clip(media / "cam_b.mp4", clip_id=8, frames=240)
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
    assert run_cli("run", edl, "--markers", markers, "--media-dir", media, "-o", tmp_path / "o.otio") == 0
    patterns = decode_patterns(tmp_path / "cut.retake" / "takes" / "bright_takeA.mp4")
    # record 01:00:02:00 is source 10:00:03:00, i.e. file frame 72 of camera A.
    assert patterns[12:12 + 48] == [(72 + k, 7) for k in range(48)]
    assert patterns[0] == (60, 7)


