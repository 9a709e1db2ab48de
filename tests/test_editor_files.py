"""The editor's files are never written; a run over an otio-retake output adds take letters (issue 12, point 4)."""

from __future__ import annotations

import shutil

import opentimelineio as otio
from opentimelineio.opentime import RationalTime as RT
from opentimelineio.opentime import TimeRange as TR

from conftest import run_cli

# One range with no context: these tests are about which files are read and written and which letters the takes
# get, not about the media, which is most of a run's CPU.
SHORT = ("--marker-prefix", "sky", "--context", "0")


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
    assert run_cli("run", samples / "retake_sample.otio", *SHORT, "-o", first) == 0
    capsys.readouterr()
    # the same marker again: its take exists, nothing to do
    assert run_cli("run", first, *SHORT, "-o", tmp_path / "again.otio") == 5  # nothing to do
    err = _err(capsys)
    assert "'sky'" in err and "already has take(s) A on this timeline" in err
    timeline = otio.adapters.read_from_file(str(first))
    marker = otio.schema.Marker("sky2", TR(RT(300, 24), RT(72, 24)), color="BLUE")
    marker.comment = "a second sky"
    timeline.tracks.markers.append(marker)
    edited = tmp_path / "edited.otio"
    otio.adapters.write_to_file(timeline, str(edited))
    second = tmp_path / "second.otio"
    assert run_cli("run", edited, *SHORT, "-o", second) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "sky2 take B" in out and "1 job(s) submitted" in out and "skipped 'sky'" in out
    result = otio.adapters.read_from_file(str(second))
    names = [t.name for t in result.tracks]
    assert names.count("Retake A") == 1 and "Retake B" in names
    retake_b = next(t for t in result.tracks if t.name == "Retake B")
    assert [c.name for c in retake_b.find_clips()] == ["sky2 take B"]


def test_a_run_over_an_edl_output_finds_its_takes_in_the_retake_edls_beside_it(samples, tmp_path, capsys):
    # An EDL holds one track: the output is first.V1.edl (the cut), first.Retake_A.edl (the takes, each event
    # saying which take it is) and first.markers.edl. A run over first.V1.edl reads the Retake EDLs beside it.
    out = tmp_path / "out"
    out.mkdir()
    assert run_cli("run", samples / "retake_sample.edl", "--markers", samples / "retake_sample.markers.edl",
                   *SHORT, "-o", out / "first.edl") == 0
    capsys.readouterr()
    cut = next(p for p in out.glob("first.*.edl") if "Retake" not in p.name and "markers" not in p.name)
    assert "* RETAKE: sky take A" in (out / "first.Retake_A.edl").read_text()
    markers = out / "first.markers.edl"
    assert run_cli("run", cut, "--markers", markers, *SHORT, "-o", out / "again.edl") == 5  # nothing to do
    err = _err(capsys)
    assert "'sky'" in err and "already has take(s) A on this timeline" in err
    # a new marker: it gets letter B, and 'sky' is not sent again
    markers.write_text(markers.read_text() + "\n004  001      V     C        01:00:12:12 01:00:12:13 01:00:12:12 "
                       "01:00:12:13  \nA second sky |C:ResolveColorBlue |M:sky2 |D:72\n")
    assert run_cli("run", cut, "--markers", markers, *SHORT, "-o", out / "second.edl") == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "sky2 take B" in text and "1 job(s) submitted" in text and "skipped 'sky'" in text
    assert sorted(p.name for p in out.glob("second.Retake_*.edl")) == ["second.Retake_A.edl", "second.Retake_B.edl"]
    assert "* RETAKE: sky take A" in (out / "second.Retake_A.edl").read_text()
    assert "* RETAKE: sky2 take B" in (out / "second.Retake_B.edl").read_text()
    # the takes EDLs read with the cut are the editor's files now: never written over
    from otio_retake.timeline.read import read_timeline
    from otio_retake.timeline.write import editor_files
    assert (out / "first.Retake_A.edl").resolve() in editor_files(read_timeline(cut, markers=markers))


def test_a_run_over_the_takes_edl_itself_says_which_file_to_run_over(samples, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    assert run_cli("run", samples / "retake_sample.edl", "--markers", samples / "retake_sample.markers.edl",
                   *SHORT, "-o", out / "first.edl") == 0
    capsys.readouterr()
    assert run_cli("plan", out / "first.Retake_A.edl") == 2
    err = _err(capsys)
    assert "first.Retake_A.edl" in err and "holds the takes of an otio-retake output" in err and "--markers" in err
