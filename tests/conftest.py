"""Shared fixtures: the sample timelines with freshly generated media in a temp folder."""

from __future__ import annotations

import fcntl
import importlib.util
import shutil
import sqlite3
import time
from fractions import Fraction
from pathlib import Path

import httpx
import numpy as np
import pytest

from otio_retake.cli import main as cli_main
from otio_retake.jobs.store import Store, open_journal
from otio_retake.media.decode import AUDIO_RATE, decode_all_frames, read_audio
from otio_retake.media.testpattern import read_pattern

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "sample_timelines"
# Real-world timelines written by other tools, vendored with their source and licence (data/SOURCES.md).
FIXTURES = Path(__file__).resolve().parent / "data"
# The project's shared real-world exports (Avid AAFs: too large to vendor), beside the clone as ../shared
# (CI, /work/main); a git worktree under wt/NAME reaches the same folder one level further up.
SHARED_FIXTURES = next((p for p in (REPO.parent / "shared" / "fixtures", REPO.parents[1] / "shared" / "fixtures")
                        if p.is_dir()), REPO.parent / "shared" / "fixtures")


def _load_make_samples():
    spec = importlib.util.spec_from_file_location("make_samples", SAMPLES / "make_samples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_samples = _load_make_samples()


@pytest.fixture(scope="session")
def sample_media(tmp_path_factory, worker_id) -> Path:
    """The sample media, made once for the whole run: pytest-xdist's workers share it (read only) through
    their common base folder, the first to arrive making it under a lock."""
    root = tmp_path_factory.getbasetemp()
    root = root if worker_id == "master" else root.parent
    folder = root / "sample-media"
    with open(root / "sample-media.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / ".made").exists():
            make_samples.make_media(folder)
            (folder / ".made").touch()
    return folder


@pytest.fixture
def samples(tmp_path, sample_media) -> Path:
    """A private copy of sample_timelines/ with media/ beside it."""
    folder = tmp_path / "samples"
    folder.mkdir()
    copy_samples(SAMPLES, folder)
    (folder / "media").symlink_to(sample_media, target_is_directory=True)
    return folder


# The sample timelines the repository holds, by name: the README's own first example leaves a workspace
# (retake_sample.retake/) and outputs beside them, which are not samples and must not change what tests see.
SAMPLE_FILES = ("retake_sample.otio", "retake_sample.xml", "retake_sample.edl", "retake_sample.markers.edl")


def copy_samples(source: Path, folder: Path) -> None:
    for name in SAMPLE_FILES:
        shutil.copy(source / name, folder / name)


def run_cli(*args) -> int:
    return cli_main([str(a) for a in args])


def source_frame_at(record: int) -> tuple[int, int]:
    """(frame index, clip id) the sample cut shows at a record frame (0 = 01:00:00:00)."""
    first = 0
    for media, src_in, frames in make_samples.CUT:
        if record < first + frames:
            return src_in + record - first, make_samples.SHOTS[media]["clip_id"]
        first += frames
    raise ValueError(record)


def decode_patterns(path) -> list[tuple[int, int]]:
    frames, _, _ = decode_all_frames(str(path))
    return [read_pattern(f) for f in frames]


def dominant_hz(path, start: float, seconds: float) -> float:
    audio = read_audio(str(path), Fraction(start).limit_denominator(100000), int(seconds * AUDIO_RATE))
    spectrum = np.abs(np.fft.rfft(audio[0]))
    return float(np.argmax(spectrum) * AUDIO_RATE / audio.shape[1])


def copy_fixture(name: str, dest: Path) -> Path:
    target = dest / name
    shutil.copy(FIXTURES / name, target)
    return target


@pytest.fixture
def avid_dir() -> Path:
    """Real Media Composer AAF exports (../shared/fixtures/avid, see SOURCES.md there)."""
    folder = SHARED_FIXTURES / "avid"
    assert folder.is_dir(), f"the shared fixtures are missing: expected {folder} beside the clone"
    return folder


@pytest.fixture
def fixtures_dir() -> Path:
    """The vendored real-world timelines; part of the repository, so never skipped."""
    return FIXTURES




EMULATOR_KEY = "sk-test-5ECRET-key-0001"


@pytest.fixture
def emulator(monkeypatch):
    """start(host, **options) -> a running emulator on loopback (key EMULATOR_KEY), stopped after the test."""
    from otio_retake.emulate import EmulatorServer, make_app
    servers = []

    def start(host, **options):
        if host.startswith("oxen"):  # Oxen uploads into the user's own repository: there is no default
            monkeypatch.setenv("OXEN_REPO", "editor/otio-retake-excerpts")
        options.setdefault("latency", 0.3)
        options.setdefault("retry_after", 0.05)
        options.setdefault("key", EMULATOR_KEY)
        server = EmulatorServer(make_app(host, **options)).__enter__()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.__exit__(None, None, None)


@pytest.fixture(scope="session")
def postgres_server():
    """A real PostgreSQL server for the session (tests/pg_server.py). Never skipped in CI: if it cannot
    start there, every test that needs it fails with the reason."""
    import os
    from pg_server import PostgresServer
    try:
        server = PostgresServer().start()
    except RuntimeError as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI needs PostgreSQL for the team-mode tests: {exc}")
        pytest.skip(f"no PostgreSQL server: {exc}")
    yield server
    server.cleanup()


@pytest.fixture
def pg_url(postgres_server, request):
    """The URL (with its password) of a fresh database for one test."""
    import re
    import uuid
    name = "t_" + re.sub(r"[^a-z0-9]+", "_", request.node.name.lower())[:40] + "_" + uuid.uuid4().hex[:8]
    return postgres_server.create_database(name)


def take_file(path) -> Path:
    """The take a run wrote for ``<folder>/<range>_take<A>.<ext>``: take files carry their job's identity in their
    names (``<range>_take<A>_<key>.<ext>``), so a test names the range and letter and this finds the file (the
    newest, where runs of several requests left one each)."""
    path = Path(path)
    stem, dot, ext = path.name.rpartition(".")
    found = sorted(path.parent.glob(f"{stem}_????????????.{ext}"), key=lambda p: p.stat().st_mtime_ns)
    return found[-1] if found else path.with_name(f"{stem}_(none).{ext}")


# ---------------------------------------------------------------------------------------------- shared helpers
def emulator_stats(server) -> dict:
    """What an emulator was asked (``submitted`` counts paid jobs: money is tested by it)."""
    return httpx.get(server.url + "/_emulator/stats").json()


def wait_for_rows(journal: str | Path, ready, timeout: float = 60.0) -> list:
    """The journal's rows (a SQLite file's path, or a URL) once ``ready(rows)``: a run in another process or
    thread moves them; a file not yet written (or mid-creation) has no rows."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = []
        if not isinstance(journal, Path) or journal.exists():
            try:
                store = open_journal(journal)
                try:
                    rows = store.all()
                finally:
                    store.close()
            except sqlite3.Error:
                pass
        if ready(rows):
            return rows
        time.sleep(0.05)
    raise AssertionError("the run did not reach the expected state in time")


@pytest.fixture
def short_context(monkeypatch):
    """Half a second of context by default instead of 2 s (the review window has no option for it: the studio
    takes it from a workspace's run): room for the 12-frame handles tests step into, a third less media."""
    monkeypatch.setattr("otio_retake.jobs.plan.DEFAULT_CONTEXT_SECONDS", 0.5)


class LeaseClock:
    """The clock every journal times leases by in a test, moved by hand (``advance``) instead of sleeping: a lease
    test never races the wall clock on a loaded machine."""

    def __init__(self, now: float = 1_900_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def lease_clock(monkeypatch) -> LeaseClock:
    clock = LeaseClock()
    monkeypatch.setattr(Store, "lease_clock", clock)  # every store, the CLI's own included
    return clock


# ---------------------------------------------------------------------------------------------- make test-fast
# `make test-fast` runs `pytest -m "not slow"`: the tests that start no process, server or browser and encode no
# clips of their own, for a loop of seconds while working. A test is slow when it asks for an emulator,
# PostgreSQL (a store test's postgres case too), Qt or the sample media (a run of its own), or lives in a file
# whose point is processes, servers, a browser or encoding media.
SLOW_FIXTURES = frozenset({"emulator", "postgres_server", "pg_url", "qtbot", "samples", "sample_media"})
SLOW_FILES = frozenset({"test_bridge.py", "test_bridge_cli_runs.py", "test_bridge_events.py", "test_cli_start.py",
                        "test_journal.py", "test_journal_offloop.py", "test_media_work.py", "test_premiere_node.py",
                        "test_premiere_panel.py", "test_team.py", "test_team_queue.py", "test_studio_window.py",
                        "test_studio_controller.py", "test_media.py", "test_splice.py", "test_avid_roundtrip.py",
                        "test_interchange_aaf.py"})


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: starts a process, server or browser (left out by make test-fast)")


def pytest_collection_modifyitems(config, items):
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if item.path.name in SLOW_FILES or SLOW_FIXTURES.intersection(getattr(item, "fixturenames", ())) or \
                "postgres" in params.values():
            item.add_marker(pytest.mark.slow)
