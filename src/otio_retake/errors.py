"""The one error hierarchy of otio-retake.

Every failure a user can meet is a ``RetakeError``; the command line prints its
message and exits non-zero, never a traceback. Subclasses are split by who can
act on them::

    RetakeError
    +-- InputError            the user's files or options are wrong: fix and re-run
    |   +-- TimelineReadError     a timeline file is missing, unreadable or unparsable
    |   +-- NothingToDoError      every marker was skipped (each listed with its position and reason)
    |   |   +-- NoMarkedRangesError   no markers, or markers seen but none qualified
    |   +-- RangeLengthError      a range is shorter / longer than the engine allows
    |   +-- UnsupportedEditError  a range covers an edit we cannot render exactly
    |   +-- MissingMediaError     media the ranges need cannot be found
    |   +-- MediaError            a media file is unreadable or of an unusable kind
    |   +-- OutputExistsError     refusing to overwrite without --force
    |   +-- MissingKeyError       no API key for the chosen host
    |   +-- CostLimitError        the run would cost more than allowed or was not confirmed
    |   +-- JournalError          the journal cannot be opened, read or reached (a URL, a server, a version)
    +-- EngineError           the retake engine (a host or the preview) failed
        +-- SpliceError           the result cannot be lined up with its excerpt
        +-- HostError             a host's API said no, or could not be reached
        |   +-- AuthenticationError     bad key (401/403)
        |   +-- InsufficientCreditsError no credits (402)
        |   +-- ContentRejectedError    the safety filter refused the request (422 at LTX)
        |   +-- InvalidRequestError     the host rejected the request (its own message)
        |   +-- RateLimitedError        429 after every retry (retry_after says when)
        |   +-- HostUnavailableError    5xx / connection errors after every retry
        |   +-- ResultExpiredError      404 for a job or result after the host's retention
        |   +-- SubmitOutcomeUnknownError  a paid submit was sent but no answer came back
        |   +-- UnexpectedResponseError    an answer we do not understand (e.g. an unknown status word)
        +-- JobFailedError        the model ran and failed (the host's reason)
        +-- DownloadError         the result arrived short or is not media
        +-- RunIncompleteError    some jobs did not finish; the same command finishes them

Exit codes of the command line (README "Exit codes"): 0 every marker done; ``SOME_SKIPPED_EXIT`` some
markers skipped (listed with position and reason), the others done; ``NothingToDoError.exit_code`` nothing
done, every marker skipped; ``MEDIA_OFFLINE_EXIT`` (``plan`` only) ranges listed and priced but the media of
some is not on this machine; 2 bad input, 3 an engine failure, 1 another error, 70 an internal bug.

Messages are written for the editor: they name the file, line or marker and say
what to do. Context is passed as keyword-only arguments so it is never mixed up
with the message.
"""

from __future__ import annotations

__all__ = [
    "RetakeError",
    "InputError",
    "TimelineReadError",
    "NothingToDoError",
    "NoMarkedRangesError",
    "SOME_SKIPPED_EXIT",
    "MEDIA_OFFLINE_EXIT",
    "RangeLengthError",
    "UnsupportedEditError",
    "MissingMediaError",
    "MediaError",
    "OutputExistsError",
    "EngineError",
    "SpliceError",
    "MissingKeyError",
    "HostError",
    "AuthenticationError",
    "InsufficientCreditsError",
    "ContentRejectedError",
    "InvalidRequestError",
    "RateLimitedError",
    "HostUnavailableError",
    "ResultExpiredError",
    "SubmitOutcomeUnknownError",
    "UnexpectedResponseError",
    "JobFailedError",
    "DownloadError",
    "CostLimitError",
    "RunIncompleteError",
    "JournalError",
    "UnusableKeyError",
]


class RetakeError(Exception):
    """Base of every error otio-retake reports to a user."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __reduce__(self):
        # Rebuilt from its fields, not its constructor (subclasses take other keywords): it crosses into and out
        # of media processes by pickle, and must come back the same type with the same message and hint.
        return _rebuild, (type(self), self.args, self.__dict__)

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\n  hint: {self.hint}"
        return self.message


def _rebuild(cls: type[RetakeError], args: tuple, fields: dict) -> RetakeError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(fields)
    return error


class InputError(RetakeError):
    """The input (files, options) is wrong; the user can fix it."""

    exit_code = 2


class TimelineReadError(InputError):
    def __init__(self, message: str, *, path: str, hint: str | None = None) -> None:
        super().__init__(f"{path}: {message}", hint=hint)
        self.path = path


# Not errors but outcomes a script must tell apart from "all done" (0) and from an error (1-3, 70).
SOME_SKIPPED_EXIT = 4  # some markers were skipped (listed with position and reason); the others are done
MEDIA_OFFLINE_EXIT = 6  # `plan`: every range is listed and priced, but some media is not on this machine


class NothingToDoError(InputError):
    """Every marker found was skipped, each for its own reason: nothing is planned or run."""

    exit_code = 5


class NoMarkedRangesError(NothingToDoError):
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


class MissingKeyError(InputError):
    pass


class UnusableKeyError(MissingKeyError):
    """A key with characters an HTTP header cannot carry: said naming where it came from, never the key."""


class CostLimitError(InputError):
    pass


class RunIncompleteError(EngineError):
    pass


class JournalError(InputError):
    """The journal (a SQLite file or a facility's PostgreSQL) cannot be opened, upgraded or reached.

    Messages name the journal by its redacted URL: a password never appears in them."""


class HostError(EngineError):
    """A host's API refused or failed; ``retryable`` says whether trying later can help."""

    retryable = False

    def __init__(self, message: str, *, host: str, status: int | None = None, request_id: str | None = None,
                 hint: str | None = None) -> None:
        where = f"{host}" + (f" (HTTP {status})" if status else "")
        rid = f" [request id {request_id}]" if request_id else ""
        super().__init__(f"{where}: {message}{rid}", hint=hint)
        self.host = host
        self.status = status
        self.request_id = request_id


class AuthenticationError(HostError):
    pass


class InsufficientCreditsError(HostError):
    pass


class ContentRejectedError(HostError):
    pass


class InvalidRequestError(HostError):
    pass


class RateLimitedError(HostError):
    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kw) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class HostUnavailableError(HostError):
    retryable = True


class ResultExpiredError(HostError):
    pass


class SubmitOutcomeUnknownError(HostError):
    """The request may or may not have created a paid job: never resubmitted blindly."""


class UnexpectedResponseError(HostError):
    pass


class JobFailedError(EngineError):
    pass


class JobCancelledError(EngineError):
    """The job was cancelled in the journal (`otio-retake cancel`) while this runner had it: not sent, or not
    followed further."""


class DownloadError(EngineError):
    retryable = True
