"""RetakePlans -> Takes: excerpt, upload, submit, poll, download, splice, for every plan.

One asyncio loop drives all jobs; excerpt rendering and splicing run in
worker threads so that polling never stalls. At most ``concurrency`` jobs
are in flight (the host's own limit by default). Every check that can fail
without spending anything (missing media, edits we cannot render) runs for
all plans before the first upload.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import opentimelineio as otio

from ..errors import JobFailedError, MissingMediaError
from ..media.excerpt import ExcerptInfo, render_excerpt
from ..media.splice import splice_take
from ..model import RetakePlan, Take
from ..paths import path_to_url
from ..providers.base import Cancelled, Failed, Provider, Queued, RetakeRequest, Succeeded
from ..timeline.info import timeline_rate
from ..timeline.relink import MediaResolver
from ..timeline.segments import Segment, segments_for
from .workspace import Workspace

__all__ = ["Runner", "ProgressEvent", "idempotency_key", "DEFAULT_HANDLES"]

DEFAULT_HANDLES = 12  # half a second at 24 fps: room to trim a cut without re-generating


@dataclass(frozen=True)
class ProgressEvent:
    """One step of one job, for terminals, the GUI and the bridge."""

    kind: str  # excerpt, upload, submit, queued, running, download, splice, done, failed
    range_name: str
    take: str
    elapsed: float
    detail: dict = field(default_factory=dict)


class Runner:
    def __init__(self, timeline: otio.schema.Timeline, resolver: MediaResolver, provider: Provider,
                 workspace: Workspace, *, handles: int = DEFAULT_HANDLES, concurrency: int | None = None,
                 poll_interval: float | None = None,
                 on_event: Callable[[ProgressEvent], None] | None = None) -> None:
        self.timeline = timeline
        self.resolver = resolver
        self.provider = provider
        self.workspace = workspace
        self.handles = handles
        self.concurrency = concurrency or provider.limits.max_concurrent
        self.poll_interval = poll_interval if poll_interval is not None else getattr(provider, "poll_seconds", 1.0)
        self.on_event = on_event or (lambda event: None)
        self.rate = timeline_rate(timeline)
        self._started = time.monotonic()
        self._excerpts: dict[tuple, asyncio.Task[ExcerptInfo]] = {}

    def segments(self, plan: RetakePlan) -> list[Segment]:
        rng = plan.range
        return segments_for(self.timeline, rng.track_index, plan.context_in, plan.context_out, self.rate,
                            self.resolver, range_name=rng.name)

    def check(self, plans: list[RetakePlan]) -> None:
        """Refuse before spending anything: every window must map to media on this machine."""
        missing: dict[str, list[str]] = {}
        for plan in plans:
            for seg in self.segments(plan):
                if seg.missing:
                    missing.setdefault(seg.missing, []).append(plan.range.name)
        if missing:
            raise MissingMediaError(
                f"{len(missing)} media file(s) needed by the marked ranges cannot be found:",
                missing=[f"{what} (needed by {', '.join(sorted(set(names)))})" for what, names in missing.items()],
                hint="point at the media with --media-dir DIR (repeatable); `otio-retake relink` lists what is found")

    def run(self, plans: list[RetakePlan]) -> list[Take]:
        self.check(plans)
        self.workspace.create()
        return asyncio.run(self._run_all(plans))

    def jobs_for(self, plans: list[RetakePlan]) -> list[list[RetakePlan]]:
        """Takes grouped into jobs: one job makes several takes of a range where the host has variations."""
        per_job = max(1, self.provider.limits.max_variations)
        groups: dict[tuple, list[RetakePlan]] = {}
        for plan in plans:
            groups.setdefault((plan.range.name, plan.context_in, plan.context_out), []).append(plan)
        jobs = []
        for group in groups.values():
            group.sort(key=lambda p: p.take_index)
            jobs += [group[i:i + per_job] for i in range(0, len(group), per_job)]
        return jobs

    async def _run_all(self, plans: list[RetakePlan]) -> list[Take]:
        gate = asyncio.Semaphore(self.concurrency)

        async def one(job: list[RetakePlan]) -> list[Take]:
            async with gate:
                return await self.run_job(job)

        try:
            done = await asyncio.gather(*(one(job) for job in self.jobs_for(plans)))
        finally:
            await self.provider.aclose()
        takes = [take for job in done for take in job]
        order = {(p.range.name, p.take_index): i for i, p in enumerate(plans)}
        return sorted(takes, key=lambda t: order[(t.range.name, t.plan.take_index)])

    def _emit(self, kind: str, plan: RetakePlan, **detail) -> None:
        self.on_event(ProgressEvent(kind, plan.range.name, plan.take_letter, time.monotonic() - self._started, detail))

    async def _excerpt(self, plan: RetakePlan) -> ExcerptInfo:
        key = (plan.range.name, plan.context_in, plan.context_out)
        if key not in self._excerpts:  # takes of one range share one excerpt
            self._emit("excerpt", plan, frames=plan.context_frames)
            limits = self.provider.limits
            self._excerpts[key] = asyncio.ensure_future(asyncio.to_thread(
                render_excerpt, self.segments(plan), self.workspace.excerpt_path(plan), rate=self.rate,
                max_width=limits.max_width, max_height=limits.max_height))
        return await self._excerpts[key]

    def request_for(self, plans: list[RetakePlan], video: str, excerpt: ExcerptInfo) -> RetakeRequest:
        first = plans[0]
        rng = first.range
        return RetakeRequest(video=video, start_seconds=float(first.section_start),
                             duration_seconds=float(first.section_duration), prompt=rng.prompt, mode=rng.mode,
                             seed=first.seed, variations=len(plans), input_seconds=first.context_seconds,
                             idempotency_key=idempotency_key(self.provider, first, excerpt.path, len(plans)))

    async def run_job(self, plans: list[RetakePlan]) -> list[Take]:
        """One job at the host for one or more takes of a range."""
        first = plans[0]
        rng = first.range
        excerpt = await self._excerpt(first)
        self._emit("upload", first)
        video_ref = await self.provider.upload(excerpt.path)
        request = self.request_for(plans, video_ref, excerpt)
        self._emit("submit", first, takes=len(plans))
        handle = await self.provider.submit(request)
        status = await self.provider.poll(handle)
        while not isinstance(status, (Succeeded, Failed, Cancelled)):
            kind = "queued" if isinstance(status, Queued) else "running"
            self._emit(kind, first, position=getattr(status, "position", None), job_id=handle.job_id)
            await asyncio.sleep(self.poll_interval)
            status = await self.provider.poll(handle)
        if isinstance(status, Failed):
            self._emit("failed", first, reason=status.reason)
            raise JobFailedError(f"range '{rng.name}' take {first.take_letter}: the {self.provider.name} job "
                                 f"{handle.job_id} failed: {status.reason}")
        if isinstance(status, Cancelled):
            raise JobFailedError(f"range '{rng.name}' take {first.take_letter}: job {handle.job_id} was cancelled")
        if len(status.result_urls) < len(plans):
            raise JobFailedError(f"range '{rng.name}': the {self.provider.name} job {handle.job_id} returned "
                                 f"{len(status.result_urls)} result(s) for {len(plans)} take(s)")
        cost = status.cost_usd / len(plans) if status.cost_usd is not None else None
        return [await self._finish(plan, status, index, handle.job_id, excerpt, cost)
                for index, plan in enumerate(plans)]

    async def _finish(self, plan: RetakePlan, status: Succeeded, index: int, job_id: str, excerpt: ExcerptInfo,
                      cost: float | None) -> Take:
        rng = plan.range
        self._emit("download", plan)
        result_path = await self.provider.download(status, self.workspace.result_path(plan), index=index)
        self._emit("splice", plan)
        audio_only = not rng.mode.has_video
        take_path = self.workspace.take_path(plan, audio_only)
        head, tail, check = await asyncio.to_thread(
            splice_take, plan, excerpt=excerpt.path, result=result_path, dest=take_path,
            handles=self.handles, audio_only=audio_only)
        take = Take(plan=plan, path=str(take_path), head=head, tail=tail, has_video=not audio_only,
                    has_audio=True, metadata={
                        "job_id": job_id, "host": self.provider.name, "model": self.provider.model,
                        "cost_usd": cost if cost is not None else plan.cost_usd,
                        "cost_reported": cost is not None,
                        "excerpt": path_to_url(excerpt.path), "result": path_to_url(result_path),
                        "checks": check.as_metadata(), "held_source_frames": excerpt.held_frames})
        self._emit("done", plan, take=str(take_path), context_match=check.context_match)
        return take


def idempotency_key(provider: Provider, plan: RetakePlan, excerpt: Path, variations: int) -> str:
    """Same request, same key: host, model, mode, prompt, seed, section, and the excerpt's content."""
    digest = hashlib.sha256()
    with open(excerpt, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    rng = plan.range
    fields = [provider.name, provider.model, rng.mode.value, rng.prompt, str(plan.seed), str(variations),
              str(plan.section_start), str(plan.section_duration), digest.hexdigest()]
    return hashlib.sha256("\x1f".join(fields).encode()).hexdigest()
