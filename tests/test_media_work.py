"""Media work runs on one worker per core for the whole process, however many jobs are in flight: threads, or
while ``media_processes()`` lasts (a team worker), child processes."""

from __future__ import annotations

import asyncio
import os
import pickle
import signal
import subprocess
import sys
import threading
import time

import httpx
import pytest

from conftest import EMULATOR_KEY, run_cli

import otio_retake.jobs.runner as runner_module
from otio_retake.errors import (EngineError, MediaError, MissingMediaError, RateLimitedError, SpliceError,
                                TimelineReadError)
from otio_retake.media.decode import decode_with_threads
from otio_retake.media.probe import probe
from otio_retake.media.work import MEDIA_THREADS, media_processes, run_media_work


def test_a_run_with_many_jobs_cuts_and_splices_no_more_at_once_than_there_are_cores(emulator, samples, tmp_path,
                                                                                   monkeypatch):
    monkeypatch.setenv("FAL_KEY", EMULATOR_KEY)
    server = emulator("fal", latency=0.2)
    lock, busy, most = threading.Lock(), [0], [0]

    def counted(function):
        def run(*args, **kwargs):
            with lock:
                busy[0] += 1
                most[0] = max(most[0], busy[0])
            try:
                time.sleep(0.2)  # long enough that jobs finishing together would overlap here
                return function(*args, **kwargs)
            finally:
                with lock:
                    busy[0] -= 1
        return run

    monkeypatch.setattr(runner_module, "render_excerpt", counted(runner_module.render_excerpt))
    monkeypatch.setattr(runner_module, "splice_take", counted(runner_module.splice_take))
    # Five jobs at once (one range, five takes): five results arrive together, five splices wait.
    assert run_cli("run", samples / "retake_sample.otio", "-o", tmp_path / "out.otio", "--provider", "fal",
                   "--base-url", server.url, "--poll-interval", "0.05", "--workspace", tmp_path / "ws",
                   "--marker-prefix", "sky", "--takes", "5", "--context", "0", "--per-host", "5") == 0
    assert httpx.get(server.url + "/_emulator/stats").json()["submitted"] == 5
    assert 1 <= most[0] <= MEDIA_THREADS


# --- media work in child processes (a team worker's): results, typed errors, and no child left behind

def _children_of(pid: int) -> set[int]:
    """Processes whose parent is ``pid`` (Linux /proc)."""
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.add(int(entry))
            except (OSError, IndexError, ValueError):
                pass  # gone meanwhile
    return found


def _parent_of(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_in_media_processes_work_runs_in_another_process_and_its_errors_come_back_typed(tmp_path):
    not_media = tmp_path / "notes.mp4"
    not_media.write_text("not a movie")
    with media_processes():
        assert asyncio.run(run_media_work(os.getpid)) != os.getpid()
        with pytest.raises(MediaError) as caught:
            asyncio.run(run_media_work(probe, not_media))
    assert type(caught.value) is MediaError and str(not_media) in caught.value.message
    assert asyncio.run(run_media_work(os.getpid)) == os.getpid()  # back on this process's threads


def _thread_type(path) -> str:  # in a child: how this process's decoders would decode ``path``
    import av
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        decode_with_threads(stream)
        return stream.thread_type.name


def test_media_processes_decode_in_one_thread_each_and_this_process_keeps_its_frame_threads(samples):
    clip = next(samples.glob("media/*.mp4"))
    with media_processes():
        assert asyncio.run(run_media_work(_thread_type, clip)) == "NONE"  # the other children have the other cores
    assert _thread_type(clip) != "NONE"  # a job alone on the machine: frame threads decode it sooner


def test_every_error_crosses_a_process_boundary_the_same_type_with_its_message_hint_and_fields():
    errors = [MissingMediaError("media missing", missing=["a.mov", "b.mov"], hint="relink"),
              TimelineReadError("bad line 3", path="/cut.edl", hint="fix it"),
              RateLimitedError("slow down", host="fal", status=429, retry_after=7.5, hint="wait"),
              SpliceError("cannot line up")]
    for error in errors:
        back = pickle.loads(pickle.dumps(error))
        assert type(back) is type(error) and str(back) == str(error) and back.__dict__ == error.__dict__


def test_a_media_process_that_dies_fails_its_job_with_an_engine_error_and_the_next_job_gets_a_new_one():
    async def scenario():
        first = await run_media_work(os.getpid)
        server = _parent_of(first)
        sleeping = asyncio.ensure_future(run_media_work(time.sleep, 30))
        await asyncio.sleep(0.5)  # taken by the idle child: asleep in that job
        for child in _children_of(server):
            os.kill(child, signal.SIGKILL)
        with pytest.raises(EngineError, match="a media process ended"):
            await sleeping
        return await run_media_work(os.getpid)

    with media_processes():
        assert asyncio.run(scenario()) != os.getpid()


SCRIPT = """
import asyncio, os, sys, time
from otio_retake.media.work import media_processes, run_media_work
with media_processes():
    print(asyncio.run(run_media_work(os.getpid)), flush=True)
    time.sleep(60)
"""


def test_media_processes_leave_when_the_process_that_started_them_is_killed():
    parent = subprocess.Popen([sys.executable, "-c", SCRIPT], stdout=subprocess.PIPE, text=True)
    try:
        child = int(parent.stdout.readline())
        pool = _children_of(_parent_of(child))
        assert child in pool
    finally:
        parent.kill()
        parent.wait()
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in pool) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in pool if _alive(pid)]


def test_the_command_starts_no_linear_algebra_threads_unless_the_user_asks_for_them():
    # numpy's OpenBLAS would start a thread per core on import (spinning a while before they sleep) in every
    # command and in each of a worker's media processes, which inherit the setting.
    count = "import os, otio_retake.cli; print(os.environ['OPENBLAS_NUM_THREADS'], len(os.listdir('/proc/self/task')))"
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    assert subprocess.run([sys.executable, "-c", count], env=env, capture_output=True, text=True,
                          check=True).stdout.split() == ["1", "1"]
    env["OPENBLAS_NUM_THREADS"] = "3"
    assert subprocess.run([sys.executable, "-c", count], env=env, capture_output=True, text=True,
                          check=True).stdout.split()[0] == "3"
