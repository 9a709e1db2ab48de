"""Media work runs on one thread per core for the whole process, however many jobs are in flight."""

from __future__ import annotations

import threading
import time

import httpx

from conftest import EMULATOR_KEY, run_cli

import otio_retake.jobs.runner as runner_module
from otio_retake.media.work import MEDIA_THREADS


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
