"""The bridge's progress stream (server-sent events) stops its journal poll as soon as the panel goes."""

from __future__ import annotations

import threading
import time

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
        deadline = time.monotonic() + 3.0  # the first poll comes after the first event is sent: wait for it
        while run.polls < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert run.polls >= 1 and not run.stopped.is_set()
    # The panel closed its connection; before, the poll ran on until the next keep-alive failed to send (15 s).
    assert run.stopped.wait(3.0), f"still polling the journal after the panel left ({run.polls} polls)"


def test_events_end_their_lines_as_the_panel_splits_them(bridge):
    """The panel splits the stream on a blank line made of "\n" (retake.js): sse-starlette encodes an event it is
    given whole with its own "\r\n" unless told otherwise, which the panel never split (no progress, no end)."""
    server = bridge()
    run = PolledRun()
    server.app.state.manager.get = lambda run_id: run
    with client(server) as c, c.stream("GET", "/v1/runs/cli-1/events") as response:
        raw = b""
        for chunk in response.iter_raw():
            raw += chunk
            if b"data:" in raw and raw.endswith(b"\n\n"):
                break
    assert b"\r" not in raw and raw.startswith(b"id: 1\nevent: submitted\ndata: "), raw


def test_the_stream_listens_for_the_panel_going_whatever_the_servers_asgi_version(bridge):
    # uvicorn says ASGI 2.3 today, for which Starlette's own streaming listens for a disconnect too; from 2.4 on
    # it only notices at its next write, which an idle stream makes once a keep-alive (15 s). Driven here as a
    # 2.4 server would: the panel's going is in `receive` only.
    import asyncio
    server = bridge()
    run = PolledRun()
    server.app.state.manager.get = lambda run_id: run
    first_event = asyncio.Event()
    scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.4"}, "http_version": "1.1",
             "method": "GET", "scheme": "http", "path": "/v1/runs/cli-1/events", "raw_path": b"/v1/runs/cli-1/events",
             "query_string": b"", "root_path": "", "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", server.port),
             "headers": [(b"host", f"127.0.0.1:{server.port}".encode()),
                         (b"authorization", f"Bearer {TOKEN}".encode())]}
    requested = False

    async def receive():
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await first_event.wait()
        return {"type": "http.disconnect"}  # the panel closed

    async def send(message):
        if message["type"] == "http.response.body" and b"id: 1" in message.get("body", b""):
            first_event.set()

    async def panel_comes_and_goes():
        await asyncio.wait_for(server.app(scope, receive, send), 3.0)

    asyncio.run(panel_comes_and_goes())
    assert first_event.is_set() and run.stopped.is_set()
