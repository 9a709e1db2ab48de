"""Running an emulator with uvicorn: in the foreground (CLI) or on a free loopback port in a thread."""

from __future__ import annotations

from ..loopback import LoopbackServer, free_port

__all__ = ["EmulatorServer", "free_port"]

# The emulator cuts answers short on purpose ("drop", "truncate"); uvicorn would log each as a crash.
QUIET = "critical"


class EmulatorServer(LoopbackServer):
    """``with EmulatorServer(app) as server: server.url`` - an emulator on 127.0.0.1 in a thread."""

    name = "emulator"

    def __init__(self, app, port: int | None = None) -> None:
        super().__init__(app, port, log_level=QUIET, timeout_keep_alive=30)

    @property
    def state(self):
        return self.app.state.emulator

    def __enter__(self) -> EmulatorServer:
        super().__enter__()
        self.state.base_url = self.url  # it serves its own result URLs
        return self
