"""The EDL writer keeps the whole cut: speeds, freezes, dissolves, wipes, fades, audio tracks, reels, CDL,
disabled clips; what CMX 3600 cannot carry is refused with one line naming it (issue 27)."""

from __future__ import annotations

import json
from pathlib import Path

import opentimelineio as otio
import pytest
from opentimelineio.opentime import RationalTime, TimeRange

from otio_retake.errors import UnsupportedEditError
from otio_retake.timeline.edl_parse import parse_edl
from otio_retake.timeline.edl_write import write_edl_for_track
from otio_retake.timeline.read import read_timeline
from otio_retake.timeline.write import write_timeline

R = 24


def _read(text: str, fps: str | None = None) -> otio.schema.Timeline:
    return otio.adapters.read_from_string(text, "otio_retake_edl", fps=fps)


def _cut(timeline: otio.schema.Timeline) -> list:
    """Every track's items as the editor sees them: kind, names, source ranges, speeds, transitions, reels."""
    out = []
    for track in timeline.tracks:
        items = []
        for item in track:
            if isinstance(item, otio.schema.Transition):
                items.append(("transition", item.transition_type, item.in_offset.value, item.out_offset.value,
                              item.metadata.get("cmx_3600", {}).get("transition") if "Wipe" in item.transition_type
                              else None))
            elif isinstance(item, otio.schema.Gap):
                items.append(("gap", item.source_range.duration.value))
            else:
                ref = item.media_reference
                items.append((item.name, item.source_range.start_time.value, item.source_range.duration.value,
                              [(e.effect_name, getattr(e, "time_scalar", None)) for e in item.effects],
                              getattr(ref, "generator_kind", None), getattr(ref, "target_url", None),
                              None if getattr(ref, "generator_kind", None) else item.metadata.get("cmx_3600", {}).get("reel"), json.dumps(item.metadata.get("cdl", {}), default=lambda o: dict(o) if hasattr(o, "items") else list(o))))
        out.append((track.kind, track.name, items))
    return out


STOCK_EDLS = Path(__file__).parent / "stock" / "cmx3600" / "sample_data"


@pytest.mark.parametrize("path", [*(Path(__file__).parent / "data" / n for n in (
    "speed_effects_small.edl", "dissolve_test.edl", "multi_audio.edl", "screening_example.edl")),
    *(p for p in sorted(STOCK_EDLS.glob("*.edl")) if p.name != "timecode_mismatch.edl")], ids=lambda p: p.name)
def test_shared_and_stock_edls_round_trip_through_our_writer(path):
    """Every EDL the stock adapter's suite reads (Avid, Premiere, Nucoda exports), through our writer and back."""
    timeline = _read(path.read_text())
    again = _read(write_edl_for_track(timeline), fps=str(timeline.global_start_time.rate))
    # reel AX (no reel) is written as a reel of its own per media file (AX001...), which a conform can tell apart
    made_up = [[i[:6] + (None if i[6] and i[6].startswith("AX") else i[6],) + i[7:] if len(i) > 6 else i
                for i in items] for _, _, items in _cut(again)]
    assert made_up == [items for _, _, items in _cut(timeline)]
    assert [(k, n) for k, n, _ in _cut(again)] == [(k, n) for k, n, _ in _cut(timeline)]
    assert again.global_start_time == timeline.global_start_time
    assert again.name == timeline.name
    # what no reader made anything of (Avid's SOURCE FILE, AVX2 EFFECT lines) is written back
    for before, after in zip(timeline.find_clips(), again.find_clips()):
        kept = list(after.metadata.get("cmx_3600", {}).get("comments", []))
        assert all(c in kept for c in before.metadata.get("cmx_3600", {}).get("comments", [])), kept


def test_speed_and_freeze_events_are_m2_lines_with_the_source_out_they_had(fixtures_dir):
    original = parse_edl((fixtures_dir / "speed_effects_small.edl").read_text())
    written = parse_edl(write_edl_for_track(_read((fixtures_dir / "speed_effects_small.edl").read_text())))
    assert [(e.src_in, e.src_out, e.rec_in, e.rec_out) for e in written.events] == \
        [(e.src_in, e.src_out, e.rec_in, e.rec_out) for e in original.events]
    # the one-frame freeze (event 003) lasts as long as its source: a plain cut shows the same frame
    assert [e.has_speed_effect for e in written.events] == [False, True, False, False, True]
    text = write_edl_for_track(_read((fixtures_dir / "speed_effects_small.edl").read_text()))
    assert "M2   Z686_5A.       047.6                01:00:06:00" in text
    assert "M2   Z682_156       000.0                01:00:10:21\n* FROM CLIP NAME: Z682_156 (LAY3) FF\n" \
           "* * FREEZE FRAME" in text


def test_a_speed_made_elsewhere_writes_the_source_frames_it_shows():
    clip = otio.schema.Clip("fast", source_range=TimeRange(RationalTime(100, R), RationalTime(10, R)),
                            metadata={"cmx_3600": {"reel": "FAST"}})
    clip.effects.append(otio.schema.LinearTimeWarp(time_scalar=2.0))
    timeline = otio.schema.Timeline("t")
    timeline.tracks.append(otio.schema.Track("V1", children=[clip]))
    event = parse_edl(write_edl_for_track(timeline)).events[0]
    # 10 record frames at 2x show source frames 100, 102 ... 118: source out 119
    assert (event.src_in, event.src_out, event.rec_in, event.rec_out) == \
        ("00:00:04:04", "00:00:04:23", "00:00:00:00", "00:00:00:10")
    again = _read(write_edl_for_track(timeline), fps="24")
    assert [e.time_scalar for e in again.tracks[0][0].effects] == [2.0]


def _clip(name, start, frames, reel=None, **kw):
    meta = {"cmx_3600": {"reel": reel}} if reel else {}
    return otio.schema.Clip(name, source_range=TimeRange(RationalTime(start, R), RationalTime(frames, R)),
                            metadata=meta, **kw)


def _timeline(*tracks):
    timeline = otio.schema.Timeline("cut", global_start_time=RationalTime(86400, R))
    timeline.tracks.extend(tracks)
    return timeline


def test_dissolve_wipe_and_fades_are_written_as_such_and_read_back():
    fade_in = otio.schema.Transition(transition_type=otio.schema.TransitionTypes.SMPTE_Dissolve,
                                     in_offset=RationalTime(0, R), out_offset=RationalTime(6, R))
    dissolve = otio.schema.Transition(transition_type=otio.schema.TransitionTypes.SMPTE_Dissolve,
                                      in_offset=RationalTime(0, R), out_offset=RationalTime(10, R))
    wipe = otio.schema.Transition(transition_type="SMPTE_Wipe", in_offset=RationalTime(0, R),
                                  out_offset=RationalTime(8, R), metadata={"cmx_3600": {"transition": "W002"}})
    fade_out = otio.schema.Transition(transition_type=otio.schema.TransitionTypes.SMPTE_Dissolve,
                                      in_offset=RationalTime(0, R), out_offset=RationalTime(12, R))
    black = lambda n: otio.schema.Clip("BL", media_reference=otio.schema.GeneratorReference(  # noqa: E731
        generator_kind="black"), source_range=TimeRange(RationalTime(0, R), RationalTime(n, R)))
    gap = otio.schema.Gap(source_range=TimeRange(RationalTime(0, R), RationalTime(12, R)))
    track = otio.schema.Track("V1", children=[
        _clip("open", 0, 12, "OPEN"), gap, fade_in, _clip("a", 100, 30, "ReelA"), dissolve, _clip("b", 200, 40, "ReelB"), wipe,
        _clip("c", 300, 30, "ReelC"), fade_out, black(12)])
    text = write_edl_for_track(_timeline(track))
    events = parse_edl(text).events
    assert [(e.number, e.reel, e.transition, e.rec_in, e.rec_out) for e in events] == [
        ("001", "OPEN", "C", "01:00:00:00", "01:00:00:12"),
        ("002", "BL", "C", "01:00:01:00", "01:00:01:00"), ("002", "ReelA", "D", "01:00:01:00", "01:00:02:06"),
        ("003", "ReelA", "C", "01:00:02:06", "01:00:02:06"), ("003", "ReelB", "D", "01:00:02:06", "01:00:03:22"),
        ("004", "ReelB", "C", "01:00:03:22", "01:00:03:22"), ("004", "ReelC", "W002", "01:00:03:22", "01:00:05:04"),
        ("005", "ReelC", "C", "01:00:05:04", "01:00:05:04"), ("005", "BL", "D", "01:00:05:04", "01:00:05:16")]
    assert _cut(_read(text, fps="24"))[0][2] == _cut(_timeline(track))[0][2]


def test_a_dissolve_centred_on_the_cut_starts_where_the_editor_put_it():
    dissolve = otio.schema.Transition(transition_type=otio.schema.TransitionTypes.SMPTE_Dissolve,
                                      in_offset=RationalTime(5, R), out_offset=RationalTime(5, R))
    track = otio.schema.Track("V1", children=[_clip("a", 100, 30, "A"), dissolve, _clip("b", 200, 40, "B")])
    events = parse_edl(write_edl_for_track(_timeline(track))).events
    assert [(e.reel, e.transition, e.src_in, e.src_out, e.rec_in, e.rec_out) for e in events] == [
        ("A", "C", "00:00:04:04", "00:00:05:05", "01:00:00:00", "01:00:01:01"),
        ("A", "C", "00:00:05:05", "00:00:05:05", "01:00:01:01", "01:00:01:01"),
        ("B", "D", "00:00:08:03", "00:00:10:00", "01:00:01:01", "01:00:02:22")]


def test_a_transition_an_edl_cannot_carry_is_refused_by_name():
    iris = otio.schema.Transition("Iris Round", transition_type=otio.schema.TransitionTypes.Custom,
                                  in_offset=RationalTime(0, R), out_offset=RationalTime(8, R))
    track = otio.schema.Track("V1", children=[_clip("a", 100, 30), iris, _clip("b", 200, 40)])
    with pytest.raises(UnsupportedEditError, match=r"transition 'Iris Round' \(track V1, record 01:00:01:06-"
                                                   r"01:00:01:14\) is a 'Custom_Transition', which a CMX 3600 EDL"):
        write_edl_for_track(_timeline(track))


def test_disabled_clips_and_tracks_are_left_out_and_said_so(tmp_path):
    off = _clip("switched off", 500, 12, "OFF")
    off.enabled = False
    v1 = otio.schema.Track("V1", children=[_clip("a", 100, 24, "A"), off, _clip("b", 200, 24, "B")])
    v2 = otio.schema.Track("V2", children=[_clip("graphic", 0, 60, "GFX")])
    v2.enabled = False
    text = write_edl_for_track(_timeline(v1, v2))
    doc = parse_edl(text)
    assert [(e.reel, e.rec_in, e.rec_out) for e in doc.events] == [("A", "01:00:00:00", "01:00:01:00"),
                                                                  ("B", "01:00:01:12", "01:00:02:12")]
    assert doc.events[0].comments[-2:] == [
        "OTIO-RETAKE NOT WRITTEN: disabled clip 'switched off' (track V1, record 01:00:01:00-01:00:01:12)",
        "OTIO-RETAKE NOT WRITTEN: track 'V2' is disabled"]
    again = _read(text, fps="24")
    assert [type(i).__name__ for i in again.tracks[0]] == ["Clip", "Gap", "Clip"]  # what the editor sees: black
    # the whole cut: one file, as the disabled track has none
    assert write_timeline(_timeline(v1, v2), tmp_path / "o.edl") == [tmp_path / "o.edl"]


def test_two_video_tracks_need_a_track_name_from_the_adapter():
    v1 = otio.schema.Track("V1", children=[_clip("a", 100, 24, "A")])
    v2 = otio.schema.Track("V2", children=[_clip("b", 0, 24, "B")])
    with pytest.raises(UnsupportedEditError, match="a CMX 3600 EDL holds one video track; this timeline has 2 "
                                                   r"tracks to write \(V1, V2\)"):
        otio.adapters.write_to_string(_timeline(v1, v2), "otio_retake_edl")
    assert parse_edl(otio.adapters.write_to_string(_timeline(v1, v2), "otio_retake_edl",
                                                   track_name="V2")).events[0].reel == "B"


def test_several_audio_tracks_are_written_on_their_own_channels_and_read_back():
    v1 = otio.schema.Track("V1", children=[_clip("pic", 100, 48, "PIC")])
    a1 = otio.schema.Track("A1", kind=otio.schema.TrackKind.Audio, children=[_clip("dialogue", 100, 48, "PIC")])
    a2 = otio.schema.Track("A2", kind=otio.schema.TrackKind.Audio,
                           children=[otio.schema.Gap(source_range=TimeRange(RationalTime(0, R), RationalTime(12, R))),
                                     _clip("music", 0, 36, "MUSIC")])
    a3 = otio.schema.Track("A3", kind=otio.schema.TrackKind.Audio, children=[_clip("fx", 10, 20, "FX")])
    text = write_edl_for_track(_timeline(v1, a1, a2, a3))
    assert [(e.reel, e.channels, e.rec_in) for e in parse_edl(text).events] == [
        ("PIC", "V", "01:00:00:00"), ("PIC", "A", "01:00:00:00"), ("FX", "A3", "01:00:00:00"),
        ("MUSIC", "A2", "01:00:00:12")]
    again = _read(text, fps="24")
    assert [(t.kind, t.name, [i.name for i in t]) for t in again.tracks] == [
        ("Video", "V", ["pic"]), ("Audio", "A1", ["dialogue"]), ("Audio", "A3", ["fx"]),
        ("Audio", "A2", ["", "music"])]


def test_reels_come_from_each_clips_own_metadata_not_the_first_clips():
    track = otio.schema.Track("V1", children=[_clip("", 0, 10, "Reel1"), _clip("", 0, 10, "Reel2"),
                                              _clip("", 0, 10, "Reel3"), _clip("same", 0, 10, "Reel4"),
                                              _clip("same", 0, 10, "Reel5")])
    avid = _clip("from aaf", 0, 10)  # the AAF reader notes the tape among the clip's media names
    avid.metadata["otio_retake"] = {"media_names": [["linked file name", "A001.mov"], ["tape name", "TAPE_12"]]}
    track.append(avid)
    fcp = _clip("from xml", 0, 10)
    fcp.media_reference = otio.schema.ExternalReference(
        "/media/x.mov", metadata={"fcp_xml": {"timecode": {"reel": {"name": "TAPE_07"}}}})
    track.append(fcp)
    assert [e.reel for e in parse_edl(write_edl_for_track(_timeline(track))).events] == \
        ["Reel1", "Reel2", "Reel3", "Reel4", "Reel5", "TAPE_12", "TAPE_07"]


def test_a_source_at_another_rate_is_written_at_the_edl_rate(fixtures_dir):
    # premiere_example.xml's 15 fps clip in its 30 fps sequence: 50 frames at 15 fps are 100 at 30
    clip = read_timeline(fixtures_dir / "premiere_example.xml").tracks[0][1].deepcopy()
    assert clip.source_range.duration.rate == 15
    timeline = otio.schema.Timeline("t", global_start_time=RationalTime(0, 30))
    timeline.tracks.append(otio.schema.Track("V1", children=[clip]))
    event = parse_edl(write_edl_for_track(timeline)).events[0]
    assert (event.src_in, event.src_out, event.rec_in, event.rec_out) == \
        ("00:00:00:00", "00:00:03:10", "00:00:00:00", "00:00:03:10")


def test_a_nested_sequence_is_written_as_the_clips_it_shows(fixtures_dir, tmp_path):
    """premiere_example.xml: V2 holds a nested sequence (record 00:00:21:06, 100 frames at 30 fps) whose own V1
    shows sc01_sh010_anim.mov from its first frame; V3 holds only a title."""
    paths = write_timeline(read_timeline(fixtures_dir / "premiere_example.xml"), tmp_path / "o.edl")
    assert [p.name for p in paths] == ["o.V1.edl", "o.V2.edl", "o.V3.edl", "o.V4.edl", "o.markers.edl"]
    v2 = parse_edl(paths[1].read_text())
    assert [(e.rec_in, e.rec_out, e.src_in, e.src_out) for e in v2.events if "sc01_sh010_anim.mov" in
            " ".join(e.comments) and e.rec_in == "00:00:21:06"] == [("00:00:21:06", "00:00:24:16", "00:00:00:00",
                                                                     "00:00:03:10")]
    # a fade to black (Premiere's end-black Cross Dissolve) before it, as a BL dissolve
    assert [(e.reel, e.transition, e.rec_in, e.rec_out) for e in v2.events if e.reel == "BL"] == \
        [("BL", "D", "00:00:17:28", "00:00:18:17")]
    assert parse_edl(paths[2].read_text()).events == []
    assert "OTIO-RETAKE NOT WRITTEN: generator 'test_title'" in paths[2].read_text()


def test_a_nest_an_edl_cannot_lay_out_is_refused_by_name_before_any_work(tmp_path):
    inner = otio.schema.Track("V1", children=[_clip("a", 0, 24, "A"), otio.schema.Transition(
        transition_type=otio.schema.TransitionTypes.SMPTE_Dissolve, in_offset=RationalTime(0, R),
        out_offset=RationalTime(6, R)), _clip("b", 0, 24, "B")])
    nest = otio.schema.Stack(name="comp", children=[inner])
    with pytest.raises(UnsupportedEditError, match="nested sequence 'comp' .* holds transitions, which a CMX 3600 "
                                                   "EDL cannot carry inside a nest"):
        write_timeline(_timeline(otio.schema.Track("V1", children=[nest])), tmp_path / "o.edl")
    assert list(tmp_path.iterdir()) == []


def test_cdl_read_from_an_edl_is_written_back():
    text = ("TITLE: cdl\n\n001  ZZ100    V     C        01:00:04:05 01:00:05:12 00:00:00:00 00:00:01:07\n"
            "* FROM CLIP NAME:  ZZ100_501 (LAY3)\n*ASC_SOP (0.1 0.2 0.3) (1.0 -0.0122 0.0305) (1.0 0.0 1.0)\n"
            "*ASC_SAT 0.9\n")
    written = write_edl_for_track(_read(text, fps="24"))
    assert "*ASC_SOP (0.1 0.2 0.3) (1.0 -0.0122 0.0305) (1.0 0.0 1.0)\n*ASC_SAT 0.9" in written
    assert _cut(_read(written, fps="24")) == _cut(_read(text, fps="24"))


def test_a_transition_of_no_type_is_a_dissolve_and_an_image_sequence_reads_back():
    seq = otio.schema.ImageSequenceReference("file:///media/shot/", "shot.", ".exr", start_frame=1001,
                                             rate=R, frame_zero_padding=4,
                                             available_range=TimeRange(RationalTime(0, R), RationalTime(100, R)))
    plates = otio.schema.Clip("plate", media_reference=seq, source_range=TimeRange(RationalTime(10, R),
                                                                                   RationalTime(20, R)))
    plain = otio.schema.Transition(in_offset=RationalTime(0, R), out_offset=RationalTime(6, R))
    track = otio.schema.Track("V1", children=[_clip("a", 100, 30, "A"), plain, plates])
    text = write_edl_for_track(_timeline(track))
    assert [e.transition for e in parse_edl(text).events] == ["C", "C", "D"]
    assert _read(text, fps="24").tracks[0][1].transition_type == otio.schema.TransitionTypes.SMPTE_Dissolve
    cut = otio.schema.Track("V1", children=[plates.deepcopy()])
    line = [x for x in write_edl_for_track(_timeline(cut)).splitlines() if x.startswith("* FROM FILE:")]
    assert line == ["* FROM FILE: file:///media/shot/shot.[1011-1030].exr"]
    assert isinstance(_read(write_edl_for_track(_timeline(cut)), fps="24").tracks[0][0].media_reference,
                      otio.schema.ImageSequenceReference)


def test_stock_writer_options_are_taken_where_they_mean_what_we_write_and_refused_otherwise():
    timeline = _timeline(otio.schema.Track("V1", children=[_clip("a", 100, 30, "A")]))
    assert otio.adapters.write_to_string(timeline, "otio_retake_edl", style="nucoda", rate=24) == \
        write_edl_for_track(timeline)
    for option, message in [({"style": "premiere"}, "not style 'premiere'"), ({"reelname_len": 12}, "not 12"),
                            ({"rate": 25}, "at its own rate")]:
        with pytest.raises(UnsupportedEditError, match=message):
            otio.adapters.write_to_string(timeline, "otio_retake_edl", **option)


def test_a_fade_in_that_opens_the_cut_reads_back():
    fade_in = otio.schema.Transition(transition_type=otio.schema.TransitionTypes.SMPTE_Dissolve,
                                     in_offset=RationalTime(0, R), out_offset=RationalTime(6, R))
    black = otio.schema.Clip("BL", media_reference=otio.schema.GeneratorReference(generator_kind="black"),
                             source_range=TimeRange(RationalTime(0, R), RationalTime(0, R)))
    track = otio.schema.Track("V1", children=[black, fade_in, _clip("a", 100, 30, "ReelA")])
    text = write_edl_for_track(_timeline(track))
    assert [(e.number, e.reel, e.transition, e.rec_in, e.rec_out) for e in parse_edl(text).events] == [
        ("001", "BL", "C", "01:00:00:00", "01:00:00:00"),
        ("002", "BL", "C", "01:00:00:00", "01:00:00:00"), ("002", "ReelA", "D", "01:00:00:00", "01:00:01:06")]
    again = _cut(_read(text, fps="24"))[0][2]
    assert again[0][1:] == (0.0, 0.0, [], "black", None, None, "{}")  # a zero-length black clip, named by its event
    assert again[1:] == _cut(_timeline(track))[0][2][1:]


def test_an_edls_one_audio_channel_is_written_back_as_one_channel():
    text = ("TITLE: sound\nFCM: NON-DROP FRAME\n\n001  PIC      V     C        01:00:00:00 01:00:02:00 "
            "01:00:00:00 01:00:02:00\n002  PIC      A     C        01:00:00:00 01:00:02:00 01:00:00:00 01:00:02:00\n")
    timeline = _read(text)
    again = _read(write_edl_for_track(timeline))
    assert [(t.kind, t.name) for t in again.tracks] == [(t.kind, t.name) for t in timeline.tracks] == \
        [("Video", "V"), ("Audio", "A1")]


def test_a_title_is_left_out_and_said_so_not_written_as_a_reel(fixtures_dir):
    title = read_timeline(fixtures_dir / "premiere_example.xml").tracks[2][1].deepcopy()  # Premiere's 'test_title'
    assert isinstance(title.media_reference, otio.schema.GeneratorReference)
    track = otio.schema.Track("V1", children=[_clip("a", 100, 24, "A"), title])
    text = write_edl_for_track(_timeline(track))
    assert [e.reel for e in parse_edl(text).events] == ["A"]
    assert "* OTIO-RETAKE NOT WRITTEN: generator 'test_title'" in text


def test_two_video_tracks_of_one_name_are_two_edls(tmp_path):
    v1 = otio.schema.Track("Video", children=[_clip("a", 100, 24, "A")])
    v2 = otio.schema.Track("Video", children=[_clip("b", 0, 24, "B")])
    paths = write_timeline(_timeline(v1, v2), tmp_path / "o.edl")
    assert [p.name for p in paths] == ["o.Video.edl", "o.Video_2.edl"]
    assert [p.read_text().splitlines()[0] for p in paths] == ["TITLE: cut Video", "TITLE: cut Video 2"]
    assert [parse_edl(p.read_text()).events[0].reel for p in paths] == ["A", "B"]


@pytest.mark.parametrize("rate", [15, 12.5, 120])
def test_a_timeline_at_a_rate_smpte_timecode_lacks_is_refused_in_one_line(rate, tmp_path):
    clip = otio.schema.Clip("a", source_range=TimeRange(RationalTime(10, rate), RationalTime(20, rate)))
    timeline = otio.schema.Timeline("slideshow", global_start_time=RationalTime(0, rate))
    timeline.tracks.append(otio.schema.Track("V1", children=[clip]))
    with pytest.raises(UnsupportedEditError, match=rf"a CMX 3600 EDL counts SMPTE timecode, which has no {rate:g} fps "
                                                   r"\(the rate of 'slideshow'\)"):
        write_timeline(timeline, tmp_path / "o.edl")
    assert list(tmp_path.iterdir()) == []


def test_a_picture_effect_named_like_time_is_not_a_time_effect():
    burn = _clip("burn", 100, 10, "BURN")
    burn.effects.append(otio.schema.Effect(name="Timecode", effect_name="Timecode"))
    assert parse_edl(write_edl_for_track(_timeline(otio.schema.Track("V1", children=[burn])))).events[0].reel == "BURN"


@pytest.mark.parametrize("suffix, name", [(".xml", "FCP 7 XML"), (".fcpxml", "FCPXML"), (".aaf", "AAF")])
def test_a_cdl_is_refused_by_name_where_the_format_cannot_carry_it(tmp_path, suffix, name):
    """A VFX pull's colour decisions never vanish silently: formats with no place for them refuse, naming the clip."""
    from otio_retake.errors import UnsupportedEditError
    from otio_retake.timeline.read import read_timeline
    from otio_retake.timeline.write import write_timeline
    edl = tmp_path / "pull.edl"
    edl.write_text("TITLE: pull\nFCM: NON-DROP FRAME\n\n"
                   "001  ABC0001  V     C        01:00:04:05 01:00:05:12 00:00:00:00 00:00:01:07\n"
                   "* FROM CLIP NAME: shot1\n*ASC_SOP (1.0 1.0 1.0)(0.1 0.0 -0.1)(1.0 1.0 1.0)\n*ASC_SAT 0.9\n")
    timeline = read_timeline(edl, fps=24)
    with pytest.raises(UnsupportedEditError, match=f"clip 'shot1' carries an ASC CDL .* which {name} cannot"):
        write_timeline(timeline, tmp_path / f"out{suffix}", force=True)
    assert not (tmp_path / f"out{suffix}").exists()
    written = write_timeline(timeline, tmp_path / "out.otio", force=True)  # OTIO keeps it
    again = read_timeline(written[0])
    assert again.find_clips()[0].metadata["cdl"]["asc_sat"] == 0.9
