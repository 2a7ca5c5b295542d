"""The exception hierarchy: shape, messages, pickling."""

from __future__ import annotations

import pickle

import pytest

import chime_speaker_search as css
from chime_speaker_search import errors


def test_every_error_derives_from_the_root() -> None:
    for name in errors.__all__:
        obj = getattr(errors, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert issubclass(obj, css.SpeakerSearchError), name
            assert getattr(css, name) is obj  # re-exported at top level


def test_builtin_bases_for_catching_either() -> None:
    assert issubclass(css.InvalidParameterError, ValueError)
    assert issubclass(css.WaitTimeoutError, TimeoutError)


def test_code_table_and_unknown_codes() -> None:
    assert errors.error_class_for_code("NotFoundException") is css.NotFoundException
    assert errors.error_class_for_code("Nope") is css.ServiceError
    assert css.NotFoundException().http_status == 404
    assert css.NotFoundException().code == "NotFoundException"


def test_service_error_message_is_actionable() -> None:
    error = css.AccessDeniedException(
        "User is not authorized",
        code="AccessDeniedException",
        http_status=403,
        request_id="abc-123",
        operation_name="StartSpeakerSearchTask",
        attempts=1,
    )
    text = str(error)
    assert text.startswith(
        "StartSpeakerSearchTask failed with AccessDeniedException (HTTP 403): User is not authorized"
    )
    assert "IAM policy" in text
    assert "request id abc-123" in text


@pytest.mark.parametrize(
    "error",
    [
        css.ThrottledClientException(
            "slow down", operation_name="GetSpeakerSearchTask", attempts=5, retry_after=2.0
        ),
        css.ServiceError("?", code="Weird", http_status=418),
        css.TransportError("down", operation_name="GetSpeakerSearchTask", attempts=3),
        css.MalformedResponseError("bad", field="SpeakerSearchTask.X"),
        css.InvalidParameterError(
            [css.Violation(parameter="CallLeg", constraint="must be 'Caller' or 'Callee'", value=1)]
        ),
    ],
)
def test_errors_pickle_with_their_attributes(error: css.SpeakerSearchError) -> None:
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert vars(copy) == vars(error)


def test_task_carrying_errors_pickle() -> None:
    task = css.SpeakerSearchTask(
        speaker_search_task_id="t", speaker_search_task_status=css.SpeakerSearchTaskStatus.FAILED
    )
    for error in (
        css.TaskFailedError("failed", task=task),
        css.WaitTimeoutError("late", task=task, elapsed=3.0),
    ):
        copy = pickle.loads(pickle.dumps(error))
        assert copy.task == task
        assert str(copy) == str(error)


def test_hierarchy_is_drawn_in_the_module_docstring() -> None:
    assert errors.__doc__ is not None
    for name in errors.__all__:
        if name[0].isupper() and name != "Violation":
            assert name in errors.__doc__, name
