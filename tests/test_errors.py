"""Errors keep every field through pickle, as when a worker process raises them."""

from __future__ import annotations

import inspect
import pickle

import pytest

from interviewer import errors
from interviewer.chat.structured import StructuredReplyError
from interviewer.errors import (
    BankError,
    ConfigError,
    GradingError,
    InputError,
    InterviewerError,
    SessionError,
    StoreError,
)

RAISED = [
    InterviewerError("Something failed: run `interviewer doctor`."),
    ConfigError("INTERVIEWER_MODEL is not set."),
    ConfigError("/srv/data/offline_scale.json is damaged.", public="Grading is paused."),
    BankError("questions.yaml: q04: unknown topic."),
    GradingError("No valid grade after 3 attempts.", attempts=3, last_reply='{"score": "x"}'),
    StoreError("db.internal:5432 refused the connection.", public="Saving is unavailable."),
    SessionError("Session abc123 has ended."),
    InputError("The upload is not a PDF."),
    StructuredReplyError(
        "401 Unauthorized",
        attempts=1,
        last_reply="",
        gave_up_early=True,
        status_code=401,
        unreachable=False,
    ),
]


def test_errors_raised_cover_every_error_class() -> None:
    classes = {
        cls
        for _, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, InterviewerError)
    }
    assert classes <= {type(error) for error in RAISED}


@pytest.mark.parametrize("error", RAISED, ids=lambda error: type(error).__name__)
def test_errors_survive_a_pickle_round_trip(error: InterviewerError) -> None:
    # StructuredReplyError's required keyword arguments made unpickling raise TypeError.
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert copy.public == error.public
    assert vars(copy) == vars(error)
