"""A take belongs to its marker (issue 22): what identifies a paid job is what was asked for (the footage by its
content, the frames, prompt, mode, seed, takes), what identifies a range is its marker, and take files are named
by identity and never written over. Real loopback HTTP against fal's emulator; money by its `submitted` count,
pictures by decoded frames. (The Premiere cases run through the bridge and the fake premierepro: the node suite.)"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
from fractions import Fraction
from pathlib import Path

import httpx
import opentimelineio as otio
from opentimelineio.opentime import RationalTime as RT
from opentimelineio.opentime import TimeRange as TR

from conftest import EMULATOR_KEY, decode_patterns, run_cli, source_frame_at, take_file

from otio_retake.jobs.store import JobState, Journal


def _submitted(server) -> int:
    return httpx.get(server.url + "/_emulator/stats").json()["submitted"]


def _run(samples, tmp_path, server, *extra, out="o.otio", prefix="sky", context="0"):
    return run_cli("run", samples / "retake_sample.otio", "-o", tmp_path / out, "--provider", "fal",
                   "--base-url", server.url, "--poll-interval", "0.05", "--workspace", tmp_path / "ws",
                   "--marker-prefix", prefix, "--force", "--context", context, *extra)


def _private_media(samples) -> Path:
    """The samples' media as this test's own files (the session's are shared read-only by every worker)."""
    shared = (samples / "media").resolve()
    (samples / "media").unlink()
    shutil.copytree(shared, samples / "media")
    return samples / "media"


def _edit(samples, change) -> None:
    path = samples / "retake_sample.otio"
    timeline = otio.adapters.read_from_file(str(path))
    change(timeline)
    otio.adapters.write_to_file(timeline, str(path))


def _sky_clip(timeline) -> otio.schema.Clip:
    return next(c for c in timeline.tracks[0].find_clips() if any(m.name.startswith("sky") for m in c.markers))


def _sha(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _take_paths(output) -> dict[str, str]:
    """Range name -> the take file the output's Retake A clip points at."""
    timeline = otio.adapters.read_from_file(str(output))
    out = {}
    for clip in timeline.find_clips():
        meta = clip.metadata.get("otio_retake", {})
        if meta.get("take") == "A" and meta.get("take_file"):
            out[meta["range_name"]] = meta["take_file"]
    return out


def test_touched_or_relinked_byte_identical_media_is_never_paid_again(emulator, samples, tmp_path, monkeypatch):
    monkeypatch.setenv("FAL_KEY", EMULATOR_KEY)
    server = emulator("fal", latency=0.05)  # money is what is checked here, not waiting
    media = _private_media(samples)
    assert _run(samples, tmp_path, server) == 0
    assert _submitted(server) == 1
    # `touch`: a new modification time, the same bytes.
    stat = (media / "shot_a.mp4").stat()
    os.utime(media / "shot_a.mp4", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**11))
    assert _run(samples, tmp_path, server) == 0
    assert _submitted(server) == 1
    cache = json.loads((tmp_path / "ws" / "media-digests.json").read_text())["files"]
    assert cache[str(media.resolve() / "shot_a.mp4")][1] == stat.st_mtime_ns + 10**11  # read once more, kept
    # Moved to another drive (copied: new path, new mtime) and relinked with --media-dir.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for name in ("shot_a.mp4", "shot_b.mp4"):
        shutil.copyfile(media / name, elsewhere / name)
    shutil.rmtree(media)
    assert _run(samples, tmp_path, server, "--media-dir", elsewhere) == 0
    assert _submitted(server) == 1
    # Other pictures under the same name are other footage: paid for.
    shutil.copyfile(elsewhere / "shot_b.mp4", elsewhere / "shot_a.mp4")
    assert _run(samples, tmp_path, server, "--media-dir", elsewhere) == 0
    assert _submitted(server) == 2


def test_renaming_a_marker_or_adding_a_same_named_one_earlier_pays_only_for_the_new_one(emulator, samples, tmp_path,
                                                                                          monkeypatch):
    monkeypatch.setenv("FAL_KEY", EMULATOR_KEY)
    server = emulator("fal", latency=0.05)  # money is what is checked here, not waiting
    assert _run(samples, tmp_path, server, out="a.otio") == 0
    first = _take_paths(tmp_path / "a.otio")["sky"]
    digest = _sha(first)

    def earlier_sky(timeline):  # on the same clip, before the first: its media time is 24 (record 0)
        marker = otio.schema.Marker(name="sky", marked_range=TR(RT(24, 24), RT(48, 24)), color="RED")
        marker.comment = "A hawk circles over the roofs"
        _sky_clip(timeline).markers.append(marker)

    _edit(samples, earlier_sky)
    assert _run(samples, tmp_path, server, out="b.otio") == 0
    assert _submitted(server) == 2  # the new marker only
    takes = _take_paths(tmp_path / "b.otio")
    # The first marker keeps its take (the very file), told from the new one by its timecode, not as "sky (2)".
    assert sorted(takes) == ["sky (at 01:00:00:00)", "sky (at 01:00:02:00)"]
    assert takes["sky (at 01:00:02:00)"] == first and _sha(first) == digest

    def rename(timeline):
        marker = next(m for m in _sky_clip(timeline).markers if m.comment != "A hawk circles over the roofs")
        marker.name = "sky at dusk"

    _edit(samples, rename)
    assert _run(samples, tmp_path, server, out="c.otio") == 0
    assert _submitted(server) == 2
    takes = _take_paths(tmp_path / "c.otio")
    assert takes["sky at dusk"] == first and _sha(first) == digest


def test_a_re_run_over_its_output_follows_a_renamed_marker_to_its_takes(emulator, samples, tmp_path, monkeypatch):
    monkeypatch.setenv("FAL_KEY", EMULATOR_KEY)
    server = emulator("fal", latency=0.05)  # money is what is checked here, not waiting
    assert _run(samples, tmp_path, server) == 0
    output = tmp_path / "o.otio"
    timeline = otio.adapters.read_from_file(str(output))
    next(m for c in timeline.find_clips() for m in c.markers if m.name == "sky").name = "sky renamed"
    otio.adapters.write_to_file(timeline, str(output))
    assert run_cli("run", output, "-o", tmp_path / "again.otio", "--provider", "fal", "--base-url", server.url,
                   "--poll-interval", "0.05", "--workspace", tmp_path / "ws2", "--marker-prefix", "sky", "--force",
                   "--context", "0") != 0  # nothing left to retake: its take A is on the timeline
    assert _submitted(server) == 1


def test_take_files_of_any_name_never_collide(emulator, samples, tmp_path, monkeypatch):
    """"空" and "海" were both `range_takeA.mp4`: one range showed the other's picture."""
    monkeypatch.setenv("FAL_KEY", EMULATOR_KEY)
    server = emulator("fal", latency=0.05)  # money is what is checked here, not waiting

    def names(timeline):
        for marker in [*timeline.tracks.markers, *_sky_clip(timeline).markers]:
            marker.name = {"sky": "空", "crossing": "海"}[marker.name]
        timeline.tracks[0].markers.clear()  # 'line': a third range is not needed here

    _edit(samples, names)
    assert run_cli("run", samples / "retake_sample.otio", "-o", tmp_path / "o.otio", "--provider", "fal",
                   "--base-url", server.url, "--poll-interval", "0.05", "--workspace", tmp_path / "ws", "--force",
                   "--context", "0.5") == 0
    takes = _take_paths(tmp_path / "o.otio")
    assert set(takes) == {"空", "海"} and takes["空"] != takes["海"]
    assert Path(takes["空"]).name.startswith("空_takeA_") and Path(takes["海"]).name.startswith("海_takeA_")
    # Each range shows its own picture: the take's handle frames are its own range's source frames.
    for name, record_in in (("空", 48), ("海", 204)):
        shown = decode_patterns(takes[name])
        assert shown[:12] == [source_frame_at(record_in - 12 + k) for k in range(12)], name


def test_long_names_sharing_forty_characters_and_any_script_get_their_own_readable_files(tmp_path):
    from otio_retake.jobs.workspace import Workspace, slug
    from otio_retake.model import MarkedRange, Mode, RetakePlan
    ws = Workspace(tmp_path)

    def plan(name):
        rng = MarkedRange(name=name, prompt="p", mode=Mode.VIDEO, record_in=0, duration=48, rate=Fraction(24))
        return RetakePlan(range=rng, provider="fal", take_index=0, seed=1, context_in=0, context_out=48,
                          section_start=Fraction(0), section_duration=Fraction(2), cost_usd=0.1)

    long = "The long establishing shot over the harbour at dawn"
    paths = {ws.take_path(plan(name), key, audio_only=False)
             for name, key in ((long + " 1", "a" * 12), (long + " 2", "b" * 12), ("空", "c" * 12), ("海", "d" * 12))}
    assert len(paths) == 4
    assert slug("空") == "空" and slug("a/b:c*d?") == "a_b_c_d" and slug("...") == "range"
    assert slug("e\u0301t\u00e9") == "\u00e9t\u00e9"  # one form (NFC) for one name, as macOS decomposes them


def test_an_earlier_output_keeps_pointing_at_the_take_it_was_written_with(emulator, samples, tmp_path, monkeypatch):
    monkeypatch.setenv("FAL_KEY", EMULATOR_KEY)
    server = emulator("fal", latency=0.05)  # money is what is checked here, not waiting
    assert _run(samples, tmp_path, server, out="first.otio") == 0
    first = _take_paths(tmp_path / "first.otio")["sky"]
    digest = _sha(first)
    timeline = samples / "retake_sample.otio"
    timeline.write_text(timeline.read_text().replace("stormy sunset", "clear blue noon"))
    assert _run(samples, tmp_path, server, out="second.otio") == 0
    assert _submitted(server) == 2
    second = _take_paths(tmp_path / "second.otio")["sky"]
    assert second != first and _sha(first) == digest  # the first output's take was not written over
    assert _sha(second) != digest


def test_a_journal_written_under_identity_version_2_is_never_paid_twice(emulator, samples, tmp_path, monkeypatch):
    """The workspace as otio-retake with identity VERSION 2 left it: the job keyed by the media's path and mtime,
    the range's name and its seed derived from that name; its take named `takes/<range>_take<A>.mp4`."""
    from otio_retake import pipeline
    from otio_retake.jobs.identity import as_before, v2_key
    from otio_retake.jobs.plan import sends_seed
    from otio_retake.timeline.marks import MarkerFilter
    monkeypatch.setenv("FAL_KEY", EMULATOR_KEY)
    server = emulator("fal", latency=0.05)  # money is what is checked here, not waiting
    assert _run(samples, tmp_path, server) == 0
    loaded = pipeline.load(samples / "retake_sample.otio", marker_filter=MarkerFilter(name_prefix="sky"))
    [plan] = pipeline.plan(loaded, provider="fal", context_seconds=0)
    runner = pipeline.make_runner(loaded, provider="fal", workspace=tmp_path / "ws", base_urls={"fal": server.url})
    provider = runner.pool.provider("fal")
    new_key = runner.planner.plan_key([plan])
    old_key = v2_key(as_before([plan]), host="fal", model=provider.model, endpoint=provider.base_url,
                     seed_sent=sends_seed(provider), host_params={}, segments=runner.planner.segments(plan),
                     rate=Fraction(24), limits=provider.limits)
    ws = tmp_path / "ws"
    [record] = Journal(ws / "jobs.sqlite").all()
    old_take = ws / "takes" / "sky_takeA.mp4"
    Path(record.takes_json[0]["path"]).rename(old_take)
    db = sqlite3.connect(ws / "jobs.sqlite")
    db.execute("UPDATE jobs SET plan_key=?, takes_json=? WHERE plan_key=?",
               (old_key, json.dumps([dict(t, path=str(old_take)) for t in record.takes_json]), new_key))
    db.execute("UPDATE events SET plan_key=? WHERE plan_key=?", (old_key, new_key))
    db.commit()
    db.close()
    (ws / "media-digests.json").unlink()  # that version kept none
    assert _run(samples, tmp_path, server) == 0
    assert _submitted(server) == 1
    journal = Journal(ws / "jobs.sqlite")
    assert journal.get(old_key).state == JobState.SUPERSEDED
    new = journal.get(new_key)
    assert new.state == JobState.TAKE_READY and new.handle.job_id == record.handle.job_id
    assert _take_paths(tmp_path / "o.otio")["sky"] == str(old_take)  # its take, still the one it cut, is used
    assert take_file(ws / "takes" / "sky_takeA.mp4").name.endswith("(none).mp4")  # none cut again
