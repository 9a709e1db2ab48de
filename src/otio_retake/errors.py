"""The one error hierarchy of otio-retake.

Every failure a user can meet is a ``RetakeError``; the command line prints its
message and exits non-zero, never a traceback. Subclasses are split by who can
act on them::

    RetakeError
    +-- InputError            the user's files or options are wrong: fix and re-run
    |   +-- TimelineReadError     a timeline file is missing, unreadable or unparsable
    |   +-- NoMarkedRangesError   markers were seen but none qualified
    |   +-- RangeLengthError      a range is shorter / longer than the engine allows
    |   +-- UnsupportedEditError  a range covers an edit we cannot render exactly
    |   +-- MissingMediaError     media the ranges need cannot be found
    |   +-- MediaError            a media file is unreadable or of an unusable kind
    |   +-- OutputExistsError     refusing to overwrite without --force
    +-- EngineError           the retake engine (a host or the preview) failed
    |   +-- SpliceError           the result cannot be lined up with its excerpt

Messages are written for the editor: they name the file, line or marker and say
what to do. Context is passed as keyword-only arguments so it is never mixed up
with the message.
"""

from __future__ import annotations

__all__ = [
    "RetakeError",
    "InputError",
    "TimelineReadError",
    "NoMarkedRangesError",
    "RangeLengthError",
    "UnsupportedEditError",
    "MissingMediaError",
    "MediaError",
    "OutputExistsError",
    "EngineError",
    "SpliceError",
]


class RetakeError(Exception):
    """Base of every error otio-retake reports to a user."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\n  hint: {self.hint}"
        return self.message


class InputError(RetakeError):
    """The input (files, options) is wrong; the user can fix it."""

    exit_code = 2


class TimelineReadError(InputError):
    def __init__(self, message: str, *, path: str, hint: str | None = None) -> None:
        super().__init__(f"{path}: {message}", hint=hint)
        self.path = path


class NoMarkedRangesError(InputError):
    pass


class RangeLengthError(InputError):
    pass


class UnsupportedEditError(InputError):
    pass


class MissingMediaError(InputError):
    def __init__(self, message: str, *, missing: list[str], hint: str | None = None) -> None:
        listing = "\n".join(f"  - {m}" for m in missing)
        super().__init__(f"{message}\n{listing}", hint=hint)
        self.missing = list(missing)


class MediaError(InputError):
    pass


class OutputExistsError(InputError):
    pass


class EngineError(RetakeError):
    """The engine that makes the take failed."""

    exit_code = 3


class SpliceError(EngineError):
    pass
