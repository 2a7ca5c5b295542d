"""Property-based checks: the validator against an independent oracle, and fuzzed responses.

The oracle is written from the documented rules alone (SPEC.md), not from the
validator's code: ids 1..N code points containing a character that is not ECMAScript
whitespace (Smithy patterns are ECMA-262), tokens 2..64 characters of [-_a-zA-Z0-9],
CallLeg "Caller"/"Callee", and text that can be encoded (no lone surrogates).
"""

from __future__ import annotations

import copy
import json
import string
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import botocore.session
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chime_speaker_search import (
    InvalidParameterError,
    MalformedResponseError,
    RetryPolicy,
    SpeakerSearchClient,
    SpeakerSearchTask,
)
from chime_speaker_search._clock import ManualClock
from tests import strategies
from tests.scripted import Reply, ScriptedServer

if TYPE_CHECKING:
    from collections.abc import Iterator

ECMA_WHITESPACE = set("\t\n\v\f\r \u00a0\u1680\u2028\u2029\u202f\u205f\u3000\ufeff") | {
    chr(c) for c in range(0x2000, 0x200B)
}
TOKEN_ALPHABET = set(string.ascii_letters + string.digits + "-_")


def oracle_id(value: object, longest: int) -> bool:
    return (
        isinstance(value, str)
        and 1 <= len(value) <= longest
        and any(ch not in ECMA_WHITESPACE for ch in value)
        and not any(0xD800 <= ord(ch) <= 0xDFFF for ch in value)
    )


def oracle_token(value: object) -> bool:
    return isinstance(value, str) and 2 <= len(value) <= 64 and set(value) <= TOKEN_ALPHABET


whitespace_heavy = st.text(
    alphabet=st.sampled_from([*sorted(ECMA_WHITESPACE), "a", "\x1c", "\x85", "\u200b"]),
    max_size=6,
)
any_text = st.text(max_size=300) | whitespace_heavy | st.text(min_size=120, max_size=140)
non_str = st.integers() | st.none() | st.binary(max_size=5) | st.floats() | st.booleans()
id_values = any_text | non_str
token_values = (
    st.text(alphabet=sorted(TOKEN_ALPHABET), max_size=70) | st.text(max_size=70) | st.integers()
)


@pytest.fixture(scope="module")
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer() as running:
        yield running


@pytest.fixture(scope="module")
def client(server: ScriptedServer) -> Iterator[SpeakerSearchClient]:
    session = botocore.session.Session()  # module scope: before the env fixture runs
    session.set_credentials("AKIDPROPERTIES", "not-a-real-secret")
    with SpeakerSearchClient(
        endpoint_url=server.endpoint_url,
        region_name="us-east-1",
        session=session,
        clock=ManualClock(),
        retry=RetryPolicy.disabled(),
    ) as made:
        yield made


@settings(
    max_examples=250, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)
@given(vc=id_values, tx=id_values, domain=id_values, token=st.none() | token_values)
def test_validator_agrees_with_the_oracle_and_guards_the_network(
    client: SpeakerSearchClient,
    server: ScriptedServer,
    vc: Any,
    tx: Any,
    domain: Any,
    token: Any,
) -> None:
    expected_ok = (
        oracle_id(vc, 128)
        and oracle_id(tx, 256)
        and oracle_id(domain, 256)
        and (token is None or oracle_token(token))
    )
    before = len(server.requests)
    try:
        client.start_speaker_search_task(
            voice_connector_id=vc,
            transaction_id=tx,
            voice_profile_domain_id=domain,
            client_request_token=token,
        )
    except InvalidParameterError as error:
        assert not expected_ok, error
        assert len(server.requests) == before  # nothing reached the network
        wrong = {v.parameter for v in error.violations}
        assert ("VoiceConnectorId" in wrong) == (not oracle_id(vc, 128))
        assert ("TransactionId" in wrong) == (not oracle_id(tx, 256))
        assert ("VoiceProfileDomainId" in wrong) == (not oracle_id(domain, 256))
        assert ("ClientRequestToken" in wrong) == (token is not None and not oracle_token(token))
        return
    assert expected_ok
    (sent,) = server.requests[before:]
    # Valid values are sent unchanged.
    assert unquote(sent.path) == f"/voice-connectors/{vc}/speaker-search-tasks"
    assert sent.body["TransactionId"] == tx
    assert sent.body["VoiceProfileDomainId"] == domain
    if token is not None:
        assert sent.body["ClientRequestToken"] == token


@given(leg=st.text(max_size=8) | st.sampled_from(["Caller", "Callee", "caller"]) | non_str)
def test_call_leg_oracle(leg: Any) -> None:
    from chime_speaker_search._validation import check_start  # noqa: PLC0415

    ok = leg in ("Caller", "Callee") and isinstance(leg, str)
    try:
        params = check_start(
            voice_connector_id="vc",
            transaction_id="tx",
            voice_profile_domain_id="d",
            call_leg=leg,
            client_request_token=None,
        )
    except InvalidParameterError:
        assert not ok or leg is None
    else:
        assert ok or leg is None
        assert params.get("CallLeg") == leg


# --- response fuzzing -----------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


def _walk(node: Any, paths: list[tuple[Any, Any]]) -> None:
    """Collect (container, key) for every value in a JSON document."""
    if isinstance(node, dict):
        for key in list(node):
            paths.append((node, key))
            _walk(node[key], paths)
    elif isinstance(node, list):
        for index in range(len(node)):
            paths.append((node, index))
            _walk(node[index], paths)


@st.composite
def mutated_wire(draw: st.DrawFn) -> Any:
    """A valid task's wire form with a few random mutations applied."""
    wire: Any = json.loads(json.dumps(draw(strategies.tasks).to_dict()))
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        paths: list[tuple[Any, Any]] = []
        _walk(wire, paths)
        if not paths:
            break
        parent, key = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["drop", "retype", "enum", "score", "timestamp", "huge"]))
        if action == "drop" and isinstance(parent, dict):
            del parent[key]
        elif action == "enum":
            parent[key] = draw(st.text(max_size=12))
        elif action == "score":
            parent[key] = draw(st.floats(allow_nan=True, allow_infinity=True) | st.integers())
        elif action == "timestamp":
            parent[key] = draw(
                st.sampled_from(
                    [
                        "2026-02-30T00:00:00Z",
                        "",
                        "1700000000",
                        "2026-01-01T00:00:00+25:00",
                        "2026-01-01",
                        "2026-01-01T00:00:00.123456789Z",
                    ]
                )
            )
        elif action == "huge":
            parent[key] = [{"ConfidenceScore": 0.5, "VoiceProfileId": f"p{i}"} for i in range(500)]
        else:
            parent[key] = draw(json_values)
    return wire


@settings(max_examples=300, deadline=None)
@given(wire=mutated_wire())
def test_fuzzed_task_data_gives_a_model_or_malformed_response_error(wire: Any) -> None:
    try:
        task = SpeakerSearchTask.from_dict(wire)
    except MalformedResponseError as error:
        assert error.field is None or error.field.startswith("SpeakerSearchTask")
    else:
        assert SpeakerSearchTask.from_dict(task.to_dict()) == task


@settings(
    max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)
@given(wire=mutated_wire())
def test_fuzzed_responses_over_http_never_escape_as_bare_errors(
    client: SpeakerSearchClient, server: ScriptedServer, wire: Any
) -> None:
    server.script(Reply(body={"SpeakerSearchTask": copy.deepcopy(wire)}))
    try:
        task = client.get_speaker_search_task(voice_connector_id="vc", speaker_search_task_id="t")
    except MalformedResponseError:
        pass
    else:
        assert isinstance(task, SpeakerSearchTask)
