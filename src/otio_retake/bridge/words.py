"""A run's steps as an editor would say them: the panel's words for the bridge's runs and the command line's."""

from __future__ import annotations

__all__ = ["words_for"]


def words_for(kind: str, detail: dict, host: str) -> str:
    """A step as an editor would say it."""
    if kind == "queued":
        position = detail.get("position")
        return f"waiting in {host}'s queue" + (f" (position {position})" if position is not None else "")
    if kind == "failed":
        return f"failed: {detail.get('reason', 'the host gave no reason')}"
    if kind == "running" and detail.get("progress") is not None:
        return f"being generated ({detail['progress']:.0%})"
    return {"excerpt": "preparing the picture around the range", "upload": f"sending the clip to {host}",
            "submit": f"asking {host} for the take", "running": "being generated", "download": "fetching the result",
            "splice": "fitting the take into the cut", "done": "ready", "reused": "already made earlier: reused",
            "planned": "waiting its turn", "cancelled": "cancelled", "expired": f"its result expired at {host}",
            "end": "finished"}.get(kind, kind)
