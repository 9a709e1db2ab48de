"""The local bridge that editing-application panels talk to (see app.py for the API, security.py for who may)."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import platformdirs
import uvicorn

from ..contract import SCHEMA_FILE, contract_schema
from .app import create_app, openapi_document
from .security import PairingGate, TokenStore, is_loopback, load_token

__all__ = ["BridgeServer", "create_app", "openapi_document", "default_root", "DEFAULT_PORT", "is_loopback",
           "load_token", "write_schemas"]

DEFAULT_PORT = 8733  # fixed, so the port baked into the panel's manifest (network permission) matches


def default_root() -> Path:
    """Where the bridge keeps sequences, their workspaces and its run records."""
    return Path(platformdirs.user_data_dir("otio-retake", appauthor=False)) / "bridge"


class BridgeServer:
    """``with BridgeServer(port, root=..., tokens=...) as b: b.url`` - the bridge on 127.0.0.1 in a thread."""

    def __init__(self, port: int, *, root: Path, tokens: TokenStore, pairing: PairingGate | None = None,
                 base_urls: list[str] = (), poll_interval: float | None = None) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.pairing = pairing or PairingGate()
        self.app = create_app(tokens=tokens, pairing=self.pairing, root=root, port_of=lambda: port,
                              base_urls=base_urls, poll_interval=poll_interval)
        # The access log names paths only (never headers): the token cannot reach it.
        config = uvicorn.Config(self.app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> BridgeServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError(f"the bridge did not start on port {self.port}")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def write_schemas(folder: Path) -> list[Path]:
    """docs/contract.schema.json and docs/bridge-openapi.json, as the models are now."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, document in ((SCHEMA_FILE, contract_schema()), ("bridge-openapi.json", openapi_document())):
        path = folder / name
        path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        written.append(path)
    return written
