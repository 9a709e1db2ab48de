"""The FCP 7 XML writer keeps the whole cut: speeds and freezes (Time Remap), enabled flags, wipes, reels,
as well as the cut, markers and names the adapter already kept (issue 27)."""

from __future__ import annotations

import re
from pathlib import Path

import opentimelineio as otio
import pytest
from opentimelineio.opentime import RationalTime, TimeRange

from otio_retake.errors import UnsupportedEditError
from otio_retake.timeline.edl_write import own_reel
from otio_retake.timeline.fcp_xml import read_fcp_xml, write_fcp_xml

R = 24
DATA = Path(__file__).parent / "data"
STOCK_XML = Path(__file__).parent / "stock" / "fcp" / "sample_data"


def _cut(timeline: otio.schema.Timeline) -> list:
    """Each track as the editor sees it: enabled, items with source ranges, speeds, reels, names, markers."""
    out = []
    for track in timeline.tracks:
        items = []
        for item in track:
            if isinstance(item, otio.schema.Transition):
                items.append(("transition", item.transition_type or otio.schema.TransitionTypes.SMPTE_Dissolve,
                              item.in_offset.value, item.out_offset.value))  # no type: a dissolve, as OTIO's default
            elif isinstance(item, otio.schema.Gap):
                items.append(("gap", item.duration().value))
            else:
                items.append((item.name, item.enabled, str(item.source_range),
                              [(e.effect_name, round(getattr(e, "time_scalar", 0), 6)) for e in item.effects
                               if isinstance(e, otio.schema.TimeEffect)],
                              own_reel(item) if isinstance(item, otio.schema.Clip) else None,
                              [(m.name, str(m.marked_range), m.comment) for m in item.markers]))
        out.append((track.kind, track.enabled, items))
    return out


def _clip(name, start, frames, reel=None):
    return otio.schema.Clip(name, media_reference=otio.schema.ExternalReference(
        f"/media/{name}.mov", available_range=TimeRange(RationalTime(0, R), RationalTime(2000, R))),
        source_range=TimeRange(RationalTime(start, R), RationalTime(frames, R)),
        metadata={"cmx_3600": {"reel": reel}} if reel else {})


def _timeline(*tracks):
    timeline = otio.schema.Timeline("cut", global_start_time=RationalTime(86400, R))
    timeline.tracks.extend(tracks)
    return timeline


def test_speeds_freezes_enabled_flags_wipes_and_reels_survive_the_xml():
    fast, still, off = _clip("fast", 100, 10, "FAST"), _clip("still", 300, 12, "STILL"), _clip("off", 200, 10)
    fast.effects.append(otio.schema.LinearTimeWarp(time_scalar=2.0))
    still.effects.append(otio.schema.FreezeFrame())
    off.enabled = False
    wipe = otio.schema.Transition("SMPTE_Wipe", transition_type="SMPTE_Wipe", in_offset=RationalTime(0, R),
                                  out_offset=RationalTime(4, R))
    hidden = otio.schema.Track("V2", children=[_clip("graphic", 0, 20)])
    hidden.enabled = False
    timeline = _timeline(otio.schema.Track("V1", children=[fast, off, wipe, still]), hidden)
    text = write_fcp_xml(timeline)
    assert _cut(read_fcp_xml(text)) == _cut(timeline)
    assert "otioRetake" not in text
    # the clipitem shows the source frames the speed reaches: 10 frames at 200% are source 100..118
    assert re.search(r"<in>100</in>\s*<out>119</out>", text) and re.search(r"<in>300</in>\s*<out>301</out>", text)
    assert [v for v in re.findall(r"<parameterid>speed</parameterid>\s*<name>speed</name>\s*<value>([^<]+)<", text)] \
        == ["200", "0"]


def test_a_speed_ramp_is_left_as_it_is_and_refused_by_the_writers():
    ramp = _clip("ramp", 0, 10)
    ramp.effects.append(otio.schema.TimeEffect(name="Time Remap", effect_name="Time Remap"))
    with pytest.raises(UnsupportedEditError, match="clip 'ramp' .* has the time effect 'Time Remap', which FCP 7 XML "
                                                   "cannot carry"):
        write_fcp_xml(_timeline(otio.schema.Track("V1", children=[ramp])))


@pytest.mark.parametrize("path", [DATA / "premiere_example.xml", *(STOCK_XML / n for n in (
    "hiero_xml_export.xml", "premiere_generators.xml", "sample_just_track.xml"))], ids=lambda p: p.name)
def test_fcp_xml_exports_round_trip_through_our_writer(path):
    timeline = read_fcp_xml(path.read_text(), source=str(path))
    again = read_fcp_xml(write_fcp_xml(timeline))
    assert _cut(again) == _cut(timeline)
    assert [(m.name, str(m.marked_range), m.comment) for m in again.tracks.markers] == \
        [(m.name, str(m.marked_range), m.comment) for m in timeline.tracks.markers]
    assert (again.name, again.global_start_time) == (timeline.name, timeline.global_start_time)


STOCK_EDLS = Path(__file__).parent / "stock" / "cmx3600" / "sample_data"


@pytest.mark.parametrize("path", [*(DATA / n for n in ("speed_effects_small.edl", "dissolve_test.edl",
                                                       "multi_audio.edl", "screening_example.edl")),
                                  # not speed_effects.edl: 600 events take the adapter's writer 5 s (its ids are
                                  # quadratic); speed_effects_small.edl has its speeds and freezes
                                  *(p for p in sorted(STOCK_EDLS.glob("*.edl"))
                                    if p.name not in ("timecode_mismatch.edl", "speed_effects.edl"))],
                         ids=lambda p: p.name)
def test_shared_and_stock_edls_keep_their_cut_in_fcp_xml(path):
    """Avid's and Nucoda's FROM CLIP files have no known length: the adapter failed on them."""
    timeline = otio.adapters.read_from_string(path.read_text(), "otio_retake_edl")
    again = read_fcp_xml(write_fcp_xml(timeline))
    assert _cut(again) == _cut(timeline)


def test_a_transition_fcp_xml_names_keeps_its_name_and_a_ramp_is_refused_before_any_work(tmp_path):
    from otio_retake.timeline.write import write_timeline
    iris = otio.schema.Transition("Iris Round", transition_type=otio.schema.TransitionTypes.Custom,
                                  in_offset=RationalTime(0, R), out_offset=RationalTime(6, R))
    text = write_fcp_xml(_timeline(otio.schema.Track("V1", children=[_clip("a", 0, 20), iris, _clip("b", 0, 20)])))
    assert "<effectid>Iris Round</effectid>" in text and "Cross Dissolve" not in text
    ramp = _clip("ramp", 0, 10)
    ramp.effects.append(otio.schema.TimeEffect(name="Time Remap", effect_name="Time Remap"))
    with pytest.raises(UnsupportedEditError, match="clip 'ramp'"):
        write_timeline(_timeline(otio.schema.Track("V1", children=[ramp])), tmp_path / "o.xml")
    assert list(tmp_path.iterdir()) == []


def test_a_sequence_at_a_rate_smpte_timecode_lacks_is_refused_before_any_work(tmp_path):
    from otio_retake.timeline.write import write_timeline
    clip = otio.schema.Clip("a", source_range=TimeRange(RationalTime(10, 15), RationalTime(20, 15)))
    timeline = otio.schema.Timeline("slideshow", global_start_time=RationalTime(0, 15))
    timeline.tracks.append(otio.schema.Track("V1", children=[clip]))
    with pytest.raises(UnsupportedEditError, match=r"FCP 7 XML counts SMPTE timecode, which has no 15 fps"):
        write_timeline(timeline, tmp_path / "o.xml")
    assert list(tmp_path.iterdir()) == []


def test_a_premiere_speed_ramp_stays_as_read_in_fcp_xml_and_is_refused_by_name_in_an_edl(tmp_path):
    from otio_retake.timeline.write import write_timeline
    timeline = _timeline(otio.schema.Track("V1", children=[_clip("ramp", 100, 10)]))
    ramp = ('<filter><enabled>TRUE</enabled><effect><name>Time Remap</name><effectid>timeremap</effectid>'
            '<effecttype>motion</effecttype><mediatype>video</mediatype><parameter><parameterid>variablespeed'
            '</parameterid><value>1</value></parameter><parameter><parameterid>speed</parameterid><value>150</value>'
            '</parameter></effect></filter>')
    text = write_fcp_xml(timeline)
    text = text.replace("</clipitem>", ramp + "</clipitem>", 1)
    read = read_fcp_xml(text)
    again = write_fcp_xml(read)
    assert again.count("<effectid>timeremap</effectid>") == 1 and "<value>150</value>" in again
    with pytest.raises(UnsupportedEditError, match="clip 'ramp' .* has the time effect 'Time Remap', which a CMX "
                                                   "3600 EDL cannot carry"):
        write_timeline(read, tmp_path / "o.edl")


def _record(timeline) -> list:
    return [(type(i).__name__, i.name, r.start_time.value, r.duration.value,
             str(i.source_range) if isinstance(i, otio.schema.Clip) else
             (getattr(i, "in_offset", None), getattr(i, "out_offset", None)))
            for i, r in sorted(timeline.tracks[0].range_of_all_children().items(), key=lambda kv: kv[1].start_time.value)]


@pytest.mark.parametrize("before, in_offset, out_offset, after", [
    ("gap", 15, 15, "clip"), ("clip", 15, 15, "gap"), ("clip", 10, 20, "clip"), ("clip", 7, 20, "clip")])
def test_transitions_keep_their_cut_and_the_gaps_beside_them(before, in_offset, out_offset, after):
    """The adapter's reader cut an uneven transition at its middle and shortened a gap beside a transition by
    its offset (everything after it moved): Premiere's cutPointTicks says where it cuts."""
    gap = otio.schema.Gap(source_range=TimeRange(RationalTime(0, R), RationalTime(48, R)))
    items = [_clip("a", 0, 48), *([gap] if before == "gap" else []),
             otio.schema.Transition("Cross Dissolve", transition_type=otio.schema.TransitionTypes.SMPTE_Dissolve,
                                    in_offset=RationalTime(in_offset, R), out_offset=RationalTime(out_offset, R)),
             *([gap.deepcopy()] if after == "gap" else []), _clip("b", 100, 48), _clip("c", 0, 24)]
    timeline = _timeline(otio.schema.Track("V1", children=items))
    assert _record(read_fcp_xml(write_fcp_xml(timeline))) == _record(timeline)


def test_a_shot_cut_in_twice_stays_where_each_is(tmp_path):
    """The adapter wrote the second of two equal clips as a reference to the first clipitem, read back at the
    first one's place (everything after it moved): fcpx_project.fcpxml cuts IMG_0233 in twice."""
    from otio_retake.timeline.read import read_timeline
    timeline = read_timeline(Path(__file__).parent / "stock" / "fcpx" / "sample_data" / "fcpx_project.fcpxml")
    text = write_fcp_xml(timeline)
    assert "otioRetake" not in text

    def placed(tl):
        return sorted((k, type(i).__name__, i.name, r.start_time.value, r.duration.value, str(i.source_range))
                      for k, track in enumerate(tl.tracks) for i, r in track.range_of_all_children().items()
                      if isinstance(i, otio.schema.Clip | otio.schema.Stack))
    assert placed(read_fcp_xml(text)) == placed(timeline)
    twice = _timeline(otio.schema.Track("V1", children=[_clip("a", 0, 24), _clip("b", 0, 24), _clip("a", 0, 24)]))
    assert _record(read_fcp_xml(write_fcp_xml(twice))) == _record(twice)


@pytest.mark.parametrize("name", ["fcp_occlusion.fcpxml", "fcp_transition_markers.fcpxml"])
def test_final_cut_titles_and_transitions_reach_fcp_xml(name):
    """Final Cut's titles are generators with no length and no FCP 7 effect: the adapter failed on them."""
    from otio_retake.timeline.read import read_timeline
    timeline = read_timeline(DATA / name)
    assert _cut(read_fcp_xml(write_fcp_xml(timeline))) == _cut(timeline)
