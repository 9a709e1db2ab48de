"""The splice finds where a result lines up with its excerpt and cuts exactly the marked frames."""

from fractions import Fraction

import pytest

from conftest import decode_patterns

from otio_retake.errors import SpliceError
from otio_retake.media.encode import ClipWriter
from otio_retake.media.testpattern import make_pattern_clip, pattern_frame
from otio_retake.media.splice import splice_take
from otio_retake.model import MarkedRange, Mode, RetakePlan


def _plan(record_in=100, duration=48, context=(52, 196)):
    rng = MarkedRange(name="r", prompt="p", mode=Mode.VIDEO, record_in=record_in, duration=duration,
                      rate=Fraction(24), start_frame=86400)
    return RetakePlan(range=rng, provider="preview", take_index=0, seed=1, context_in=context[0],
                      context_out=context[1], section_start=Fraction(record_in - context[0], 24),
                      section_duration=Fraction(duration, 24), cost_usd=0)


@pytest.fixture(scope="module")
def excerpt(tmp_path_factory):
    # Excerpt frame k shows pattern k (so excerpt k = record 52 + k).
    return make_pattern_clip(tmp_path_factory.mktemp("ex") / "excerpt.mp4", clip_id=9, frames=144)


def _shifted_result(path, shift, frames=144):
    with ClipWriter(path, rate=Fraction(24), width=640, height=360) as w:
        for k in range(frames):
            w.add_frame(pattern_frame(min(max(k - shift, 0), 143), 9))
    return path


@pytest.mark.parametrize("shift", [-3, -1, 0, 1, 3])
def test_shifted_results_are_found_and_cut_at_the_right_frames(excerpt, tmp_path, shift):
    result = _shifted_result(tmp_path / "res.mp4", shift)
    head, tail, check = splice_take(_plan(), excerpt=excerpt, result=result, dest=tmp_path / "take.mp4",
                                    handles=12, audio_only=False)
    assert check.offset == shift and check.context_match
    patterns = decode_patterns(tmp_path / "take.mp4")
    assert len(patterns) == head + 48 + tail
    assert patterns[head:head + 48] == [(k, 9) for k in range(48, 96)]


def test_result_that_does_not_match_its_context_is_flagged(excerpt, tmp_path):
    other = make_pattern_clip(tmp_path / "other.mp4", clip_id=200, frames=144, tone_hz=None)
    _, _, check = splice_take(_plan(), excerpt=excerpt, result=other, dest=tmp_path / "t.mp4", handles=12,
                              audio_only=False)
    assert not check.context_match


def test_result_too_short_for_the_marked_frames_is_an_error(excerpt, tmp_path):
    short = _shifted_result(tmp_path / "short.mp4", 0, frames=80)
    with pytest.raises(SpliceError, match="does not cover the marked frames"):
        splice_take(_plan(), excerpt=excerpt, result=short, dest=tmp_path / "t.mp4", handles=12, audio_only=False)
    assert not (tmp_path / "t.mp4").exists()
