"""The bridge's HTTP API (FastAPI), for editing-application panels on this machine.

    GET  /v1/health                 no token: name and version only
    POST /v1/pair                   no token: the pairing code -> the token (once per panel)
    POST /v1/plan                   a sequence -> ranges with cost, skipped markers, key status
    POST /v1/runs                   start a run; its id at once (202)
    GET  /v1/runs                   every run: the panels' and the command line's under the root (?sequence=, ?status=)
    GET  /v1/runs/{id}              status
    GET  /v1/runs/{id}/events       progress as Server-Sent Events (``Last-Event-ID`` resumes)
    POST /v1/runs/{id}/cancel       stop it and cancel its jobs at the host
    POST /v1/runs/{id}/resume       continue an interrupted, failed or cancelled run (paid jobs are reused)
    GET  /v1/runs/{id}/report       each range's takes: files, record ticks, in/out inside the file
    POST /v1/runs/{id}/conform      picks -> the final cut, and where each picked take goes

Errors are ``ErrorBody`` JSON: 400 for a request that cannot be done, 401/403
(security.py), 404 unknown run, 409 a run in the wrong state, 413, 422 a body
that does not match the contract (the fields are named).
"""

from __future__ import annotations

import asyncio
import json
from importlib.metadata import version
from pathlib import Path
from typing import Literal

from fastapi import FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sse_starlette import EventSourceResponse, ServerSentEvent

from ..pipeline import CONFIRM_ABOVE_USD  # as the command line: above it the editor confirms first
from .. import pipeline
from ..contract import (BridgeReport, ConformRequest, ConformResponse, ErrorBody, Health, KeyStatus, Paired,
                        PairRequest, PlanRequest, PlanResponse, ProgressMessage, RunCreated, RunRequest, RunStatus,
                        plan_rows, skipped_rows)
from ..errors import RetakeError
from ..model import Mode
from ..providers import key_source
from ..timeline.marks import MarkerFilter
from .journal_runs import JournalRun
from .runs import RunConflictError, RunManager, UnknownRunError
from .words import words_for
from .security import GuardMiddleware, PairingGate, TokenStore
from .sequence import SequenceError, sequence_warnings, write_sequence

__all__ = ["create_app", "openapi_document", "CONFIRM_ABOVE_USD", "SSE_KEEPALIVE"]

SSE_LINE_END = "\n"  # what the panel splits events on; a ServerSentEvent keeps its own (sse-starlette's is "\r\n")
SSE_KEEPALIVE = 15.0  # seconds between comment lines, so proxies and panels do not drop an idle stream
_ERRORS = {404: {"model": ErrorBody}, 401: {"model": ErrorBody}, 403: {"model": ErrorBody},
           409: {"model": ErrorBody}, 422: {"model": ErrorBody}, 400: {"model": ErrorBody}}


def _error(status: int, message: str, hint: str | None = None, fields: list[str] = ()) -> JSONResponse:
    return JSONResponse(ErrorBody(error=message, hint=hint, fields=list(fields)).model_dump(), status_code=status)


def _field(loc) -> str:
    parts = [str(p) for p in loc if p != "body"]
    text = ""
    for p in parts:
        text += f"[{p}]" if p.isdigit() else (f".{p}" if text else p)
    return text or "body"


def create_app(*, tokens: TokenStore, pairing: PairingGate, root: Path, port_of=lambda: 0,
               base_urls: list[str] = (), poll_interval: float | None = None) -> FastAPI:
    app = FastAPI(title="otio-retake bridge", version=version("otio-retake"), docs_url=None, redoc_url=None,
                  description="The local HTTP API that editing-application panels (Premiere Pro) use to run "
                              "otio-retake. 127.0.0.1 only; every path but /v1/health and /v1/pair needs "
                              "`Authorization: Bearer TOKEN`.")
    manager = RunManager(root, base_urls=base_urls, poll_interval=poll_interval)
    app.state.manager = manager
    app.add_middleware(GuardMiddleware, token=tokens.token, port_of=port_of)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        fields = [_field(e["loc"]) for e in exc.errors()]
        # Only the messages and where: pydantic's "input" could echo a whole body back.
        lines = [f"{_field(e['loc'])}: {e['msg']}" for e in exc.errors()]
        return _error(422, "the request does not match the bridge's contract: " + "; ".join(lines[:5]),
                      hint="see docs/bridge-openapi.json", fields=fields)

    @app.exception_handler(RetakeError)
    async def refused(request: Request, exc: RetakeError):
        if isinstance(exc, UnknownRunError):
            return _error(404, exc.message, exc.hint)
        if isinstance(exc, RunConflictError):
            return _error(409, exc.message, exc.hint)
        if isinstance(exc, SequenceError):
            return _error(422, exc.message, exc.hint, [exc.field])
        return _error(400, exc.message, exc.hint)

    @app.get("/v1/health", response_model=Health)
    def health() -> Health:
        return Health(version=version("otio-retake"))

    @app.post("/v1/pair", response_model=Paired, responses=_ERRORS)
    def pair(body: PairRequest):
        ok = pairing.check(body.code)
        if ok is None:
            return _error(403, "pairing is closed after too many wrong codes",
                          hint="restart `otio-retake bridge` for a new code")
        if not ok:
            return _error(401, "that is not the pairing code", hint="type the code `otio-retake bridge` printed")
        tokens.mark_paired()
        return Paired(token=tokens.token)

    @app.post("/v1/plan", response_model=PlanResponse, responses=_ERRORS)
    def plan(body: PlanRequest) -> PlanResponse:
        path = write_sequence(root, body.sequence)
        loaded = pipeline.load(path, marker_filter=MarkerFilter(colors=(body.markerColor,) if body.markerColor
                                                                 else ()),
                               mode=Mode(body.mode) if body.mode else None, takes=body.takes)
        plans = pipeline.plan(loaded, provider=body.provider)
        # as `plan --json`: the picture clips too; offline media: listed, priced, and said
        rows = plan_rows(plans, pictures=pipeline.pictures(loaded, plans), offline=loaded.offline)
        source = key_source(body.provider)
        return PlanResponse(sequence=body.sequence.name, ranges=rows, total_usd=round(sum(r.cost_usd for r in rows), 4),
                            confirm_above_usd=CONFIRM_ABOVE_USD,
                            key=KeyStatus(provider=body.provider, configured=source is not None, source=source),
                            skipped=skipped_rows(loaded.skipped),
                            warnings=sequence_warnings(body.sequence) + ([] if source else [
                                f"no key for {body.provider} where the bridge runs: a run would be refused"]))

    @app.post("/v1/runs", response_model=RunCreated, status_code=202, responses=_ERRORS)
    def start(body: RunRequest) -> RunCreated:
        run = manager.start(body)
        return RunCreated(id=run.id, status=f"/v1/runs/{run.id}", events=f"/v1/runs/{run.id}/events",
                          workspace=run.workspace)

    @app.get("/v1/runs", response_model=list[RunStatus])
    def runs(sequence: str | None = Query(None, description="only this panel sequence's runs (by its name)"),
             status: Literal["running", "done", "failed", "cancelled", "interrupted"] | None = Query(None)
             ) -> list[RunStatus]:
        return manager.listing(sequence, status)

    @app.get("/v1/runs/{run_id}", response_model=RunStatus, responses=_ERRORS)
    def status(run_id: str) -> RunStatus:
        return manager.get(run_id).status_body()

    @app.post("/v1/runs/{run_id}/cancel", response_model=RunStatus, responses=_ERRORS)
    def cancel(run_id: str) -> RunStatus:
        run = manager.get(run_id)
        if run.status == "running":
            run.cancel()
        return run.status_body()

    @app.post("/v1/runs/{run_id}/resume", response_model=RunCreated, status_code=202, responses=_ERRORS)
    def resume(run_id: str) -> RunCreated:
        run = manager.resume(run_id)
        return RunCreated(id=run.id, status=f"/v1/runs/{run.id}", events=f"/v1/runs/{run.id}/events",
                          workspace=run.workspace)

    @app.get("/v1/runs/{run_id}/report", response_model=BridgeReport, responses=_ERRORS)
    def report(run_id: str) -> BridgeReport:
        run = manager.get(run_id)
        return manager.bridge_report(run)

    @app.post("/v1/runs/{run_id}/conform", response_model=ConformResponse, responses=_ERRORS)
    def conform(run_id: str, body: ConformRequest) -> ConformResponse:
        run = manager.get(run_id)
        return manager.conform(run, body.picks)

    @app.get("/v1/runs/{run_id}/events", responses={200: {"content": {"text/event-stream": {}}}, **_ERRORS})
    async def events(run_id: str, last_event_id: str | None = Header(None)):
        run = manager.get(run_id)
        after = int(last_event_id) if last_event_id and last_event_id.isdigit() else 0

        async def from_journal():  # a command-line run: its journal's events as they are committed
            async for message in run.messages(after, poll=min(manager.poll_interval or 0.25, 0.25)):
                if message is not None:
                    yield _event(message)

        async def stream():
            backlog, queue, unsubscribe = run.subscribe(after)
            try:
                pending = list(backlog)
                if not pending and run.status != "running":  # over (or from before a restart): say how it ended
                    end = ProgressMessage(seq=len(run.events) + 1, kind="end", detail={"status": run.status,
                                          "error": run.error}, words=words_for("end", {}, run.provider))
                    pending = [end]
                while True:
                    while pending:
                        message = pending.pop(0)
                        yield _event(message)
                        if message.kind == "end":
                            return
                    try:
                        pending.append(await asyncio.wait_for(queue.get(), SSE_KEEPALIVE))
                    except asyncio.TimeoutError:
                        if run.status != "running" and queue.empty():
                            return
            finally:
                unsubscribe()

        # sse-starlette frames the events, sends the keep-alive comments and stops the stream (and so the journal
        # poll behind it) as soon as the panel goes, not at the next write. "\n" ends lines, as the panel splits.
        return EventSourceResponse(from_journal() if isinstance(run, JournalRun) else stream(), ping=SSE_KEEPALIVE,
                                   sep=SSE_LINE_END, headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    return app


def _event(message: ProgressMessage) -> ServerSentEvent:
    return ServerSentEvent(json.dumps(message.model_dump()), id=str(message.seq), event=message.kind, sep=SSE_LINE_END)


def openapi_document() -> dict:
    """The schema as served at /openapi.json (it does not depend on the token, port or folder)."""
    import tempfile
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(tokens=TokenStore("-", "schema", None), pairing=PairingGate("000000"), root=Path(folder))
        return app.openapi()
