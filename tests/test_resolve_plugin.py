"""The Resolve script end to end against a fake Resolve with the preview engine."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest

from conftest import REPO, decode_patterns, source_frame_at
from fake_resolve import Project, Resolve, Timeline, sample_resolve

spec = importlib.util.spec_from_file_location("otio_retake_resolve", REPO / "plugins" / "resolve" / "otio_retake_resolve.py")
plugin = importlib.util.module_from_spec(spec)
spec.loader.exec_module(plugin)

COMMAND = [sys.executable, "-m", "otio_retake.cli"]
START = 86400


# The settings' extra arguments reach the run: no context where a test checks placement, not handles.
NO_CONTEXT = {"extra_args": ["--context", "0"]}


def _retake(resolve, tmp_path, settings=NO_CONTEXT, **kw):
    kw.setdefault("command", COMMAND)
    kw.setdefault("workspace", str(tmp_path / "ws"))
    return plugin.retake_marked_ranges(resolve, log=lambda line: None, settings=settings, **kw)


def _snapshot(timeline):
    return {kind: [(name, sorted((i.start, i.duration, i.source_in, i.GetName()) for i in items))
                   for name, items in tracks] for kind, tracks in timeline.tracks.items()}


def test_takes_come_back_at_their_absolute_frames_on_new_tracks(samples, tmp_path):
    resolve = sample_resolve(samples)
    timeline = resolve.GetProjectManager().GetCurrentProject().GetCurrentTimeline()
    before = _snapshot(timeline)
    # Half a second of context: the head handles the take is placed after are 12 frames.
    summary = _retake(resolve, tmp_path, settings={"extra_args": ["--context", "0.5"]})
    assert summary["bin"].startswith("Retakes retake_sample")
    ranges = {r["name"]: r for r in summary["ranges"]}
    assert {n: (r["record_frame"], r["duration"], r["track"]) for n, r in ranges.items()} == {
        "sky": (START + 48, 72, "Retake A"), "crossing": (START + 204, 72, "Retake A"),
        "line": (START + 336, 60, "Retake A")}
    # Nothing already on the timeline moved.
    after = _snapshot(timeline)
    assert after["video"][0] == before["video"][0] and after["audio"][0] == before["audio"][0]
    # New tracks, named, with the takes at the marked record frames.
    assert [name for name, _ in timeline.tracks["video"]] == ["V1", "Retake A"]
    assert [name for name, _ in timeline.tracks["audio"]] == ["A1", "Retake A"]
    video = sorted((i.start, i.duration) for i in timeline.tracks["video"][1][1])
    audio = sorted((i.start, i.duration) for i in timeline.tracks["audio"][1][1])
    assert video == [(START + 48, 72), (START + 204, 72)]
    assert audio == [(START + 204, 72), (START + 336, 60)]
    # The placed frames are the marked ones: the take file's frame at startFrame is the record-in frame.
    sky = next(i for i in timeline.tracks["video"][1][1] if i.start == START + 48)
    assert sky.source_in == 12
    patterns = decode_patterns(sky.pool_item.path)
    assert patterns[sky.source_in:sky.source_in + 72] == [source_frame_at(48 + k) for k in range(72)]
    # Take Selector: 'sky' lies inside one clip; the original stays selected.
    shot_a = timeline.tracks["video"][0][1][0]
    assert shot_a.GetTakesCount() == 2 and shot_a.GetSelectedTakeIndex() == 1
    shot_b = timeline.tracks["video"][0][1][1]
    assert shot_b.GetTakesCount() == 0  # 'crossing' spans two clips, 'line' has no picture take
    # Each range's marker carries the run.
    data = json.loads(timeline.markers[48.0]["customData"])["otio_retake"]
    assert data["range"] == "sky" and data["jobs"] and Path(data["takes"]["A"]).exists()
    # The range follows its marker by the marker's own id (its frame and customData), kept in the customData
    # the run left: renamed, the marker is still the same range (issue 22).
    assert data["marker_id"] == "resolve:48"
    timeline.markers[48.0]["name"] = "renamed"
    assert next(m for m in plugin.read_markers(timeline) if m["frame"] == 48)["marker_id"] == "resolve:48"
    bins = resolve.GetProjectManager().GetCurrentProject().GetMediaPool().GetRootFolder().GetSubFolderList()
    assert [b.GetName() for b in bins] == [summary["bin"]] and len(bins[0].GetClipList()) == 3


def test_a_skipped_marker_is_said_and_the_others_are_placed(samples, tmp_path):
    # `run` exits 4 when it skipped a marker: the script places the others and says which, where and why.
    resolve = sample_resolve(samples)
    timeline = resolve.GetProjectManager().GetCurrentProject().GetCurrentTimeline()
    assert timeline.AddMarker(100, "Blue", "quick", "make it better", 36)  # 1.5 s: shorter than the host allows
    summary = _retake(resolve, tmp_path)
    assert sorted(r["name"] for r in summary["ranges"]) == ["crossing", "line", "sky"]
    assert any(w.startswith("skipped 'quick' at 01:00:04:04: ") and "minimum" in w for w in summary["warnings"])


def test_older_resolve_without_otio_export_and_with_inclusive_end_frames(samples, tmp_path):
    resolve = sample_resolve(samples, old=True)
    timeline = resolve.GetProjectManager().GetCurrentProject().GetCurrentTimeline()
    summary = _retake(resolve, tmp_path, marker_color="Blue")
    assert sorted(r["name"] for r in summary["ranges"]) == ["crossing", "sky"]  # 'line' is Green
    assert sorted((i.start, i.duration) for i in timeline.tracks["video"][1][1]) == [(START + 48, 72),
                                                                                       (START + 204, 72)]


def test_options_reach_the_run(samples, tmp_path):
    resolve = sample_resolve(samples)
    summary = _retake(resolve, tmp_path, marker_color="Blue", takes=2)
    timeline = resolve.GetProjectManager().GetCurrentProject().GetCurrentTimeline()
    assert [name for name, _ in timeline.tracks["video"]] == ["V1", "Retake A", "Retake B"]
    assert all(len(r["takes"]) == 2 for r in summary["ranges"])


def test_conform_uses_the_take_selector_and_the_enabled_retake_clip(samples, tmp_path):
    resolve = sample_resolve(samples)
    _retake(resolve, tmp_path, marker_color="Blue", takes=2)
    project = resolve.GetProjectManager().GetCurrentProject()
    timeline = project.GetCurrentTimeline()
    shot_a = timeline.tracks["video"][0][1][0]
    assert shot_a.SelectTakeByIndex(3)  # take B in the Take Selector
    for item in timeline.tracks["video"][2][1]:  # crossing: B disabled, A stays enabled
        if item.start == START + 204:
            item.SetClipEnabled(False)
    before = _snapshot(timeline)
    result = plugin.conform_retakes(resolve, command=COMMAND, log=lambda line: None, settings={})
    assert result["picks"] == {"sky": "B", "crossing": "A"}
    assert _snapshot(timeline) == before  # the original timeline is left as it was
    conformed = project.timelines[-1]
    assert conformed.GetName() == result["timeline"]
    # (take files carry their job's identity: <range>_take<A>_<12 hex digits>)
    cut = sorted((i.start, i.duration, re.sub(r"_[0-9a-f]{12}\.", ".", Path(i.pool_item.path).name))
                 for i in conformed.tracks["video"][0][1])
    assert cut == [(START, 48, "shot_a.mp4"), (START + 48, 72, "sky_takeB.mp4"), (START + 120, 84, "shot_a.mp4"),
                   (START + 204, 72, "crossing_takeA.mp4"), (START + 276, 180, "shot_b.mp4")]


def test_not_in_resolve(tmp_path):
    with pytest.raises(plugin.ResolveScriptError, match="not running inside DaVinci Resolve") as info:
        _retake(None, tmp_path)
    assert "External scripting" in str(info.value)


def test_no_open_timeline(tmp_path):
    with pytest.raises(plugin.ResolveScriptError, match="no timeline is open"):
        _retake(Resolve(Project(None)), tmp_path)


def test_no_qualifying_markers(samples, tmp_path):
    with pytest.raises(plugin.ResolveScriptError, match=r"no qualifying markers .*\(3 marker\(s\) of other colours\)"):
        _retake(sample_resolve(samples), tmp_path, marker_color="Purple")
    empty = Timeline("empty")
    empty.AddTrack("video")
    with pytest.raises(plugin.ResolveScriptError, match="no qualifying markers"):
        _retake(Resolve(Project(empty)), tmp_path)


def test_otio_retake_not_found(samples, tmp_path):
    with pytest.raises(plugin.ResolveScriptError, match="could not be started") as info:
        _retake(sample_resolve(samples), tmp_path, command=[str(tmp_path / "no-such-otio-retake")])
    assert "otio-retake install resolve" in str(info.value)
    with pytest.raises(plugin.ResolveScriptError, match="was not found"):
        plugin.retake_marked_ranges(sample_resolve(samples), settings={}, log=lambda line: None)


def test_a_host_error_is_explained_and_nothing_is_placed(samples, tmp_path, monkeypatch):
    monkeypatch.delenv("LTX_API_KEY", raising=False)
    resolve = sample_resolve(samples)
    timeline = resolve.GetProjectManager().GetCurrentProject().GetCurrentTimeline()
    before = _snapshot(timeline)
    with pytest.raises(plugin.ResolveScriptError, match="no API key for ltx"):
        _retake(resolve, tmp_path, provider="ltx")
    assert _snapshot(timeline) == before


def test_a_failed_placement_takes_everything_back(samples, tmp_path):
    resolve = sample_resolve(samples)
    project = resolve.GetProjectManager().GetCurrentProject()
    timeline = project.GetCurrentTimeline()
    before = _snapshot(timeline)
    project.GetMediaPool().fail_append_after = 3  # a modal dialog opens halfway through
    with pytest.raises(plugin.ResolveScriptError, match="could not place a take"):
        _retake(resolve, tmp_path)
    assert _snapshot(timeline) == before
    assert timeline.tracks["video"][0][1][0].GetTakesCount() == 0
    assert project.GetMediaPool().GetRootFolder().GetSubFolderList() == []


def test_install_puts_the_scripts_where_resolve_looks_and_records_the_interpreter(tmp_path, capsys):
    from conftest import run_cli
    from otio_retake.integrations.resolve import scripts_folder
    home = Path("/home/ed")
    assert scripts_folder("Linux", home) == home / ".local/share/DaVinciResolve/Fusion/Scripts/Utility"
    assert scripts_folder("Darwin", home) == home / (
        "Library/Application Support/Blackmagic Design/DaVinci Resolve/Fusion/Scripts/Utility")
    assert scripts_folder("Windows", home, {"APPDATA": "C:/Users/ed/AppData/Roaming"}) == Path(
        "C:/Users/ed/AppData/Roaming/Blackmagic Design/DaVinci Resolve/Support/Fusion/Scripts/Utility")
    dest = tmp_path / "Utility"
    assert run_cli("install", "resolve", "--dest", dest, "--workspace", tmp_path / "ws") == 0
    settings = json.loads((dest / "otio-retake" / "otio_retake_settings.json").read_text())
    assert settings["command"] == [sys.executable, "-m", "otio_retake.cli"]
    assert settings["workspace"] == str(tmp_path / "ws")
    assert (dest / "Retake Marked Ranges.py").exists() and (dest / "Conform Retakes.py").exists()


def test_the_installed_menu_script_runs_the_whole_flow(samples, tmp_path):
    from conftest import run_cli
    dest = tmp_path / "Utility"
    assert run_cli("install", "resolve", "--dest", dest, "--workspace", tmp_path / "ws") == 0
    settings_path = dest / "otio-retake" / "otio_retake_settings.json"  # as a user adds options to the run
    settings_path.write_text(json.dumps({**json.loads(settings_path.read_text()), **NO_CONTEXT}))
    resolve = sample_resolve(samples)
    script = (dest / "Retake Marked Ranges.py").read_text()
    scope = {"resolve": resolve, "__name__": "__main__"}
    exec(compile(script, "Retake Marked Ranges.py", "exec"), scope)  # as Resolve runs it, `resolve` a global
    timeline = resolve.GetProjectManager().GetCurrentProject().GetCurrentTimeline()
    assert [name for name, _ in timeline.tracks["video"]] == ["V1", "Retake A"]
    assert sys.modules["otio_retake_resolve"].__file__.startswith(str(dest))


def test_doctor_reports_each_problem_with_a_fix(tmp_path, samples):
    from otio_retake.integrations.resolve import doctor
    report = doctor(tmp_path / "nowhere", connect=lambda: None)
    findings = {f.what.split(":")[0]: f for f in report.findings}
    assert not findings[f"scripts in {tmp_path / 'nowhere'}"].ok
    assert "otio-retake install resolve" in findings[f"scripts in {tmp_path / 'nowhere'}"].fix
    assert not findings["external scripting"].ok and "External scripting using = Local" in findings[
        "external scripting"].fix
    report = doctor(tmp_path / "nowhere", connect=lambda: sample_resolve(samples))
    assert report.product == "DaVinci Resolve Studio" and report.version == "21.1.0"


def test_the_plugins_colour_map_is_the_packages():
    """The plugin keeps its own copy (standard library only inside Resolve): the two must never drift."""
    from otio_retake.timeline.colors import RESOLVE_TO_OTIO_COLOR
    assert plugin.RESOLVE_TO_OTIO_COLOR == RESOLVE_TO_OTIO_COLOR


def test_the_resolve_command_imports_the_script_as_a_module_and_prints_its_summary(samples, tmp_path, monkeypatch,
                                                                                    capsys):
    """`otio-retake resolve` (Studio's external scripting) runs the same script the menu runs, imported as the
    module ``otio_retake_resolve`` from plugins/resolve; its summary is printed as the contract's model."""
    from conftest import run_cli
    from otio_retake.errors import InputError
    from otio_retake.integrations import resolve as integration
    resolve = sample_resolve(samples)
    # One range is enough to show the summary (the command passes no run options: 2 s of context each).
    assert resolve.GetProjectManager().GetCurrentProject().GetCurrentTimeline().DeleteMarkerAtFrame(204)
    monkeypatch.setattr(integration, "external_resolve", lambda: resolve)
    try:
        sys.modules.pop("otio_retake_resolve", None)
        assert run_cli("resolve", "--workspace", tmp_path / "ws", "--marker-color", "Purple") == InputError.exit_code
        assert "no qualifying markers on timeline 'retake_sample'" in capsys.readouterr().err
        module = sys.modules["otio_retake_resolve"]
        assert Path(module.__file__).resolve().parent == integration.plugin_source()
        assert run_cli("resolve", "--workspace", tmp_path / "ws", "--marker-color", "Blue") == 0
        assert sys.modules["otio_retake_resolve"] is module  # imported once, as a module
    finally:
        sys.modules.pop("otio_retake_resolve", None)  # the installed-menu test imports its own copy
    out = capsys.readouterr().out
    summary = json.loads(out[out.index("{\n"):])  # after the script's own log lines, as before
    assert [r["name"] for r in summary["ranges"]] == ["sky"]
    assert summary["bin"].startswith("Retakes retake_sample") and "cancelled" not in summary
    assert [name for name, _ in resolve.GetProjectManager().GetCurrentProject().GetCurrentTimeline()
            .tracks["video"]] == ["V1", "Retake A"]
