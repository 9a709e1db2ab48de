"""Runs started with `otio-retake run` in a workspace under the bridge's folder, seen through the bridge over real
loopback HTTP while they run: listed, followed (SSE from the journal), reported, conformed and cancelled."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from conftest import EMULATOR_KEY, decode_patterns, run_cli, source_frame_at, wait_for_rows
from premiere_sequence import TPF
from test_bridge import TOKEN, bridge, client, short_sequence, sse, wait_status  # noqa: F401  (the fixture, too)



def cli_run(timeline: Path, out: Path, host_url: str, *extra: str, background: bool = False) -> subprocess.Popen:
    """`otio-retake run` of the timeline on the fal emulator, in its own process, from its own folder;
    ``background``: started as a script's `... &` is, with Ctrl-C (SIGINT) ignored."""
    command = [sys.executable, "-m", "otio_retake.cli", "run", str(timeline), "-o", str(out), "--provider", "fal",
               "--base-url", f"fal={host_url}", "--poll-interval", "0.05", "--yes", *extra]
    if background:  # as a shell starts `... &`: SIGINT ignored, kept through exec. Not a preexec_fn: Python code
        # run between fork and exec in this threaded process can deadlock the child (seen: a hung suite)
        command = ["/bin/sh", "-c", 'trap "" INT; exec "$@"', "sh", *command]
    return subprocess.Popen(command, env={**os.environ, "FAL_KEY": EMULATOR_KEY}, cwd=out.parent,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def written_sequence(c, tmp_path, media) -> Path:
    c.post("/v1/plan", json={"sequence": short_sequence(media)}).raise_for_status()  # writes the sequence's .otio
    return next((tmp_path / "bridge" / "sequences").glob("*/retake_sample.otio"))


def cli_run_of(c, timeline: Path, status=None, timeout=60) -> dict:
    """The command-line run the bridge lists for the panel's sequence, once it appears."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        params = {"sequence": "retake_sample", **({"status": status} if status else {})}
        found = [r for r in c.get("/v1/runs", params=params).json() if r["origin"] == "command line"]
        if found:
            return found[-1]
        time.sleep(0.05)
    raise AssertionError("the bridge never listed the command line's run")


def test_a_command_line_run_is_followed_reported_and_conformed_through_the_bridge(bridge, emulator, sample_media,
                                                                                  tmp_path, monkeypatch):
    monkeypatch.setenv("FAL_KEY", EMULATOR_KEY)
    host = emulator("fal", latency=2.0)
    server = bridge(base_urls=[f"fal={host.url}"])
    c = client(server)
    timeline = written_sequence(c, tmp_path, sample_media)
    work = tmp_path / "cli"
    work.mkdir()
    # Relative paths, as an editor types them: the journal says from where.
    process = cli_run(Path(os.path.relpath(timeline, work)), work / "cut.retakes.otio", host.url)
    try:
        run = cli_run_of(c, timeline, status="running")
        assert run["id"].startswith("cli-") and run["timeline"] == str(timeline)
        assert run["sequence"] == "retake_sample" and run["provider"] == "fal"
        assert c.get(f"/v1/runs/{run['id']}").json()["status"] == "running"
        assert c.get("/v1/runs", params={"sequence": "another"}).json() == []
        arrivals = []
        events, seen = [], {}
        with c.stream("GET", f"/v1/runs/{run['id']}/events") as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            for line in response.iter_lines():
                if not line:
                    if seen:
                        events.append((int(seen["id"]), seen["event"], json.loads(seen["data"])))
                        arrivals.append(process.poll())  # None: the command line was still running
                    seen = {}
                elif not line.startswith(":"):
                    key, _, value = line.partition(": ")
                    seen[key] = value
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert arrivals[0] is None and arrivals.count(None) >= 6, arrivals  # live, not replayed at the end
    ids = [e[0] for e in events]
    assert ids == sorted(ids) and len(set(ids)) == len(ids) and events[-1][1] == "end"
    assert events[-1][2]["detail"]["status"] == "done"
    order = ["planned", "excerpt", "upload", "submit", "queued", "download", "splice", "done"]
    for name in ("sky", "crossing", "line"):
        kinds = [d["kind"] for _, _, d in events if d["range"] == name]
        assert kinds[-1] == "done" and kinds == sorted(kinds, key=order.index), (name, kinds)
        assert {"submit", "queued", "download"} <= set(kinds)
    assert all(d["words"] for _, _, d in events)
    # A reconnect after an event gets the rest, nothing twice.
    again = sse(c, run["id"], **{"Last-Event-ID": str(ids[2])})
    assert [e[0] for e in again][:-1] == ids[3:-1] and again[-1][1] == "end"

    status = wait_status(c, run["id"])
    assert status["status"] == "done" and status["takes_finished"] == status["takes_total"] == 3
    report = c.get(f"/v1/runs/{run['id']}/report").json()
    assert (report["report"]["submitted"], report["report"]["reused"]) == (3, 0)
    ranges = {r["name"]: r for r in report["ranges"]}
    assert {n: (int(r["startTicks"]) // TPF, int(r["durationTicks"]) // TPF, [t["letter"] for t in r["takes"]])
            for n, r in ranges.items()} == {"sky": (48, 72, ["A"]), "crossing": (204, 72, ["A"]),
                                            "line": (336, 60, ["A"])}
    sky = ranges["sky"]["takes"][0]
    head = int(sky["inTicks"]) // TPF
    assert sky["hasVideo"] and not sky["hasAudio"] and int(sky["outTicks"]) // TPF - head == 72
    assert decode_patterns(sky["path"])[head:head + 72] == [source_frame_at(48 + k) for k in range(72)]
    assert ranges["line"]["takes"][0]["hasAudio"] and not ranges["line"]["takes"][0]["hasVideo"]
    conformed = c.post(f"/v1/runs/{run['id']}/conform", json={"picks": {"sky": "A"}})
    assert conformed.status_code == 200, conformed.text
    assert conformed.json()["picks"] == {"sky": "A"} and Path(conformed.json()["outputs"][0]).exists()
    assert c.post(f"/v1/runs/{run['id']}/resume").status_code == 409  # the command line's to resume
    stats = httpx.get(host.url + "/_emulator/stats").json()
    assert stats["submitted"] == 3 and stats["duplicates"] == 0
    # A panel run of the same sequence reuses the takes and is listed once, as the panel's.
    panel = c.post("/v1/runs", json={"sequence": short_sequence(sample_media), "provider": "fal"}).json()["id"]
    assert wait_status(c, panel)["status"] == "done", c.get(f"/v1/runs/{panel}").text
    assert c.get(f"/v1/runs/{panel}/report").json()["report"]["reused"] == 3
    origins = [(r["id"], r["origin"]) for r in c.get("/v1/runs", params={"sequence": "retake_sample"}).json()]
    assert origins == [(run["id"], "command line"), (panel, "panel")]


def test_cancel_from_the_bridge_stops_a_command_line_run_with_no_extra_submit(bridge, emulator, sample_media,
                                                                             tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("FAL_KEY", EMULATOR_KEY)  # the bridge cancels at the host with its own key
    host = emulator("fal", latency=30)
    server = bridge()
    c = client(server)
    timeline = written_sequence(c, tmp_path, sample_media)
    work = tmp_path / "cli"
    work.mkdir()
    # Started as a script's background job is: a shell has it ignore Ctrl-C, and the cancel must still stop it.
    process = cli_run(timeline, work / "cut.retakes.otio", host.url, background=True)
    try:
        run = cli_run_of(c, timeline)
        ends = []
        listener = threading.Thread(target=lambda: ends.append(sse(c, run["id"])[-1]), daemon=True)
        listener.start()
        deadline = time.monotonic() + 60
        while httpx.get(host.url + "/_emulator/stats").json()["submitted"] < 3:
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.05)
        assert c.get(f"/v1/runs/{run['id']}").json()["status"] == "running"
        second = c.post("/v1/runs", json={"sequence": short_sequence(sample_media), "provider": "fal"})
        assert second.status_code == 409 and run["id"] in second.json()["error"]  # one run of a sequence at a time
        body = c.post(f"/v1/runs/{run['id']}/cancel", timeout=60).json()
        if body["status"] != "cancelled":  # what the command line said, for whoever reads the failure
            process.kill()
            body["cli output"] = process.communicate()
        assert body["status"] == "cancelled" and "cancelled at the host" in body["hint"], body
        assert process.wait(timeout=30) == 130  # stopped as Ctrl-C stops it
        listener.join(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert ends and ends[0][1] == "end" and ends[0][2]["detail"]["status"] == "cancelled"
    time.sleep(0.5)  # nothing is sent after the cancel
    stats = httpx.get(host.url + "/_emulator/stats").json()
    assert stats["submitted"] == 3 and stats["by_status"] == {"cancelled": 3}
    # The journal the command line reads says so too (its default workspace is beside the timeline).
    workspace = Path(run["workspace"])
    capsys.readouterr()
    assert run_cli("status", workspace, "--json") == 0
    assert {r["state"] for r in json.loads(capsys.readouterr().out)["jobs"]} == {"cancelled"}


def test_a_command_line_run_killed_mid_run_shows_interrupted_and_its_resume_is_followed(bridge, emulator,
                                                                                        sample_media, tmp_path,
                                                                                        monkeypatch, capsys):
    host = emulator("fal", latency=2.0)
    server = bridge()
    c = client(server)
    timeline = written_sequence(c, tmp_path, sample_media)
    work = tmp_path / "cli"
    work.mkdir()
    process = cli_run(timeline, work / "cut.retakes.otio", host.url)
    try:
        run = cli_run_of(c, timeline)
        # Killed once every job is journaled with its host job id: the emulator counts a job the moment it
        # takes it, before the answer reaches the run, and a submit lost in that moment is one fal cannot look
        # up (resume then rightly asks for --resubmit-unknown instead of paying twice).
        wait_for_rows(Path(run["workspace"]) / "jobs.sqlite",
                      lambda rows: len(rows) == 3 and all(r.handle is not None for r in rows))
        process.kill()  # no goodbye: a closed terminal, a crash
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()
    status = c.get(f"/v1/runs/{run['id']}").json()
    assert status["status"] == "interrupted" and f"otio-retake resume {run['workspace']}" in status["hint"]
    assert [e[2]["detail"]["status"] for e in sse(c, run["id"]) if e[1] == "end"] == ["interrupted"]
    # The resume as the user types it, from the run's folder; in this process (the killed run was the one
    # that needed its own).
    monkeypatch.setenv("FAL_KEY", EMULATOR_KEY)
    monkeypatch.chdir(work)
    assert run_cli("resume", run["workspace"]) == 0, capsys.readouterr().err
    runs = [r for r in c.get("/v1/runs").json() if r["origin"] == "command line"]
    assert [r["id"] for r in runs][0] == run["id"] and len(runs) == 2 and runs[1]["status"] == "done"
    report = c.get(f"/v1/runs/{runs[1]['id']}/report").json()
    assert len(report["ranges"]) == 3 and report["report"]["submitted"] == 0  # the resume paid for nothing
    stats = httpx.get(host.url + "/_emulator/stats").json()
    assert stats["submitted"] == 3 and stats["duplicates"] == 0
