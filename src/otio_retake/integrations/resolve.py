"""Setting up DaVinci Resolve: install the menu scripts, explain what is wrong, run from outside.

The scripts Resolve runs live in ``plugins/resolve/`` of the source tree;
``install`` copies them into Resolve's per-user ``Fusion/Scripts/Utility``
folder (shown on every page's Workspace > Scripts menu) together with a
settings file that records which interpreter runs ``otio-retake`` and where
the workspace is, so the scripts work whatever Python Resolve itself uses.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..contract import ResolveConformSummary, ResolveRetakeSummary
from ..errors import InputError

__all__ = ["scripts_folder", "plugin_source", "load_plugin", "install", "doctor", "external_resolve", "run_outside",
           "MENU_SCRIPTS"]

MENU_SCRIPTS = {"Retake Marked Ranges.py": "retake", "Conform Retakes.py": "conform"}
SUPPORT_FILES = ("otio_retake_resolve.py", "probe_resolve.py")
SUBFOLDER = "otio-retake"
_MENU = '''"""{title} (otio-retake). Installed by `otio-retake install resolve`."""
import sys
sys.path.insert(0, {folder!r})
import otio_retake_resolve
otio_retake_resolve.main({action!r}, dict(globals()))
'''


def scripts_folder(system: str | None = None, home: Path | None = None, env: dict | None = None) -> Path:
    """Resolve's per-user Scripts/Utility folder on this OS (nle.md)."""
    system = system or platform.system()
    home = home or Path.home()
    env = os.environ if env is None else env
    if system == "Darwin":
        base = home / "Library/Application Support/Blackmagic Design/DaVinci Resolve/Fusion/Scripts"
    elif system == "Windows":
        base = Path(env.get("APPDATA", home / "AppData/Roaming")) / "Blackmagic Design/DaVinci Resolve/Support/Fusion/Scripts"
    else:
        base = home / ".local/share/DaVinciResolve/Fusion/Scripts"
    return base / "Utility"


def plugin_source() -> Path:
    """``plugins/resolve`` of the checkout this package runs from."""
    folder = Path(__file__).resolve().parents[3] / "plugins" / "resolve"
    if not (folder / "otio_retake_resolve.py").exists():
        raise InputError("the Resolve scripts are not beside this installation",
                         hint="install otio-retake from its source checkout (pip install -e .)")
    return folder


def load_plugin():
    """The Resolve script as the module ``otio_retake_resolve``, imported from ``plugins/resolve`` the way
    Resolve's menu scripts import it (a copy imported from elsewhere, e.g. an installed one, gives way)."""
    folder = plugin_source()
    loaded = sys.modules.get("otio_retake_resolve")
    if loaded is not None and Path(getattr(loaded, "__file__", "") or "").resolve().parent != folder:
        del sys.modules["otio_retake_resolve"]
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    return importlib.import_module("otio_retake_resolve")


def run_outside(*, conform: bool = False, provider: str = "preview", marker_color: str | None = None,
                mode: str | None = None, takes: int | None = None, workspace: Path | None = None,
                connect=None) -> ResolveRetakeSummary | ResolveConformSummary:
    """Retake (or conform) Resolve's current timeline from outside Resolve (Studio's external scripting),
    through the same script its menu runs, with this interpreter's ``otio-retake``."""
    plugin = load_plugin()
    resolve = (connect or external_resolve)()
    command = [sys.executable, "-m", "otio_retake.cli"]
    try:
        if conform:
            return ResolveConformSummary.model_validate(plugin.conform_retakes(resolve, command=command, settings={}))
        return ResolveRetakeSummary.model_validate(plugin.retake_marked_ranges(
            resolve, provider=provider, marker_color=marker_color, mode=mode, takes=takes, command=command,
            workspace=str(workspace) if workspace else None, settings={}))
    except plugin.ResolveScriptError as exc:
        raise InputError(exc.message, hint=exc.hint) from None


def install(dest: Path | None = None, *, workspace: Path | None = None, provider: str = "preview") -> dict:
    """Copy the scripts and write the settings; returns what was written."""
    dest = Path(dest) if dest else scripts_folder()
    folder = dest / SUBFOLDER
    folder.mkdir(parents=True, exist_ok=True)
    source = plugin_source()
    written = []
    for name in SUPPORT_FILES:
        target = folder / name
        target.write_text((source / name).read_text(encoding="utf-8"), encoding="utf-8")
        written.append(target)
    for name, action in MENU_SCRIPTS.items():
        target = dest / name
        target.write_text(_MENU.format(title=name[:-3], folder=str(folder), action=action), encoding="utf-8")
        written.append(target)
    settings = {"command": [sys.executable, "-m", "otio_retake.cli"],
                "workspace": str(workspace or Path.home() / "otio-retake"), "provider": provider,
                "marker_colors": [], "python": sys.version.split()[0]}
    settings_path = folder / "otio_retake_settings.json"
    settings_path.write_text(json.dumps(settings, indent=2), encoding="utf-8")
    written.append(settings_path)
    return {"folder": str(dest), "files": [str(p) for p in written], "settings": settings}


@dataclass
class Finding:
    ok: bool
    what: str
    fix: str | None = None


@dataclass
class DoctorReport:
    findings: list[Finding] = field(default_factory=list)
    product: str | None = None
    version: str | None = None

    def add(self, ok: bool, what: str, fix: str | None = None) -> None:
        self.findings.append(Finding(ok, what, fix))


def _scripting_env(system: str) -> dict[str, str]:
    if system == "Darwin":
        api = "/Library/Application Support/Blackmagic Design/DaVinci Resolve/Developer/Scripting"
        lib = "/Applications/DaVinci Resolve/DaVinci Resolve.app/Contents/Libraries/Fusion/fusionscript.so"
    elif system == "Windows":
        api = os.path.expandvars(r"%PROGRAMDATA%\Blackmagic Design\DaVinci Resolve\Support\Developer\Scripting")
        lib = r"C:\Program Files\Blackmagic Design\DaVinci Resolve\fusionscript.dll"
    else:
        api, lib = "/opt/resolve/Developer/Scripting", "/opt/resolve/libs/Fusion/fusionscript.so"
    return {"RESOLVE_SCRIPT_API": os.environ.get("RESOLVE_SCRIPT_API", api),
            "RESOLVE_SCRIPT_LIB": os.environ.get("RESOLVE_SCRIPT_LIB", lib)}


def external_resolve():
    """Resolve through external scripting (Studio, Preferences > System > General > External scripting = Local)."""
    env = _scripting_env(platform.system())
    os.environ.setdefault("RESOLVE_SCRIPT_API", env["RESOLVE_SCRIPT_API"])
    os.environ.setdefault("RESOLVE_SCRIPT_LIB", env["RESOLVE_SCRIPT_LIB"])
    modules = str(Path(os.environ["RESOLVE_SCRIPT_API"]) / "Modules")
    if modules not in sys.path:
        sys.path.append(modules)
    try:
        module = importlib.import_module("DaVinciResolveScript")
    except ImportError:
        return None
    try:
        return module.scriptapp("Resolve")
    except Exception:  # the module raises when fusionscript cannot load: not reachable
        return None


def doctor(dest: Path | None = None, *, connect=external_resolve) -> DoctorReport:
    """What is set up and what is not, each problem with its fix."""
    report = DoctorReport()
    system = platform.system()
    dest = Path(dest) if dest else scripts_folder()
    installed = (dest / SUBFOLDER / "otio_retake_resolve.py").exists()
    report.add(installed, f"scripts in {dest}", None if installed else "run `otio-retake install resolve`")
    settings_path = dest / SUBFOLDER / "otio_retake_settings.json"
    if settings_path.exists():
        settings = json.loads(settings_path.read_text(encoding="utf-8"))
        command = settings.get("command") or []
        try:
            done = subprocess.run(command + ["--version"], capture_output=True, text=True, timeout=60)
            ok = done.returncode == 0
            detail = done.stdout.strip() or done.stderr.strip()
        except (OSError, subprocess.TimeoutExpired) as exc:
            ok, detail = False, str(exc)
        report.add(ok, f"the scripts run `{' '.join(command)}` ({detail})",
                   None if ok else "run `otio-retake install resolve` from the environment where it is installed")
    env = _scripting_env(system)
    lib_ok = Path(env["RESOLVE_SCRIPT_LIB"]).exists()
    report.add(lib_ok, f"Resolve scripting library {env['RESOLVE_SCRIPT_LIB']}",
               None if lib_ok else "install DaVinci Resolve, or set RESOLVE_SCRIPT_API and RESOLVE_SCRIPT_LIB")
    resolve = connect()
    if resolve is None:
        report.add(False, "external scripting: Resolve is not reachable",
                   "start Resolve Studio and set Preferences > System > General > External scripting using = "
                   "Local (the free edition has no external scripting: use Workspace > Scripts inside Resolve)")
    else:
        report.product = resolve.GetProductName() if hasattr(resolve, "GetProductName") else "DaVinci Resolve"
        report.version = resolve.GetVersionString() if hasattr(resolve, "GetVersionString") else None
        report.add(True, f"external scripting reaches {report.product} {report.version or ''}".strip())
        if report.version and report.version.split(".")[0].isdigit() and int(report.version.split(".")[0]) < 18:
            report.add(False, f"Resolve {report.version} is older than 18.5", "update Resolve to 18.5 or later")
    report.add(True, f"otio-retake runs on Python {sys.version.split()[0]} ({sys.executable})")
    return report
