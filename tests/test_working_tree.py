"""The suite does not depend on the state of the working tree (what a user's own runs leave in it)."""

from __future__ import annotations

import shutil

from conftest import SAMPLE_FILES, SAMPLES, copy_samples


def test_what_the_readmes_first_example_leaves_beside_the_samples_is_not_copied_as_a_sample(tmp_path):
    # `otio-retake run sample_timelines/retake_sample.otio -o ...` leaves its workspace and output there.
    source = tmp_path / "sample_timelines"
    shutil.copytree(SAMPLES, source, ignore=shutil.ignore_patterns("media", "*.retake", "__pycache__"))
    (source / "retake_sample.retake" / "takes").mkdir(parents=True)
    (source / "retake_sample_retakes.otio").write_text("{}")
    copied = tmp_path / "copy"
    copied.mkdir()
    copy_samples(source, copied)
    assert sorted(p.name for p in copied.iterdir()) == sorted(SAMPLE_FILES)
    for name in SAMPLE_FILES:
        assert (copied / name).read_bytes() == (SAMPLES / name).read_bytes()
