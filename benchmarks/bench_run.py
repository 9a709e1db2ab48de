#!/usr/bin/env python3
"""A run of many short ranges with the preview engine: what the bookkeeping adds to the rendering.

N marked ranges (48 frames each, 73-frame windows, a small picture) run
through the whole pipeline with the preview engine, C at once, with the
plain progress display subscribed. Every call into the journal, the display
and the output writer is timed, and so is every rendering call (excerpt,
preview render, splice). The baseline is the rendering; the figure is what
the journal, the display and writing the output add to it (want < 5%), and
whether the journal's cost per job stays flat as the run grows (it would
grow with N if the runner rescanned the table per event).

    python benchmarks/bench_run.py [--ranges 500] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from rich.console import Console

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_jobs import build  # noqa: E402  (the same generated cut)

from otio_retake import pipeline  # noqa: E402
from otio_retake.display import PlainProgress  # noqa: E402
from otio_retake.jobs import runner as runner_module  # noqa: E402
from otio_retake.jobs import store  # noqa: E402
from otio_retake.jobs.progress import ProgressHub  # noqa: E402
from otio_retake.providers import preview  # noqa: E402
from otio_retake.timeline import write  # noqa: E402

SPENT: dict[str, float] = defaultdict(float)
CALLS: dict[str, int] = defaultdict(int)


def _timing(owner, name: str, bucket: str) -> None:
    original = getattr(owner, name)

    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            SPENT[bucket] += time.perf_counter() - start
            CALLS[bucket] += 1

    setattr(owner, name, timed)


def instrument() -> None:
    for method in ("plan", "move", "get", "record_run"):
        _timing(store.Journal, method, "journal")
    _timing(runner_module, "render_excerpt", "render: excerpt")
    _timing(preview, "render_preview", "render: preview engine")
    _timing(runner_module, "splice_take", "render: splice")
    _timing(pipeline, "write_timeline", "output writing")


def run_once(folder: Path, ranges: int, concurrency: int) -> tuple[float, int]:
    timeline = build(folder, ranges)
    loaded = pipeline.load(timeline)
    plans = pipeline.plan(loaded, context_seconds=0.5)
    hub = ProgressHub()
    display = PlainProgress(Console(file=io.StringIO(), width=160), len(plans))
    display_calls = [0.0]

    def shown(event):
        start = time.perf_counter()
        display(event)
        display_calls[0] += time.perf_counter() - start

    hub.subscribe(shown)
    runner = pipeline.make_runner(loaded, workspace=folder / "ws", concurrency=concurrency, per_host=concurrency,
                                  handles=0, on_event=hub.publish)
    start = time.perf_counter()
    result = pipeline.run(loaded, plans, folder / "out.otio", runner=runner)
    wall = time.perf_counter() - start
    SPENT["progress display"] += display_calls[0]
    return wall, len(result.takes)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ranges", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args(argv)
    instrument()
    per_job_journal = []
    for ranges in (max(10, args.ranges // 5), args.ranges):
        SPENT.clear()
        CALLS.clear()
        with tempfile.TemporaryDirectory() as tmp:
            wall, takes = run_once(Path(tmp), ranges, args.concurrency)
        rendering = sum(v for k, v in SPENT.items() if k.startswith("render"))
        bookkeeping = SPENT["journal"] + SPENT["progress display"] + SPENT["output writing"]
        per_job_journal.append((ranges, SPENT["journal"] / ranges))
        print(f"\n{ranges} ranges, {args.concurrency} at once: {takes} takes in {wall:.1f} s wall")
        for name in sorted(SPENT):
            print(f"  {name:<24}{SPENT[name]:>9.2f} s  ({CALLS.get(name, 0) or '-'} calls)")
        print(f"  baseline: rendering {rendering:.2f} s; bookkeeping (journal + display + writing) "
              f"{bookkeeping:.2f} s = {bookkeeping / rendering:.1%} of it (want < 5%)")
    (small, small_cost), (large, large_cost) = per_job_journal
    print(f"\njournal per job: {small_cost * 1000:.1f} ms at {small} ranges, {large_cost * 1000:.1f} ms at {large} "
          f"(ratio {large_cost / small_cost:.2f}; flat means no rescans per event)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
