"""``--output text`` and ``--query`` print exactly what the AWS CLI prints for the same task."""

from __future__ import annotations

import contextlib
import io
from typing import TYPE_CHECKING, Any

import pytest
from awscli.clidriver import create_clidriver
from awscli.text import format_text
from hypothesis import given
from hypothesis import strategies as st

from chime_speaker_search._cli._render import to_text
from chime_speaker_search.testing import LocalSpeakerSearchService, ManualClock, seed_demo
from tests.cli_support import World, run

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture(scope="module")
def finished() -> Iterator[tuple[World, str]]:
    """A world with one SUCCEEDED task (three results, call details, voiceprint)."""
    with LocalSpeakerSearchService(clock=ManualClock()) as service:
        world = World(service, seed_demo(service))
        task_id = world.start()
        world.advance(30)
        yield world, task_id


def aws(world: World, task_id: str, *options: str) -> str:
    """What ``aws chime-sdk-voice get-speaker-search-task`` prints (run in-process)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = create_clidriver().main(
            [
                "chime-sdk-voice",
                "get-speaker-search-task",
                *world.task_args(task_id),
                *world.target,
                *options,
            ]
        )
    assert code == 0
    return out.getvalue()


@pytest.mark.parametrize(
    "options",
    [
        ["--output", "text"],
        ["--output", "text", "--query", "SpeakerSearchTask.SpeakerSearchTaskId"],
        ["--output", "text", "--query", "SpeakerSearchTask.SpeakerSearchDetails.Results"],
        [
            "--output",
            "text",
            "--query",
            "SpeakerSearchTask.SpeakerSearchDetails.Results[].VoiceProfileId",
        ],
        ["--output", "text", "--query", "SpeakerSearchTask.StatusMessage"],  # absent: None
        ["--output", "json", "--query", "SpeakerSearchTask.SpeakerSearchDetails.Results[0]"],
        ["--output", "json", "--query", "SpeakerSearchTask.[SpeakerSearchTaskStatus, CallDetails]"],
        ["--output", "json", "--query", "SpeakerSearchTask.Nothing"],
        ["--output", "json", "--query", "`{}`"],
    ],
    ids=lambda options: " ".join(options[1::2]),
)
def test_get_prints_what_the_aws_cli_prints(
    finished: tuple[World, str], options: list[str]
) -> None:
    world, task_id = finished
    ours = run(*world.target, "get", *world.task_args(task_id), *options)
    assert ours.code == 0
    assert ours.out == aws(world, task_id, *options)


def test_query_defaults_to_json_even_on_a_terminal(finished: tuple[World, str]) -> None:
    world, task_id = finished
    ours = run(
        *world.target,
        "get",
        *world.task_args(task_id),
        "--query",
        "SpeakerSearchTask.SpeakerSearchTaskStatus",
        tty_out=True,
    )
    assert ours.out == '"SUCCEEDED"\n'


def test_start_prints_the_new_task_id_for_a_shell_variable(world_for_start: World) -> None:
    result = run(
        *world_for_start.target,
        "start",
        *world_for_start.start_args(),
        "--query",
        "SpeakerSearchTask.SpeakerSearchTaskId",
        "--output",
        "text",
    )
    assert result.code == 0
    assert result.out == f"{next(iter(world_for_start.service.tasks))}\n"


@pytest.fixture
def world_for_start() -> Iterator[World]:
    with LocalSpeakerSearchService(clock=ManualClock()) as service:
        yield World(service, seed_demo(service))


def test_demo_can_print_the_task_as_text() -> None:
    result = run("--output", "text", "demo", "--time-scale", "100")
    assert result.code == 0
    assert result.out.startswith("SPEAKERSEARCHTASK\t")
    assert "\nRESULTS\t0." in result.out


_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=5),
)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(alphabet="abcXYZ", min_size=1, max_size=3), inner, max_size=4),
    ),
    max_leaves=12,
)


@given(_JSON)
def test_text_form_matches_the_aws_clis_for_any_json(data: Any) -> None:
    ours = to_text(data)
    theirs = io.StringIO()
    try:
        format_text(data, theirs)
    except AttributeError:  # the AWS CLI's crashes on a list mixing objects and scalars
        return
    assert ours == theirs.getvalue()
