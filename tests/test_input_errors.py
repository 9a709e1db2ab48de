"""Input errors are input errors: one clear line, exit 2, never "internal error" (issue 12, point 6)."""

from __future__ import annotations

import os
import socket

import pytest

from conftest import run_cli


def _err(capsys) -> str:
    captured = capsys.readouterr()
    text = captured.err + captured.out
    assert "Traceback" not in text and "internal error" not in text
    return " ".join(captured.err.split())


@pytest.mark.parametrize("args, says", [
    (["--fps", "abc"], "'abc' is not a frame rate"),
    (["--fps", "0"], "'0' is not a frame rate"),
    (["--fps", "nan"], "'nan' is not a frame rate"),
    (["--fps", "inf"], "'inf' is not a frame rate"),
    (["--context", "-1"], "--context"),
    (["--context", "nan"], "--context"),
    (["--default-length", "-3"], "--default-length"),
    (["--default-length", "1e12"], "--default-length"),
])
def test_bad_option_values_are_one_line_exit_2(samples, capsys, args, says):
    assert run_cli("plan", samples / "retake_sample.otio", *args) == 2
    err = _err(capsys)
    assert says in err and "Usage:" not in err


def test_emulator_port_out_of_range_or_in_use(capsys):
    assert run_cli("emulate", "ltx", "--port", "70000") == 2
    assert "--port" in _err(capsys)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert run_cli("emulate", "ltx", "--port", port) == 2
        assert f"port {port} on 127.0.0.1 cannot be used" in _err(capsys)


def test_corrupt_media_is_found_before_any_range_is_sent(samples, tmp_path, capsys):
    media = samples / "media"
    target = os.path.realpath(media)
    local = samples / "localmedia"
    local.mkdir()
    for name in os.listdir(target):
        (local / name).write_bytes((media / name).read_bytes())
    media.unlink()
    local.rename(media)
    data = (media / "shot_b.mp4").read_bytes()
    (media / "shot_b.mp4").write_bytes(data[:64] + bytes(len(data) - 64))  # header kept, the rest zeroed
    assert run_cli("plan", samples / "retake_sample.otio") == 4  # the ranges on shot B skipped, 'sky' planned
    said = " ".join(capsys.readouterr().out.split())
    assert "skipped 'crossing'" in said and "skipped 'line'" in said and "shot_b.mp4" in said
    assert "skipped 'sky'" not in said
    assert run_cli("run", samples / "retake_sample.otio", "-o", tmp_path / "o.otio", "--marker-prefix",
                   "crossing") == 5
    assert "shot_b.mp4" in _err(capsys)
    assert not (samples / "retake_sample.retake").exists()  # nothing made, nothing sent


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_read_only_output_folder_and_workspace_are_found_first(samples, tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        assert run_cli("run", samples / "retake_sample.otio", "-o", locked / "o.otio") == 2
        assert "cannot be written to" in _err(capsys)
        assert run_cli("run", samples / "retake_sample.otio", "-o", tmp_path / "o.otio",
                       "--workspace", locked / "ws") == 2
        assert "workspace" in _err(capsys)
        assert not (tmp_path / "o.otio").exists()
    finally:
        locked.chmod(0o755)


def test_read_only_checks_use_the_folders_permissions(samples, tmp_path, monkeypatch, capsys):
    # Root (as in CI containers) writes anywhere, so the permission answer itself is what is tested here.
    real_access = os.access
    locked = tmp_path / "locked"
    locked.mkdir()
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if str(p).startswith(str(locked))
                        else real_access(p, mode, **kw))
    assert run_cli("run", samples / "retake_sample.otio", "-o", locked / "o.otio") == 2
    assert "cannot be written to" in _err(capsys)
    assert run_cli("run", samples / "retake_sample.otio", "-o", tmp_path / "o.otio", "--workspace", locked / "ws") == 2
    err = _err(capsys)
    assert "workspace" in err and "cannot be written to" in err
    assert not (locked / "ws").exists() and not (tmp_path / "o.otio").exists()


def test_status_of_a_workspace_whose_name_holds_a_dot(samples, tmp_path, capsys):
    ws = tmp_path / "take.v1.2"
    assert run_cli("run", samples / "retake_sample.otio", "--marker-prefix", "sky", "-o", tmp_path / "o.otio",
                   "--workspace", ws) == 0
    capsys.readouterr()
    assert run_cli("status", ws, "--json") == 0
    assert '"range": "sky"' in capsys.readouterr().out


def test_marker_past_the_end_is_said_as_such(samples, capsys):
    import opentimelineio as otio
    from opentimelineio.opentime import RationalTime as RT
    from opentimelineio.opentime import TimeRange as TR
    timeline = otio.adapters.read_from_file(str(samples / "retake_sample.otio"))
    for item in [timeline.tracks, *timeline.tracks, *timeline.find_clips()]:
        del item.markers[:]
    marker = otio.schema.Marker("late", TR(RT(500, 24), RT(72, 24)), color="BLUE")
    marker.comment = "after the end"
    timeline.tracks.markers.append(marker)
    path = samples / "late.otio"
    otio.adapters.write_to_file(timeline, str(path))
    assert run_cli("plan", path) == 5  # its one marker skipped
    said = " ".join(capsys.readouterr().out.split())
    assert "'late'" in said and "past the timeline's end" in said and "short" not in said


def test_run_again_hint_only_where_running_again_can_help():
    from otio_retake.errors import AuthenticationError, ContentRejectedError, HostUnavailableError, JobFailedError
    from otio_retake.pipeline import _rerun_hint
    assert "run the same command again" in _rerun_hint([HostUnavailableError("down", host="fal")])
    assert "run the same command again" in _rerun_hint([JobFailedError("the model failed")])
    refused = _rerun_hint([AuthenticationError("bad key", host="fal", hint="set FAL_KEY"),
                           ContentRejectedError("unsafe", host="ltx", hint="change the prompt")])
    assert "run the same command again" not in refused
    assert "would fail the same way" in refused and "set FAL_KEY" in refused and "change the prompt" in refused
