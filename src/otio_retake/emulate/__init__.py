"""Local emulators of every host's LTX-2 Retake API (ASGI apps on 127.0.0.1), with fault injection.

``make_app(host, ...)`` builds the app; ``EmulatorServer`` runs one on a
loopback port in a background thread (tests, benchmarks); the command line
runs one in the foreground: ``otio-retake emulate HOST --port N``.
"""

from __future__ import annotations

from starlette.applications import Starlette

from .comfyui import ComfyUIEmulator
from .core import EmulatorState, HostApp
from .fal import FalEmulator
from .gmi import GmiEmulator
from .ltx import LtxEmulator
from .oxen import OxenEmulator
from .replicate import ReplicateEmulator
from .runware import RunwareEmulator
from .server import EmulatorServer
from .wavespeed import WaveSpeedEmulator

__all__ = ["EMULATORS", "make_app", "EmulatorServer", "EmulatorState"]

EMULATORS: dict[str, type[HostApp]] = {
    "ltx": LtxEmulator, "fal": FalEmulator, "wavespeed": WaveSpeedEmulator, "runware": RunwareEmulator,
    "gmi": GmiEmulator, "oxen": OxenEmulator, "oxen-ltx2": OxenEmulator, "replicate": ReplicateEmulator,
    "comfyui": ComfyUIEmulator,
}


def make_app(host: str, state: EmulatorState | None = None, **state_options) -> Starlette:
    state = state or EmulatorState(host, **state_options)
    emulator = EMULATORS[host](state)
    app = Starlette(routes=state.common_routes() + emulator.routes())
    app.state.emulator = state
    return app
