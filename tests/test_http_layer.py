"""The shared HTTP layer's rules, and each host's documented example answers, without a server."""

from __future__ import annotations

import asyncio
import email.utils
import random
import time

import httpx
import pytest

from otio_retake.errors import (AuthenticationError, ContentRejectedError, HostUnavailableError,
                                InsufficientCreditsError, InvalidRequestError, RateLimitedError,
                                SubmitOutcomeUnknownError, UnexpectedResponseError)
from otio_retake.providers.base import Failed, JobHandle, Queued, Running, Succeeded
from otio_retake.providers.fal import parse_fal_status
from otio_retake.providers.gmi import parse_gmi_status
from otio_retake.providers.http import (HostHttp, RetryPolicy, backoff_delay, retry_after_seconds,
                                        retry_read_on_status, retry_submit_on_status)
from otio_retake.providers.ltx import parse_ltx_status
from otio_retake.providers.oxen import parse_oxen_status
from otio_retake.providers.replicate import parse_replicate_status
from otio_retake.providers.runware import parse_runware_results
from otio_retake.providers.wavespeed import parse_wavespeed_status


def test_backoff_grows_with_full_jitter_and_is_capped():
    policy = RetryPolicy(base_delay=0.5, max_delay=4)
    rng = random.Random(1)
    for attempt, ceiling in [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (8, 4.0)]:
        delays = [backoff_delay(attempt, policy, rng) for _ in range(200)]
        assert 0 <= min(delays) and max(delays) <= ceiling and max(delays) > ceiling * 0.8


def test_retry_after_reads_seconds_and_http_dates():
    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds("0.5") == 0.5
    now = time.time()
    date = email.utils.formatdate(now + 10, usegmt=True)
    assert 8 <= retry_after_seconds(date, now=now) <= 11
    assert retry_after_seconds(None) is None and retry_after_seconds("soon") is None


def test_a_paid_submit_is_only_retried_when_the_host_did_not_take_it():
    assert all(retry_submit_on_status(s) for s in (429, 503, 529))
    assert not any(retry_submit_on_status(s) for s in (500, 502, 504, 400, 422))
    assert all(retry_read_on_status(s) for s in (429, 500, 502, 503, 504, 529))


def _http(handler, **kw):
    async def no_sleep(_):
        return None
    return HostHttp("test", headers={"Authorization": "Bearer k3y-value"}, secrets=("k3y-value",),
                    transport=httpx.MockTransport(handler), sleep=no_sleep, **kw)


def test_lost_answer_to_a_submit_is_unknown_not_retried():
    calls = []

    def handler(request):
        calls.append(request)
        raise httpx.ReadError("connection reset", request=request)

    http = _http(handler)
    with pytest.raises(SubmitOutcomeUnknownError, match="may have started"):
        asyncio.run(http.request("POST", "https://h/jobs", json={}, paid=True))
    assert len(calls) == 1
    with pytest.raises(HostUnavailableError):
        asyncio.run(_http(handler).request("GET", "https://h/jobs/1"))


def test_connection_refused_submit_is_retried_because_nothing_was_sent():
    calls = []

    def handler(request):
        calls.append(request)
        if len(calls) < 3:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(202, json={"id": "j1"})

    response = asyncio.run(_http(handler).request("POST", "https://h/jobs", json={}, paid=True))
    assert response.json() == {"id": "j1"} and len(calls) == 3


def test_500_502_504_on_submit_are_unknown_outcomes_but_429_is_retried_with_its_retry_after():
    slept = []

    async def sleep(seconds):
        slept.append(seconds)

    answers = iter([httpx.Response(429, headers={"Retry-After": "2"}, json={}), httpx.Response(202, json={"id": 1})])
    http = HostHttp("t", headers={}, transport=httpx.MockTransport(lambda r: next(answers)), sleep=sleep)
    assert asyncio.run(http.request("POST", "https://h/x", paid=True)).status_code == 202
    assert slept == [2.0]
    for status in (500, 502, 504):  # the job may have been queued before the error: never "failed", never resent
        calls = []

        def handler(request, status=status):
            calls.append(request)
            return httpx.Response(status, json={"error": {"message": "boom"}})

        with pytest.raises(SubmitOutcomeUnknownError, match="boom") as info:
            asyncio.run(_http(handler).request("POST", "https://h/x", paid=True))
        assert len(calls) == 1 and info.value.status == status
    with pytest.raises(HostUnavailableError, match="boom"):  # a read is simply a host in trouble
        asyncio.run(_http(lambda r: httpx.Response(500, json={"error": {"message": "boom"}}),
                          policy=RetryPolicy(attempts=1)).request("GET", "https://h/x"))


@pytest.mark.parametrize("status, body, error", [
    (401, {"type": "error", "error": {"type": "authentication_error", "message": "bad key k3y-value"}},
     AuthenticationError),
    (402, {"type": "error", "error": {"type": "insufficient_funds_error", "message": "no funds"}},
     InsufficientCreditsError),
    (422, {"type": "error", "error": {"type": "content_filtered_error", "message": "filtered"}}, ContentRejectedError),
    (400, {"type": "error", "error": {"type": "invalid_request_error", "message": "duration >= 2"}},
     InvalidRequestError),
    (422, {"detail": [{"loc": ["body", "prompt"], "msg": "field required", "type": "missing"}]}, InvalidRequestError),
    (429, {"errors": [{"code": "rateLimit", "message": "slow down"}]}, RateLimitedError),
])
def test_error_bodies_of_every_shape_map_to_one_hierarchy(status, body, error):
    http = _http(lambda r: httpx.Response(status, json=body, headers={"x-request-id": "req_1"}),
                 policy=RetryPolicy(attempts=1))
    with pytest.raises(error) as info:
        asyncio.run(http.request("GET", "https://h/x"))
    assert "k3y-value" not in str(info.value)
    if status == 422 and "detail" in body:
        assert "body.prompt: field required" in str(info.value)


def test_a_detail_error_without_a_location_is_its_message_alone():
    # fal answers a model that ran and failed with {"detail": [{"msg": ..., "type": "model_error"}]}: no "loc"
    body = {"detail": [{"msg": "the model could not follow the prompt", "type": "model_error"}]}
    http = _http(lambda r: httpx.Response(422, json=body), policy=RetryPolicy(attempts=1))
    with pytest.raises(InvalidRequestError) as info:
        asyncio.run(http.request("GET", "https://h/x"))
    assert info.value.message == "test (HTTP 422): the model could not follow the prompt"
    # A body that holds only a status word (fal's cancel answers) is that word, not a Python dict
    http = _http(lambda r: httpx.Response(404, json={"status": "NOT_FOUND"}), policy=RetryPolicy(attempts=1))
    with pytest.raises(InvalidRequestError) as info:
        asyncio.run(http.request("PUT", "https://h/x"))
    assert info.value.message == "test (HTTP 404): NOT_FOUND"


def test_documented_example_answers_parse():
    """Answers shaped as in each host's documentation (providers.md)."""
    assert parse_ltx_status({"status": "completed", "id": "abc", "created_at": "2026-01-01T00:00:00Z",
                             "result": {"video_url": "https://cdn/x.mp4"}}) == Succeeded(("https://cdn/x.mp4",))
    assert parse_ltx_status({"status": "failed", "error": {"type": "generation_error", "message": "oops"}}) \
        == Failed("generation_error: oops")
    assert parse_fal_status({"status": "IN_QUEUE", "queue_position": 3}) == Queued(position=3)
    assert parse_fal_status({"status": "IN_PROGRESS"}) == Running()
    assert parse_wavespeed_status({"code": 200, "message": "success", "data": {
        "id": "p1", "model": "lightricks/ltx-2-retake", "outputs": ["https://o/1.mp4"],
        "urls": {"get": "https://api/p1"}, "status": "completed", "error": "", "timings": {"inference": 9}}}) \
        == Succeeded(("https://o/1.mp4",))
    task = "a770f077-f413-47de-9dac-be0b26a35da6"
    runware = {"data": [{"taskType": "videoInference", "taskUUID": task, "status": "success",
                         "videoUUID": "b7db282d", "videoURL": "https://im.runware.ai/video/b7db282d.mp4",
                         "seed": 1212, "cost": 0.605}]}
    assert parse_runware_results(runware, task) == Succeeded(("https://im.runware.ai/video/b7db282d.mp4",), 0.605)
    # The docs' example response as written (runware.ai/docs/models/lightricks-ltx-2-retake/examples): no status.
    example = {"data": [{"taskType": "videoInference", "taskUUID": "2eb310fd-c023-46a5-a0fa-5e977ff54bce",
                         "videoUUID": "eb3d2591-8f26-4c24-9b6b-cb72d1f8d84c",
                         "videoURL": "https://vm.runware.ai/video/os/a04d20/ws/5/vi/eb3d2591-8f26-4c24-9b6b-cb72d1f8d84c.mp4",
                         "cost": 0.605}]}
    assert parse_runware_results(example, "2eb310fd-c023-46a5-a0fa-5e977ff54bce") == Succeeded(
        (example["data"][0]["videoURL"],), 0.605)
    assert parse_runware_results({"data": [{"taskType": "videoInference", "taskUUID": task,
                                            "status": "processing"}]}, task) == Running()
    assert parse_gmi_status({"request_id": "r", "status": "success",
                             "outcome": {"media_urls": [{"url": "https://g/1.mp4"}]}}) == Succeeded(("https://g/1.mp4",))
    assert parse_oxen_status({"generation_id": "g", "status": "succeeded", "result_url": "https://x/1.mp4"}) \
        == Succeeded(("https://x/1.mp4",))
    assert parse_replicate_status({"id": "p", "status": "succeeded", "output": "https://r/1.mp4"}) \
        == Succeeded(("https://r/1.mp4",))


@pytest.mark.parametrize("parse, body", [
    (parse_ltx_status, {"status": "done"}), (parse_fal_status, {"status": "FINISHED"}),
    (parse_gmi_status, {"status": "ok"}), (parse_oxen_status, {"status": "complete"}),
    (parse_replicate_status, {"status": "cancelled"}),
])
def test_unknown_status_words_raise_instead_of_guessing(parse, body):
    with pytest.raises(UnexpectedResponseError, match="unknown"):
        parse(body)


def test_job_handles_survive_the_journal():
    handle = JobHandle("fal", "req-1", {"status": "https://q/s", "response": "https://q/r"})
    assert JobHandle.from_json(handle.to_json()) == handle


def test_a_result_that_is_not_media_is_a_download_error_and_never_takes_its_name(tmp_path):
    """The media stage checks a download before it is renamed into place (the HTTP client only moves bytes)."""
    from otio_retake.errors import DownloadError
    from otio_retake.media.probe import check_download
    from otio_retake.media.testpattern import make_pattern_clip
    from otio_retake.providers.ltx import LtxProvider
    good = make_pattern_clip(tmp_path / "good.mp4", clip_id=1, frames=3, width=64, height=36, tone_hz=None).read_bytes()
    bodies = {"/junk.mp4": b"<html>an error page</html>", "/good.mp4": good}

    async def go():
        transport = httpx.MockTransport(lambda request: httpx.Response(200, content=bodies[request.url.path]))
        provider = LtxProvider("k" * 8, transport=transport, policy=RetryPolicy(attempts=2), sleep=lambda s: asyncio.sleep(0))
        try:
            with pytest.raises(DownloadError, match="not a readable media file"):
                await provider.download(Succeeded(("https://cdn/junk.mp4",)), tmp_path / "junk.mp4", verify=check_download)
            await provider.download(Succeeded(("https://cdn/good.mp4",)), tmp_path / "ok.mp4", verify=check_download)
        finally:
            await provider.aclose()

    asyncio.run(go())
    assert not (tmp_path / "junk.mp4").exists() and (tmp_path / "ok.mp4").read_bytes() == good


def _open_connections_to(port: int) -> int:
    """This machine's established TCP connections to ``port`` on loopback, client ends (Linux /proc/net/tcp)."""
    with open("/proc/net/tcp") as table:
        rows = [line.split() for line in table.readlines()[1:]]
    return sum(1 for r in rows if r[3] == "01" and int(r[2].split(":")[1], 16) == port)


def test_a_host_client_keeps_a_few_connections_open_after_a_burst_not_one_per_request(emulator):
    from otio_retake.providers.http import KEEP_ALIVE
    server = emulator("fal")
    port = int(server.url.rsplit(":", 1)[1])

    async def burst() -> tuple[int, int]:
        http = HostHttp("fal", headers={"Authorization": "Key k"})
        try:
            # Twenty requests at once need twenty connections; httpcore checks every pooled connection (some
            # checks once per pair) on each later request, so only a few stay open for them.
            await asyncio.gather(*(http.request("GET", server.url + "/_emulator/stats") for _ in range(20)))
            during = _open_connections_to(port)
            await http.request("GET", server.url + "/_emulator/stats")
            return during, _open_connections_to(port)
        finally:
            await http.aclose()

    during, after = asyncio.run(burst())
    assert after <= KEEP_ALIVE < 20, (during, after)
