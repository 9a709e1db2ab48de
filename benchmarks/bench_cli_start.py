#!/usr/bin/env python3
"""How long `otio-retake --help` takes to answer, against starting Python itself in the same run.

The command imports a command's module only when that command runs (cli.py COMMANDS): the group's help needs
click alone. Each figure is the median of ROUNDS fresh processes, taken in turn so both see the same load.

    python benchmarks/bench_cli_start.py [--rounds 15]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

GOAL_SECONDS = 0.15


def _timed(args: list[str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one fresh process: on a loaded machine the CPU is what the
    command costs, the wall time what waiting for a core adds to it."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _median(runs: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    rounds = parser.parse_args().rounds
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


if __name__ == "__main__":
    main()
