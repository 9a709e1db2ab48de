"""The one contract: pydantic models of every JSON otio-retake exchanges.

    PlanRow            one row of ``plan --json`` (and of the bridge's plan answer)
    ProviderRow        one row of ``providers --json``
    Report / ReportTake  what ``run --report FILE`` writes; the Resolve script reads it
    Sequence*          a panel's description of an NLE sequence (ticks as strings)
    PlanRequest, PlanResponse, RunRequest, RunCreated, RunStatus, ProgressMessage,
    BridgeReport, ConformRequest, ConformResponse, PairRequest, Paired, Health, ErrorBody
                       the bridge's bodies
    JournalStatus      ``status --json``: a journal's jobs, runs, claims, host places and budgets
    RelinkRow          one row of ``relink --json``
    RunSettings        what a run was asked (`run`'s options by name), stored with the run in the journal
    ResolveRetakeSummary, ResolveConformSummary  what ``otio-retake resolve`` prints (the Resolve script's answer)

Keys are the ones the scripts read today (``CONTRACT_VERSION`` 1): new keys may
be added, none renamed or removed without a new version. ``write_schemas``
``contract_schema()`` is written to ``docs/contract.schema.json`` by ``otio-retake schemas``.
Over 500 lines on purpose: the contract is read, versioned and diffed as one file.
"""

from __future__ import annotations

import re
from typing import Literal

from pathlib import Path, PurePath

from pydantic import BaseModel, ConfigDict, Field, field_serializer, field_validator

from .jobs.cost import estimate_plan
from .jobs.store import redact_url
from .media.splice import TakeOptions
from .providers import accepts_seed, provider_limits

__all__ = ["CONTRACT_VERSION", "TICKS_PER_SECOND", "PlanRow", "RelinkedClip", "ReportTake", "Report", "SequenceMarker",
           "SequenceItem", "SequenceTrack", "Sequence", "PlanRequest", "Skipped", "KeyStatus", "PlanResponse",
           "RunSettings", "PLAN_FIELDS", "RunRequest", "RunCreated", "RunStatus", "ProgressMessage", "PlacedTake", "PlacedRange", "BridgeReport",
           "ConformRequest", "ConformedRange", "ConformResponse", "PairRequest", "Paired", "Health", "ErrorBody",
           "ProviderRow", "JournalStatus", "StatusJob", "StatusRun", "StatusClaim", "StatusPlace",
           "StatusBudget", "RelinkRow", "ResolveRange", "ResolveRetakeSummary", "ResolveConformed",
           "ResolveConformSummary", "plan_rows", "skipped_rows", "run_report", "provider_rows", "journal_status",
           "contract_schema",
           "SCHEMA_FILE"]

CONTRACT_VERSION = 1
TICKS_PER_SECOND = 254016000000  # Premiere's tick: divides every common frame rate exactly
SCHEMA_FILE = "contract.schema.json"
_TICKS = re.compile(r"^-?\d+$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ------------------------------------------------------------------------------------------ the command line

class ProviderRow(_Model):
    """One host as ``providers --json`` prints it. Each take is its own job everywhere, so there is no
    "variations per job": ``seed_sent`` says whether a take's seed reaches the host (documented there)."""

    name: str
    model: str
    key_env: str | None
    key: str | None = Field(description="where the key comes from (\"env LTX_API_KEY\"), never the key")
    section_seconds: tuple[float, float]
    min_input_frames: int
    max_input_seconds: float
    max_input_bytes: int
    max_size: tuple[int, int]
    whole_seconds: bool
    max_concurrent: int
    seed_sent: bool
    price_per_second: float
    billed_on: str


class RelinkedClip(_Model):
    """A clip under a range whose media was found by a search (by name, in ``--media-dir``...), not where the
    timeline said: Premiere and Resolve on Windows write ``C:\\...`` or UNC paths, macOS ``/Volumes/...``."""

    clip: str
    written: str | None  # the path the timeline gave, as its editor wrote it; None where it gave none (an EDL)
    path: str  # the file used, on this machine
    how: str


class PictureClip(_Model):
    """A clip giving part of a range's picture (the picture rule): which clip, on which track, which frames."""

    clip: str = Field(description="the clip's name; '(gap)' where no footage shows (black)")
    track: str = Field(description="its track ('V1'; 'V2 > 'Nest' > V1' inside a nest); for black, what was "
                                   "passed over there (a title, a take...)")
    record_in: str
    record_out: str
    frames: int


class PlanRow(_Model):
    """One marker as ``plan --json`` prints it: a range to retake (its takes summed), or one skipped and why.

    ``status``: ``ready`` (planned, its media on this machine), ``offline`` (planned and priced, but media it
    needs is not on this machine: ``missing_media``; ``run`` skips it until the media is found) or ``skipped``
    (not retaken: ``reason``; the plan fields are null or zero) or ``excluded`` (left out by choice, e.g. not
    the --marker-color asked for, a point marker without --default-length, or already retaken on this
    timeline). ``context_before_frames`` and
    ``context_after_frames`` are the context each side of the marked frames; ``context_note`` says what cut it
    short of what was asked (a transition, a retime, a gap, the media's end), "" when nothing did.
    """

    name: str
    prompt: str
    mode: Literal["video", "audio", "both"] | None
    record_in: str
    record_out: str
    record_in_frame: int | None
    record_out_frame: int | None
    duration_frames: int
    duration_seconds: float
    rate: int | float
    rate_exact: str
    context_in: str | None
    context_out: str | None
    context_frames: int
    context_seconds: float
    section_start_seconds: float | None
    section_duration_seconds: float | None
    takes: int
    seeds: list[int]
    provider: str | None
    cost_usd: float
    origin: str
    track_index: int | None
    cost_basis: str = ""  # what the host bills, e.g. "7.00 s of output x $0.10/s per take"
    seed_sent: bool = True  # False where the host's API takes no seed: the seeds above are then not sent
    relinked: list[RelinkedClip] = []  # the clips of its context window whose media was found by a search
    picture: list[PictureClip] = Field(default_factory=list, description="the clips the marked frames show")
    status: Literal["ready", "offline", "skipped", "excluded"] = "ready"
    reason: str | None = None
    missing_media: list[str] = []
    context_before_frames: int | None = None
    context_after_frames: int | None = None
    context_note: str = ""


class Skipped(_Model):
    """A marker not retaken: where it is (record timecode, "" where it has none) and why."""

    name: str
    origin: str
    reason: str
    record_in: str = ""
    record_out: str = ""
    record_frame: int | None = None


class ReportTake(_Model):
    """One take of ``run --report``: where it goes (absolute record frame) and which frames of the file."""

    range: str
    take: str
    mode: Literal["video", "audio", "both"]
    prompt: str
    record_frame: int
    duration: int
    record_in: str
    record_out: str
    path: str
    head: int = Field(description="frames of handle before the marked frames in the take file")
    tail: int
    has_video: bool
    track: str
    job_id: str | None
    host: str | None
    track_index: int
    context_match: bool
    section_ok: bool
    marker_id: str = ""  # the marker the range follows (timeline/marks.py marker_ids)


class Report(_Model):
    outputs: list[str]
    workspace: str
    takes: list[ReportTake]
    warnings: list[str]
    submitted: int
    reused: int
    estimated_usd: float
    reported_usd: float | None
    skipped: list[Skipped] = Field([], description="the markers not retaken, each with its position and why")


# ------------------------------------------------------------------------------------------ a panel's sequence

# Premiere keeps ticks as 64-bit integers (UXP hands them over as strings: they outgrow a JavaScript number's
# precision). Anything longer is no time Premiere can hold, and would overflow the frame arithmetic below.
TICKS_LIMIT = 2**63 - 1


def _ticks(value: str) -> str:
    if not _TICKS.match(value):
        raise ValueError("ticks must be a whole number written as a string (e.g. \"10584000000\")")
    if len(value.lstrip("-")) > len(str(TICKS_LIMIT)) or abs(int(value)) > TICKS_LIMIT:
        raise ValueError(f"ticks must be at most {TICKS_LIMIT} either way (a 64-bit number, as Premiere keeps them)")
    return value


class SequenceMarker(_Model):
    """A sequence marker as UXP gives it; times in ticks relative to the sequence start."""

    name: str = ""
    comments: str = ""
    colorIndex: int = 0
    startTicks: str
    durationTicks: str = "0"
    guid: str = Field("", description="marker.guid.toString() (Premiere 26.3+): the id the range follows")

    _check = field_validator("startTicks", "durationTicks")(_ticks)


class SequenceTake(_Model):
    """What the panel wrote on a take it placed (project metadata): which marker's take, which letter."""

    letter: str = Field(pattern="^[A-Z]$")
    markerId: str = ""
    range: str = ""


class SequenceItem(_Model):
    """A track item: sequence time from the sequence start, media time from the media's start."""

    name: str = ""
    mediaPath: str = Field("", description="the media file; empty for an item with none (see generator)")
    generator: str = Field("", description="what an item with no media file is (\"graphic\": a Premiere Graphic, "
                           "title, colour matte, bars; \"adjustment layer\"): never the picture sent")
    take: SequenceTake | None = Field(None, description="set when the item is a take the panel placed")
    enabled: bool = Field(True, description="false for an item switched off (trackItem.isDisabled()): never the picture")
    startTicks: str
    endTicks: str
    inPointTicks: str
    outPointTicks: str

    _check = field_validator("startTicks", "endTicks", "inPointTicks", "outPointTicks")(_ticks)


class SequenceTrack(_Model):
    index: int = Field(ge=0, description="0-based, as in the UXP API")
    name: str = ""
    items: list[SequenceItem] = []


class Sequence(_Model):
    name: str = Field(min_length=1)
    timebaseTicks: str = Field(description="ticks per frame (sequence.getTimebase())")
    zeroPointTicks: str = Field("0", description="the start timecode (sequence.getZeroPoint())")
    markers: list[SequenceMarker] = []
    videoTracks: list[SequenceTrack] = []
    audioTracks: list[SequenceTrack] = []

    _check = field_validator("timebaseTicks", "zeroPointTicks")(_ticks)


# ------------------------------------------------------------------------------------------ the bridge's bodies

class _Options(_Model):
    provider: str = "preview"
    markerColor: str | None = Field(None, description="an OTIO colour name (RED, BLUE, ...); null: all markers")
    mode: Literal["video", "audio", "both"] | None = None
    takes: int | None = Field(None, ge=1, le=26)


class PlanRequest(_Options):
    sequence: Sequence


class KeyStatus(_Model):
    provider: str
    configured: bool
    source: str | None = Field(description="where the key comes from (\"env LTX_API_KEY\"), never the key")


class PlanResponse(_Model):
    sequence: str
    ranges: list[PlanRow]
    total_usd: float
    confirm_above_usd: float = Field(description="the panel asks before a run estimated above this")
    key: KeyStatus
    skipped: list[Skipped]
    warnings: list[str]


class RunRequest(_Options):
    sequence: Sequence
    maxCostUsd: float | None = Field(None, ge=0, description="refuse to start above this (what the user accepted)")


class RunCreated(_Model):
    id: str
    status: str
    events: str
    workspace: str


class RunStatus(_Model):
    id: str
    sequence: str
    status: Literal["running", "done", "failed", "cancelled", "interrupted"]
    provider: str
    workspace: str
    output: str
    takes_total: int
    takes_finished: int
    error: str | None = None
    hint: str | None = None
    origin: Literal["panel", "command line"] = Field(
        "panel", description="who started it: a panel through this bridge, or `otio-retake run` in a workspace "
                             "under the bridge's folder (followed through its journal)")
    timeline: str | None = Field(None, description="the timeline file the run reads")
    started_at: str | None = Field(None, description="when it started (ISO 8601, UTC)")


class ProgressMessage(_Model):
    """One SSE ``data:`` line: a runner ProgressEvent, or the run's end (``kind`` = "end")."""

    seq: int
    kind: str
    range: str | None = None
    take: str | None = None
    elapsed: float = 0.0
    detail: dict = {}
    words: str = Field(description="the step in words an editor understands")


class PlacedTake(_Model):
    letter: str
    path: str
    track: str
    hasVideo: bool
    hasAudio: bool
    inTicks: str = Field(description="media time of the range's first frame inside the take file")
    outTicks: str


class PlacedRange(_Model):
    name: str
    markerId: str = Field("", description="the marker's id: the panel writes it on the takes it places")
    mode: Literal["video", "audio", "both"]
    trackIndex: int
    startTicks: str
    durationTicks: str
    takes: list[PlacedTake]


class BridgeReport(_Model):
    id: str
    report: Report
    ranges: list[PlacedRange]


class ConformRequest(_Model):
    picks: dict[str, str] = Field(description="range name -> take letter")

    @field_validator("picks")
    @classmethod
    def _letters(cls, picks: dict[str, str]) -> dict[str, str]:
        for name, letter in picks.items():
            if len(letter) != 1 or not letter.isalpha():
                raise ValueError(f"the pick for '{name}' must be one take letter (A, B, ...), not '{letter}'")
        return {k: v.upper() for k, v in picks.items()}


class ConformedRange(_Model):
    name: str
    letter: str
    path: str
    mode: Literal["video", "audio", "both"]
    trackIndex: int
    startTicks: str
    durationTicks: str
    inTicks: str
    outTicks: str


class ConformResponse(_Model):
    outputs: list[str]
    picks: dict[str, str]
    ranges: list[ConformedRange]


class PairRequest(_Model):
    code: str = Field(min_length=4, max_length=16)


class Paired(_Model):
    token: str


class Health(_Model):
    name: Literal["otio-retake bridge"] = "otio-retake bridge"
    version: str
    contract: int = CONTRACT_VERSION


class ErrorBody(_Model):
    error: str
    hint: str | None = None
    fields: list[str] = []


# ------------------------------------------------------------------------------------------ a run's settings

_PATHS = ("timeline", "markers", "output", "workspace", "workflow")
# Not kept for `resume`: it never pays again for a lost submit answer, nor stops at an expired result, unless
# asked again (a worker's queued run keeps them: it does what `run --queue` was asked).
ASKED_EACH_TIME = frozenset({"resubmit_unknown", "no_resubmit_expired"})
# The settings that decide which ranges a run reads and which plans it makes (the review window opens a
# workspace with the same ones, so it finds the same jobs in the journal).
PLAN_FIELDS = ("marker_colors", "marker_prefix", "default_length", "mode", "takes", "seed", "widen",
               "context_seconds", "picture_track")


class RunSettings(BaseModel):
    """What a run was asked, by `run`'s option names: the CLI, the bridge, the review window and the workers
    build a run from it, and the journal stores it with the run (``stored``) so `resume`, a worker and the
    bridge rebuild the same run (``from_stored``: older journals' rows, with unknown keys, load too).

    Paths are kept as given and stored absolute (`status` on another machine, `resume` from another folder;
    older rows are relative to their ``cwd``). ``journal`` keeps its password in memory and is stored without."""

    model_config = ConfigDict(extra="ignore")

    timeline: str
    markers: str | None = None
    fps: str | None = None
    media_dirs: list[str] = []
    marker_colors: list[str] = []
    marker_prefix: str | None = None
    default_length: float | None = None
    mode: Literal["video", "audio", "both"] | None = None
    takes: int | None = None
    seed: int | None = None
    provider: str = "preview"
    widen: bool = False
    context_seconds: float | None = None
    project: str | None = None
    picture_track: str | None = None
    output: str | None = None
    workspace: str | None = None
    force: bool = False
    handles: int = TakeOptions.handles
    blend_frames: int = 0
    take_resolution: Literal["host", "timeline"] = "host"
    take_codec: Literal["h264", "prores", "dnxhd"] = "h264"
    base_urls: list[str] = []
    poll_interval: float | None = None
    workflow: str | None = None  # --provider comfyui: the studio's own retake graph (API format)
    concurrency: int | None = None
    per_host: int | None = None
    max_cost: float | None = None
    yes: bool = False
    resubmit_unknown: bool = False
    no_resubmit_expired: bool = False
    journal: str | None = None
    lease: float | None = None
    budget_scope: str | None = None
    # who ran it and from where (written with the run: a bridge follows it, relative paths are from cwd)
    runner: str | None = None
    cwd: str | None = None
    bridge_run: str | None = Field(None, description="the bridge's own run id: not listed again as a CLI run")

    @field_validator(*_PATHS, mode="before")
    @classmethod
    def _path_text(cls, value):
        return str(value) if isinstance(value, PurePath) else value

    @field_validator("media_dirs", "marker_colors", "base_urls", mode="before")
    @classmethod
    def _listed(cls, value):
        return [str(v) if isinstance(v, PurePath) else v for v in value or ()]

    @field_serializer("journal")
    def _without_password(self, value: str | None) -> str | None:
        return redact_url(value) if value else None

    @classmethod
    def from_stored(cls, stored: dict) -> RunSettings:
        """A run's settings as the journal holds them (any version's row)."""
        return cls.model_validate(stored)

    def stored(self, *, for_queue: bool = False) -> dict:
        """As the journal stores them (JSON, the journal's URL without its password); ``for_queue``: with what
        a worker must do as asked but `resume` asks again (``ASKED_EACH_TIME``)."""
        data = self.model_dump(mode="json", exclude=None if for_queue else set(ASKED_EACH_TIME))
        for key in _PATHS:
            data[key] = str(Path(data[key]).resolve()) if data[key] else data[key]
        data["media_dirs"] = [str(Path(p).resolve()) for p in data["media_dirs"]]
        return data

    def path(self, key: str) -> Path | None:
        """``timeline``, ``markers``, ``output``, ``workspace`` or ``workflow`` as a path (None when not given)."""
        value = getattr(self, key)
        return Path(value) if value else None


# ------------------------------------------------------------------------------------------ status --json

class StatusJob(_Model):
    """One job of the journal (the keys ``status --json`` printed, as a list, before runs and claims joined)."""

    range: str
    takes: str
    provider: str
    state: str
    plan_key: str = Field(description="the job's identity in the journal")
    job_id: str | None
    attempt: int
    cost_estimate: float | None
    cost_reported: float | None
    error: str | None
    takes_ready: list[str]
    updated_at: str
    claimed_by: str | None


class StatusRun(_Model):
    """A run recorded in the journal, newest first; ``resume --run RUN_ID`` runs it again."""

    run_id: str
    started_at: str
    timeline: str | None
    output: str | None
    provider: str | None
    workspace: str | None
    queued: bool = Field(description="queued with `run --queue` for workers")


class StatusClaim(_Model):
    """A live claim: who works on a job now, and for how long unless they renew."""

    range: str
    takes: str
    plan_key: str
    holder: str
    seconds_left: float


class StatusPlace(_Model):
    """One of a host's places (its concurrency limit, held across the facility), held now."""

    host: str
    place: int = Field(description="1-based")
    holder: str
    seconds_left: float


class StatusBudget(_Model):
    scope: str
    limit_usd: float
    spent_usd: float
    left_usd: float


class JournalStatus(_Model):
    journal: str = Field(description="the journal's URL, without its password")
    jobs: list[StatusJob]
    by_state: dict[str, int]
    runs: list[StatusRun]
    claims: list[StatusClaim]
    places: list[StatusPlace]
    budgets: list[StatusBudget]


class RelinkRow(_Model):
    """One media file the timeline's clips use (``relink --json``): where it was found, or that it is missing."""
    clips: list[str]
    path: str | None
    how: str
    start_frame: int | None
    wanted: str


class ResolveRange(_Model):
    name: str
    record_frame: int
    duration: int
    track: str
    takes: list[str]


class ResolveRetakeSummary(_Model):
    """What the Resolve script's retake returns (``otio-retake resolve``); printed with the keys it gave."""
    bin: str | None
    ranges: list[ResolveRange]
    warnings: list[str] = []
    output: str | None = None
    cancelled: bool = False


class ResolveConformed(_Model):
    timeline: str
    file: str
    picks: dict[str, str]


class ResolveConformSummary(_Model):
    """What the Resolve script's conform returns (``otio-retake resolve --conform``)."""
    timeline: str | None
    picks: dict[str, str]
    conformed: list[ResolveConformed]


def plan_rows(plans, relinked: dict[str, list[RelinkedClip]] | None = None, pictures: dict | None = None, *,
              skipped=(), offline: dict[str, list[str]] | None = None, rate=None) -> list[PlanRow]:
    """RetakePlans -> one row per marked range, its takes' seeds and costs summed (``plan --json``);
    ``relinked``: range name -> the relinked clips under it (``pipeline.relinked_clips``); ``pictures``: range
    name -> the segments of its marked frames (``pipeline.pictures``). With ``skipped`` (``SkippedMarker``s) a
    row for each of them too, and ``offline`` (range -> missing media) marks the ranges whose media is not
    here; ``rate`` (the timeline's) times the skipped rows. Rows in record order."""
    offline = offline or {}
    rows: dict[str, dict] = {}
    for p in plans:
        r = p.range
        rate = rate or r.rate
        row = rows.get(r.name)
        if row is None:
            rows[r.name] = row = {
                "name": r.name, "prompt": r.prompt, "mode": r.mode.value,
                "record_in": r.record_in_tc, "record_out": r.record_out_tc,
                "record_in_frame": r.start_frame + r.record_in, "record_out_frame": r.start_frame + r.record_out,
                "duration_frames": r.duration, "duration_seconds": round(r.seconds, 3),
                **_rate_keys(r.rate),
                "context_in": r.timecode(p.context_in), "context_out": r.timecode(p.context_out),
                "context_frames": p.context_frames, "context_seconds": round(p.context_seconds, 3),
                "section_start_seconds": round(float(p.section_start), 6),
                "section_duration_seconds": round(float(p.section_duration), 6),
                "takes": 0, "seeds": [], "provider": p.provider, "cost_usd": 0.0, "origin": r.origin,
                "track_index": r.track_index,
                "cost_basis": estimate_plan(p, provider_limits(p.provider)).describe() + " per take",
                "seed_sent": accepts_seed(p.provider),
                "relinked": (relinked or {}).get(r.name, []),
                "picture": [PictureClip(clip=seg.clip_name, track=seg.track, record_in=r.timecode(seg.record_in),
                                        record_out=r.timecode(seg.record_out), frames=seg.frames)
                            for seg in (pictures or {}).get(r.name, [])],
                "status": "offline" if r.name in offline else "ready",
                "reason": ("media not on this machine: " + ", ".join(offline[r.name]) + " (run skips this range "
                           "until it is found)") if r.name in offline else None,
                "missing_media": list(offline.get(r.name, [])),
                "context_before_frames": r.record_in - p.context_in,
                "context_after_frames": p.context_out - r.record_out,
                "context_note": p.context_note,
            }
        row["takes"] += 1
        row["seeds"].append(p.seed)
        row["cost_usd"] = round(row["cost_usd"] + p.cost_usd, 4)
    out = [(row["record_in_frame"], PlanRow(**row)) for row in rows.values()]
    for s in skipped:
        frames = s.frames or 0
        out.append((s.record_frame, PlanRow(
            name=s.name, prompt="", mode=None, record_in=s.record_in, record_out=s.record_out,
            record_in_frame=s.record_frame, record_out_frame=s.record_frame + frames if s.record_frame is not None
            else None, duration_frames=frames,
            duration_seconds=round(float(frames / rate), 3) if rate else 0.0,
            **(_rate_keys(rate) if rate else {"rate": 0, "rate_exact": ""}),
            context_in=None, context_out=None, context_frames=0, context_seconds=0.0, section_start_seconds=None,
            section_duration_seconds=None, takes=0, seeds=[], provider=None, cost_usd=0.0, origin=s.origin,
            track_index=None, seed_sent=False, status="skipped" if s.problem else "excluded", reason=s.reason)))
    out.sort(key=lambda pair: (pair[0] is None, pair[0] or 0))
    return [row for _, row in out]


def _rate_keys(rate) -> dict:
    return {"rate": int(rate) if rate.denominator == 1 else round(float(rate), 6), "rate_exact": str(rate)}


def skipped_rows(skipped) -> list[Skipped]:
    """``SkippedMarker``s as the bridge and ``run --report`` give them."""
    return [Skipped(name=s.name, origin=s.origin, reason=s.reason, record_in=s.record_in, record_out=s.record_out,
                    record_frame=s.record_frame) for s in skipped]


def run_report(result) -> Report:
    """A ``pipeline.RunResult`` as the report ``run --report`` writes (and the bridge serves)."""
    takes = []
    for take in result.takes:
        rng = take.range
        takes.append(ReportTake(
            range=rng.name, take=take.plan.take_letter, mode=rng.mode.value, prompt=rng.prompt,
            record_frame=rng.start_frame + rng.record_in, duration=rng.duration, record_in=rng.record_in_tc,
            record_out=rng.record_out_tc, path=str(take.path), head=take.head, tail=take.tail,
            has_video=take.has_video, track=f"Retake {take.plan.take_letter}", job_id=take.metadata.get("job_id"),
            host=take.metadata.get("host"), track_index=rng.track_index,
            context_match=take.metadata["checks"]["context_match"], section_ok=take.metadata["checks"]["section_ok"],
            marker_id=rng.marker_id))
    return Report(outputs=[str(p) for p in result.outputs], workspace=str(result.workspace.root), takes=takes,
                  warnings=list(result.warnings), submitted=result.report.submitted, reused=result.report.reused,
                  estimated_usd=result.report.estimated_usd, reported_usd=result.report.reported_usd,
                  skipped=skipped_rows(getattr(result, "skipped", [])))


def provider_rows() -> list[ProviderRow]:
    """Every engine with its limits, price basis and where its key is found (``providers --json``)."""
    from .providers import HOSTS, LOCAL, key_source, provider_names
    rows = []
    for name in provider_names():
        limits = provider_limits(name)
        host = HOSTS.get(name) or LOCAL.get(name)
        rows.append(ProviderRow(
            name=name, model=host.model if host else "preview", key_env=getattr(host, "key_env", None) or None,
            key=key_source(name), section_seconds=(limits.min_section_seconds, limits.max_section_seconds),
            min_input_frames=limits.min_input_frames, max_input_seconds=limits.max_input_seconds,
            max_input_bytes=limits.max_input_bytes, max_size=(limits.max_width, limits.max_height),
            whole_seconds=limits.whole_seconds, max_concurrent=limits.max_concurrent, seed_sent=accepts_seed(name),
            price_per_second=limits.price_per_second, billed_on=limits.price_basis))
    return rows


STATUS_RUNS = 20  # the latest runs status lists (a facility's journal keeps every run)


def journal_status(journal) -> JournalStatus:
    """What a journal (jobs.store.Store) holds now, one query per part."""
    jobs = [StatusJob(range=r.range_name, takes=r.takes, provider=r.provider, state=r.state, plan_key=r.plan_key,
                      job_id=r.handle.job_id if r.handle else None, attempt=r.attempt,
                      cost_estimate=r.cost_estimate, cost_reported=r.cost_reported, error=r.error,
                      takes_ready=[t["path"] for t in r.takes_json], updated_at=r.updated_at,
                      claimed_by=r.claimed_by) for r in journal.all()]
    by_state: dict[str, int] = {}
    for job in jobs:
        by_state[job.state] = by_state.get(job.state, 0) + 1
    runs = []
    for run in journal.runs(limit=STATUS_RUNS):
        arguments = run["arguments"]
        runs.append(StatusRun(run_id=run["run_id"], started_at=run["started_at"],
                              timeline=arguments.get("timeline"), output=arguments.get("output"),
                              provider=arguments.get("provider"), workspace=arguments.get("workspace"),
                              queued=journal.queued_run(run["run_id"]) is not None))
    return JournalStatus(
        journal=journal.url, jobs=jobs, by_state=dict(sorted(by_state.items())), runs=runs,
        claims=[StatusClaim(range=c["range_name"], takes=c["takes"], plan_key=c["plan_key"], holder=c["claimed_by"],
                            seconds_left=round(c["seconds_left"], 1)) for c in journal.claims()],
        places=[StatusPlace(host=p["host"], place=p["slot"] + 1, holder=p["claimed_by"],
                            seconds_left=round(p["seconds_left"], 1)) for p in journal.slots()],
        budgets=[StatusBudget(scope=b["scope"], limit_usd=b["limit_usd"], spent_usd=round(b["spent_usd"], 4),
                              left_usd=round(b["limit_usd"] - b["spent_usd"], 4)) for b in journal.budgets()])


def contract_schema() -> dict:
    """One JSON Schema document with every model under ``$defs``."""
    from pydantic.json_schema import models_json_schema
    models = [PlanRow, Report, PlanRequest, PlanResponse, RunRequest, RunCreated, RunStatus, ProgressMessage,
              BridgeReport, ConformRequest, ConformResponse, PairRequest, Paired, Health, ErrorBody, ProviderRow,
              JournalStatus, RunSettings]
    _, schema = models_json_schema([(m, "serialization") for m in models], ref_template="#/$defs/{model}",
                                   title=f"otio-retake contract v{CONTRACT_VERSION}")
    schema["properties"] = {"plan_json": {"type": "array", "items": {"$ref": "#/$defs/PlanRow"}},
                            "run_report": {"$ref": "#/$defs/Report"},
                            "providers_json": {"type": "array", "items": {"$ref": "#/$defs/ProviderRow"}},
                            "status_json": {"$ref": "#/$defs/JournalStatus"}}
    return schema
