"""The run's folder: ``<timeline stem>.retake/`` beside the timeline unless told otherwise.

Everything a run makes lives here (excerpts, engine results, takes, the
journal); the editor's timeline and media are only ever read.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..model import RetakePlan

__all__ = ["Workspace", "slug"]


def slug(text: str, limit: int = 40) -> str:
    """A readable, file-name-safe form of a marker name, in any script ("空" stays "空"): letters and digits of
    any language are kept, everything a file system may refuse (/ \\ : * ? " < > | and controls) becomes "_".
    Only for people: every file also carries its job's identity, so two names with one slug never share a file."""
    text = unicodedata.normalize("NFC", text)  # macOS stores names decomposed: one form for one name
    cleaned = re.sub(r"_+", "_", "".join(c if c.isalnum() or c in "-." else "_" for c in text)).strip("._-")
    return cleaned[:limit].rstrip("._-") or "range"


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

    # Excerpts, results and takes carry the job's identity (jobs/identity.py) in their names, so a file made for
    # another request (an edited prompt, seed, mode, host, media) is never taken for this one, and a take an
    # earlier output points at is never written over by another request's.
    def excerpt_path(self, plan: RetakePlan, key: str) -> Path:
        return self.excerpts / f"{slug(plan.range.name)}_{plan.context_in}-{plan.context_out}_{key}.mp4"

    def result_path(self, plan: RetakePlan, key: str) -> Path:
        return self.results / f"{slug(plan.range.name)}_take{plan.take_letter}_{plan.provider}_{key}.mp4"

    def take_path(self, plan: RetakePlan, key: str, audio_only: bool, suffix: str = ".mp4") -> Path:
        """``takes/<range>_take<A>_<key>`` + ``.wav`` for sound-only takes, else the codec's container suffix;
        ``key`` names the job and the way the take was cut (runner.py)."""
        return self.takes / (f"{slug(plan.range.name)}_take{plan.take_letter}_{key}"
                             f"{'.wav' if audio_only else suffix}")
