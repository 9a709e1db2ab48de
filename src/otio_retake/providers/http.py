"""One async HTTP layer for every host: timeouts, retries, ``Retry-After``, error mapping, safe downloads.

Who retries what::

    request kind          connection refused   timeout / dropped   429   503, 529   500, 502, 504
    read (GET, PUT, ...)  retry                retry               retry retry      retry
    paid submit (POST)    retry (never sent)   UNKNOWN: raise      retry retry      UNKNOWN: raise

A submit is retried only when the host certainly did not take it: the
connection was never made, or the host said "not now" (429, 503 / 529
overloaded). A dropped connection, a timeout, or a 500 / 502 / 504 (an
error inside the host or a gateway in front of it, after the job may have been
queued) raises ``SubmitOutcomeUnknownError`` so that the journal, not a blind
retry, decides (a paid job must never run twice). Delays are exponential with full jitter,
or what ``Retry-After`` asks for when the host sends it.

Errors: every host's error body becomes one of the ``HostError`` types with the
host's own message; the API key is removed from anything we raise or log.
"""

from __future__ import annotations

import asyncio
import email.utils
import functools
import logging
import random
import ssl
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

from ..errors import (
    AuthenticationError,
    ContentRejectedError,
    DownloadError,
    HostError,
    HostUnavailableError,
    InsufficientCreditsError,
    InvalidRequestError,
    RateLimitedError,
    ResultExpiredError,
    SubmitOutcomeUnknownError,
)

__all__ = ["RetryPolicy", "backoff_delay", "retry_after_seconds", "retry_submit_on_status", "retry_read_on_status",
           "HostHttp", "error_message", "redact"]
from ..paths import partial_path, replace_durably

log = logging.getLogger("otio_retake.http")

READ_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 529})
# A host that answers 429, 503 or 529 did not take the job: safe to send again.
SUBMIT_RETRY_STATUSES = frozenset({429, 503, 529})
# A submit answered 500, 502 or 504 may or may not have started a job.
SUBMIT_UNKNOWN_STATUSES = frozenset({500, 502, 504})


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_retry_after: float = 120.0  # a host asking for longer than this is treated as down


def backoff_delay(attempt: int, policy: RetryPolicy, rng: random.Random | None = None) -> float:
    """Exponential backoff with full jitter: uniform in [0, min(max, base * 2**attempt)]."""
    ceiling = min(policy.max_delay, policy.base_delay * (2 ** attempt))
    return (rng or random).uniform(0, ceiling)


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta seconds or an HTTP date); None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def retry_read_on_status(status: int) -> bool:
    return status in READ_RETRY_STATUSES


def retry_submit_on_status(status: int) -> bool:
    return status in SUBMIT_RETRY_STATUSES


def redact(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


def error_message(response: httpx.Response) -> str:
    """The host's own words, from whichever of the hosts' error shapes the body has."""
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()
        return text[:300] or response.reason_phrase
    if isinstance(body, Mapping):
        error = body.get("error")
        if isinstance(error, Mapping) and error.get("message"):
            return str(error["message"])
        if isinstance(error, str) and error:
            return error
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], Mapping):
            return "; ".join(str(e.get("message", e)) for e in errors)
        detail = body.get("detail")
        if isinstance(detail, list):
            return "; ".join(_detail_item(d) for d in detail)
        if detail:
            return str(detail)
        for key in ("message", "error_message", "title", "status"):  # fal's cancel: {"status": "NOT_FOUND"}
            if body.get(key):
                return str(body[key])
    return str(body)[:300]


def _detail_item(item) -> str:
    """One of a ``detail`` array's errors: ``loc: msg``, or the message alone where it has no location (a model
    error such as fal's ``{"msg": ..., "type": "model_error"}``)."""
    if not isinstance(item, Mapping):
        return str(item)
    where = ".".join(map(str, item.get("loc") or []))
    message = str(item.get("msg", item))
    return f"{where}: {message}" if where else message


def _error_type(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    if isinstance(body, Mapping) and isinstance(body.get("error"), Mapping):
        return str(body["error"].get("type", ""))
    return ""


@functools.lru_cache(maxsize=1)
def _tls() -> ssl.SSLContext:
    """One TLS context (httpx's default: certifi's bundle, or SSL_CERT_FILE/SSL_CERT_DIR) for every client of the
    process: building one loads the CA bundle, about 0.2 s of CPU, and a worker makes clients job after job."""
    return httpx.create_ssl_context()


KEEP_ALIVE = 6  # idle connections kept open to a host, per client


class HostHttp:
    """The HTTP side of one host: auth header, retries, error mapping, downloads."""

    def __init__(self, host: str, *, headers: Mapping[str, str], secrets: tuple[str, ...] = (),
                 transport: httpx.AsyncBaseTransport | None = None, timeout: float = 60.0,
                 policy: RetryPolicy = RetryPolicy(), sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 on_rate_limited: Callable[[float], None] | None = None) -> None:
        self.host = host
        self.secrets = secrets
        self.policy = policy
        self.sleep = sleep
        self.on_rate_limited = on_rate_limited
        timeouts = httpx.Timeout(timeout, connect=10.0)
        # httpcore looks over every pooled connection on each request, some checks once per pair of them: with
        # its default 20 kept open, a request costs about twice what it does with a few. Dozens of jobs polling
        # seldom have more than a few requests in flight at once.
        limits = httpx.Limits(max_keepalive_connections=KEEP_ALIVE)
        self.client = httpx.AsyncClient(headers=dict(headers), transport=transport, timeout=timeouts, limits=limits,
                                        verify=_tls())
        # Presigned upload URLs and result CDNs get no Authorization header: the key goes to the API only.
        self.anon = httpx.AsyncClient(transport=transport, timeout=timeouts, limits=limits, follow_redirects=True,
                                      verify=_tls())
        self._rng = random.Random()

    async def aclose(self) -> None:
        await self.client.aclose()
        await self.anon.aclose()

    def error_for(self, response: httpx.Response, *, not_found: type[HostError] = InvalidRequestError) -> HostError:
        status = response.status_code
        message = redact(error_message(response), self.secrets)
        kind = _error_type(response)
        rid = response.headers.get("x-request-id")
        kw = {"host": self.host, "status": status, "request_id": rid}
        if status in (401, 403):
            return AuthenticationError(message, hint=f"check the API key for {self.host}", **kw)
        if status == 402:
            return InsufficientCreditsError(message, hint=f"add credits to your {self.host} account", **kw)
        if status == 422 and (kind == "content_filtered_error" or "safety" in message.lower()
                              or "content" in kind or "nsfw" in message.lower()):
            return ContentRejectedError(message, hint="rephrase the prompt or change the range", **kw)
        if status == 429:
            return RateLimitedError(message, retry_after=retry_after_seconds(response.headers.get("retry-after")), **kw)
        if status in (404, 410):  # 410 Gone: a result URL past its retention
            return not_found(message, **kw)
        if status >= 500:
            return HostUnavailableError(message, hint="the host is having trouble; run again later to resume", **kw)
        return InvalidRequestError(message, **kw)

    async def request(self, method: str, url: str, *, paid: bool = False, ok: tuple[int, ...] = (200, 201, 202),
                      not_found: type[HostError] = InvalidRequestError, auth: bool = True, **kwargs) -> httpx.Response:
        """Send with the retry rules above; ``paid=True`` for a request that starts a billed job,
        ``auth=False`` for URLs outside the host's API (presigned uploads)."""
        last: HostError | None = None
        client = self.client if auth else self.anon
        for attempt in range(self.policy.attempts):
            try:
                response = await client.request(method, url, **kwargs)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                last = HostUnavailableError(f"cannot connect: {redact(str(exc), self.secrets) or type(exc).__name__}",
                                            host=self.host)
                await self._pause(attempt, None)
                continue
            except httpx.TransportError as exc:  # sent, but the answer was lost
                detail = redact(str(exc), self.secrets) or type(exc).__name__
                if paid:
                    raise SubmitOutcomeUnknownError(
                        f"the connection failed after the request was sent ({detail}); the job may have started",
                        host=self.host, hint="run the same command again: the journal resolves it without paying twice"
                    ) from None
                last = HostUnavailableError(f"connection lost: {detail}", host=self.host)
                await self._pause(attempt, None)
                continue
            if response.status_code in ok:
                return response
            error = self.error_for(response, not_found=not_found)
            if paid and response.status_code in SUBMIT_UNKNOWN_STATUSES:
                raise SubmitOutcomeUnknownError(
                    f"the submit was answered HTTP {response.status_code} "
                    f"({redact(error_message(response), self.secrets)}); the job may have "
                    f"started", host=self.host, status=response.status_code, request_id=error.request_id,
                    hint="run the same command again: the journal looks the job up at the host before "
                         "paying again (or asks for --resubmit-unknown where the host cannot be asked)")
            retry = retry_submit_on_status if paid else retry_read_on_status
            if not retry(response.status_code):
                raise error
            last = error
            wait = retry_after_seconds(response.headers.get("retry-after"))
            if wait is not None and wait > self.policy.max_retry_after:
                raise error
            if response.status_code == 429 and self.on_rate_limited is not None:
                self.on_rate_limited(wait if wait is not None else backoff_delay(attempt, self.policy, self._rng))
            log.info("%s %s -> %s, retrying (attempt %d)", self.host, method, response.status_code, attempt + 1)
            await self._pause(attempt, wait)
        assert last is not None
        raise last

    async def _pause(self, attempt: int, retry_after: float | None) -> None:
        if attempt + 1 >= self.policy.attempts:
            return
        await self.sleep(retry_after if retry_after is not None else backoff_delay(attempt, self.policy, self._rng))

    async def download(self, url: str, dest: Path, *, verify: Callable[[Path], None] | None = None,
                       headers: Mapping[str, str] | None = None) -> Path:
        """Stream ``url`` to a temporary file, check its size and content, then rename it to ``dest``."""
        dest.parent.mkdir(parents=True, exist_ok=True)
        partial = partial_path(dest)
        last: Exception | None = None
        for attempt in range(self.policy.attempts):
            try:
                async with self.anon.stream("GET", url, headers=headers) as response:
                    if response.status_code != 200:
                        await response.aread()
                        error = self.error_for(response, not_found=ResultExpiredError)
                        if not retry_read_on_status(response.status_code):
                            raise error
                        last = error
                        await self._pause(attempt, retry_after_seconds(response.headers.get("retry-after")))
                        continue
                    expected = int(response.headers.get("content-length") or 0) or None
                    written = 0
                    with partial.open("wb") as fh:
                        async for chunk in response.aiter_bytes(1 << 20):
                            fh.write(chunk)
                            written += len(chunk)
                if expected is not None and written != expected:
                    raise DownloadError(f"{self.host}: result download stopped at {written} of {expected} bytes")
                if written == 0:
                    raise DownloadError(f"{self.host}: the result is empty")
                if verify is not None:
                    verify(partial)
                replace_durably(partial, dest)
                return dest
            except (httpx.TransportError, DownloadError) as exc:
                last = exc if isinstance(exc, DownloadError) else DownloadError(
                    f"{self.host}: download interrupted ({redact(str(exc), self.secrets) or type(exc).__name__})")
                partial.unlink(missing_ok=True)
                await self._pause(attempt, None)
            finally:
                partial.unlink(missing_ok=True)
        raise last if isinstance(last, Exception) else DownloadError(f"{self.host}: download failed")
