"""The ``chime-speaker-search`` command, in-process and as a subprocess, over real HTTP."""

from __future__ import annotations

import json
import os
import re
import runpy
import shlex
import signal
import socket
import subprocess
import sys
import threading
from typing import TYPE_CHECKING

import pytest

from chime_speaker_search import SpeakerSearchClient
from chime_speaker_search._cli import main
from chime_speaker_search.testing import (
    LocalSpeakerSearchService,
    ManualClock,
    seed_demo,
)
from tests.cli_support import (
    AWS,
    FAST_POLL,
    REPO,
    Stream,
    World,
    cli_argv,
    free_port,
    run,
    status_lines,
)
from tests.conftest import DUMMY_SECRET, DUMMY_SESSION_TOKEN

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path


@pytest.fixture
def world() -> Iterator[World]:
    """An emulator on a ManualClock: tasks move only when the test advances time."""
    with LocalSpeakerSearchService(clock=ManualClock()) as service:
        yield World(service, seed_demo(service))


@pytest.fixture
def fast_world() -> Iterator[World]:
    """An emulator running 50x real time: a long call's task finishes in about 0.4 s."""
    with LocalSpeakerSearchService(time_scale=50.0) as service:
        yield World(service, seed_demo(service))


# --- get -------------------------------------------------------------------------------


def test_get_json_is_byte_for_byte_what_the_aws_cli_prints(world: World) -> None:
    task_id = world.start()
    world.advance(30)
    ours = run(*world.target, "--output", "json", "get", *world.task_args(task_id))
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    env.pop("AWS_SESSION_TOKEN", None)
    theirs = subprocess.run(  # noqa: S603 (fixed argv)
        [
            str(AWS),
            "chime-sdk-voice",
            "get-speaker-search-task",
            *world.task_args(task_id),
            *world.target,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    assert ours.code == 0
    assert json.loads(ours.out) == json.loads(theirs.stdout)
    assert list(json.loads(ours.out)["SpeakerSearchTask"]) == list(
        json.loads(theirs.stdout)["SpeakerSearchTask"]
    )
    assert ours.out == theirs.stdout
    assert json.loads(ours.out)["SpeakerSearchTask"]["SpeakerSearchTaskStatus"] == "SUCCEEDED"


def test_get_table_shows_status_call_and_results_best_first_with_the_best_marked(
    world: World,
) -> None:
    task_id = world.start()
    world.advance(30)
    result = run(*world.target, "--output", "table", "get", *world.task_args(task_id))
    assert result.code == 0
    lines = result.out.splitlines()
    assert re.search(r"^Status\s+SUCCEEDED$", result.out, re.MULTILINE)
    assert re.search(
        rf"^Transaction\s+{world.seed.succeeding_transaction_id}$", result.out, re.MULTILINE
    )
    assert re.search(r"^Call leg\s+Caller$", result.out, re.MULTILINE)
    assert re.search(r"^Created\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+00:00$", result.out, re.MULTILINE)
    rows = [line for line in lines if re.match(r"^  [* ] \d\.\d{4}  ", line)]
    scores = [float(row.split()[-2]) for row in rows]
    assert scores == sorted(scores, reverse=True)
    assert len(rows) == 3
    assert rows[0].startswith("  * ")
    assert rows[0].endswith(world.seed.voice_profile_ids["alice"])
    assert all(not row.startswith("  * ") for row in rows[1:])


def test_output_defaults_to_table_on_a_terminal_and_json_when_piped(world: World) -> None:
    task_id = world.start()
    piped = run(*world.target, "get", *world.task_args(task_id))
    terminal = run(*world.target, "get", *world.task_args(task_id), tty_out=True)
    assert json.loads(piped.out)["SpeakerSearchTask"]["SpeakerSearchTaskId"] == task_id
    assert re.search(r"^Status\s+IN_QUEUE$", terminal.out, re.MULTILINE)
    assert "Results: none yet" in terminal.out


def test_a_reader_that_stops_reading_does_not_change_the_exit_code(world: World) -> None:
    class ClosedPipe(Stream):
        def write(self, _text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    task_id = world.start()
    err = Stream()
    code = main([*world.target, "get", *world.task_args(task_id)], stdout=ClosedPipe(), stderr=err)
    assert code == 0
    assert err.getvalue() == ""


def test_global_options_are_accepted_after_the_command_too(world: World) -> None:
    task_id = world.start()
    result = run("get", *world.task_args(task_id), *world.target, "--output", "json")
    assert result.code == 0
    assert json.loads(result.out)["SpeakerSearchTask"]["SpeakerSearchTaskId"] == task_id


# --- start -----------------------------------------------------------------------------


def test_start_generates_a_token_sends_it_and_shows_it(world: World) -> None:
    result = run(*world.target, "start", *world.start_args())
    assert result.code == 0
    shown = re.search(r"ClientRequestToken (\S+)", result.err)
    assert shown is not None
    sent = [r.body for r in world.service.requests if r.operation == "StartSpeakerSearchTask"]
    assert [body["ClientRequestToken"] for body in sent] == [shown.group(1)]
    assert f"--client-request-token {shown.group(1)}" in result.err
    task = json.loads(result.out)["SpeakerSearchTask"]
    assert task["SpeakerSearchTaskStatus"] == "IN_QUEUE"
    assert task["CallDetails"]["TransactionId"] == world.seed.succeeding_transaction_id


def test_start_says_only_its_generated_token_on_stderr(world: World) -> None:
    generated = run(*world.target, "start", *world.start_args())
    other_call = world.start_args(world.seed.partial_success_transaction_id)
    given = run(*world.target, "start", *other_call, "--client-request-token", "mine-1")
    assert (generated.code, given.code) == (0, 0)
    assert re.fullmatch(r"ClientRequestToken \S+ \(re-run with [^\n]+\)\n", generated.err)
    assert given.err == ""  # the caller knows a token they chose


def test_start_with_the_same_token_returns_the_same_task(world: World) -> None:
    argv = [*world.target, "start", *world.start_args(), "--client-request-token", "retry-me-1"]
    first, again = run(*argv), run(*argv)
    assert (first.code, again.code) == (0, 0)
    first_id = json.loads(first.out)["SpeakerSearchTask"]["SpeakerSearchTaskId"]
    assert json.loads(again.out)["SpeakerSearchTask"]["SpeakerSearchTaskId"] == first_id
    assert len(world.service.tasks) == 1


def test_start_callee_leg(world: World) -> None:
    result = run(*world.target, "start", *world.start_args(), "--call-leg", "Callee")
    assert json.loads(result.out)["SpeakerSearchTask"]["CallDetails"]["IsCaller"] is False


def test_start_wait_reports_each_status_once_on_stderr_and_only_the_result_on_stdout(
    fast_world: World,
) -> None:
    result = run(*fast_world.target, "start", *fast_world.start_args(), "--wait", *FAST_POLL)
    assert result.code == 0
    assert status_lines(result.err) == ["IN_QUEUE", "IN_PROGRESS", "SUCCEEDED"]
    assert json.loads(result.out)["SpeakerSearchTask"]["SpeakerSearchTaskStatus"] == "SUCCEEDED"


def test_live_status_line_on_a_terminal(fast_world: World) -> None:
    result = run(
        *fast_world.target, "start", *fast_world.start_args(), "--wait", *FAST_POLL, tty_err=True
    )
    assert result.code == 0
    assert "\r\x1b[K" in result.err
    assert re.search(r"\| task \S+: (IN_QUEUE|waiting) after 0\.\ds, \d+ polls?", result.err)
    final = result.err.rsplit("\r\x1b[K", 1)[-1]
    assert re.fullmatch(r"task \S+: SUCCEEDED after \d+\.\ds, \d+ polls?\n", final)


def test_log_lines_print_above_the_live_status_line(fast_world: World) -> None:
    result = run(
        *fast_world.target,
        "-v",
        "start",
        *fast_world.start_args(),
        "--wait",
        *FAST_POLL,
        tty_err=True,
    )
    assert result.code == 0
    # The live line is redrawn under the log line, with whichever spinner frame is due.
    assert re.search(r"\r\x1b\[Kinfo: Poll 1: \w+\n[|/\\-] task ", result.err), repr(result.err)


def test_verbose_logs_polls_and_retries_but_never_secrets(fast_world: World) -> None:
    fast_world.service.fail_next("GetSpeakerSearchTask", "ThrottledClientException", retry_after=0)
    result = run(
        *fast_world.target,
        "-vv",
        "--debug",
        "start",
        *fast_world.start_args(),
        "--wait",
        *FAST_POLL,
    )
    assert result.code == 0
    assert re.search(r"info: Retrying GetSpeakerSearchTask .* ThrottledClientException", result.err)
    assert re.search(r"info: Poll \d+: SUCCEEDED", result.err)
    assert "debug: " in result.err
    for secret in (DUMMY_SECRET, DUMMY_SESSION_TOKEN, "AKIDUMMYDUMMYDUMMY00"):
        assert secret not in result.out + result.err


# --- exit codes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("transaction", "status", "code"),
    [
        ("succeeding", "SUCCEEDED", 0),
        ("partial_success", "PARTIAL_SUCCESS", 0),
        ("failing", "FAILED", 1),
    ],
)
def test_wait_exit_code_follows_the_final_status(
    world: World, transaction: str, status: str, code: int
) -> None:
    task_id = world.start(getattr(world.seed, f"{transaction}_transaction_id"))
    world.advance(60)
    result = run(*world.target, "wait", *world.task_args(task_id), *FAST_POLL)
    assert result.code == code
    task = json.loads(result.out)["SpeakerSearchTask"]
    assert task["SpeakerSearchTaskStatus"] == status
    if code:
        assert task["StatusMessage"]
        assert result.err.splitlines()[-1].startswith(
            f"error: speaker search task {task_id} ended FAILED: "
        )


def test_wait_on_a_stopped_task_exits_1(world: World) -> None:
    task_id = world.start()
    with world.client() as client:
        client.stop_speaker_search_task(
            voice_connector_id=world.seed.voice_connector_id, speaker_search_task_id=task_id
        )
    result = run(*world.target, "--output", "table", "wait", *world.task_args(task_id), *FAST_POLL)
    assert result.code == 1
    assert re.search(r"^Status\s+STOPPED$", result.out, re.MULTILINE)
    assert "ended STOPPED" in result.err


def test_invalid_parameter_exits_2_with_one_line_and_sends_nothing(world: World) -> None:
    argv = world.start_args()
    argv[3] = "x" * 300
    result = run(*world.target, "start", *argv)
    assert result.code == 2
    assert result.out == ""
    assert result.err == "error: TransactionId must be 1-256 characters, got 300\n"
    assert world.service.requests == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["start", "--voice-connector-id", "vc"], "the following arguments are required"),
        (
            [
                "--max-attempts",
                "0",
                "get",
                "--voice-connector-id",
                "a",
                "--speaker-search-task-id",
                "b",
            ],
            "must be at least 1",
        ),
        (
            [
                "wait",
                "--voice-connector-id",
                "a",
                "--speaker-search-task-id",
                "b",
                "--timeout",
                "-1",
            ],
            "must be zero or more",
        ),
        (["frobnicate"], "invalid choice"),
        (["--max-attempts", "many", "demo"], "expected a whole number, got 'many'"),
        (
            [
                "wait",
                "--voice-connector-id",
                "a",
                "--speaker-search-task-id",
                "b",
                "--timeout",
                "x",
            ],
            "expected a number of seconds, got 'x'",
        ),
        (
            [
                "wait",
                "--voice-connector-id",
                "a",
                "--speaker-search-task-id",
                "b",
                "--poll-min",
                "0",
            ],
            "must be a positive number, got '0'",
        ),
        (
            [
                "wait",
                "--voice-connector-id",
                "a",
                "--speaker-search-task-id",
                "b",
                "--poll-max",
                "x",
            ],
            "expected a number of seconds, got 'x'",
        ),
        (["emulator", "--port", "http"], "expected a port number, got 'http'"),
        (["emulator", "--port", "70000"], "must be 0-65535 (0 picks a free port), got '70000'"),
        (
            [
                "start",
                "--voice-connector-id",
                "a",
                "--transaction-id",
                "b",
                "--voice-profile-domain-id",
                "c",
                "--call-leg",
                "Both",
            ],
            "invalid choice: 'Both'",
        ),
        ([], "the following arguments are required: COMMAND"),
    ],
)
def test_usage_errors_exit_2(argv: list[str], message: str) -> None:
    result = run(*argv)
    assert result.code == 2
    assert "usage: chime-speaker-search" in result.err
    assert message in result.err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ["--poll-min", "3", "--poll-max", "1"],
            "error: --poll-max (1) must be at least --poll-min (3)",
        ),
        (["--timeout", "5"], "error: --timeout, --poll-min and --poll-max need --wait"),
    ],
)
def test_inconsistent_wait_options_exit_2(world: World, extra: list[str], message: str) -> None:
    wait = ["--wait"] if "--poll-max" in extra else []
    result = run(*world.target, "start", *world.start_args(), *wait, *extra)
    assert result.code == 2
    assert result.err == message + "\n"
    assert world.service.requests == []


def test_poll_max_alone_lowers_the_default_floor(world: World) -> None:
    task_id = world.start()
    result = run(
        *world.target, "wait", *world.task_args(task_id), "--poll-max", "0.05", "--timeout", "0.2"
    )
    assert result.code == 3
    assert len(world.service.requests) > 3  # polled every 0.05 s, not every 2 s


def test_poll_min_alone_raises_the_default_ceiling(world: World) -> None:
    task_id = world.start()
    world.advance(30)
    result = run(
        *world.target, "wait", *world.task_args(task_id), "--poll-min", "20", "--timeout", "5"
    )
    assert result.code == 0


def test_help_documents_the_exit_codes_once() -> None:
    result = run("--help")
    assert result.code == 0
    codes = re.findall(r"^  (\d+) ", result.out.split("exit codes:")[1], re.MULTILINE)
    assert codes == ["0", "1", "2", "3", "4", "5", "6", "70", "74", "130", "143", "129"]
    for command in (
        "start",
        "get",
        "wait",
        "stop",
        "profiles",
        "profiles create",
        "profiles update",
        "profiles get",
        "profiles delete",
        "profiles list",
        "domains",
        "domains get",
        "domains list",
        "emulator",
        "demo",
    ):
        help_text = run(*command.split(), "--help").out
        assert "exit codes:" not in help_text, command
        assert "Exit codes: see `chime-speaker-search --help`." in help_text, command


def test_wait_timeout_exits_3_and_says_how_to_keep_waiting(world: World) -> None:
    task_id = world.start()
    # 1 s, not less: on a loaded machine a shorter one can end inside the first request.
    result = run(*world.target, "wait", *world.task_args(task_id), *FAST_POLL, "--timeout", "1")
    assert result.code == 3
    assert result.out == ""
    assert f"error: speaker search task {task_id} was still IN_QUEUE after" in result.err
    resume = result.err.split("keep waiting with: ")[1].strip()
    assert shlex.split(resume) == world.resume_argv(task_id)


def test_start_wait_timeout_exits_3(world: World) -> None:
    result = run(
        *world.target, "start", *world.start_args(), "--wait", *FAST_POLL, "--timeout", "0"
    )
    assert result.code == 3
    assert "was still IN_QUEUE" in result.err


def test_service_error_exits_4_after_retries(world: World) -> None:
    task_id = world.start()
    world.service.fail_next("GetSpeakerSearchTask", "ServiceUnavailableException", times=2)
    result = run(*world.target, "--max-attempts", "2", "get", *world.task_args(task_id))
    assert result.code == 4
    assert result.err.startswith(
        "error: GetSpeakerSearchTask failed with ServiceUnavailableException (HTTP 503)"
    )
    assert "[after 2 attempts]" in result.err
    assert len(result.err.splitlines()) == 1


def test_not_found_exits_4_without_traceback_and_with_one_under_debug(world: World) -> None:
    args = [*world.target, "get", *world.task_args("no-such-task")]
    plain = run(*args)
    debug = run("--debug", *args)
    assert (plain.code, debug.code) == (4, 4)
    assert "Traceback" not in plain.err
    assert plain.err.startswith("error: GetSpeakerSearchTask failed with NotFoundException")
    assert "Traceback (most recent call last)" in debug.err
    assert "botocore" in debug.err  # the chained cause is shown too
    assert debug.err.splitlines()[-1].split("(request id")[0] == plain.err.split("(request id")[0]


def test_unreachable_service_exits_5() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = run(
        "--endpoint-url",
        url,
        "--region",
        "us-east-1",
        "--max-attempts",
        "1",
        "get",
        "--voice-connector-id",
        "a",
        "--speaker-search-task-id",
        "b",
    )
    assert result.code == 5
    assert result.err.startswith(f"error: GetSpeakerSearchTask could not reach {url}")


def test_missing_region_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.delenv("AWS_REGION", raising=False)
    result = run("get", "--voice-connector-id", "a", "--speaker-search-task-id", "b")
    assert result.code == 2
    assert result.err.startswith("error: You must specify a region")
    assert "pass --region or set AWS_DEFAULT_REGION" in result.err


def test_profile_selects_the_credentials_used(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    credentials = tmp_path / "credentials"
    credentials.write_text(
        "[cli-test]\naws_access_key_id = AKIAPROFILECLITEST00\naws_secret_access_key = other\n"
    )
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    task_id = world.start()
    result = run(*world.target, "--profile", "cli-test", "get", *world.task_args(task_id))
    assert result.code == 0
    last = world.service.requests[-1]
    assert "Credential=AKIAPROFILECLITEST00/" in last.headers["authorization"]
    missing = run(*world.target, "--profile", "nope", "get", *world.task_args(task_id))
    assert missing.code == 2
    assert missing.err == "error: The config profile (nope) could not be found\n"


def test_an_unexpected_error_exits_70(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(SpeakerSearchClient, "get_speaker_search_task", broken)
    result = run(*world.target, "get", *world.task_args("t"))
    assert result.code == 70
    assert result.err == "error: unexpected RuntimeError: boom (run with --debug)\n"


# --- Ctrl-C ----------------------------------------------------------------------------


def ctrl_c() -> None:
    """Press Ctrl-C: a real SIGINT to the main thread (wakes it from sleeps and reads)."""
    main_thread = threading.main_thread().ident
    assert main_thread is not None
    signal.pthread_kill(main_thread, signal.SIGINT)


def interrupt_when(pattern: str) -> Callable[[str], None]:
    """An on_write hook that sends the main thread a Ctrl-C once ``pattern`` is written."""
    fired = threading.Event()

    def hook(text: str) -> None:
        if not fired.is_set() and re.search(pattern, text):
            fired.set()
            ctrl_c()

    return hook


def test_ctrl_c_during_wait_exits_130_with_the_resume_command(world: World) -> None:
    task_id = world.start()
    result = run(
        *world.target,
        "wait",
        *world.task_args(task_id),
        *FAST_POLL,
        on_err=interrupt_when(r"IN_QUEUE after"),
    )
    assert result.code == 130
    assert result.out == ""
    assert f"interrupted: speaker search task {task_id} is still running" in result.err
    resume = result.err.splitlines()[-1].strip()
    assert shlex.split(resume)[-5:] == ["wait", *world.task_args(task_id)]


def test_ctrl_c_before_a_start_is_confirmed_says_how_to_retry_it_safely(world: World) -> None:
    result = run(
        *world.target,
        "start",
        *world.start_args(),
        "--wait",
        *FAST_POLL,
        on_err=interrupt_when(r"ClientRequestToken \S+"),
    )
    assert result.code == 130
    token = re.search(r"ClientRequestToken (\S+)", result.err)
    assert token is not None
    assert result.err.splitlines()[-1] == (
        "interrupted: the start may or may not have reached the service; re-run the same start "
        f"with --client-request-token {token.group(1)} to get the same task without making a "
        "second one"
    )


def test_ctrl_c_elsewhere_exits_130(world: World) -> None:
    task_id = world.start()
    world.service.delay_next("GetSpeakerSearchTask", 5.0)
    timer = threading.Timer(0.2, ctrl_c)
    timer.start()
    result = run(*world.target, "get", *world.task_args(task_id))
    timer.join()
    assert result.code == 130
    assert result.err == "interrupted\n"


# --- emulator and demo -----------------------------------------------------------------


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_emulator_serves_the_seeded_world_until_ctrl_c(stop: signal.Signals) -> None:
    checked: list[str] = []

    def use_it(text: str) -> None:
        url = re.search(r"emulator at (http://\S+) ", text)
        vc = re.search(r"Voice connector:\s+(\S+)", text)
        tx = re.search(r"Call ending SUCCEEDED:\s+(\S+)", text)
        domain = re.search(r"Voice profile domain:\s+(\S+)", text)
        assert url
        assert vc
        assert tx
        assert domain
        with SpeakerSearchClient(endpoint_url=url.group(1), region_name="us-east-1") as client:
            task = client.start_speaker_search_task(
                voice_connector_id=vc.group(1),
                transaction_id=tx.group(1),
                voice_profile_domain_id=domain.group(1),
            )
        checked.append(task.speaker_search_task_status.value)
        main_thread = threading.main_thread().ident
        assert main_thread is not None
        signal.pthread_kill(main_thread, stop)

    def on_out(text: str) -> None:
        if "get-speaker-search-task" in text and not checked:
            threading.Thread(target=use_it, args=(text,)).start()

    result = run("emulator", "--host", "localhost", "--port", "0", on_out=on_out)
    assert result.code == 0
    assert checked == ["IN_QUEUE"]
    assert "aws chime-sdk-voice start-speaker-search-task" in result.out
    assert (
        "  AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing chime-speaker-search "
        "--endpoint-url http://localhost:"
    ) in result.out
    id_columns = {len(line) - len(line.split()[-1]) for line in result.out.splitlines()[2:10]}
    assert len(id_columns) == 1  # the ids line up
    assert "Voice profile (alice):" in result.out
    assert result.err == "Stopped the emulator.\n"


def test_emulator_on_a_taken_port_exits_2() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("emulator", "--port", str(port))
    assert result.code == 2
    assert result.err.startswith(f"error: cannot listen on 127.0.0.1:{port}: ")


def test_emulator_and_demo_refuse_service_options() -> None:
    result = run("--endpoint-url", "http://127.0.0.1:1", "demo")
    assert result.code == 2
    assert result.err == "error: demo runs its own local emulator; --endpoint-url does not apply\n"


def test_demo_in_process_prints_the_typed_result(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_PROFILE", "a-profile-that-does-not-exist")  # ignored by the demo
    result = run("demo", "--time-scale", "100")
    assert result.code == 0
    assert re.search(r"^Status:\s+SUCCEEDED$", result.out, re.MULTILINE)
    assert re.search(r"^Best match: alice \(\S+\), confidence 0\.\d{4}$", result.out, re.MULTILINE)
    assert len(re.findall(r"^  0\.\d{4}  (alice|bob|carol) ", result.out, re.MULTILINE)) == 3
    seen = status_lines(result.err)  # at 100x, IN_PROGRESS may pass between two polls
    assert (seen[0], seen[-1]) == ("IN_QUEUE", "SUCCEEDED")
    as_json = run("--output", "json", "demo", "--time-scale", "100")
    assert json.loads(as_json.out)["SpeakerSearchTask"]["SpeakerSearchTaskStatus"] == "SUCCEEDED"


def test_python_dash_m_runs_the_cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["chime_speaker_search", "--help"])
    with pytest.raises(SystemExit) as exit_:
        runpy.run_module("chime_speaker_search", run_name="__main__")
    assert exit_.value.code == 0
    assert "exit codes:" in capsys.readouterr().out


# --- as a subprocess -------------------------------------------------------------------


def test_subprocess_get_pipes_json_into_another_program(world: World) -> None:
    task_id = world.start()
    get = subprocess.Popen(  # noqa: S603 (fixed argv)
        cli_argv(*world.target, "get", *world.task_args(task_id)), stdout=subprocess.PIPE, cwd=REPO
    )
    reader = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json,sys; print(json.load(sys.stdin)['SpeakerSearchTask']['SpeakerSearchTaskId'])",
        ],
        stdin=get.stdout,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert get.stdout is not None
    get.stdout.close()
    assert get.wait(timeout=30) == 0
    assert reader.returncode == 0
    assert reader.stdout.strip() == task_id


def test_subprocess_demo_exits_0_with_the_result_in_a_few_seconds() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    done = subprocess.run(  # noqa: S603
        cli_argv("demo"), capture_output=True, text=True, timeout=30, check=False, env=env, cwd=REPO
    )
    assert done.returncode == 0, done.stderr
    assert "Status:     SUCCEEDED" in done.stdout
    assert "Best match: alice" in done.stdout
    assert "SUCCEEDED after" in done.stderr


def test_subprocess_sigint_during_wait_exits_130_and_prints_the_resume_command(
    world: World,
) -> None:
    task_id = world.start()  # on a ManualClock nobody advances: it never finishes
    proc = subprocess.Popen(  # noqa: S603
        cli_argv(
            *world.target,
            "wait",
            *world.task_args(task_id),
            "--poll-min",
            "0.05",
            "--poll-max",
            "0.1",
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    assert proc.stderr is not None
    first = proc.stderr.readline()
    assert f"task {task_id}: IN_QUEUE after" in first
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert out == ""
    assert "Traceback" not in err
    assert f"interrupted: speaker search task {task_id} is still running" in err
    resume = shlex.split(err.splitlines()[-1])
    assert resume == world.resume_argv(task_id)


def test_wait_on_an_unreachable_endpoint_exits_5_with_the_cause() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = run(
        "--endpoint-url",
        f"http://127.0.0.1:{port}",
        "--max-attempts",
        "1",
        "--region",
        "us-east-1",
        "wait",
        "--voice-connector-id",
        "vc",
        "--speaker-search-task-id",
        "t",
        "--timeout",
        "0.5",
        "--poll-min",
        "0.1",
        "--poll-max",
        "0.1",
    )
    assert result.code == 5
    assert "could not reach" in result.err
    assert "Traceback" not in result.err


def test_the_docs_list_the_exit_codes_help_lists() -> None:
    shown = re.findall(r"^  (\d+) ", run("--help").out.split("exit codes:")[1], re.MULTILINE)
    documented = re.findall(r"^\| (\d+) \|", (REPO / "docs" / "cli.md").read_text(), re.MULTILINE)
    assert documented == shown
