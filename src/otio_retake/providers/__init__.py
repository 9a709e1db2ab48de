"""Engines that make takes: the offline preview and the hosted LTX-2 Retake APIs."""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from .base import Limits, Provider
from .preview import PREVIEW_LIMITS, PreviewProvider

__all__ = ["provider_names", "provider_limits", "make_provider"]

_LIMITS: dict[str, Limits] = {"preview": PREVIEW_LIMITS}


def provider_names() -> list[str]:
    return list(_LIMITS)


def provider_limits(name: str) -> Limits:
    try:
        return _LIMITS[name]
    except KeyError:
        raise InputError(f"unknown provider '{name}'", hint="choose one of: " + ", ".join(provider_names())) from None


def make_provider(name: str, *, results_dir: Path) -> Provider:
    provider_limits(name)  # unknown names fail with the list of known ones
    return PreviewProvider(results_dir)
