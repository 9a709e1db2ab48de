"""A job's identity: one key for what was asked of a host, used everywhere.

The key is a hash of the excerpt's fingerprint (every frame under the window: the footage by its CONTENT, a
digest of the file's bytes (digests.py), never its path or modification time; the source time of each
segment's first frame, its length and its place in the window, not on the timeline; the rate; the host
limits that shape the encode), the request (prompt, seed(s) and whether a seed is sent at all, mode,
section, take letters), the host, its model, its endpoint and any host parameters.

Not in it: the range's name, its marker's place in any list, the track number, where the window sits on the
timeline (an edit earlier in the cut moves it, not what is sent), file paths, modification times. So renaming
a marker, adding markers, a ripple earlier in the cut, ``touch`` or a relink to a byte-identical copy never
pay again; changing the prompt, mode, seed, takes, the marked frames or the footage's frames does.

Every file a job writes is named by it (``excerpts/..._<excerpt key>.mp4``, ``results/..._<job key>.mp4``,
``takes/..._<job key>.mp4``) and the journal row is keyed by it, so a file made for another request can never
stand in for this one. A team journal (shared between machines) can rely on it being unique per job: two
rows with one key are the same request, and two different requests never share one. Changing the fields
below changes every key: bump ``VERSION`` and keep the previous version's key computable (``v2_key``), so a
journal written before finds its paid jobs again (``jobs.plan.JobPlanner.adopt_legacy``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, replace

from ..model import MarkedRange, RetakePlan
from ..providers.base import Limits
from ..timeline.segments import Segment
from .digests import MediaDigests

__all__ = ["VERSION", "JobIdentity", "excerpt_key", "job_identity", "idempotency_key", "legacy_key", "v2_key",
           "as_before", "default_seed"]

VERSION = 3


def _digest(fields: dict) -> str:
    return hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()[:32]


def _encode(limits: Limits) -> dict:
    return {"max_width": limits.max_width, "max_height": limits.max_height,
            "exact_resolutions": [list(r) for r in limits.exact_resolutions], "max_input_bytes": limits.max_input_bytes}


def excerpt_key(segments: Iterable[Segment], rate, limits: Limits, digests: MediaDigests) -> str:
    """What decides the excerpt's bytes, without rendering it: the footage's content under the window, where
    each piece sits in the window, and the encode."""
    segments = list(segments)
    start = segments[0].record_in if segments else 0
    parts = []
    for seg in segments:
        if seg.media is None:
            parts.append(["gap", seg.record_in - start, seg.frames])
            continue
        parts.append([digests.of(seg.media.path), str(seg.file_start), seg.record_in - start, seg.frames,
                      str(seg.speed)])
    return _digest({"v": VERSION, "segments": parts, "rate": str(rate), "encode": _encode(limits)})


def default_seed(rng: MarkedRange) -> int:
    """A seed derived from the request and the marker it is for, so the same command asks for the same
    generation: not from the range's name (renaming a marker asks for nothing new) nor its record position
    (an edit earlier in the cut moves the marker, not what it asks for)."""
    digest = hashlib.sha256(f"{rng.marker_id}|{rng.prompt}|{rng.mode.value}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 2_000_000_000


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
        "host_params": host_params, "takes": "".join(p.take_letter for p in plans),
        # The marker's own id keeps two markers over the same frames with the same prompt two jobs (each range
        # gets its takes); it never changes with the marker's name or place among the others.
        "marker": rng.marker_id,
        "seeds": [p.seed for p in plans] if seed_sent else None, "mode": rng.mode.value, "prompt": rng.prompt,
        "window": first.context_out - first.context_in,
        "section": [str(first.section_start), str(first.section_duration)],
    }
    return JobIdentity(key=_digest(fields), excerpt=excerpt)


def idempotency_key(identity: JobIdentity, attempt: int) -> str:
    """The key sent to hosts that take one: the job's identity and the attempt (a new attempt is a new job)."""
    return hashlib.sha256(f"{identity.key}|attempt {attempt}".encode()).hexdigest()


def _legacy_seed(rng: MarkedRange) -> int:
    """The default seed before identity VERSION 3 (from the name and the record position)."""
    digest = hashlib.sha256(f"{rng.name}|{rng.prompt}|{rng.mode.value}|{rng.record_in}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 2_000_000_000


def as_before(plans: list[RetakePlan]) -> list[RetakePlan]:
    """The plans as an otio-retake before identity VERSION 3 saw them: the range under the name that version
    gave it (``MarkedRange.former_name``: the Premiere bridge's ``marker N``, ``sky (2)`` for a second ``sky``)
    and, without a ``seed:``, the seed that version derived from that name."""
    out = []
    for plan in plans:
        rng = plan.range
        old = replace(rng, name=rng.former_name or rng.name)
        seed = plan.seed if rng.seed is not None else _legacy_seed(old) + plan.take_index
        out.append(replace(plan, range=old, seed=seed))
    return out


def v2_key(plans: list[RetakePlan], *, host: str, model: str, endpoint: str, seed_sent: bool, host_params: dict,
           segments: Iterable[Segment], rate, limits: Limits) -> str:
    """The key identity VERSION 2 gave this job (``plans`` as ``as_before`` gives them), computed exactly as it
    was, so that version's paid jobs are found again, never paid twice. Never used for a new row."""
    parts = []
    for seg in segments:
        if seg.media is None:
            parts.append(["gap", seg.record_in, seg.frames])
            continue
        stat = seg.media.path.stat()
        parts.append([str(seg.media.path), stat.st_size, stat.st_mtime_ns, seg.file_start, seg.record_in,
                      seg.frames, *([seg.speed] if seg.speed != 1 else [])])
    excerpt = _digest({"v": 2, "segments": parts, "rate": str(rate), "encode": _encode(limits)})
    first = plans[0]
    rng = first.range
    return _digest({
        "v": 2, "excerpt": excerpt, "host": host, "model": model, "endpoint": endpoint,
        "host_params": host_params, "range": rng.name, "track": rng.track_index,
        "takes": "".join(p.take_letter for p in plans),
        "seeds": [p.seed for p in plans] if seed_sent else None, "mode": rng.mode.value, "prompt": rng.prompt,
        "window": [first.context_in, first.context_out],
        "section": [str(first.section_start), str(first.section_duration)],
    })


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
