"""Clips -> the media files on this machine, and where each clip's media time is in the file.

A reference is taken as written when the file exists; a relative path is
taken relative to the timeline's folder; otherwise the file is looked for by
name in the media folders (``--media-dir``, then the timeline's folder and its
``media/`` subfolder): by the reference's file name, the clip name
(``FROM CLIP NAME``), the ``SOURCE FILE`` comment, the reel, an AAF's tape and linked file names
(``metadata["otio_retake"]["media_names"]``, set by ``aaf_read``), and their stems.
A path is read in the form its editor wrote it, whatever this machine runs
(``paths.foreign_path``): Premiere's and Resolve's Windows
``file://localhost/C%3a/...``, ``C:\\...`` and UNC ``\\\\server\\share\\...``,
macOS ``/Volumes/...``, so a Windows project relinks by name on a Mac and
the other way round. What was found by a search is ``relinked`` (``plan``
says so, and from what).

Media time -> file time: the reference's ``available_range`` start, or for a
reference without one (an EDL) the file's embedded start timecode, is the
media time of the file's first frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio

from ..errors import MediaError
from ..media.probe import probe
from ..timecode import snap_rate
from ..paths import file_name, foreign_path, url_to_path
from .info import NAMESPACE, namespace

__all__ = ["ResolvedMedia", "MediaResolver", "MEDIA_SUFFIXES"]

MEDIA_SUFFIXES = (".mov", ".mp4", ".mxf", ".m4v", ".mkv", ".avi", ".wav", ".aif", ".aiff", ".mts", ".webm")


@dataclass(frozen=True)
class ResolvedMedia:
    path: Path
    start_frame: int  # media time of the file's first frame, at ``rate``
    rate: Fraction
    how: str  # "as written", "relative to the timeline", "found by clip name in DIR", ...
    written: str | None = None  # the path the timeline gave, as its editor wrote it (None: it gave none)

    @property
    def relinked(self) -> bool:
        """Found by a search (by name in the media folders), not where the timeline said."""
        return self.how.startswith("found by")


class MediaResolver:
    """Finds the file behind each clip; remembers what it found and what is missing."""

    def __init__(self, timeline: otio.schema.Timeline, *, timeline_dir: Path, media_dirs: list[Path] = ()) -> None:
        self.timeline = timeline
        self.timeline_dir = timeline_dir
        self.search_dirs = [Path(d) for d in media_dirs] + [timeline_dir, timeline_dir / "media"]
        self._index: dict[str, Path] | None = None
        self._cache: dict[tuple, ResolvedMedia | None] = {}
        # by the clip object too: its key reads its metadata, and the picture rule and every context window ask
        # for the same clips again and again (500 markers on a feature: half of plan's time was making keys)
        self._seen: dict[int, tuple[otio.schema.Clip, ResolvedMedia | None]] = {}

    def resolve(self, clip: otio.schema.Clip) -> ResolvedMedia | None:
        seen = self._seen.get(id(clip))
        if seen is not None and seen[0] is clip:
            return seen[1]
        key = _clip_key(clip)
        if key not in self._cache:
            self._cache[key] = self._resolve(clip)
        self._seen[id(clip)] = (clip, self._cache[key])
        return self._cache[key]

    def pinned(self, timeline: otio.schema.Timeline | None = None) -> otio.schema.Timeline:
        """A copy of the timeline whose clips name the files found for them as absolute ``file://`` URLs.

        What was found by a search (an EDL's clip name, a ``--media-dir``) is written down, so an
        output opens again wherever it is written without the search; clips not found keep their
        reference. The media time of the file's first frame goes into ``available_range``.
        """
        source = timeline or self.timeline
        out = source.deepcopy()
        for original, copy in zip(source.find_clips(), out.find_clips()):
            found = self.resolve(original)
            if found is None or not found.how.startswith("found by"):
                continue  # as written or relative to the timeline: write_timeline makes those absolute
            ref = copy.media_reference
            available = ref.available_range if isinstance(ref, otio.schema.ExternalReference) else None
            if available is None:
                try:
                    frames = probe(found.path).frames
                except MediaError:
                    frames = None
                r = float(found.rate)
                end = frames if frames else round(copy.source_range.end_time_exclusive().rescaled_to(r).value) \
                    - found.start_frame
                available = otio.opentime.TimeRange(otio.opentime.RationalTime(found.start_frame, r),
                                                    otio.opentime.RationalTime(max(end, 0), r))
            copy.media_reference = otio.schema.ExternalReference(target_url=found.path.as_uri(),
                                                                 available_range=available,
                                                                 metadata=dict(ref.metadata))
        return out

    def describe(self, clip: otio.schema.Clip) -> str:
        ref = clip.media_reference
        if isinstance(ref, otio.schema.ExternalReference):
            return f"clip '{clip.name}': {url_to_path(ref.target_url)}"
        return f"clip '{clip.name}' (no media path in the timeline; reel {_reel(clip) or '-'})"

    def _resolve(self, clip: otio.schema.Clip) -> ResolvedMedia | None:
        ref = clip.media_reference
        names: list[str] = []
        written = None
        if isinstance(ref, otio.schema.ExternalReference) and ref.target_url:
            written = raw = url_to_path(ref.target_url)
            candidate = Path(raw)
            if candidate.is_absolute() and candidate.is_file():
                return self._with_start(clip, candidate, "as written", written)
            if not foreign_path(raw).is_absolute() and not candidate.is_absolute():
                rel = self.timeline_dir / candidate
                if rel.is_file():
                    return self._with_start(clip, rel, "relative to the timeline", written)
            names.append(file_name(raw))
        sources = _source_files(clip)
        written = written or (sources[0] if sources else None)
        named = [("name", n) for n in [*names, clip.name or "", *sources, _reel(clip) or ""]]
        named += [(str(kind), str(n)) for kind, n in namespace(clip, "otio_retake").get("media_names") or []]
        for kind, name in named:
            found = self._find(name) if name else None
            if found is not None:
                return self._with_start(clip, found, f"found by {kind} '{file_name(name)}' in {found.parent}", written)
        return None

    def _find(self, name: str) -> Path | None:
        index = self._build_index()
        key = file_name(name).lower()  # a SOURCE FILE comment may be a whole Windows or macOS path
        if key in index:
            return index[key]
        stem = Path(key).stem if Path(key).suffix.lower() in MEDIA_SUFFIXES else key
        return index.get("stem:" + stem)

    def _build_index(self) -> dict[str, Path]:
        if self._index is None:
            index: dict[str, Path] = {}
            for folder in self.search_dirs:
                if not folder.is_dir():
                    continue
                for path in sorted(folder.iterdir()):
                    if path.is_file() and path.suffix.lower() in MEDIA_SUFFIXES:
                        index.setdefault(path.name.lower(), path)
                        index.setdefault("stem:" + path.stem.lower(), path)
            self._index = index
        return self._index

    def _with_start(self, clip: otio.schema.Clip, path: Path, how: str, written: str | None) -> ResolvedMedia:
        rate = snap_rate(clip.source_range.duration.rate) if clip.source_range else Fraction(24)
        ref = clip.media_reference
        if isinstance(ref, otio.schema.ExternalReference) and ref.available_range is not None:
            start = round(ref.available_range.start_time.rescaled_to(float(rate)).value)
        else:
            # A high-frame-rate clip of an EDL counts its frames in the cut's timecode (edl_read): so does its file's.
            counted = namespace(clip, NAMESPACE).get("timecode_rate")
            try:
                start = probe(path).start_frame(Fraction(counted) if counted else rate)
            except MediaError:
                start = 0
        return ResolvedMedia(path=path.resolve(), start_frame=start, rate=rate, how=how, written=written)


def _clip_key(clip: otio.schema.Clip) -> tuple:
    """Everything ``_resolve`` reads from a clip: equal keys resolve to the same media.

    Not ``id(clip)``: OTIO hands out a new Python wrapper for a clip whenever the last one was
    collected, and a new wrapper can reuse a dead one's id, so an id-keyed cache gave one clip
    another clip's media (seen as takes cut from the wrong shot).
    """
    ref = clip.media_reference
    url = ref.target_url if isinstance(ref, otio.schema.ExternalReference) else None
    available = ref.available_range if isinstance(ref, otio.schema.ExternalReference) else None
    rate = clip.source_range.duration.rate if clip.source_range else None
    return (clip.name, url, str(available) if available is not None else None, rate, _reel(clip),
            tuple(_source_files(clip)), str(namespace(clip, "otio_retake").get("media_names") or ""))


def _reel(clip: otio.schema.Clip) -> str | None:
    return namespace(clip, "cmx_3600").get("reel")


def _source_files(clip: otio.schema.Clip) -> list[str]:
    out = []
    for comment in namespace(clip, "cmx_3600").get("comments") or []:
        if comment.upper().startswith("SOURCE FILE:"):
            out.append(comment.split(":", 1)[1].strip())
    return out
