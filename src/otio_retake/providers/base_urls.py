"""``--base-url [HOST=]URL``: where a host's API calls go instead (an emulator, a proxy), checked before any work."""

from __future__ import annotations

from ..errors import InputError
from . import HOSTS

__all__ = ["parse_base_urls"]


def parse_base_urls(values: list[str] | tuple[str, ...], default_provider: str) -> dict[str, str]:
    """``URL`` (for the run's provider) or ``HOST=URL`` (for one host), repeatable. A host name we do not know
    or a value that is not an http(s) URL is refused: ignored, it would send the paid requests (and the key)
    to the real host instead of the emulator or proxy meant."""
    urls = {}
    for value in values or ():
        head, sep, tail = value.partition("=")
        if sep and "://" not in head:
            host, url = head.strip(), tail.strip()
            if host not in HOSTS:
                raise InputError(f"--base-url {value}: no host is called '{host}'",
                                 hint="the hosts are " + ", ".join(HOSTS) + " (HOST=URL); or give the URL alone "
                                      "for the run's provider")
        else:
            host, url = default_provider, value.strip()
        urls[host] = _checked_base_url(value, url)
    return urls


def _checked_base_url(value: str, url: str) -> str:
    from urllib.parse import urlsplit
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InputError(f"--base-url {value}: '{url}' is not an http:// or https:// URL",
                         hint="e.g. --base-url http://127.0.0.1:8765 or --base-url fal=http://127.0.0.1:8765")
    return url
