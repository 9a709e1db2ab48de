"""The value types that travel between the stages.

Inside the pipeline every time is an integer frame count at the timeline's
exact rate (a ``Fraction``); record frames count from the first frame of the
timeline (0), and ``start_frame`` (the timeline's start timecode in frames)
is added only to show timecode. OTIO ``RationalTime`` lives at the edges.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from .timecode import frames_to_timecode

__all__ = ["Mode", "JobState", "JOB_STATE_ORDER", "Picture", "MarkedRange", "RetakePlan", "Take", "Limits",
           "TAKE_LETTERS"]

TAKE_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class Mode(str, enum.Enum):
    """What a retake regenerates."""

    VIDEO = "video"
    AUDIO = "audio"
    BOTH = "both"

    @property
    def host_word(self) -> str:
        """The word every host uses for this mode."""
        return {"video": "replace_video", "audio": "replace_audio", "both": "replace_audio_and_video"}[self.value]

    @property
    def has_video(self) -> bool:
        return self is not Mode.AUDIO

    @property
    def has_audio(self) -> bool:
        return self is not Mode.VIDEO


class JobState(enum.StrEnum):
    """A job's state in the journal (jobs/store/base.py draws who moves it where). Closed: a store refuses to
    write any other; a member is its value as a string (stored, compared and printed as such)."""

    PLANNED = "planned"
    EXCERPTED = "excerpted"
    UPLOADED = "uploaded"
    SUBMITTING = "submitting"
    SUBMITTED = "submitted"
    FINISHED_REMOTELY = "finished_remotely"
    DOWNLOADED = "downloaded"
    TAKE_READY = "take_ready"
    FAILED = "failed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"  # paid, but the host has dropped the job or its result: only a new submit gets it back
    # A row of a journal written before job identities, re-keyed under the job's identity (JobPlanner.adopt_legacy):
    # kept as history, never worked on again
    SUPERSEDED = "superseded"


# A job's way forward, in order (the other states end it).
JOB_STATE_ORDER = (JobState.PLANNED, JobState.EXCERPTED, JobState.UPLOADED, JobState.SUBMITTING, JobState.SUBMITTED,
                   JobState.FINISHED_REMOTELY, JobState.DOWNLOADED, JobState.TAKE_READY)


@dataclass(frozen=True)
class Picture:
    """Where a range's picture comes from (DESIGN.md, the picture rule).

    By default each frame shows the topmost enabled video track holding real footage there (never a take,
    title, generator, graphic, adjustment layer or disabled clip); ``clip`` (a clip marker's own clip: its
    video track index and record extent) gives the frames it covers; ``track`` (``--picture-track``) makes
    that video track alone give the picture.
    """

    track: int | None = None
    clip: tuple[int, int, int] | None = None


@dataclass(frozen=True)
class MarkedRange:
    """One marked range of the timeline, resolved to record frames.

    ``origin`` says where the marker was found (file, track, clip) so that
    every message about the range can point the editor at it.
    """

    name: str
    prompt: str
    mode: Mode
    record_in: int
    duration: int
    rate: Fraction
    start_frame: int = 0
    takes: int = 1
    seed: int | None = None
    provider: str | None = None
    context_seconds: float | None = None
    color: str | None = None
    origin: str = ""
    track_index: int = 0
    drop_frame: bool | None = None  # the timeline's timecode mode (timeline.info.timeline_drop_frame); None: by rate
    first_take: int = 0  # index of the first take letter: past the letters an earlier run already put on the timeline
    picture: Picture = Picture()  # which footage the excerpt shows; ``track_index``: the top track of it
    # The marker's own id (timeline/marks.py marker_id): what a range and its takes follow, never its name or place
    marker_id: str = ""
    # The name an otio-retake before job identity VERSION 3 gave the range, where it differs: only to find the
    # jobs that version paid for (jobs/identity.py as_before)
    former_name: str = ""

    @property
    def record_out(self) -> int:
        """Exclusive end frame (the EDL convention)."""
        return self.record_in + self.duration

    @property
    def seconds(self) -> float:
        return float(self.duration / self.rate)

    def timecode(self, frame: int) -> str:
        return frames_to_timecode(self.start_frame + frame, self.rate, self.drop_frame)

    @property
    def record_in_tc(self) -> str:
        return self.timecode(self.record_in)

    @property
    def record_out_tc(self) -> str:
        return self.timecode(self.record_out)


@dataclass(frozen=True)
class Limits:
    """What one host accepts and charges, as data the planner, the media stage and the clients obey."""

    min_section_seconds: float = 2.0
    max_section_seconds: float = 16.0
    max_section_start: float | None = None  # latest section start the host accepts (fal: 20 s)
    min_input_frames: int = 73  # the model's minimum input (about 3 s at 24 fps)
    max_input_seconds: float = 20.0  # the model's window is 505 frames, about 20-21 s
    max_input_bytes: int = 100 * 1024 * 1024
    max_width: int = 3840
    max_height: int = 2160
    exact_resolutions: tuple[tuple[int, int], ...] = ()  # e.g. Oxen's 1080p-only model
    whole_seconds: bool = False  # section start/duration must be whole seconds (Runware)
    # > 0 where the engine regenerates whole latent blocks of this many frames (the first block is one frame,
    # LTX-2's VAE): the section sent is widened outward to them, the take still cuts the marked frames only
    latent_block_frames: int = 0
    # False where the host documents no section parameter (WaveSpeed): it may regenerate the whole clip, so
    # the clip sent is the marked range itself (grown only to the minimum input), never extra context
    honours_section: bool = True
    max_concurrent: int = 4
    max_variations: int = 1  # results per job with different seeds
    price_per_second: float = 0.10
    # What the host bills (jobs/cost.py): "output" (seconds of the returned clip), "input" (of the uploaded
    # clip, LTX), "section" (of the regenerated section) or "request" (price_per_request each)
    price_basis: str = "output"
    price_per_request: float = 0.0


@dataclass(frozen=True)
class RetakePlan:
    """What will be sent for one take of one range.

    The context window ``[context_in, context_out)`` is in record frames and
    contains the marked range. The engine is asked to regenerate
    ``section_duration`` seconds from ``section_start`` seconds into the
    excerpt: the marked frames exactly, or for a whole-second host the whole
    seconds around them (the extra frames are discarded at splice time).
    """

    range: MarkedRange
    provider: str
    take_index: int
    seed: int
    context_in: int
    context_out: int
    section_start: Fraction
    section_duration: Fraction
    cost_usd: float
    context_note: str = ""  # why the context is shorter than asked (a dissolve, a retime, a gap, the media's end)

    @property
    def take_letter(self) -> str:
        return TAKE_LETTERS[self.take_index]

    @property
    def context_frames(self) -> int:
        return self.context_out - self.context_in

    @property
    def context_seconds(self) -> float:
        return float(self.context_frames / self.range.rate)

    @property
    def marked_offset(self) -> int:
        """Frames from the excerpt's first frame to the range's first frame."""
        return self.range.record_in - self.context_in


@dataclass
class Take:
    """A finished take: a media file holding the marked frames plus handles.

    The file's frame ``head`` is record frame ``range.record_in``; it holds
    ``head + range.duration + tail`` frames at the timeline rate.
    """

    plan: RetakePlan
    path: str
    head: int
    tail: int
    has_video: bool
    has_audio: bool
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def range(self) -> MarkedRange:
        return self.plan.range
