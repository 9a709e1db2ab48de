"""``otio-retake doctor HOST --probe``: one small paid request that checks what no host document confirms.

docs/hosts.md lists, per host, the guesses the client and its emulator rest
on without a document saying so (a status word, where the result is, whether
a field is honoured, what the price is counted on). The probe sends the
smallest billable request a user can make with their own key (a generated
73-frame clip, the shortest section the host allows), records every answer
the host gives, and judges each guess: ``confirmed``, ``contradicted`` (exit
non-zero: the client or the emulator must change) or ``could not tell``.

What it costs is estimated the way the host bills (jobs/cost.py) and shown
before anything is sent; the caller asks the user. The key is only ever in the
provider's HTTP client: nothing here prints, logs or keeps it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

from ..errors import (DownloadError, HostError, InvalidRequestError, RetakeError, SubmitOutcomeUnknownError,
                      UnexpectedResponseError)
from ..media.decode import decode_all_frames
from ..media.probe import check_download
from ..media.testpattern import make_pattern_clip
from ..model import Mode
from ..providers import HOSTS, accepts_seed, provider_limits
from ..providers.base import Cancelled, Failed, Provider, RetakeRequest, Succeeded
from .cost import CostEstimate, estimate

__all__ = ["CONFIRMED", "CONTRADICTED", "UNKNOWN", "ProbeCheck", "ProbePlan", "ProbeReport", "probe_plan",
           "run_probe", "GUESSES"]

CONFIRMED, CONTRADICTED, UNKNOWN = "confirmed", "contradicted", "could not tell"
PROBE_FRAMES = 73  # the model's documented minimum input: the cheapest clip every host takes
PROBE_RATE = Fraction(24)
PROBE_SIZE = (512, 288)  # small, 16:9, multiples of 32: a host scales what it takes
PROBE_SEED = 20261201
PROMPT = "otio-retake probe: the same scene, slightly brighter"
# Mean absolute difference (0-255) per frame: below SAME a frame came back as sent (re-encoding moves a few
# levels), above CHANGED it was regenerated; in between the probe does not guess.
SAME, CHANGED = 6.0, 15.0

# Each host's status words as the client reads them (providers/<host>.py) and where its result is.
STATUS_WORDS = {
    "ltx": ("pending", "processing", "completed", "failed"),
    "fal": ("IN_QUEUE", "IN_PROGRESS", "COMPLETED"),
    "wavespeed": ("created", "processing", "completed", "failed"),
    "runware": ("processing", "success", "error", "(none: an item with videoURL)"),
    "gmi": ("queued", "processing", "success", "failed", "cancelled"),
    "oxen": ("queued", "processing", "succeeded", "failed", "cancelled"),
    "oxen-ltx2": ("queued", "processing", "succeeded", "failed", "cancelled"),
    "replicate": ("starting", "processing", "succeeded", "failed", "canceled"),
}
RESULT_AT = {"ltx": "result.video_url", "fal": "video.url (from response_url)", "wavespeed": "data.outputs[0]",
             "runware": "data[].videoURL", "gmi": "outcome.media_urls[0].url", "oxen": "result_url",
             "oxen-ltx2": "result_url", "replicate": "output"}
# Guesses the probe cannot settle for a few cents: listed so the table shows every unconfirmed guess.
NOT_PROBED = {
    "ltx": [("at most 2 generations at once", "not probed: it takes three paid jobs at once")],
    "gmi": [("section duration up to 16 s", "not probed: a long section costs more than a probe should")],
    "runware": [("one seed gives one picture (two tasks, one seed)", "not probed: it takes a second paid job")],
}


@dataclass(frozen=True)
class ProbeCheck:
    guess: str
    answered: str
    verdict: str  # CONFIRMED, CONTRADICTED or UNKNOWN


@dataclass(frozen=True)
class ProbePlan:
    host: str
    model: str
    frames: int
    rate: Fraction
    size: tuple[int, int]
    section_start: float
    section_duration: float
    seed: int | None
    cost: CostEstimate

    @property
    def clip_seconds(self) -> float:
        return float(self.frames / self.rate)

    def describe(self) -> str:
        return (f"one paid request to {self.host} ({self.model}): a {self.frames}-frame test clip "
                f"({self.size[0]}x{self.size[1]}, {self.clip_seconds:.2f} s) with a {self.section_duration:g} s "
                f"section at {self.section_start:g} s; about ${self.cost.usd:.2f} ({self.cost.describe()})")


@dataclass
class ProbeReport:
    plan: ProbePlan
    checks: list[ProbeCheck] = field(default_factory=list)
    job_id: str | None = None
    reported_usd: float | None = None

    @property
    def contradicted(self) -> list[ProbeCheck]:
        return [c for c in self.checks if c.verdict == CONTRADICTED]


def probe_plan(host: str, *, size: tuple[int, int] = PROBE_SIZE) -> ProbePlan:
    """The request the probe would send to ``host`` and what it costs, without sending anything (``size``:
    the test clip's, unless the host takes only exact sizes)."""
    limits = provider_limits(host)
    if host not in HOSTS:
        raise ValueError(f"{host} is not a hosted engine")
    size = limits.exact_resolutions[0] if limits.exact_resolutions else size
    frames = max(PROBE_FRAMES, limits.min_input_frames)
    start = 1.0 if limits.whole_seconds else 0.5  # frames on both sides of the section stay to compare
    duration = float(limits.min_section_seconds)
    seconds = float(Fraction(frames) / PROBE_RATE)
    cost = estimate(limits, input_seconds=seconds, section_seconds=duration, output_seconds=seconds)
    return ProbePlan(host=host, model=HOSTS[host].model, frames=frames, rate=PROBE_RATE, size=size,
                     section_start=start, section_duration=duration, seed=PROBE_SEED if accepts_seed(host) else None,
                     cost=cost)


class _Answers:
    """Every JSON answer the host's API gives during the probe (an httpx response hook; keys are in requests,
    which are never kept)."""

    def __init__(self) -> None:
        self.bodies: list[tuple[str, int, object]] = []

    async def __call__(self, response) -> None:
        await response.aread()
        try:
            body = response.json()
        except ValueError:
            body = None
        self.bodies.append((response.request.method, response.status_code, body))


def _status_words(host: str, bodies: list[tuple[str, int, object]]) -> list[str]:
    """The status words the host used in its poll answers, in order, each once."""
    words: list[str] = []
    for method, status, body in bodies:
        if status != 200 or not isinstance(body, dict):
            continue
        found: list[str] = []
        if host == "wavespeed":
            data = body.get("data") or {}
            if isinstance(data, dict) and data.get("status"):
                found.append(str(data["status"]))
        elif host == "runware":
            for item in body.get("data") or []:
                if isinstance(item, dict) and item.get("taskType") == "videoInference" and \
                        ("status" in item or "videoURL" in item):
                    found.append(str(item["status"]) if "status" in item else "(none: an item with videoURL)")
        elif method == "GET" and body.get("status") is not None:
            found.append(str(body["status"]))
        words += [w for w in found if w not in words]
    return words


def _runware_seeds(bodies) -> list[int]:
    return [item["seed"] for _, _, body in bodies if isinstance(body, dict)
            for item in body.get("data") or [] if isinstance(item, dict) and "videoURL" in item and "seed" in item]


def _frame_differences(sent: Path, result: Path) -> tuple[list[float], int]:
    """Per-frame mean absolute difference between the clip sent and the result, both scaled to 256x144 (a
    mean over the frame needs no more, and a host may return another size)."""
    ours, _, _ = decode_all_frames(str(sent), width=256, height=144)
    theirs, _, _ = decode_all_frames(str(result), width=256, height=144)
    return [float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean()) for a, b in zip(ours, theirs)], len(theirs)


def _section_checks(plan: ProbePlan, honours: bool, sent: Path, result: Path) -> list[ProbeCheck]:
    checks = []
    diffs, frames = _frame_differences(sent, result)
    length_ok = abs(frames - plan.frames) <= 1
    checks.append(ProbeCheck(
        f"the result is as long as the clip sent ({plan.frames} frames: what 'output' billing counts)",
        f"{frames} frames", CONFIRMED if length_ok else CONTRADICTED))
    first = round(plan.section_start * plan.rate)
    last = min(len(diffs), round((plan.section_start + plan.section_duration) * plan.rate))
    outside = [d for i, d in enumerate(diffs) if not first <= i < last]
    inside = diffs[first:last]
    out_mean = float(np.mean(outside)) if outside else 0.0
    in_mean = float(np.mean(inside)) if inside else 0.0
    answered = f"frames outside the section differ by {out_mean:.1f}/255, inside by {in_mean:.1f}/255"
    if honours:
        guess = f"only the section asked for ({plan.section_start:g}-{plan.section_start + plan.section_duration:g} s) " \
                "is regenerated"
        verdict = (CONFIRMED if out_mean < SAME and in_mean > CHANGED else
                   CONTRADICTED if out_mean > CHANGED else UNKNOWN)
    else:
        guess = "start_time/end_time are not honoured: the whole clip is regenerated (so only the marked range " \
                "is sent)"
        verdict = (CONFIRMED if out_mean > CHANGED else
                   CONTRADICTED if out_mean < SAME and in_mean > CHANGED else UNKNOWN)
    checks.append(ProbeCheck(guess, answered, verdict))
    return checks


def _billing_check(plan: ProbePlan, reported: float | None) -> ProbeCheck:
    cost = plan.cost
    guess = f"billed per second of {cost.basis} at ${cost.unit_price:.2f}/s: ${cost.usd:.4f} for this probe"
    if reported is None:
        return ProbeCheck(guess, "the host reports no cost in its answers: compare your account's usage for "
                                 "this job", UNKNOWN)
    if abs(reported - cost.usd) <= 0.0051:
        return ProbeCheck(guess, f"reported ${reported:.4f}", CONFIRMED)
    by_section = round(cost.unit_price * plan.section_duration, 4)
    also = " (that is the section's length)" if abs(reported - by_section) <= 0.0051 else ""
    return ProbeCheck(guess, f"reported ${reported:.4f}{also}", CONTRADICTED)


GUESSES = {  # what each host's "accepted" check is about, beyond the request being a valid one
    "ltx": "a {frames}-frame input (the 73-frame minimum) is accepted",
    "gmi": "video_uri as a data URI (GMI documents no upload) is accepted, {frames} frames",
    "runware": "a {frames}-frame input with a whole-second section and a UUID v4 taskUUID is accepted",
}


async def run_probe(provider: Provider, plan: ProbePlan, workdir: Path, *, poll_interval: float | None = None,
                    timeout: float = 900.0) -> ProbeReport:
    """Send the probe's one request through ``provider`` and judge every guess listed for its host."""
    host = plan.host
    report = ProbeReport(plan)
    answers = _Answers()
    provider.http.client.event_hooks["response"].append(answers)
    interval = provider.poll_seconds if poll_interval is None else poll_interval
    sent = make_pattern_clip(Path(workdir) / "otio-retake-probe.mp4", clip_id=11, frames=plan.frames, rate=plan.rate,
                             width=plan.size[0], height=plan.size[1])
    accepted = GUESSES.get(host, "a {frames}-frame input with the shortest section is accepted").format(
        frames=plan.frames)
    video = await provider.upload(sent)
    request = RetakeRequest(video=video, start_seconds=plan.section_start, duration_seconds=plan.section_duration,
                            prompt=PROMPT, mode=Mode.BOTH, seed=plan.seed, input_seconds=plan.clip_seconds,
                            idempotency_key=uuid.uuid4().hex, take_marker=f"probe-{uuid.uuid4().hex[:8]}")
    try:
        handle = await provider.submit(request)
    except SubmitOutcomeUnknownError as exc:  # a job may be running and paid for: said, not "could not tell"
        raise SubmitOutcomeUnknownError(
            f"{exc.message.removeprefix(host + ': ')} (the probe's one request)", host=host,
            hint=f"look for it on {host}'s dashboard before probing again: a second probe is paid again") from None
    except InvalidRequestError as exc:  # the host refused the request itself (not the key, credits or content)
        report.checks.append(ProbeCheck(accepted, f"refused: {exc.message}", CONTRADICTED))
        return _finish(report, host)
    report.job_id = handle.job_id
    report.checks.append(ProbeCheck(accepted, f"accepted as job {handle.job_id}", CONFIRMED))
    words = STATUS_WORDS[host]
    status_guess = "status words are " + ", ".join(words)
    result_guess = f"the result is at {RESULT_AT[host]}"
    deadline = time.monotonic() + timeout
    status = None
    while True:
        try:
            status = await provider.poll(handle)
        except UnexpectedResponseError as exc:
            seen = _status_words(host, answers.bodies)
            unknown = [w for w in seen if w not in words]
            if unknown:
                report.checks.append(ProbeCheck(status_guess, "answered " + ", ".join(seen), CONTRADICTED))
                report.checks.append(ProbeCheck(result_guess, "not reached", UNKNOWN))
            else:
                report.checks.append(ProbeCheck(status_guess, "answered " + ", ".join(seen), CONFIRMED))
                report.checks.append(ProbeCheck(result_guess, exc.message, CONTRADICTED))
            return _finish(report, host)
        if isinstance(status, (Succeeded, Failed, Cancelled)):
            break
        if time.monotonic() > deadline:
            with contextlib.suppress(RetakeError):  # what was asked is said either way
                await provider.cancel(handle)
            report.checks.append(ProbeCheck(status_guess, f"no end within {timeout:g} s (job {handle.job_id}: "
                                                          "cancelled where the host allows it)", UNKNOWN))
            return _finish(report, host)
        await asyncio.sleep(interval)
    seen = _status_words(host, answers.bodies)
    report.checks.append(ProbeCheck(status_guess, "answered " + ", ".join(seen),
                                    CONFIRMED if all(w in words for w in seen) else CONTRADICTED))
    if not isinstance(status, Succeeded):
        reason = status.reason if isinstance(status, Failed) else "cancelled"
        report.checks.append(ProbeCheck(result_guess, f"the job ended without a result: {reason}", UNKNOWN))
        return _finish(report, host)
    report.reported_usd = status.cost_usd
    result = Path(workdir) / "otio-retake-probe-result.mp4"
    try:
        await provider.download(status, result, verify=check_download)
    except (HostError, DownloadError) as exc:
        report.checks.append(ProbeCheck(result_guess, f"{status.result_urls[0][:80]} did not download: "
                                                      f"{exc.message}", CONTRADICTED))
        return _finish(report, host)
    report.checks.append(ProbeCheck(result_guess, f"a video there ({result.stat().st_size // 1024} KB)", CONFIRMED))
    report.checks += _section_checks(plan, provider.limits.honours_section, sent, result)
    if host == "runware":
        seeds = _runware_seeds(answers.bodies)
        report.checks.append(ProbeCheck(
            f"the seed sent ({plan.seed}) is the one the result lists as used",
            f"the result lists seed {seeds[0]}" if seeds else "the result lists no seed",
            UNKNOWN if not seeds else CONFIRMED if seeds[0] == plan.seed else CONTRADICTED))
    report.checks.append(_billing_check(plan, report.reported_usd))
    return _finish(report, host)


def _finish(report: ProbeReport, host: str) -> ProbeReport:
    report.checks += [ProbeCheck(guess, why, UNKNOWN) for guess, why in NOT_PROBED.get(host, [])]
    return report


def probe_host(host: str, *, workdir: Path, confirm: Callable[[ProbePlan], bool], base_url: str | None = None,
               poll_interval: float | None = None, timeout: float = 900.0,
               size: tuple[int, int] = PROBE_SIZE) -> ProbeReport | None:
    """Plan, ask (``confirm``), then probe ``host`` with the user's key; None when the user said no.
    A missing key is refused first, naming its variable."""
    from ..providers import make_provider
    plan = probe_plan(host, size=size)
    provider = make_provider(host, results_dir=workdir, base_url=base_url)  # MissingKeyError names the variable

    async def go() -> ProbeReport | None:
        try:
            if not confirm(plan):
                return None
            return await run_probe(provider, plan, workdir, poll_interval=poll_interval, timeout=timeout)
        finally:
            await provider.aclose()
    return asyncio.run(go())
