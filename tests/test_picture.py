"""The picture sent is the footage under the marker (DESIGN.md "Decisions", README "Which picture is sent").

Each frame shows the topmost enabled track holding real footage, never a take, a title, a generator, a graphic,
an adjustment layer or a disabled clip; a clip marker's own clip gives its frames; --picture-track names one
track; a nest is resolved through to what it shows, from its in-point. Frames are checked by decoding takes.
"""

from __future__ import annotations

import json
from fractions import Fraction

import av
import numpy as np
import opentimelineio as otio
import pytest
from opentimelineio.opentime import RationalTime as RT
from opentimelineio.opentime import TimeRange as TR

from conftest import decode_patterns, run_cli, source_frame_at

from otio_retake.errors import InputError, UnsupportedEditError
from otio_retake.model import Picture
from otio_retake.timeline.read import read_timeline
from otio_retake.timeline.relink import MediaResolver
from otio_retake.timeline.segments import TimelineIndex, picture_track_index

RATE = 24


def _clip(name, media, src_in, frames, **kw):
    ref = otio.schema.ExternalReference(target_url=media, available_range=TR(RT(0, RATE), RT(288, RATE)))
    return otio.schema.Clip(name, media_reference=ref, source_range=TR(RT(src_in, RATE), RT(frames, RATE)), **kw)


def _gap(frames):
    return otio.schema.Gap(source_range=TR(RT(0, RATE), RT(frames, RATE)))


def _track(name, *items, **kw):
    track = otio.schema.Track(name, kind=otio.schema.TrackKind.Video, **kw)
    for item in items:
        track.append(item)
    return track


def _title(name, frames, kind="Slug"):
    return otio.schema.Clip(name, media_reference=otio.schema.GeneratorReference(name=name, generator_kind=kind),
                            source_range=TR(RT(0, RATE), RT(frames, RATE)))


def _logo(path):
    """A logo as editors have them: a PNG with transparency."""
    with av.open(str(path), "w") as out:
        stream = out.add_stream("png")
        stream.width, stream.height, stream.pix_fmt = 64, 36, "rgba"
        for packet in stream.encode(av.VideoFrame.from_ndarray(np.zeros((36, 64, 4), np.uint8), format="rgba")):
            out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def _sample(samples, edit, name="edited.otio"):
    timeline = otio.adapters.read_from_file(str(samples / "retake_sample.otio"))
    edit(timeline)
    path = samples / name
    otio.adapters.write_to_file(timeline, str(path))
    return path


def _index(timeline, samples):
    return TimelineIndex(timeline, Fraction(RATE)), MediaResolver(timeline, timeline_dir=samples)


def _shown(segments):
    return [(s.clip_name, s.track, s.record_in, s.record_out) for s in segments]


def _take_file(output):
    """The take file the output timeline points at (its name is the job identity's business)."""
    timeline = otio.adapters.read_from_file(str(output))
    takes = [c for t in timeline.tracks if t.name == "Retake A" for c in t.find_clips()]
    return otio.url_utils.filepath_from_url(takes[0].media_reference.target_url)


def test_overlays_takes_and_disabled_clips_are_passed_over_cutaways_are_not(samples):
    """Per frame, the topmost footage: V2's cutaway gives its frames; titles, graphics, takes, disabled clips
    above never do (by data: a generator reference, media with alpha, our take metadata, enabled=False)."""
    timeline = otio.adapters.read_from_file(str(samples / "retake_sample.otio"))
    logo = _logo(samples / "logo.png")
    timeline.tracks.append(_track("V2", _gap(60), _clip("cutaway", "media/shot_b.mp4", 100, 30)))
    timeline.tracks.append(_track("Titles", _gap(40), _title("Lower third", 80, "GraphicAndType")))
    timeline.tracks.append(_track("Logo", _gap(40), _clip("logo.png", str(logo), 0, 80)))
    timeline.tracks.append(_track("Panel takes", _gap(40), _clip("p", "media/shot_b.mp4", 0, 80),
                                  metadata={"otio_retake": {"take": "A"}}))
    timeline.tracks.append(_track("Retake B", _gap(40), _clip("q", "media/shot_b.mp4", 0, 80)))
    off = _clip("off", "media/shot_b.mp4", 0, 80)
    off.enabled = False
    timeline.tracks.append(_track("V7", _gap(40), off))
    timeline.tracks.append(_track("V8 (off)", _gap(40), _clip("hidden", "media/shot_b.mp4", 0, 80)))
    timeline.tracks[-1].enabled = False
    index, resolver = _index(timeline, samples)
    segments = index.segments(Picture(), 40, 120, resolver, range_name="r")
    assert _shown(segments) == [("shot_a.mp4", "V1", 40, 60), ("cutaway", "V2", 60, 90),
                                ("shot_a.mp4", "V1", 90, 120)]
    assert segments[0].file_start == Fraction(24 + 40, RATE) and segments[1].file_start == Fraction(100, RATE)
    assert index.top_track(Picture(), 40, 120, resolver) == 1  # where a take goes: over the cutaway
    assert index.shot_bounds(Picture(), 62, 80, resolver) == (60, 90)  # the cutaway is a shot of its own
    # A clip marker's own clip gives its frames, whatever lies above it.
    assert _shown(index.segments(Picture(clip=(0, 0, 240)), 40, 120, resolver, range_name="r")) == \
        [("shot_a.mp4", "V1", 40, 120)]
    # --picture-track: that track alone; black where it holds nothing.
    assert _shown(index.segments(Picture(track=1), 40, 120, resolver, range_name="r")) == \
        [("(gap)", "", 40, 60), ("cutaway", "V2", 60, 90), ("(gap)", "", 90, 120)]
    # Nothing but overlays over the frames: black, saying what was passed over.
    v1 = timeline.tracks[0]
    v1[0].enabled = False
    index, resolver = _index(timeline, samples)
    black = index.segments(Picture(), 100, 110, resolver, range_name="r")
    assert [s.is_gap for s in black] == [True]
    for said in ("'Lower third' on track 'Titles', which is a graphic", "'logo.png' on track 'Logo', which is a still",
                 "'p' on track 'Panel takes', which is a take", "'q' on track 'Retake B', which is a take",
                 "'off' on track 'V7', which is disabled", "'shot_a.mp4' on track 'V1', which is disabled"):
        assert said in black[0].track


def test_picture_track_names_a_track_by_name_or_place(samples):
    timeline = otio.adapters.read_from_file(str(samples / "retake_sample.otio"))
    timeline.tracks.append(_track("Cutaways"))
    assert picture_track_index(timeline, "Cutaways") == picture_track_index(timeline, "cutaways") == 1
    assert picture_track_index(timeline, "V1") == 0
    with pytest.raises(InputError) as caught:
        picture_track_index(timeline, "V9")
    assert "no such video track" in str(caught.value) and "V2 'Cutaways'" in caught.value.hint


def test_premiere_title_and_nested_sequence_in_a_real_export(fixtures_dir, samples):
    """Premiere's own export: a title (`<mediaSource>Slug`) on V3 over the whole cut, a nested sequence on V2.
    The title is passed over; the nest (which the fcp_xml adapter read as an empty Stack) shows its clips."""
    timeline = read_timeline(fixtures_dir / "premiere_example.xml")
    nest = timeline.tracks[1][-1]
    assert isinstance(nest, otio.schema.Stack) and [c.name for c in nest.find_clips()][:2] == \
        ["sc01_sh010_anim.mov", "sc01_sh030_anim.mov"]
    index = TimelineIndex(timeline, Fraction(30))
    resolver = MediaResolver(timeline, timeline_dir=samples)
    # The sequence marker at 298 (a point): sh020 on V2 under the title.
    shown = index.segments(Picture(), 298, 310, resolver, range_name="r")
    assert [(s.clip_name, s.track) for s in shown] == [("sc01_sh020_anim.mov", "V2")] and shown[0].missing
    # Inside the nest (636-956): its first clip for 100 frames, then its second.
    shown = index.segments(Picture(), 726, 746, resolver, range_name="r")
    assert [(s.clip_name, s.track, s.record_in, s.record_out) for s in shown] == [
        ("sc01_sh010_anim.mov", "V2 > 'sc01_sh010_anim' > V1", 726, 736),
        ("sc01_sh030_anim.mov", "V2 > 'sc01_sh010_anim' > V1", 736, 746)]


def test_a_title_and_a_logo_over_the_marker_are_not_the_picture_sent(samples, tmp_path, capsys):
    """Issue 22: a title on V2 and a logo on V3 over the marker; the take is cut from V1's footage."""
    logo = _logo(samples / "logo.png")

    def overlays(tl):
        tl.tracks.append(_track("V2", _gap(150), _title("Title", 200)))
        tl.tracks.append(_track("V3", _gap(150), _clip("logo.png", str(logo), 0, 200)))
    path = _sample(samples, overlays)
    assert run_cli("plan", path, "--marker-prefix", "crossing", "--json") == 0
    row, = [r for r in json.loads(capsys.readouterr().out) if r["status"] == "ready"]  # 'sky', 'line': excluded
    assert [(p["clip"], p["track"], p["frames"]) for p in row["picture"]] == \
        [("shot_a.mp4", "V1", 36), ("shot_b.mp4", "V1", 36)]
    assert run_cli("plan", path, "--marker-prefix", "crossing") == 0
    assert "picture of 'crossing': shot_a.mp4 (V1), shot_b.mp4 (V1)" in capsys.readouterr().out
    out = tmp_path / "o.otio"
    assert run_cli("run", path, "-o", out, "--marker-prefix", "crossing") == 0
    patterns = decode_patterns(_take_file(out))
    assert len(patterns) == 12 + 72 + 12
    assert patterns == [source_frame_at(204 - 12 + i) for i in range(len(patterns))]


def test_a_marker_over_a_nest_is_retaken_from_what_the_nest_shows(samples, tmp_path):
    """Issue 23: shot_b is inside a compound clip whose in-point skips 30 frames of shot_a; the inner clip has its
    own in-point (frame 48). The take shows shot_b's frames from 48 on, laid back at the top level."""
    def nest(tl):
        inner = otio.schema.Stack("compound", source_range=TR(RT(30, RATE), RT(216, RATE)))
        inner.append(_track("inner V1", _clip("filler", "media/shot_a.mp4", 200, 30),
                            tl.tracks[0][1].deepcopy()))
        tl.tracks[0][1] = inner
    path = _sample(samples, nest)
    out = tmp_path / "o.otio"
    assert run_cli("run", path, "-o", out, "--marker-prefix", "crossing") == 0
    patterns = decode_patterns(_take_file(out))
    assert len(patterns) == 12 + 72 + 12
    assert patterns == [source_frame_at(204 - 12 + i) for i in range(len(patterns))]
    written = otio.adapters.read_from_file(str(out))
    take = next(t for t in written.tracks if t.name == "Retake A").find_clips()[0]
    assert take.range_in_parent().start_time.value == 204  # at the top level, over the marker


def test_a_take_conform_put_into_the_cut_is_footage_an_alternate_is_not():
    from otio_retake.timeline.picture import not_footage
    cut = _track("V1")
    pick = _clip("sky take B", "takes/sky_B.mp4", 0, 72, metadata={"otio_retake": {"take": "B", "conformed": True}})
    alternate = _clip("sky take A", "takes/sky_A.mp4", 0, 72, metadata={"otio_retake": {"take": "A"}})
    assert not_footage(pick, cut) is None
    assert not_footage(alternate, cut) == "a take (otio-retake's output)"


# Final Cut's generators are a <video> of an <effect> (".../Generators.localized/Solids..."), its titles a
# <title>: both connected over the storyline here, as Final Cut writes them (the uids are Final Cut's own).
FCPXML_OVERLAYS = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE fcpxml>
<fcpxml version="1.10">
  <resources>
    <format id="r1" name="FFVideoFormat1080p24" frameDuration="100/2400s" width="1920" height="1080"/>
    <asset id="r2" name="shot_a" start="0s" duration="12s" hasVideo="1" format="r1">
      <media-rep kind="original-media" src="media/shot_a.mp4"/>
    </asset>
    <effect id="r3" name="Custom" uid=".../Generators.localized/Solids.localized/Custom.localized/Custom.motn"/>
    <effect id="r4" name="Basic Title" uid=".../Titles.localized/Bumper:Opener.localized/Basic Title.localized/Basic Title.moti"/>
  </resources>
  <library>
    <event name="e">
      <project name="p">
        <sequence format="r1" duration="10s" tcStart="0s" tcFormat="NDF">
          <spine>
            <asset-clip ref="r2" offset="0s" name="shot_a" start="1s" duration="10s" format="r1">
              <video ref="r3" lane="1" offset="3s" name="Custom" start="0s" duration="2s"/>
              <title ref="r4" lane="2" offset="2s" name="Basic Title" start="0s" duration="4s"/>
              <marker start="4s" duration="2s" value="sky" note="stormy sky"/>
            </asset-clip>
          </spine>
        </sequence>
      </project>
    </event>
  </library>
</fcpxml>
"""


def test_final_cut_generators_and_titles_are_not_the_picture(samples):
    path = samples / "overlays.fcpxml"
    path.write_text(FCPXML_OVERLAYS)
    timeline = read_timeline(path)
    index = TimelineIndex(timeline, Fraction(RATE))
    shown = index.segments(Picture(), 48, 120, MediaResolver(timeline, timeline_dir=samples), range_name="sky")
    assert [(s.clip_name, s.track) for s in shown] == [("shot_a", "V1")] and not shown[0].missing
    assert shown[0].file_start == Fraction(24 + 48, RATE)


def test_a_nest_with_a_speed_change_is_refused_by_name(samples):
    timeline = otio.adapters.read_from_file(str(samples / "retake_sample.otio"))
    nest = otio.schema.Stack("fast nest", source_range=TR(RT(0, RATE), RT(216, RATE)),
                             effects=[otio.schema.LinearTimeWarp(time_scalar=2.0)])
    nest.append(_track("inner", timeline.tracks[0][1].deepcopy()))
    timeline.tracks[0][1] = nest
    index, resolver = _index(timeline, samples)
    with pytest.raises(UnsupportedEditError) as caught:
        index.segments(Picture(), 230, 250, resolver, range_name="crossing")
    assert "covers nest 'fast nest' on track 'V1', which has a speed change (2.00x)" in str(caught.value)


def test_a_marker_on_a_nest_is_found_and_retaken_from_what_the_nest_shows(samples):
    """A marker on the nest itself (OTIO: in the nest's own time; FCP 7 XML: a nested clipitem's markers)."""
    from otio_retake.timeline.marks import MarkerFilter, find_marked_ranges
    timeline = otio.adapters.read_from_file(str(samples / "retake_sample.otio"))
    del timeline.tracks.markers[:]
    nest = otio.schema.Stack("compound", source_range=TR(RT(30, RATE), RT(216, RATE)))
    nest.append(_track("inner V1", _clip("filler", "media/shot_a.mp4", 200, 30), timeline.tracks[0][1].deepcopy()))
    nest.markers.append(otio.schema.Marker("wave", TR(RT(40, RATE), RT(72, RATE)), metadata={}))
    timeline.tracks[0][1] = nest
    ranges, _ = find_marked_ranges(timeline, marker_filter=MarkerFilter(name_prefix="wave"))
    rng, = ranges
    assert (rng.record_in, rng.picture.clip) == (250, (0, 240, 456)) and "nest 'compound'" in rng.origin
    index, resolver = _index(timeline, samples)
    shown = index.segments(rng.picture, 250, 322, resolver, range_name="wave")
    assert [(s.clip_name, s.track) for s in shown] == [("shot_b.mp4", "V1 > 'compound' > inner V1")]
    assert shown[0].file_start == Fraction(48 + 10, RATE)


def test_the_review_window_reads_a_run_with_the_runs_picture_track(samples):
    """A workspace of a run made with --picture-track opens on the same picture (so the same jobs are found)."""
    from otio_retake.studio.controller import STATE_NAME, StudioController
    workspace = samples / "retake_sample.retake"
    workspace.mkdir()
    (workspace / STATE_NAME).write_text(json.dumps({"timeline": str(samples / "retake_sample.otio"),
                                                     "options": {"picture_track": "V1"}}))
    controller = StudioController(workspace)
    assert {r.range.picture.track for r in controller._rows.values()} == {0}


def test_a_marker_over_premiere_nested_sequence_is_retaken_from_its_clips(fixtures_dir, tmp_path):
    """The real Premiere export, a marker added over its nested sequence (record 636-956, under the title on V3):
    the take shows the nest's clips at their frames (sh010 from the nest's start, sh030 from frame 0 at 736)."""
    from media_sources import make_source
    media = tmp_path / "media"
    media.mkdir()
    make_source(media / "sc01_sh010_anim.mov", clip_id=10, frames=100, rate=Fraction(30), audio=None)
    make_source(media / "sc01_sh030_anim.mov", clip_id=30, frames=240, rate=Fraction(30), audio=None)
    text = (fixtures_dir / "premiere_example.xml").read_text()
    name = "<name>sc01_sh010_layerA</name>"  # the top sequence's name: its markers go beside it
    marker = "<marker><comment>make it rain</comment><name>rain</name><in>700</in><out>772</out></marker>"
    path = tmp_path / "premiere.xml"
    path.write_text(text.replace(name, name + marker, 1))
    out = tmp_path / "o.otio"
    assert run_cli("run", path, "--media-dir", media, "--marker-prefix", "rain", "-o", out) == 0
    patterns = decode_patterns(_take_file(out))
    first = 700 - (len(patterns) - 72) // 2
    assert len(patterns) > 72 and patterns == [(r - 636, 10) if r < 736 else (r - 736, 30)
                                               for r in range(first, first + len(patterns))]


def _alpha_clip(path, see_through: bool):
    """24 frames of PNG-in-MOV with an alpha channel: a lower third (see-through) or an opaque 4444-like master."""
    with av.open(str(path), "w") as out:
        stream = out.add_stream("png", rate=RATE)
        stream.width, stream.height, stream.pix_fmt = 64, 36, "rgba"
        for i in range(24):
            picture = np.full((36, 64, 4), 255, np.uint8)
            if see_through:
                picture[:24, :, 3] = 0  # only the bottom third shows
            frame = av.VideoFrame.from_ndarray(picture, format="rgba")
            frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def test_media_with_alpha_in_use_is_a_graphic_an_opaque_alpha_master_is_footage(samples):
    from otio_retake.timeline.picture import not_footage
    lower = _alpha_clip(samples / "lower_third.mov", see_through=True)
    master = _alpha_clip(samples / "master_4444.mov", see_through=False)
    timeline = otio.schema.Timeline("t", global_start_time=RT(0, RATE))
    track = _track("V1", _clip("lower third", str(lower), 0, 24), _clip("master", str(master), 0, 24))
    timeline.tracks.append(track)
    resolver = MediaResolver(timeline, timeline_dir=samples)
    assert "see-through" in not_footage(track[0], track, resolver)
    assert not_footage(track[1], track, resolver) is None


def test_a_disabled_track_inside_a_premiere_nested_sequence_is_not_its_picture(fixtures_dir, samples):
    """Premiere writes <enabled>FALSE</enabled> on a track it turned off, nested sequences' tracks too."""
    text = (fixtures_dir / "premiere_example.xml").read_text()
    nested = text.index("<sequence id=\"sequence-2\"")
    closing = text.index("</track>", nested)  # the nested sequence's first video track: its own <enabled>
    switch = text.rindex("<enabled>TRUE</enabled>", nested, closing)
    path = samples / "nested_off.xml"
    path.write_text(text[:switch] + "<enabled>FALSE</enabled>" + text[switch + len("<enabled>TRUE</enabled>"):])
    timeline = read_timeline(path)
    index = TimelineIndex(timeline, Fraction(30))
    shown = index.segments(Picture(), 726, 746, MediaResolver(timeline, timeline_dir=samples), range_name="r")
    assert [s.is_gap for s in shown] == [True]  # nothing else shows there: black (the title is passed over)
