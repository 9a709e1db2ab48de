"""The sample cut as a Premiere panel describes it (contract.Sequence), for the bridge and panel tests.

``python tests/premiere_sequence.py MEDIA_DIR`` makes the sample media there and prints the JSON (the node
tests and the Chromium test build their fake Premiere from it).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import make_samples  # noqa: E402

TPF = 254016000000 // make_samples.RATE  # ticks per frame at 24 fps


def sample_sequence(media: Path, *, markers=None, name: str = "retake_sample") -> dict:
    media = Path(media).resolve()
    items, record = [], 0
    for shot, src_in, frames in make_samples.CUT:
        items.append({"name": f"{shot}.mp4", "mediaPath": str(media / f"{shot}.mp4"),
                      "startTicks": str(record * TPF), "endTicks": str((record + frames) * TPF),
                      "inPointTicks": str(src_in * TPF), "outPointTicks": str((src_in + frames) * TPF)})
        record += frames
    if markers is None:
        markers = [{"name": name_, "comments": note, "colorIndex": 6 if kind != "track" else 0,
                    "startTicks": str(rec * TPF), "durationTicks": str(frames * TPF)}
                   for name_, rec, frames, note, kind in make_samples.MARKERS]
    return {"name": name, "timebaseTicks": str(TPF), "zeroPointTicks": str(make_samples.START * TPF),
            "markers": markers, "videoTracks": [{"index": 0, "name": "V1", "items": items}],
            "audioTracks": [{"index": 0, "name": "A1", "items": [dict(i) for i in items]}]}


if __name__ == "__main__":
    folder = Path(sys.argv[1])
    make_samples.make_media(folder)
    print(json.dumps(sample_sequence(folder)))
