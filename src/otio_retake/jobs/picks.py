"""The editor's picks, kept in the workspace: which take (or the original) goes into the cut per range.

``<workspace>/picks.json`` is written atomically by the review window and read
by ``conform`` when no ``--pick`` is given. A range picked as the original is
stored as ``null`` so that "keep the original" is a decision, not a gap.
"""

from __future__ import annotations

import json
from pathlib import Path

import opentimelineio as otio

from ..errors import InputError
from ..paths import atomic_write
from ..timeline.conform import available_takes
from ..timeline.info import NAMESPACE

__all__ = ["PICKS_NAME", "read_picks", "write_picks", "find_picks"]

PICKS_NAME = "picks.json"


def read_picks(root: str | Path) -> dict[str, str | None]:
    path = Path(root) / PICKS_NAME
    if not path.exists():
        return {}
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        picks = body["picks"]
        return {str(name): (str(letter) if letter else None) for name, letter in picks.items()}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InputError(f"{path}: not a picks file otio-retake can read ({exc})",
                         hint="pick the takes again in `otio-retake studio`, or pass --pick NAME=LETTER") from None


def write_picks(root: str | Path, picks: dict[str, str | None]) -> Path:
    path = Path(root) / PICKS_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, json.dumps({"picks": dict(sorted(picks.items()))}, indent=2))  # old picks or new, never half
    return path


def find_picks(timeline: otio.schema.Timeline) -> tuple[Path | None, dict[str, str | None]]:
    """The picks file of the workspace a timeline's takes live in (named in its metadata, or above the take
    files), and its picks; (None, {}) when there is none."""
    roots = []
    declared = timeline.metadata.get(NAMESPACE, {}).get("workspace") if timeline.metadata else None
    if declared:
        roots.append(Path(str(declared)))
    for take in available_takes(timeline):
        take_file = take.clip.metadata.get(NAMESPACE, {}).get("take_file")
        if take_file:
            roots += list(Path(str(take_file)).parents)[:2]  # takes/<file> sits in the workspace folder
    for root in dict.fromkeys(roots):
        if (root / PICKS_NAME).exists():
            return root / PICKS_NAME, read_picks(root)
    return None, {}
