"""The bridge over real loopback HTTP: security, plan, run, progress, cancel, resume, report, conform."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from conftest import EMULATOR_KEY, REPO, decode_patterns, run_cli, source_frame_at, wait_for_rows
from premiere_sequence import TPF, sample_sequence

from otio_retake.bridge import BridgeServer
from otio_retake.bridge.security import TOKEN_ENV, PairingGate, load_token
from otio_retake.emulate.server import free_port
from otio_retake.providers.fal import FalProvider

TOKEN = "bridge-test-T0KEN-abcdef0123456789"
START = 86400


def short_sequence(media, context: str = "0") -> dict:
    """The sample sequence with a `context:` line in each marker's note: a bridge run takes its context from
    the markers, and no test here checks context or handles; the seconds of media each run moves are most of
    its CPU."""
    seq = sample_sequence(media)
    for marker in seq["markers"]:
        marker["comments"] += f"\ncontext: {context}"
    return seq


@pytest.fixture
def bridge(tmp_path):
    servers = []

    def start(**options):
        server = BridgeServer(free_port(), root=options.pop("root", tmp_path / "bridge"),
                              tokens=load_token(env={TOKEN_ENV: TOKEN}), pairing=PairingGate("424242"),
                              poll_interval=0.05, **options).__enter__()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.__exit__(None, None, None)


def client(server, token=TOKEN, **headers):
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.Client(base_url=server.url, headers=headers, timeout=30)


def wait_status(c, run_id, want=("done", "failed", "cancelled"), timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = c.get(f"/v1/runs/{run_id}").json()
        if body["status"] in want:
            return body
        time.sleep(0.05)
    raise AssertionError(f"run {run_id} still {body['status']}")


def sse(c, run_id, **headers):
    """Every event of a run's stream, as (id, event, data), until the stream ends."""
    events, current = [], {}
    with c.stream("GET", f"/v1/runs/{run_id}/events", headers=headers) as response:
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if not line:
                if current:
                    events.append((int(current["id"]), current["event"], json.loads(current["data"])))
                current = {}
                continue
            if line.startswith(":"):
                continue
            key, _, value = line.partition(": ")
            current[key] = value
    return events


# ------------------------------------------------------------------------------------------ security

def test_health_needs_no_token_and_everything_else_does(bridge, sample_media):
    server = bridge()
    assert client(server, token=None).get("/v1/health").json()["name"] == "otio-retake bridge"
    for c in (client(server, token=None), client(server, token="not-the-T0KEN-42")):
        r = c.post("/v1/plan", json={"sequence": sample_sequence(sample_media)})
        assert r.status_code == 401 and "token" in r.json()["error"]
        assert TOKEN not in r.text and "not-the-T0KEN-42" not in r.text
        assert c.get("/openapi.json").status_code == 401


def test_a_web_page_origin_and_a_foreign_host_are_refused(bridge):
    server = bridge()
    c = client(server, Origin="https://evil.example")
    assert c.get("/v1/runs").status_code == 403
    assert client(server, Origin="http://127.0.0.1:1").get("/v1/runs").status_code == 403  # another local page
    assert client(server, Origin=server.url).get("/v1/runs").status_code == 200  # its own
    assert client(server, Origin="null").get("/v1/runs").status_code == 200  # panels: not a web origin
    # DNS rebinding: the attacker's name resolves to 127.0.0.1, the Host header still says the name.
    r = client(server, Host=f"rebind.example:{server.port}").get("/v1/health")
    assert r.status_code == 403 and "Host" in r.json()["error"]
    assert client(server, Host="127.0.0.1:1").get("/v1/health").status_code == 403


def test_oversize_bodies_get_413_and_bad_bodies_422_naming_the_field(bridge, sample_media):
    server = bridge()
    c = client(server)
    r = c.post("/v1/plan", content=b"{" + b" " * (8 * 2**20) + b"}", headers={"Content-Type": "application/json"})
    assert r.status_code == 413

    def chunks():  # no Content-Length: counted while read
        for _ in range(9):
            yield b" " * 2**20
    r = c.post("/v1/plan", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    r = c.post("/v1/plan", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 422
    seq = sample_sequence(sample_media)
    del seq["markers"][1]["startTicks"]
    r = c.post("/v1/plan", json={"sequence": seq})
    assert r.status_code == 422 and r.json()["fields"] == ["sequence.markers[1].startTicks"]
    seq = sample_sequence(sample_media)
    seq["timebaseTicks"] = 10584000000.0  # a float: ticks must stay exact
    r = c.post("/v1/plan", json={"sequence": seq})
    assert r.status_code == 422 and "sequence.timebaseTicks" in r.json()["fields"]
    for field, ticks in (("zeroPointTicks", "9" * 400), ("timebaseTicks", str(2**63))):  # was a plain-text 500
        seq = sample_sequence(sample_media)
        seq[field] = ticks
        r = c.post("/v1/plan", json={"sequence": seq})
        assert r.status_code == 422 and r.json()["fields"] == [f"sequence.{field}"], r.text
        assert "at most 9223372036854775807" in r.json()["error"] and ticks not in r.text
    seq = sample_sequence(sample_media)
    seq["videoTracks"][0]["items"][1]["mediaPath"] = str(sample_media / "nope.mp4")
    r = c.post("/v1/plan", json={"sequence": seq})
    assert r.status_code == 422 and r.json()["fields"] == ["sequence.videoTracks[0].items[1].mediaPath"]
    assert "does not exist" in r.json()["error"]
    no_markers = sample_sequence(sample_media, markers=[])
    r = c.post("/v1/runs", json={"sequence": no_markers})
    assert r.status_code == 400 and "marker" in r.json()["error"] and c.get("/v1/runs").json() == []
    assert c.get("/v1/runs/nope").status_code == 404
    assert c.get("/v1/runs/nope/events").status_code == 404


def test_token_made_once_private_to_the_user_and_pairing(tmp_path, bridge):
    store = load_token(tmp_path / "cfg", env={})
    path = tmp_path / "cfg" / "bridge.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and store.token in path.read_text()
    assert load_token(tmp_path / "cfg", env={}).token == store.token  # kept, not remade
    path.chmod(0o644)
    load_token(tmp_path / "cfg", env={})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_token(tmp_path / "other", env={TOKEN_ENV: "x" * 20}).path is None
    assert not (tmp_path / "other").exists()  # the environment's token: nothing written
    server = bridge()
    c = client(server, token=None)
    assert c.post("/v1/pair", json={"code": "000000"}).status_code == 401
    assert c.post("/v1/pair", json={"code": "424242"}).json() == {"token": TOKEN}
    for _ in range(5):
        c.post("/v1/pair", json={"code": "111111"})
    assert c.post("/v1/pair", json={"code": "424242"}).status_code == 403  # closed after too many tries


def test_bridge_command_refuses_a_non_loopback_host():
    done = subprocess.run([sys.executable, "-m", "otio_retake.cli", "bridge", "--host", "0.0.0.0"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "loopback" in done.stderr


def test_openapi_served_matches_docs(bridge):
    served = client(bridge()).get("/openapi.json").json()
    written = json.loads((REPO / "docs" / "bridge-openapi.json").read_text())
    assert served == written, "docs/bridge-openapi.json is stale: run `otio-retake schemas`"


# ------------------------------------------------------------------------------------------ the pipeline

def test_plan_then_run_with_the_preview_engine(bridge, sample_media, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("FAL_KEY", raising=False)
    server = bridge()
    c = client(server)
    seq = short_sequence(sample_media)
    plan = c.post("/v1/plan", json={"sequence": seq}).json()
    rows = {r["name"]: r for r in plan["ranges"]}
    assert {n: (r["record_in"], r["record_out"], r["mode"]) for n, r in rows.items()} == {
        "sky": ("01:00:02:00", "01:00:05:00", "video"), "crossing": ("01:00:08:12", "01:00:11:12", "both"),
        "line": ("01:00:14:00", "01:00:16:12", "audio")}
    assert plan["key"] == {"provider": "preview", "configured": True, "source": "not needed"}
    # The same answer as `plan --json` on the timeline the bridge wrote: one contract.
    timeline = next((tmp_path / "bridge" / "sequences").glob("*/retake_sample.otio"))
    capsys.readouterr()
    assert run_cli("plan", timeline, "--json") == 0  # the command line's own code, in this process
    assert json.loads(capsys.readouterr().out) == plan["ranges"]
    assert c.post("/v1/plan", json={"sequence": seq, "markerColor": "GREEN"}).json()["ranges"][0]["name"] == "line"
    assert plan["warnings"] == []
    off = json.loads(json.dumps(seq))
    off["markers"][0]["startTicks"] = str(48 * TPF + TPF // 3)  # a third of a frame late: rounded down
    answer = c.post("/v1/plan", json={"sequence": off, "provider": "fal"}).json()
    assert answer["ranges"][0]["record_in"] == "01:00:02:00"
    assert answer["warnings"][0].startswith("marker 'sky' starts between frames")
    assert "no key for fal" in answer["warnings"][1] and answer["key"]["configured"] is False

    created = c.post("/v1/runs", json={"sequence": seq})
    assert created.status_code == 202
    run_id = created.json()["id"]
    events = sse(c, run_id)
    assert wait_status(c, run_id)["status"] == "done"
    assert [e[0] for e in events] == list(range(1, len(events) + 1)) and events[-1][1] == "end"
    order = ["excerpt", "upload", "submit", "queued", "running", "download", "splice", "done"]
    for name in ("sky", "crossing", "line"):
        for take in "A":
            kinds = [d["kind"] for _, _, d in events if d["range"] == name and d["take"] == take]
            assert kinds and kinds[-1] == "done" and kinds == sorted(kinds, key=order.index), (name, take, kinds)
    assert all(d["words"] for _, _, d in events)
    # Reconnecting after event 3 gets the rest, nothing twice.
    assert [e[0] for e in sse(c, run_id, **{"Last-Event-ID": "3"})] == list(range(4, len(events) + 1))
    report = c.get(f"/v1/runs/{run_id}/report").json()
    ranges = {r["name"]: r for r in report["ranges"]}
    assert {n: (int(r["startTicks"]) // TPF, int(r["durationTicks"]) // TPF, [t["letter"] for t in r["takes"]])
            for n, r in ranges.items()} == {"sky": (48, 72, ["A"]), "crossing": (204, 72, ["A"]),
                                            "line": (336, 60, ["A"])}
    sky = ranges["sky"]["takes"][0]
    head = int(sky["inTicks"]) // TPF
    assert int(sky["outTicks"]) // TPF - head == 72 and sky["hasVideo"] and not sky["hasAudio"]
    patterns = decode_patterns(sky["path"])
    assert patterns[head:head + 72] == [source_frame_at(48 + k) for k in range(72)]
    assert ranges["line"]["takes"][0]["hasAudio"] and not ranges["line"]["takes"][0]["hasVideo"]
    assert report["report"]["takes"][0]["record_frame"] == START + 48  # the run --report contract inside
    # The run is an ordinary run: the command line sees its journal.
    capsys.readouterr()
    assert run_cli("status", report["report"]["workspace"], "--json") == 0
    assert {r["state"] for r in json.loads(capsys.readouterr().out)["jobs"]} == {"take_ready"}
    assert run_cli("resume", report["report"]["workspace"]) == 0, capsys.readouterr().err
    assert "0 job(s) submitted, 3 reused" in capsys.readouterr().out  # the bridge's run, replayed by the command line
    conformed = c.post(f"/v1/runs/{run_id}/conform", json={"picks": {"sky": "a", "line": "A"}})
    assert conformed.status_code == 200, conformed.text
    body = conformed.json()
    assert body["picks"] == {"sky": "A", "line": "A"} and Path(body["outputs"][0]).exists()
    assert {r["name"]: r["path"] for r in body["ranges"]}["sky"] == ranges["sky"]["takes"][0]["path"]
    r = c.post(f"/v1/runs/{run_id}/conform", json={"picks": {"sky": "Z"}})
    assert r.status_code == 400 and "no take Z" in r.json()["error"]
    journal_text = (Path(report["report"]["workspace"]) / "jobs.sqlite").read_bytes()
    assert TOKEN.encode() not in journal_text
    for record in (tmp_path / "bridge" / "runs").glob("*.json"):
        assert TOKEN not in record.read_text()


def test_a_run_of_the_command_line_is_reused_by_the_bridge(bridge, sample_media, tmp_path):
    server = bridge()
    c = client(server)
    seq = short_sequence(sample_media)
    c.post("/v1/plan", json={"sequence": seq}).raise_for_status()  # writes the sequence's .otio
    timeline = next((tmp_path / "bridge" / "sequences").glob("*/retake_sample.otio"))
    assert run_cli("run", timeline, "-o", tmp_path / "cli.otio") == 0  # the command line's own code, in process
    run_id = c.post("/v1/runs", json={"sequence": seq}).json()["id"]
    assert wait_status(c, run_id)["status"] == "done"
    report = c.get(f"/v1/runs/{run_id}/report").json()["report"]
    assert (report["submitted"], report["reused"]) == (0, 3)


def test_cancel_stops_the_run_and_cancels_at_the_host_even_a_submit_being_answered(bridge, emulator, sample_media,
                                                                                  monkeypatch):
    # A clean-clone CI run once left a job queued (and billed) at the host: the cancel came while the host had
    # taken the third submit but its answer was not in yet, so that job's id was never journaled. Here the
    # answers are held back until the cancel has been asked for.
    monkeypatch.setenv("FAL_KEY", EMULATOR_KEY)
    host = emulator("fal", latency=30)
    cancel_asked = threading.Event()
    real_submit = FalProvider.submit

    async def submit(self, request):
        handle = await real_submit(self, request)
        for _ in range(100):
            if cancel_asked.is_set():
                break
            await asyncio.sleep(0.05)
        return handle

    monkeypatch.setattr(FalProvider, "submit", submit)
    server = bridge(base_urls=[f"fal={host.url}"])
    c = client(server)
    run_id = c.post("/v1/runs", json={"sequence": short_sequence(sample_media), "provider": "fal"}).json()["id"]
    deadline = time.monotonic() + 30
    while httpx.get(host.url + "/_emulator/stats").json()["submitted"] < 3:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert c.post(f"/v1/runs/{run_id}/cancel").status_code == 200
    cancel_asked.set()
    body = wait_status(c, run_id, timeout=20)
    assert body["status"] == "cancelled" and "cancelled at the host" in body["hint"]
    assert httpx.get(host.url + "/_emulator/stats").json()["by_status"] == {"cancelled": 3}
    events = sse(c, run_id)
    assert events[-1][2]["detail"]["status"] == "cancelled"


def test_resume_after_the_bridge_is_killed_submits_nothing_twice(emulator, sample_media, tmp_path):
    host = emulator("fal", latency=2.0)
    port = free_port()
    env = {**os.environ, TOKEN_ENV: TOKEN, "FAL_KEY": EMULATOR_KEY}
    command = [sys.executable, "-m", "otio_retake.cli", "bridge", "--port", str(port), "--root",
               str(tmp_path / "bridge"), "--base-url", f"fal={host.url}", "--poll-interval", "0.05"]

    def start():
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1)
                return process
            except httpx.TransportError:
                assert time.monotonic() < deadline and process.poll() is None, process.stderr.read()
                time.sleep(0.1)

    process = start()
    c = httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
    run_id = c.post("/v1/runs", json={"sequence": short_sequence(sample_media), "provider": "fal"}).json()["id"]
    deadline = time.monotonic() + 30
    while httpx.get(host.url + "/_emulator/stats").json()["submitted"] < 3:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    # Killed once every job is journaled with its host job id: a submit lost between the host taking it and the
    # journal recording it is one fal cannot look up (resume then rightly asks instead of paying twice).
    wait_for_rows(Path(c.get(f"/v1/runs/{run_id}").json()["workspace"]) / "jobs.sqlite",
                  lambda rows: len(rows) == 3 and all(r.handle is not None for r in rows))
    process.kill()  # no goodbye: as a crash or a closed laptop
    process.wait(timeout=10)
    _, stderr = process.communicate()
    assert TOKEN not in stderr
    process = start()
    try:
        assert c.get(f"/v1/runs/{run_id}").json()["status"] == "interrupted"
        assert [e[2]["detail"]["status"] for e in sse(c, run_id)] == ["interrupted"]  # a stream says so at once
        assert c.post(f"/v1/runs/{run_id}/resume").status_code == 202
        events = sse(c, run_id)  # this attempt's progress, to its own end
        assert events[-1][2]["detail"]["status"] == "done" and len(events) > 1
        assert wait_status(c, run_id)["status"] == "done"
        stats = httpx.get(host.url + "/_emulator/stats").json()
        assert stats["submitted"] == 3 and stats["duplicates"] == 0
        assert len(c.get(f"/v1/runs/{run_id}/report").json()["report"]["takes"]) == 3
    finally:
        process.terminate()
        out, err = process.communicate(timeout=10)
    assert TOKEN not in out + err


def test_the_panels_takes_are_marked_as_takes_and_markers_followed_by_their_guid(sample_media):
    """Issue 22: what the panel tells the bridge, in the timeline the run reads: a take it placed (by the tag it
    wrote, whatever its name) is metadata['otio_retake']['take'] on its clip and, when the track holds only takes,
    on the track (the picture rule never sends it); a marker is followed by its GUID, an unnamed one is named by
    its timecode (not 'marker N', which a marker inserted before it would shift)."""
    from otio_retake.bridge.sequence import sequence_to_timeline
    from otio_retake.contract import Sequence
    from otio_retake.timeline.marks import find_marked_ranges
    seq = short_sequence(sample_media)
    seq["markers"][0].update(name="", guid="7c0e2b6a-1111-4222-8333-944445555666")
    take = dict(seq["videoTracks"][0]["items"][0], name="shot_a.mp4",
                take={"letter": "A", "markerId": "premiere:7c0e2b6a-1111-4222-8333-944445555666", "range": "x"})
    seq["videoTracks"].append({"index": 1, "name": "Video 2", "items": [take]})
    timeline = sequence_to_timeline(Sequence.model_validate(seq))
    v2 = timeline.video_tracks()[1]
    assert v2.metadata["otio_retake"] == {"take": "A"}
    assert v2[0].metadata["otio_retake"]["take"] == "A"
    assert "otio_retake" not in timeline.video_tracks()[0].metadata  # the footage is not a take
    ranges, skipped = find_marked_ranges(timeline)
    assert [(s.name, "already has take(s) A" in s.reason) for s in skipped] == [("marker at 01:00:02:00", True)]
    assert [r.marker_id.startswith("derived:") for r in ranges] == [True, True]  # no GUID sent: by position


def test_items_with_no_media_file_are_generators_the_picture_rule_passes_over(sample_media):
    """A Premiere Graphic, title, colour matte or adjustment layer has no media file: the panel sends it with what it
    is, and the bridge lays it out as a generator (never refusing the sequence); an older panel's item with an empty
    path likewise. The picture rule names each and never sends it (the node suite plans one through the bridge)."""
    import opentimelineio as otio

    from otio_retake.bridge.sequence import sequence_to_timeline
    from otio_retake.contract import Sequence
    from otio_retake.timeline.picture import not_footage
    seq = short_sequence(sample_media)
    over = [dict(seq["videoTracks"][0]["items"][0], name=name, mediaPath="", **extra)
            for name, extra in (("Lower third", {"generator": "graphic"}),
                                ("Adjustment Layer", {"generator": "adjustment layer"}), ("Matte", {}))]
    for n, item in enumerate(over):  # one after the other on V2
        item.update(startTicks=str(n * 100 * TPF), endTicks=str((n + 1) * 100 * TPF))
    seq["videoTracks"].append({"index": 1, "name": "V2", "items": over})
    timeline = sequence_to_timeline(Sequence.model_validate(seq))
    v2 = timeline.video_tracks()[1]
    clips = v2.find_clips()
    assert [(c.name, c.media_reference.generator_kind) for c in clips] == [
        ("Lower third", "graphic"), ("Adjustment Layer", "adjustment layer"), ("Matte", "no media file")]
    assert all(isinstance(c.media_reference, otio.schema.GeneratorReference) for c in clips)
    assert [not_footage(c, v2) for c in clips] == ["a graphic, title or matte (no media file)", "an adjustment layer",
                                                   "an item with no media file (a graphic, title or matte)"]
    seq["videoTracks"][0]["items"][0]["enabled"] = False  # switched off in Premiere (trackItem.isDisabled())
    v1 = sequence_to_timeline(Sequence.model_validate(seq)).video_tracks()[0]
    assert not_footage(v1.find_clips()[0], v1) == "disabled" and not_footage(v1.find_clips()[1], v1) is None
