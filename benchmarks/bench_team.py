#!/usr/bin/env python3
"""Team-mode benchmark: N queued ranges done by 1, 2 and 4 worker processes on a PostgreSQL journal.

The host (an emulator in its own process) takes C jobs at once, each L seconds: waiting alone takes
ceil(N / C) * L whatever the number of workers. But every job also needs CPU on this machine: its excerpt and
its splice (CPU seconds of 8 ranges alone, in a media process as a worker's, measured before and after each
worker count and averaged), and the emulated host's
own work, which a real host does elsewhere: rendering each result and serving every request (measured as the
emulator process's CPU during the run). The honest ideal is the larger of the waiting and that work spread
over the cores; what is left is ours (the workers' HTTP, polls, journal, start-up and scheduling). For each
worker count (each worker given --jobs 1.25 times its share of the host's places and --media-processes its
share of the cores, as the README advises) this prints the measured wall time (from
the first worker's start to the last one's exit: process start-up, excerpts, uploads, submits, polls,
downloads, splices, claims, places and the journal), its ratio to the ideal (want <= 1.3), and the
emulator's counts (every job submitted once, never more than C at once, polls per job). Then the journal's own cost per
job: the steps one job takes in a worker (claim_next, plan, claim, get, a place at the host, seven moves, the
claim re-checked before the submit, releases) on PostgreSQL and on SQLite.

A PostgreSQL server is started for it as tests/pg_server.py does (Debian's package).

    python benchmarks/bench_team.py [--ranges 500] [--latency 2] [--concurrency 32] [--workers 1,2,4]
"""

from __future__ import annotations

import argparse
import asyncio
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

from bench_jobs import build, job_cpu, sample_jobs  # noqa: E402
from pg_server import PostgresServer  # noqa: E402

from otio_retake import pipeline  # noqa: E402
from otio_retake.emulate.server import free_port  # noqa: E402
from otio_retake.jobs.store import JobState, open_journal  # noqa: E402
from otio_retake.media.work import media_processes, run_media_work  # noqa: E402

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
        # More jobs at once than the host has places: part of each job is cut and spliced here, off the host.
        per_worker = math.ceil(args.concurrency * 1.25 / workers)
        host_cpu_before = _process_cpu(emulator.pid)
        t0 = time.perf_counter()
        # Every worker is on this one machine: each gets its share of the cores to cut and splice on.
        media = max(1, (os.cpu_count() or 1) // workers)
        children = [subprocess.Popen(_cli("worker", "--journal", journal, "--until-idle", "--jobs", per_worker,
                                          "--media-processes", media),
                                     env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    for _ in range(workers)]
        codes = [child.wait() for child in children]
        wall = time.perf_counter() - t0
        stats = httpx.get(url + "/_emulator/stats").json()
        host_cpu = _process_cpu(emulator.pid) - host_cpu_before
        ready = sum(r.state == JobState.TAKE_READY for r in open_journal(journal).all())
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)
    return {"workers": workers, "wall": wall, "codes": codes, "ready": ready, "host_cpu": host_cpu, **stats}


def _process_cpu(pid: int) -> float:
    """CPU seconds a process has used (Linux /proc): the emulated host's own work, rendering and serving."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def journal_overhead(url: str, jobs: int) -> float:
    """Milliseconds of journal work per job: the 16 steps a worker takes for one job (runner.py, worker.py)."""
    store = open_journal(url)
    keys = [f"job-{n}" for n in range(jobs)]
    for n, key in enumerate(keys):  # queued beforehand, as `run --queue` does: not timed
        store.plan(key, range_name=f"r{n}", takes="A", provider="fal", model="m", cost_estimate=0.1)
    store.queue_run("bench", {}, keys)
    steps = [JobState.EXCERPTED, JobState.UPLOADED, JobState.SUBMITTING, JobState.SUBMITTED,
             JobState.FINISHED_REMOTELY, JobState.DOWNLOADED, JobState.TAKE_READY]
    t0 = time.perf_counter()
    for _ in keys:
        key, _, _ = store.claim_next("bench", 60)
        store.plan(key, range_name="r", takes="A", provider="fal", model="m", cost_estimate=0.1)
        store.claim(key, "bench", 60)
        store.get(key)
        store.move(key, steps[0])
        slot = store.take_slot("fal", 32, "bench", key, 60)
        store.move(key, steps[1])
        store.claim(key, "bench", 60)  # still ours, just before the paid request
        for state in steps[2:]:
            store.move(key, state)
        store.release_slot("fal", slot, "bench")
        store.release(key, "bench")
    elapsed = time.perf_counter() - t0
    store.close()
    return elapsed / jobs * 1000


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
            loaded = pipeline.load(timeline)
            plans = pipeline.plan(loaded, provider="fal", context_seconds=0.5)
            cores = os.cpu_count() or 1
            waiting = math.ceil(args.ranges / args.concurrency) * args.latency
            print(f"ranges {args.ranges}, job latency {args.latency:g} s, host concurrency {args.concurrency}, "
                  f"poll every {args.poll_interval:g} s, {cores} cores, load average {os.getloadavg()[0]:.1f}")
            print(f"waiting  ceil({args.ranges}/{args.concurrency}) x {args.latency:g} s = {waiting:.1f} s")
            # The machine is shared: the CPU one job needs is measured before and after each worker count and
            # averaged, so each ideal is of the same conditions as its run.
            sample, rate = sample_jobs(folder, loaded, plans)

            def ours() -> float:
                """A job's own media work alone, its excerpt and splice (the render is the host's): CPU seconds,
                the mean over 8 ranges spread over the timeline, in a media process as a worker's jobs are (its
                decoders in one thread: the least CPU the work takes)."""
                with media_processes(1):
                    figures = asyncio.run(run_media_work(job_cpu, sample, rate, folder))
                return figures["excerpt"] + figures["splice"]

            before = ours()
            print(f"working  ({args.ranges} x our CPU per job alone: excerpt + splice, the mean of before and after "
                  f"the run, + the emulated host's CPU in the run) / {cores} cores; ideal = the larger of waiting "
                  "and working")
            print("| workers | wall s | ours/job s | host CPU s | ideal s | ratio | overhead ms/job | ready | "
                  "submitted | duplicates | most at once | polls/job | load |")
            print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
            for workers in (int(w) for w in args.workers.split(",")):
                r = team_run(folder, timeline, pg, workers, args)
                after = ours()
                per_job = (before + after) / 2
                ideal = max(waiting, (args.ranges * per_job + r["host_cpu"]) / cores)
                before = after
                failed |= any(r["codes"]) or r["ready"] != args.ranges or r["duplicates"] != 0
                print(f"| {workers} | {r['wall']:.1f} | {per_job:.2f} | {r['host_cpu']:.1f} | {ideal:.1f} | "
                      f"{r['wall'] / ideal:.2f} | {(r['wall'] - ideal) / args.ranges * 1000:.0f} | {r['ready']} | "
                      f"{r['submitted']} | {r['duplicates']} | {r['max_active']} | "
                      f"{r['requests'].get('poll', 0) / args.ranges:.1f} | {os.getloadavg()[0]:.1f} |"
                      + (f" exit codes {r['codes']}" if any(r["codes"]) else ""), flush=True)
            pg_ms = journal_overhead(pg.create_database("overhead"), args.journal_jobs)
            sqlite_ms = journal_overhead(f"sqlite:///{folder / 'overhead.sqlite'}", args.journal_jobs)
            print(f"journal per job (16 steps, {args.journal_jobs} jobs one after another): PostgreSQL "
                  f"{pg_ms:.1f} ms, SQLite {sqlite_ms:.1f} ms")
    finally:
        pg.cleanup()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
