"""Layers point one way (DESIGN.md): a stage imports only the stages below it, never the ones that use it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "otio_retake"

# module (a file, or a folder for every file in it) -> parts of otio_retake it must never import
FORBIDDEN = {
    "model.py": {"media", "timeline", "providers", "jobs", "emulate", "pipeline", "cli", "display", "bridge",
                 "studio", "integrations", "contract"},
    "errors.py": {"model", "media", "timeline", "providers", "jobs", "emulate", "pipeline", "cli"},
    "media": {"timeline", "providers", "jobs", "emulate", "pipeline", "cli", "display", "bridge", "studio",
              "integrations"},
    "providers": {"timeline", "jobs", "emulate", "pipeline", "cli", "display", "bridge", "studio", "integrations"},
    "timeline": {"providers", "jobs", "emulate", "pipeline", "cli", "display", "bridge", "studio", "integrations"},
    "emulate": {"jobs", "timeline", "pipeline", "cli", "display", "bridge", "studio", "integrations"},
    "jobs": {"pipeline", "cli", "display", "bridge", "studio", "integrations", "emulate"},
    "pipeline.py": {"cli", "display", "bridge", "studio"},
    "contract.py": {"cli", "display", "bridge", "studio"},
    "bridge": {"cli", "display", "studio"},  # clients of the pipeline, side by side with the command line
    "studio": {"cli", "display", "bridge"},
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
