"""Bad input: a clear message naming what is wrong and a non-zero exit, never a traceback."""

from __future__ import annotations

import opentimelineio as otio
import pytest
from opentimelineio.opentime import RationalTime as RT
from opentimelineio.opentime import TimeRange as TR

from conftest import run_cli


def _errors(capsys) -> str:
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    return " ".join(captured.err.split())


def test_missing_timeline(tmp_path, capsys):
    assert run_cli("plan", tmp_path / "nope.otio") == 2
    assert "nope.otio: no such file" in _errors(capsys)


@pytest.mark.parametrize("folder", ["[draft]", "[/draft]"])
def test_a_path_with_brackets_is_said_as_it_is(tmp_path, capsys, folder):
    """Error text is printed as text: brackets in a path are not markup to drop or to crash on."""
    missing = tmp_path / folder / "nope.otio"
    assert run_cli("plan", missing) == 2
    assert f"{missing}: no such file" in _errors(capsys)


def test_folder_instead_of_timeline(tmp_path, capsys):
    assert run_cli("plan", tmp_path) == 2
    assert "is a folder" in _errors(capsys)


@pytest.mark.parametrize("name, content, says", [
    ("broken.otio", '{"OTIO_SCHEMA": "Timeline.1", "tracks": ', "could not be parsed as otio_json"),
    ("broken.xml", "<xmeml><sequence><name>x</name>", "is not well-formed XML"),
    ("filter.xml", "<filter><effect><name>Time Remap</name></effect></filter>", "its root element is <filter>"),
    ("notes.txt", "hello", "unknown timeline format '.txt'"),
    ("empty.edl", "some notes\n", "no EDL events found"),
])
def test_unparsable_files_say_which_file_and_what(tmp_path, capsys, name, content, says):
    path = tmp_path / name
    path.write_text(content)
    assert run_cli("plan", path) == 2
    err = _errors(capsys)
    assert name in err and says in err


def test_no_markers_at_all(samples, tmp_path, capsys):
    timeline = otio.adapters.read_from_file(str(samples / "retake_sample.otio"))
    for item in [timeline.tracks, *timeline.tracks, *timeline.find_clips()]:
        del item.markers[:]
    path = samples / "bare.otio"
    otio.adapters.write_to_file(timeline, str(path))
    assert run_cli("plan", path) == 5  # nothing to do
    assert "no markers found" in _errors(capsys)


def test_no_qualifying_markers_lists_each_with_its_reason(samples, capsys):
    assert run_cli("plan", samples / "retake_sample.otio", "--marker-color", "GREEN") == 5  # nothing to do
    err = _errors(capsys)
    assert "3 marker(s) seen, none qualified" in err
    for name in ("sky", "crossing", "line"):
        assert f"'{name}'" in err


def _with_marker(samples, name, record_in, frames):
    timeline = otio.adapters.read_from_file(str(samples / "retake_sample.otio"))
    for item in [timeline.tracks, *timeline.tracks, *timeline.find_clips()]:
        del item.markers[:]
    marker = otio.schema.Marker(name, TR(RT(record_in, 24), RT(frames, 24)), color="BLUE")
    marker.comment = "make it better"
    timeline.tracks.markers.append(marker)
    path = samples / f"{name}.otio"
    otio.adapters.write_to_file(timeline, str(path))
    return path


def test_too_short_says_which_marker_and_by_how_much_and_widen_fixes_it(samples, capsys):
    path = _with_marker(samples, "quick", 100, 36)
    assert run_cli("plan", path) == 5  # its one marker skipped: nothing to do
    err = " ".join(capsys.readouterr().out.split())
    assert "skipped 'quick' at 01:00:04:04" in err  # where the editor finds it
    assert "0.50 s (12 frames) shorter than the preview engine's minimum of 2 s" in err
    assert "--widen" in err
    assert run_cli("plan", path, "--widen", "--json") == 0
    out = capsys.readouterr().out
    assert '"record_in": "01:00:03:22"' in out and '"duration_frames": 48' in out


def test_too_long_says_by_how_much(samples, capsys):
    path = _with_marker(samples, "epic", 10, 24 * 17)
    assert run_cli("plan", path) == 5
    assert "1.00 s (24 frames) longer than the preview engine's maximum of 16 s" in \
        " ".join(capsys.readouterr().out.split())


def test_missing_media_is_listed_before_anything_runs(samples, tmp_path, capsys):
    (samples / "media").unlink()
    out = tmp_path / "out.otio"
    assert run_cli("run", samples / "retake_sample.otio", "-o", out) == 5  # every range skipped: nothing done
    err = _errors(capsys)
    assert "none of the 3 marker(s) can be retaken" in err and "its media is not on this machine" in err
    assert "media/shot_a.mp4" in err and "media/shot_b.mp4" in err and "--media-dir" in err
    assert not out.exists()
    assert not (samples / "retake_sample.retake").exists()


def test_media_dir_finds_moved_media(samples, sample_media, tmp_path, capsys):
    (samples / "media").unlink()
    assert run_cli("run", samples / "retake_sample.otio", "-o", tmp_path / "o.otio",
                   "--media-dir", sample_media, "--marker-prefix", "sky", "--context", "0") == 0  # found: it runs


def test_existing_output_is_refused_unless_force(samples, tmp_path, capsys):
    out = tmp_path / "out.otio"
    out.write_text("precious")
    assert run_cli("run", samples / "retake_sample.otio", "-o", out) == 2
    assert "output already exists" in _errors(capsys) and out.read_text() == "precious"
    assert run_cli("run", samples / "retake_sample.otio", "-o", out, "--force", "--marker-prefix", "sky",
                   "--context", "0") == 0
    assert otio.adapters.read_from_file(str(out)).tracks[-1].name == "Retake A"


def test_existing_per_track_edl_is_refused(samples, tmp_path, capsys):
    (tmp_path / "out.Retake_A.edl").write_text("precious")
    assert run_cli("run", samples / "retake_sample.otio", "-o", tmp_path / "out.edl") == 2
    assert "out.Retake_A.edl" in _errors(capsys)


def test_output_in_a_missing_folder(samples, tmp_path, capsys):
    assert run_cli("run", samples / "retake_sample.otio", "-o", tmp_path / "no" / "out.otio") == 2
    assert "does not exist" in _errors(capsys)


def test_unknown_output_format(samples, tmp_path, capsys):
    assert run_cli("run", samples / "retake_sample.otio", "-o", tmp_path / "out.docx") == 2
    assert "cannot write '.docx'" in _errors(capsys)


def test_bad_directive_names_the_marker(samples, capsys):
    timeline = otio.adapters.read_from_file(str(samples / "retake_sample.otio"))
    timeline.tracks.markers[0].comment = "go\nmode: loud"
    path = samples / "bad.otio"
    otio.adapters.write_to_file(timeline, str(path))
    assert run_cli("plan", path) == 4  # that marker skipped, saying why; the others planned
    said = " ".join(capsys.readouterr().out.split())
    assert "skipped 'crossing' at 01:00:08:12-01:00:11:12" in said and "directive 'mode: loud' is not valid" in said


def test_markers_file_without_markers(samples, capsys):
    bad = samples / "nomarks.edl"
    bad.write_text((samples / "retake_sample.edl").read_text())
    assert run_cli("plan", samples / "retake_sample.edl", "--markers", bad) == 2
    assert "nomarks.edl: no markers found" in _errors(capsys)
