"""A journal step waits on its own thread: a lost PostgreSQL server (retried for the retry window) no longer
freezes the other jobs' polling, which runs on the event loop."""

from __future__ import annotations

import ast
import asyncio
import time
from pathlib import Path

import pytest

from test_team import _own_postgres

from otio_retake.errors import JournalError
from otio_retake.jobs import runner
from otio_retake.jobs.store import JobState, open_journal
from otio_retake.jobs.store.offloop import OffLoop

TICK = 0.02


def test_a_lost_postgresql_server_no_longer_freezes_the_other_jobs_polling():
    pg = _own_postgres()
    journal = None
    try:
        store = open_journal(pg.create_database("outage"), retry_seconds=2.0)
        store.plan("k1", range_name="sky", takes="A", provider="gmi", model="m", cost_estimate=1)
        journal = OffLoop(lambda: store)

        async def outage() -> tuple[int, float]:
            polls = 0

            async def another_job():  # its polls of the host, one every TICK, on the same loop
                nonlocal polls
                while True:
                    await asyncio.sleep(TICK)
                    polls += 1

            polling = asyncio.create_task(another_job())
            assert (await journal.get("k1")).state == JobState.PLANNED
            pg.stop()
            before, started = polls, time.monotonic()
            with pytest.raises(JournalError, match="lost the connection to the journal"):
                await journal.move("k1", JobState.SUBMITTED)  # retried for the window, then said
            waited = time.monotonic() - started
            polling.cancel()
            return polls - before, waited

        polls, waited = asyncio.run(outage())
        assert waited >= 1.0  # the step did wait on the lost server (its retry window is 2 s)...
        assert polls >= waited / TICK / 4  # ...and the other job went on polling all along (it froze: 0)
    finally:
        if journal is not None:
            journal.shutdown()
        pg.cleanup()


def test_the_runner_takes_no_journal_step_on_the_event_loop():
    # Every store call a coroutine of the runner makes goes through its OffLoop (self.db), none straight to
    # self.journal, which would block the loop for as long as the database takes.
    tree = ast.parse(Path(runner.__file__).read_text(encoding="utf-8"))
    on_loop = []
    for function in ast.walk(tree):
        if isinstance(function, ast.AsyncFunctionDef):
            for node in ast.walk(function):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                        isinstance(node.func.value, ast.Attribute) and node.func.value.attr == "journal" and \
                        node.func.attr != "close":
                    on_loop.append(f"{function.name}:{node.lineno}")
    assert on_loop == []
