"""Real AAF exports no one here wrote (tests/data/aaf, SOURCES.md there): each read as Media Composer shows it
(every locator of the sequence at its record timecode, track, colour and comment, listed by the planner as a
range or a skip), and written back as AAF that pyaaf2 and OpenTimelineIO re-open with the same cut: clips at
their record frames, names, muted clips, speed changes and freeze frames, nests (written as what they show),
locators. Reader/writer level: no media, no run (test_avid_roundtrip.py does one run).
"""

from __future__ import annotations

import json

import aaf2
import opentimelineio as otio
import pytest
from opentimelineio.opentime import RationalTime, TimeRange

from aaf_sources import write_sequence_aaf
from conftest import FIXTURES, run_cli
from otio_retake.errors import UnsupportedEditError
from otio_retake.timecode import frames_to_timecode
from otio_retake.timeline.info import timeline_drop_frame, timeline_rate
from otio_retake.timeline.marks import MarkerFilter, find_marked_ranges, record_markers
from otio_retake.timeline.read import read_timeline
from otio_retake.timeline.write import check_output, write_timeline

EXPORTS = FIXTURES / "aaf"
TWO_SECONDS = MarkerFilter(default_length_seconds=2)
BAD_TRACK = ("Marker on Track 3! When exported with Track 2 deselected and exported with \"Selected Tracks Only\", "
             "this marker will incorrectly point at track 2 in the AAF even though it doesn't exist (since the "
             "original track 2 was ommitted, and track 3 was renamed to 2 by avid!)")
# Each export's locators as Media Composer shows them: (record timecode, track, colour, comment).
LOCATORS = {
    "test_muted_clip.aaf": [],
    "misc_speed_effects.aaf": [],
    "nesting_test.aaf": [],
    "2997fps-DFTC.aaf": [],  # written by Premiere Pro 13.1: a 29.97 drop-frame sequence at 05:00:00;00
    # a sound master clip, timed from its tape's 01:00:00:00; the adapter's own test has them at its frames 50,
    # 103 and 166, coloured red, green, blue, with no comment (users m1, m2, m3)
    "marker-over-audio.aaf": [("01:00:02:02", "A1", "RED", ""), ("01:00:04:07", "A1", "GREEN", ""),
                              ("01:00:06:22", "A1", "BLUE", "")],
    # "Use Selected Tracks": the locator names V3 of a sequence exported with two tracks (OpenTimelineIO#1696)
    "bad_marker_track_from_avid.aaf": [("01:00:02:06", "V3", "GREEN", BAD_TRACK)],
    # locators on Media Composer's data track (D1), over a dissolve
    "avid_data_track_example.aaf": [("01:00:00:00", "D1", "GREEN", "100/1 dt+4  (OPT.01)"),
                                    ("01:00:00:20", "D1", "RED", "100/2 dh+4 (OPT.01)"),
                                    ("01:00:01:06", "D1", "RED", "360/3")],
    # a sound-only sequence of a subclip on A2 (a track the editor named DX)
    "subclip_sourceclip_references_compositionmob_with_mastermob.aaf": [("01:02:54:21", "A2", "RED", "NEED PDX")],
    # a locator the editor named by its frame (41) over a nested audio dissolve on A3
    "nested_audio_dissolve.aaf": [("01:01:13:13", "A3", "RED", "41")],
}
_READ: dict[str, otio.schema.Timeline] = {}


def _read(name: str) -> otio.schema.Timeline:
    if name not in _READ:  # each export read once for the tests that look at it
        _READ[name] = read_timeline(EXPORTS / name)
    return _READ[name]


def _locators(timeline):
    rate = timeline_rate(timeline)
    start = round(timeline.global_start_time.rescaled_to(float(rate)).value)
    return [(frames_to_timecode(start + frame, rate, timeline_drop_frame(timeline)),
             m.metadata["otio_retake"]["avid_track"], m.color, m.comment) for frame, _, m in record_markers(timeline)]


def _cut(timeline):
    """Per track: (kind, duration) and its items as (type, name, record in, record frames, enabled, speed); a
    nest by what it spans only (AAF output writes it as what it shows), filler merged."""
    out = []
    for track in timeline.tracks:
        items = []
        for item in track:
            if isinstance(item, otio.schema.Transition):
                items.append(("Transition", round(item.in_offset.value), round(item.out_offset.value)))
                continue
            span = track.range_of_child(item)
            record = (round(span.start_time.value), round(span.duration.value))
            if isinstance(item, otio.schema.Gap) or (isinstance(item, otio.schema.Stack) and not item.find_clips()):
                if items and items[-1][0] == "Gap":
                    record = (items[-1][1][0], items[-1][1][1] + record[1])
                    items.pop()
                items.append(("Gap", record))
            elif isinstance(item, otio.schema.Stack):
                items.append(("Nest", record))
            else:
                speeds = [round(getattr(e, "time_scalar", 0), 3) for e in item.effects
                          if isinstance(e, otio.schema.TimeEffect) and getattr(e, "time_scalar", 0) != 1]
                items.append((item.name, record, item.enabled, speeds))
        if items and items[-1][0] == "Gap":
            items.pop()
        out.append((track.kind, round(track.duration().value), items))
    return out


def _covered(cut):
    """Per track: its kind, length and the record frames something covers (a nest written as AAF is the clips it
    shows, at the same frames)."""
    out = []
    for kind, duration, items in cut:
        spans = []
        for item in items:
            if item[0] in ("Gap", "Transition"):
                continue
            first, frames = item[1]
            if spans and spans[-1][1] == first:
                spans[-1] = (spans[-1][0], first + frames)
            else:
                spans.append((first, first + frames))
        out.append((kind, duration, spans))
    return out


@pytest.mark.parametrize("name", sorted(LOCATORS))
def test_a_real_export_is_read_as_media_composer_shows_it_and_written_back(name, tmp_path):
    timeline = _read(name)
    assert _locators(timeline) == LOCATORS[name]
    # planned: every locator a range or a skip at its record frame, never an exception
    ranges, skipped = find_marked_ranges(timeline, marker_filter=TWO_SECONDS)
    assert sorted([r.record_in for r in ranges] + [s.record_frame - r for s in skipped
                                                    for r in [round(timeline.global_start_time.value)]]) == \
        sorted(frame for frame, _, _ in record_markers(timeline))
    out = tmp_path / "out.aaf"
    write_timeline(timeline, out)
    with aaf2.open(str(out), "r") as f:  # pyaaf2 re-opens it: one sequence, every locator on a numbered track
        [sequence] = list(f.content.toplevel())
        numbers = {s.slot_id: s["PhysicalTrackNumber"].value for s in sequence.slots}
        written = [(m["Position"].value, m["Comment"].value) for s in sequence.slots
                   if isinstance(s, aaf2.mobslots.EventMobSlot) for m in s.segment.components
                   if numbers[next(iter(m["DescribedSlots"].value))] == s["PhysicalTrackNumber"].value]
    assert sorted(written) == sorted((frame, m.comment) for frame, _, m in record_markers(timeline))
    again = read_timeline(out)
    assert again.global_start_time == timeline.global_start_time
    # nests are written as what they show, and a sound track of filler is not read back as one
    assert not again.tracks.find_children(descended_from_type=otio.schema.Stack)
    assert timeline_drop_frame(again) == timeline_drop_frame(timeline)
    assert [(t, c, comment) for t, _, c, comment in _locators(again)] == \
        [(t, c, comment) for t, _, c, comment in LOCATORS[name]]
    before, after = _cut(timeline), _cut(again)
    assert _covered(after) == _covered(before)
    for was, now in zip(before, after):  # clips (names, frames, muted, speeds) and transitions, nests aside
        if not any(item[0] == "Nest" for item in was[2]):
            assert now == was
    assert otio.adapters.read_from_file(str(out), adapter_name="AAF")  # the stock adapter opens it too


def test_a_muted_clip_is_written_back_muted_as_avid_writes_it(tmp_path):
    timeline = _read("test_muted_clip.aaf")
    assert [c.enabled for c in timeline.find_clips()] == [False]
    write_timeline(timeline, tmp_path / "out.aaf")
    with aaf2.open(str(tmp_path / "out.aaf"), "r") as f:
        picture = next(s for s in next(f.content.toplevel()).slots if str(s.segment.media_kind) == "Picture")
        [selector] = picture.segment.components
        assert isinstance(selector, aaf2.components.Selector)
        assert isinstance(selector["Selected"].value, aaf2.components.Filler)
        assert [a.mob.name for a in selector["Alternates"].value] == ["Frame Debugger 0h.mov"]
    assert [c.enabled for c in read_timeline(tmp_path / "out.aaf").find_clips()] == [False]


def _speeds(timeline):
    """(clip, [(time effect, speed)]) of each clip whose speed is not 100 % (Avid's Motion Control at 100 % is
    written as the plain clip it shows)."""
    out = []
    for clip in timeline.find_clips():
        effects = [(type(e).__name__, round(getattr(e, "time_scalar", 0), 3)) for e in clip.effects
                   if getattr(e, "time_scalar", 0) != 1]
        if effects:
            out.append((clip.name, effects))
    return out


def test_speed_changes_and_freeze_frames_are_written_back_as_motion_control(tmp_path):
    timeline = _read("misc_speed_effects.aaf")
    speeds = _speeds(timeline)
    assert ("FreezeFrame", 0) in [e for _, effects in speeds for e in effects]
    write_timeline(timeline, tmp_path / "out.aaf")
    with aaf2.open(str(tmp_path / "out.aaf"), "r") as f:
        picture = next(s for s in next(f.content.toplevel()).slots if str(s.segment.media_kind) == "Picture")
        warps = [c for c in picture.segment.components if isinstance(c, aaf2.components.OperationGroup)]
        assert warps and {w.operation.name for w in warps} == {"Motion Control"}
        # Avid's SpeedRatio: record frames over the source frames the clip spans (a freeze: its length, over 1)
        freeze = next(w for w in warps if w.segments[0].length == 1 and w.length > 1)
        ratio = next(p for p in freeze.parameters if p.name == "SpeedRatio")
        assert ratio.value == freeze.length
    assert _speeds(read_timeline(tmp_path / "out.aaf")) == speeds


def test_a_nest_is_a_stack_that_every_writer_writes(tmp_path):
    timeline = _read("nesting_test.aaf")
    [nest] = [item for item in timeline.tracks[0] if not isinstance(item, (otio.schema.Clip, otio.schema.Gap))]
    assert isinstance(nest, otio.schema.Stack) and nest.trimmed_range().duration.value == 16
    assert [c.name for c in nest.find_clips()] == ["Frame Debugger 0h.mov", "Frame Debugger 1h.mov"]
    write_timeline(timeline, tmp_path / "out.xml")  # the FCP 7 XML adapter failed on a Track inside a Track
    assert _covered(_cut(read_timeline(tmp_path / "out.xml"))) == _covered(_cut(timeline))


def test_a_subclip_written_back_keeps_the_name_media_composer_shows(tmp_path):
    """The adapter reads a subclip as a nest named after it; AAF output writes the clip it shows, named so."""
    timeline = _read("subclip_sourceclip_references_compositionmob_with_mastermob.aaf")
    assert [i.name for i in timeline.tracks[1]] == ["Subclip.BREATH"]
    write_timeline(timeline, tmp_path / "out.aaf")
    assert [c.name for c in read_timeline(tmp_path / "out.aaf").tracks[1].find_clips()] == ["Subclip.BREATH"]


def _clip(name, frames, start=0):
    return otio.schema.Clip(name=name, media_reference=otio.schema.ExternalReference(
        target_url=f"file:///media/{name}.mov"),
        source_range=TimeRange(RationalTime(start, 24), RationalTime(frames, 24)))


def test_an_effect_over_filler_keeps_its_length_so_later_clips_keep_their_frames(tmp_path):
    """multiple_markers.aaf's V5: Avid's Mask over filler, read as a nest holding nothing."""
    mask = otio.schema.Stack(name="MaskImage_2", source_range=TimeRange(RationalTime(0, 24), RationalTime(30, 24)))
    track = otio.schema.Track(name="V1", children=[_clip("a", 10), mask, _clip("b", 12)])
    timeline = otio.schema.Timeline(tracks=[track], global_start_time=RationalTime(86400, 24))
    write_timeline(timeline, tmp_path / "out.aaf")
    again = read_timeline(tmp_path / "out.aaf")
    [b] = [c for c in again.find_clips() if c.name == "b"]
    assert b.range_in_parent().start_time.value == 40 and again.tracks.duration().value == 52


def test_a_speed_ramp_is_refused_as_aaf_before_any_work(tmp_path):
    clip = _clip("ramp", 24)
    clip.effects.append(otio.schema.TimeEffect(name="Motion Control", effect_name="Unknown Time Warp Effect"))
    timeline = otio.schema.Timeline(tracks=[otio.schema.Track(name="V1", children=[clip])])
    with pytest.raises(UnsupportedEditError, match=r"clip 'ramp' \(track V1\) has the time effect 'Unknown Time "
                                                   r"Warp Effect', which AAF cannot carry"):
        check_output(timeline, tmp_path / "out.aaf", force=False)
    assert not list(tmp_path.iterdir())


def test_plan_json_lists_the_locators_of_a_sound_only_clip_as_skipped_saying_why(capsys):
    """plan --json over a real export with no picture: every locator at its record timecode, skipped saying why
    (the reason said "range ''" before)."""
    assert run_cli("plan", EXPORTS / "marker-over-audio.aaf", "--json", "--default-length", "2") == 5  # none can be
    rows = json.loads(capsys.readouterr().out)
    assert [(r["record_in"], r["status"], r["reason"]) for r in rows] == [
        (tc, "skipped", "the timeline has no video track")
        for tc, _, _, _ in LOCATORS["marker-over-audio.aaf"]]


def test_premieres_sound_slots_all_named_audio_1_are_told_apart_by_number():
    timeline = _read("2997fps-DFTC.aaf")
    assert [t.name for t in timeline.tracks] == ["V1", "A1", "A2", "A3", "A4", "A5", "A6"]
    assert timeline_drop_frame(timeline) and _locators(timeline) == [] and \
        frames_to_timecode(round(timeline.global_start_time.value), timeline_rate(timeline), True) == "05:00:00;00"


@pytest.mark.parametrize("rate, drop, said", [(120, False, "120 fps"), (30, True, "30 fps drop-frame")])
def test_a_sequence_at_a_rate_otio_has_no_timecode_for_is_refused_in_one_line_naming_it(tmp_path, capsys, rate, drop,
                                                                                        said):
    """Media Composer's 100/119.88/120 fps and 30/60 fps drop-frame sequences (as in LibAAF's MC_TC_*.aaf): OTIO's
    timecode has no such rate; the refusal said "its tracks or locators could not be read (ValueError: ...)"."""
    path = write_sequence_aaf(tmp_path / "cut.aaf", rate=rate, drop=drop)
    assert run_cli("plan", path) == 2
    err = capsys.readouterr().err
    assert f"cut.aaf: its sequence runs at {said}, a timecode rate otio-retake cannot count its locators in" in err
    assert "Traceback" not in err and "ValueError" not in err
