"""Bad edits are refused where they are read, and plan checks what run checks (issue 12, points 2-3)."""

from __future__ import annotations

import json

import opentimelineio as otio
import pytest
from opentimelineio.opentime import RationalTime as RT
from opentimelineio.opentime import TimeRange as TR

from conftest import run_cli
from otio_retake.errors import TimelineReadError
from otio_retake.timeline.read import read_timeline


def _err(capsys) -> str:
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "internal error" not in captured.err
    return " ".join(captured.err.split())


def _said(capsys) -> str:
    """What ``plan`` printed: a skipped marker is listed, not an error."""
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "internal error" not in captured.err
    return " ".join((captured.out + captured.err).split())


def _sample_with(samples, markers, edit=None, name="edited.otio"):
    timeline = otio.adapters.read_from_file(str(samples / "retake_sample.otio"))
    for item in [timeline.tracks, *timeline.tracks, *timeline.find_clips()]:
        del item.markers[:]
    for marker_name, record_in, frames in markers:
        marker = otio.schema.Marker(marker_name, TR(RT(record_in, 24), RT(frames, 24)), color="BLUE")
        marker.comment = "make it better"
        timeline.tracks.markers.append(marker)
    if edit:
        edit(timeline)
    path = samples / name
    otio.adapters.write_to_file(timeline, str(path))
    return path


def test_one_bad_range_does_not_stop_the_others(samples, capsys):
    path = _sample_with(samples, [("good", 48, 72), ("quick", 100, 36), ("epic", 10, 24 * 17)])
    assert run_cli("plan", path, "--json") == 4  # some skipped
    rows = json.loads(capsys.readouterr().out)
    assert [(row["name"], row["status"], row["record_in"]) for row in rows] == [
        ("epic", "skipped", "01:00:00:10"), ("good", "ready", "01:00:02:00"), ("quick", "skipped", "01:00:04:04")]
    assert "shorter than the preview engine's minimum" in rows[2]["reason"] and rows[2]["cost_usd"] == 0
    assert run_cli("plan", path) == 4
    text = " ".join(capsys.readouterr().out.split())
    assert "skipped 'quick'" in text and "shorter than the preview engine's minimum" in text
    assert "skipped 'epic'" in text and "longer than the preview engine's maximum" in text


def test_run_summary_lists_the_ranges_left_out(samples, tmp_path, capsys):
    path = _sample_with(samples, [("good", 48, 72), ("quick", 100, 36)])
    assert run_cli("run", path, "-o", tmp_path / "o.otio") == 4  # some skipped, the others done
    captured = capsys.readouterr()
    assert "skipped 'quick' at 01:00:04:04-01:00:05:16" in " ".join((captured.out + captured.err).split())


def test_all_ranges_bad_lists_each(samples, capsys):
    path = _sample_with(samples, [("quick", 100, 36), ("epic", 10, 24 * 17)])
    assert run_cli("plan", path) == 5  # nothing can be retaken
    said = " ".join(capsys.readouterr().out.split())
    assert "skipped 'quick' at 01:00:04:04" in said and "skipped 'epic' at 01:00:00:10" in said
    assert run_cli("run", path, "-o", samples / "o.otio") == 5
    err = _err(capsys)
    assert "none of the 2 marker(s) can be retaken" in err and "'quick'" in err and "'epic'" in err


def _edl(tmp_path, *events, fcm="FCM: NON-DROP FRAME"):
    path = tmp_path / "cut.edl"
    path.write_text("TITLE: t\n" + fcm + "\n\n" + "".join(e + "\n" for e in events))
    return path


@pytest.mark.parametrize("events, says", [
    (["001  AX       V     C        00:00:00:00 00:00:10:00 01:00:00:00 01:00:10:00",
      "002  BX       V     C        00:00:00:00 00:00:10:00 01:00:08:00 01:00:18:00"],
     "line 5, event 002: record 01:00:08:00-01:00:18:00 overlaps event 001 (line 4"),
    (["001  AX       V     C        00:00:10:00 00:00:00:00 01:00:00:00 01:00:10:00"],
     "line 4, event 001: source out is before source in"),
    (["001  AX       V     C        00:0X:11:00 00:00:12:00 01:00:00:00 01:00:01:00"],
     "line 4, event 001: malformed event"),
    (["001  AX       V     C        00:00:00:00 00:00:01:00 01:00:00:00 01:00:00:30"],
     "line 4, event 001: timecode 01:00:00:30 is not valid at 25 fps"),
])
def test_bad_edl_events_are_refused_naming_file_line_and_event(tmp_path, events, says):
    path = _edl(tmp_path, *events)
    with pytest.raises(TimelineReadError) as caught:
        read_timeline(path, fps="25")
    assert str(path) in str(caught.value) and says in str(caught.value)


def test_m2_speed_line_allows_different_lengths(tmp_path):
    path = _edl(tmp_path, "001  AX       V     C        00:00:00:00 00:00:20:00 01:00:00:00 01:00:10:00",
                "M2   AX       048.0                00:00:00:00")
    assert read_timeline(path, fps="24").find_clips()




def test_plan_runs_runs_checks_disabled_clip_speed_change_and_gap_only(samples, capsys):
    def disable(tl):
        tl.tracks[0][0].enabled = False
    path = _sample_with(samples, [("sky", 48, 72)], disable)
    assert run_cli("plan", path) == 5  # its one marker skipped
    assert "which is disabled" in _said(capsys)

    def speed(tl):
        tl.tracks[0][0].effects.append(otio.schema.LinearTimeWarp(time_scalar=2.0))
    path = _sample_with(samples, [("sky", 48, 72)], speed, name="speed.otio")
    assert run_cli("plan", path) == 5  # its one marker skipped
    assert "speed change (2.00x)" in _said(capsys)

    def gap(tl):
        tl.tracks[0].insert(1, otio.schema.Gap(source_range=TR(RT(0, 24), RT(96, 24))))
    path = _sample_with(samples, [("hole", 240, 72)], gap, name="gap.otio")
    assert run_cli("plan", path) == 5  # its one marker skipped
    assert "covers only a gap" in _said(capsys)


def test_fcp7_xml_disabled_clipitem_is_not_sent_as_if_visible(samples, capsys):
    # Premiere writes <enabled>FALSE</enabled> on a disabled clip; the stock adapter drops it.
    text = (samples / "retake_sample.xml").read_text()
    first = text.index("<clipitem")
    end = text.index("</clipitem>", first)
    clip = text[first:end]
    opening = clip.index(">") + 1  # right inside <clipitem ...>, not inside its <file>
    disabled = clip[:opening] + "<enabled>FALSE</enabled>" + clip[opening:]
    path = samples / "disabled.xml"
    path.write_text(text[:first] + disabled + text[end:])
    timeline = read_timeline(path)
    assert timeline.find_clips()[0].enabled is False
    assert run_cli("plan", path, "--marker-prefix", "sky") == 5
    assert "which is disabled" in _said(capsys)
