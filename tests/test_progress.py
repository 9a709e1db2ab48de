"""Progress: one stream of events that displays, the review window and the bridge subscribe to."""

from __future__ import annotations

import io

from rich.console import Console

from otio_retake import pipeline
from otio_retake.jobs.progress import PlainProgress, ProgressHub
from otio_retake.jobs.runner import ProgressEvent


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
