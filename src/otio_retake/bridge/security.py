"""Who may talk to the bridge: the token, the pairing code, the Host and Origin checks, the body limit.

- The bearer token is made on first start and kept in the user's config folder
  (``bridge.json``, mode 0600); ``OTIO_RETAKE_BRIDGE_TOKEN`` sets it instead and
  then nothing is written. A panel gets it once by sending the short pairing
  code the bridge prints (``POST /v1/pair``); five wrong codes close pairing
  until the bridge restarts.
- ``Host`` must name the loopback address and the bridge's port: a web page
  that rebinds its own domain to 127.0.0.1 sends its domain and is refused.
- A web page's ``Origin`` (http/https other than the bridge's own) is refused;
  panels send none or a non-web scheme.
- Bodies above ``MAX_BODY`` get 413 before they are read into memory.
The token is compared in constant time and never logged or echoed.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from ..paths import atomic_write

__all__ = ["MAX_BODY", "TOKEN_ENV", "TokenStore", "load_token", "GuardMiddleware", "PairingGate", "LOOPBACK_HOSTS",
           "is_loopback", "config_dir"]

MAX_BODY = 8 * 2**20  # a sequence with thousands of markers is a few hundred KiB; 8 MiB leaves room, not abuse
TOKEN_ENV = "OTIO_RETAKE_BRIDGE_TOKEN"
TOKEN_FILE = "bridge.json"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
OPEN_PATHS = {"/v1/health", "/v1/pair"}  # everything else needs the bearer token
MAX_PAIRING_TRIES = 5


def is_loopback(host: str) -> bool:
    import ipaddress
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir("otio-retake", appauthor=False))


@dataclass
class TokenStore:
    token: str
    source: str  # "env OTIO_RETAKE_BRIDGE_TOKEN" or the file's path
    path: Path | None  # None when the environment sets it (nothing written)

    def mark_paired(self) -> None:
        if self.path is None:
            return
        data = json.loads(self.path.read_text(encoding="utf-8"))
        data["paired"] = True
        _write_private(self.path, data)

    @property
    def paired(self) -> bool:
        if self.path is None or not self.path.exists():
            return False
        return bool(json.loads(self.path.read_text(encoding="utf-8")).get("paired"))


def _write_private(path: Path, data: dict) -> None:
    """Readable by the user alone, from its first byte (never chmod after writing)."""
    atomic_write(path, json.dumps(data), private=True)


def load_token(folder: Path | None = None, env: dict | None = None) -> TokenStore:
    env = os.environ if env is None else env
    if env.get(TOKEN_ENV):
        return TokenStore(env[TOKEN_ENV], f"env {TOKEN_ENV}", None)
    folder = Path(folder) if folder else config_dir()
    path = folder / TOKEN_FILE
    if path.exists():
        if path.stat().st_mode & 0o077:  # widened by hand or a copy: the user's alone again
            os.chmod(path, 0o600)
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("token"):
            return TokenStore(data["token"], str(path), path)
    folder.mkdir(parents=True, exist_ok=True)
    _write_private(path, {"token": secrets.token_urlsafe(32), "paired": False})
    return TokenStore(json.loads(path.read_text(encoding="utf-8"))["token"], str(path), path)


class PairingGate:
    """The short code shown at start; the panel trades it once for the token."""

    def __init__(self, code: str | None = None) -> None:
        self.code = code or f"{secrets.randbelow(10**6):06d}"
        self._tries = 0
        self._lock = threading.Lock()

    def check(self, code: str) -> bool | None:
        """True: right; False: wrong; None: too many wrong codes (closed until restart)."""
        with self._lock:
            if self._tries >= MAX_PAIRING_TRIES:
                return None
            if secrets.compare_digest(code.strip().encode(), self.code.encode()):
                return True
            self._tries += 1
            return False


def _send_json(status: int, body: dict):
    payload = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]

    async def send_to(send):
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})
    return send_to


class GuardMiddleware:
    """Host, Origin, token and body size, before any route runs."""

    def __init__(self, app, *, token: str, port_of, max_body: int = MAX_BODY) -> None:
        self.app = app
        self.token = token.encode()
        self.port_of = port_of  # callable: the port is known once the server has bound
        self.max_body = max_body

    def _host_ok(self, host: str) -> bool:
        name, _, port = host.rpartition(":")
        return name in LOOPBACK_HOSTS and port == str(self.port_of())

    def _origin_ok(self, origin: str | None) -> bool:
        if origin is None:
            return True
        scheme = origin.split(":", 1)[0].lower()
        if scheme not in ("http", "https"):
            return True  # "null", uxp://, file://: not a web page on the internet
        port = self.port_of()
        return origin.rstrip("/") in {f"http://127.0.0.1:{port}", f"http://localhost:{port}"}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if not self._host_ok(headers.get("host", "")):
            return await _send_json(403, {"error": "refused: the Host header is not this bridge's loopback address",
                                          "hint": f"connect to http://127.0.0.1:{self.port_of()}"})(send)
        if not self._origin_ok(headers.get("origin")):
            return await _send_json(403, {"error": "refused: requests from web pages are not accepted",
                                          "hint": "only editing-application panels on this machine may use the "
                                                  "bridge"})(send)
        if scope["path"] not in OPEN_PATHS:
            auth = headers.get("authorization", "")
            scheme, _, given = auth.partition(" ")
            if scheme.lower() != "bearer" or not secrets.compare_digest(given.strip().encode(), self.token):
                return await _send_json(401, {"error": "missing or wrong bridge token",
                                              "hint": "pair the panel again with the code `otio-retake bridge` "
                                                      "prints"})(send)
        length = headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body:
            return await _send_json(413, _too_large(self.max_body))(send)
        received = 0
        rejected = False

        async def limited_receive():
            nonlocal received, rejected
            if rejected:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    # Answer now and tell the route the client left: the rest is never read into memory.
                    rejected = True
                    await _send_json(413, _too_large(self.max_body))(send)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message):
            if not rejected:
                await send(message)

        await self.app(scope, limited_receive, guarded_send)


def _too_large(limit: int) -> dict:
    return {"error": f"the request body is larger than {limit // 2**20} MiB",
            "hint": "send the sequence's markers and track items only, not media"}
