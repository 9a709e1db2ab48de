"""Layers point one way (DESIGN.md): a stage imports only the stages below it, never the ones that use it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "otio_retake"

# module (a file, or a folder for every file in it) -> parts of otio_retake it must never import
FORBIDDEN = {
    "model.py": {"media", "timeline", "providers", "jobs", "emulate", "pipeline", "cli", "commands", "display",
                 "bridge", "studio", "integrations", "contract"},
    "errors.py": {"model", "media", "timeline", "providers", "jobs", "emulate", "pipeline", "cli", "commands"},
    "media": {"timeline", "providers", "jobs", "emulate", "pipeline", "cli", "commands", "display", "bridge", "studio",
              "integrations"},
    "providers": {"timeline", "jobs", "emulate", "pipeline", "cli", "commands", "display", "bridge", "studio",
                  "integrations"},
    "timeline": {"providers", "jobs", "emulate", "pipeline", "cli", "commands", "display", "bridge", "studio",
                 "integrations"},
    "emulate": {"jobs", "timeline", "pipeline", "cli", "commands", "display", "bridge", "studio", "integrations"},
    "jobs": {"pipeline", "cli", "commands", "display", "bridge", "studio", "integrations", "emulate"},
    "pipeline.py": {"cli", "commands", "display", "bridge", "studio"},
    "contract.py": {"cli", "commands", "display", "bridge", "studio"},
    "session.py": {"cli", "commands", "display", "bridge", "studio"},  # the run every surface runs
    "bridge": {"cli", "commands", "display", "studio"},  # clients of the pipeline, beside the command line
    # a panel's runs go through the pipeline and the run session, never the jobs stage itself (journal_runs.py,
    # which reads the command line's runs from their journals, is the one left: issue 24.3)
    **{f"bridge/{name}": {"cli", "commands", "display", "studio", "jobs"}
       for name in ("app.py", "runs.py", "words.py", "sequence.py", "security.py")},
    "studio": {"cli", "commands", "display", "bridge"},
    "commands": {"cli"},  # cli.py registers the commands; they never reach back for it
}
# third-party imports a module must leave to another stage
FORBIDDEN_LIBRARIES = {
    "providers/hosted.py": {"av"},  # the media stage checks downloads; the HTTP client only moves bytes
}


def _imports(path: Path) -> set[str]:
    """The otio_retake sub-packages/modules a file imports (first component), and its top-level libraries."""
    tree = ast.parse(path.read_text(), str(path))
    depth = len(path.relative_to(PACKAGE).parts) - 1  # folders below the package
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the file's folder
                parts = list(path.relative_to(PACKAGE).parts[:-1])[:max(0, depth - (node.level - 1))]
                target = parts + (node.module.split(".") if node.module else [])
                if target:
                    found.add("otio_retake." + target[0].removesuffix(".py"))
                else:
                    found |= {f"otio_retake.{alias.name}" for alias in node.names}
            elif node.module and node.module.startswith("otio_retake"):
                found.add(".".join(node.module.split(".")[:2]))
            elif node.module:
                found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                found.add(".".join(alias.name.split(".")[:2]) if alias.name.startswith("otio_retake")
                          else alias.name.split(".")[0])
    return found


def _files(key: str) -> list[Path]:
    target = PACKAGE / key
    return sorted(target.rglob("*.py")) if target.is_dir() else [target]


@pytest.mark.parametrize("key", sorted(FORBIDDEN))
def test_lower_layers_never_import_upper_ones(key):
    for path in _files(key):
        used = {name.removeprefix("otio_retake.") for name in _imports(path) if name.startswith("otio_retake.")}
        bad = used & FORBIDDEN[key]
        assert not bad, f"{path.relative_to(PACKAGE)} imports {sorted(bad)}"


@pytest.mark.parametrize("key", sorted(FORBIDDEN_LIBRARIES))
def test_stages_leave_libraries_to_their_owners(key):
    path = PACKAGE / key
    bad = _imports(path) & FORBIDDEN_LIBRARIES[key]
    assert not bad, f"{key} imports {sorted(bad)}"


def test_the_checker_sees_relative_imports():
    """The rules above would pass vacuously if relative imports were not resolved: check one we know."""
    assert "otio_retake.media" in _imports(PACKAGE / "timeline" / "relink.py")
    assert "otio_retake.errors" in _imports(PACKAGE / "media" / "decode.py")


# ------------------------------------------------------------------------------ the command line is a thin layer
CLI_FILES = [PACKAGE / "cli.py", *sorted((PACKAGE / "commands").glob("*.py"))]
# what plans a run rather than runs it: jobs/plan.py (JobPlanner, jobs_for), not the runner
PLANNING = {"jobs_for", "plan_key", "pending_cost", "expired_notices", "identity", "segments", "check", "sends_seed"}


def _modules(path: Path) -> set[str]:
    """Every otio_retake module a file imports, in full (``otio_retake.jobs.store``), relative ones resolved;
    ``from .jobs import store`` counts as importing ``otio_retake.jobs.store`` too."""
    package = ["otio_retake", *path.relative_to(PACKAGE).parts[:-1]]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom):
            base = package[:len(package) - (node.level - 1)] if node.level else []
            module = ".".join(base + (node.module.split(".") if node.module else []))
            if module.startswith("otio_retake"):
                found.add(module)
                found |= {f"{module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("otio_retake")}
    return found


def test_the_checker_resolves_imports_in_full():
    assert "otio_retake.jobs.store" in _modules(PACKAGE / "jobs" / "runner.py")
    assert "otio_retake.jobs.plan.JobPlanner" in _modules(PACKAGE / "jobs" / "runner.py")
    assert "otio_retake.errors" in _modules(PACKAGE / "commands" / "edits.py")


def test_cli_is_under_300_lines():
    lines = len((PACKAGE / "cli.py").read_text().splitlines())
    assert lines < 300, f"cli.py has {lines} lines: move commands into otio_retake/commands/, logic into pipeline"


@pytest.mark.parametrize("path", CLI_FILES, ids=lambda p: p.name)
def test_the_command_line_never_opens_a_journal_or_builds_a_runner(path):
    bad = {m for m in _modules(path) if m.startswith(("otio_retake.jobs.store", "otio_retake.jobs.runner"))}
    assert not bad, f"{path.relative_to(PACKAGE)} imports {sorted(bad)}: go through pipeline.py"


@pytest.mark.parametrize("path", CLI_FILES, ids=lambda p: p.name)
def test_every_json_the_command_line_prints_is_a_contract_model(path):
    def dumped(node) -> bool:  # x.model_dump(...), or [m.model_dump(...) for m in ...]
        if isinstance(node, ast.ListComp):
            node = node.elt
        return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "model_dump"

    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "dumps":
            assert node.args and dumped(node.args[0]), \
                f"{path.name}:{node.lineno} prints JSON that is not a model of contract.py"


@pytest.mark.parametrize("path", [*CLI_FILES, *sorted((PACKAGE / "integrations").glob("*.py"))], ids=lambda p: p.name)
def test_the_resolve_script_is_imported_as_a_module_not_executed_from_a_file(path):
    tree = ast.parse(path.read_text())
    calls = {node.func.attr for node in ast.walk(tree)
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)}
    assert not calls & {"exec_module", "spec_from_file_location"}, f"{path.name} loads code from a file path"


def test_the_runner_holds_no_planning_helpers():
    def defined(path: Path) -> set[str]:
        return {n.name for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.FunctionDef)}

    assert not defined(PACKAGE / "jobs" / "runner.py") & PLANNING
    planning = {"jobs_for", "plan_key", "pending_cost", "expired_notices", "sends_seed"}
    assert planning <= defined(PACKAGE / "jobs" / "plan.py")



def test_the_journal_administration_is_its_own_module_not_pipelines():
    def defined(path: Path) -> set[str]:
        return {n.name for n in ast.walk(ast.parse(path.read_text()))
                if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}

    administration = {"cancel_jobs", "run_to_resume", "cancel_run", "journal_for", "CancelOutcome", "QueuedRun"}
    assert administration <= defined(PACKAGE / "jobs" / "admin.py")
    assert not defined(PACKAGE / "pipeline.py") & administration

# ------------------------------------------------------------------------------ the emulators share their plumbing
HOST_EMULATORS = sorted(p for p in (PACKAGE / "emulate").glob("*.py") if p.stem not in ("__init__", "core", "server"))


@pytest.mark.parametrize("path", HOST_EMULATORS, ids=lambda p: p.stem)
def test_each_emulator_takes_the_mode_words_and_the_guard_from_core(path):
    tree = ast.parse(path.read_text())
    assigned = {t.id for n in ast.walk(tree) if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}
    assert "MODES" not in assigned, f"{path.name} keeps its own mode map: use emulate.core.MODES"
    if path.stem != "comfyui":  # a ComfyUI graph says the mode with two booleans (mask_video, mask_audio), no words
        assert "otio_retake.emulate.core.MODES" in _modules(path)
    # an early answer (auth, fault) is core's guarded/per_job, not a copy of the check in every route
    copies = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.If) and isinstance(n.test, ast.Call)
              and getattr(n.test.func, "id", None) == "isinstance" and isinstance(n.test.args[0], ast.Name)
              and n.test.args[0].id == "found"]
    assert not copies, f"{path.name} repeats the job lookup's early answer at lines {copies}: use self.per_job"


def test_nothing_depends_on_linux_only_process_probes():
    """Editors run macOS and Windows: no /proc, and no os.kill(pid, 0) probe (not a probe on Windows)."""
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text()
        assert "/proc/" not in text, f"{path.relative_to(PACKAGE)} reads /proc (use otio_retake.processes)"
        assert "os.kill(" not in text, f"{path.relative_to(PACKAGE)} signals with os.kill (use otio_retake.processes)"


def test_every_engine_has_what_the_provider_protocol_declares():
    """Callers read a provider's traits as attributes (no getattr with a guessed default): each engine has them."""
    from otio_retake.providers import HOSTS
    from otio_retake.providers.base import Provider
    from otio_retake.providers.ltx_local import LtxLocalProvider
    from otio_retake.providers.preview import PreviewProvider
    declared = set(Provider.__annotations__) | {n for n in vars(Provider) if not n.startswith("_")}
    for engine in [PreviewProvider, LtxLocalProvider, *HOSTS.values()]:
        missing = {name for name in declared if not hasattr(engine, name)} - {"base_url"}
        assert not missing, f"{engine.__name__} lacks {sorted(missing)}"
    assert PreviewProvider.base_url == "" and LtxLocalProvider.base_url == ""  # instances of HOSTS set their own
    for path in sorted((PACKAGE / "jobs").glob("*.py")):
        guessed = [n.lineno for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.Call)
                   and getattr(n.func, "id", None) == "getattr" and len(n.args) >= 2
                   and isinstance(n.args[1], ast.Constant) and n.args[1].value in declared]
        assert not guessed, f"jobs/{path.name} guesses a provider trait with getattr at lines {guessed}"
