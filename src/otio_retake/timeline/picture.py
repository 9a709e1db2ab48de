"""The picture rule: which clips are footage (DESIGN.md "Decisions", README "Which picture is sent").

The excerpt sent for a range is the footage the editor sees there minus what lies over it: never one of
our takes, a title, a generator, a graphic, an adjustment layer or a disabled clip. What each reader
makes of those, as real exports show them:

- an OTIO ``GeneratorReference``: the fcp_xml adapter makes one of an FCP 7 ``<generatoritem>`` and of a
  ``<clipitem>`` whose ``<file>`` has a ``<mediaSource>`` instead of a ``<pathurl>``: Premiere's Graphics
  (``GraphicAndType``), its titles, mattes and adjustment layers and Resolve's Fusion titles (``Slug``);
  Resolve's own OTIO writes its titles and generators as one (``Resolve_OTIO`` "Generator Type"); our
  FCPXML reader makes one of a ``<title>`` and of a generator (``<video>`` of an ``<effect>``); the
  Premiere panel's bridge of a track item with no media file ("graphic", "adjustment layer");
- a sound-only clip our FCPXML reader found in a storyline (``metadata["fcpxml"]["sound_only"]``: an audio-only
  project's clips);
- media that is a still picture, or whose picture is see-through (an alpha channel in use: a logo, a
  lower third rendered with transparency; an opaque ProRes 4444 master is footage), measured by probing
  the file, never guessed from its name;
- a take: a clip or track with ``metadata["otio_retake"]["take"]`` (our outputs, the Premiere panel's
  tracks), or a track our writers named "Retake X" where the format keeps no metadata (EDL, XML, FCPXML);
  but not a take ``conform`` put into the cut (``"conformed"``): that is the cut's picture now.
"""

from __future__ import annotations

import re

import opentimelineio as otio

from ..errors import MediaError
from ..media.probe import probe
from .info import NAMESPACE, namespace

__all__ = ["not_footage", "is_take_track"]

_RETAKE_TRACK = re.compile(r"^Retake[ _]([A-Z])(?:[ _]\d+)?$")  # alternates.retake_track_name (EDL: Retake_A)
# What a generator's kind says to an editor (the names the applications write, seen in their exports).
_GENERATOR_WORDS = {"graphicandtype": "a graphic", "slug": "a title, matte or adjustment layer (Slug)",
                    # what the Premiere panel sends for an item with no media file (bridge/sequence.py)
                    "graphic": "a graphic, title or matte (no media file)", "adjustment layer": "an adjustment layer",
                    "no media file": "an item with no media file (a graphic, title or matte)"}


def is_take_track(track: otio.core.Item) -> bool:
    """A track of takes: ours (by metadata, or by the name our writers give it where no metadata survives)."""
    return bool(namespace(track, NAMESPACE).get("take")) or bool(_RETAKE_TRACK.match(track.name or ""))


def not_footage(item: otio.core.Item, track: otio.core.Item, resolver=None, *,
                take_track: bool | None = None) -> str | None:
    """Why a clip on ``track`` is not footage the picture may come from ("a title ..."), None when it is.

    With a ``resolver`` a clip whose media is found is probed: a still or a picture with alpha is a graphic.
    ``take_track``: whether ``track`` is a track of takes, when the caller knows it already.
    """
    if not item.enabled:
        return "disabled"
    if take_track if take_track is not None else is_take_track(track):
        return "a take (otio-retake's output)"
    meta = namespace(item, NAMESPACE)
    # A take conform put into the cut ("conformed") is the cut's picture now; one lying over it is an alternate.
    if meta.get("take") and not meta.get("conformed"):
        return "a take (otio-retake's output)"
    if not isinstance(item, otio.schema.Clip):
        return None
    if namespace(item, "fcpxml").get("sound_only"):  # read from FCPXML: a sound file in the storyline
        return "sound only (no picture)"
    ref = item.media_reference
    if isinstance(ref, otio.schema.GeneratorReference):
        kind = ref.generator_kind or str(namespace(ref, "Resolve_OTIO").get("Generator Type") or "")
        return _GENERATOR_WORDS.get(kind.lower(), f"a title or generator{f' ({kind})' if kind else ''}")
    if resolver is None:
        return None
    media = resolver.resolve(item)
    if media is None:
        return None  # missing media is footage all the same: it is said as missing, not passed over
    try:
        info = probe(media.path)
    except MediaError:
        return None  # a damaged file is said by the media check, not hidden here
    if info.still:
        return "a still picture (a graphic)"
    if info.transparent:
        return "a graphic (its picture is see-through: an alpha channel in use)"
    return None
