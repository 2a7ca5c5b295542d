"""Every input rule at its edges; all violations of a call reported together."""

from __future__ import annotations

import pytest

from chime_speaker_search import CallLeg, InvalidParameterError, Violation
from chime_speaker_search._validation import check_get, check_start

OK = {"voice_connector_id": "vc", "transaction_id": "tx", "voice_profile_domain_id": "dom"}


def start(**changes: object) -> dict[str, str]:
    return check_start(**{**OK, "call_leg": None, "client_request_token": None, **changes})


def violations(**changes: object) -> list[tuple[str, str]]:
    with pytest.raises(InvalidParameterError) as caught:
        start(**changes)
    return [(v.parameter, v.constraint) for v in caught.value.violations]


@pytest.mark.parametrize(
    ("argument", "wire", "longest"),
    [
        ("voice_connector_id", "VoiceConnectorId", 128),
        ("transaction_id", "TransactionId", 256),
        ("voice_profile_domain_id", "VoiceProfileDomainId", 256),
    ],
)
def test_id_lengths_at_the_edges(argument: str, wire: str, longest: int) -> None:
    assert start(**{argument: "a" * longest})[wire] == "a" * longest
    assert start(**{argument: "a"})[wire] == "a"
    assert violations(**{argument: "a" * (longest + 1)}) == [
        (wire, f"must be 1-{longest} characters")
    ]
    assert violations(**{argument: ""}) == [(wire, f"must be 1-{longest} characters")]


def test_length_counts_code_points() -> None:
    assert start(transaction_id="é" * 256)["TransactionId"] == "é" * 256
    assert start(transaction_id="🎙" * 256)["TransactionId"] == "🎙" * 256


@pytest.mark.parametrize("value", ["abc\n", " a ", "\ta", "x", "\u00a0b", "\x1c"])
def test_ids_need_only_one_non_whitespace_character(value: str) -> None:
    assert start(transaction_id=value)["TransactionId"] == value


@pytest.mark.parametrize("value", ["   ", "\n\t", "\r\n", "\u00a0", "\u2003\u3000", "\ufeff"])
def test_whitespace_only_ids_are_rejected(value: str) -> None:
    assert violations(transaction_id=value) == [
        ("TransactionId", "must contain a non-whitespace character")
    ]


def test_lone_surrogates_are_rejected() -> None:
    assert violations(transaction_id="a\ud800") == [
        ("TransactionId", "must be valid Unicode text (it contains a lone surrogate)")
    ]


@pytest.mark.parametrize(
    ("value", "constraint"),
    [(5, "must be a string"), (b"vc", "must be a string"), (None, "is required")],
)
def test_wrong_types_are_violations_not_crashes(value: object, constraint: str) -> None:
    assert violations(voice_connector_id=value) == [("VoiceConnectorId", constraint)]


@pytest.mark.parametrize("token", ["ab", "a" * 64, "A-z_0-9", "--", "__"])
def test_valid_tokens(token: str) -> None:
    assert start(client_request_token=token)["ClientRequestToken"] == token


@pytest.mark.parametrize(
    ("token", "constraint"),
    [
        ("a", "must be 2-64 characters"),
        ("", "must be 2-64 characters"),
        ("a" * 65, "must be 2-64 characters"),
        ("ab cd", "must contain only letters A-Z a-z, digits 0-9, '-' and '_'"),
        ("tok.en", "must contain only letters A-Z a-z, digits 0-9, '-' and '_'"),
        ("tokén", "must contain only letters A-Z a-z, digits 0-9, '-' and '_'"),
        ("token\n", "must contain only letters A-Z a-z, digits 0-9, '-' and '_'"),
        (12345, "must be a string"),
    ],
)
def test_invalid_tokens(token: object, constraint: str) -> None:
    assert violations(client_request_token=token) == [("ClientRequestToken", constraint)]


@pytest.mark.parametrize(
    ("leg", "wire"), [(CallLeg.CALLER, "Caller"), ("Callee", "Callee"), (CallLeg.CALLEE, "Callee")]
)
def test_call_leg_members_and_exact_strings(leg: object, wire: str) -> None:
    assert start(call_leg=leg)["CallLeg"] == wire


@pytest.mark.parametrize("leg", ["caller", "CALLER", "Both", "", 1, True])
def test_other_call_legs_are_rejected(leg: object) -> None:
    assert violations(call_leg=leg) == [("CallLeg", "must be 'Caller' or 'Callee'")]


def test_optional_arguments_are_omitted_when_none() -> None:
    assert start() == {
        "VoiceConnectorId": "vc",
        "TransactionId": "tx",
        "VoiceProfileDomainId": "dom",
    }


def test_all_violations_are_reported_together_with_a_readable_message() -> None:
    with pytest.raises(InvalidParameterError) as caught:
        start(
            voice_connector_id="",
            transaction_id="t" * 300,
            voice_profile_domain_id=7,
            call_leg="x",
            client_request_token="!",
        )
    error = caught.value
    assert [v.parameter for v in error.violations] == [
        "VoiceConnectorId",
        "TransactionId",
        "VoiceProfileDomainId",
        "CallLeg",
        "ClientRequestToken",
    ]
    assert isinstance(error, ValueError)
    text = str(error)
    assert text.startswith("5 invalid parameters: ")
    assert "TransactionId must be 1-256 characters, got 300" in text
    assert "VoiceProfileDomainId must be a string, got int 7" in text
    assert "CallLeg must be 'Caller' or 'Callee', got 'x'" in text
    assert error.violations[1].value == "t" * 300


def test_single_violation_message_names_parameter_rule_and_value() -> None:
    with pytest.raises(
        InvalidParameterError,
        match=r"^TransactionId must contain a non-whitespace character, got '  '$",
    ):
        start(transaction_id="  ")


def test_long_rejected_values_are_shortened_in_messages() -> None:
    violation = Violation(
        parameter="CallLeg", constraint="must be 'Caller' or 'Callee'", value="x" * 10_000
    )
    assert len(str(violation)) < 150


def test_str_enum_values_are_sent_as_their_value() -> None:
    assert start(transaction_id=CallLeg.CALLER)["TransactionId"] == "Caller"


def test_check_get() -> None:
    assert check_get(voice_connector_id="vc", speaker_search_task_id="t") == {
        "VoiceConnectorId": "vc",
        "SpeakerSearchTaskId": "t",
    }
    with pytest.raises(InvalidParameterError) as caught:
        check_get(voice_connector_id="v" * 129, speaker_search_task_id="s" * 257)
    assert [v.parameter for v in caught.value.violations] == [
        "VoiceConnectorId",
        "SpeakerSearchTaskId",
    ]
