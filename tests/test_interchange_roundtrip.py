"""read -> write -> read keeps record placement, marker positions and notes, and media in every format."""

from __future__ import annotations

import json
from pathlib import PurePath

import opentimelineio as otio
import pytest
from opentimelineio.opentime import RationalTime as RT
from opentimelineio.opentime import TimeRange as TR

from otio_retake.paths import url_to_path
from otio_retake.timeline.info import global_start_frames, timeline_rate
from otio_retake.timeline.marks import find_marked_ranges, record_markers
from otio_retake.timeline.read import read_timeline
from otio_retake.timeline.segments import track_items
from otio_retake.timeline.write import write_timeline


def _picture(tl):
    rate = timeline_rate(tl)
    start = global_start_frames(tl, rate)
    out = []
    for item, first, last in track_items(tl, tl.tracks[0], rate):
        if isinstance(item, otio.schema.Clip):
            ref = item.media_reference
            name = PurePath(url_to_path(ref.target_url)).name if isinstance(ref, otio.schema.ExternalReference) \
                else item.name
            out.append((start + first, start + last, name, round(item.source_range.start_time.value)))
    return out


def _markers(tl):
    start = global_start_frames(tl)
    return [(start + frame, duration, m.name, m.comment) for frame, duration, m in record_markers(tl)]


@pytest.mark.parametrize("suffix", [".otio", ".xml", ".fcpxml", ".edl"])
def test_sample_round_trips(samples, tmp_path, suffix):
    source = read_timeline(samples / "retake_sample.otio")
    out = tmp_path / f"again{suffix}"
    paths = write_timeline(source, out)
    markers = {"markers": paths[-1]} if suffix == ".edl" else {}
    again = read_timeline(paths[0], **markers)
    assert _picture(again) == _picture(source)
    if suffix == ".edl":
        # An EDL cannot hold a marker's duration or note; Resolve's markers EDL beside it does.
        resolve = [m for m in _markers(again) if m[1] > 0]
        assert resolve == [(f, d, n, c.replace("\n", " ").replace("mode: both", "[mode: both]")
                            .replace("mode: audio", "[mode: audio]")) for f, d, n, c in _markers(source)]
    else:
        assert _markers(again) == _markers(source)
    ranges = lambda tl: [(r.name, r.record_in, r.duration, r.mode) for r in find_marked_ranges(tl)[0]]  # noqa: E731
    assert ranges(again) == ranges(source)


def test_resolve_otio_notes_are_prompts_and_output_uses_schemas_resolve_reads(tmp_path):
    tl = otio.schema.Timeline("Timeline 1", global_start_time=RT(86400, 24),
                              metadata={"Resolve_OTIO": {"Resolve OTIO Meta Version": "1.0"}})
    track = otio.schema.Track("Video 1")
    track.append(otio.schema.Clip("a.mov", media_reference=otio.schema.ExternalReference(
        target_url="/m/a.mov", available_range=TR(RT(0, 24), RT(500, 24))), source_range=TR(RT(0, 24), RT(400, 24))))
    tl.tracks.append(track)
    tl.tracks.markers.append(otio.schema.Marker("Marker 1", TR(RT(100, 24), RT(60, 24)), color="BLUE",
                                                metadata={"Resolve_OTIO": {"Note": "add snow\nmode: both"}}))
    path = tmp_path / "resolve.otio"
    otio.adapters.write_to_file(tl, str(path))
    [rng], _ = find_marked_ranges(read_timeline(path))
    assert (rng.prompt, rng.mode.value, rng.record_in_tc) == ("add snow", "both", "01:00:04:04")
    out = tmp_path / "out.otio"
    write_timeline(read_timeline(path), out)
    schemas = set()

    def walk(node):
        if isinstance(node, dict):
            if "OTIO_SCHEMA" in node:
                schemas.add(node["OTIO_SCHEMA"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(out.read_text()))
    assert "Clip.1" in schemas and "Clip.2" not in schemas  # OTIO 0.14's schemas, which Resolve reads
