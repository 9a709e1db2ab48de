"""The emulators enforce the hosts' documented rules (docs/hosts.md), over loopback HTTP, without the clients."""

from __future__ import annotations

import base64
import uuid
from fractions import Fraction

import httpx
import numpy as np

from conftest import EMULATOR_KEY

from otio_retake.media.encode import ClipWriter

AUTH = {"Authorization": f"Bearer {EMULATOR_KEY}"}


def _clip_uri(tmp_path, frames: int) -> str:
    path = tmp_path / f"c{frames}.mp4"
    with ClipWriter(path, rate=Fraction(24), width=64, height=64, audio=True) as writer:
        for i in range(frames):
            writer.add_frame(np.full((64, 64, 3), i % 255, dtype=np.uint8))
        writer.add_audio(np.zeros((2, round(frames / 24 * 48000)), dtype=np.float32))
    return "data:video/mp4;base64," + base64.b64encode(path.read_bytes()).decode()


def _settle(server):
    for job in list(server.state.jobs.values()):  # renders finish before the emulator's folder goes
        job.rendered.wait(60)


def test_ltx_emulator_minimum_input_optional_prompt_and_two_at_once(emulator, tmp_path):
    server = emulator("ltx", latency=30)
    short, ok = _clip_uri(tmp_path, 60), _clip_uri(tmp_path, 73)
    body = {"start_time": 0.5, "duration": 2, "mode": "replace_video"}
    answer = httpx.post(server.url + "/v2/retake", json={**body, "video_uri": short}, headers=AUTH)
    assert answer.status_code == 400 and "at least 73 frames" in answer.text
    first = httpx.post(server.url + "/v2/retake", json={**body, "video_uri": ok}, headers=AUTH)  # no prompt
    assert first.status_code == 202
    assert httpx.post(server.url + "/v2/retake", json={**body, "video_uri": ok, "prompt": "p"},
                      headers=AUTH).status_code == 202
    third = httpx.post(server.url + "/v2/retake", json={**body, "video_uri": ok, "prompt": "p"}, headers=AUTH)
    assert third.status_code == 429 and third.headers.get("retry-after")
    assert httpx.get(server.url + "/_emulator/stats").json()["submitted"] == 2
    _settle(server)


def test_runware_emulator_requires_a_uuid4_task_id(emulator, tmp_path):
    server = emulator("runware", latency=30)
    task = {"taskType": "videoInference", "model": "lightricks:3@1", "positivePrompt": "p",
            "inputs": {"video": _clip_uri(tmp_path, 73)},
            "providerSettings": {"lightricks": {"startTime": 0, "duration": 2, "mode": "replace_video"}}}
    v5 = str(uuid.uuid5(uuid.NAMESPACE_URL, "x"))
    answer = httpx.post(server.url + "/v1", json=[{**task, "taskUUID": v5}], headers=AUTH)
    assert answer.status_code == 400 and answer.json()["errors"][0]["code"] == "invalidTaskUUID"
    answer = httpx.post(server.url + "/v1", json=[{**task, "taskUUID": str(uuid.uuid4())}], headers=AUTH)
    assert answer.status_code == 200 and not answer.json().get("errors")
    _settle(server)


def test_wavespeed_emulator_defaults_to_audio_and_video_and_ignores_undocumented_fields(emulator, tmp_path):
    server = emulator("wavespeed", latency=30)
    answer = httpx.post(server.url + "/api/v3/lightricks/ltx-2-retake", headers=AUTH,
                        json={"video": _clip_uri(tmp_path, 73), "prompt": "p", "start_time": 1, "end_time": 3})
    assert answer.status_code == 200
    [job] = server.state.jobs.values()
    assert job.mode.value == "both" and job.start == 0.0 and abs(job.duration - 73 / 24) < 1e-6
    _settle(server)


def test_section_rules_are_each_hosts_own():
    """One check (emulate.core.SectionRule), each host's documented bounds (docs/hosts.md)."""
    from otio_retake.emulate import fal, gmi, ltx, oxen, replicate, runware
    assert ltx.SECTION.ok(0.5, 2.25) and not ltx.SECTION.start_ok(-0.1) and not ltx.SECTION.duration_ok(1.9)
    assert ltx.SECTION.duration_ok(30) and not ltx.SECTION.start_ok(None) and not ltx.SECTION.start_ok("1")
    assert fal.SECTION.ok(20, 20) and not fal.SECTION.start_ok(20.5) and not fal.SECTION.duration_ok(20.5)
    assert runware.SECTION.ok(2, 3) and not runware.SECTION.ok(2.5, 3) and not runware.SECTION.ok(2, 3.0)
    assert not runware.SECTION.duration_ok(17) and not runware.SECTION.duration_ok(True)
    assert gmi.SECTION.ok(0.0, 30.0) and not gmi.SECTION.start_ok(-1.0)
    assert oxen.SECTION.duration_ok(16) and not oxen.SECTION.duration_ok(16.5)
    assert replicate.SECTION.duration_ok(2) and not replicate.SECTION.duration_ok(1.5)


def test_fal_emulator_refuses_a_section_outside_its_bounds_over_http(emulator, tmp_path):
    server = emulator("fal", latency=30)
    headers = {"Authorization": f"Key {EMULATOR_KEY}"}
    body = {"video_url": _clip_uri(tmp_path, 73), "prompt": "p", "start_time": 21, "duration": 2}
    answer = httpx.post(server.url + "/fal-ai/ltx-2/retake-video", json=body, headers=headers)
    assert answer.status_code == 422 and "start_time 0-20" in answer.text
    assert httpx.get(server.url + "/_emulator/stats").json()["submitted"] == 0
    answer = httpx.post(server.url + "/fal-ai/ltx-2/retake-video", json={**body, "start_time": 0.5}, headers=headers)
    assert answer.status_code == 200 and answer.json()["request_id"]
    _settle(server)


def test_gmi_emulator_fetches_video_uri_as_a_url_and_keeps_to_4k_and_21_seconds(emulator, tmp_path):
    gmi, elsewhere = emulator("gmi", latency=0.2), emulator("fal", latency=0.2)
    uri = _clip_uri(tmp_path, 73)
    # The clip served by another server (as a user's own storage would): GMI's document asks for a URL.
    assert httpx.put(elsewhere.url + "/_emulator/uploads/shot.mp4",
                     content=base64.b64decode(uri.split(",", 1)[1])).status_code == 200
    url = elsewhere.url + "/_emulator/files/shot.mp4"
    queue = gmi.url + "/api/v1/ie/requestqueue/apikey/requests"
    payload = {"start_time": 0.5, "duration": 2}  # prompt and mode are optional
    answer = httpx.post(queue, json={"model": "ltx-2-pro-retake", "payload": {**payload, "video_uri": url}},
                        headers=AUTH)
    assert answer.status_code == 200, answer.text
    [job] = gmi.state.jobs.values()
    assert job.video.read_bytes() == base64.b64decode(uri.split(",", 1)[1])  # fetched from the URL
    gone = httpx.post(queue, json={"model": "ltx-2-pro-retake",
                                   "payload": {**payload, "video_uri": elsewhere.url + "/_emulator/files/nope.mp4"}},
                      headers=AUTH)
    assert gone.status_code == 400
    too_long = httpx.post(queue, json={"model": "ltx-2-pro-retake",
                                       "payload": {**payload, "video_uri": _clip_uri(tmp_path, 24 * 21 + 12)}},
                          headers=AUTH)
    assert too_long.status_code == 400 and "21 seconds" in too_long.text
    assert len(gmi.state.jobs) == 1
    _settle(gmi)
