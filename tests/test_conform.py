"""Conform: the picked take replaces exactly the marked frames; checked by rendering the final cut."""

from __future__ import annotations


import opentimelineio as otio
import pytest

from conftest import decode_patterns, run_cli, source_frame_at

from otio_retake.errors import InputError
from otio_retake.media.excerpt import render_excerpt
from otio_retake.timeline.conform import conform
from otio_retake.timeline.info import timeline_rate
from otio_retake.timeline.read import read_timeline
from otio_retake.timeline.relink import MediaResolver
from otio_retake.timeline.segments import segments_for


@pytest.fixture(scope="module")
def with_takes(tmp_path_factory, sample_media):
    import shutil
    from conftest import SAMPLES
    folder = tmp_path_factory.mktemp("conform")
    for path in SAMPLES.glob("retake_sample*"):
        shutil.copy(path, folder / path.name)
    (folder / "media").symlink_to(sample_media, target_is_directory=True)
    out = folder / "alts.otio"
    # Half a second of context: the takes keep their 12-frame handles, which conform must step over.
    assert run_cli("run", folder / "retake_sample.otio", "-o", out, "--takes", "2", "--context", "0.5") == 0
    return folder, out


def _render_track(timeline_path, folder, dest):
    timeline = read_timeline(timeline_path)
    rate = timeline_rate(timeline)
    total = round(timeline.tracks.duration().value)
    resolver = MediaResolver(timeline, timeline_dir=folder)
    render_excerpt(segments_for(timeline, 0, 0, total, rate, resolver, range_name="all"), dest, rate=rate)
    return decode_patterns(dest), timeline


def test_picked_takes_replace_exactly_the_marked_frames(with_takes, tmp_path):
    folder, alts = with_takes
    final = tmp_path / "final.otio"
    assert run_cli("conform", alts, "--pick", "sky=B", "--pick", "crossing=A", "-o", final) == 0
    patterns, timeline = _render_track(final, folder, tmp_path / "cut.mp4")
    assert len(patterns) == 456  # nothing moved: same length
    for record, got in enumerate(patterns):
        assert got == source_frame_at(record), record  # take frames carry the source's structure
    items = [(c.name, timeline.tracks[0].range_of_child(c)) for c in timeline.tracks[0]]
    assert [(n, r.start_time.value, r.duration.value) for n, r in items] == [
        ("shot_a.mp4", 0, 48), ("sky take B", 48, 72), ("shot_a.mp4", 120, 84), ("crossing take A", 204, 72),
        ("shot_b.mp4", 276, 180)]
    assert [t.name for t in timeline.tracks] == ["V1", "A1"]  # Retake tracks dropped


def test_regenerated_look_is_in_the_conformed_range_only(with_takes, tmp_path):
    import numpy as np
    from otio_retake.media.decode import decode_all_frames
    folder, alts = with_takes
    final = tmp_path / "final.otio"
    assert run_cli("conform", alts, "--pick", "sky=A", "-o", final) == 0
    _render_track(final, folder, tmp_path / "cut.mp4")
    frames, _, _ = decode_all_frames(str(tmp_path / "cut.mp4"))
    band = np.array([float(f[-40:].mean()) for f in frames])
    dark = [i for i in range(len(band)) if band[i] < band.max() - 30]
    assert dark == list(range(48, 120))


def test_audio_take_goes_on_the_audio_track(with_takes, tmp_path):
    _, alts = with_takes
    final = tmp_path / "final.otio"
    assert run_cli("conform", alts, "--pick", "line=B", "-o", final) == 0
    timeline = otio.adapters.read_from_file(str(final))
    audio = timeline.tracks[1]
    assert [(c.name, audio.range_of_child(c).start_time.value) for c in audio] == [
        ("shot_a.mp4", 0), ("shot_b.mp4", 240), ("line take B", 336), ("shot_b.mp4", 396)]
    assert [c.name for c in timeline.tracks[0]] == ["shot_a.mp4", "shot_b.mp4"]  # picture untouched


def test_pick_all_and_keep_alternates_and_other_formats(with_takes, tmp_path):
    _, alts = with_takes
    out = tmp_path / "final.edl"
    assert run_cli("conform", alts, "--pick-all", "B", "--keep-alternates", "-o", out) == 0
    assert (tmp_path / "final.V1.edl").exists() and (tmp_path / "final.Retake_B.edl").exists()


def test_bad_picks_are_explained(with_takes):
    _, alts = with_takes
    timeline = read_timeline(alts)
    with pytest.raises(InputError, match="range 'sky' has no take C"):
        conform(timeline, {"sky": "C"})
    with pytest.raises(InputError, match="there is no range 'moon'"):
        conform(timeline, {"moon": "A"})


def test_overlapping_picks_are_refused_naming_both(with_takes):
    # Two markers over the same frames (here: crossing's takes moved onto sky's last frames): a conform can show
    # only one picture there; one silently hiding part of the other is refused.
    _, alts = with_takes
    timeline = read_timeline(alts)
    sky = next(c for c in timeline.find_clips() if c.metadata.get("otio_retake", {}).get("range_name") == "sky")
    for clip in timeline.find_clips():
        meta = clip.metadata.get("otio_retake", {})
        if meta.get("range_name") == "crossing":
            meta["record_in_frame"] = sky.metadata["otio_retake"]["record_in_frame"] + 60
    with pytest.raises(InputError) as info:
        conform(timeline, {"sky": "A", "crossing": "B"})
    assert "the picks 'sky' take A (01:00:02:00-01:00:05:00) and 'crossing' take B" in info.value.message
    assert "overlap on track 'V1'" in info.value.message
    conform(timeline, {"sky": "A"})  # either alone is fine


def test_conform_needs_the_takes_metadata(samples, tmp_path, capsys):
    assert run_cli("conform", samples / "retake_sample.otio", "--pick-all", "A", "-o", tmp_path / "x.otio") == 2
    assert "has no otio-retake takes" in capsys.readouterr().err


