"""Every output opens again where it is written (issue 12, point 5).

Each sample is run once; its result is written in every format into a folder far from the sample and
its media, then read back with our readers (media must resolve from there, takes and markers must sit
where they were, each marker once) and with OTIO's stock adapters where they read the format.
"""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import opentimelineio as otio
import pytest

from conftest import SAMPLES, run_cli
from otio_retake import pipeline
from otio_retake.paths import url_to_path
from otio_retake.timeline.fcpxml import parse_time
from otio_retake.timeline.info import global_start_frames, timeline_rate
from otio_retake.timeline.marks import record_markers
from otio_retake.timeline.read import read_timeline
from otio_retake.timeline.relink import MediaResolver
from otio_retake.timeline.segments import track_items
from otio_retake.timeline.write import write_timeline

START = 86400
TAKES = {"sky": (48, 72), "crossing": (204, 72), "line": (336, 60)}  # record in, frames (sample_timelines)
MARKERS = {"sky": 48, "crossing": 204, "line": 336}
SAMPLE_RUNS = {"otio": ("retake_sample.otio", []), "xml": ("retake_sample.xml", []),
               "edl": ("retake_sample.edl", ["--markers", "retake_sample.markers.edl"])}
_DONE: dict[str, Path] = {}


def _result(fmt, tmp_path_factory, sample_media) -> Path:
    """The .otio a run over one sample wrote (once per session)."""
    if fmt not in _DONE:
        folder = tmp_path_factory.mktemp(f"reopen_{fmt}")
        for path in SAMPLES.glob("retake_sample*"):
            shutil.copy(path, folder / path.name)
        shutil.copytree(sample_media, folder / "media")
        name, extra = SAMPLE_RUNS[fmt]
        out = folder / "result.otio"
        # Half a second of context: the takes keep 12-frame handles for every writer to carry, a third less media.
        assert run_cli("run", folder / name, "-o", out, "--context", "0.5",
                       *[folder / e if e.endswith(".edl") else e for e in extra]) == 0
        _DONE[fmt] = out
    return _DONE[fmt]


def _takes_placed(timeline) -> dict[str, set[tuple[str, int, int]]]:
    rate = timeline_rate(timeline)
    start = global_start_frames(timeline, rate)
    placed: dict[str, set] = {}
    for track in timeline.tracks:
        for item, first, last in track_items(timeline, track, rate):
            if isinstance(item, otio.schema.Clip) and " take " in item.name:
                placed.setdefault(item.name.split(" take ")[0], set()).add((track.kind, start + first, last - first))
    return placed


def _check_media_resolve(timeline, folder: Path):
    resolver = MediaResolver(timeline, timeline_dir=folder)  # no --media-dir: the file alone must say where
    missing = [resolver.describe(c) for c in timeline.find_clips() if resolver.resolve(c) is None]
    assert missing == []


def _check_markers(timeline):
    start = global_start_frames(timeline)
    seen = [(start + frame, m.name) for frame, _, m in record_markers(timeline)]
    assert sorted(seen) == sorted({(START + f, n) for n, f in MARKERS.items()})  # each once


@pytest.mark.parametrize("sample", list(SAMPLE_RUNS))
@pytest.mark.parametrize("suffix", [".otio", ".xml", ".edl", ".fcpxml", ".aaf"])
def test_every_output_reopens_where_it_is_written(sample, suffix, tmp_path, tmp_path_factory, sample_media):
    result = read_timeline(_result(sample, tmp_path_factory, sample_media))
    elsewhere = tmp_path / "deliveries" / "today"
    elsewhere.mkdir(parents=True)
    paths = write_timeline(result, elsewhere / f"cut{suffix}")
    if suffix == ".fcpxml":
        _check_fcpxml(paths[0])
        return
    if suffix == ".edl":
        cut_edl = next(p for p in paths if "Retake" not in p.name and not p.name.endswith(".markers.edl"))
        cut = read_timeline(cut_edl, markers=elsewhere / "cut.markers.edl")
        _check_markers(cut)
        placed: dict[str, set] = {}
        for path in paths:
            if "Retake" in path.name:
                timeline = read_timeline(path)
                _check_media_resolve(timeline, elsewhere)
                stock = otio.adapters.read_from_file(str(path), "cmx_3600", rate=24)
                assert all(isinstance(c.media_reference, otio.schema.ExternalReference) for c in stock.find_clips())
                for track in timeline.tracks:
                    rate = timeline_rate(timeline)
                    start = global_start_frames(timeline, rate)
                    for item, first, last in track_items(timeline, track, rate):
                        if isinstance(item, otio.schema.Clip):
                            name = Path(url_to_path(item.media_reference.target_url)).stem.split("_take")[0]
                            placed.setdefault(name, set()).add((start + first, last - first))
        _check_media_resolve(cut, elsewhere)
        assert placed == {n: {(START + f, d)} for n, (f, d) in TAKES.items()}
        return
    again = read_timeline(paths[0])
    _check_media_resolve(again, elsewhere)
    _check_markers(again)
    placed = _takes_placed(again)
    assert {n: {p[1:] for p in s} for n, s in placed.items()} == {n: {(START + f, d)} for n, (f, d) in TAKES.items()}
    stock = otio.adapters.read_from_file(str(paths[0]), {".otio": "otio_json", ".aaf": "AAF"}.get(suffix, "fcp_xml"))
    if isinstance(stock, otio.schema.SerializableCollection):
        stock = next(iter(stock.find_children(descended_from_type=otio.schema.Timeline)))
    for clip in stock.find_clips():
        ref = clip.media_reference
        assert isinstance(ref, otio.schema.ExternalReference) and Path(url_to_path(ref.target_url)).is_file()


def _check_fcpxml(path: Path):
    root = ET.parse(path).getroot()  # well-formed
    rate = 1 / parse_time(root.find(".//format").get("frameDuration"))
    srcs = [rep.get("src") for rep in root.iter("media-rep")]
    assert srcs and all(Path(url_to_path(s)).is_file() for s in srcs), srcs
    takes = {Path(url_to_path(s)).stem.split("_take")[0] for s in srcs if "_take" in s}
    assert takes == set(TAKES)  # the sound-only take too (as a connected clip below the storyline)
    for audition in root.iter("audition"):
        offset = parse_time(audition.get("offset"))
        for alt in list(audition)[1:]:
            name = alt.get("name").split(" take ")[0]
            assert offset * rate == START + TAKES[name][0]
    again = read_timeline(path)
    _check_markers(again)
    _check_media_resolve(again, path.parent)


def test_conform_to_fcpxml_keeps_the_sound_only_take(tmp_path_factory, sample_media, tmp_path):
    final = tmp_path / "final.fcpxml"
    pipeline.conform_file(_result("otio", tmp_path_factory, sample_media), final, picks={}, pick_all="A")
    root = ET.parse(final).getroot()
    srcs = [rep.get("src") for rep in root.iter("media-rep")]
    assert any("line_takeA" in s for s in srcs), srcs
    sound = [c for c in root.iter("asset-clip") if "line take A" in (c.get("name") or "")]
    assert sound and sound[0].get("lane", "").startswith("-")


@pytest.mark.parametrize("suffix", [".fcpxml", ".xml", ".edl", ".otio"])
def test_marker_text_xml_cannot_hold_is_cleaned(samples, tmp_path, suffix):
    timeline = read_timeline(samples / "retake_sample.otio")
    marker = timeline.tracks.markers[0]
    marker.name = "sky\x0bline"
    marker.comment = "Replace the sky\x0bwith\x0c a\x01 storm"
    paths = write_timeline(timeline, tmp_path / f"o{suffix}")
    again = read_timeline(paths[0], **({"markers": paths[-1]} if suffix == ".edl" else {}))
    names = {m.name for _, _, m in record_markers(again)}
    if suffix == ".otio":
        assert "sky\x0bline" in names  # JSON holds it
    else:
        assert "sky line" in names

