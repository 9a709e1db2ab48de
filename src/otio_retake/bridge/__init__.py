"""The local bridge that editing-application panels talk to (see app.py for the API, security.py for who may)."""

from __future__ import annotations

import json
from pathlib import Path

import platformdirs

from ..loopback import LoopbackServer
from ..contract import SCHEMA_FILE, contract_schema
from .app import create_app, openapi_document
from .security import PairingGate, TokenStore, is_loopback, load_token

__all__ = ["BridgeServer", "create_app", "openapi_document", "default_root", "DEFAULT_PORT", "is_loopback",
           "load_token", "write_schemas"]

DEFAULT_PORT = 8733  # fixed, so the port baked into the panel's manifest (network permission) matches


def default_root() -> Path:
    """Where the bridge keeps sequences, their workspaces and its run records."""
    return Path(platformdirs.user_data_dir("otio-retake", appauthor=False)) / "bridge"


class BridgeServer(LoopbackServer):
    """``with BridgeServer(port, root=..., tokens=...) as b: b.url`` - the bridge on 127.0.0.1 in a thread."""

    name = "bridge"

    def __init__(self, port: int, *, root: Path, tokens: TokenStore, pairing: PairingGate | None = None,
                 base_urls: list[str] = (), poll_interval: float | None = None) -> None:
        self.pairing = pairing or PairingGate()
        app = create_app(tokens=tokens, pairing=self.pairing, root=root, port_of=lambda: port,
                         base_urls=base_urls, poll_interval=poll_interval)
        # The access log names paths only (never headers): the token cannot reach it.
        super().__init__(app, port)


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
