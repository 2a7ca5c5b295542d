"""``profiles``, ``domains`` and ``start --wait --enrol`` on the command line, in-process,
against the emulator: the AWS CLI's output shapes, exit codes, and writes never repeated."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import threading
import time
from typing import TYPE_CHECKING, Any

import pytest

from chime_speaker_search.testing import LocalSpeakerSearchService, ManualClock, seed_demo
from tests.cli_support import AWS, FAST_POLL, World, run

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def world() -> Iterator[World]:
    """An emulator on a ManualClock, seeded with the demo data."""
    with LocalSpeakerSearchService(clock=ManualClock()) as service:
        yield World(service, seed_demo(service))


@pytest.fixture
def fast_world() -> Iterator[World]:
    """An emulator at 50x real time, for commands that wait."""
    with LocalSpeakerSearchService(time_scale=50.0) as service:
        yield World(service, seed_demo(service))


def sent(world: World, operation: str) -> int:
    return sum(1 for r in world.service.requests if r.operation == operation)


def domain_profiles(world: World) -> list[str]:
    return [
        pid
        for pid, wire in world.service.voice_profiles.items()
        if wire["VoiceProfileDomainId"] == world.seed.voice_profile_domain_id
    ]


def finished_task(world: World, caller: str = "dave") -> str:
    """A SUCCEEDED task on a new call of ``caller``; its id."""
    call = world.service.add_call(world.seed.voice_connector_id, caller=caller)
    task_id = world.start(call)
    world.advance(30)
    return task_id


def aws(world: World, *argv: str) -> str:
    """What ``aws chime-sdk-voice ARGV`` prints against the emulator."""
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    env.pop("AWS_SESSION_TOKEN", None)
    done = subprocess.run(  # noqa: S603 (fixed argv)
        [str(AWS), "chime-sdk-voice", *argv, *world.target],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return done.stdout


# --- reading ---------------------------------------------------------------------------------


def test_reads_print_what_the_aws_cli_prints(world: World) -> None:
    """JSON output is the service's response shape, as `aws chime-sdk-voice` prints it."""
    domain = world.seed.voice_profile_domain_id
    alice = world.seed.voice_profile_ids["alice"]
    for ours, theirs in (
        (("profiles", "get", "--voice-profile-id", alice), ("get-voice-profile",)),
        (("domains", "get", "--voice-profile-domain-id", domain), ("get-voice-profile-domain",)),
        (("profiles", "list", "--voice-profile-domain-id", domain), ("list-voice-profiles",)),
        (("domains", "list"), ("list-voice-profile-domains",)),
    ):
        result = run(*world.target, "--output", "json", *ours)
        assert result.code == 0, result.err
        expected = aws(world, *theirs, *ours[2:])
        assert json.loads(result.out) == json.loads(expected), ours
        assert result.out == expected, ours


def test_profiles_list_follows_every_page(world: World) -> None:
    domain = world.seed.voice_profile_domain_id
    for n in range(4):
        world.service.add_voice_profile(domain, speaker=f"extra{n}")
    result = run(
        *world.target, "profiles", "list", "--voice-profile-domain-id", domain, "--page-size", "2"
    )
    assert result.code == 0
    listed = [p["VoiceProfileId"] for p in json.loads(result.out)["VoiceProfiles"]]
    assert sorted(listed) == sorted(domain_profiles(world))
    assert len(listed) == 7
    assert sent(world, "ListVoiceProfiles") == 4  # pages of 2, 2, 2 and 1


def test_tables_show_profiles_and_domains_without_arns(world: World) -> None:
    domain = world.seed.voice_profile_domain_id
    listing = run(
        *world.target, "--output", "table", "profiles", "list", "--voice-profile-domain-id", domain
    )
    assert listing.code == 0
    lines = listing.out.splitlines()
    assert lines[0].split() == ["Voice", "profile", "Created", "Updated", "Expires"]
    assert {line.split()[0] for line in lines[1:]} == set(world.seed.voice_profile_ids.values())
    one = run(
        *world.target,
        "--output",
        "table",
        "profiles",
        "get",
        "--voice-profile-id",
        world.seed.voice_profile_ids["bob"],
    )
    assert re.search(rf"^Domain\s+{domain}$", one.out, re.MULTILINE)
    assert re.search(r"^Expires\s+\d{4}-", one.out, re.MULTILINE)
    domains = run(
        *world.target, "--output", "table", "domains", "get", "--voice-profile-domain-id", domain
    )
    assert re.search(r"^Encryption\s+a KMS key", domains.out, re.MULTILINE)
    for text in (listing.out, one.out, domains.out):
        assert "arn:" not in text


def test_query_and_text_output_work_as_for_tasks(world: World) -> None:
    result = run(
        *world.target,
        "domains",
        "list",
        "--query",
        "VoiceProfileDomains[].VoiceProfileDomainId",
        "--output",
        "text",
    )
    assert result.code == 0
    assert result.out == f"{world.seed.voice_profile_domain_id}\n"


# --- writing -------------------------------------------------------------------------------


def test_create_update_delete(world: World) -> None:
    task_id = finished_task(world)
    created = run(*world.target, "profiles", "create", "--speaker-search-task-id", task_id)
    assert created.code == 0, created.err
    profile = json.loads(created.out)["VoiceProfile"]
    assert profile["VoiceProfileId"] in domain_profiles(world)

    world.advance(3600)
    later = finished_task(world)
    updated = run(
        *world.target,
        "profiles",
        "update",
        "--voice-profile-id",
        profile["VoiceProfileId"],
        "--speaker-search-task-id",
        later,
    )
    assert updated.code == 0, updated.err
    assert json.loads(updated.out)["VoiceProfile"]["UpdatedTimestamp"] > profile["UpdatedTimestamp"]

    deleted = run(
        *world.target, "profiles", "delete", "--voice-profile-id", profile["VoiceProfileId"]
    )
    assert deleted.code == 0
    assert deleted.out == ""  # as `aws chime-sdk-voice delete-voice-profile`
    assert deleted.err == f"deleted voice profile {profile['VoiceProfileId']}\n"
    assert profile["VoiceProfileId"] not in world.service.voice_profiles


@pytest.mark.parametrize(
    "operation", ["CreateVoiceProfile", "UpdateVoiceProfile", "DeleteVoiceProfile"]
)
def test_a_lost_answer_exits_6_after_one_request_and_says_how_to_check(
    world: World, operation: str
) -> None:
    task_id = finished_task(world)
    alice = world.seed.voice_profile_ids["alice"]
    argv: dict[str, list[str]] = {
        "CreateVoiceProfile": ["profiles", "create", "--speaker-search-task-id", task_id],
        "UpdateVoiceProfile": [
            "profiles",
            "update",
            "--voice-profile-id",
            alice,
            "--speaker-search-task-id",
            task_id,
        ],
        "DeleteVoiceProfile": ["profiles", "delete", "--voice-profile-id", alice],
    }
    before = len(domain_profiles(world))
    world.service.drop_next_response(operation)
    result = run(*world.target, *argv[operation])
    assert result.code == 6
    assert result.out == ""
    assert sent(world, operation) == 1  # never repeated
    hint, error = result.err.splitlines()
    assert "may or may not have happened; check with `" in hint
    assert error.startswith(f"error: {operation} lost the answer")
    assert "no idempotency token" in error
    after = len(domain_profiles(world))
    assert after == {"CreateVoiceProfile": before + 1, "DeleteVoiceProfile": before - 1}.get(
        operation, before
    )
    if operation != "CreateVoiceProfile":  # the check it names runs as written
        check = re.search(r"check with `([^`]+)`", hint)
        assert check is not None
        followup = run(*shlex.split(check.group(1))[1:])
        assert followup.code == (4 if operation == "DeleteVoiceProfile" else 0), followup.err


def test_ctrl_c_while_a_create_is_out_says_it_may_have_happened(world: World) -> None:
    task_id = finished_task(world)
    world.service.delay_next("CreateVoiceProfile", 5.0)
    main_thread = threading.main_thread().ident
    assert main_thread is not None

    def press_when_sent() -> None:
        deadline = time.monotonic() + 5
        while sent(world, "CreateVoiceProfile") == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        signal.pthread_kill(main_thread, signal.SIGINT)

    presser = threading.Thread(target=press_when_sent)
    presser.start()
    try:
        result = run(*world.target, "profiles", "create", "--speaker-search-task-id", task_id)
    finally:
        presser.join()
    assert result.code == 130
    assert result.err.splitlines()[-1] == (
        f"interrupted: creating a voice profile from task {task_id} may or may not have "
        "happened; check with `chime-speaker-search --region us-east-1 --endpoint-url "
        f"{world.service.endpoint_url} profiles list --voice-profile-domain-id DOMAIN` before "
        "running it again"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["profiles", "get", "--voice-profile-id", " "],
            "error: VoiceProfileId must contain a non-whitespace character, got ' '\n",
        ),
        (
            ["profiles", "update", "--voice-profile-id", "", "--speaker-search-task-id", "x" * 300],
            (
                "error: 2 invalid parameters: VoiceProfileId must be 1-256 characters, got 0; "
                "SpeakerSearchTaskId must be 1-256 characters, got 300\n"
            ),
        ),
        (
            ["domains", "get", "--voice-profile-domain-id", "\t"],
            "error: VoiceProfileDomainId must contain a non-whitespace character, got '\\t'\n",
        ),
    ],
)
def test_invalid_ids_exit_2_and_send_nothing(world: World, argv: list[str], message: str) -> None:
    result = run(*world.target, *argv)
    assert (result.code, result.out, result.err) == (2, "", message)
    assert world.service.requests == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["profiles", "list", "--voice-profile-domain-id", "d", "--page-size", "0"],
            "must be 1-100, got '0'",
        ),
        (["domains", "list", "--page-size", "101"], "must be 1-100, got '101'"),
        (["domains", "list", "--page-size", "ten"], "expected a whole number, got 'ten'"),
        (
            ["--output", "json", "profiles", "delete", "--voice-profile-id", "p"],
            "error: --output does not apply to profiles delete",
        ),
        (
            ["profiles", "delete", "--voice-profile-id", "p", "--output", "json"],
            "error: unrecognized arguments: --output json",
        ),
        (["profiles"], "the following arguments are required: ACTION"),
        (["profiles", "create"], "the following arguments are required: --speaker-search-task-id"),
        (["domains", "get"], "the following arguments are required: --voice-profile-domain-id"),
    ],
)
def test_usage_errors_exit_2(world: World, argv: list[str], message: str) -> None:
    result = run(*world.target, *argv)
    assert result.code == 2
    assert message in result.err
    assert world.service.requests == []


def test_not_found_exits_4(world: World) -> None:
    result = run(*world.target, "profiles", "get", "--voice-profile-id", "no-such-profile")
    assert result.code == 4
    assert "NotFoundException" in result.err
    assert "Traceback" not in result.err


# --- start --wait --enrol ------------------------------------------------------------------


def test_start_wait_enrol_then_the_next_call_is_identified(fast_world: World) -> None:
    world = fast_world
    vc = world.seed.voice_connector_id
    first_call = world.service.add_call(vc, caller="erin")
    enrolled = run(
        *world.target,
        "--output",
        "json",
        "start",
        *world.start_args(first_call),
        "--wait",
        "--enrol",
        *FAST_POLL,
    )
    assert enrolled.code == 0, enrolled.err
    result: dict[str, Any] = json.loads(enrolled.out)
    assert result["SpeakerSearchTask"]["SpeakerSearchTaskStatus"] == "SUCCEEDED"
    profile_id = result["VoiceProfile"]["VoiceProfileId"]
    assert f"enrolled the caller as voice profile {profile_id}" in enrolled.err
    assert sent(world, "CreateVoiceProfile") == 1

    next_call = world.service.add_call(vc, caller="erin")
    identified = run(
        *world.target,
        "start",
        *world.start_args(next_call),
        "--wait",
        *FAST_POLL,
        "--query",
        "SpeakerSearchTask.SpeakerSearchDetails.Results[0].VoiceProfileId",
        "--output",
        "text",
    )
    assert identified.code == 0
    assert identified.out == f"{profile_id}\n"


def test_start_wait_enrol_with_a_profile_id_refreshes_it(fast_world: World) -> None:
    world = fast_world
    alice = world.seed.voice_profile_ids["alice"]
    result = run(
        *world.target,
        "start",
        *world.start_args(),
        "--wait",
        "--enrol",
        "--voice-profile-id",
        alice,
        *FAST_POLL,
        "--query",
        "VoiceProfile.VoiceProfileId",
        "--output",
        "text",
    )
    assert result.code == 0, result.err
    assert result.out == f"{alice}\n"
    assert f"refreshed voice profile {alice}" in result.err
    assert (sent(world, "UpdateVoiceProfile"), sent(world, "CreateVoiceProfile")) == (1, 0)


def test_start_wait_enrol_without_a_voiceprint_enrols_nobody_and_exits_by_the_task(
    fast_world: World,
) -> None:
    world = fast_world
    result = run(
        *world.target,
        "start",
        *world.start_args(world.seed.partial_success_transaction_id),
        "--wait",
        "--enrol",
        *FAST_POLL,
    )
    assert result.code == 0  # PARTIAL_SUCCESS, as without --enrol
    assert set(json.loads(result.out)) == {"SpeakerSearchTask"}
    assert "not enrolled: Cannot enrol from task" in result.err
    assert "no voiceprint" in result.err
    assert sent(world, "CreateVoiceProfile") == 0


def test_start_wait_enrol_on_a_failed_task_exits_1_and_enrols_nobody(fast_world: World) -> None:
    world = fast_world
    result = run(
        *world.target,
        "start",
        *world.start_args(world.seed.failing_transaction_id),
        "--wait",
        "--enrol",
        *FAST_POLL,
    )
    assert result.code == 1
    assert sent(world, "CreateVoiceProfile") == 0


def test_start_wait_enrol_table_shows_the_task_and_the_profile(fast_world: World) -> None:
    world = fast_world
    call = world.service.add_call(world.seed.voice_connector_id, caller="fay")
    result = run(
        *world.target,
        "--output",
        "table",
        "start",
        *world.start_args(call),
        "--wait",
        "--enrol",
        *FAST_POLL,
    )
    assert result.code == 0, result.err
    assert re.search(r"^Status\s+SUCCEEDED$", result.out, re.MULTILINE)
    assert re.search(r"^Enrolled$", result.out, re.MULTILINE)
    (profile_id,) = domain_profiles(world)[-1:]
    assert re.search(rf"^  Voice profile\s+{profile_id}$", result.out, re.MULTILINE)


def test_a_lost_enrol_answer_exits_6_with_the_task_printed_and_nothing_repeated(
    fast_world: World,
) -> None:
    world = fast_world
    call = world.service.add_call(world.seed.voice_connector_id, caller="gil")
    world.service.drop_next_response("CreateVoiceProfile")
    before = len(domain_profiles(world))
    result = run(*world.target, "start", *world.start_args(call), "--wait", "--enrol", *FAST_POLL)
    assert result.code == 6
    assert set(json.loads(result.out)) == {"SpeakerSearchTask"}  # the search's result stands
    assert sent(world, "CreateVoiceProfile") == 1
    assert len(domain_profiles(world)) == before + 1
    assert (
        f"profiles list --voice-profile-domain-id {world.seed.voice_profile_domain_id}`"
        in result.err
    )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--enrol"], "error: --enrol needs --wait"),
        (["--wait", "--voice-profile-id", "p"], "error: --voice-profile-id needs --enrol"),
        (
            ["--wait", "--enrol", "--voice-profile-id", " "],
            "error: VoiceProfileId must contain a non-whitespace character",
        ),
    ],
)
def test_enrol_options_are_checked_before_the_start(
    world: World, extra: list[str], message: str
) -> None:
    result = run(*world.target, "start", *world.start_args(), *extra)
    assert result.code == 2
    assert result.err.startswith(message)
    assert world.service.requests == []  # no task left behind
