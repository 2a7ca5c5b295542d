"""Hypothesis strategies for the models and their wire form, kept in one place."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import strategies as st

from chime_speaker_search import (
    CallDetails,
    SpeakerSearchDetails,
    SpeakerSearchResult,
    SpeakerSearchTask,
    SpeakerSearchTaskStatus,
    VoiceprintGenerationStatus,
    VoiceProfile,
    VoiceProfileDomain,
)

ids = st.text(min_size=1, max_size=40).filter(lambda s: not s.isspace())
timestamps = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from(
        [timezone.utc, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5, minutes=-30))]
    ),
)
statuses = st.one_of(
    st.sampled_from(list(SpeakerSearchTaskStatus)),
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ_", min_size=1, max_size=12).map(
        SpeakerSearchTaskStatus
    ),
)
voiceprint_statuses = st.one_of(
    st.sampled_from(list(VoiceprintGenerationStatus)),
    st.text(min_size=1, max_size=12).map(VoiceprintGenerationStatus),
)
results = st.builds(
    SpeakerSearchResult,
    confidence_score=st.floats(min_value=0.0, max_value=1.0),
    voice_profile_id=ids,
)
details = st.builds(
    SpeakerSearchDetails,
    results=st.lists(results, max_size=10).map(tuple),
    voiceprint_generation_status=st.none() | voiceprint_statuses,
)
call_details = st.builds(
    CallDetails,
    voice_connector_id=st.none() | ids,
    transaction_id=st.none() | ids,
    is_caller=st.none() | st.booleans(),
)
tasks = st.builds(
    SpeakerSearchTask,
    speaker_search_task_id=ids,
    speaker_search_task_status=statuses,
    call_details=st.none() | call_details,
    speaker_search_details=st.none() | details,
    created_timestamp=st.none() | timestamps,
    updated_timestamp=st.none() | timestamps,
    started_timestamp=st.none() | timestamps,
    status_message=st.none() | st.text(max_size=40),
)
arns = st.from_regex(r"arn:aws:chime:us-east-1:[0-9]{12}:[a-z-]+/[a-z0-9-]{1,20}", fullmatch=True)
voice_profiles = st.builds(
    VoiceProfile,
    voice_profile_id=ids,
    voice_profile_arn=st.none() | arns,
    voice_profile_domain_id=st.none() | ids,
    created_timestamp=st.none() | timestamps,
    updated_timestamp=st.none() | timestamps,
    expiration_timestamp=st.none() | timestamps,
)
voice_profile_domains = st.builds(
    VoiceProfileDomain,
    voice_profile_domain_id=ids,
    voice_profile_domain_arn=st.none() | arns,
    name=st.none() | st.text(max_size=40),
    description=st.none() | st.text(max_size=80),
    kms_key_arn=st.none() | arns,
    created_timestamp=st.none() | timestamps,
    updated_timestamp=st.none() | timestamps,
)

# --- HTTP/1.1 responses, as a server may frame them ----------------------------------------

_header_names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=12).filter(
    lambda name: name not in ("content-length", "transfer-encoding", "connection")
)
_header_values = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
    max_size=20,
).map(str.strip)


@st.composite
def http_responses(draw: st.DrawFn) -> tuple[bytes, int, dict[str, str], bytes]:
    """A valid response's bytes, with the status, headers and body a parser must find.

    Framing is a Content-Length, chunks (random sizes, extensions, trailers) or the end of
    the connection; 1xx interim answers may come first.
    """
    status = draw(st.sampled_from([200, 201, 202, 400, 404, 429, 500, 503]))
    body = draw(st.binary(max_size=300))
    framing = draw(st.sampled_from(["length", "chunked", "close"]))
    headers = dict(draw(st.lists(st.tuples(_header_names, _header_values), max_size=4)))
    head = "".join(
        f"HTTP/1.1 {code} Interim\r\n\r\n" for code in draw(st.lists(st.sampled_from([100, 103])))
    )
    lines = [f"HTTP/1.1 {status} Some Reason"] + [f"{k}: {v}" for k, v in headers.items()]
    if framing == "length":
        lines.append(f"Content-Length: {len(body)}")
        payload = body
    elif framing == "close":
        lines.append("Connection: close")
        payload = body
    else:
        lines.append("Transfer-Encoding: chunked")
        cuts = sorted(draw(st.lists(st.integers(0, len(body)), max_size=5)))
        pieces = [body[a:b] for a, b in zip([0, *cuts], [*cuts, len(body)], strict=True) if b > a]
        chunks = b""
        for piece in pieces:
            extension = draw(st.sampled_from([b"", b";name=value", b' ; q="x"']))
            chunks += b"%x%s\r\n%s\r\n" % (len(piece), extension, piece)
        trailer = draw(st.sampled_from([b"", b"X-Trailer: done\r\n"]))
        payload = chunks + b"0\r\n" + trailer + b"\r\n"
    wire = (head + "\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload
    expected = dict(headers)
    if framing == "length":
        expected["content-length"] = str(len(body))
    elif framing == "close":
        expected["connection"] = "close"
    else:
        expected["transfer-encoding"] = "chunked"
    return wire, status, expected, body


@st.composite
def splits(draw: st.DrawFn, data: bytes) -> list[bytes]:
    """``data`` cut into pieces at random places (empty pieces included)."""
    cuts = sorted(draw(st.lists(st.integers(0, len(data)), max_size=12)))
    return [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]
