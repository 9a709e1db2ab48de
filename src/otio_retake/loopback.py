"""An ASGI app served on 127.0.0.1 by uvicorn in a background thread: the emulators and the bridge.

The socket is bound here and handed to uvicorn, so two servers started at
once (parallel test workers) can never be given the same "free" port.
"""

from __future__ import annotations

import socket
import threading
import time

import uvicorn

__all__ = ["LoopbackServer", "free_port"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LoopbackServer:
    """``with LoopbackServer(app) as server: server.url`` - a real HTTP server on 127.0.0.1."""

    name = "server"  # for the error when it does not start

    def __init__(self, app, port: int | None = None, *, log_level: str = "warning",
                 timeout_keep_alive: int = 5) -> None:
        self.app = app
        self.socket = socket.socket()
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", port or 0))
        self.port = self.socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level=log_level, lifespan="off",
                                timeout_keep_alive=timeout_keep_alive)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)

    def __enter__(self):
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError(f"the {self.name} did not start on port {self.port}")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.socket.close()
