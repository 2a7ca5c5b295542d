"""The service's documented numbers the emulator follows, each with where it is written.

Sources (all public):

* [va-data-retention] Amazon Chime SDK Developer Guide, "Understanding data retention
  for Amazon Chime SDK voice analytics",
  https://docs.aws.amazon.com/chime-sdk/latest/dg/va-data-retention.html
* [va-architecture] the same guide, "Understanding voice analytics architecture",
  https://docs.aws.amazon.com/chime-sdk/latest/dg/va-architecture.html
* [ca-regions] the same guide, "Call analytics service quotas for the Amazon Chime SDK",
  https://docs.aws.amazon.com/chime-sdk/latest/dg/ca-regions.html
* [va-in-voice-namespace] the same guide, "Using voice APIs to run voice analytics",
  https://docs.aws.amazon.com/chime-sdk/latest/dg/va-in-voice-namespace.html
* [smithy] AWS's Smithy model of the service, repository aws/api-models-aws, path
  chime-sdk-voice/service/2022-08-03/chime-sdk-voice-2022-08-03.json
* [botocore] botocore's model, botocore/data/chime-sdk-voice/2022-08-03/service-2.json
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

__all__ = [
    "ERROR_CODES",
    "IDENTIFICATION_SPEECH_SECONDS",
    "MAX_ACTIVE_TASKS",
    "MAX_PAGE_SIZE",
    "MAX_RESULTS",
    "MAX_VOICE_PROFILES_PER_DOMAIN",
    "PROFILE_LIFETIME_YEARS",
    "QUEUE_SECONDS",
    "SIGNING_NAME",
    "TASK_RETENTION",
    "VOICEPRINT_RETENTION",
    "VOICEPRINT_SPEECH_SECONDS",
]

# [va-in-voice-namespace]: a task waits in a queue briefly (the emulator: 1 s);
# identification needs 10 s of non-silent speech, a voiceprint 20 s; at most 10 results.
QUEUE_SECONDS: Final = 1.0
IDENTIFICATION_SPEECH_SECONDS: Final = 10.0
VOICEPRINT_SPEECH_SECONDS: Final = 20.0
MAX_RESULTS: Final = 10

# [va-data-retention]: "Results from StartSpeakerSearchTask ... will also be available
# from ... GetSpeakerSearchTask ... for a maximum of 7 days."
TASK_RETENTION: Final = timedelta(days=7)
# [va-data-retention]: "Voice embeddings generated from a StartSpeakerSearchTask are
# available for persistence via the CreateVoiceProfile and UpdateVoiceProfile APIs for
# 24 hours, after which they're deleted and not available."
VOICEPRINT_RETENTION: Final = timedelta(hours=24)
# [va-data-retention]: "deletes voice embeddings after 3 years ... You can use the
# UpdateVoiceProfile API to update expired voice embeddings"; [va-architecture]: "Voice
# profiles expire after three years"; [smithy] VoiceProfile.ExpirationTimestamp: "The time
# at which a voice profile expires unless you re-enroll the caller via the
# UpdateVoiceProfile API".
PROFILE_LIFETIME_YEARS: Final = 3

# [ca-regions] default quotas (all adjustable except the one-task-per-call rule, which
# the emulator always applies): 25 active speaker search tasks per region, 20 voice
# profiles per voice profile domain. Exceeding one is a ResourceLimitExceededException
# ("If you exceed the quota for any Region, you receive a Resource Limit Exceeded
# exception").
MAX_ACTIVE_TASKS: Final = 25
MAX_VOICE_PROFILES_PER_DOMAIN: Final = 20

# [smithy] ResultMax: the MaxResults of both List operations is 1-100.
MAX_PAGE_SIZE: Final = 100

# [smithy] the service trait `aws.auth#sigv4 {name: "chime"}`: the signing name in the
# credential scope (the endpoint prefix is "voice-chime", but requests are signed "chime").
SIGNING_NAME: Final = "chime"

# [smithy] every modelled error structure has the members `Code` (enum ErrorCode) and
# `Message`; the service fills `Code` with the ErrorCode value for the error. botocore
# reads the error type from the x-amzn-ErrorType header first, so `Code` is extra
# information, never what decides the exception class.
ERROR_CODES: Final = {
    "AccessDeniedException": "AccessDenied",
    "BadRequestException": "BadRequest",
    "ConflictException": "Conflict",
    "ForbiddenException": "Forbidden",
    "GoneException": "Gone",
    "NotFoundException": "NotFound",
    "ResourceLimitExceededException": "ResourceLimitExceeded",
    "ServiceFailureException": "ServiceFailure",
    "ServiceUnavailableException": "ServiceUnavailable",
    "ThrottledClientException": "Throttled",
    "UnauthorizedClientException": "Unauthorized",
    "UnprocessableEntityException": "Unprocessable",
}
