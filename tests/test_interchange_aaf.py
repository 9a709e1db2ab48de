"""Avid Media Composer AAF in: locators where Media Composer shows them (record time, span, colour, track),
only the sequence's own, master-clip AAFs, media found by tape or linked file name, and bad files.

Real exports from ../shared/fixtures/avid (SOURCES.md there); what they lack is built with pyaaf2 the way
Media Composer structures it (aaf_sources.py).
"""

from __future__ import annotations

import re
import shutil

import aaf2
import opentimelineio as otio
import pytest

from aaf_sources import TAPE_START, write_master_clip_aaf, write_sequence_aaf
from fractions import Fraction

from conftest import run_cli
from media_sources import make_source
from otio_retake.timeline.info import timeline_drop_frame
from otio_retake.timeline.write import write_timeline
from otio_retake.errors import TimelineReadError
from otio_retake.timecode import frames_to_timecode
from otio_retake.timeline.conform import conform
from otio_retake.timeline.marks import MarkerFilter, existing_takes, find_marked_ranges, record_markers
from otio_retake.timeline.read import read_timeline
from otio_retake.timeline.relink import MediaResolver

ONE_SECOND = MarkerFilter(default_length_seconds=1)

# multiple_markers.aaf as Media Composer shows it: (record frame, track, colour, comment). Each comment
# names its track; those on clips name the V1 shot and its source frame there, checked below.
MULTIPLE_MARKERS = [
    (0, "V1", "RED", "PUBLISH"), (0, "V2", "YELLOW", "FX"), (0, "V3", "CYAN", "INSERT"),
    (106, "V5", "YELLOW", "YELLOW: V5: Digital Header: In gap"),
    (295, "V1", "GREEN", "GREEN: V1: zts02_1010: f1104: seq.f1104"),
    (518, "V2", "BLUE", "BLUE: V2 (no FX): zts02_1020: f1134: seq.f1327"),
    (856, "V3", "CYAN", "CYAN: V3: zts02_1030: f1212: seq.f1665"),
    (857, "V4", "MAGENTA", "MAGENTA: V4: zts02_1040: f1001: seq.f1666"),
    (1076, "V5", "RED", "RED: V5: zts02_1050: f1061: seq.f1885"),
    (1795, "TC1", "GREEN", "GREEN: TC1: zts02_1080: f1206: seq.f2604"),
]


@pytest.fixture(scope="module")
def multiple_markers(request):
    """multiple_markers.aaf read once for the tests that only look at it (a read costs about a second)."""
    from conftest import SHARED_FIXTURES
    return read_timeline(SHARED_FIXTURES / "avid" / "multiple_markers.aaf")


def _markers(timeline):
    return [(frame, m.metadata["otio_retake"]["avid_track"], m.color, m.comment)
            for frame, _, m in record_markers(timeline)]


def test_every_locator_sits_at_the_record_frame_media_composer_shows(multiple_markers):
    timeline = multiple_markers
    assert sorted(_markers(timeline)) == sorted(MULTIPLE_MARKERS)
    assert frames_to_timecode(round(timeline.global_start_time.value), 24) == "01:00:00:00"
    assert [t.name for t in timeline.tracks] == ["V1", "V2", "V3", "V4", "V5"]  # empty V2/V3 kept: numbers hold
    # The comments say which V1 shot and source frame Media Composer showed under each locator.
    v1 = timeline.tracks[0]
    for frame, _, _, comment in MULTIPLE_MARKERS:
        said = re.search(r"(zts02_\d+): f(\d+)", comment)
        if said and "TC1" not in comment:
            clip = v1.child_at_time(otio.opentime.RationalTime(frame, 24))
            source = timeline.tracks.transformed_time(otio.opentime.RationalTime(frame, 24), clip)
            assert (clip.name, round(source.value)) == (said[1], int(said[2])), comment
    # Planned at those frames, with their colour and comment as the prompt.
    ranges, skipped = find_marked_ranges(timeline, marker_filter=ONE_SECOND)
    assert not skipped
    assert sorted((r.record_in, r.color, r.prompt) for r in ranges) == \
        sorted((f, c, t) for f, _, c, t in MULTIPLE_MARKERS)


def test_the_stock_adapter_puts_locators_in_source_time_which_is_why_we_read_them_ourselves(avid_dir):
    stock = otio.adapters.read_from_file(str(avid_dir / "multiple_markers.aaf"))
    clip = next(c for c in stock.find_clips() if c.markers and c.name == "zts02_1010")
    assert clip.markers[0].marked_range.start_time.value == 1104  # the source frame, not record frame 295


def test_locators_over_transitions_match_the_listing_of_them(avid_dir):
    timeline = read_timeline(avid_dir / "multiple-markers-over-transitions.aaf")
    listed = [line.split("\t") for line in
              (avid_dir / "multiple-markers-over-transitions.txt").read_text().splitlines() if line.strip()]
    expected = sorted((int(pos), track, color.upper(), comment, int(span))
                      for _, pos, track, color, comment, span in listed)
    got = sorted((frame, m.metadata["otio_retake"]["avid_track"], m.color, m.comment, span)
                 for frame, span, m in record_markers(timeline))
    # The sequence is 392 frames and holds 59 locators: the listing's last three (392, 398, 404) lie past
    # its end and are not in this export; every other one is where the listing says.
    assert timeline.tracks.duration().value == 392
    assert got == [e for e in expected if e[0] < 392] and [e[0] for e in expected if e[0] >= 392] == [392, 398, 404]
    ranges, skipped = find_marked_ranges(timeline, marker_filter=ONE_SECOND)
    assert len(ranges) == 59 and not skipped


def test_a_locator_past_the_end_of_the_sequence_is_skipped_naming_it(edited_copy):
    def change(f, events):
        events[1].segment.components[1]["Position"].value = 2275 + 100
    timeline = read_timeline(edited_copy(change))
    ranges, skipped = find_marked_ranges(timeline, marker_filter=ONE_SECOND)
    assert len(ranges) == 9
    [skip] = skipped
    assert skip.name.startswith("GREEN: V1") and "past the timeline's end" in skip.reason
    moved = next(m for m in timeline.tracks.markers if m.name.startswith("GREEN: V1"))
    assert moved.metadata["otio_retake"]["origin"].endswith("edited.aaf, locator 3 on V1 at 01:01:38:23")


@pytest.fixture
def edited_copy(avid_dir, tmp_path):
    """A writable copy of multiple_markers.aaf, changed with pyaaf2 as a test needs."""
    def edit(change):
        path = tmp_path / "edited.aaf"
        shutil.copy(avid_dir / "multiple_markers.aaf", path)
        path.chmod(0o644)
        with aaf2.open(str(path), "rw") as f:
            mob = next(f.content.toplevel())
            change(f, [s for s in mob.slots if isinstance(s, aaf2.mobslots.EventMobSlot)])
        return path
    return edit


def test_a_spanned_locator_keeps_its_length_and_a_note_its_directives(edited_copy):
    def change(f, events):
        marker = events[1].segment.components[1]  # GREEN on V1 at 295
        marker["CommentMarkerAttributeList"].append(f.create.TaggedValue("_ATN_CRM_LENGTH", 48))
        marker["Comment"].value = "rain on the window\nmode: both"
    timeline = read_timeline(edited_copy(change))
    spanned = [(frame, span) for frame, span, m in record_markers(timeline) if m.name == "rain on the window"]
    assert spanned == [(295, 48)]
    ranges, _ = find_marked_ranges(timeline)  # no --default-length: only the spanned locator is a range
    assert [(r.record_in, r.duration, r.prompt, r.mode.value) for r in ranges] == [(295, 48, "rain on the window",
                                                                                    "both")]


def test_a_locator_on_a_track_the_sequence_lacks_is_planned_on_the_picture_and_named(edited_copy):
    def change(f, events):
        events[4]["PhysicalTrackNumber"].value = 7  # "Use Selected Tracks": V7 in a 5-track sequence
    timeline = read_timeline(edited_copy(change))
    moved = [(frame, m.metadata["otio_retake"]["avid_track"]) for frame, _, m in record_markers(timeline)
             if m.name.startswith("MAGENTA")]
    assert moved == [(857, "V7")]
    warnings = timeline.metadata["otio_retake"]["warnings"]
    assert len(warnings) == 1 and "on V7, which the sequence does not have" in warnings[0]
    ranges, _ = find_marked_ranges(timeline, marker_filter=ONE_SECOND)
    assert 857 in [r.record_in for r in ranges]


def test_a_sequence_without_locators_says_so_naming_the_file(edited_copy, tmp_path, capsys):
    def change(f, events):
        for slot in events:
            slot.segment.components.value = []
    path = edited_copy(change)
    assert run_cli("plan", path) == 5  # nothing to do
    err = capsys.readouterr().err
    assert "edited.aaf: no markers found" in err and "Traceback" not in err


def test_only_the_sequences_own_locators_are_ranges_not_its_master_clips(tmp_path):
    timeline = read_timeline(write_sequence_aaf(tmp_path / "cut.aaf"))
    assert [(frame, m.name) for frame, _, m in record_markers(timeline)] == [(5, "sequence locator")]
    stock = otio.adapters.read_from_file(str(tmp_path / "cut.aaf"))
    assert "master clip locator, not on the sequence" in [m.name for c in stock.find_clips() for m in c.markers]


@pytest.mark.parametrize("drop", [True, False])
def test_a_2997_sequence_is_labelled_drop_frame_or_not_as_its_timecode_says(tmp_path, drop):
    timeline = read_timeline(write_sequence_aaf(tmp_path / "cut.aaf", rate=Fraction(30000, 1001), drop=drop))
    assert timeline_drop_frame(timeline) is drop
    [marker] = timeline.tracks.markers
    assert marker.metadata["otio_retake"]["origin"].endswith("at 01:00:00;05" if drop else "at 01:00:00:05")
    write_timeline(timeline, tmp_path / "out.aaf")  # and written back so
    again = read_timeline(tmp_path / "out.aaf")
    assert timeline_drop_frame(again) is drop and again.global_start_time == timeline.global_start_time


def test_plan_says_which_media_it_found_by_tape_name(tmp_path, capsys):
    media = tmp_path / "media"
    media.mkdir()
    make_source(media / "A007.mov", clip_id=7, frames=120, audio=None)
    path = write_master_clip_aaf(tmp_path / "clip.aaf")
    assert run_cli("plan", path, "--default-length", "2", "--media-dir", media) == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert "relinked clip 'A007_C012'" in printed and "(found by tape name 'A007' in" in printed


@pytest.mark.parametrize("sound_only", [False, True])
def test_an_aaf_of_one_master_clip_is_a_timeline_of_it_timed_from_its_tape(tmp_path, sound_only):
    timeline = read_timeline(write_master_clip_aaf(tmp_path / "clip.aaf", sound_only=sound_only))
    assert round(timeline.global_start_time.value) == TAPE_START
    [track] = timeline.tracks
    assert (track.name, track.kind) == (("A1", "Audio") if sound_only else ("V1", "Video"))
    assert [(frame, m.name) for frame, _, m in record_markers(timeline)] == [(10, "She turns to the window")]


def test_a_sound_master_clip_counted_in_samples_is_timed_in_its_tapes_frames(tmp_path):
    timeline = read_timeline(write_master_clip_aaf(tmp_path / "clip.aaf", sample_rate=48000))
    assert timeline.global_start_time == otio.opentime.RationalTime(TAPE_START, 25)  # 01:00:00:00 at 25 fps
    [track] = timeline.tracks
    assert (track.kind, track.duration()) == ("Audio", otio.opentime.RationalTime(120, 25))
    assert [(frame, span) for frame, span, _ in record_markers(timeline)] == [(10, 1)]


def test_media_is_found_by_tape_name_and_by_linked_file_name(tmp_path, multiple_markers):
    media = tmp_path / "media"
    media.mkdir()
    (media / "zox03_0010_comp_review_base_v002.mov").touch()  # the tape of the zts02 slugs
    (media / "A007_C012.mov").touch()  # the linked file of a master clip
    cut = multiple_markers
    found = MediaResolver(cut, timeline_dir=tmp_path, media_dirs=[media]).resolve(cut.tracks[0][1])
    assert found.how.startswith("found by tape name 'zox03_0010_comp_review_base_v002'")
    clip = read_timeline(write_master_clip_aaf(tmp_path / "clip.aaf"))
    resolver = MediaResolver(clip, timeline_dir=tmp_path / "elsewhere", media_dirs=[media])
    assert resolver.resolve(clip.find_clips()[0]).path == (media / "A007_C012.mov").resolve()


def test_a_truncated_aaf_or_another_file_gets_one_line_naming_it(avid_dir, tmp_path, capsys):
    truncated = tmp_path / "cut.aaf"
    truncated.write_bytes((avid_dir / "multiple_markers.aaf").read_bytes()[:300_000])
    other = tmp_path / "notes.aaf"
    other.write_text("TITLE: not an AAF\n")
    with pytest.raises(TimelineReadError, match=r"cut\.aaf: is a damaged or truncated AAF file"):
        read_timeline(truncated)
    with pytest.raises(TimelineReadError, match=r"notes\.aaf: is not an AAF file"):
        read_timeline(other)
    assert run_cli("plan", truncated) == 2
    err = capsys.readouterr().err
    assert "damaged or truncated" in err and "Traceback" not in err


def test_sound_takes_go_on_an_audio_track_that_reads_back_as_takes_and_conforms(tmp_path, multiple_markers):
    """Written without a run: a sound take as alternates.take_clip makes it, on a new audio track."""
    timeline = multiple_markers.deepcopy()
    meta = {"range_name": "line", "take": "A", "prompt": "she says hi", "mode": "audio", "record_in_frame": 86400 + 300,
            "duration_frames": 48, "track_index": 0}
    take = otio.schema.Clip(name="line take A", metadata={"otio_retake": meta},
                            media_reference=otio.schema.ExternalReference(
                                target_url=(tmp_path / "line_takeA.wav").as_uri(),
                                available_range=otio.opentime.TimeRange(otio.opentime.RationalTime(86700, 24),
                                                                        otio.opentime.RationalTime(48, 24))),
                            source_range=otio.opentime.TimeRange(otio.opentime.RationalTime(86700, 24),
                                                                 otio.opentime.RationalTime(48, 24)))
    track = otio.schema.Track(name="Retake A", kind="Audio", metadata={"otio_retake": {"take": "A"}})
    track.append(otio.schema.Gap(source_range=otio.opentime.TimeRange(otio.opentime.RationalTime(0, 24),
                                                                      otio.opentime.RationalTime(300, 24))))
    track.append(take)
    timeline.tracks.append(track)
    write_timeline(timeline, tmp_path / "out.aaf")
    again = read_timeline(tmp_path / "out.aaf")
    [sound] = [t for t in again.tracks if t.kind == "Audio"]
    [clip] = sound.find_clips()
    assert (sound.name, clip.name, sound.range_of_child(clip).start_time.value) == ("Retake A", "line take A", 300)
    assert existing_takes(again) == {"line": {"A"}}
    final, chosen = conform(again, {}, pick_all="A")
    assert chosen == {"line": "A"} and not existing_takes(final)


def test_reading_prints_nothing_of_its_own_so_plan_json_stays_json(tmp_path, capsys):
    """The adapter prints to stdout for a clip whose master clip slot is gone; pyaaf2 logs to the root logger."""
    path = write_sequence_aaf(tmp_path / "cut.aaf", unlinked=True)
    capsys.readouterr()
    timeline = read_timeline(path)
    assert timeline.tracks.duration().value == 48 + 24
    printed = capsys.readouterr()
    assert printed.out == "" and printed.err == ""


@pytest.mark.parametrize("name", ["premiere_example.xml", "fcpx_project.fcpxml", "dissolve_test.edl"])
def test_other_formats_written_as_aaf_keep_every_track_length_and_marker(fixtures_dir, tmp_path, name):
    """Nests (written flattened: the adapter drops their trim), dissolves from other formats (the adapter
    needs Avid's operation), clips at another rate (it writes one edit rate), empty tracks kept."""
    timeline = read_timeline(fixtures_dir / name)
    write_timeline(timeline, tmp_path / "out.aaf")
    again = read_timeline(tmp_path / "out.aaf")
    # every track in its place (one holding only a title, written as filler, comes back empty)
    assert [t.kind for t in again.tracks] == [t.kind for t in timeline.tracks]
    assert [(i, t.duration().value) for i, t in enumerate(again.tracks) if t.find_clips()] == \
        [(i, t.duration().value) for i, t in enumerate(timeline.tracks) if again.tracks[i].find_clips()]
    assert [(f, s) for f, s, _ in record_markers(again)] == [(f, max(s, 1)) for f, s, _ in record_markers(timeline)]


def test_a_locator_in_both_the_aaf_and_its_marker_list_is_one_range(avid_dir, tmp_path):
    listed = tmp_path / "cut Markers.txt"
    listed.write_text("stephn\t01:00:35:17\tV4\tmagenta\tMAGENTA: V4: zts02_1040: f1001: seq.f1666\t1\r\n"
                      "stephn\t01:00:36:00\tV4\tmagenta\tnot in the AAF\t1\r\n", encoding="utf-8")
    timeline = read_timeline(avid_dir / "multiple_markers.aaf", markers=listed)
    at_857 = [m.comment for f, _, m in record_markers(timeline) if f == 857]
    assert at_857 == ["MAGENTA: V4: zts02_1040: f1001: seq.f1666"]
    assert len(record_markers(timeline)) == len(MULTIPLE_MARKERS) + 1


def test_a_cut_with_dissolves_written_back_keeps_its_clips_and_locators(avid_dir, tmp_path):
    timeline = read_timeline(avid_dir / "multiple-markers-over-transitions.aaf")
    write_timeline(timeline, tmp_path / "out.aaf")
    again = read_timeline(tmp_path / "out.aaf")

    def shape(t):
        return ([(type(i).__name__, i.name if isinstance(i, otio.schema.Clip) else "", i.duration().value)
                 for i in t.tracks[0]], [(f, s, m.comment) for f, s, m in record_markers(t)])
    assert shape(again) == shape(timeline)


def test_nothing_of_ours_is_an_aaf_adapter_hook():
    """otio-aaf-adapter 2.0 runs the post-WRITE hook on read (hooks.py): our fixes are plain steps of our own
    adapter, so whatever a studio registers there, ours neither runs twice nor depends on it."""
    import json
    from pathlib import Path
    import otio_retake.adapters as ours
    manifest = json.loads((Path(ours.__file__).parent / "plugin_manifest.json").read_text())
    assert not manifest.get("hooks") and not manifest.get("hook_scripts")
    assert {a["name"] for a in manifest["adapters"]} >= {"otio_retake_aaf"}
