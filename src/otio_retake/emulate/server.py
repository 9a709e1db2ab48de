"""Running an emulator with uvicorn: in the foreground (CLI) or on a free loopback port in a thread."""

from __future__ import annotations

import socket
import threading
import time

import uvicorn

__all__ = ["EmulatorServer", "free_port"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# The emulator cuts answers short on purpose ("drop", "truncate"); uvicorn would log each as a crash.
QUIET = "critical"


class EmulatorServer:
    """``with EmulatorServer(app) as server: server.url`` - a real HTTP server on 127.0.0.1."""

    def __init__(self, app, port: int | None = None) -> None:
        self.app = app
        # The socket is bound here and handed to uvicorn, so two servers started at once (parallel test
        # workers) can never be given the same "free" port.
        self.socket = socket.socket()
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", port or 0))
        self.port = self.socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level=QUIET, lifespan="off",
                                timeout_keep_alive=30)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)

    @property
    def state(self):
        return self.app.state.emulator

    def __enter__(self) -> EmulatorServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError(f"the emulator did not start on port {self.port}")
            time.sleep(0.02)
        self.state.base_url = self.url
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.socket.close()
