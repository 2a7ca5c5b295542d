"""A ready-made world for demos: a Voice Connector, enrolled speakers, three calls.

The ids are fixed, so instructions written once (a README, a shell history) keep
working against every fresh emulator.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from ._service import LocalSpeakerSearchService

__all__ = ["DemoSeed", "aws_cli_examples", "seed_demo"]

_VOICE_CONNECTOR_ID = "a1b2c3d4e5f6g7h8i9j0kl"
_DOMAIN_ID = "44d96695-886f-49e8-aa50-7a9e066674a6"
_PROFILES = {
    "alice": "bf93621c-0c31-4412-8baa-c30171e31df9",
    "bob": "1ee55538-f170-49d1-a2b5-9c97a718eebd",
    "carol": "ec244406-d26e-4c9f-8c63-7d4c366e4d94",
}
_SUCCEEDING = "8c6e037a-04f3-494b-acb7-b90c671477f3"
_PARTIAL = "1d33ede3-5f93-41c1-9f92-869fb99449e3"
_FAILING = "5a1ca9b0-9243-49d8-b3cd-85640d6eb6c7"


def _frozen_mapping(value: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(value))


@attrs.frozen(kw_only=True)
class DemoSeed:
    """The ids :func:`seed_demo` created.

    Attributes:
        voice_connector_id: The Voice Connector carrying the calls.
        voice_profile_domain_id: The domain the speakers are enrolled in.
        voice_profile_ids: Each enrolled speaker's voice profile id, by name
            (``"alice"``, ``"bob"``, ``"carol"``).
        succeeding_transaction_id: Alice calls Carol and both talk long enough
            (60 s / 45 s): a task ends SUCCEEDED, on either leg.
        partial_success_transaction_id: Bob talks for 15 s: enough to identify him,
            not for a voiceprint, so a task ends PARTIAL_SUCCESS.
        failing_transaction_id: Carol says hello for 5 s: too short, a task FAILS.
        callers: Who speaks on the caller leg of each call, by transaction id.
    """

    voice_connector_id: str
    voice_profile_domain_id: str
    voice_profile_ids: Mapping[str, str] = attrs.field(converter=_frozen_mapping)
    succeeding_transaction_id: str
    partial_success_transaction_id: str
    failing_transaction_id: str
    callers: Mapping[str, str] = attrs.field(converter=_frozen_mapping)

    def speaker_of(self, voice_profile_id: str) -> str | None:
        """The name of the speaker a voice profile belongs to, or ``None``."""
        for speaker, profile_id in self.voice_profile_ids.items():
            if profile_id == voice_profile_id:
                return speaker
        return None


def seed_demo(service: LocalSpeakerSearchService) -> DemoSeed:
    """Create the demo world in ``service`` (once per service: the ids are fixed).

    Args:
        service: The emulator to seed; it need not be running yet.

    Returns:
        The ids of everything created.

    Raises:
        ValueError: The service was seeded with these ids already.
    """
    vc = service.add_voice_connector(_VOICE_CONNECTOR_ID)
    domain = service.add_voice_profile_domain(_DOMAIN_ID)
    profiles = {
        speaker: service.add_voice_profile(domain, speaker=speaker, voice_profile_id=profile_id)
        for speaker, profile_id in _PROFILES.items()
    }
    succeeding = service.add_call(
        vc,
        caller="alice",
        callee="carol",
        caller_speech_seconds=60.0,
        callee_speech_seconds=45.0,
        transaction_id=_SUCCEEDING,
    )
    partial = service.add_call(
        vc, caller="bob", callee=None, caller_speech_seconds=15.0, transaction_id=_PARTIAL
    )
    failing = service.add_call(
        vc, caller="carol", callee="bob", caller_speech_seconds=5.0, transaction_id=_FAILING
    )
    return DemoSeed(
        voice_connector_id=vc,
        voice_profile_domain_id=domain,
        voice_profile_ids=profiles,
        succeeding_transaction_id=succeeding,
        partial_success_transaction_id=partial,
        failing_transaction_id=failing,
        callers={succeeding: "alice", partial: "bob", failing: "carol"},
    )


def aws_cli_examples(service: LocalSpeakerSearchService, seed: DemoSeed) -> list[str]:
    """Copy-paste AWS CLI commands (POSIX shell) that use the seeded emulator.

    The first starts a task on the succeeding call and keeps its id in ``$TASK_ID``;
    the second reads the task. Each sets dummy credentials for itself only, so the
    shell's real AWS settings are left alone.

    Args:
        service: The running emulator (for its endpoint and region).
        seed: What :func:`seed_demo` returned.

    Returns:
        One shell command per item, to run in order.
    """
    aws = "AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing aws chime-sdk-voice"
    target = (
        f"--endpoint-url {shlex.quote(service.endpoint_url)}"
        f" --region {shlex.quote(service.region_name)}"
    )
    vc = shlex.quote(seed.voice_connector_id)
    start = (
        f"TASK_ID=$({aws} start-speaker-search-task --voice-connector-id {vc}"
        f" --transaction-id {shlex.quote(seed.succeeding_transaction_id)}"
        f" --voice-profile-domain-id {shlex.quote(seed.voice_profile_domain_id)}"
        f" --query SpeakerSearchTask.SpeakerSearchTaskId --output text {target})"
    )
    get = (
        f"{aws} get-speaker-search-task --voice-connector-id {vc}"
        f' --speaker-search-task-id "$TASK_ID" {target}'
    )
    return [start, get]
