"""The one error tree of interviewer.

Every error a user can meet is an :class:`InterviewerError`; its message says how to fix it.
Foreign exceptions are translated where they enter (the CLI and the UI show only these)::

    InterviewerError
    ├── ConfigError      settings, missing model files, unreachable services
    ├── BankError        question bank and knowledge documents
    ├── GradingError     a grader could not produce a valid grade
    ├── StoreError       database or vector store
    ├── SessionError     interview flow: unknown session, finished session, bad command
    └── InputError       bad user input: files, uploads, ids
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError

__all__ = [
    "BankError",
    "ConfigError",
    "GradingError",
    "InputError",
    "InterviewerError",
    "SessionError",
    "StoreError",
    "validation_message",
]


def validation_message(exc: ValidationError, *, whole: str = "") -> str:
    """The first problem of a validation error, as "field: message" (``whole`` names the
    object when the problem is not in one field)."""
    err = exc.errors()[0]
    where = ".".join(map(str, err["loc"])) or whole
    # A validator's own message, not "score: Value error, the human score must be ...".
    message = str(err["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


class InterviewerError(Exception):
    """Base of every error interviewer raises on purpose; the message is shown to the user.

    ``public``, when the message is for whoever runs the app (a host, a server path, a command
    to run), is what a candidate in the web app is told instead (see :class:`StoreError`).
    """

    def __init__(self, *args: object, public: str | None = None) -> None:
        super().__init__(*args)
        self._public = public

    @property
    def public(self) -> str:
        """The message for a candidate in the web app."""
        # getattr: an error rebuilt by pickle from an older process has no such field.
        return getattr(self, "_public", None) or str(self)

    def __reduce__(self) -> tuple[object, ...]:
        # Pickle (an error from a worker process) calls cls(*args) by default: a subclass with
        # required keyword arguments (StructuredReplyError) could not be unpickled. Rebuild
        # without __init__; pickle then restores the fields from __dict__.
        return (_rebuilt, (type(self), self.args), self.__dict__)


def _rebuilt(cls: type[InterviewerError], args: tuple[object, ...]) -> InterviewerError:
    """An error of class ``cls`` with ``args``, its fields left for pickle to restore."""
    return cls.__new__(cls, *args)


class ConfigError(InterviewerError):
    """A setting, a model file or an external service is missing or wrong."""


class BankError(InterviewerError):
    """The question bank or a knowledge document is invalid."""


class GradingError(InterviewerError):
    """A grader failed to produce a valid grade after its retries.

    Attributes:
        attempts: How many attempts were made.
        last_reply: The last raw reply of the model, if any (for diagnosis, never shown as a score).
    """

    def __init__(self, message: str, *, attempts: int = 0, last_reply: str = "") -> None:
        super().__init__(message)
        self.attempts = attempts
        self.last_reply = last_reply


class StoreError(InterviewerError):
    """The database or the vector store failed or is unreachable.

    The message is for whoever runs the app (logs, the CLI): it names hosts, settings and
    commands. ``public`` is what a candidate in the web app is told instead.
    """


class SessionError(InterviewerError):
    """An interview session cannot do what was asked."""


class InputError(InterviewerError):
    """User input (a file, an upload, an id) is invalid."""
