"""The commands on voice profiles and their domains: profiles ..., domains ..., and enrol."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from chime_speaker_search.errors import OutcomeUnknownError, VoiceprintUnavailableError

from ._exit import EXIT_OK
from ._render import (
    voice_profile_domain_table,
    voice_profile_domains_table,
    voice_profile_table,
    voice_profiles_table,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from chime_speaker_search._client import SpeakerSearchClient
    from chime_speaker_search._models import SpeakerSearchTask, VoiceProfile

    from ._run import Invocation

__all__ = [
    "cmd_domains_get",
    "cmd_domains_list",
    "cmd_profiles_create",
    "cmd_profiles_delete",
    "cmd_profiles_get",
    "cmd_profiles_list",
    "cmd_profiles_update",
    "enrol_after_wait",
]


def _print_profile(run: Invocation, profile: VoiceProfile) -> None:
    run.print_result(
        {"VoiceProfile": profile.to_dict()},
        lambda: "\n".join(voice_profile_table(profile)) + "\n",
        context=f"voice profile {profile.voice_profile_id}",
    )


@contextlib.contextmanager
def _no_token(run: Invocation, what: str, check: str) -> Iterator[None]:
    """Around a write without an idempotency token: say how to check when its fate is unknown.

    Interrupted (Ctrl-C, a signal) or with its answer lost, the write may or may not have
    happened, and re-running the command is not safe until checked.
    """
    hint = f"{what} may or may not have happened; check with `{check}` before running it again"
    run.interrupted_hint = hint
    try:
        yield
    except OutcomeUnknownError:
        run.console.line(hint)
        raise
    run.interrupted_hint = None


def _get_command(run: Invocation, profile_id: str) -> str:
    return run.command("profiles", "get", "--voice-profile-id", profile_id)


def _list_command(run: Invocation, domain_id: str) -> str:
    return run.command("profiles", "list", "--voice-profile-domain-id", domain_id)


def cmd_profiles_create(run: Invocation) -> int:
    """``profiles create``: enrol the caller of a task as a new voice profile."""
    task_id = run.args.speaker_search_task_id
    what = f"creating a voice profile from task {task_id}"
    with run.client() as client, _no_token(run, what, _list_command(run, "DOMAIN")):
        profile = client.create_voice_profile(speaker_search_task_id=task_id)
    _print_profile(run, profile)
    return EXIT_OK


def cmd_profiles_update(run: Invocation) -> int:
    """``profiles update``: refresh a voice profile from a newer task's voiceprint."""
    args = run.args
    what = f"updating voice profile {args.voice_profile_id}"
    check = _get_command(run, args.voice_profile_id)
    with run.client() as client, _no_token(run, what, check):
        profile = client.update_voice_profile(
            voice_profile_id=args.voice_profile_id,
            speaker_search_task_id=args.speaker_search_task_id,
        )
    _print_profile(run, profile)
    return EXIT_OK


def cmd_profiles_get(run: Invocation) -> int:
    """``profiles get``: print a voice profile."""
    with run.client() as client:
        profile = client.get_voice_profile(voice_profile_id=run.args.voice_profile_id)
    _print_profile(run, profile)
    return EXIT_OK


def cmd_profiles_delete(run: Invocation) -> int:
    """``profiles delete``: delete a voice profile; stdout stays empty, as with the AWS CLI."""
    profile_id = run.args.voice_profile_id
    what = f"deleting voice profile {profile_id}"
    with run.client() as client, _no_token(run, what, _get_command(run, profile_id)):
        client.delete_voice_profile(voice_profile_id=profile_id)
    run.console.line(f"deleted voice profile {profile_id}")
    return EXIT_OK


def cmd_profiles_list(run: Invocation) -> int:
    """``profiles list``: every voice profile of a domain, all pages, as one list."""
    args = run.args
    with run.client() as client:
        profiles = list(
            client.list_voice_profiles(
                voice_profile_domain_id=args.voice_profile_domain_id, page_size=args.page_size
            )
        )
    # As the AWS CLI prints a paginated listing: the pages' items merged under one key.
    run.print_result(
        {"VoiceProfiles": [p.to_dict() for p in profiles]},
        lambda: voice_profiles_table(profiles),
    )
    return EXIT_OK


def cmd_domains_get(run: Invocation) -> int:
    """``domains get``: print a voice profile domain."""
    with run.client() as client:
        domain = client.get_voice_profile_domain(
            voice_profile_domain_id=run.args.voice_profile_domain_id
        )
    run.print_result(
        {"VoiceProfileDomain": domain.to_dict()}, lambda: voice_profile_domain_table(domain)
    )
    return EXIT_OK


def cmd_domains_list(run: Invocation) -> int:
    """``domains list``: every voice profile domain, all pages, as one list."""
    with run.client() as client:
        domains = list(client.list_voice_profile_domains(page_size=run.args.page_size))
    run.print_result(
        {"VoiceProfileDomains": [d.to_dict() for d in domains]},
        lambda: voice_profile_domains_table(domains),
    )
    return EXIT_OK


def enrol_after_wait(
    run: Invocation,
    client: SpeakerSearchClient,
    task: SpeakerSearchTask,
    voice_profile_domain_id: str,
) -> VoiceProfile | None:
    """``start --wait --enrol``: enrol the caller if the finished task made a voiceprint.

    Returns:
        The created (or, with ``--voice-profile-id``, updated) profile; ``None`` when the
        task has no usable voiceprint, which is said on stderr and is not an error.
    """
    profile_id = run.args.voice_profile_id
    if profile_id:
        what, check = f"updating voice profile {profile_id}", _get_command(run, profile_id)
    else:
        what = f"creating a voice profile from task {task.speaker_search_task_id}"
        check = _list_command(run, voice_profile_domain_id)
    try:
        with _no_token(run, what, check):
            profile = client.enrol(task, voice_profile_id=profile_id)
    except VoiceprintUnavailableError as error:
        run.interrupted_hint = None
        run.console.line(f"not enrolled: {error}")
        return None
    run.console.line(
        f"enrolled the caller as voice profile {profile.voice_profile_id}"
        if not profile_id
        else f"refreshed voice profile {profile.voice_profile_id}"
    )
    return profile
