"""Progress: one stream of events that displays, the review window and the bridge subscribe to."""

from __future__ import annotations

import io

from rich.console import Console

from otio_retake import pipeline
from otio_retake.display import JobBoard, LiveProgress, PlainProgress
from otio_retake.jobs.progress import ProgressEvent, ProgressHub


def test_every_subscriber_sees_every_step_until_it_leaves(samples, tmp_path):
    hub = ProgressHub()
    first, second = [], []
    hub.subscribe(first.append)
    leave = hub.subscribe(second.append)
    loaded = pipeline.load(samples / "retake_sample.otio", marker_filter=pipeline.MarkerFilter(name_prefix="sky"))
    plans = pipeline.plan(loaded)
    runner = pipeline.make_runner(loaded, workspace=tmp_path / "ws", on_event=hub.publish)
    pipeline.run(loaded, plans, tmp_path / "o.otio", runner=runner)
    kinds = [e.kind for e in first]
    assert kinds[0] == "excerpt" and kinds[-1] == "done"
    assert {"upload", "submit", "download", "splice"} <= set(kinds)
    assert [e.kind for e in second] == kinds
    leave()
    hub.publish(ProgressEvent("done", "x", "A", 0.0))
    assert len(second) == len(kinds) and len(first) == len(kinds) + 1


def test_plain_progress_prints_one_line_per_step_not_per_poll():
    buffer = io.StringIO()
    display = PlainProgress(Console(file=buffer, width=200), total=1)
    for kind in ("submit", "queued", "queued", "running", "running", "running", "done"):
        display(ProgressEvent(kind, "sky", "A", 1.0, {"position": 2} if kind == "queued" else {}))
    lines = buffer.getvalue().splitlines()
    assert [line.split(": ")[-1] for line in lines] == ["submit", "queued (queue position 2)", "running", "done"]
    assert lines[-1].startswith("[   1.0s] 1/1 sky take A")


def test_the_board_counts_as_events_arrive_and_shows_unfinished_takes_first():
    board = JobBoard(total=3)
    for name, kind in (("a", "submit"), ("b", "submit"), ("a", "running"), ("c", "done"), ("b", "failed")):
        board.update(ProgressEvent(kind, name, "A", 0.0))
    assert board.counts() == {"running": 1, "done": 1, "failed": 1}
    assert board.finished == 2
    assert [e.range_name for e in board.rows(10)] == ["a", "b", "c"]
    assert len(board.rows(2)) == 2


def test_the_live_table_is_drawn_at_its_refresh_rate_with_a_screenful_of_rows():
    buffer = io.StringIO()
    display = LiveProgress(Console(file=buffer, width=200, force_terminal=True), total=300)
    with display:
        for n in range(300):
            display(ProgressEvent("running", f"r{n:03d}", "A", 1.0))
    last = buffer.getvalue().rsplit("takes finished", 1)[-1]
    assert last.count("running") <= 25  # 20 rows and the counts line, not 300 rows
