"""One contract: plan --json and run --report keep their keys, and docs/ holds the models' schema."""

from __future__ import annotations

import json

from conftest import REPO, run_cli

from otio_retake.contract import PlanRow, Report, ReportTake, contract_schema

# The keys the Resolve script and users' scripts read today (contract v1): never fewer.
PLAN_KEYS = ["name", "prompt", "mode", "record_in", "record_out", "record_in_frame", "record_out_frame",
             "duration_frames", "duration_seconds", "rate", "rate_exact", "context_in", "context_out",
             "context_frames", "context_seconds", "section_start_seconds", "section_duration_seconds", "takes",
             "seeds", "provider", "cost_usd", "origin", "track_index"]
PLAN_KEYS_V1_1 = ["cost_basis", "seed_sent", "relinked"]  # added after v1: what the host bills, whether the seeds
# are sent, which clips were relinked (found by name, not where the timeline said)
PLAN_KEYS_V1_2 = ["picture"]  # the clips the marked frames show (the picture rule)
# added with "every marker stands alone": each marker's status (and why), its missing media, its context each side
PLAN_KEYS_V1_3 = ["status", "reason", "missing_media", "context_before_frames", "context_after_frames",
                  "context_note"]
REPORT_KEYS = ["outputs", "workspace", "takes", "warnings", "submitted", "reused", "estimated_usd", "reported_usd",
               "skipped"]
TAKE_KEYS = ["range", "take", "mode", "prompt", "record_frame", "duration", "record_in", "record_out", "path", "head",
             "tail", "has_video", "track", "job_id", "host", "track_index", "context_match", "section_ok"]
TAKE_KEYS_V1_1 = ["marker_id"]  # added after v1: the marker the range follows (the Resolve script keeps it)


def test_docs_schema_is_the_models_schema():
    written = json.loads((REPO / "docs" / "contract.schema.json").read_text())
    assert written == json.loads(json.dumps(contract_schema())), \
        "docs/contract.schema.json is stale: run `otio-retake schemas`"


def test_models_keep_every_v1_key():
    assert list(PlanRow.model_fields) == PLAN_KEYS + PLAN_KEYS_V1_1 + PLAN_KEYS_V1_2 + PLAN_KEYS_V1_3
    assert list(Report.model_fields) == REPORT_KEYS
    assert list(ReportTake.model_fields) == TAKE_KEYS + TAKE_KEYS_V1_1


def test_plan_json_and_run_report_are_the_contract(samples, tmp_path, capsys):
    assert run_cli("plan", samples / "retake_sample.otio", "--json") == 0
    rows = json.loads(capsys.readouterr().out)
    assert [list(r) for r in rows] == [PLAN_KEYS + PLAN_KEYS_V1_1 + PLAN_KEYS_V1_2 + PLAN_KEYS_V1_3] * 3
    assert [PlanRow(**r).model_dump() for r in rows] == rows
    report = tmp_path / "report.json"
    assert run_cli("run", samples / "retake_sample.otio", "-o", tmp_path / "out.otio", "--workspace",
                   tmp_path / "ws", "--report", report, "--context", "0") == 0  # keys, not media: no context
    body = json.loads(report.read_text())
    assert list(body) == REPORT_KEYS and [list(t) for t in body["takes"]] == [TAKE_KEYS + TAKE_KEYS_V1_1] * 3
    assert Report(**body).model_dump() == body
    assert body["takes"][0]["record_frame"] == 86400 + 48 and body["takes"][0]["track"] == "Retake A"
