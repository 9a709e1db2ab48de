"""Marked frames we cannot render exactly skip that marker, by name, position and reason (the others go on);
gaps inside the marked frames are rendered as black."""

from __future__ import annotations

import opentimelineio as otio
from opentimelineio.opentime import RationalTime as RT
from opentimelineio.opentime import TimeRange as TR

from conftest import decode_patterns, run_cli, source_frame_at, take_file


def _errors(capsys) -> str:
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return " ".join(captured.err.split())


def _markers_edl(path, tc, frames, name="fix"):
    path.write_text("TITLE: m\nFCM: NON-DROP FRAME\n\n"
                    f"001  001      V     C        {tc} {tc} {tc} {tc}\n"
                    f"make it move |C:ResolveColorBlue |M:{name} |D:{frames}\n")
    return path


def test_freeze_frame_is_refused_by_name(fixtures_dir, tmp_path, capsys):
    markers = _markers_edl(tmp_path / "m.edl", "01:08:30:00", 48, "frozen")
    code = run_cli("run", fixtures_dir / "speed_effects_small.edl", "--markers", markers, "-o", tmp_path / "o.otio")
    assert code == 5  # its only marker skipped: nothing done
    err = _errors(capsys)
    assert "'frozen' at 01:08:30:00-01:08:32:00" in err
    assert "covers clip 'Z682_156 (LAY3)'" in err and "freeze frame" in err


def test_speed_change_is_refused_by_name(fixtures_dir, tmp_path, capsys):
    markers = _markers_edl(tmp_path / "m.edl", "01:11:31:16", 36, "fast")
    code = run_cli("run", fixtures_dir / "speed_effects_small.edl", "--markers", markers, "--widen",
                   "-o", tmp_path / "o.otio")
    assert code == 5
    err = _errors(capsys)
    assert "'fast' at 01:11:31:16" in err
    assert "covers clip 'Z686_5A (LAY2) (47.56 FPS)'" in err and "speed change (1.98x)" in err


def _edited_sample(samples, edit):
    timeline = otio.adapters.read_from_file(str(samples / "retake_sample.otio"))
    edit(timeline)
    path = samples / "edited.otio"
    otio.adapters.write_to_file(timeline, str(path))
    return path


def test_transition_is_refused_by_name(samples, tmp_path, capsys):
    def add_dissolve(tl):
        tl.tracks[0].insert(1, otio.schema.Transition("dissolve", in_offset=RT(6, 24), out_offset=RT(6, 24)))
    path = _edited_sample(samples, add_dissolve)
    assert run_cli("run", path, "-o", tmp_path / "o.otio", "--marker-prefix", "crossing") == 5
    assert "'crossing' at 01:00:08:12-01:00:11:12" in (err := _errors(capsys)) and \
        "touches a transition ('dissolve')" in err


def test_gap_in_the_window_is_rendered_black(samples, tmp_path):
    def insert_gap(tl):  # 12 frames of nothing between the shots: the cut moves 12 frames later
        tl.tracks[0].insert(1, otio.schema.Gap(source_range=TR(RT(0, 24), RT(12, 24))))
        for marker in tl.tracks.markers:
            marker.marked_range = TR(RT(200, 24), RT(72, 24))  # crossing: 200-272 spans A, gap, B
    path = _edited_sample(samples, insert_gap)
    out = tmp_path / "o.otio"
    assert run_cli("run", path, "-o", out, "--marker-prefix", "crossing") == 0
    patterns = decode_patterns(take_file(samples / "edited.retake" / "takes" / "crossing_takeA.mp4"))
    assert len(patterns) == 12 + 72 + 12
    for i, got in enumerate(patterns):
        record = 200 - 12 + i
        if record < 240:
            assert got == source_frame_at(record)
        elif record < 252:
            assert got == (0, 0), record  # black: every block reads as 0
        else:
            assert got == source_frame_at(record - 12)
