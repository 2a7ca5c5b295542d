"""The command line used adversarially: closed streams, signals, configuration mistakes.

Each test here failed before the command line became a package (issue 13). Signals and
closed streams are real: the command runs as a subprocess.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

import chime_speaker_search
from chime_speaker_search.testing import LocalSpeakerSearchService, ManualClock, seed_demo
from tests.cli_support import REPO, World, cli_argv, run
from tests.versions import needs_configured_endpoints

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


@pytest.fixture
def world() -> Iterator[World]:
    """An emulator on a ManualClock: tasks move only when the test advances time."""
    with LocalSpeakerSearchService(clock=ManualClock()) as service:
        yield World(service, seed_demo(service))


def shell(redirect: str, argv: list[str]) -> list[str]:
    """``argv`` run by sh with a redirection, such as ``>&-`` (stdout closed)."""
    return ["/bin/sh", "-c", f'exec "$@" {redirect}', "sh", *argv]


def completed(
    argv: list[str], *, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (our own command)
        argv, capture_output=True, text=True, timeout=60, check=False, cwd=REPO, env=env
    )


# --- the result cannot be written -------------------------------------------------------


@pytest.mark.parametrize("redirect", [">&-", ">/dev/full"], ids=["closed", "full"])
def test_start_whose_stdout_fails_shows_the_token_first_and_exits_74(
    world: World, redirect: str
) -> None:
    done = completed(shell(redirect, cli_argv(*world.target, "start", *world.start_args())))
    assert done.returncode == 74, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    token = re.fullmatch(r"ClientRequestToken (\S+) \(re-run with [^)]+\)", lines[0])
    assert token is not None, lines
    (task_id,) = world.service.tasks
    assert lines[-1].startswith("error: could not write the result to stdout (")
    assert f"speaker search task {task_id} was started; see it with: " in lines[-1]
    get = shlex.split(lines[-1].split("see it with: ")[1])
    assert get[get.index("get") :] == ["get", *world.task_args(task_id)]
    # The retry a wrapper script would make, with the token shown: the same task.
    again = run(*world.target, "start", *world.start_args(), "--client-request-token", token[1])
    assert again.code == 0
    assert task_id in again.out
    assert list(world.service.tasks) == [task_id]


def test_get_into_a_full_disk_exits_74(world: World) -> None:
    task_id = world.start()
    done = completed(shell(">/dev/full", cli_argv(*world.target, "get", *world.task_args(task_id))))
    assert done.returncode == 74
    assert done.stderr == (
        "error: could not write the result to stdout (No space left on device)\n"
    )


def test_not_found_with_stderr_closed_still_exits_4(world: World) -> None:
    done = completed(
        shell("2>&-", cli_argv(*world.target, "get", *world.task_args("no-such-task")))
    )
    assert done.returncode == 4
    assert done.stdout == ""


# --- configuration mistakes ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            ["--endpoint-url", "notaurl"],
            (
                "--endpoint-url must start with https:// (or http:// for a local emulator), "
                "got 'notaurl'"
            ),
        ),
        (
            ["--endpoint-url", "http://[::1"],
            "--endpoint-url must be an http(s) URL (Invalid IPv6 URL), got 'http://[::1'",
        ),
        (
            ["--endpoint-url", "http://127.0.0.1:99999"],
            (
                "--endpoint-url must be an http(s) URL (Port out of range 0-65535), "
                "got 'http://127.0.0.1:99999'"
            ),
        ),
        (
            ["--endpoint-url", "ftp://127.0.0.1:21"],
            (
                "--endpoint-url must start with https:// (or http:// for a local emulator), "
                "got 'ftp://127.0.0.1:21'"
            ),
        ),
        (["--region", "us east 1"], "Provided region_name 'us east 1' doesn't match"),
    ],
)
def test_configuration_mistakes_exit_2_with_one_line(options: list[str], message: str) -> None:
    result = run(*options, "get", "--voice-connector-id", "vc", "--speaker-search-task-id", "t")
    assert result.code == 2
    assert result.out == ""
    assert result.err.startswith(f"error: {message}")
    assert result.err.count("\n") == 1


def test_an_unparsable_aws_config_file_exits_2(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.write_text("[default\nregion = us-east-1\n")
    # A fresh process, as a shell runs the command: botocore reads the file once per process.
    done = completed(
        cli_argv("get", "--voice-connector-id", "vc", "--speaker-search-task-id", "t"),
        env={**os.environ, "AWS_CONFIG_FILE": str(config)},
    )
    assert done.returncode == 2
    assert done.stderr == f"error: Unable to parse config file: {config}\n"


@needs_configured_endpoints
def test_an_ftp_endpoint_from_the_environment_is_rejected_not_retried(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = world.service.endpoint_url.rsplit(":", 1)[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"ftp://127.0.0.1:{port}")
    result = run("get", *world.task_args("t"))
    assert result.code == 2
    assert result.err == (
        "error: the endpoint URL (AWS configuration) must start with https:// (or http:// for "
        f"a local emulator), got 'ftp://127.0.0.1:{port}'\n"
    )
    assert world.service.requests == []


def test_the_insecure_endpoint_warning_is_one_clear_line() -> None:
    done = completed(
        cli_argv(
            "--endpoint-url",
            "http://speaker-search.example:8080",
            "--region",
            "us-east-1",
            "get",
            "--voice-connector-id",
            "   ",  # invalid: nothing is sent
            "--speaker-search-task-id",
            "t",
        )
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        (
            "warning: endpoint_url 'http://speaker-search.example:8080' is plain http to a "
            "non-loopback host: task data would travel unencrypted. Use https."
        ),
        "error: VoiceConnectorId must contain a non-whitespace character, got '   '",
    ]


# --- signals ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)], ids=["TERM", "HUP"]
)
@pytest.mark.parametrize("command", ["wait", "start --wait"])
def test_a_signal_during_a_wait_prints_the_resume_command(
    world: World, signum: signal.Signals, code: int, command: str
) -> None:
    if command == "wait":
        argv = ["wait", *world.task_args(world.start())]
    else:
        argv = ["start", *world.start_args(), "--wait"]
    proc = subprocess.Popen(  # noqa: S603
        cli_argv(*world.target, *argv, "--poll-min", "0.05", "--poll-max", "0.1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    assert proc.stderr is not None
    while "IN_QUEUE after" not in (line := proc.stderr.readline()):  # the wait is under way
        assert line, "the command ended before waiting"
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == code
    assert out == ""
    assert "Traceback" not in err
    (task_id,) = world.service.tasks
    assert f"interrupted: speaker search task {task_id} is still running" in err
    assert shlex.split(err.splitlines()[-1]) == world.resume_argv(task_id)


# Presses Ctrl-C (a real SIGINT) the moment the package starts importing its converter:
# in the middle of `import chime_speaker_search`, before any of the command's code runs.
_CTRL_C_WHILE_IMPORTING = """\
import importlib.abc, os, signal, sys

class CtrlC(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "chime_speaker_search._convert":
            os.kill(os.getpid(), signal.SIGINT)
        return None

sys.meta_path.insert(0, CtrlC())
"""

# What pip writes as the `chime-speaker-search` console script.
_CONSOLE_SCRIPT = """\
import sys
from chime_speaker_search._cli import main
if __name__ == '__main__':
    sys.argv[0] = sys.argv[0].removesuffix('.exe')
    sys.exit(main())
"""


@pytest.mark.parametrize("how", ["console script", "python -m"])
def test_ctrl_c_while_importing_prints_no_traceback(tmp_path: Path, how: str) -> None:
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(_CTRL_C_WHILE_IMPORTING)
    script = tmp_path / "chime-speaker-search"
    script.write_text(_CONSOLE_SCRIPT)
    argv = (
        [sys.executable, str(script), "demo"]
        if how == "console script"
        else [sys.executable, "-m", "chime_speaker_search", "demo"]
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(hooks), str(REPO)])}
    done = completed(argv, env=env)
    assert done.stderr == "interrupted\n"
    assert done.returncode in {-signal.SIGINT, 130}  # died of SIGINT, as a shell expects
    assert done.stdout == ""


def test_a_program_importing_the_library_keeps_its_own_ctrl_c(tmp_path: Path) -> None:
    """The quiet Ctrl-C is for the command's own process only, not for every importer."""
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(_CTRL_C_WHILE_IMPORTING)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(hooks), str(REPO)])}
    done = completed([sys.executable, "-c", "import chime_speaker_search"], env=env)
    assert "KeyboardInterrupt" in done.stderr
    assert "Traceback" in done.stderr


# --- missing pieces -----------------------------------------------------------------------


def test_stop_stops_the_task_and_prints_nothing_on_stdout(world: World) -> None:
    task_id = world.start()
    result = run(*world.target, "stop", *world.task_args(task_id))
    assert result.code == 0
    assert result.out == ""
    assert result.err == f"stopped speaker search task {task_id}\n"
    assert world.service.tasks[task_id].speaker_search_task_status.value == "STOPPED"
    missing = run(*world.target, "stop", *world.task_args("no-such-task"))
    assert missing.code == 4
    assert "NotFoundException" in missing.err


def test_version() -> None:
    result = run("--version")
    assert result.code == 0
    assert result.out == f"chime-speaker-search {chime_speaker_search.__version__}\n"


def test_subcommand_help_lists_only_the_options_that_apply() -> None:
    service = ("--region", "--profile", "--endpoint-url", "--max-attempts")
    output = ("--output", "--query")
    expected = {
        "emulator": ((), (*service, *output)),
        "demo": (output, service),
        "stop": (service, output),
        "get": ((*service, *output), ()),
    }
    for command, (shown, hidden) in expected.items():
        help_text = run(command, "--help").out
        for flag in shown:
            assert f"  {flag}" in help_text, (command, flag)
        for flag in hidden:
            assert flag not in help_text, (command, flag)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--output", "json", "stop"], "error: --output does not apply to stop\n"),
        (
            ["--max-attempts", "3", "demo"],
            "error: demo runs its own local emulator; --max-attempts does not apply\n",
        ),
        (
            ["--query", "SpeakerSearchTask", "--output", "table", "get"],
            "error: --query needs --output json or text (a table shows the whole task)\n",
        ),
    ],
)
def test_options_that_do_not_apply_are_refused(argv: list[str], message: str) -> None:
    if argv[-1] != "demo":
        argv = [*argv, "--voice-connector-id", "vc", "--speaker-search-task-id", "t"]
    result = run(*argv)
    assert result.code == 2
    assert result.err == message


def test_a_bad_query_is_a_usage_error() -> None:
    result = run(
        "get", "--voice-connector-id", "vc", "--speaker-search-task-id", "t", "--query", "["
    )
    assert result.code == 2
    assert "--query: not a JMESPath expression" in result.err


def test_the_emulator_port_collides_with_no_common_local_aws_tool() -> None:
    shown = re.search(
        r"--port PORT +port, 0 for a free one \(default: (\d+)\)", run("emulator", "--help").out
    )
    assert shown is not None
    port = int(shown[1])
    taken = {
        5000,  # moto server
        8000,  # DynamoDB Local
        9000,  # MinIO
        9001,
        9324,  # ElasticMQ
        9325,
        8080,
        *range(3000, 3004),  # SAM CLI, serverless-offline
        *range(4510, 4600),  # LocalStack: edge 4566, services 4510-4559, old ports 4567-
    }
    assert port not in taken
    assert port < 32768  # not an ephemeral port on Linux
    for page in ("docs/cli.md", "docs/testing.md"):
        text = (REPO / page).read_text(encoding="utf-8")
        assert re.search(rf"(--port|port) {port}\b", text), page
        assert not re.search(r"(--port|port) 4566\b", text), page
