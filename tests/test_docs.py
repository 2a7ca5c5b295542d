"""Every example in the README and the docs runs, against the emulator, so none can rot.

Each page's ```python blocks run in order in one namespace, with ``AWS_ENDPOINT_URL``
pointing botocore (and so the examples' clients, unchanged) at a seeded emulator: the
AWS account a reader has. A block followed by "prints" and a ```text block must print
exactly that. Functions named ``test_*`` that a page defines are called with the pytest
fixtures they name. ``$ chime-speaker-search ...`` lines in ```console blocks run the
CLI in-process.

The examples that need no AWS account (see ``tests/docs_examples.py``) also run in a
fresh process with no AWS variables and an empty HOME, as on a new machine, so none
can come to need credentials; and every page's examples pass ``mypy --strict``.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import json
import os
import re
import shlex
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import pytest

from chime_speaker_search import SpeakerSearchClient
from chime_speaker_search._cli import main as cli_main
from chime_speaker_search.testing import LocalSpeakerSearchService, seed_demo
from tests.docs_examples import FENCE, PLACEHOLDERS, ROOT, examples, offline_examples

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

pytest_plugins = ["chime_speaker_search.testing"]

# events.md has its own executed-example test (tests/test_events_docs.py).
PAGES = [
    ROOT / "README.md",
    *sorted(
        page
        for page in (ROOT / "docs").rglob("*.md")
        if "_build" not in page.parts and page.name != "events.md"
    ),
]
ALL_PAGES = sorted([*PAGES, ROOT / "docs" / "events.md"])
# Pages whose examples all need an account, or that have none to run.
NO_OFFLINE_EXAMPLE = {
    "api.md",
    "benchmarks.md",
    "changelog.md",
    "cli.md",
    "development.md",
    "errors.md",
    "idempotency.md",
    "index.md",
    "reliability.md",
    "starting.md",
    "threads.md",
    "validation.md",
    "waiting.md",
}


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
        "$OTHER_TX": "other_transaction_id",
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
    if page.name not in {
        "index.md",
        "changelog.md",
        "benchmarks.md",
        "api.md",
        "reliability.md",
        "development.md",
    }:
        assert found or commands, f"{page.name} has no example to run"


@pytest.fixture(scope="module")
def offline_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every page's offline examples, run as on a new machine: no AWS variables, empty HOME."""
    home = tmp_path_factory.mktemp("empty-home")
    environment = {"PATH": os.environ.get("PATH", ""), "HOME": str(home), "LANG": "C.UTF-8"}
    assert not any(name.startswith("AWS_") for name in environment)
    done = subprocess.run(  # noqa: S603 (our own runner)
        [
            sys.executable,
            "-m",
            "tests.docs_examples",
            *(str(page.relative_to(ROOT)) for page in ALL_PAGES),
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report: dict[str, Any] = json.loads(done.stdout)
    return report


@pytest.mark.parametrize("page", ALL_PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_offline_examples_run_with_no_aws_set_up(
    page: Path, offline_report: dict[str, Any]
) -> None:
    outcome = offline_report[str(page.relative_to(ROOT))]
    assert outcome["error"] is None, outcome["error"]
    if page.name not in NO_OFFLINE_EXAMPLE:
        assert outcome["ran"] > 0, f"{page.name}: no example runs without an AWS account"


def test_the_quickstart_and_testing_pages_run_offline() -> None:
    """The first examples a new user runs are offline ones (they failed without credentials)."""
    for page, least in (("docs/quickstart.md", 1), ("docs/testing.md", 4)):
        found = examples((ROOT / page).read_text(encoding="utf-8"))
        assert len(offline_examples(found)) >= least, page


def test_examples_pass_mypy_strict(tmp_path: Path) -> None:
    """Each page's blocks, as one module, type-check as a user's strict project would."""
    preamble = "".join(f"{name} = {value!r}\n" for name, value in PLACEHOLDERS.items())
    modules = []
    for page in ALL_PAGES:
        found = examples(page.read_text(encoding="utf-8"))
        if not found:
            continue
        relative = page.relative_to(ROOT)
        module = tmp_path / f"docs_{'_'.join(relative.with_suffix('').parts)}.py"
        module.write_text(
            preamble + "".join(f"\n# --- {relative}, line {e.line}\n{e.code}" for e in found),
            encoding="utf-8",
        )
        modules.append(str(module))
    done = subprocess.run(  # noqa: S603 (our own type check)
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--cache-dir",
            str(ROOT / ".mypy_cache"),
            *modules,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


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


# ~30 s on an idle 2-core machine; several times that on a loaded one.
@pytest.mark.timeout(300)
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
    [
        "chime_speaker_search._aio_client",
        "chime_speaker_search._client",
        "chime_speaker_search.testing._service",
    ],
)
def test_docstring_examples_run(module_name: str) -> None:
    """The examples in docstrings (shown in the API reference) are doctests, and pass."""
    import doctest  # noqa: PLC0415
    import importlib  # noqa: PLC0415

    module = importlib.import_module(module_name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, raise_on_error=False)
    assert result.attempted > 0
    assert result.failed == 0
