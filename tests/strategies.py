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
