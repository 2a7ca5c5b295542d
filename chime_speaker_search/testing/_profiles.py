"""Voice profile domains and voice profiles: records, expiry, wire form and paging.

Plain data on the emulator's clock, no HTTP. The wire shapes are the service's
(botocore's and AWS's Smithy model): ``VoiceProfile`` and ``VoiceProfileSummary`` have
the same six members; ``VoiceProfileDomain`` has ``ServerSideEncryptionConfiguration``,
its summary does not.
"""

from __future__ import annotations

import base64
import binascii
import calendar
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

import attrs

from chime_speaker_search._convert import format_timestamp
from chime_speaker_search.errors import BadRequestException

from ._rules import PROFILE_LIFETIME_YEARS

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

__all__ = ["ARN_ACCOUNT", "Domain", "Page", "Profile", "add_years", "paginate"]

# The account the emulator's ARNs (and events) name: AWS's documentation example.
ARN_ACCOUNT: Final = "111122223333"
_CURSOR_PREFIX: Final = "v1:"


def _iso(moment: datetime) -> str:
    # The same text SpeakerSearchTask.to_dict() writes, so every timestamp the emulator
    # sends looks alike.
    return format_timestamp(moment)


def add_years(moment: datetime, years: int) -> datetime:
    """The same date and time ``years`` later; 29 February becomes 28 February."""
    year = moment.year + years
    day = min(moment.day, calendar.monthrange(year, moment.month)[1])
    return moment.replace(year=year, day=day)


@attrs.define(kw_only=True)
class Domain:
    """A voice profile domain, as seeded (the emulator serves no CreateVoiceProfileDomain)."""

    domain_id: str
    name: str
    description: str | None
    kms_key_arn: str
    created: datetime
    updated: datetime

    def arn(self, region: str) -> str:
        """The domain's ARN, shaped like the service's."""
        return f"arn:aws:chime:{region}:{ARN_ACCOUNT}:voice-profile-domain/{self.domain_id}"

    def to_wire(self, region: str, *, summary: bool) -> dict[str, Any]:
        """``VoiceProfileDomain`` (or, with ``summary``, ``VoiceProfileDomainSummary``)."""
        wire: dict[str, Any] = {
            "VoiceProfileDomainId": self.domain_id,
            "VoiceProfileDomainArn": self.arn(region),
            "Name": self.name,
        }
        if self.description is not None:
            wire["Description"] = self.description
        if not summary:
            wire["ServerSideEncryptionConfiguration"] = {"KmsKeyArn": self.kms_key_arn}
        wire["CreatedTimestamp"] = _iso(self.created)
        wire["UpdatedTimestamp"] = _iso(self.updated)
        return wire


@attrs.define(kw_only=True)
class Profile:
    """A voice profile: whose voice it holds, and its life on the clock.

    ``speaker`` is the identity a search compares callers with: the name given to
    ``add_voice_profile``, or the voice of the call leg a CreateVoiceProfile or
    UpdateVoiceProfile took its voiceprint from.
    """

    voice_profile_id: str
    domain_id: str
    speaker: str
    created: datetime
    updated: datetime
    sequence: int

    @property
    def expires(self) -> datetime:
        """3 years after creation or the last update (see ``_rules``)."""
        return add_years(self.updated, PROFILE_LIFETIME_YEARS)

    def is_expired(self, now: datetime) -> bool:
        """True once the voice embedding has been deleted."""
        return now >= self.expires

    def arn(self, region: str) -> str:
        """The profile's ARN, shaped like the service's."""
        return f"arn:aws:chime:{region}:{ARN_ACCOUNT}:voice-profile/{self.voice_profile_id}"

    def to_wire(self, region: str) -> dict[str, Any]:
        """``VoiceProfile``, which is also what ``VoiceProfileSummary`` holds."""
        return {
            "VoiceProfileId": self.voice_profile_id,
            "VoiceProfileArn": self.arn(region),
            "VoiceProfileDomainId": self.domain_id,
            "CreatedTimestamp": _iso(self.created),
            "UpdatedTimestamp": _iso(self.updated),
            "ExpirationTimestamp": _iso(self.expires),
        }


@attrs.frozen(kw_only=True)
class Page:
    """One page of a List operation: the items' wire forms and the next token, if any."""

    items: list[dict[str, Any]]
    next_token: str | None


def _encode_token(scope: str, sequence: int) -> str:
    raw = f"{_CURSOR_PREFIX}{sequence}:{scope}".encode()
    return base64.urlsafe_b64encode(raw).decode("ascii")


def _decode_token(token: str, scope: str) -> int:
    """The sequence number the previous page ended at.

    Raises:
        BadRequestException: The token was not made by this List for this scope.
    """
    try:
        raw = base64.urlsafe_b64decode(token.encode("ascii")).decode()
    except (ValueError, UnicodeError, binascii.Error):
        raw = ""
    sequence, _, token_scope = raw.removeprefix(_CURSOR_PREFIX).partition(":")
    if not raw.startswith(_CURSOR_PREFIX) or token_scope != scope or not sequence.isdecimal():
        raise BadRequestException(
            "NextToken is not a token this List operation returned for these parameters;"
            " start again without it."
        )
    return int(sequence)


def paginate(
    records: Iterable[tuple[int, dict[str, Any]]],
    *,
    scope: str,
    next_token: str | None,
    max_results: int,
) -> Page:
    """One page of ``(sequence, wire form)`` records, in sequence order.

    The token remembers the last sequence number served, so records created or deleted
    between pages neither repeat nor shift the rest.

    Raises:
        BadRequestException: ``next_token`` is not one of ours for ``scope``.
    """
    after = -1 if next_token is None else _decode_token(next_token, scope)
    remaining: Sequence[tuple[int, dict[str, Any]]] = [
        record for record in records if record[0] > after
    ]
    page = remaining[:max_results]
    more = len(remaining) > max_results
    return Page(
        items=[wire for _, wire in page],
        next_token=_encode_token(scope, page[-1][0]) if more else None,
    )
