"""The ComfyUI host: its emulator (ComfyUI's routes, validation, history, websocket, the LTX node's rounding)
over loopback HTTP and websocket, and the ``comfyui`` client against it."""

from __future__ import annotations

import asyncio
import json
import uuid
from fractions import Fraction
from pathlib import Path

import httpx
import numpy as np
import pytest

from media_sources import make_source

import otio_retake.providers
from otio_retake.emulate.comfyui import CANONICAL_UUID, regenerated_frames
from otio_retake.media.decode import decode_all_frames

WORKFLOW = json.loads((Path(otio_retake.providers.__file__).parent / "workflows" / "ltx2_retake_api.json").read_text())


def _graph(file: str, start: float, end: float, *, fps: float = 24.0, seed: int = 7, video=True, audio=False):
    values = {"{{input}}": file, "{{prompt}}": "a red balloon", "{{negative_prompt}}": "", "{{fps}}": fps,
              "{{start_time}}": start, "{{end_time}}": end, "{{mask_video}}": video, "{{mask_audio}}": audio,
              "{{seed}}": seed}
    graph = json.loads(json.dumps(WORKFLOW))
    for node in graph.values():
        for name, value in node["inputs"].items():
            if isinstance(value, str) and value in values:
                node["inputs"][name] = values[value]
    return graph


def test_the_node_rounds_the_section_inward_to_latent_blocks():
    # Latent 0 is frame 0, latent k >= 1 frames 8k-7..8k: blocks start at 0, 1, 9, 17, 25, ...
    assert regenerated_frames(10 / 24, 40 / 24, 24.0, 97) == (17, 33)  # 10 -> next start 17; 40 -> last start 33
    assert regenerated_frames(9 / 24, 41 / 24, 24.0, 97) == (9, 41)  # on block starts: exactly those frames
    assert regenerated_frames(0.0, 1 / 24, 24.0, 97) == (0, 1)  # the first block is one frame
    assert regenerated_frames(2 / 24, 8 / 24, 24.0, 97) == (0, 0)  # no whole block inside: nothing regenerated
    assert regenerated_frames(9 / 24, 500 / 24, 24.0, 97) == (9, 97)  # clamped to the clip's blocks


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return make_source(tmp_path_factory.mktemp("comfy") / "excerpt.mp4", clip_id=5, frames=49)


def _upload(url: str, path, name="excerpt.mp4") -> dict:
    answer = httpx.post(url + "/upload/image", files={"image": (name, path.read_bytes(), "video/mp4")},
                        data={"type": "input", "subfolder": "", "overwrite": "false"})
    assert answer.status_code == 200, answer.text
    return answer.json()


def _differs(a: np.ndarray, b: np.ndarray) -> bool:
    return float(np.abs(a.astype(float) - b.astype(float)).mean()) > 12


async def _listen(url: str, client_id: str, until: str, seen: list) -> None:
    import websockets
    async with websockets.connect(url.replace("http", "ws") + f"/ws?clientId={client_id}") as ws:
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), 20))
            seen.append(message)
            if message["type"] == until:
                return


def test_emulator_validates_queues_once_per_prompt_id_and_regenerates_only_the_rounded_blocks(emulator, clip):
    server = emulator("comfyui", latency=0.4)
    url = server.url
    stored = _upload(url, clip)
    assert stored == {"name": "excerpt.mp4", "subfolder": "", "type": "input"}
    assert _upload(url, clip)["name"] == "excerpt.mp4"  # the same bytes again: not stored twice
    info = httpx.get(url + "/api/object_info").json()
    assert "excerpt.mp4" in info["LoadVideo"]["input"]["required"]["file"][0]
    assert "LTXVSetAudioVideoMaskByTime" in info

    # ComfyUI's validation answers
    bad = _graph("missing.mp4", 0.5, 1.5)
    answer = httpx.post(url + "/prompt", json={"prompt": bad, "client_id": "c1"})
    assert answer.status_code == 400
    assert answer.json()["error"]["type"] == "prompt_outputs_failed_validation"
    assert answer.json()["node_errors"]["4"]["errors"][0]["type"] == "value_not_in_list"
    unknown = {**_graph("excerpt.mp4", 0.5, 1.5), "99": {"class_type": "NoSuchNode", "inputs": {}}}
    assert httpx.post(url + "/prompt", json={"prompt": unknown}).status_code == 400
    assert httpx.post(url + "/prompt", json={"prompt": _graph("excerpt.mp4", 0.5, 1.5),
                                             "prompt_id": "NOT-A-UUID"}).status_code == 400

    pid, client = str(uuid.uuid4()), uuid.uuid4().hex
    seen, other = [], []

    async def run():
        mine = asyncio.ensure_future(_listen(url, client, "execution_success", seen))
        theirs = asyncio.ensure_future(_listen(url, "someone-else", "never", other))
        await asyncio.sleep(0.2)
        queued = await asyncio.to_thread(httpx.post, url + "/api/prompt", json={
            "prompt": _graph("excerpt.mp4", 10 / 24, 40 / 24), "client_id": client, "prompt_id": pid})
        assert queued.json()["prompt_id"] == pid
        assert (await asyncio.to_thread(httpx.get, f"{url}/history/{pid}")).json() == {}  # not finished yet
        await mine
        theirs.cancel()

    asyncio.run(run())
    kinds = [m["type"] for m in seen]
    assert kinds[0] == "status" and "progress" in kinds and kinds[-1] == "execution_success"
    assert other and all(m["type"] == "status" for m in other)  # execution messages: only to the queuing client

    entry = httpx.get(f"{url}/history/{pid}").json()[pid]
    assert entry["status"]["status_str"] == "success" and entry["status"]["completed"] is True
    [(node, output)] = entry["outputs"].items()
    assert output["animated"] == [True] and WORKFLOW[node]["class_type"] == "SaveVideo"
    [image] = output["images"]
    result = httpx.get(url + "/view", params=image)
    assert result.status_code == 200
    out = clip.with_name("result.mp4")
    out.write_bytes(result.content)
    source, _, _ = decode_all_frames(str(clip))
    frames, _, _ = decode_all_frames(str(out))
    assert len(frames) == 49
    changed = [i for i in range(49) if _differs(frames[i], source[i])]
    assert changed == list(range(17, 33))  # 10..40 asked, blocks 17..32 regenerated: inward
    stats = httpx.get(url + "/_emulator/stats").json()
    assert stats["submitted"] == 1 and stats["duplicates"] == 0


def test_emulator_interrupts_only_the_named_prompt_and_the_history_says_so(emulator, clip):
    server = emulator("comfyui", latency=30)
    _upload(server.url, clip)
    pid = str(uuid.uuid4())
    httpx.post(server.url + "/prompt", json={"prompt": _graph("excerpt.mp4", 0.5, 1.5), "prompt_id": pid})
    server.state.jobs[pid].created -= 10  # running now
    httpx.post(server.url + "/interrupt", json={"prompt_id": str(uuid.uuid4())})  # another prompt: nothing
    assert httpx.get(f"{server.url}/history/{pid}").json() == {}
    assert httpx.post(f"{server.url}/api/jobs/{pid}/cancel").status_code == 200
    assert httpx.post(f"{server.url}/api/jobs/{pid}/cancel").status_code == 200  # idempotent
    entry = httpx.get(f"{server.url}/history/{pid}").json()[pid]
    assert entry["status"]["status_str"] == "error"
    assert entry["status"]["messages"][-1][0] == "execution_interrupted"
    server.state.jobs[pid].rendered.wait(30)


# ------------------------------------------------------------------------------ the comfyui client, end to end
def _run(samples, tmp_path, url, *extra):
    from conftest import run_cli
    return run_cli("run", samples / "retake_sample.otio", "-o", tmp_path / "out.otio", "--provider", "comfyui",
                   "--base-url", url, "--poll-interval", "0.05", "--workspace", tmp_path / "ws",
                   "--marker-prefix", "sky", *extra)


def test_comfyui_takes_are_frame_exact_one_prompt_each_with_the_section_widened_to_whole_blocks(
        emulator, samples, tmp_path):
    from conftest import decode_patterns, source_frame_at, take_file
    server = emulator("comfyui", latency=0.3)
    assert _run(samples, tmp_path, server.url, "--takes", "2") == 0
    stats = httpx.get(server.url + "/_emulator/stats").json()
    assert stats["submitted"] == 2 and stats["duplicates"] == 0  # one queued prompt per take
    for job in server.state.jobs.values():
        assert CANONICAL_UUID.match(job.id)  # our prompt_id, used as the history key
        mask = next(n for n in job.request["prompt"].values() if n["class_type"] == "LTXVSetAudioVideoMaskByTime")
        first, end = round(mask["inputs"]["start_time"] * 24), round(mask["inputs"]["end_time"] * 24)
        assert (first - 1) % 8 == 0 and (end - 1) % 8 == 0  # on block starts: the node's inward rounding keeps them
        assert first <= 48 and end >= 48 + 72  # the 72 marked frames, 48 into the 2 s context, all inside
        assert (round(job.start * 24), round((job.start + job.duration) * 24)) == (first, end)  # all regenerated
    assert len({j.seed for j in server.state.jobs.values()}) == 2  # each take its own seed (RandomNoise)
    for letter in "AB":
        patterns = decode_patterns(take_file(tmp_path / "ws" / "takes" / f"sky_take{letter}.mp4"))
        assert patterns[12:12 + 72] == [source_frame_at(48 + k) for k in range(72)]


def test_a_lost_prompt_answer_is_found_in_the_history_and_never_queued_twice(emulator, samples, tmp_path, capsys):
    server = emulator("comfyui", latency=0.3, faults="submit=drop")
    assert _run(samples, tmp_path, server.url) == 3
    assert "the job may have started" in " ".join(capsys.readouterr().err.split())
    assert _run(samples, tmp_path, server.url) == 0
    stats = httpx.get(server.url + "/_emulator/stats").json()
    assert stats["submitted"] == 1 and stats["duplicates"] == 0
    from otio_retake.jobs.store import Journal
    journal = Journal(tmp_path / "ws" / "jobs.sqlite")
    [record] = journal.all()
    assert ("submitted", "found at the host after a lost answer") in journal.events(record.plan_key)


def test_a_workflow_whose_nodes_the_server_lacks_is_refused_before_anything_is_queued(emulator, samples, tmp_path,
                                                                                     monkeypatch, capsys):
    graph = json.loads(json.dumps(WORKFLOW))
    graph["12"]["class_type"] = "LTXVSetAudioVideoMaskByTimeV9"
    path = tmp_path / "studio.json"
    path.write_text(json.dumps(graph))
    server = emulator("comfyui", latency=0.3)
    assert _run(samples, tmp_path, server.url, "--workflow", path) != 0
    err = " ".join(capsys.readouterr().err.split())
    assert "lacks the node(s) LTXVSetAudioVideoMaskByTimeV9" in err and "Traceback" not in err
    assert httpx.get(server.url + "/_emulator/stats").json()["submitted"] == 0


def test_doctor_comfyui_says_the_server_its_gpu_and_the_nodes_are_ready_or_what_to_fix(emulator, capsys):
    from conftest import run_cli
    from otio_retake.loopback import free_port
    server = emulator("comfyui")
    assert run_cli("doctor", "comfyui", "--base-url", server.url) == 0
    said = " ".join(capsys.readouterr().out.split())
    assert "reachable" in said and "GPU: cuda:0 emulated" in said and "nodes: all present" in said
    assert run_cli("doctor", "comfyui", "--base-url", f"http://127.0.0.1:{free_port()}") == 1
    said = " ".join(capsys.readouterr().out.split())
    assert "NO" in said and "not reachable" in said and "Traceback" not in said


def test_client_reads_progress_from_the_websocket_and_cancels_a_running_prompt(emulator, clip, tmp_path):
    from otio_retake.model import Mode
    from otio_retake.providers import make_provider
    from otio_retake.providers.base import Cancelled, RetakeRequest, Running
    server = emulator("comfyui", latency=3)

    async def go():
        provider = make_provider("comfyui", results_dir=tmp_path, base_url=server.url)
        try:
            video = await provider.upload(clip)
            request = RetakeRequest(video=video, start_seconds=9 / 24, duration_seconds=16 / 24, prompt="p",
                                    mode=Mode.VIDEO, seed=3, idempotency_key="take-1")
            handle = await provider.submit(request)
            status = None
            for _ in range(100):
                status = await provider.poll(handle)
                if isinstance(status, Running) and status.progress:
                    break
                await asyncio.sleep(0.05)
            assert isinstance(status, Running) and 0 < status.progress <= 1  # from `progress {value, max}`
            assert await provider.cancel(handle) is True
            assert isinstance(await provider.poll(handle), Cancelled)
        finally:
            await provider.aclose()

    asyncio.run(go())
    server.state.jobs[next(iter(server.state.jobs))].rendered.wait(30)


# ------------------------------------------------------------------------------ ltx-local, with a fake pipeline
@pytest.fixture
def weights(tmp_path, monkeypatch):
    checkpoint, gemma = tmp_path / "ltx-2.safetensors", tmp_path / "gemma"
    checkpoint.write_bytes(b"weights")
    gemma.mkdir()
    monkeypatch.setenv("OTIO_RETAKE_LTX_CHECKPOINT", str(checkpoint))
    monkeypatch.setenv("OTIO_RETAKE_GEMMA_ROOT", str(gemma))
    return checkpoint, gemma


def test_ltx_local_sends_8k_plus_1_frames_in_multiples_of_32_and_gives_back_the_true_rate_and_size(
        tmp_path, weights):
    import fake_ltx_pipelines as fake
    from conftest import decode_patterns
    from otio_retake.media.probe import probe
    from otio_retake.model import Mode
    from otio_retake.providers import make_provider
    from otio_retake.providers.base import RetakeRequest, Succeeded
    fake.CALLS.clear()
    rate = Fraction(24000, 1001)
    source = make_source(tmp_path / "ntsc.mp4", clip_id=3, frames=100, rate=rate)
    provider = make_provider("ltx-local", results_dir=tmp_path / "engine", library=lambda: fake.LIBRARY)

    async def go():
        video = await provider.upload(source)
        request = RetakeRequest(video=video, start_seconds=float(9 / rate), duration_seconds=float(16 / rate),
                                prompt="p", mode=Mode.VIDEO, seed=5, idempotency_key="k1")
        handle = await provider.submit(request)
        status = await provider.poll(handle)
        assert isinstance(status, Succeeded)
        await provider.download(status, tmp_path / "result.mp4")
        again = await provider.submit(request)  # the same job again (a resumed run): not generated twice
        assert again == handle and await provider.find_job(request) == handle

    asyncio.run(go())
    [call] = fake.CALLS[-1:]
    assert call["frames"] == 97 and call["size"] == (320, 192) and call["regenerated"] == (9, 25)
    assert len(fake.CALLS) == 1
    result = probe(tmp_path / "result.mp4")
    assert (result.width, result.height, result.frames) == (320, 180, 97)
    assert Fraction(result.rate).limit_denominator(1001) == rate  # written at 23, re-timed to 23.976
    assert decode_patterns(tmp_path / "result.mp4") == [(i, 3) for i in range(97)]


def test_ltx_local_says_in_one_line_what_it_lacks_before_loading_anything(tmp_path, weights, monkeypatch):
    from otio_retake.errors import EngineError, InputError
    from otio_retake.providers.ltx_local import load_library, weights as find_weights
    with pytest.raises(EngineError, match="optional \\[local\\] extra"):  # no torch on this machine
        load_library()
    monkeypatch.setenv("OTIO_RETAKE_LTX_CHECKPOINT", str(tmp_path / "nowhere.safetensors"))
    with pytest.raises(InputError, match="nowhere.safetensors does not exist"):
        find_weights(None, None)


def test_ltx_local_run_makes_frame_exact_takes_through_the_fake_pipeline(samples, tmp_path, weights, monkeypatch):
    import fake_ltx_pipelines as fake
    from conftest import decode_patterns, run_cli, source_frame_at, take_file
    fake.CALLS.clear()
    monkeypatch.setattr("otio_retake.providers.ltx_local.load_library", lambda: fake.LIBRARY)
    assert run_cli("run", samples / "retake_sample.otio", "-o", tmp_path / "out.otio", "--provider", "ltx-local",
                   "--workspace", tmp_path / "ws", "--marker-prefix", "sky", "--poll-interval", "0.05") == 0
    [call] = fake.CALLS
    lo, hi = call["regenerated"]
    assert lo <= 48 and hi >= 48 + 72  # every marked frame regenerated (the section widened to blocks)
    patterns = decode_patterns(take_file(tmp_path / "ws" / "takes" / "sky_takeA.mp4"))
    assert patterns[12:12 + 72] == [source_frame_at(48 + k) for k in range(72)]


def test_providers_lists_both_local_hosts_with_no_key_no_fee_and_one_job_at_a_time(capsys):
    from conftest import run_cli
    assert run_cli("providers", "--json") == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    for host in ("comfyui", "ltx-local"):
        assert rows[host]["key"] == "not needed" and rows[host]["price_per_second"] == 0
        assert rows[host]["max_concurrent"] == 1 and rows[host]["seed_sent"] is True
    assert run_cli("providers") == 0
    assert " ".join(capsys.readouterr().out.split()).count("GPU time, no fee") == 2


def test_a_lost_answer_is_found_through_the_jobs_api_on_a_server_without_a_queue_route(emulator, samples, tmp_path):
    server = emulator("comfyui", latency=3, faults="submit=drop")
    server.app.router.routes[:] = [r for r in server.app.router.routes
                                   if getattr(r, "path", "") not in ("/queue", "/api/queue")]
    assert _run(samples, tmp_path, server.url) == 3
    assert _run(samples, tmp_path, server.url) == 0  # found while still running (jobs API), then waited for
    stats = httpx.get(server.url + "/_emulator/stats").json()
    assert stats["submitted"] == 1 and stats["duplicates"] == 0
    assert stats["requests"].get("queue", 0) == 0
