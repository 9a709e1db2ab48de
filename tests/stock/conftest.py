"""The stock OTIO adapters' own test suites, run against otio-retake's adapters (see README.md here).

Each folder here is one suite, copied unchanged from its sdist, with a ``stock_suite.py`` beside it:

- ``ADAPTERS``: the stock adapter names its tests use -> ours (``{"cmx_3600": "otio_retake_edl"}``);
- ``READ_OPTIONS``: the stock reader's keyword arguments -> ours (``{"rate": "fps"}``), or None to drop one;
- ``DIFFERENCES``: ``"Class::test"`` -> why ours differs from stock (a docs/ page): such a test is
  expected to fail (strict: once ours passes it, the entry must go).

During a test of such a folder ``otio.adapters.read_from_*`` / ``write_to_*`` send those adapter names (and
the files whose suffix names them) to ours; calls our adapters make themselves (they build on the stock
ones) go through untouched.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import opentimelineio as otio
import pytest

HERE = Path(__file__).resolve().parent


def _suite(folder: Path):
    spec = importlib.util.spec_from_file_location(f"stock_suite_{folder.name}", folder / "stock_suite.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_SUITES = {folder.name: _suite(folder) for folder in sorted(HERE.iterdir()) if (folder / "stock_suite.py").is_file()}


def _suite_of(path: Path):
    try:
        return _SUITES.get(Path(path).resolve().relative_to(HERE).parts[0])
    except ValueError:
        return None


def pytest_collection_modifyitems(config, items):
    for item in items:
        suite = _suite_of(item.path)
        if suite is None:
            continue
        key = "::".join(item.nodeid.split("::")[1:])
        reason = suite.DIFFERENCES.get(key)
        if reason:
            item.add_marker(pytest.mark.xfail(reason=reason, strict=True))


@pytest.fixture(autouse=True)
def our_adapters(request, monkeypatch):
    """Send the suite's stock adapter names to ours for the length of one test."""
    suite = _suite_of(request.node.path)
    if suite is None:
        yield
        return
    adapters = otio.adapters
    stock = {name: getattr(adapters, name) for name in
             ("read_from_file", "read_from_string", "write_to_file", "write_to_string")}
    inside = []  # our adapter is running: its own calls to the stock adapter stay stock

    def ours(name: str | None, path: str | None = None) -> str | None:
        if inside:
            return name
        if name is None and path is not None:
            name = adapters.from_filepath(str(path)).name
        return suite.ADAPTERS.get(name, name)

    def options(name: str, kwargs: dict, table: dict) -> dict:
        if name not in suite.ADAPTERS.values():
            return kwargs
        out = {}
        for key, value in kwargs.items():
            if key in table:
                if table[key] is not None:
                    out[table[key]] = value
            else:
                out[key] = value
        return out

    def wrap(fn, *, reads: bool, by_path: bool):
        def call(subject, *args, adapter_name=None, **kwargs):
            name = ours(adapter_name, subject if by_path and reads else (args[0] if by_path and args else None))
            kwargs = options(name, kwargs, suite.READ_OPTIONS if reads else getattr(suite, "WRITE_OPTIONS", {}))
            inside.append(True)
            try:
                return fn(subject, *args, adapter_name=name, **kwargs)
            finally:
                inside.pop()
        return call

    def wrap_string(fn, *, reads: bool):
        def call(subject, adapter_name=None, *args, **kwargs):
            name = ours(adapter_name)
            kwargs = options(name, kwargs, suite.READ_OPTIONS if reads else getattr(suite, "WRITE_OPTIONS", {}))
            inside.append(True)
            try:
                return fn(subject, name, *args, **kwargs)
            finally:
                inside.pop()
        return call

    monkeypatch.setattr(adapters, "read_from_file", wrap(stock["read_from_file"], reads=True, by_path=True))
    monkeypatch.setattr(adapters, "write_to_file", wrap(stock["write_to_file"], reads=False, by_path=True))
    monkeypatch.setattr(adapters, "read_from_string", wrap_string(stock["read_from_string"], reads=True))
    monkeypatch.setattr(adapters, "write_to_string", wrap_string(stock["write_to_string"], reads=False))
    yield
