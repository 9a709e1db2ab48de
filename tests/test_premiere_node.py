"""`node --test plugins/premiere_bridge/test/`: retake.js against the fake Premiere and a live bridge."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from conftest import REPO
from premiere_sequence import sample_sequence


def test_node_suite_passes(sample_media, tmp_path):
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI"):
            pytest.fail("node is not installed: `make test` installs it (apt-get install nodejs)")
        pytest.skip("node is not installed (`make test` installs it)")
    # The session's sample media, handed over as the panel's sequence: the suite does not make its own.
    given = tmp_path / "sequence.json"
    given.write_text(json.dumps(sample_sequence(sample_media)))
    done = subprocess.run([node, "--test", "plugins/premiere_bridge/test/"], cwd=REPO, capture_output=True, text=True,
                          timeout=240, env={**os.environ, "OTIO_RETAKE_PYTHON": sys.executable,
                                            "OTIO_RETAKE_TEST_SEQUENCE": str(given)})
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    passed = int(re.search(r"^# pass (\d+)", done.stdout, re.M).group(1))
    failed = int(re.search(r"^# fail (\d+)", done.stdout, re.M).group(1))
    assert failed == 0 and passed >= 10, done.stdout[-2000:]
