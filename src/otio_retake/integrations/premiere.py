"""Setting up Premiere Pro: write the Retake panel (a .ccx and the unpacked folder), explain what is wrong.

The panel's files live in ``plugins/premiere_bridge/`` of the source tree. ``install`` copies them with
the bridge's port baked in twice: the manifest's network permission (UXP refuses any other address) and
the panel's default bridge address. The .ccx is a ZIP of the same files, for Creative Cloud's installer;
the folder is for the UXP Developer Tool (Add Plugin > manifest.json > Load & Watch).
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import httpx
import platformdirs

from ..errors import InputError
from ..paths import atomic_path
from .resolve import DoctorReport

__all__ = ["plugin_source", "install", "doctor", "PANEL_FILES", "default_dest"]

PANEL_FILES = ("manifest.json", "index.html", "panel.js", "retake.js", "probe.js")
FOLDER = "otio-retake-premiere"
_BRIDGE_LINE = re.compile(r'const BRIDGE = "http://127\.0\.0\.1:\d+";')
LOAD_STEPS = ("in Premiere: Settings > Plugins > Enable developer mode, restart; in the UXP Developer Tool: "
              "Add Plugin > {manifest} > Load; then Window > UXP Plugins > Retake")


def plugin_source() -> Path:
    folder = Path(__file__).resolve().parents[3] / "plugins" / "premiere_bridge"
    if not (folder / "retake.js").exists():
        raise InputError("the Premiere panel is not beside this installation",
                         hint="install otio-retake from its source checkout (pip install -e .)")
    return folder


def default_dest() -> Path:
    return Path(platformdirs.user_data_dir("otio-retake", appauthor=False)) / "premiere"


def install(dest: Path | None = None, *, port: int) -> dict:
    """The panel as ``<dest>/otio-retake-premiere/`` and ``<dest>/otio-retake-premiere.ccx``."""
    dest = Path(dest) if dest else default_dest()
    folder = dest / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    source = plugin_source()
    texts = {name: (source / name).read_text(encoding="utf-8") for name in PANEL_FILES}
    manifest = json.loads(texts["manifest.json"])
    manifest["requiredPermissions"]["network"]["domains"] = [f"http://127.0.0.1:{port}"]
    texts["manifest.json"] = json.dumps(manifest, indent=2) + "\n"
    if not _BRIDGE_LINE.search(texts["panel.js"]):
        raise InputError("panel.js has no bridge address line to set", hint="reinstall otio-retake")
    texts["panel.js"] = _BRIDGE_LINE.sub(f'const BRIDGE = "http://127.0.0.1:{port}";', texts["panel.js"])
    written = []
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
        written.append(folder / name)
    ccx = dest / f"{FOLDER}.ccx"
    with atomic_path(ccx) as partial, zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in texts.items():
            archive.writestr(name, text)
    return {"folder": str(folder), "ccx": str(ccx), "files": [str(p) for p in written] + [str(ccx)], "port": port}


def doctor(dest: Path | None = None, *, port: int, config: Path | None = None, env: dict | None = None) -> DoctorReport:
    """Is the bridge running (and on which port), is a panel paired, is the panel installed for this port."""
    from ..bridge.security import TOKEN_ENV, TOKEN_FILE, config_dir
    import os
    report = DoctorReport()
    env = os.environ if env is None else env
    url = f"http://127.0.0.1:{port}"
    try:
        health = httpx.get(url + "/v1/health", timeout=3).json()
        ok = health.get("name") == "otio-retake bridge"
        report.add(ok, f"the bridge answers at {url} (version {health.get('version')})" if ok else
                   f"something else answers at {url}", None if ok else "start the bridge on another port "
                   "(`otio-retake bridge --port N`) and install the panel for it (`otio-retake install premiere --port N`)")
    except (httpx.HTTPError, ValueError):
        report.add(False, f"the bridge is not running at {url}",
                   f"run `otio-retake bridge --port {port}` in a terminal and leave it open while you use the panel")
    token_file = (Path(config) if config else config_dir()) / TOKEN_FILE
    if env.get(TOKEN_ENV):
        report.add(True, f"the token comes from {TOKEN_ENV} (give the panel that token, or pair it)")
    elif token_file.exists():
        paired = bool(json.loads(token_file.read_text(encoding="utf-8")).get("paired"))
        report.add(paired, f"token in {token_file} " + ("(a panel has paired)" if paired else "(no panel has paired yet)"),
                   None if paired else "open the Retake panel and type the pairing code `otio-retake bridge` prints")
    else:
        report.add(False, "no bridge token yet", "start `otio-retake bridge` once: it makes one and prints a pairing code")
    dest = Path(dest) if dest else default_dest()
    manifest = dest / FOLDER / "manifest.json"
    if manifest.exists():
        domains = json.loads(manifest.read_text(encoding="utf-8"))["requiredPermissions"]["network"]["domains"]
        ok = domains == [url]
        report.add(ok, f"panel in {manifest.parent} allowed to reach {', '.join(domains)}",
                   None if ok else f"run `otio-retake install premiere --port {port}` again")
        report.add(True, "to load it: " + LOAD_STEPS.format(manifest=manifest) +
                   f" (or double-click {dest / (FOLDER + '.ccx')} to install it through Creative Cloud)")
    else:
        report.add(False, f"the panel is not installed in {dest}", f"run `otio-retake install premiere --port {port}`")
    return report
