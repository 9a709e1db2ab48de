"""The run's folder: ``<timeline stem>.retake/`` beside the timeline unless told otherwise.

Everything a run makes lives here (excerpts, engine results, takes, the
journal); the editor's timeline and media are only ever read.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..model import RetakePlan

__all__ = ["Workspace", "slug"]


def slug(text: str, limit: int = 40) -> str:
    """A file-name-safe form of a marker name."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "range"
    return cleaned[:limit]


@dataclass(frozen=True)
class Workspace:
    root: Path

    @classmethod
    def for_timeline(cls, timeline_path: Path, override: Path | None = None) -> Workspace:
        root = override if override is not None else timeline_path.with_name(timeline_path.stem + ".retake")
        return cls(Path(root).resolve())

    def check_writable(self) -> None:
        """Refuse a workspace that cannot be made or written before anything is paid for."""
        folder = self.root
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        if not folder.is_dir():
            raise InputError(f"workspace {self.root}: {folder} is a file, not a folder",
                             hint="choose another --workspace")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise InputError(f"workspace {self.root}: {folder} cannot be written to (permission denied)",
                             hint="choose a --workspace folder you can write in")

    def create(self) -> Workspace:
        for sub in ("excerpts", "results", "takes"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        return self

    @property
    def excerpts(self) -> Path:
        return self.root / "excerpts"

    @property
    def results(self) -> Path:
        return self.root / "results"

    @property
    def takes(self) -> Path:
        return self.root / "takes"

    # Excerpts and results carry the job's identity (jobs/identity.py) in their names, so a file made for
    # another request (an edited prompt, seed, mode, host, media) is never taken for this one.
    def excerpt_path(self, plan: RetakePlan, key: str) -> Path:
        return self.excerpts / f"{slug(plan.range.name)}_{plan.context_in}-{plan.context_out}_{key}.mp4"

    def result_path(self, plan: RetakePlan, key: str) -> Path:
        return self.results / f"{slug(plan.range.name)}_take{plan.take_letter}_{plan.provider}_{key}.mp4"

    def take_path(self, plan: RetakePlan, audio_only: bool, suffix: str = ".mp4") -> Path:
        """``takes/<range>_take<A>`` + ``.wav`` for sound-only takes, else the codec's container suffix."""
        return self.takes / f"{slug(plan.range.name)}_take{plan.take_letter}{'.wav' if audio_only else suffix}"
