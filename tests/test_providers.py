"""Every host's client against its emulator over real loopback HTTP, with faults, keys and variations."""

from __future__ import annotations

import json
import logging

import opentimelineio as otio
import pytest

from conftest import EMULATOR_KEY, decode_patterns, emulator_stats, run_cli, source_frame_at, take_file

from otio_retake.providers import HOSTS

KEY = EMULATOR_KEY
HOST_NAMES = [h for h in HOSTS if HOSTS[h].needs_key]  # keyed clouds; comfyui (a studio's server): test_comfyui.py


def _run(samples, tmp_path, host, url, *extra, prefix="sky"):
    args = ["run", samples / "retake_sample.otio", "-o", tmp_path / "out.otio", "--provider", host,
            "--base-url", url, "--poll-interval", "0.05", "--workspace", tmp_path / "ws", *extra]
    if prefix:
        args += ["--marker-prefix", prefix]
    return run_cli(*args)


def test_wavespeed_gets_only_documented_fields_and_the_take_copes_with_the_whole_clip_regenerated(
        emulator, samples, tmp_path, monkeypatch):
    monkeypatch.setenv("WAVESPEED_API_KEY", KEY)
    server = emulator("wavespeed")
    assert _run(samples, tmp_path, "wavespeed", server.url) == 0
    [job] = server.state.jobs.values()
    from otio_retake.media.probe import probe
    assert probe(job.video).frames == 73  # the marked 72 frames, grown by one to the model's minimum input
    assert (job.start, job.duration) == (0.0, pytest.approx(73 / 24))  # the emulator ignores start/end_time
    take = take_file(tmp_path / "ws" / "takes" / "sky_takeA.mp4")
    assert decode_patterns(take)[1:1 + 72] == [source_frame_at(48 + k) for k in range(72)]
    stats = emulator_stats(server)
    assert stats["requests"]["poll_via_returned_url"] == stats["requests"]["poll"] >= 1  # the URL it returned


def test_runware_gets_whole_seconds_and_the_take_is_still_exact(emulator, samples, tmp_path, monkeypatch):
    monkeypatch.setenv("RUNWARE_API_KEY", KEY)
    server = emulator("runware")
    # 1.3 s of context puts the range 31 frames into the excerpt: not on a whole second.
    assert _run(samples, tmp_path, "runware", server.url, "--context", "1.3") == 0
    [job] = server.state.jobs.values()
    settings = job.request["providerSettings"]["lightricks"]
    assert (settings["startTime"], settings["duration"]) == (1, 4)  # seconds 1-5 cover frames 31-103
    patterns = decode_patterns(take_file(tmp_path / "ws" / "takes" / "sky_takeA.mp4"))
    assert patterns[12:12 + 72] == [source_frame_at(48 + k) for k in range(72)]


def _frame(path, index):
    from otio_retake.media.decode import decode_all_frames
    frames, _, _ = decode_all_frames(str(path))
    return frames[index].astype(float)


# Oxen's 1080p-only model is the Oxen API again with another model name: its own test below runs it (at full HD,
# the slowest media in the suite), so it is not run a second time here.
@pytest.mark.parametrize("host", [h for h in HOST_NAMES if h != "oxen-ltx2"])
def test_each_host_makes_three_frame_exact_takes_as_three_jobs_and_three_pictures(host, emulator, samples, tmp_path,
                                                                                  monkeypatch):
    monkeypatch.setenv(HOSTS[host].key_env, KEY)
    server = emulator(host)
    assert _run(samples, tmp_path, host, server.url, "--takes", "3", "--context", "0.5") == 0  # room for the handles
    stats = emulator_stats(server)
    assert stats["submitted"] == 3 and stats["duplicates"] == 0  # each take its own job
    assert stats["by_status"] == {"succeeded": 3}
    assert stats["requests"].get("upload", 0) >= 1 or host in ("gmi", "replicate")  # hosts without upload take data URIs
    timeline = otio.adapters.read_from_file(str(tmp_path / "out.otio"))
    names = [t.name for t in timeline.tracks if t.name.startswith("Retake")]
    assert names == ["Retake A", "Retake B", "Retake C"]
    metas = [t.find_clips()[0].metadata["otio_retake"] for t in timeline.tracks if t.name.startswith("Retake")]
    assert all(m["host"] == host and m["job_id"] for m in metas) and len({m["job_id"] for m in metas}) == 3
    sent = [job.request for job in server.state.jobs.values()]
    if HOSTS[host].accepts_seed:  # the seed each take lists is the one its request carried
        assert sorted(m["seed"] for m in metas) == sorted(r["seed"] for r in sent) and len({m["seed"] for m in metas}) == 3
    else:  # no seed sent, so none listed
        assert all(m["seed"] is None and m["seed_sent"] is False for m in metas)
        assert not any("seed" in json.dumps(r) for r in sent)
    takes = [take_file(tmp_path / "ws" / "takes" / f"sky_take{x}.mp4") for x in "ABC"]
    # Every take is frame exact through the host's own flow: the range's 72 frames after the head handle.
    heads = [m["handles"][0] for m in metas]
    assert heads == [1 if host == "wavespeed" else 12] * 3  # WaveSpeed gets no context: 1 frame to reach 73
    for take, head in zip(takes, heads):
        assert decode_patterns(take)[head:head + 72] == [source_frame_at(48 + k) for k in range(72)]
    # ...but the pictures are three different generations: each has pixels no re-encode would move this far
    # (two random seeds can give nearby tints, so a mean difference alone would be a coin toss; the label
    # the preview draws carries the seed, so distinct generations always differ somewhere by far).
    frames = [_frame(t, h + 8) for t, h in zip(takes, heads)]
    for i in range(3):
        for j in range(i + 1, 3):
            far = (abs(frames[i] - frames[j]).max(axis=2) > 40).mean()
            assert far > 0.0002, (host, i, j, far)  # one differing digit of the seed is ~100 pixels: 0.0004


@pytest.mark.parametrize("faults", [
    "submit=429x2", "upload=503", "poll=500x2", "poll=503", "poll=drop", "download=truncate", "download=500",
    "upload=503,submit=429,poll=500x2,poll=drop,download=truncate",
])
def test_transient_faults_are_retried_and_nothing_is_submitted_twice(faults, emulator, samples, tmp_path,
                                                                     monkeypatch):
    monkeypatch.setenv("FAL_KEY", KEY)
    server = emulator("fal", faults=faults)
    # Faults fire at the first requests of their stage: one job, with no context around it, meets them all.
    assert _run(samples, tmp_path, "fal", server.url, "--context", "0") == 0
    assert (take_file(tmp_path / "ws" / "takes" / "sky_takeA.mp4")).exists()
    stats = emulator_stats(server)
    assert stats["submitted"] == 1 and stats["duplicates"] == 0
    assert sum(stats["faults_fired"].values()) == faults.count("=") + faults.count("x2")  # every rule, every time


@pytest.mark.parametrize("host, faults, exit_code, says", [
    ("ltx", "submit=422", 3, "safety filter"),
    ("ltx", "submit=402", 3, "Insufficient credits"),
    ("ltx", "job=fail", 3, "could not complete the generation"),
    ("ltx", "poll=expired", 3, "results are kept for 24 hours"),
    ("ltx", "submit=drop", 3, "the job may have started"),
    ("fal", "job=fail", 3, "could not complete the generation"),
    ("runware", "job=fail", 3, "could not complete the generation"),
    ("replicate", "submit=402", 3, "Insufficient credits"),
])
def test_final_faults_are_typed_errors_with_the_hosts_message(host, faults, exit_code, says, emulator, samples,
                                                             tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(HOSTS[host].key_env, KEY)
    server = emulator(host, faults=faults)
    assert _run(samples, tmp_path, host, server.url, "--context", "0") == exit_code
    err = " ".join(capsys.readouterr().err.split())
    assert says in err and "Traceback" not in err
    assert emulator_stats(server)["submitted"] <= 1


def test_wrong_key_is_an_authentication_error(emulator, samples, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LTX_API_KEY", "sk-wrong")
    server = emulator("ltx")
    assert _run(samples, tmp_path, "ltx", server.url, "--context", "0") == 3
    err = capsys.readouterr().err
    assert "ltx (HTTP 401)" in err and "check the API key" in err and "sk-wrong" not in err


def test_missing_key_stops_before_anything_is_uploaded(emulator, samples, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("WAVESPEED_API_KEY", raising=False)
    monkeypatch.setattr("otio_retake.providers._keyring_key", lambda name: None)
    server = emulator("wavespeed")
    assert _run(samples, tmp_path, "wavespeed", server.url) == 2
    assert "no API key for wavespeed" in capsys.readouterr().err
    assert emulator_stats(server)["requests"] == {}


def test_the_key_appears_nowhere(emulator, samples, tmp_path, monkeypatch, caplog, capsys):
    monkeypatch.setenv("LTX_API_KEY", KEY)
    server = emulator("ltx", faults="submit=429,poll=500,download=truncate")
    caplog.set_level(logging.DEBUG)
    assert _run(samples, tmp_path, "ltx", server.url, "--takes", "2", "--context", "0") == 0
    captured = capsys.readouterr()
    assert KEY not in caplog.text and KEY not in captured.out + captured.err
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path
    assert KEY not in json.dumps(emulator_stats(server))
    # A wrong key is not echoed back in the error either.
    monkeypatch.setenv("LTX_API_KEY", "sk-another-5ecret")
    run_cli("run", samples / "retake_sample.otio", "-o", tmp_path / "x.otio", "--provider", "ltx",
            "--base-url", server.url, "--marker-prefix", "sky", "--context", "0")
    assert "sk-another-5ecret" not in capsys.readouterr().err


def test_providers_command_says_where_keys_are_but_never_the_key(monkeypatch, capsys):
    monkeypatch.setenv("FAL_KEY", KEY)
    monkeypatch.delenv("LTX_API_KEY", raising=False)
    monkeypatch.setattr("otio_retake.providers._keyring_key", lambda name: None)
    assert run_cli("providers", "--json") == 0
    out = capsys.readouterr().out
    rows = {r["name"]: r for r in json.loads(out)}
    assert rows["fal"]["key"] == "env FAL_KEY" and rows["ltx"]["key"] is None
    assert rows["ltx"]["max_concurrent"] == 2 and rows["ltx"]["billed_on"] == "input"
    # Each take is its own job: no stale "variations per job"; whether a take's seed is sent instead.
    assert rows["runware"]["whole_seconds"] and rows["runware"]["seed_sent"] is True
    assert rows["gmi"]["seed_sent"] is False and rows["preview"]["seed_sent"] is True
    assert all("variations_per_job" not in r for r in rows.values())
    assert KEY not in out
    assert run_cli("providers") == 0
    table = capsys.readouterr().out
    assert "seed sent" in table and "variations" not in table and KEY not in table


def test_plan_shows_the_cost_per_host(samples, capsys):
    costs = {}
    for host in ("preview", "ltx", "fal"):
        assert run_cli("plan", samples / "retake_sample.otio", "--json", "--provider", host) == 0
        costs[host] = sum(r["cost_usd"] for r in json.loads(capsys.readouterr().out))
    # windows of 7, 7 and 6.5 s at $0.10 per second
    assert costs == {"preview": 0, "ltx": pytest.approx(2.05), "fal": pytest.approx(2.05)}


def test_oxen_1080p_model_gets_an_exact_1080p_excerpt_and_the_take_comes_back_at_timeline_size(
        emulator, samples, tmp_path, monkeypatch):
    monkeypatch.setenv("OXEN_API_KEY", KEY)
    server = emulator("oxen-ltx2")
    # No context (each second of it is 24 full HD frames to encode, render and scale back): the marked 72
    # frames and the one more the model's minimum input needs.
    assert _run(samples, tmp_path, "oxen-ltx2", server.url, "--take-resolution", "timeline", "--context", "0",
                "--handles", "0") == 0
    [job] = server.state.jobs.values()
    from otio_retake.media.probe import probe
    assert (probe(job.video).width, probe(job.video).height) == (1920, 1080)
    assert job.request["model"] == "lightricks-ltx-2-retake" and "start_time" in job.request
    take = take_file(tmp_path / "ws" / "takes" / "sky_takeA.mp4")
    assert (probe(take).width, probe(take).height) == (320, 180)
    assert decode_patterns(take) == [source_frame_at(48 + k) for k in range(72)]


def test_oxen_fails_a_non_1080p_input_when_the_job_runs(emulator, samples, tmp_path, monkeypatch, capsys):
    # The 1080p-only model asked through the general "oxen" client, which sends the picture as it is.
    monkeypatch.setenv("OXEN_API_KEY", KEY)
    monkeypatch.setattr("otio_retake.providers.oxen.OxenProvider.model", "lightricks-ltx-2-retake")
    server = emulator("oxen")
    assert _run(samples, tmp_path, "oxen", server.url, "--context", "0") == 3
    assert "input_video must be 1920x1080" in " ".join(capsys.readouterr().err.split())


def test_oxen_refuses_without_a_repository_of_the_users_own_before_anything_is_sent(
        emulator, samples, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("OXEN_API_KEY", KEY)
    server = emulator("oxen")
    monkeypatch.delenv("OXEN_REPO")
    assert _run(samples, tmp_path, "oxen", server.url) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "OXEN_REPO" in err and "your-namespace/repo-name" in err
    assert emulator_stats(server)["requests"] == {}


def test_oxen_uploads_into_the_users_repository_on_its_branch(emulator, samples, tmp_path, monkeypatch):
    monkeypatch.setenv("OXEN_API_KEY", KEY)
    server = emulator("oxen")
    assert _run(samples, tmp_path, "oxen", server.url, "--context", "0") == 0
    [job] = server.state.jobs.values()
    assert "/api/repos/editor/otio-retake-excerpts/file/main/otio-retake/" in job.request["input_video"]


def test_gmi_says_what_happens_to_an_excerpt_too_large_to_send_inline(emulator, samples, tmp_path, monkeypatch,
                                                                      capsys):
    from otio_retake.providers.gmi import GmiProvider
    monkeypatch.setattr(GmiProvider, "inline_limit", 10_000)  # as an excerpt over the inline limit would be
    monkeypatch.setenv("GMI_API_KEY", KEY)
    server = emulator("gmi")
    assert _run(samples, tmp_path, "gmi", server.url, "--context", "0") != 0
    err = capsys.readouterr().err
    assert "sky" in err and "data URI" in err and "no upload API" in err and "--context" in err
    assert emulator_stats(server)["submitted"] == 0 and not emulator_stats(server)["requests"]  # nothing sent
