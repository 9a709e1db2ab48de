"""`otio-retake install premiere` and `doctor premiere`."""

from __future__ import annotations

import json
import zipfile

from conftest import run_cli

from otio_retake.bridge import BridgeServer
from otio_retake.bridge.security import PairingGate, load_token
from otio_retake.emulate.server import free_port
from otio_retake.integrations.premiere import doctor, install


def test_install_writes_the_ccx_and_folder_with_the_port_baked_in(tmp_path):
    assert run_cli("install", "premiere", "--dest", tmp_path, "--port", "9123") == 0
    folder = tmp_path / "otio-retake-premiere"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["manifestVersion"] == 5 and manifest["host"]["app"] == "premierepro"
    assert manifest["requiredPermissions"]["network"]["domains"] == ["http://127.0.0.1:9123"]
    assert 'const BRIDGE = "http://127.0.0.1:9123";' in (folder / "panel.js").read_text()
    with zipfile.ZipFile(tmp_path / "otio-retake-premiere.ccx") as ccx:
        assert sorted(ccx.namelist()) == sorted(p.name for p in folder.iterdir())
        assert json.loads(ccx.read("manifest.json")) == manifest
        assert "test/" not in " ".join(ccx.namelist())  # the fake stays out of the package


def test_doctor_says_what_runs_what_is_paired_and_how_to_load(tmp_path):
    port = free_port()
    install(tmp_path / "dest", port=port)
    report = doctor(tmp_path / "dest", port=port, config=tmp_path / "cfg", env={})
    by_ok = {f.what: f.ok for f in report.findings}
    assert any(w.startswith(f"the bridge is not running at http://127.0.0.1:{port}") and not ok
               for w, ok in by_ok.items())
    assert not by_ok["no bridge token yet"]
    tokens = load_token(tmp_path / "cfg", env={})
    with BridgeServer(port, root=tmp_path / "root", tokens=tokens, pairing=PairingGate("999111")):
        report = doctor(tmp_path / "dest", port=port, config=tmp_path / "cfg", env={})
        findings = [(f.ok, f.what) for f in report.findings]
        assert findings[0][0] and f"answers at http://127.0.0.1:{port}" in findings[0][1]
        assert findings[1] == (False, f"token in {tmp_path / 'cfg' / 'bridge.json'} (no panel has paired yet)")
        tokens.mark_paired()
        report = doctor(tmp_path / "dest", port=port, config=tmp_path / "cfg", env={})
        assert all(f.ok for f in report.findings), report.findings
        assert "UXP Developer Tool" in report.findings[-1].what
    report = doctor(tmp_path / "dest", port=port + 1 if port < 65535 else port - 1, config=tmp_path / "cfg", env={})
    assert any("install premiere --port" in (f.fix or "") for f in report.findings if not f.ok)
