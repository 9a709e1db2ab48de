"""The studio's controller without a window: load, run through the runner and journal, frames, picks, conform.

Frames are checked by decoding the pictures the controller returns (each carries its source frame's index
and clip id); money by the emulators' counts.
"""

from __future__ import annotations

import json
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any Qt import

import numpy as np
import opentimelineio as otio
import pytest

from conftest import EMULATOR_KEY, decode_patterns, emulator_stats, run_cli, source_frame_at

from otio_retake.errors import CostLimitError, InputError, MediaError, RetakeError
from otio_retake.jobs.picks import read_picks
from otio_retake.jobs.store import JobState, Journal
from otio_retake.media.testpattern import read_pattern
from otio_retake.studio.controller import StudioController
from otio_retake.timeline.marks import MarkerFilter

START = 86400  # the sample cut starts at 01:00:00:00 (24 fps)


def _difference(a, b) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


@pytest.fixture(autouse=True)
def _qt_application(qapp):
    """pytest-qt's QApplication before any controller: a controller made first would start a bare
    QCoreApplication, and a window test later in the same worker process could not make its widgets."""
    return qapp


@pytest.fixture
def studio(samples, qtbot, short_context):
    controller = StudioController(samples / "retake_sample.otio")
    yield controller
    controller.shutdown()


@pytest.fixture
def sky_studio(samples, qtbot, short_context):
    """The studio on the sample's first range alone, for tests about one range's take."""
    controller = StudioController(samples / "retake_sample.otio", marker_filter=MarkerFilter(name_prefix="sky"))
    yield controller
    controller.shutdown()


def _run(qtbot, controller, **kwargs):
    with qtbot.waitSignal(controller.runFinished, timeout=120_000) as blocker:
        controller.run(**kwargs)
    return blocker.args[0]


def test_ranges_are_the_plan_and_original_frames_are_the_cut(studio):
    names = [r.name for r in studio.ranges]
    assert names == ["sky", "crossing", "line"]
    sky = studio.row("sky")
    assert (sky.record_in_frame, sky.record_out_frame) == (START + 48, START + 120)  # as `plan --json`
    assert [r.state for r in studio.ranges] == ["planned"] * 3
    assert studio.host_keys() == {"preview": "not needed"}
    # Across the cut at 01:00:10:00 (record 240) the original switches from shot A to shot B.
    for record in (204, 239, 240, 275):
        assert read_pattern(studio.frame("crossing", None, START + record)) == source_frame_at(record), record
    first, last = studio.view_range("sky")
    assert (first, last) == (START + 48 - 12, START + 120 + 12)  # the range with its handles


def test_run_edited_prompt_and_take_frames(studio, qtbot, samples):
    studio.set_prompt("sky", "A red balloon drifts by")
    steps = []
    studio.jobProgressed.connect(lambda name, take, kind, detail: steps.append((name, take, kind)))
    summary = _run(qtbot, studio)
    assert summary["errors"] == [] and summary["takes"] == 3
    assert ("sky", "A", "done") in steps and ("sky", "A", "excerpt") in steps
    assert [r.state for r in studio.ranges] == ["done"] * 3
    assert studio.takes("sky") == ["A"]
    assert studio.row("sky").takes[0].prompt == "A red balloon drifts by"
    journal = Journal(studio.workspace.root / "jobs.sqlite")
    assert {r.request["prompt"] for r in journal.all() if r.range_name == "sky"} == {"A red balloon drifts by"}
    for record in (40, 48, 80, 119, 125):  # handles, first, middle, last marked frame, handle
        take = studio.frame("sky", "A", START + record)
        original = studio.frame("sky", None, START + record)
        assert read_pattern(take) == source_frame_at(record), record
        regenerated = 48 <= record < 120
        assert (_difference(take, original) > 15) == regenerated, record  # the preview tints the section only


def test_rerun_makes_a_new_letter_without_touching_the_first(studio, qtbot):
    _run(qtbot, studio)
    first = studio.row("sky").takes[0].take.path
    stamp = os.stat(first).st_mtime_ns
    with qtbot.waitSignal(studio.runFinished, timeout=120_000):
        letter = studio.rerun("sky", prompt="A green kite", seed=7)
    assert letter == "B" and studio.takes("sky") == ["A", "B"]
    b = studio.take_row("sky", "B")
    assert (b.prompt, b.seed) == ("A green kite", 7)
    assert os.stat(first).st_mtime_ns == stamp
    frame_a = studio.frame("sky", "A", START + 60)
    frame_b = studio.frame("sky", "B", START + 60)
    assert read_pattern(frame_b) == source_frame_at(60)
    assert _difference(frame_a, frame_b) > 5  # another seed, another tint
    assert studio.takes("crossing") == ["A"]  # other ranges keep their one take


def test_picks_persist_and_conform_uses_them_from_the_command_line(studio, qtbot, samples, tmp_path):
    _run(qtbot, studio)
    studio.pick("sky", "A")
    studio.pick("crossing", None)
    assert read_picks(studio.workspace.root) == {"sky": "A", "crossing": None}
    with pytest.raises(InputError, match="no take C"):
        studio.pick("sky", "C")
    takes_timeline = studio.takes_timeline()
    final = tmp_path / "final.otio"
    assert run_cli("conform", takes_timeline, "-o", final) == 0  # no --pick: the studio's picks
    timeline = otio.adapters.read_from_file(str(final))
    names = [c.name for c in timeline.tracks[0].find_clips()]
    assert "sky take A" in names and not any(n.startswith("crossing take") for n in names)
    # The controller's own conform, to another format the CLI writes.
    outputs = studio.conform(tmp_path / "final.xml")
    assert outputs[0].exists()
    reopened = StudioController(studio.workspace.root)  # the workspace alone brings everything back
    try:
        assert reopened.row("sky").pick == "A" and reopened.takes("sky") == ["A"]
        assert read_pattern(reopened.frame("sky", "A", START + 70)) == source_frame_at(70)
    finally:
        reopened.shutdown()


def test_conformed_cut_frames_are_the_picked_take(sky_studio, qtbot, tmp_path):
    _run(qtbot, sky_studio)
    sky_studio.pick("sky", "A")
    final = sky_studio.conform(tmp_path / "cut.otio")[0]
    timeline = otio.adapters.read_from_file(str(final))
    clip = next(c for c in timeline.tracks[0].find_clips() if c.name == "sky take A")
    patterns = decode_patterns(otio.url_utils.filepath_from_url(clip.media_reference.target_url))
    head = round(clip.source_range.start_time.value - clip.media_reference.available_range.start_time.value)
    for i in range(72):
        assert patterns[head + i] == source_frame_at(48 + i)


def test_a_deleted_take_file_is_reported_and_made_again_from_the_paid_result(samples, emulator, qtbot,
                                                                           monkeypatch, short_context):
    monkeypatch.setenv("FAL_KEY", EMULATOR_KEY)
    server = emulator("fal")
    options = dict(provider="fal", base_urls={"fal": server.url}, poll_interval=0.05,
                   marker_filter=MarkerFilter(name_prefix="sky"))
    controller = StudioController(samples / "retake_sample.otio", **options)
    try:
        _run(qtbot, controller, confirmed=True)
        path = controller.take_row("sky", "A").take.path
    finally:
        controller.shutdown()
    # Opened on the timeline with no --provider: the host its takes came from, not "preview" beside fal's prices
    plain = StudioController(samples / "retake_sample.otio", marker_filter=MarkerFilter(name_prefix="sky"))
    try:
        assert plain.provider == "fal" and plain.row("sky").host == "fal" and list(plain.host_keys()) == ["fal"]
    finally:
        plain.shutdown()
    os.unlink(path)
    reopened = StudioController(samples / "retake_sample.otio", **options)
    try:
        assert reopened.row("sky").state.startswith("missing")
        with pytest.raises(MediaError, match="is gone"):
            reopened.frame("sky", "A", START + 60)
        _run(qtbot, reopened, confirmed=True)
        assert reopened.takes("sky") == ["A"] and os.path.exists(path)
        assert emulator_stats(server)["submitted"] == 1  # cut again from the result, never paid twice
    finally:
        reopened.shutdown()


def test_cancel_then_resume_submits_nothing_twice(samples, emulator, qtbot, monkeypatch, short_context):
    monkeypatch.setenv("FAL_KEY", EMULATOR_KEY)
    server = emulator("fal", latency=1.5)
    options = dict(provider="fal", base_urls={"fal": server.url}, poll_interval=0.05,
                   marker_filter=MarkerFilter(name_prefix="sky"))
    controller = StudioController(samples / "retake_sample.otio", **options)
    try:
        with qtbot.waitSignal(controller.jobProgressed, timeout=60_000,
                              check_params_cb=lambda name, take, kind, detail: kind in ("running", "queued")):
            controller.run(confirmed=True)
        with qtbot.waitSignal(controller.runFinished, timeout=60_000) as blocker:
            controller.cancel()
        assert blocker.args[0]["cancelled"] and controller.takes("sky") == []
        assert controller.row("sky").state.startswith("stopped")
    finally:
        controller.shutdown()
    [record] = Journal(samples / "retake_sample.retake" / "jobs.sqlite").all()
    assert record.state == JobState.SUBMITTED  # left for Resume, not marked failed or cancelled
    reopened = StudioController(samples / "retake_sample.retake", **options)  # opened from the workspace
    try:
        assert reopened.row("sky").takes[0].state == "submitted"
        with qtbot.waitSignal(reopened.runFinished, timeout=60_000):
            reopened.resume()
        assert reopened.takes("sky") == ["A"]
        assert read_pattern(reopened.frame("sky", "A", START + 50)) == source_frame_at(50)
    finally:
        reopened.shutdown()
    assert emulator_stats(server)["submitted"] == 1


def test_cost_above_the_limit_needs_confirmation_and_a_missing_key_is_said(samples, emulator, monkeypatch, qtbot):
    monkeypatch.setenv("FAL_KEY", EMULATOR_KEY)
    server = emulator("fal")
    controller = StudioController(samples / "retake_sample.otio", provider="fal", base_urls={"fal": server.url})
    try:
        from otio_retake.jobs.cost import CONFIRM_ABOVE_USD
        assert controller.confirm_above_usd == CONFIRM_ABOVE_USD
        controller.confirm_above_usd = 1.0  # the sample costs $2.05 at fal
        assert controller.pending_usd() == pytest.approx(2.05)
        with pytest.raises(CostLimitError, match="needs a confirmation"):
            controller.run()
        assert not controller.running and emulator_stats(server)["submitted"] == 0
    finally:
        controller.shutdown()
    monkeypatch.delenv("FAL_KEY")
    monkeypatch.setattr("otio_retake.providers._keyring_key", lambda name: None)
    controller = StudioController(samples / "retake_sample.otio", provider="fal")
    try:
        assert controller.host_keys()["fal"].startswith("missing (set FAL_KEY")
        with pytest.raises(RetakeError, match="no API key for fal"):
            controller.run(confirmed=True)
    finally:
        controller.shutdown()


def test_bad_input_is_a_typed_error_in_words(tmp_path):
    broken = tmp_path / "cut.otio"
    broken.write_text("{ not json")
    with pytest.raises(RetakeError) as info:
        StudioController(broken)
    assert "cut.otio" in str(info.value)
    empty = tmp_path / "folder"
    empty.mkdir()
    with pytest.raises(InputError, match="no otio-retake run"):
        StudioController(empty)


def test_state_file_is_written_atomically_and_read_back(studio, qtbot):
    studio.set_prompt("line", "She whispers: we are early")
    body = json.loads((studio.workspace.root / "studio.json").read_text())
    assert body["ranges"]["line"]["prompt"] == "She whispers: we are early"
    assert not list(studio.workspace.root.glob(".*.partial"))


def test_a_take_of_a_marker_that_moved_is_not_shown_as_ready(studio, qtbot, samples):
    _run(qtbot, studio)
    state = studio.workspace.root / "studio.json"
    body = json.loads(state.read_text())
    body["ranges"]["sky"]["takes"][0]["record_in"] -= 10  # as if the marker had been elsewhere when made
    state.write_text(json.dumps(body))
    reopened = StudioController(samples / "retake_sample.otio")
    try:
        assert reopened.takes("sky") == [] and reopened.takes("crossing") == ["A"]
        assert "marker changed" in reopened.row("sky").takes[0].note
    finally:
        reopened.shutdown()


def test_a_command_line_workspace_opens_with_its_takes_and_options(samples, tmp_path, qtbot):
    assert run_cli("run", samples / "retake_sample.otio", "-o", tmp_path / "alts.otio", "--takes", "2",
                   "--marker-prefix", "sky", "--context", "0") == 0
    workspace = samples / "retake_sample.retake"
    jobs = len(Journal(workspace / "jobs.sqlite").all())
    controller = StudioController(workspace)
    try:
        assert [r.name for r in controller.ranges] == ["sky"]  # the run's --marker-prefix
        assert controller.takes("sky") == ["A", "B"]  # the run's --takes 2, reused as they are
        assert read_pattern(controller.frame("sky", "B", START + 100)) == source_frame_at(100)
        with qtbot.waitSignal(controller.runFinished, timeout=60_000) as blocker:
            controller.run()
        assert blocker.args[0]["takes"] == 2
    finally:
        controller.shutdown()
    assert len(Journal(workspace / "jobs.sqlite").all()) == jobs  # nothing new was planned or sent


def _edit_marker(path, name: str, *, note: str | None = None, shift: int = 0) -> None:
    """The editor changes a clip marker's note or moves it ``shift`` frames, and saves the timeline."""
    timeline = otio.adapters.read_from_file(str(path))
    for clip in timeline.find_clips():
        for marker in clip.markers:
            if marker.name == name:
                if note is not None:
                    marker.comment = note
                    marker.metadata["fcp_xml"]["comment"] = note
                marker.marked_range = otio.opentime.TimeRange(
                    marker.marked_range.start_time + otio.opentime.RationalTime(shift, 24),
                    marker.marked_range.duration)
    otio.adapters.write_to_file(timeline, str(path))


def test_a_command_line_workspace_lists_the_take_its_file_holds_and_a_moved_marker_as_out_of_date(samples, tmp_path,
                                                                                                 qtbot):
    timeline = samples / "retake_sample.otio"
    workspace = samples / "retake_sample.retake"
    assert run_cli("run", timeline, "-o", tmp_path / "a.otio", "--marker-prefix", "sky", "--context", "0") == 0
    _edit_marker(timeline, "sky", note="A clear blue sky")
    assert run_cli("run", timeline, "-o", tmp_path / "b.otio", "--marker-prefix", "sky", "--context", "0") == 0
    # Two finished jobs of take A, each its own file (a take is never written over): the studio lists the newest.
    records = Journal(workspace / "jobs.sqlite").all()
    assert len(records) == 2 and len({r.takes_json[0]["path"] for r in records}) == 2
    newest = next(r for r in records if r.request["prompt"] == "A clear blue sky")
    controller = StudioController(workspace)
    try:
        [take] = controller.row("sky").takes
        assert (take.prompt, take.state) == ("A clear blue sky", "done")
        assert take.take.metadata["job_key"] == newest.plan_key  # not the first job's prompt over this file
    finally:
        controller.shutdown()

    before = records[0].takes_json[0]["record_in"]
    _edit_marker(timeline, "sky", shift=12)
    controller = StudioController(workspace)
    try:
        row = controller.row("sky")
        assert row.range.record_in != before
        assert controller.takes("sky") == [] and row.takes[0].state == "out of date"
        assert "marker changed" in row.takes[0].note
        assert _run(qtbot, controller)["takes"] == 1  # made again where the marker is now
        assert controller.takes("sky") == ["A"]
        # The take's frames line up with the moved range: its head is the frames before the marker's new in.
        frame = controller.row("sky").record_in_frame
        assert read_pattern(controller.frame("sky", "A", frame)) == read_pattern(controller.frame("sky", None, frame))
    finally:
        controller.shutdown()
    assert len(Journal(workspace / "jobs.sqlite").all()) == 3
