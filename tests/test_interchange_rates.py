"""Rates and timecode modes come from the file, never from a guess by rate (issue 12, point 1)."""

from __future__ import annotations

import json

from fractions import Fraction
from pathlib import Path

import pytest

from conftest import FIXTURES, decode_patterns, dominant_hz, run_cli, take_file
from media_sources import make_source
from otio_retake.media.probe import probe
from otio_retake.timeline.conform import conform
from otio_retake.timeline.fcpxml import format_time, parse_time
from otio_retake.timeline.info import timeline_rate
from otio_retake.timeline.relink import MediaResolver
from otio_retake.timeline.segments import TimelineIndex
from otio_retake.timeline.write import write_timeline
from otio_retake.timeline.marks import MarkerFilter, find_marked_ranges, record_markers
from otio_retake.timeline.read import read_timeline


def _fcpxml(tc_format: str | None, *, frame_duration: str = "1001/30000s", tc_start: str = "108108000/30000s",
            clip_format: str = "r1", conform: str = "", marker_start: str = "106106/30000s") -> str:
    """One clip from 01:00:00:00 with a marker 106 frames in (3 s 16 f at 29.97)."""
    tc = f' tcFormat="{tc_format}"' if tc_format else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE fcpxml>
<fcpxml version="1.10">
  <resources>
    <format id="r1" frameDuration="{frame_duration}" width="1920" height="1080"/>
    <format id="r3" frameDuration="1/25s" width="1920" height="1080"/>
    <asset id="r2" name="a" start="0s" duration="600s" hasVideo="1" format="{clip_format}">
      <media-rep kind="original-media" src="file:///nowhere/a.mov"/>
    </asset>
  </resources>
  <library><event name="e"><project name="p">
    <sequence format="r1" duration="600s" tcStart="{tc_start}"{tc}>
      <spine>
        <asset-clip ref="r2" name="a" offset="{tc_start}" start="0s" duration="300s" format="{clip_format}">
          {conform}
          <marker start="{marker_start}" duration="100100/30000s" value="m" note="fix it"/>
        </asset-clip>
      </spine>
    </sequence>
  </project></event></library>
</fcpxml>
"""


@pytest.mark.parametrize("tc_format, label", [("NDF", "01:00:03:16"), (None, "01:00:03:16"), ("DF", "01:00:07;04")])
def test_fcpxml_tcformat_decides_the_labels(tmp_path, tc_format, label):
    # tcStart 3603.6 s is frame 108000; the marker is frame 108106. Final Cut shows 01:00:03:16 for an NDF
    # sequence (and for one without tcFormat, which it reads as NDF); only a DF sequence shows 01:00:07;04.
    path = tmp_path / "p.fcpxml"
    path.write_text(_fcpxml(tc_format))
    ranges, _ = find_marked_ranges(read_timeline(path))
    assert [(r.record_in, r.record_in_tc) for r in ranges] == [(106, label)]


def test_fcpxml_conformed_clip_markers_map_frame_for_frame(tmp_path):
    # A 25 fps clip in a 23.976 project, conformed (<conform-rate srcFrameRate="25"/>, Final Cut's default):
    # media frame n shows at sequence frame n. Markers 7 s, 14 s and 23 s into the clip's own (25 fps) clock
    # are media frames 175, 350 and 575, so sequence frames 175, 350 and 575 - not 168, 336 and 551 by time.
    markers = "".join(f'<marker start="{s}s" duration="1/25s" value="m{s}" note="n"/>' for s in (7, 14, 23))
    text = _fcpxml("NDF", frame_duration="1001/24000s", tc_start="0s", clip_format="r3",
                   conform='<conform-rate srcFrameRate="25"/>' + markers, marker_start="0s")
    path = tmp_path / "c.fcpxml"
    path.write_text(text)
    ranges, _ = find_marked_ranges(read_timeline(path), marker_filter=MarkerFilter(default_length_seconds=2))
    assert {r.name: r.record_in for r in ranges if r.name != "m"} == {"m7": 175, "m14": 350, "m23": 575}
    # without the conform the clip plays in real time and the same markers sit by time
    path.write_text(text.replace('<conform-rate srcFrameRate="25"/>', ""))
    ranges, _ = find_marked_ranges(read_timeline(path), marker_filter=MarkerFilter(default_length_seconds=2))
    # (7 s is in record frame 167, 6.965-7.007 s: Final Cut shows a marker on the frame that contains it)
    assert {r.name: r.record_in for r in ranges if r.name != "m"} == {"m7": 167, "m14": 335, "m23": 551}


@pytest.fixture(scope="module")
def pal_media(tmp_path_factory) -> Path:
    """The 25 fps clip of ``_conformed_cut``, made once: the tests only read it."""
    return make_source(tmp_path_factory.mktemp("pal") / "pal.mp4", clip_id=7, frames=250, rate=Fraction(25),
                       width=320, height=180)


@pytest.fixture(scope="module")
def fast_media(tmp_path_factory) -> Path:
    """The 24 fps clip of ``_retimed_cut``, made once: the tests only read it."""
    return make_source(tmp_path_factory.mktemp("fast") / "fast.mp4", clip_id=9, frames=336, rate=Fraction(24),
                       width=320, height=180)


def _conformed_cut(tmp_path, media: Path, *, conform: bool = True, sequence: str = "1001/24000s") -> Path:
    """A 25 fps pattern clip (clip id 7, 10 s, a 440 Hz tone) in a 23.976 project, rate-conformed as Final
    Cut does by default: the clip shows media frames 50.. (start 2 s) from record frame 0 for 192 frames, and
    its marker 'm' starts at media frame 100 (4 s) and lasts 72 media frames (72/25 s of clip time)."""
    duration = format_time(Fraction(192) * parse_time(sequence))
    path = tmp_path / "c.fcpxml"
    path.write_text(f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE fcpxml>
<fcpxml version="1.10">
  <resources>
    <format id="r1" frameDuration="{sequence}" width="1920" height="1080"/>
    <format id="r3" frameDuration="1/25s" width="320" height="180"/>
    <asset id="r2" name="pal" start="0s" duration="10s" hasVideo="1" hasAudio="1" format="r3">
      <media-rep kind="original-media" src="{media.as_uri()}"/>
    </asset>
  </resources>
  <library><event name="e"><project name="p">
    <sequence format="r1" duration="{duration}" tcStart="0s" tcFormat="NDF">
      <spine>
        <asset-clip ref="r2" name="pal" offset="0s" start="2s" duration="{duration}" format="r3">
          {'<conform-rate srcFrameRate="25"/>' if conform else ''}
          <marker start="4s" duration="72/25s" value="m" note="make it rain"/>
        </asset-clip>
      </spine>
    </sequence>
  </project></event></library>
</fcpxml>
""")
    return path


@pytest.mark.parametrize("sequence", ["1001/24000s", "1/24s"])
def test_fcpxml_conformed_clip_renders_frame_for_frame_and_its_take_comes_back_in_place(tmp_path, sequence,
                                                                                       pal_media):
    # Final Cut plays a conformed clip's media frame n at the clip's record frame n (slowed to 95.9% at 23.976,
    # 96% at 24): the marker at media frame 100 is record frame 50, and the excerpt and the take must show media
    # frames 100, 101, ... there (by time they would drift: record frame 71 is media frame 123 by time, not 121).
    path = _conformed_cut(tmp_path, pal_media, sequence=sequence)
    assert run_cli("run", path, "-o", tmp_path / "o.otio", "--workspace", tmp_path / "ws", "--handles", "12",
                   "--context", "0.5") == 0
    take = take_file(tmp_path / "ws" / "takes" / "m_takeA.mp4")
    assert decode_patterns(take) == [(100 + k, 7) for k in range(-12, 72 + 12)]
    out = read_timeline(tmp_path / "o.otio")
    retake = next(t for t in out.tracks if t.name == "Retake A")
    clip = retake.find_clips()[0]
    placed = clip.transformed_time_range(clip.trimmed_range(), out.tracks)
    assert (round(placed.start_time.value), round(placed.duration.value)) == (50, 72)  # the handles are outside it
    # The excerpt (half a second of context each side at the sequence rate) shows one media frame per record frame too,
    # and its sound is slowed by the same factor: the 440 Hz tone plays at 440 x 23.976 / 25 (or x 24 / 25).
    excerpt = next((tmp_path / "ws" / "excerpts").glob("m_*.mp4"))
    shown = decode_patterns(excerpt)
    context = len(shown) - 72
    assert shown == [(100 - context // 2 + k, 7) for k in range(len(shown))]
    speed = 1 / (parse_time(sequence) * 25)
    assert abs(dominant_hz(excerpt, 0.5, 2.0) - 440 * float(speed)) < 2
    assert abs(probe(excerpt).duration - len(shown) * float(parse_time(sequence))) < 0.05
    # Written back to FCPXML (the take as an audition, the clip split around it), the pieces stay conformed:
    # every record frame shows the same media frame, and the marker is where it was.
    write_timeline(out, tmp_path / "o.fcpxml")
    text = (tmp_path / "o.fcpxml").read_text()
    assert text.count('<conform-rate srcFrameRate="25"') == 3 and "<audition" in text
    again = read_timeline(tmp_path / "o.fcpxml")
    # its marker is where it was, and its take is read back from the audition: not sent again (issue 22.6)
    assert [(s.name, s.reason.split(" (")[0]) for s in find_marked_ranges(again)[1]] == [
        ("m", "already has take(s) A on this timeline")]
    assert [(m.name, f) for f, _, m in record_markers(again)] == [("m", 50)]

    assert _shown_at(again, tmp_path) == _shown_at(read_timeline(path), tmp_path) == \
        [("pal.mp4", Fraction(50 + k, 25)) for k in range(192)]
    # conformed with take A picked, the clip around the take still shows its media frame for frame
    final, _ = conform(out, {"m": "A"})
    assert _shown_at(final, tmp_path) == [("pal.mp4", Fraction(50 + k, 25)) for k in range(50)] + \
        [(take.name, Fraction(12 + k) * parse_time(sequence)) for k in range(72)] + \
        [("pal.mp4", Fraction(50 + k, 25)) for k in range(122, 192)]


def _shown_at(timeline, folder, frames: int = 192) -> list[tuple[str, Fraction]]:
    """(media file, time in it) each record frame of the first video track shows."""
    index = TimelineIndex(timeline, timeline_rate(timeline))
    segments = index.segments(0, 0, frames, MediaResolver(timeline, timeline_dir=folder), range_name="all")
    return [(s.media.path.name, s.file_time(k, timeline_rate(timeline))) for s in segments
            for k in range(s.record_in, s.record_out)]


def _retimed_cut(tmp_path, media: Path, points: str, sampling: str = "") -> Path:
    """A 24 fps pattern clip (clip id 9, 14 s) in a 24 fps project, retimed by ``points``: the clip's local
    time runs from 2 s for 8 s (192 frames); its marker 'r' is at local 4 s (record frame 48) for 3 s."""
    path = tmp_path / "t.fcpxml"
    path.write_text(f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE fcpxml>
<fcpxml version="1.10">
  <resources>
    <format id="r1" frameDuration="1/24s" width="320" height="180"/>
    <asset id="r2" name="fast" start="0s" duration="14s" hasVideo="1" hasAudio="1" format="r1">
      <media-rep kind="original-media" src="{media.as_uri()}"/>
    </asset>
  </resources>
  <library><event name="e"><project name="p">
    <sequence format="r1" duration="8s" tcStart="0s" tcFormat="NDF">
      <spine>
        <asset-clip ref="r2" name="fast" offset="0s" start="2s" duration="8s" format="r1">
          <timeMap{sampling}>{points}</timeMap>
          <marker start="4s" duration="3s" value="r" note="make it snow"/>
        </asset-clip>
      </spine>
    </sequence>
  </project></event></library>
</fcpxml>
""")
    return path


_CONSTANT = '<timept time="0s" value="0s" interp="linear"/><timept time="10s" value="12s" interp="linear"/>'


def test_fcpxml_constant_speed_timemap_renders_frame_for_frame_with_floor_sampling(tmp_path, fast_media):
    # 120% (local 0 s -> media 0 s, local 10 s -> media 12 s): record frame k shows media time 1.2 x (2 s + k/24),
    # media frame floor(57.6 + 1.2 k) as Final Cut's default floor sampling picks it (the marker: k = 48 + j,
    # media frame floor(115.2 + 1.2 j); a quarter-frame rounding would show the next frame at every .8).
    path = _retimed_cut(tmp_path, fast_media, _CONSTANT)
    ranges, skipped = find_marked_ranges(read_timeline(path))
    assert [(r.name, r.record_in, r.duration) for r in ranges] == [("r", 48, 72)] and not skipped
    assert run_cli("run", path, "-o", tmp_path / "o.otio", "--workspace", tmp_path / "ws", "--handles", "12",
                   "--context", "0.5") == 0
    shown = decode_patterns(take_file(tmp_path / "ws" / "takes" / "r_takeA.mp4"))
    assert shown == [(int(Fraction(1152, 10) + Fraction(12, 10) * j), 9) for j in range(-12, 72 + 12)]
    # written back to FCPXML the pieces around the audition keep the speed and show the same media times
    write_timeline(read_timeline(tmp_path / "o.otio"), tmp_path / "o.fcpxml")
    again = read_timeline(tmp_path / "o.fcpxml")
    assert [(m.name, f) for f, _, m in record_markers(again)] == [("r", 48)]
    assert find_marked_ranges(again)[0] == []  # its take is read back from the audition (issue 22.6)
    assert _shown_at(again, tmp_path) == _shown_at(read_timeline(path), tmp_path) == \
        [("fast.mp4", Fraction(12, 10) * (2 + Fraction(k, 24))) for k in range(192)]
    final, _ = conform(read_timeline(tmp_path / "o.otio"), {"r": "A"})
    assert _shown_at(final, tmp_path) == [("fast.mp4", Fraction(12, 10) * (2 + Fraction(k, 24))) for k in range(48)] \
        + [(take_file(tmp_path / "ws" / "takes" / "r_takeA.mp4").name, Fraction(12 + k, 24)) for k in range(72)] + \
        [("fast.mp4", Fraction(12, 10) * (2 + Fraction(k, 24))) for k in range(120, 192)]


@pytest.mark.parametrize("points, sampling, why", [
    ('<timept time="0s" value="0s" interp="smooth2"/><timept time="10s" value="12s" interp="smooth2"/>', "",
     "a varying speed"),
    ('<timept time="0s" value="0s" interp="linear"/><timept time="4s" value="4s" interp="linear"/>'
     '<timept time="10s" value="16s" interp="linear"/>', "", "a varying speed"),
    (_CONSTANT, ' frameSampling="optical-flow"', "sampled by optical-flow"),
])
def test_fcpxml_varying_timemap_is_still_refused_naming_the_clip(tmp_path, capsys, points, sampling, why,
                                                                fast_media):
    path = _retimed_cut(tmp_path, fast_media, points, sampling)
    assert run_cli("plan", path, "--default-length", "3", "--marker-prefix", "r") == 5  # its marker skipped
    captured = capsys.readouterr()
    said = " ".join((captured.out + captured.err).split())
    assert "clip 'fast'" in said and why in said


def test_fcpxml_clip_at_another_rate_without_conform_still_renders_by_time(tmp_path, pal_media):
    # Without <conform-rate> Final Cut plays the 25 fps media in real time (dropping a frame now and then): the
    # marker at 4 s of media (2 s into the clip) is in record frame 47 (1.960-2.002 s: Final Cut shows a marker
    # on the frame that contains it), and record frame 47 + k shows the media frame on screen then.
    path = _conformed_cut(tmp_path, pal_media, conform=False)
    assert run_cli("run", path, "-o", tmp_path / "o.otio", "--workspace", tmp_path / "ws", "--handles", "0",
                   "--context", "0") == 0
    shown = decode_patterns(take_file(tmp_path / "ws" / "takes" / "m_takeA.mp4"))
    by_time = [(int((2 + Fraction(47 + k) * Fraction(1001, 24000)) * 25 + Fraction(1, 4)), 7) for k in range(len(shown))]
    assert shown == by_time and shown[-1][0] > 99 + len(shown) - 1  # ahead of one frame per frame


def _premiere_at_2997(display: str, frame: int) -> str:
    """premiere_example.xml as a 29.97 sequence starting at 01:00:00:00 with the given displayformat."""
    text = (FIXTURES / "premiere_example.xml").read_text().replace("<ntsc>FALSE</ntsc>", "<ntsc>TRUE</ntsc>")
    head, _, tail = text.rpartition("<string>00:00:00:00</string>\n\t\t\t<frame>0</frame>\n\t\t\t<displayformat>NDF")
    return head + f"<string>01:00:00:00</string>\n\t\t\t<frame>{frame}</frame>\n\t\t\t<displayformat>{display}" + tail


@pytest.mark.parametrize("display, frame, label", [("NDF", 108000, "01:00:03:23"), ("DF", 107892, "01:00:03;23")])
def test_fcp7_xml_displayformat_decides_the_labels(tmp_path, display, frame, label):
    # 'My MArker 1' is at sequence frame 113: 3 s 23 f after 01:00:00:00 in either mode (the first minute
    # of an hour drops no frames), written with ':' for NDF and ';' for DF as Premiere shows it.
    path = tmp_path / "p.xml"
    path.write_text(_premiere_at_2997(display, frame))
    ranges, _ = find_marked_ranges(read_timeline(path), marker_filter=MarkerFilter(default_length_seconds=2))
    assert next(r for r in ranges if r.name == "My MArker 1").record_in_tc == label


def _ndf_edl(path: Path, fcm: str = "FCM: NON-DROP FRAME\n") -> Path:
    path.write_text(f"TITLE: t\n{fcm}\n"
                    "001  AX       V     C        00:00:00:00 00:05:00:00 01:00:00:00 01:05:00:00\n"
                    "* FROM CLIP NAME: a.mov\n"
                    "* LOC: 01:02:00:00 BLUE fix the sky\n")
    return path


def test_ndf_edl_read_at_2997_is_labelled_ndf_in_plan_and_summary(tmp_path, capsys):
    path = _ndf_edl(tmp_path / "c.edl")
    ranges, _ = find_marked_ranges(read_timeline(path, fps="29.97"), marker_filter=MarkerFilter(default_length_seconds=2))
    assert [r.record_in_tc for r in ranges] == ["01:02:00:00"]
    assert ranges[0].record_in == 2 * 60 * 30  # NDF: 30 frames every second
    assert ranges[0].timecode(ranges[0].record_out) == "01:02:02:00"
    # the plan shows the same label (it showed 01:02:00;04, drop-frame by rate, before)
    assert run_cli("plan", path, "--fps", "29.97", "--default-length", "2", "--json") == 6  # no media: planned
    out = capsys.readouterr().out
    assert "01:02:00;" not in out and json.loads(out)[0]["record_in"] == "01:02:00:00"


def test_edl_rate_guess_is_said_and_media_rate_wins(tmp_path):
    import av
    import numpy as np
    media = tmp_path / "shot.mp4"
    with av.open(str(media), "w") as out:
        stream = out.add_stream("mpeg4", rate=25)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        for i in range(30):
            frame = av.VideoFrame.from_ndarray(np.full((64, 64, 3), i * 8, np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    edl = tmp_path / "cut.edl"
    edl.write_text("TITLE: t\n\n"
                   "001  AX       V     C        00:00:00:00 00:00:01:00 01:00:00:00 01:00:01:00\n"
                   "* FROM CLIP NAME: shot.mp4\n")
    timeline = read_timeline(edl)
    assert Fraction(timeline.global_start_time.rate).limit_denominator(1001) == 25
    assert not timeline.metadata["otio_retake"].get("warnings")
    media.unlink()
    timeline = read_timeline(edl)
    assert timeline.global_start_time.rate == 24
    warning = " ".join(timeline.metadata["otio_retake"]["warnings"])
    assert "read at 24 fps" in warning and "--fps" in warning and "no FCM: line" in warning


def test_plan_prints_the_rate_warning(tmp_path, capsys):
    edl = tmp_path / "cut.edl"
    edl.write_text("TITLE: t\n\n"
                   "001  AX       V     C        00:00:00:00 00:00:10:00 01:00:00:00 01:00:10:00\n"
                   "* FROM CLIP NAME: shot.mp4\n"
                   "* LOC: 01:00:02:00 BLUE fix the sky\n")
    run_cli("plan", edl, "--default-length", "3")
    captured = capsys.readouterr()
    assert "read at 24 fps" in " ".join((captured.err + captured.out).split())


def test_real_final_cut_export_with_conformed_25fps_clips_puts_markers_where_final_cut_shows_them():
    # tests/data/fcp_24_with_25_media.fcpxml: Final Cut Pro's own export (DAWFileKit test data). Final Cut
    # shows its markers at 01:00:10:01, 01:02:09:17 and 01:02:28:18. By hand (24 fps project, tcStart 3600 s
    # = frame 86400; each clip's 25 fps media frame n shows at the clip's n-th sequence frame):
    #   Marker 1: clip at 3610 s = frame 86640, start 684/25 s; marker 137/5 s = 1 media frame in -> 86641
    #   Marker 2: clip at 3615 s = frame 86760, start 0; marker 2753/25 s = media frame 2753 -> 89513
    #   Marker 3: same clip; marker 642/5 s = media frame 3210 -> 89970
    # (by time, as before, Marker 2 and 3 would sit 110 and 128 frames early at 01:02:05:03 / 01:02:23:10)
    timeline = read_timeline(FIXTURES / "fcp_24_with_25_media.fcpxml")
    ranges, skipped = find_marked_ranges(timeline, marker_filter=MarkerFilter(default_length_seconds=2))
    got = {r.name: (r.start_frame + r.record_in, r.record_in_tc) for r in ranges}
    assert got == {"Marker 1": (86641, "01:00:10:01"), "Marker 2": (89513, "01:02:09:17"),
                   "Marker 3": (89970, "01:02:28:18")}
    # Final Cut's markers are one frame long: points, skipped without --default-length
    _, skipped = find_marked_ranges(timeline)
    assert sorted(s.name for s in skipped if "point" in s.reason) == ["Marker 1", "Marker 2", "Marker 3"]


def test_fcpxml_retimed_clip_markers_are_not_placed_by_guess(tmp_path):
    text = _fcpxml("NDF").replace('<marker start="106106/30000s"',
                                  '<timeMap><timept time="0s" value="0s" interp="smooth2"/>'
                                  '<timept time="10s" value="20s" interp="smooth2"/></timeMap>'
                                  '<marker start="106106/30000s"')
    path = tmp_path / "r.fcpxml"
    path.write_text(text)
    ranges, skipped = find_marked_ranges(read_timeline(path))
    assert ranges == [] and "retimed clip 'a' (timeMap)" in skipped[0].reason


@pytest.mark.parametrize("suffix", [".xml", ".otio", ".edl"])
def test_drop_frame_edl_stays_drop_frame_in_every_written_format(tmp_path, suffix):
    # A DF EDL written with ':' in its source timecodes (as many are) is read, not refused, and every
    # output keeps its mode: FCP 7 XML used to say NDF whatever the cut was.
    edl = _ndf_edl(tmp_path / "c.edl", fcm="FCM: DROP FRAME\n")
    edl.write_text(edl.read_text().replace("01:00:00:00 01:05:00:00", "01:00:00;00 01:05:00;00")
                   .replace("LOC: 01:02:00:00", "LOC: 01:02:00;02"))
    from otio_retake.timeline.write import write_timeline
    paths = write_timeline(read_timeline(edl), tmp_path / f"o{suffix}")
    again = read_timeline(paths[0], **({"markers": paths[-1]} if suffix == ".edl" else {}))
    ranges, _ = find_marked_ranges(again, marker_filter=MarkerFilter(default_length_seconds=2))
    assert [r.record_in_tc for r in ranges] == ["01:02:00;02"]


def test_otio_file_keeps_the_mode_its_adapter_stored(tmp_path):
    # An .otio converted from FCP 7 XML by OTIO's own adapter carries <displayformat> in its metadata:
    # a 29.97 NDF sequence read from that .otio is labelled NDF too, not drop-frame by rate.
    import opentimelineio as otio
    xml = tmp_path / "p.xml"
    xml.write_text(_premiere_at_2997("NDF", 108000))
    converted = tmp_path / "p.otio"
    otio.adapters.write_to_file(otio.adapters.read_from_file(str(xml), "fcp_xml"), str(converted))
    ranges, _ = find_marked_ranges(read_timeline(converted), marker_filter=MarkerFilter(default_length_seconds=2))
    assert next(r for r in ranges if r.name == "My MArker 1").record_in_tc == "01:00:03:23"
