#!/usr/bin/env python3
"""How long `otio-retake --help` takes to answer, against starting Python itself in the same run; and `plan` of a
feature-length cut (bench_plan.py's: 2,000 events, 500 markers), the whole process, against a process that only
has OpenTimelineIO read the same file.

The command imports a command's module only when that command runs (cli.py COMMANDS): the group's help needs
click alone. Each figure is the median of ROUNDS fresh processes, taken in turn so both see the same load.

    python benchmarks/bench_cli_start.py [--rounds 15] [--plan-rounds 5]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_plan import build  # noqa: E402  (the same generated cut)

GOAL_SECONDS = 0.15


def _timed(args: list[str], *, check: bool = True) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one fresh process: on a loaded machine the CPU is what the
    command costs, the wall time what waiting for a core adds to it."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(args, check=check, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _median(runs: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--plan-rounds", type=int, default=5)
    args = parser.parse_args()
    rounds = args.rounds
    # The installed command, as a user starts it (``-m`` would compile cli.py afresh each time: __main__ has no
    # cached bytecode).
    command = str(Path(sys.executable).with_name("otio-retake"))
    bare, help_, plan = [], [], []
    for _ in range(rounds):
        bare.append(_timed([sys.executable, "-c", "pass"]))
        help_.append(_timed([command, "--help"]))
        plan.append(_timed([command, "plan", "--help"]))
    (b, bc), (h, hc), (p, pc) = (_median(x) for x in (bare, help_, plan))
    print(f"python -c pass           wall {b * 1000:7.1f} ms, CPU {bc * 1000:6.1f} ms (baseline)")
    print(f"otio-retake --help       wall {h * 1000:7.1f} ms, CPU {hc * 1000:6.1f} ms ({h / b:.1f}x the bare start; "
          f"goal < {GOAL_SECONDS} s: {'met' if h < GOAL_SECONDS else 'NOT met'})")
    print(f"otio-retake plan --help  wall {p * 1000:7.1f} ms, CPU {pc * 1000:6.1f} ms (loads the run commands: OTIO, "
          "PyAV, the hosts)")
    with tempfile.TemporaryDirectory() as tmp:
        cut = build(Path(tmp), 2000, 500)
        read = [sys.executable, "-c", f"import opentimelineio as otio; otio.adapters.read_from_file({str(cut)!r})"]
        otio_runs, plan_runs = [], []
        for _ in range(args.plan_rounds):
            otio_runs.append(_timed(read))
            # exit 6: every clip's media is offline (the cut is generated), which plan says and lists anyway
            plan_runs.append(_timed([command, "plan", str(cut)], check=False))
        (o, oc), (q, qc) = _median(otio_runs), _median(plan_runs)
    print(f"OTIO reads the cut       wall {o * 1000:7.1f} ms, CPU {oc * 1000:6.1f} ms (baseline: a process that "
          "imports OTIO and reads the 2,000-event file)")
    print(f"otio-retake plan         wall {q * 1000:7.1f} ms, CPU {qc * 1000:6.1f} ms ({q / o:.1f}x wall, "
          f"{qc / oc:.1f}x CPU; goal <= 3x)")


if __name__ == "__main__":
    main()
