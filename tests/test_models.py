"""Models: open enums, derived properties, wire conversion both ways."""

from __future__ import annotations

import json
import pickle
from datetime import datetime, timedelta, timezone

import attrs
import pytest
from hypothesis import given

from chime_speaker_search import (
    CallLeg,
    MalformedResponseError,
    Result,
    SpeakerSearchDetails,
    SpeakerSearchResult,
    SpeakerSearchTask,
    SpeakerSearchTaskStatus,
    VoiceprintGenerationStatus,
)
from tests import strategies

WIRE = {
    "SpeakerSearchTaskId": "task-1",
    "SpeakerSearchTaskStatus": "SUCCEEDED",
    "CallDetails": {"VoiceConnectorId": "vc", "TransactionId": "tx", "IsCaller": False},
    "SpeakerSearchDetails": {
        "Results": [
            {"ConfidenceScore": 0.3, "VoiceProfileId": "p-low"},
            {"ConfidenceScore": 0.91, "VoiceProfileId": "p-best"},
            {"ConfidenceScore": 0.91, "VoiceProfileId": "p-tie"},
        ],
        "VoiceprintGenerationStatus": "VoiceprintGenerationSuccess",
    },
    "CreatedTimestamp": "2026-11-21T13:00:00.000Z",
    "StartedTimestamp": "2026-11-21T13:00:01.5+00:00",
    "UpdatedTimestamp": datetime(2026, 11, 21, 13, 0, 21, tzinfo=timezone.utc),
    "StatusMessage": "done",
}


def test_from_dict_reads_every_field() -> None:
    task = SpeakerSearchTask.from_dict(WIRE)
    assert task.speaker_search_task_id == "task-1"
    assert task.status is SpeakerSearchTaskStatus.SUCCEEDED
    assert task.call_details is not None
    assert task.call_details.is_caller is False
    assert task.speaker_search_details is not None
    assert task.speaker_search_details.voiceprint_generation_status is (
        VoiceprintGenerationStatus.VOICEPRINT_GENERATION_SUCCESS
    )
    assert task.created_timestamp == datetime(2026, 11, 21, 13, tzinfo=timezone.utc)
    assert task.started_timestamp == datetime(2026, 11, 21, 13, 0, 1, 500000, tzinfo=timezone.utc)
    assert task.created_timestamp is not None
    assert task.created_timestamp.tzinfo is timezone.utc
    assert task.status_message == "done"


def test_best_match_takes_the_highest_score_first_listed_on_ties() -> None:
    task = SpeakerSearchTask.from_dict(WIRE)
    assert task.best_match() == SpeakerSearchResult(
        confidence_score=0.91, voice_profile_id="p-best"
    )
    assert task.best_match(min_confidence=0.91) is not None
    assert task.best_match(min_confidence=0.95) is None
    assert Result is SpeakerSearchResult


def test_results_are_empty_without_details() -> None:
    task = SpeakerSearchTask(
        speaker_search_task_id="t", speaker_search_task_status=SpeakerSearchTaskStatus.IN_QUEUE
    )
    assert task.results == ()
    assert task.best_match() is None
    assert not task.is_terminal
    assert task.to_dict() == {"SpeakerSearchTaskId": "t", "SpeakerSearchTaskStatus": "IN_QUEUE"}


@pytest.mark.parametrize(
    ("status", "terminal", "success"),
    [
        ("IN_QUEUE", False, False),
        ("IN_PROGRESS", False, False),
        ("PARTIAL_SUCCESS", True, True),
        ("SUCCEEDED", True, True),
        ("FAILED", True, False),
        ("STOPPED", True, False),
        ("SOME_FUTURE_STATUS", False, False),
    ],
)
def test_terminal_statuses(status: str, terminal: bool, success: bool) -> None:
    value = SpeakerSearchTaskStatus(status)
    assert value.is_terminal is terminal
    assert value.is_success is success
    assert value.is_unknown is (status == "SOME_FUTURE_STATUS")


def test_unknown_enum_values_are_kept_and_behave_like_members() -> None:
    value = SpeakerSearchTaskStatus("PAUSED")
    assert value.value == "PAUSED"
    assert value == "PAUSED"
    assert value == SpeakerSearchTaskStatus("PAUSED")
    assert hash(value) == hash(SpeakerSearchTaskStatus("PAUSED"))
    assert str(value) == "PAUSED"
    assert "unknown" in repr(value)
    assert isinstance(value, SpeakerSearchTaskStatus)
    assert not SpeakerSearchTaskStatus.SUCCEEDED.is_unknown
    assert VoiceprintGenerationStatus("VoiceprintGenerationPending").is_unknown
    assert str(SpeakerSearchTaskStatus.FAILED) == "FAILED"
    assert f"{SpeakerSearchTaskStatus.FAILED}" == "FAILED"
    with pytest.raises(ValueError, match="42"):
        SpeakerSearchTaskStatus(42)


def test_call_leg_is_closed() -> None:
    assert CallLeg("Callee") is CallLeg.CALLEE
    assert str(CallLeg.CALLER) == "Caller"
    with pytest.raises(ValueError, match="Both"):
        CallLeg("Both")


def test_models_are_frozen_slotted_keyword_only() -> None:
    task = SpeakerSearchTask.from_dict(WIRE)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        task.status_message = "x"  # type: ignore[misc]
    assert not hasattr(task, "__dict__")
    with pytest.raises(TypeError):
        SpeakerSearchResult(0.5, "p")  # type: ignore[call-arg]
    assert pickle.loads(pickle.dumps(task)) == task


def test_to_dict_is_json_ready_wire_form() -> None:
    wire = SpeakerSearchTask.from_dict(WIRE).to_dict()
    assert json.loads(json.dumps(wire)) == wire
    assert wire["CreatedTimestamp"] == "2026-11-21T13:00:00Z"
    assert wire["StartedTimestamp"] == "2026-11-21T13:00:01.500Z"
    assert wire["SpeakerSearchDetails"]["Results"][1] == {
        "ConfidenceScore": 0.91,
        "VoiceProfileId": "p-best",
    }
    assert wire["CallDetails"] == WIRE["CallDetails"]


def test_naive_datetimes_are_taken_as_utc_and_offsets_kept() -> None:
    task = SpeakerSearchTask.from_dict(
        {
            **WIRE,
            "CreatedTimestamp": datetime(2026, 1, 1),
            "StartedTimestamp": "2026-01-01T02:00:00.123456789+02:00",
        }
    )
    assert task.created_timestamp == datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert task.started_timestamp is not None
    assert task.started_timestamp.utcoffset() == timedelta(hours=2)
    assert task.started_timestamp == datetime(2026, 1, 1, 0, 0, 0, 123456, tzinfo=timezone.utc)


@given(strategies.tasks)
def test_round_trip_for_every_task(task: SpeakerSearchTask) -> None:
    wire = task.to_dict()
    assert SpeakerSearchTask.from_dict(json.loads(json.dumps(wire))) == task


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"SpeakerSearchTaskId": None}, "SpeakerSearchTask.SpeakerSearchTaskId"),
        ({"SpeakerSearchTaskStatus": ["SUCCEEDED"]}, "SpeakerSearchTask.SpeakerSearchTaskStatus"),
        ({"CallDetails": {"IsCaller": "true"}}, "SpeakerSearchTask.CallDetails.IsCaller"),
        ({"CallDetails": []}, "SpeakerSearchTask.CallDetails"),
        (
            {"SpeakerSearchDetails": {"Results": {"a": 1}}},
            "SpeakerSearchTask.SpeakerSearchDetails.Results",
        ),
        (
            {
                "SpeakerSearchDetails": {
                    "Results": [{"ConfidenceScore": True, "VoiceProfileId": "p"}]
                }
            },
            "SpeakerSearchTask.SpeakerSearchDetails.Results[0].ConfidenceScore",
        ),
        (
            {"SpeakerSearchDetails": {"Results": [{"ConfidenceScore": 0.5}]}},
            "SpeakerSearchTask.SpeakerSearchDetails.Results[0].VoiceProfileId",
        ),
        (
            {"SpeakerSearchDetails": {"VoiceprintGenerationStatus": 1}},
            "SpeakerSearchTask.SpeakerSearchDetails.VoiceprintGenerationStatus",
        ),
        ({"CreatedTimestamp": "yesterday"}, "SpeakerSearchTask.CreatedTimestamp"),
        ({"UpdatedTimestamp": 1700000000}, "SpeakerSearchTask.UpdatedTimestamp"),
        ({"StatusMessage": {"text": "x"}}, "SpeakerSearchTask.StatusMessage"),
    ],
)
def test_malformed_wire_data_names_the_field(change: dict[str, object], field: str) -> None:
    with pytest.raises(MalformedResponseError) as caught:
        SpeakerSearchTask.from_dict({**WIRE, **change})
    assert caught.value.field == field
    assert field in str(caught.value)


def test_non_object_task_is_malformed() -> None:
    with pytest.raises(MalformedResponseError, match="not a JSON object"):
        SpeakerSearchTask.from_dict("task")  # type: ignore[arg-type]


def test_unknown_fields_are_ignored() -> None:
    task = SpeakerSearchTask.from_dict({**WIRE, "Brand": "new", "CallDetails": {"CallId": "x"}})
    assert task.call_details is not None
    assert task.call_details.voice_connector_id is None


def test_empty_details_round_trip() -> None:
    task = SpeakerSearchTask(
        speaker_search_task_id="t",
        speaker_search_task_status=SpeakerSearchTaskStatus.IN_PROGRESS,
        speaker_search_details=SpeakerSearchDetails(),
    )
    assert SpeakerSearchTask.from_dict(task.to_dict()) == task


def test_reprs_of_known_members() -> None:
    assert (
        repr(SpeakerSearchTaskStatus.SUCCEEDED)
        == "<SpeakerSearchTaskStatus.SUCCEEDED: 'SUCCEEDED'>"
    )


def test_from_dict_accepts_any_mapping() -> None:
    from types import MappingProxyType  # noqa: PLC0415

    assert SpeakerSearchTask.from_dict(MappingProxyType(WIRE)) == SpeakerSearchTask.from_dict(WIRE)


def test_non_finite_scores_are_malformed() -> None:
    bad = {
        **WIRE,
        "SpeakerSearchDetails": {
            "Results": [{"ConfidenceScore": float("inf"), "VoiceProfileId": "p"}]
        },
    }
    with pytest.raises(MalformedResponseError, match="finite"):
        SpeakerSearchTask.from_dict(bad)


def test_a_result_without_confidence_score_scores_zero() -> None:
    """AWS's Smithy model declares ConfidenceScore's default as 0 (aws/api-models-aws,
    chime-sdk-voice/service/2022-08-03/chime-sdk-voice-2022-08-03.json, SpeakerSearchResult)."""
    task = SpeakerSearchTask.from_dict(
        {
            "SpeakerSearchTaskId": "t",
            "SpeakerSearchTaskStatus": "SUCCEEDED",
            "SpeakerSearchDetails": {"Results": [{"VoiceProfileId": "p"}]},
        }
    )
    assert task.results == (SpeakerSearchResult(confidence_score=0.0, voice_profile_id="p"),)
    assert SpeakerSearchTask.from_dict(task.to_dict()) == task


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("2022-12-14T18:38:38.796Z", "2022-12-14T18:38:38.796Z"),  # the guide's post-call event
        ("2023-03-09T17:55:15Z", "2023-03-09T17:55:15Z"),  # EventBridge's "time"
        ("2026-11-21T13:00:00.123456Z", "2026-11-21T13:00:00.123456Z"),
        ("2026-11-21T13:00:00.5Z", "2026-11-21T13:00:00.500Z"),  # milliseconds, as AWS writes
        ("2026-11-21T14:00:00+01:00", "2026-11-21T14:00:00+01:00"),  # offset kept
    ],
)
def test_to_dict_writes_timestamps_in_the_fewest_digits_the_wire_uses(
    text: str, written: str
) -> None:
    task = SpeakerSearchTask.from_dict({**WIRE, "CreatedTimestamp": text})
    assert task.to_dict()["CreatedTimestamp"] == written
    assert SpeakerSearchTask.from_dict(task.to_dict()) == task
