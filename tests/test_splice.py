"""The splice finds where a result lines up with its excerpt and cuts exactly the marked frames."""

from fractions import Fraction

import pytest

from conftest import decode_patterns

from otio_retake.errors import SpliceError
from otio_retake.media.encode import ClipWriter
from otio_retake.media.testpattern import make_pattern_clip, pattern_frame
from otio_retake.media.splice import splice_take
from otio_retake.model import MarkedRange, Mode, RetakePlan

import numpy as np


def _plan(record_in=100, duration=48, context=(52, 196)):
    rng = MarkedRange(name="r", prompt="p", mode=Mode.VIDEO, record_in=record_in, duration=duration,
                      rate=Fraction(24), start_frame=86400)
    return RetakePlan(range=rng, provider="preview", take_index=0, seed=1, context_in=context[0],
                      context_out=context[1], section_start=Fraction(record_in - context[0], 24),
                      section_duration=Fraction(duration, 24), cost_usd=0)


@pytest.fixture(scope="module")
def excerpt(tmp_path_factory):
    # Excerpt frame k shows pattern k (so excerpt k = record 52 + k), at the sample media's 320x180.
    return make_pattern_clip(tmp_path_factory.mktemp("ex") / "excerpt.mp4", clip_id=9, frames=144, width=320,
                             height=180)


def _shifted_result(path, shift, frames=144):
    with ClipWriter(path, rate=Fraction(24), width=320, height=180) as w:
        for k in range(frames):
            w.add_frame(pattern_frame(min(max(k - shift, 0), 143), 9, 320, 180))
    return path


@pytest.mark.parametrize("shift", [-3, -1, 0, 1, 3])
def test_shifted_results_are_found_and_cut_at_the_right_frames(excerpt, tmp_path, shift):
    result = _shifted_result(tmp_path / "res.mp4", shift)
    head, tail, check = splice_take(_plan(), excerpt=excerpt, result=result, dest=tmp_path / "take.mp4",
                                    audio_only=False)
    assert check.offset == shift and check.context_match
    patterns = decode_patterns(tmp_path / "take.mp4")
    assert len(patterns) == head + 48 + tail
    assert patterns[head:head + 48] == [(k, 9) for k in range(48, 96)]


def test_result_that_does_not_match_its_context_is_flagged(excerpt, tmp_path):
    other = make_pattern_clip(tmp_path / "other.mp4", clip_id=200, frames=144, width=320, height=180, tone_hz=None)
    _, _, check = splice_take(_plan(), excerpt=excerpt, result=other, dest=tmp_path / "t.mp4",
                              audio_only=False)
    assert not check.context_match


def test_result_too_short_for_the_marked_frames_is_an_error(excerpt, tmp_path):
    short = _shifted_result(tmp_path / "short.mp4", 0, frames=80)
    with pytest.raises(SpliceError, match="does not cover the marked frames"):
        splice_take(_plan(), excerpt=excerpt, result=short, dest=tmp_path / "t.mp4", audio_only=False)
    assert not (tmp_path / "t.mp4").exists()


# ----------------------------------------------------------------- results as hosts return them

from otio_retake.media.decode import decode_all_frames, frames_at  # noqa: E402
from otio_retake.media.probe import probe  # noqa: E402
from otio_retake.media.splice import TakeOptions  # noqa: E402
from otio_retake.model import Mode as _Mode  # noqa: E402
from otio_retake.providers.preview import render_preview  # noqa: E402


def _preview(excerpt, dest, start=Fraction(48, 24), duration=Fraction(48, 24)):
    return render_preview(excerpt, dest, start_seconds=float(start), duration_seconds=float(duration),
                          mode=_Mode.VIDEO, prompt="p", seed=1)


def _resampled(source, dest, rate, width=None, height=None):
    info = probe(source)
    width, height = width or info.width, height or info.height
    count = int(info.duration * rate)
    with ClipWriter(dest, rate=Fraction(rate), width=width, height=height) as w:
        for frame in frames_at(str(source), [Fraction(k, rate) for k in range(count)], width=width, height=height):
            w.add_frame(frame)
    return dest


def test_result_at_another_rate_and_size_still_gives_the_marked_frames(excerpt, tmp_path):
    # Hosts answer at a size and rate of their own: here 30 fps and twice the excerpt's size.
    result = _resampled(_preview(excerpt, tmp_path / "r24.mp4"), tmp_path / "r30.mp4", 30, 640, 360)
    head, tail, check = splice_take(_plan(), excerpt=excerpt, result=result, dest=tmp_path / "take.mp4",
                                    audio_only=False)
    assert check.result_rate == "30" and check.result_size == (640, 360) and check.context_match
    patterns = decode_patterns(tmp_path / "take.mp4")
    assert patterns[head:head + 48] == [(k, 9) for k in range(48, 96)]
    assert probe(tmp_path / "take.mp4").rate == 24 and len(patterns) == head + 48 + tail
    assert check.section_ok and check.section_coverage == 1.0


def test_clamped_section_is_flagged(excerpt, tmp_path):
    result = _preview(excerpt, tmp_path / "clamped.mp4", duration=Fraction(24, 24))  # only half regenerated
    _, _, check = splice_take(_plan(), excerpt=excerpt, result=result, dest=tmp_path / "t.mp4", audio_only=False)
    assert check.section_coverage == pytest.approx(0.5, abs=0.05) and not check.section_ok


def test_moved_section_is_flagged(excerpt, tmp_path):
    result = _preview(excerpt, tmp_path / "moved.mp4", start=Fraction(72, 24))  # a second late
    _, _, check = splice_take(_plan(), excerpt=excerpt, result=result, dest=tmp_path / "t.mp4", audio_only=False)
    assert check.changed_outside >= 20 and not check.section_ok


def test_blend_frames_fade_from_the_source_into_the_take(excerpt, tmp_path):
    result = _preview(excerpt, tmp_path / "r.mp4")
    head, _, check = splice_take(_plan(), excerpt=excerpt, result=result, dest=tmp_path / "t.mp4", audio_only=False,
                                 options=TakeOptions(blend_frames=4))
    take, _, _ = decode_all_frames(str(tmp_path / "t.mp4"))
    src, _, _ = decode_all_frames(str(excerpt))
    diff = [float(np.abs(take[head + i].astype(int) - src[48 + i].astype(int)).mean()) for i in range(48)]
    assert diff[0] < diff[1] < diff[2] < diff[3] < diff[4]  # rising into the take over 4 frames
    assert abs(diff[10] - diff[20]) < 2  # the middle is the take
    assert diff[47] < diff[44] and check.blend_frames == 4
    assert decode_patterns(tmp_path / "t.mp4")[head:head + 48] == [(k, 9) for k in range(48, 96)]


@pytest.mark.parametrize("codec, name", [("prores", "prores"), ("dnxhd", "dnxhd")])
def test_takes_in_editing_codecs(codec, name, excerpt, tmp_path):
    result = _preview(excerpt, tmp_path / "r.mp4")
    dest = tmp_path / "t.mov"
    head, _, _ = splice_take(_plan(), excerpt=excerpt, result=result, dest=dest, audio_only=False,
                             options=TakeOptions(codec=codec))
    info = probe(dest)
    assert info.video_codec == name and info.rate == 24 and info.start_timecode == "01:00:03:16"
    assert decode_patterns(dest)[head:head + 48] == [(k, 9) for k in range(48, 96)]


def test_take_at_the_timeline_size_undoes_the_hosts_size_and_padding(tmp_path):
    from otio_retake.media.excerpt import render_excerpt
    from otio_retake.providers.base import Limits
    from otio_retake.timeline.relink import ResolvedMedia
    from otio_retake.timeline.segments import Segment
    # A short window (every frame of it is full HD three times over): 8 frames of context, 16 marked, 8 more;
    # excerpt frame k is source frame k, and the marked frames are source frames 8-23.
    source = make_pattern_clip(tmp_path / "four3.mp4", clip_id=5, frames=32, width=480, height=360)
    media = ResolvedMedia(path=source, start_frame=0, rate=Fraction(24), how="t")
    info = render_excerpt([Segment(92, 32, "s", media, Fraction(0))], tmp_path / "e.mp4", rate=Fraction(24),
                          limits=Limits(exact_resolutions=((1920, 1080),)))
    result = _preview(info.path, tmp_path / "r.mp4", start=Fraction(8, 24), duration=Fraction(16, 24))
    head, tail, _ = splice_take(_plan(duration=16, context=(92, 124)), excerpt=info.path, result=result,
                                dest=tmp_path / "t.mp4", audio_only=False,
                                options=TakeOptions(handles=8, resolution="timeline"), content=info.content,
                                source_size=(480, 360))
    assert (probe(tmp_path / "t.mp4").width, probe(tmp_path / "t.mp4").height) == (480, 360)
    assert (head, tail) == (8, 8)
    assert decode_patterns(tmp_path / "t.mp4") == [(k, 5) for k in range(32)]
