"""What is refused before anything is sent (a mistyped host or URL, an unusable key, a missing folder), and text
from files or users shown as it is, never read as markup (issue 22, safety)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from conftest import EMULATOR_KEY, run_cli


def _err(capsys) -> str:
    captured = capsys.readouterr()
    text = captured.err + captured.out
    assert "Traceback" not in text and "internal error" not in text
    return " ".join(captured.err.split())


@pytest.fixture(scope="module")
def fal():
    """One fal emulator for the file: every test here checks that nothing reached it."""
    from otio_retake.emulate import EmulatorServer, make_app
    with EmulatorServer(make_app("fal", latency=0.1, key=EMULATOR_KEY)) as server:
        yield server


def _submitted(server) -> int:
    return httpx.get(server.url + "/_emulator/stats").json()["submitted"]


def _run(samples, tmp_path, *extra):
    return run_cli("run", samples / "retake_sample.otio", "-o", tmp_path / "o.otio", "--provider", "fal",
                   "--marker-prefix", "sky", "--context", "0", "--workspace", tmp_path / "ws", "--yes", *extra)


@pytest.mark.parametrize("value, says", [
    ("fall={url}", "'--base-url': fall={url}: no host is called 'fall'; the hosts are ltx, fal, wavespeed"),
    ("notaurl", "'notaurl' is not an http:// or https:// URL"),
    ("fal=ftp://127.0.0.1:1", "'ftp://127.0.0.1:1' is not an http:// or https:// URL"),
    ("fal=http://", "'http://' is not an http:// or https:// URL"),
    ("fal=http://127.0.0.1:port", "is not an http:// or https:// URL"),
])
def test_a_mistyped_base_url_is_refused_before_anything_is_sent(value, says, fal, samples, tmp_path, monkeypatch,
                                                                 capsys):
    monkeypatch.setenv("FAL_KEY", EMULATOR_KEY)
    before = _submitted(fal)
    assert _run(samples, tmp_path, "--base-url", value.format(url=fal.url)) == 2
    assert says.format(url=fal.url) in _err(capsys)
    assert _submitted(fal) == before
    assert not (tmp_path / "ws").exists()  # refused before any work


def test_base_url_is_checked_by_every_command_that_takes_one(capsys):
    assert run_cli("doctor", "fal", "--base-url", "notaurl") == 2
    assert "is not an http:// or https:// URL" in _err(capsys)
    assert run_cli("bridge", "--base-url", "fall=http://127.0.0.1:1") == 2
    assert "no host is called 'fall'" in _err(capsys)


@pytest.mark.parametrize("key, says", [
    (EMULATOR_KEY + "\r", "a carriage return"),
    (EMULATOR_KEY + "\n", "a newline"),
    ("sk-tést-" + EMULATOR_KEY, "a non-ASCII character"),
    ("Bearer " + EMULATOR_KEY, "a space or tab"),
])
def test_a_key_a_header_cannot_carry_is_refused_naming_the_variable_never_the_key(key, says, fal, samples,
                                                                                 tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("FAL_KEY", key)
    before = _submitted(fal)
    assert _run(samples, tmp_path, "--base-url", fal.url) == 2
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "Traceback" not in text and EMULATOR_KEY not in text and "5ECRET" not in text
    said = " ".join(captured.err.split())
    assert f"the fal API key in FAL_KEY holds {says}, which an HTTP header cannot carry" in said
    assert _submitted(fal) == before


def test_emulator_latency_must_be_a_number_of_seconds(capsys):
    for value in ("-1", "nan", "inf"):
        assert run_cli("emulate", "ltx", "--latency", value) == 2
        assert "--latency" in _err(capsys)


def test_a_media_dir_that_does_not_exist_is_refused_naming_it(samples, tmp_path, capsys):
    missing = tmp_path / "nonexistent"
    assert run_cli("plan", samples / "retake_sample.otio", "--media-dir", missing) == 2
    err = _err(capsys)
    assert "--media-dir" in err and str(missing) in err and "does not exist" in err
    assert run_cli("relink", samples / "retake_sample.otio", "--media-dir", missing) == 2
    assert str(missing) in _err(capsys)


def _bracketed(samples, folder):
    """The sample cut saved in ``folder`` with "[...]" in a marker's name and prompt."""
    import opentimelineio as otio
    timeline = otio.adapters.read_from_file(str(samples / "retake_sample.otio"))
    [clip] = [c for c in timeline.find_clips() if c.markers]
    marker = clip.markers[0]
    marker.name, marker.comment = "sky [/x] [final]", "Replace the grey sky [final] with a [/red] sunset"
    folder.mkdir()
    path = folder / "cut.otio"
    otio.adapters.write_to_file(timeline, str(path))
    (folder / "media").symlink_to(samples / "media", target_is_directory=True)
    return path


def test_text_from_files_and_users_is_shown_as_it_is_never_read_as_markup(samples, tmp_path, capsys):
    timeline = _bracketed(samples, tmp_path / "[final] cut")
    output = tmp_path / "[final] cut" / "out [/x].otio"
    output.parent.mkdir()  # "out [": the "/" of "[/x]" is a folder's end in a path
    assert run_cli("plan", timeline, "--marker-prefix", "sky") == 0
    printed = capsys.readouterr().out
    assert "sky [/x] [final]" in printed and "[final] cut" in printed
    assert run_cli("run", timeline, "-o", output, "--marker-prefix", "sky", "--context", "0") == 0
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "internal error" not in captured.err
    assert f"wrote {output}" in " ".join(captured.out.split()) or str(output) in captured.out.replace("\n", "")
    assert "sky [/x] [final] take A" in captured.out
    assert output.exists()
    # An error naming such a path is shown whole too.
    assert run_cli("run", timeline, "-o", output, "--marker-prefix", "sky", "--context", "0") == 2
    assert "out [/x].otio" in " ".join(capsys.readouterr().err.split())


def test_labels_keep_their_colour_and_the_text_after_them_stays_as_it_is():
    from otio_retake.commands import labelled
    text = labelled("warning:", "yellow", "clip '[/x]' [bold]")
    assert text.plain == "warning: clip '[/x]' [bold]" and text.spans[0].style == "yellow"


def _bext_time_reference(path) -> int:
    """TimeReference of a WAV file's bext chunk (EBU Tech 3285: two 32-bit halves after 346 bytes of text)."""
    import struct
    data = path.read_bytes()
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    at = 12
    while at + 8 <= len(data):
        kind, size = data[at:at + 4], struct.unpack("<I", data[at + 4:at + 8])[0]
        if kind == b"bext":
            low, high = struct.unpack("<II", data[at + 8 + 338:at + 8 + 346])
            return low + (high << 32)
        at += 8 + size + (size & 1)
    raise AssertionError(f"{path} has no bext chunk")


def test_a_sound_only_take_carries_its_record_timecode_as_broadcast_wav_time_reference(samples, tmp_path):
    # The file starts its head handles before the marked range: an EDL's AA event (source in = the range's record
    # timecode) then points that many frames into the file, as into an .mp4 take whose tmcd says the same.
    import av
    import opentimelineio as otio
    from otio_retake.media.decode import AUDIO_RATE
    assert run_cli("run", samples / "retake_sample.otio", "-o", tmp_path / "o.otio", "--marker-prefix", "line",
                   "--context", "0", "--workspace", tmp_path / "ws") == 0
    [clip] = [c for c in otio.adapters.read_from_file(str(tmp_path / "o.otio")).find_clips()
              if c.media_reference.target_url.endswith(".wav")]
    take = Path(clip.metadata["otio_retake"]["take_file"])
    head = clip.metadata["otio_retake"]["handles"][0]
    samples_since_midnight = _bext_time_reference(take)
    file_start = samples_since_midnight * 24 / AUDIO_RATE  # the sample cut is at 24 fps
    assert file_start == int(file_start) and head > 0
    assert int(file_start) + head == clip.source_range.start_time.to_frames() == \
        clip.metadata["otio_retake"]["record_in_frame"]  # 01:00:14:00, the AA event's source in
    with av.open(str(take)) as container:  # still a WAV every reader takes, with the same reading from ffmpeg
        assert container.metadata["time_reference"] == str(samples_since_midnight)
        stream = container.streams.audio[0]
        assert (stream.rate, stream.channels) == (AUDIO_RATE, 2)
        decoded = sum(frame.samples for frame in container.decode(stream))
    assert decoded == clip.media_reference.available_range.duration.to_frames() * AUDIO_RATE // 24


def test_with_no_resubmit_expired_the_hints_agree_that_running_again_stops_there(samples, tmp_path):
    from otio_retake import pipeline
    from otio_retake.errors import ResultExpiredError
    from otio_retake.jobs.runner import ExpiredResultError
    loaded = pipeline.load(samples / "retake_sample.otio")
    plans = pipeline.plan(loaded, context_seconds=0)
    gone = ResultExpiredError("Not found", host="fal", status=404)

    class Fal:
        name = "fal"
    for resubmit in (True, False):
        runner = pipeline.make_runner(loaded, workspace=tmp_path / f"ws{resubmit}", resubmit_expired=resubmit)
        job = runner._expired_error(plans[:1], Fal(), None, gone)
        overall = pipeline._rerun_hint([job], resubmit_expired=resubmit)
        hints = " ".join((job.hint + " " + overall).split())
        if resubmit:
            assert "the next run submits it again" in job.hint and overall.startswith("run the same command again")
        else:  # neither says the next run pays again, nor that running the same command again helps
            assert "the next run submits it again" not in hints and "pass --no-resubmit-expired" not in hints
            assert "a run with --no-resubmit-expired stops at it again" in job.hint
            assert overall.startswith("running again as it is would fail the same way: run without "
                                      "--no-resubmit-expired")
        assert isinstance(job, ExpiredResultError)


def test_a_take_made_without_context_is_not_said_to_mismatch_a_context_it_never_had(samples, tmp_path, capsys):
    # --context 0 (and WaveSpeed, which is sent no context): nothing to compare is not a mismatch ("difference
    # inf", written into the take's metadata as a number JSON has not).
    import opentimelineio as otio
    assert run_cli("run", samples / "retake_sample.otio", "-o", tmp_path / "o.otio", "--marker-prefix", "sky",
                   "--context", "0", "--workspace", tmp_path / "ws") == 0
    assert "does not match its source" not in capsys.readouterr().err
    assert "Infinity" not in (tmp_path / "o.otio").read_text()
    timeline = otio.adapters.read_from_file(str(tmp_path / "o.otio"))
    [checks] = [dict(c.metadata["otio_retake"]["checks"]) for c in timeline.find_clips()
                if "checks" in c.metadata.get("otio_retake", {})]
    assert checks["context_match"] and checks["compared_frames"] == 0 and checks["context_difference"] == 0


def test_runware_takes_a_marker_at_the_end_of_a_23976_timeline_every_marked_frame_regenerated(emulator, tmp_path,
                                                                                               monkeypatch):
    from fractions import Fraction
    import opentimelineio as otio
    from media_sources import make_source
    from conftest import decode_patterns
    from otio_retake import pipeline
    monkeypatch.setenv("RUNWARE_API_KEY", EMULATOR_KEY)
    server = emulator("runware", latency=0.1)
    rate = Fraction(24000, 1001)
    make_source(tmp_path / "shot.mp4", clip_id=7, frames=110, rate=rate, audio=None)
    timeline = otio.schema.Timeline("ntsc", global_start_time=otio.opentime.RationalTime(0, float(rate)))
    track = otio.schema.Track("V1")
    clip = otio.schema.Clip("shot", media_reference=otio.schema.ExternalReference("shot.mp4"),
                            source_range=otio.opentime.TimeRange(otio.opentime.RationalTime(0, float(rate)),
                                                                 otio.opentime.RationalTime(110, float(rate))))
    clip.markers.append(otio.schema.Marker("end", otio.opentime.TimeRange(
        otio.opentime.RationalTime(50, float(rate)), otio.opentime.RationalTime(60, float(rate))),
        metadata={}, comment="the sky turns red"))
    track.append(clip)
    timeline.tracks.append(track)
    path = tmp_path / "ntsc.otio"
    otio.adapters.write_to_file(timeline, str(path))
    [plan] = pipeline.plan(pipeline.load(path), provider="runware", context_seconds=0.5)
    assert plan.range.record_out == 110 and plan.context_out == 110  # the marker ends where the timeline does
    assert run_cli("run", path, "-o", tmp_path / "o.otio", "--provider", "runware", "--base-url", server.url,
                   "--poll-interval", "0.05", "--context", "0.5", "--workspace", tmp_path / "ws", "--yes") == 0
    [take] = [c for c in otio.adapters.read_from_file(str(tmp_path / "o.otio")).find_clips()
              if c.metadata.get("otio_retake", {}).get("take")]
    meta = take.metadata["otio_retake"]
    changed = {k for a, b in meta["checks"]["changed_excerpt_frames"] for k in range(a, b)}
    marked = set(range(50 - plan.context_in, 110 - plan.context_in))
    assert marked <= changed and meta["checks"]["section_ok"]  # the last marked frame too
    head = meta["handles"][0]
    patterns = decode_patterns(meta["take_file"])
    assert patterns == [(50 - head + k, 7) for k in range(head + 60)]  # frame for frame in place


@pytest.mark.parametrize("host, finished, running", [
    ("fal", httpx.Response(400, json={"status": "ALREADY_COMPLETED"}),
     httpx.Response(202, json={"status": "CANCELLATION_REQUESTED"})),
    ("replicate", httpx.Response(200, json={"id": "p1", "status": "succeeded", "output": "https://r/x.mp4"}),
     httpx.Response(200, json={"id": "p1", "status": "canceled"})),
    ("oxen", httpx.Response(200, json={"generation_id": "g1", "status": "succeeded", "result_url": "https://o/x"}),
     httpx.Response(200, json={"generation_id": "g1", "status": "cancelled"})),
])
def test_a_cancel_the_host_answers_for_a_finished_job_is_not_a_cancel(host, finished, running, monkeypatch):
    # A job that finishes between cancel's look at it and the cancel: the host's answer says it was not stopped,
    # so the job keeps its paid result (pipeline.cancel_jobs asks again and keeps it).
    import asyncio
    from otio_retake.providers import HOSTS
    from otio_retake.providers.base import JobHandle
    monkeypatch.setenv("OXEN_REPO", "editor/excerpts")
    handle = JobHandle(host, "j1", {"cancel": "https://h/cancel", "status": "https://h/s", "response": "https://h/r",
                                    "generations": "g1"})

    def cancel(answer):
        provider = HOSTS[host](EMULATOR_KEY, transport=httpx.MockTransport(lambda request: answer))

        async def go():
            try:
                return await provider.cancel(handle)
            finally:
                await provider.aclose()
        return asyncio.run(go())
    assert cancel(finished) is False and cancel(running) is True


def test_the_hosts_list_says_a_key_is_unusable_before_a_run_refuses_it(monkeypatch, capsys):
    import json
    monkeypatch.setenv("FAL_KEY", EMULATOR_KEY + "\r\n")
    assert run_cli("providers", "--json") == 0
    out = capsys.readouterr().out
    rows = {r["name"]: r for r in json.loads(out)}
    assert rows["fal"]["key"] == "env FAL_KEY, unusable: it holds a carriage return and a newline"
    assert EMULATOR_KEY not in out
