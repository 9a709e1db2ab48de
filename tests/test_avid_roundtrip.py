"""One run over a real Media Composer AAF with an Avid marker list beside it, written back as AAF, re-opened
by pyaaf2 and OpenTimelineIO, its take decoded, its marker list read, and conformed."""

from __future__ import annotations

import codecs
import shutil

import aaf2
import opentimelineio as otio
import pytest

from conftest import decode_patterns, run_cli
from media_sources import make_source
from test_interchange_aaf import MULTIPLE_MARKERS
from otio_retake.paths import url_to_path
from otio_retake.timeline.avid_markers import parse_marker_list
from otio_retake.timeline.marks import find_marked_ranges, record_markers
from otio_retake.timeline.read import read_timeline

RECORD_IN, SPAN = 857, 48  # 01:00:35:17, the first frame of V4's Drop_24.mov (its file frame 0)
LIST = "asst\t01:00:35:17\tV4\tMagenta\tthe drop falls upwards\t48\tasst editor\tViolet\r\n"


@pytest.fixture(scope="module")
def run(tmp_path_factory, avid_dir_module):
    folder = tmp_path_factory.mktemp("avid_run")
    shutil.copy(avid_dir_module / "multiple_markers.aaf", folder / "cut.aaf")
    (folder / "media").mkdir()
    make_source(folder / "media" / "Drop_24.mov", clip_id=24, frames=159, audio=None)  # found by its linked name
    (folder / "cut Markers.txt").write_bytes(codecs.BOM_UTF16_LE + LIST.encode("utf-16-le"))
    out = folder / "out" / "cut_retake.aaf"
    out.parent.mkdir()
    code = run_cli("run", folder / "cut.aaf", "--markers", folder / "cut Markers.txt", "--media-dir",
                   folder / "media", "-o", out)
    assert code == 0
    return folder, out


@pytest.fixture(scope="module")
def avid_dir_module():
    from conftest import SHARED_FIXTURES
    return SHARED_FIXTURES / "avid"


def test_pyaaf2_reopens_the_sequence_with_its_tracks_locators_and_the_take(run):
    _, out = run
    with aaf2.open(str(out), "r") as f:
        comp = next(f.content.toplevel())
        tracks = {s.slot_id: (s.name, s["PhysicalTrackNumber"].value) for s in comp.slots
                  if isinstance(s, aaf2.mobslots.TimelineMobSlot)}
        assert sorted(tracks.values()) == [("Retake A", 6), ("TC", 1), ("V1", 1), ("V2", 2), ("V3", 3), ("V4", 4),
                                           ("V5", 5)]
        locators = []
        for slot in comp.slots:
            if isinstance(slot, aaf2.mobslots.EventMobSlot):
                for m in slot.segment.components:
                    attrs = {t.name: t.value for t in m["CommentMarkerAttributeList"].value}
                    [described] = m["DescribedSlots"].value
                    # Avid's rule: the marker slot's number is the number of the track it describes
                    assert tracks[described][1] == slot["PhysicalTrackNumber"].value
                    locators.append((m["Position"].value, tracks[described][0], attrs["_ATN_CRM_COLOR"],
                                     m["Comment"].value, m["Length"].value, attrs["_ATN_CRM_LENGTH"]))
    originals = [(f, "TC" if t == "TC1" else t, c.title(), text, 1, 1) for f, t, c, text in MULTIPLE_MARKERS]
    assert sorted(locators) == sorted(originals + [(RECORD_IN, "V4", "Red", "the drop falls upwards", SPAN, SPAN)])


def test_otio_and_our_reader_reopen_it_with_the_take_at_its_frames(run):
    _, out = run
    stock = otio.adapters.read_from_file(str(out))
    assert [t.name for t in stock.tracks if t.kind == "Video"] == ["V1", "V2", "V3", "V4", "V5", "Retake A"]
    timeline = read_timeline(out)
    got = sorted((f, m.metadata["otio_retake"]["avid_track"], m.color, m.comment) for f, _, m in record_markers(timeline))
    assert got == sorted(MULTIPLE_MARKERS + [(RECORD_IN, "V4", "PURPLE", "the drop falls upwards")])
    retake = timeline.tracks[-1]
    [take] = retake.find_clips()
    assert take.name == "the drop falls upwards take A"
    assert retake.range_of_child(take) == otio.opentime.TimeRange(otio.opentime.RationalTime(RECORD_IN, 24),
                                                                  otio.opentime.RationalTime(SPAN, 24))
    # Its media is the take file; the frames it plays are Drop_24.mov's frames 0-47 (each frame names them).
    # A later run over the output knows the range has its take: nothing is sent again.
    ranges, skipped = find_marked_ranges(timeline)
    assert not ranges and any(s.name == "the drop falls upwards" and "already has take(s) A" in s.reason
                              for s in skipped)
    path = url_to_path(take.media_reference.target_url)
    head = round(take.source_range.start_time.value - take.media_reference.available_range.start_time.value)
    assert decode_patterns(path)[head:head + SPAN] == [(i, 24) for i in range(SPAN)]


def test_the_marker_list_beside_it_has_one_locator_per_take(run):
    _, out = run
    text = out.with_suffix(".markers.txt").read_bytes().decode("utf-8")
    assert text.endswith("\r\n")
    [loc] = parse_marker_list(text, source="x")
    assert (loc.timecode, loc.track, loc.span) == ("01:00:35:17", "V6", SPAN)
    assert loc.comment == "the drop falls upwards take A: the drop falls upwards"


def test_conform_over_the_aaf_output_works_as_over_other_formats(run):
    folder, out = run
    final = folder / "out" / "final.aaf"
    assert run_cli("conform", out, "--pick-all", "A", "-o", final) == 0
    timeline = read_timeline(final)
    assert [t.name for t in timeline.tracks] == ["V1", "V2", "V3", "V4", "V5"]
    v4 = timeline.tracks[3]
    clip = v4.child_at_time(otio.opentime.RationalTime(RECORD_IN, 24))
    assert clip.name == "the drop falls upwards take A"
    assert v4.range_of_child(clip).start_time.value == RECORD_IN
    assert len(record_markers(timeline)) == len(MULTIPLE_MARKERS) + 1

