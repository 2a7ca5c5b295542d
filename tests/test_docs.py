"""Every example in the README and the docs runs, against the emulator, so none can rot.

Each page's ```python blocks run in order in one namespace, with ``AWS_ENDPOINT_URL``
pointing botocore (and so the examples' clients, unchanged) at a seeded emulator. A
block followed by "prints" and a ```text block must print exactly that. Functions
named ``test_*`` that a page defines are called with the pytest fixtures they name.
``$ chime-speaker-search ...`` lines in ```console blocks run the CLI in-process.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import pytest

from chime_speaker_search import SpeakerSearchClient
from chime_speaker_search._cli import main as cli_main
from chime_speaker_search.testing import LocalSpeakerSearchService, seed_demo

if TYPE_CHECKING:
    from collections.abc import Iterator

pytest_plugins = ["chime_speaker_search.testing"]

ROOT = Path(__file__).resolve().parent.parent
# events.md has its own executed-example test (tests/test_events_docs.py).
PAGES = [
    ROOT / "README.md",
    *sorted(
        page
        for page in (ROOT / "docs").rglob("*.md")
        if "_build" not in page.parts and page.name != "events.md"
    ),
]
FENCE = re.compile(r"^```(?P<lang>[\w{}-]*)[^\n]*\n(?P<body>.*?)^```\s*$", re.MULTILINE | re.DOTALL)


@attrs.frozen
class Example:
    code: str
    prints: str | None


def examples(text: str) -> list[Example]:
    """The page's python blocks, each with the output the page says it prints."""
    fences = list(FENCE.finditer(text))
    found = []
    for index, fence in enumerate(fences):
        if fence.group("lang") != "python":
            continue
        expected = None
        if index + 1 < len(fences):
            following = fences[index + 1]
            between = text[fence.end() : following.start()].strip()
            if between == "prints" and following.group("lang") == "text":
                expected = following.group("body")
        found.append(Example(fence.group("body"), expected))
    return found


def cli_commands(text: str) -> list[list[str]]:
    return [
        shlex.split(line[2:])[1:]
        for fence in FENCE.finditer(text)
        if fence.group("lang") == "console"
        for line in fence.group("body").splitlines()
        if line.startswith("$ chime-speaker-search ")
    ]


@pytest.fixture
def docs_world(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """A seeded emulator on fast time, and the names the examples refer to."""
    with LocalSpeakerSearchService(time_scale=100) as service:
        seed = seed_demo(service)
        monkeypatch.setenv("AWS_ENDPOINT_URL", service.endpoint_url)
        other = service.add_call(seed.voice_connector_id, caller="bob", caller_speech_seconds=600)
        third = service.add_call(seed.voice_connector_id, caller="alice")
        with SpeakerSearchClient() as client:
            running = client.start_speaker_search_task(
                voice_connector_id=seed.voice_connector_id,
                transaction_id=third,
                voice_profile_domain_id=seed.voice_profile_domain_id,
            )
        yield {
            "voice_connector_id": seed.voice_connector_id,
            "voice_profile_domain_id": seed.voice_profile_domain_id,
            "transaction_id": seed.succeeding_transaction_id,
            "other_transaction_id": other,
            "speaker_search_task_id": running.speaker_search_task_id,
        }


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_page_examples_run(
    page: Path, docs_world: dict[str, Any], request: pytest.FixtureRequest
) -> None:
    text = page.read_text(encoding="utf-8")
    found = examples(text)
    commands = cli_commands(text)
    namespace: dict[str, Any] = {"__name__": f"docs:{page.name}", **docs_world}
    for example in found:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(example.code, str(page), "exec"), namespace)  # noqa: S102 (our own docs)
        if example.prints is not None:
            assert out.getvalue() == example.prints, f"{page.name}: output differs from the page"
    for name, value in list(namespace.items()):
        if name.startswith("test_") and inspect.isfunction(value):
            fixtures = {
                arg: request.getfixturevalue(arg) for arg in inspect.signature(value).parameters
            }
            value(**fixtures)
    names = {
        "$VC": "voice_connector_id",
        "$TX": "transaction_id",
        "$DOMAIN": "voice_profile_domain_id",
        "$TASK": "speaker_search_task_id",
    }
    for command in commands:
        argv = [docs_world[names[arg]] if arg in names else arg for arg in command]
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            code = cli_main(argv)
        assert code == 0, f"{page.name}: chime-speaker-search {' '.join(command)} exited {code}"
        assert out.getvalue().strip()
    if page.name not in {"index.md", "changelog.md", "benchmarks.md", "api.md", "reliability.md"}:
        assert found or commands, f"{page.name} has no example to run"


def test_every_page_is_in_a_toctree() -> None:
    docs = ROOT / "docs"
    linked = set()
    for page in docs.rglob("*.md"):
        for block in re.findall(
            r"```\{toctree\}\n(.*?)```", page.read_text(encoding="utf-8"), re.DOTALL
        ):
            for line in block.splitlines():
                if line and not line.startswith(":"):
                    linked.add((page.parent / line.strip()).with_suffix(".md").resolve())
    pages = {
        p.resolve() for p in docs.rglob("*.md") if "_build" not in p.parts and p.name != "index.md"
    }
    assert pages <= linked, sorted(str(p) for p in pages - linked)


def test_docs_build_without_warnings(tmp_path: Path) -> None:
    """`make docs` in the test run: Sphinx with warnings as errors."""
    result = subprocess.run(  # noqa: S603 (our own build)
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-q",
            "-b",
            "html",
            str(ROOT / "docs"),
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "api.html").exists()


@pytest.mark.parametrize(
    "module_name",
    ["chime_speaker_search._client", "chime_speaker_search.testing._service"],
)
def test_docstring_examples_run(module_name: str) -> None:
    """The examples in docstrings (shown in the API reference) are doctests, and pass."""
    import doctest  # noqa: PLC0415
    import importlib  # noqa: PLC0415

    module = importlib.import_module(module_name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, raise_on_error=False)
    assert result.attempted > 0
    assert result.failed == 0
