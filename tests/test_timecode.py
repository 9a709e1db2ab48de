from fractions import Fraction

import opentimelineio as otio
import pytest

from otio_retake.timecode import frames_to_timecode, rate_label, snap_rate, timecode_to_frames


@pytest.mark.parametrize("given, exact", [
    (23.976, Fraction(24000, 1001)), ("23.976", Fraction(24000, 1001)), (29.97, Fraction(30000, 1001)),
    ("24000/1001", Fraction(24000, 1001)), (25, Fraction(25)), (59.94, Fraction(60000, 1001)), (24.0, Fraction(24)),
])
def test_rates_snap_to_exact_fractions(given, exact):
    assert snap_rate(given) == exact


def test_drop_frame_timecode_at_2997():
    rate = Fraction(30000, 1001)
    # One hour of 29.97 DF is 107892 frames; the minute after 00:00:59;29 is 00:01:00;02.
    assert frames_to_timecode(107892, rate) == "01:00:00;00"
    assert timecode_to_frames("00:01:00;02", rate) == 1800
    assert frames_to_timecode(1800, rate) == "00:01:00;02"


def test_non_drop_timecode_round_trips():
    rate = Fraction(24)
    assert frames_to_timecode(86400 + 204, rate) == "01:00:08:12"
    assert timecode_to_frames("01:00:08:12", rate) == 86604


def test_rate_labels():
    assert rate_label(Fraction(24000, 1001)) == "23.976"
    assert rate_label(Fraction(25)) == "25"


def test_frames_of_rounds_where_otio_to_frames_truncates():
    from otio_retake.timecode import frames_of
    rate = 24000 / 1001
    for frame in (47, 48, 1001, 86313):
        time = otio.opentime.RationalTime.from_seconds(otio.opentime.RationalTime(frame, rate).to_seconds())
        assert frames_of(time, rate) == frame
    wobbly = otio.opentime.RationalTime(47.9999999, 24)
    assert frames_of(wobbly, 24) == 48 and otio.opentime.to_frames(wobbly, 24) == 47
