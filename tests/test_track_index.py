"""The record-frame index of a track and the one-pass conform: the same answers as OTIO's own per-item maths."""

from __future__ import annotations

import random
from fractions import Fraction

import opentimelineio as otio
from opentimelineio.opentime import RationalTime as RT
from opentimelineio.opentime import TimeRange as TR

from otio_retake.timeline.conform import Edit, overwrite_many
from otio_retake.timeline.segments import TimelineIndex, TrackIndex

RATE = 24


def _cut(trim: int = 0, transition: bool = True) -> otio.schema.Timeline:
    tl = otio.schema.Timeline("t")
    track = otio.schema.Track("V1")
    rng = random.Random(7)
    for i in range(30):
        if i % 7 == 3:
            track.append(otio.schema.Gap(source_range=TR(RT(0, RATE), RT(rng.randint(5, 30), RATE))))
        track.append(otio.schema.Clip(f"c{i}", source_range=TR(RT(100 * i, RATE), RT(rng.randint(20, 90), RATE))))
        if transition and i == 12:
            track.append(otio.schema.Transition(in_offset=RT(4, RATE), out_offset=RT(4, RATE)))
    if trim:
        track.source_range = TR(RT(trim, RATE), track.available_range().duration - RT(trim, RATE))
    tl.tracks.append(track)
    return tl


def _reference(tl, track):
    """OTIO's own answer, one item at a time (what the index replaces)."""
    out = []
    for item in track:
        r = track.transformed_time_range(track.range_of_child(item), tl.tracks)
        first = round(r.start_time.rescaled_to(RATE).value)
        out.append((item.name, first, first + round(r.duration.rescaled_to(RATE).value)))
    return out


def test_index_matches_otio_per_item_maths_with_trims_gaps_and_transitions():
    for trim in (0, 17):
        tl = _cut(trim)
        track = tl.tracks[0]
        index = TrackIndex(tl, track, Fraction(RATE))
        assert [(i.name, a, b) for i, a, b in index.entries] == _reference(tl, track)


def test_overlapping_finds_exactly_the_items_a_full_scan_finds():
    tl = _cut(5)
    index = TrackIndex(tl, tl.tracks[0], Fraction(RATE))
    end = index.entries[-1][2]
    rng = random.Random(3)
    for _ in range(300):
        lo = rng.randint(-20, end + 20)
        hi = lo + rng.randint(1, 120)
        expected = [(i.name, a, b) for i, a, b in index.entries if a < hi and b > lo]
        assert [(i.name, a, b) for i, a, b in index.overlapping(lo, hi)] == expected


def _frame_map(tl) -> list[tuple[str, int]]:
    """(item name, source frame) at every record frame of the first track: what the editor sees."""
    out = []
    for item, first, last in TimelineIndex(tl, Fraction(RATE)).video(0).entries:
        if isinstance(item, otio.schema.Transition):
            continue
        start = round(item.trimmed_range().start_time.value)
        out += [(item.name if isinstance(item, otio.schema.Clip) else "gap", start + k) for k in range(last - first)]
    return out


def test_one_pass_overwrite_paints_each_edit_over_exactly_its_frames_later_ones_winning():
    tl = _cut(transition=False)
    before = _frame_map(tl)
    rng = random.Random(11)
    edits = []
    for n in range(12):
        lo = rng.randint(0, len(before) - 40)
        length = rng.randint(5, 60)
        clip = otio.schema.Clip(f"take{n}", source_range=TR(RT(1000 * (n + 1), RATE), RT(length, RATE)))
        edits.append(Edit(lo, lo + length, clip, f"r{n}"))
    edits.append(Edit(len(before) + 10, len(before) + 30,
                      otio.schema.Clip("past_end", source_range=TR(RT(5000, RATE), RT(20, RATE))), "late"))
    expected = before + [("gap", k) for k in range(10)] + [None] * 20
    for edit in sorted(edits, key=lambda e: e.record_in):  # painted in record order: a later start wins
        start = round(edit.item.source_range.start_time.value)
        for k in range(edit.record_in, edit.record_out):
            expected[k] = (edit.item.name, start + k - edit.record_in)
    overwrite_many(tl, tl.tracks[0], edits, Fraction(RATE))
    assert _frame_map(tl) == expected
