"""Engines that make takes: the offline preview and the hosted LTX-2 Retake APIs.

``make_provider`` builds one by name; a hosted one needs its key, from the
host's usual environment variable or the OS keyring (service ``otio-retake``,
user = the host name). Keys are never printed: ``key_source`` says only where
a key was found.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..errors import InputError, MissingKeyError, UnusableKeyError
from .base import Limits, Provider
from .comfyui import ComfyUIProvider
from .fal import FalProvider
from .gmi import GmiProvider
from .hosted import HostedProvider
from .ltx_local import LTX_LOCAL_LIMITS, LtxLocalProvider
from .ltx import LtxProvider
from .oxen import OxenLtx2Provider, OxenProvider
from .preview import PREVIEW_LIMITS, PreviewProvider
from .replicate import ReplicateProvider
from .runware import RunwareProvider
from .wavespeed import WaveSpeedProvider

__all__ = ["HOSTS", "provider_names", "provider_limits", "accepts_seed", "make_provider", "find_key", "key_source",
           "KEYRING_SERVICE"]

KEYRING_SERVICE = "otio-retake"
HOSTS: dict[str, type[HostedProvider]] = {
    "ltx": LtxProvider, "fal": FalProvider, "wavespeed": WaveSpeedProvider, "runware": RunwareProvider,
    "gmi": GmiProvider, "oxen": OxenProvider, "oxen-ltx2": OxenLtx2Provider, "replicate": ReplicateProvider,
    "comfyui": ComfyUIProvider,  # a studio's own server: no key (needs_key False)
}
WORKFLOW_ENV = "OTIO_RETAKE_COMFYUI_WORKFLOW"  # --workflow's default: a studio's own ComfyUI graph


LOCAL = {"ltx-local": LtxLocalProvider}  # engines in this process on this machine's GPU (no HTTP, no key)


def provider_names() -> list[str]:
    return ["preview", *HOSTS, *LOCAL]


def accepts_seed(name: str) -> bool:
    """Whether a host's API takes a seed (documented); elsewhere none is sent, so none is listed."""
    provider_limits(name)  # unknown names fail with the list of known ones
    if name in LOCAL:
        return LOCAL[name].accepts_seed
    return PreviewProvider.accepts_seed if name == "preview" else HOSTS[name].accepts_seed


def provider_limits(name: str) -> Limits:
    if name == "preview":
        return PREVIEW_LIMITS
    if name in LOCAL:
        return LOCAL[name].limits
    try:
        return HOSTS[name].limits
    except KeyError:
        raise InputError(f"unknown provider '{name}'", hint="choose one of: " + ", ".join(provider_names())) from None


def _keyring_key(name: str) -> str | None:
    try:
        import keyring
        return keyring.get_password(KEYRING_SERVICE, name)
    except Exception:  # no keyring backend on this machine: the environment is the only source
        return None


def find_key(name: str) -> str | None:
    if name in LOCAL:
        return ""
    cls = HOSTS[name]
    if not getattr(cls, "needs_key", True):
        return ""
    return os.environ.get(cls.key_env) or _keyring_key(name)


def key_source(name: str) -> str | None:
    """Where the key for a host comes from ("env LTX_API_KEY", "keyring"), never the key."""
    if name == "preview" or name in LOCAL or not getattr(HOSTS[name], "needs_key", True):
        return "not needed"
    cls = HOSTS[name]
    key, where = os.environ.get(cls.key_env), f"env {cls.key_env}"
    if not key:
        key, where = _keyring_key(name), "keyring"
    if not key:
        return None
    problem = _key_problem(key)  # said before a run, which refuses it
    return where if problem is None else f"{where}, unusable: it holds {problem}"


def make_provider(name: str, *, results_dir: Path, base_url: str | None = None, **options) -> Provider:
    provider_limits(name)  # unknown names fail with the list of known ones
    if name == "preview":
        return PreviewProvider(results_dir)  # local: no HTTP options apply
    if name in LOCAL:  # this machine's GPU: its options are the weights (or their environment variables)
        return LOCAL[name](results_dir, **{k: v for k, v in options.items()
                                           if k in ("checkpoint", "gemma_root", "library")})
    if not getattr(HOSTS[name], "needs_key", True):  # a studio's own server
        if name == "comfyui" and "workflow" not in options and os.environ.get(WORKFLOW_ENV):
            options["workflow"] = Path(os.environ[WORKFLOW_ENV])
        return HOSTS[name]("", base_url=base_url, **options)
    key = find_key(name)
    if not key:
        cls = HOSTS[name]
        raise MissingKeyError(
            f"no API key for {name}",
            hint=f"set {cls.key_env}, or store it with `keyring set {KEYRING_SERVICE} {name}`")
    _check_key(name, key)
    return HOSTS[name](key, base_url=base_url, **options)


# What a key may hold to go into an Authorization header as it is: visible ASCII. A trailing CR or newline (a key
# pasted from a Windows file), a space or a non-ASCII character would make httpx fail later with the header,
# key included, in its message.
_KEY_CHARACTERS = re.compile(r"[\x21-\x7e]+")


def _key_problem(key: str) -> str | None:
    """What in ``key`` an HTTP header cannot carry, in words (never the key), or None."""
    if _KEY_CHARACTERS.fullmatch(key):
        return None
    found = [what for what, bad in (("a carriage return", "\r" in key), ("a newline", "\n" in key),
                                    ("a space or tab", any(c in key for c in " \t")),
                                    ("a non-ASCII character", any(ord(c) > 0x7f for c in key)))
             if bad] or ["a control character"]
    return " and ".join(found)


def _check_key(name: str, key: str) -> None:
    problem = _key_problem(key)
    if problem is None:
        return
    cls = HOSTS[name]
    where = cls.key_env if os.environ.get(cls.key_env) else f"the keyring entry '{KEYRING_SERVICE} {name}'"
    raise UnusableKeyError(
        f"the {name} API key in {where} holds {problem}, which an HTTP header cannot carry",
        hint=f"set {where} again to the key alone, as the host's dashboard shows it (no quotes, spaces or line "
             "ends)")
