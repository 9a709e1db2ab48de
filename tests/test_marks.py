"""Markers on clips, tracks and the Stack -> record ranges; notes -> prompts and directives."""

import opentimelineio as otio
import pytest
from opentimelineio.opentime import RationalTime as RT
from opentimelineio.opentime import TimeRange as TR

from otio_retake.errors import InputError, NoMarkedRangesError
from otio_retake.model import Mode
from otio_retake.timeline.marks import MarkerFilter, find_marked_ranges, parse_note, require_marked_ranges
from otio_retake.timeline.read import read_timeline

EXPECTED = {"sky": (48, 72, Mode.VIDEO), "crossing": (204, 72, Mode.BOTH), "line": (336, 60, Mode.AUDIO)}


@pytest.mark.parametrize("name, extra", [
    ("retake_sample.otio", {}), ("retake_sample.xml", {}),
    ("retake_sample.edl", {"markers": "retake_sample.markers.edl"}),
])
def test_sample_markers_land_on_their_record_ranges_in_every_format(samples, name, extra):
    kwargs = {k: samples / v for k, v in extra.items()}
    timeline = read_timeline(samples / name, **kwargs)
    ranges, skipped = find_marked_ranges(timeline)
    assert skipped == []
    got = {r.name: (r.record_in, r.duration, r.mode) for r in ranges}
    assert got == EXPECTED
    assert {r.name: r.record_in_tc for r in ranges} == {
        "sky": "01:00:02:00", "crossing": "01:00:08:12", "line": "01:00:14:00"}
    assert next(r for r in ranges if r.name == "sky").prompt == "Replace the grey sky with a stormy sunset"


def _timeline_with_trimmed_clip():
    """A clip whose media starts at 100 and a track trimmed by 10 frames: both must be undone."""
    tl = otio.schema.Timeline("t", global_start_time=RT(0, 24))
    track = otio.schema.Track("V1")
    track.append(otio.schema.Gap(source_range=TR(RT(0, 24), RT(30, 24))))
    clip = otio.schema.Clip("c", source_range=TR(RT(100, 24), RT(200, 24)))
    clip.markers.append(otio.schema.Marker("m", TR(RT(150, 24), RT(48, 24))))
    track.append(clip)
    track.source_range = TR(RT(10, 24), RT(220, 24))
    tl.tracks.append(track)
    return tl


def test_clip_marker_goes_through_clip_and_track_trim_to_record_time():
    ranges, _ = find_marked_ranges(_timeline_with_trimmed_clip())
    # media 150 is 50 frames into the clip; the clip starts at track 30 = record 20 after the 10-frame trim.
    assert [(r.record_in, r.duration) for r in ranges] == [(70, 48)]


def test_directives_override_defaults_and_leave_the_prompt():
    prompt, d = parse_note("Make it rain\nmode: audio\ntakes: 3\nseed: 7\ncontext: 1.5", where="m")
    assert prompt == "Make it rain"
    assert d == {"mode": Mode.AUDIO, "takes": 3, "seed": 7, "context_seconds": 1.5}


def test_bracketed_directives_on_one_line():
    prompt, d = parse_note("She says: we are late [mode: audio] [takes: 2]", where="m")
    assert prompt == "She says: we are late"
    assert d == {"mode": Mode.AUDIO, "takes": 2}


def test_bad_directive_names_the_marker():
    with pytest.raises(InputError, match=r"marker 'x'.*mode must be video, audio or both"):
        parse_note("hello\nmode: loud", where="marker 'x'")


def test_zero_length_markers_are_listed_and_skipped_unless_default_length():
    tl = _timeline_with_trimmed_clip()
    tl.tracks.markers.append(otio.schema.Marker("point", TR(RT(40, 24), RT(0, 24))))
    ranges, skipped = find_marked_ranges(tl)
    assert [s.name for s in skipped] == ["point"]
    assert "zero-length" in skipped[0].reason
    ranges, skipped = find_marked_ranges(tl, marker_filter=MarkerFilter(default_length_seconds=3))
    assert {(r.name, r.record_in, r.duration) for r in ranges} == {("m", 70, 48), ("point", 40, 72)}


def test_colour_filter_and_the_no_ranges_error_lists_what_was_seen(samples):
    timeline = read_timeline(samples / "retake_sample.otio")
    ranges, skipped = find_marked_ranges(timeline, marker_filter=MarkerFilter(colors=("RED",)))
    assert ranges == [] and len(skipped) == 3
    with pytest.raises(NoMarkedRangesError) as info:
        require_marked_ranges(ranges, skipped, "retake_sample.otio")
    message = str(info.value)
    assert "3 marker(s) seen, none qualified" in message
    assert "'sky'" in message and "colour BLUE not selected" in message


def test_the_readme_note_example_parses_as_documented():
    from conftest import REPO
    text = (REPO / "README.md").read_text()
    block = text.split("**Marking a range.**", 1)[1].split("```", 2)[1]
    prompt, directives = parse_note(block.strip("\n"), where="README")
    assert prompt == "The car stops at the crossing and the driver waves"
    assert directives == {"mode": Mode.BOTH, "takes": 3, "seed": 42, "context_seconds": 1.5, "provider": "fal"}


def test_one_frame_markers_are_points_skipped_unless_default_length():
    # Final Cut and Resolve write a point marker one frame long: it is a point, not a one-frame range.
    tl = _timeline_with_trimmed_clip()
    tl.tracks.markers.append(otio.schema.Marker("dot", TR(RT(40, 24), RT(1, 24))))
    ranges, skipped = find_marked_ranges(tl)
    assert [(s.name, "one-frame (point) marker" in s.reason, "--default-length" in s.reason) for s in skipped] == [
        ("dot", True, True)]
    ranges, _ = find_marked_ranges(tl, marker_filter=MarkerFilter(default_length_seconds=2))
    assert ("dot", 40, 48) in {(r.name, r.record_in, r.duration) for r in ranges}


def test_marker_past_the_end_is_said_as_such_not_as_too_short():
    tl = _timeline_with_trimmed_clip()
    tl.tracks.markers.append(otio.schema.Marker("late", TR(RT(500, 24), RT(48, 24))))
    _, skipped = find_marked_ranges(tl)
    late = next(s for s in skipped if s.name == "late")
    assert "past the timeline's end" in late.reason and late.record_in == "00:00:20:20"  # where: frame 500


def _ids_timeline(gap: int, names=("sky", "sea"), *, extra: bool = False):
    tl = otio.schema.Timeline("t", global_start_time=RT(0, 24))
    track = otio.schema.Track("V1")
    if gap:
        track.append(otio.schema.Gap(source_range=TR(RT(0, 24), RT(gap, 24))))
    clip = otio.schema.Clip("c", media_reference=otio.schema.ExternalReference("/Volumes/A/shot.mov"),
                            source_range=TR(RT(100, 24), RT(300, 24)))
    for name, at in zip(names, (120, 220)):
        marker = otio.schema.Marker(name, TR(RT(at, 24), RT(48, 24)))
        marker.comment = f"prompt {at}"
        clip.markers.append(marker)
    if extra:  # one more marker, earlier than both, with a name they had
        clip.markers.insert(0, otio.schema.Marker(names[0], TR(RT(100, 24), RT(48, 24))))
        clip.markers[0].comment = "a new prompt"
    track.append(clip)
    tl.tracks.append(track)
    return tl


def test_a_range_follows_its_marker_by_id_not_by_its_name_its_place_or_the_cut():
    """Issue 22: the marker's id (for OTIO, derived from its clip's media and its media time) survives renaming,
    a marker added before it, a ripple earlier in the cut and a relink; two markers never share one."""
    def ids(timeline):
        return {r.prompt: r.marker_id for r in find_marked_ranges(timeline)[0]}

    first = ids(_ids_timeline(0))
    assert len(set(first.values())) == 2 and all(first.values())
    assert ids(_ids_timeline(0, names=("renamed", "sea"))) == first
    rippled = _ids_timeline(37)
    assert ids(rippled) == first
    rippled.tracks[0][1].media_reference.target_url = "file:///Users/me/copy/shot.mov"  # relinked elsewhere
    assert ids(rippled) == first
    added = ids(_ids_timeline(0, extra=True))
    assert {k: v for k, v in added.items() if k != "a new prompt"} == first
    assert added["a new prompt"] not in first.values()
    # Same-named markers are told apart by where they start, not by a count a marker added earlier would shift.
    names = sorted(r.name for r in find_marked_ranges(_ids_timeline(0, names=("sky", "sky"), extra=True))[0])
    assert names == ["sky (at 00:00:00:00)", "sky (at 00:00:00:20)", "sky (at 00:00:05:00)"]
