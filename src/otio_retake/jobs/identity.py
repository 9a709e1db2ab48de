"""A job's identity: one key for everything that decides what a host would make, used everywhere.

The key is a hash of the excerpt's fingerprint (every source frame under the
window: file, size, modification time, source frame and record position; the
rate; the host limits that shape the encode), the request (prompt, seed(s)
and whether a seed is sent at all, mode, section, window), the host, its
model, its endpoint and any host parameters, and the range and take letter(s).

Every file a job writes is named by it (``excerpts/..._<excerpt key>.mp4``,
``results/..._<job key>.mp4``) and the journal row is keyed by it, so a file
made for another request can never stand in for this one. A team journal
(shared between machines) can rely on it being unique per job: two rows with
one key are the same request, and two different requests never share one.
Changing the fields below changes every key: bump ``VERSION`` when the
meaning of a field changes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

from ..model import RetakePlan
from ..providers.base import Limits
from ..timeline.segments import Segment

__all__ = ["VERSION", "JobIdentity", "excerpt_key", "job_identity", "idempotency_key", "legacy_key"]

VERSION = 2


def _digest(fields: dict) -> str:
    return hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()[:32]


def excerpt_key(segments: Iterable[Segment], rate, limits: Limits) -> str:
    """What decides the excerpt's bytes, without rendering it: the media under the window and the encode."""
    parts = []
    for seg in segments:
        if seg.media is None:
            parts.append(["gap", seg.record_in, seg.frames])
            continue
        stat = seg.media.path.stat()
        parts.append([str(seg.media.path), stat.st_size, stat.st_mtime_ns, seg.file_start, seg.record_in,
                      seg.frames, *([seg.speed] if seg.speed != 1 else [])])  # unchanged keys for real-time media
    encode = {"max_width": limits.max_width, "max_height": limits.max_height,
              "exact_resolutions": [list(r) for r in limits.exact_resolutions],
              "max_input_bytes": limits.max_input_bytes}
    return _digest({"v": VERSION, "segments": parts, "rate": str(rate), "encode": encode})


@dataclass(frozen=True)
class JobIdentity:
    key: str  # 32 hex digits: the journal's plan_key and the files' names
    excerpt: str  # the excerpt's key (shared by the takes of one window on one host's encode)

    @property
    def short(self) -> str:
        """Enough of the key for a file name (48 bits: collisions within one workspace are not a concern)."""
        return self.key[:12]


def job_identity(plans: list[RetakePlan], *, host: str, model: str, endpoint: str, seed_sent: bool,
                 host_params: dict, excerpt: str) -> JobIdentity:
    first = plans[0]
    rng = first.range
    fields = {
        "v": VERSION, "excerpt": excerpt, "host": host, "model": model, "endpoint": endpoint,
        "host_params": host_params, "range": rng.name, "track": rng.track_index,
        "takes": "".join(p.take_letter for p in plans),
        "seeds": [p.seed for p in plans] if seed_sent else None, "mode": rng.mode.value, "prompt": rng.prompt,
        "window": [first.context_in, first.context_out],
        "section": [str(first.section_start), str(first.section_duration)],
    }
    return JobIdentity(key=_digest(fields), excerpt=excerpt)


def idempotency_key(identity: JobIdentity, attempt: int) -> str:
    """The key sent to hosts that take one: the job's identity and the attempt (a new attempt is a new job)."""
    return hashlib.sha256(f"{identity.key}|attempt {attempt}".encode()).hexdigest()


def legacy_key(plans: list[RetakePlan], *, model: str, segments: Iterable[Segment]) -> str:
    """The key a journal written before job identities (otio-retake before identity VERSION 2) gave this job,
    computed exactly as it was, so such a journal's paid jobs are found again
    (``jobs.plan.JobPlanner.adopt_legacy``) instead of paid twice. Those jobs grouped a range's takes
    (``plans``) into one host job where the host had variations. Never used for a new row."""
    first = plans[0]
    parts = [first.range.name, "".join(p.take_letter for p in plans), first.provider, model,
             first.range.mode.value, first.range.prompt, str(first.seed), str(first.context_in),
             str(first.context_out), str(first.section_start), str(first.section_duration)]
    for seg in segments:
        if seg.media is None:
            parts.append(f"gap:{seg.record_in}:{seg.frames}")
            continue
        stat = seg.media.path.stat()
        parts.append(f"{seg.media.path}:{stat.st_size}:{stat.st_mtime_ns}:{seg.file_start}:{seg.record_in}:"
                     f"{seg.frames}")
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
