"""Marker colours between DaVinci Resolve's palette and OTIO's.

The one home of the mapping; ``plugins/resolve/otio_retake_resolve.py`` keeps
a copy because it must run on the standard library alone inside Resolve, and
a test holds the two equal.
"""

from __future__ import annotations

__all__ = ["RESOLVE_TO_OTIO_COLOR", "OTIO_TO_RESOLVE_COLOR"]

# Resolve's sixteen marker colours onto OTIO's eleven (nearest hue).
RESOLVE_TO_OTIO_COLOR = {
    "Blue": "BLUE", "Cyan": "CYAN", "Green": "GREEN", "Yellow": "YELLOW", "Red": "RED",
    "Pink": "PINK", "Purple": "PURPLE", "Fuchsia": "MAGENTA", "Rose": "PINK",
    "Lavender": "PURPLE", "Sky": "CYAN", "Mint": "GREEN", "Lemon": "YELLOW",
    "Sand": "ORANGE", "Cocoa": "ORANGE", "Cream": "WHITE",
}
# Back again: the first Resolve colour listed for each OTIO colour (BLACK has none: Blue, Resolve's default).
OTIO_TO_RESOLVE_COLOR = {otio_color: resolve for resolve, otio_color in reversed(RESOLVE_TO_OTIO_COLOR.items())}
