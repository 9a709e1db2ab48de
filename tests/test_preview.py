"""The preview engine regenerates exactly the section and leaves the rest untouched."""


import numpy as np
import pytest

from conftest import dominant_hz

from otio_retake.media.decode import decode_all_frames
from otio_retake.media.testpattern import make_pattern_clip, read_pattern
from otio_retake.model import Mode
from otio_retake.providers.preview import PREVIEW_TONE_HZ, render_preview


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    return make_pattern_clip(tmp_path_factory.mktemp("src") / "src.mp4", clip_id=5, frames=120, width=320,
                             height=180, tone_hz=440)


@pytest.mark.parametrize("mode", [Mode.VIDEO, Mode.AUDIO, Mode.BOTH])
def test_only_the_section_changes(source, tmp_path, mode):
    out = render_preview(source, tmp_path / "r.mp4", start_seconds=2.0, duration_seconds=2.0, mode=mode,
                         prompt="rain", seed=3)
    src, _, _ = decode_all_frames(str(source))
    res, _, rate = decode_all_frames(str(out))
    assert len(res) == len(src) == 120 and rate == 24
    assert [read_pattern(f) for f in res] == [(i, 5) for i in range(120)]  # structure kept everywhere
    diffs = [float(np.abs(a.astype(int) - b.astype(int)).mean()) for a, b in zip(src, res)]
    changed = [i for i, d in enumerate(diffs) if d > 10]
    assert changed == (list(range(48, 96)) if mode.has_video else [])
    section_hz = dominant_hz(out, 2.2, 1.5)
    assert abs(section_hz - (PREVIEW_TONE_HZ if mode.has_audio else 440)) < 5
    assert abs(dominant_hz(out, 0.2, 1.5) - 440) < 5
    assert abs(dominant_hz(out, 4.2, 0.7) - 440) < 5


def test_seed_changes_the_tint(source, tmp_path):
    a = render_preview(source, tmp_path / "a.mp4", start_seconds=1, duration_seconds=2, mode=Mode.VIDEO,
                       prompt="x", seed=1)
    b = render_preview(source, tmp_path / "b.mp4", start_seconds=1, duration_seconds=2, mode=Mode.VIDEO,
                       prompt="x", seed=2)
    fa, _, _ = decode_all_frames(str(a))
    fb, _, _ = decode_all_frames(str(b))
    assert float(np.abs(fa[30][50:100].astype(int) - fb[30][50:100].astype(int)).mean()) > 5  # above the label
    assert float(np.abs(fa[5].astype(int) - fb[5].astype(int)).mean()) < 2
