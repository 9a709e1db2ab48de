"""The bridge's progress stream (server-sent events) stops its journal poll as soon as the panel goes."""

from __future__ import annotations

import threading

from test_bridge import TOKEN, bridge, client  # noqa: F401  (the fixture, too)

from otio_retake.bridge.journal_runs import JournalRun
from otio_retake.contract import ProgressMessage


class PolledRun(JournalRun):
    """A command-line run whose journal has one event, then nothing new: the stream polls it until told to stop."""

    def __init__(self) -> None:  # nothing of a real run is read but its messages
        self.polls = 0
        self.stopped = threading.Event()

    async def messages(self, after, poll):
        import asyncio
        try:
            yield ProgressMessage(seq=1, kind="submitted", range="sky", take="A", words="sent")
            while True:
                self.polls += 1
                await asyncio.sleep(poll)
                yield None  # a poll that found nothing
        finally:
            self.stopped.set()


def test_a_panel_that_goes_stops_the_journal_poll_at_once(bridge):
    server = bridge()
    run = PolledRun()
    server.app.state.manager.get = lambda run_id: run
    with client(server) as c, c.stream("GET", "/v1/runs/cli-1/events") as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = response.iter_lines()
        first = [next(lines) for _ in range(4)]  # id, event, data, the blank line that ends it ("\n", as the
        assert first[:2] == ["id: 1", "event: submitted"] and first[3] == ""  # panel splits events)
        assert ProgressMessage.model_validate_json(first[2].removeprefix("data: ")).words == "sent"
        assert run.polls >= 1 and not run.stopped.is_set()
    # The panel closed its connection; before, the poll ran on until the next keep-alive failed to send (15 s).
    assert run.stopped.wait(3.0), f"still polling the journal after the panel left ({run.polls} polls)"
