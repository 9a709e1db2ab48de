"""The editor's files are never written; a run over an otio-retake output adds take letters (issue 12, point 4)."""

from __future__ import annotations

import shutil

import opentimelineio as otio
from opentimelineio.opentime import RationalTime as RT
from opentimelineio.opentime import TimeRange as TR

from conftest import run_cli


def _err(capsys) -> str:
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "internal error" not in captured.err
    return " ".join(captured.err.split())


def test_output_over_the_input_timeline_is_refused_even_with_force(samples, capsys):
    for name in ("retake_sample.otio", "retake_sample.xml"):
        path = samples / name
        before = path.read_bytes()
        assert run_cli("run", path, "-o", path, "--force") == 2
        assert "is one of the editor's own files" in _err(capsys)
        assert path.read_bytes() == before
    assert not (samples / "retake_sample.retake").exists()  # refused before any work


def test_output_over_the_markers_edl_is_refused_even_with_force(samples, tmp_path, capsys):
    # -o retake_sample.edl writes retake_sample.markers.edl too: the editor's markers file.
    out_dir = tmp_path / "o"
    out_dir.mkdir()
    markers = out_dir / "retake_sample.markers.edl"
    shutil.copy(samples / "retake_sample.markers.edl", markers)
    before = markers.read_bytes()
    assert run_cli("run", samples / "retake_sample.edl", "--markers", markers, "-o", out_dir / "retake_sample.edl",
                   "--force") == 2
    assert "retake_sample.markers.edl: is one of the editor's own files" in _err(capsys)
    assert markers.read_bytes() == before


def test_a_run_over_an_output_adds_new_letters_and_resubmits_nothing(samples, tmp_path, capsys):
    first = tmp_path / "first.otio"
    assert run_cli("run", samples / "retake_sample.otio", "--marker-prefix", "sky", "-o", first) == 0
    capsys.readouterr()
    # the same marker again: its take exists, nothing to do
    assert run_cli("run", first, "--marker-prefix", "sky", "-o", tmp_path / "again.otio") == 2
    err = _err(capsys)
    assert "'sky'" in err and "already has take(s) A on this timeline" in err
    timeline = otio.adapters.read_from_file(str(first))
    marker = otio.schema.Marker("sky2", TR(RT(300, 24), RT(72, 24)), color="BLUE")
    marker.comment = "a second sky"
    timeline.tracks.markers.append(marker)
    edited = tmp_path / "edited.otio"
    otio.adapters.write_to_file(timeline, str(edited))
    second = tmp_path / "second.otio"
    assert run_cli("run", edited, "--marker-prefix", "sky", "-o", second) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "sky2 take B" in out and "1 job(s) submitted" in out and "skipped 'sky'" in out
    result = otio.adapters.read_from_file(str(second))
    names = [t.name for t in result.tracks]
    assert names.count("Retake A") == 1 and "Retake B" in names
    retake_b = next(t for t in result.tracks if t.name == "Retake B")
    assert [c.name for c in retake_b.find_clips()] == ["sky2 take B"]
