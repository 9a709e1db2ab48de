"""What every hosted client shares: the key, the base URL, the HTTP layer, downloads and data URIs.

A subclass states its host's facts as class attributes (``name``, ``model``,
``limits``, ``key_env``, ``default_base_url``, ``auth_scheme``) and
implements ``upload``, ``submit``, ``poll`` and, where the host has it,
``cancel`` and ``find_job`` (used to resolve a submit whose answer was lost).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import base64
from pathlib import Path

import httpx

from ..errors import DownloadError, InvalidRequestError
from .base import JobHandle, Limits, RetakeRequest, Succeeded
from .http import HostHttp, RetryPolicy

__all__ = ["HostedProvider", "POLL_SECONDS"]

POLL_SECONDS = 5.0  # LTX asks for about 5 s; the others publish nothing better


class HostedProvider:
    name = "host"
    model = ""
    limits = Limits()
    key_env = ""
    needs_key = True  # False for a studio's own server (ComfyUI): no key is looked for or sent
    default_base_url = ""
    auth_scheme = "Bearer"
    poll_seconds = POLL_SECONDS
    can_find_jobs = False  # True where find_job's None means "the host has no such job"
    # True where find_job matches a lost submit by what was asked (no reference unique to the take is sent), so a
    # lookup must never run while another take's identical-looking submit is in flight.
    finds_jobs_by_request = False
    accepts_seed = False  # True where the host's API documents a seed parameter (it is sent only there)

    def __init__(self, key: str, *, base_url: str | None = None, transport: httpx.AsyncBaseTransport | None = None,
                 policy: RetryPolicy = RetryPolicy(), sleep=asyncio.sleep, on_rate_limited=None) -> None:
        self._key = key
        self.base_url = (base_url or self.default_base_url).rstrip("/")
        self.http = HostHttp(self.name, headers=self.auth_headers(key), secrets=(key,), transport=transport,
                             policy=policy, sleep=sleep, on_rate_limited=on_rate_limited)

    def __repr__(self) -> str:  # never the key
        return f"<{type(self).__name__} {self.base_url}>"

    def auth_headers(self, key: str) -> dict[str, str]:
        return {"Authorization": f"{self.auth_scheme} {key}"}

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    @staticmethod
    def data_uri(path: Path, *, limit_bytes: int, host: str, mime: str = "video/mp4") -> str:
        """A base64 data URI of a small file; larger files are refused with the limit named."""
        size = path.stat().st_size
        encoded = 4 * ((size + 2) // 3)
        if encoded > limit_bytes:
            raise InvalidRequestError(f"the excerpt {path.name} is {size / 1e6:.1f} MB; {host} takes at most "
                                      f"{limit_bytes / 1e6:.0f} MB inline", host=host,
                                      hint="use a shorter context (--context) or a host with an upload API")
        return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode("ascii")

    async def download(self, result: Succeeded, dest: Path, *, index: int = 0,
                       verify: Callable[[Path], None] | None = None) -> Path:
        """Fetch a result; ``verify`` (the media stage's check) sees the file before it takes its name."""
        return await self.http.download(result.result_urls[index], dest, verify=verify)

    async def cancel(self, handle: JobHandle) -> bool:
        return False

    def host_params(self) -> dict:
        """Host settings that change what a job makes (part of the job's identity); none by default."""
        return {}

    async def find_job(self, request: RetakeRequest, exclude: frozenset[str] = frozenset()) -> JobHandle | None:
        """The job this request started, found through the host's own records (None: not found, or, where
        ``can_find_jobs`` is False, no way to tell). Jobs in ``exclude`` belong to other takes."""
        return None

    async def aclose(self) -> None:
        await self.http.aclose()
