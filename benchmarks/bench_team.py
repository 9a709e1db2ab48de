#!/usr/bin/env python3
"""Team-mode benchmark: N queued ranges done by 1, 2 and 4 worker processes on a PostgreSQL journal.

The host (an emulator in its own process) takes C jobs at once, each L seconds: the best possible wall time
is ceil(N / C) * L whatever the number of workers. For each worker count this prints the measured wall time
(from the first worker's start to the last one's exit: excerpts, uploads, submits, polls, downloads, splices,
claims, places and the journal), its ratio to the ideal, and the emulator's counts (every job submitted
once, never more than C at once). Then the journal's own cost per job: the writes one job makes (plan,
claim, a place at the host, eight moves, release) on PostgreSQL and on SQLite.

A PostgreSQL server is started for it as tests/pg_server.py does (Debian's package).

    python benchmarks/bench_team.py [--ranges 500] [--latency 2] [--concurrency 32] [--workers 1,2,4]
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from bench_jobs import build  # noqa: E402
from pg_server import PostgresServer  # noqa: E402

from otio_retake.emulate.server import free_port  # noqa: E402
from otio_retake.jobs.store import JobState, open_journal  # noqa: E402

KEY = "bench-key"


def _cli(*args) -> list[str]:
    return [sys.executable, "-m", "otio_retake.cli", *map(str, args)]


def _emulator(latency: float) -> tuple[subprocess.Popen, str]:
    port = free_port()
    child = subprocess.Popen(_cli("emulate", "fal", "--port", port, "--latency", latency, "--key", KEY),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            httpx.get(url + "/_emulator/stats", timeout=1)
            return child, url
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def team_run(folder: Path, timeline: Path, pg: PostgresServer, workers: int, args) -> dict:
    emulator, url = _emulator(args.latency)
    env = dict(os.environ, FAL_KEY=KEY)
    try:
        journal = pg.create_database(f"bench_{workers}_{int(time.time())}")
        subprocess.run(_cli("run", timeline, "-o", folder / f"out{workers}.otio", "--provider", "fal", "--base-url",
                            url, "--context", "0.5", "--handles", "0", "--poll-interval", args.poll_interval,
                            "--per-host", args.concurrency, "--workspace", folder / f"ws{workers}", "--journal",
                            journal, "--yes", "--queue"), env=env, check=True, capture_output=True)
        per_worker = math.ceil(args.concurrency / workers)
        t0 = time.perf_counter()
        children = [subprocess.Popen(_cli("worker", "--journal", journal, "--until-idle", "--jobs", per_worker),
                                     env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    for _ in range(workers)]
        codes = [child.wait() for child in children]
        wall = time.perf_counter() - t0
        stats = httpx.get(url + "/_emulator/stats").json()
        ready = sum(r.state == JobState.TAKE_READY for r in open_journal(journal).all())
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)
    return {"workers": workers, "wall": wall, "codes": codes, "ready": ready, **stats}


def journal_overhead(url: str, jobs: int) -> float:
    """Milliseconds of journal work per job, as a runner does it on a shared journal."""
    store = open_journal(url)
    steps = [JobState.EXCERPTED, JobState.UPLOADED, JobState.SUBMITTING, JobState.SUBMITTED,
             JobState.FINISHED_REMOTELY, JobState.DOWNLOADED, JobState.TAKE_READY]
    t0 = time.perf_counter()
    for n in range(jobs):
        key = f"job-{n}"
        store.plan(key, range_name=f"r{n}", takes="A", provider="fal", model="m", cost_estimate=0.1)
        store.claim(key, "bench", 60)
        slot = store.take_slot("fal", 32, "bench", key, 60)
        for state in steps:
            store.move(key, state, detail=None)
        store.release_slot("fal", slot, "bench")
        store.release(key, "bench")
    return (time.perf_counter() - t0) / jobs * 1000


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ranges", type=int, default=500)
    parser.add_argument("--latency", type=float, default=2.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--poll-interval", type=float, default=0.2)
    parser.add_argument("--journal-jobs", type=int, default=200)
    args = parser.parse_args(argv)
    pg = PostgresServer().start()
    failed = False
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            timeline = build(folder, args.ranges)
            ideal = math.ceil(args.ranges / args.concurrency) * args.latency
            print(f"ranges {args.ranges}, job latency {args.latency:g} s, host concurrency {args.concurrency}, "
                  f"ideal ceil({args.ranges}/{args.concurrency}) x {args.latency:g} s = {ideal:.1f} s")
            for workers in (int(w) for w in args.workers.split(",")):
                r = team_run(folder, timeline, pg, workers, args)
                failed |= any(r["codes"]) or r["ready"] != args.ranges or r["duplicates"] != 0
                print(f"{workers} worker(s): wall {r['wall']:.1f} s, ratio {r['wall'] / ideal:.2f}; takes ready "
                      f"{r['ready']}, submitted {r['submitted']}, duplicates {r['duplicates']}, most at once "
                      f"{r['max_active']}, exit codes {r['codes']}")
            pg_ms = journal_overhead(pg.create_database("overhead"), args.journal_jobs)
            sqlite_ms = journal_overhead(f"sqlite:///{folder / 'overhead.sqlite'}", args.journal_jobs)
            print(f"journal per job (plan, claim, place, 7 moves, releases; {args.journal_jobs} jobs): PostgreSQL "
                  f"{pg_ms:.1f} ms, SQLite {sqlite_ms:.1f} ms")
    finally:
        pg.cleanup()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
