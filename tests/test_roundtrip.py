"""The whole round trip on every sample format, checked with decoded frames and sound."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import opentimelineio as otio
import pytest

from conftest import SAMPLES, decode_patterns, dominant_hz, run_cli, source_frame_at, take_file

from otio_retake.media.decode import decode_all_frames
from otio_retake.media.probe import probe
from otio_retake.providers.preview import PREVIEW_TONE_HZ

START = 86400
RANGES = {"sky": (48, 72, "video"), "crossing": (204, 72, "both"), "line": (336, 60, "audio")}
FORMATS = {
    "otio": ("retake_sample.otio", []),
    "xml": ("retake_sample.xml", []),
    "edl": ("retake_sample.edl", ["--markers", "retake_sample.markers.edl"]),
}


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


_RUNS: dict[str, tuple] = {}


def _run(fmt, tmp_path_factory, sample_media):
    """One CLI run per format per session, shared by the tests that inspect it."""
    if fmt in _RUNS:
        return _RUNS[fmt]
    folder = tmp_path_factory.mktemp(f"run_{fmt}")
    for path in SAMPLES.glob("retake_sample*"):
        shutil.copy(path, folder / path.name)
    shutil.copytree(sample_media, folder / "media")
    before = _digest(folder)
    name, extra = FORMATS[fmt]
    extra = [folder / e if e.endswith(".edl") else e for e in extra]
    out = folder / "out" / f"result.{fmt}"
    out.parent.mkdir()
    # Half a second of context: room for the full 12-frame handles checked below, a third less media than 2 s.
    code = run_cli("run", folder / name, "-o", out, "--context", "0.5", *extra)
    assert code == 0
    _RUNS[fmt] = (fmt, folder, out, before)
    return _RUNS[fmt]


@pytest.fixture(params=list(FORMATS))
def finished_run(request, tmp_path_factory, sample_media):
    return _run(request.param, tmp_path_factory, sample_media)


@pytest.fixture
def edl_run(tmp_path_factory, sample_media):
    return _run("edl", tmp_path_factory, sample_media)


@pytest.fixture
def otio_run(tmp_path_factory, sample_media):
    return _run("otio", tmp_path_factory, sample_media)


def _read_outputs(fmt, out: Path) -> list[otio.schema.Timeline]:
    if fmt == "edl":
        files = sorted(out.parent.glob("result.*.edl"))
        # the cut, Retake A, and the markers in Resolve's format
        assert [f.name for f in files] == ["result.Retake_A.edl", "result.V.edl", "result.markers.edl"]
        return [otio.adapters.read_from_file(str(f), rate=24) for f in files[:2]]
    return [otio.adapters.read_from_file(str(out))]


def _record_start(timeline, track) -> int:
    """Absolute record frame of the track's first item, read the way each adapter stores it."""
    base = round(timeline.global_start_time.value) if timeline.global_start_time is not None else 0
    if track.source_range is not None:  # the EDL adapter keeps record time in a negative track start
        base -= round(track.source_range.start_time.value)
    return base


def test_takes_sit_at_the_marked_record_ranges_when_the_output_is_read_back(finished_run):
    fmt, _, out, _ = finished_run
    placed = {}
    for timeline in _read_outputs(fmt, out):
        for track in timeline.tracks:
            base = _record_start(timeline, track)
            for clip in track.find_clips():
                if "take" in clip.name:  # "sky take A" (OTIO, XML) or "sky_takeA.mp4" (EDL: FROM CLIP NAME)
                    rng = track.range_of_child(clip)
                    placed.setdefault(clip.name.split(" take")[0].split("_take")[0], set()).add(
                        (track.kind, base + round(rng.start_time.value), round(rng.duration.value)))
    for name, (record_in, duration, mode) in RANGES.items():
        kinds = {"video": {"Video"}, "audio": {"Audio"}, "both": {"Video", "Audio"}}[mode]
        assert placed[name] == {(k, START + record_in, duration) for k in kinds}, (fmt, name, placed)


def test_video_take_frames_are_the_source_frames_of_their_record_range(finished_run):
    fmt, folder, out, _ = finished_run
    takes = folder / "retake_sample.retake" / "takes"
    for name in ("sky", "crossing"):
        record_in, duration, _ = RANGES[name]
        path = take_file(takes / f"{name}_takeA.mp4")
        patterns = decode_patterns(path)
        assert len(patterns) == 12 + duration + 12  # the sample windows have room for full handles
        head = 12
        for i, got in enumerate(patterns):
            assert got == source_frame_at(record_in - head + i), (fmt, name, i)
        # The take's embedded timecode is the record timecode of its first frame.
        assert probe(path).start_frame() == START + record_in - head


def test_regenerated_frames_are_exactly_the_marked_ones(finished_run):
    _, folder, _, _ = finished_run
    path = take_file(folder / "retake_sample.retake" / "takes" / "sky_takeA.mp4")
    frames, _, _ = decode_all_frames(str(path))
    band = [float(f[-40:].mean()) for f in frames]  # the label band darkens the bottom fifth
    dark = [i for i, b in enumerate(band) if b < min(band) + 20]
    assert dark == list(range(12, 12 + 72))


def test_sound_is_replaced_only_in_audio_modes(finished_run):
    _, folder, _, _ = finished_run
    takes = folder / "retake_sample.retake" / "takes"
    # line: audio only -> a WAV whose marked part is the engine's tone, handles the source (660 Hz, shot B).
    wav = take_file(takes / "line_takeA.wav")
    assert wav.exists() and not probe(wav).has_video
    assert abs(dominant_hz(wav, 0.5 + 0.1, 2.0) - PREVIEW_TONE_HZ) < 5
    assert abs(dominant_hz(wav, 0.0, 0.45) - 660) < 5
    # crossing: both -> picture and sound; sky: video only -> the source's sound (440 Hz, shot A).
    assert abs(dominant_hz(take_file(takes / "crossing_takeA.mp4"), 0.6, 2.0) - PREVIEW_TONE_HZ) < 5
    assert abs(dominant_hz(take_file(takes / "sky_takeA.mp4"), 0.6, 2.0) - 440) < 5


def test_provenance_is_on_every_take_clip(otio_run):
    _, _, out, _ = otio_run
    timeline = otio.adapters.read_from_file(str(out))
    clips = [c for t in timeline.tracks if t.name == "Retake A" for c in t.find_clips()]
    meta = clips[0].metadata["otio_retake"]
    for key in ("prompt", "mode", "provider", "seed", "record_in", "record_out", "take_file", "checks"):
        assert key in meta
    assert meta["provider"] == "preview" and meta["checks"]["context_match"] is True
    assert meta["checks"]["offset_frames"] == 0
    assert Path(meta["take_file"]).exists()


def test_the_editors_files_are_untouched_and_nothing_partial_is_left(finished_run):
    _, folder, out, before = finished_run
    after = _digest(folder)
    assert {k: v for k, v in after.items() if k in before} == before
    leftovers = [p for p in folder.rglob("*") if ".partial" in p.name]
    assert leftovers == []


def test_otio_output_keeps_the_original_tracks_unchanged(otio_run):
    _, folder, out, _ = otio_run
    source = otio.adapters.read_from_file(str(folder / "retake_sample.otio"))
    result = otio.adapters.read_from_file(str(out))
    # the one change: media paths relative to the editor's timeline become absolute URLs, so the output
    # (written in another folder) still finds them
    for clip in source.find_clips():
        clip.media_reference.target_url = (folder / clip.media_reference.target_url).as_uri()
    for original, kept in zip(source.tracks, result.tracks):
        assert otio.adapters.write_to_string(original, "otio_json") == otio.adapters.write_to_string(kept, "otio_json")
    assert [t.name for t in result.tracks] == ["V1", "A1", "Retake A", "Retake A"]




def test_edl_output_keeps_the_markers_for_resolve(edl_run):
    _, _, out, _ = edl_run
    from otio_retake.timeline.marks import find_marked_ranges
    from otio_retake.timeline.read import read_timeline
    cut = read_timeline(out.with_name("result.V.edl"), markers=out.with_name("result.markers.edl"))
    # Read with its Retake EDL beside it, the output is a cut whose ranges all have take A: kept, not sent again.
    ranges, skipped = find_marked_ranges(cut)
    assert ranges == [] and {s.name for s in skipped if "already has take(s) A" in s.reason} == set(RANGES)
    # Without it, the Resolve markers carry range, note and directives (LOCs of the cut, zero long, are skipped).
    takes_edl = out.with_name("result.Retake_A.edl")
    aside = takes_edl.rename(takes_edl.with_suffix(".aside"))
    try:
        cut = read_timeline(out.with_name("result.V.edl"), markers=out.with_name("result.markers.edl"))
    finally:
        aside.rename(takes_edl)
    ranges, _ = find_marked_ranges(cut)
    assert {(r.name, r.record_in, r.duration, r.mode.value) for r in ranges} == {
        (name, rec, dur, mode) for name, (rec, dur, mode) in RANGES.items()}
