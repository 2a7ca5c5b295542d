"""Shared test set-up: dummy AWS credentials, never real ones, and no network."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import pytest
from hypothesis import settings

from chime_speaker_search import AsyncSpeakerSearchClient, SpeakerSearchClient
from chime_speaker_search._clock import ManualClock
from tests.aio import BlockingClient

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from tests.realworld import Certificates, UvicornServer
    from tests.scripted import ScriptedServer

# Property tests assert outcomes, not speed: on 4 workers sharing 2 cores an example
# can take longer than Hypothesis's default 200 ms deadline without anything being wrong.
settings.register_profile("suite", deadline=None)
settings.load_profile("suite")

# Figures the reliability tests report, printed at the end of the run.
RELIABILITY: dict[str, str] = {}


def pytest_sessionfinish(session: pytest.Session) -> None:
    """In a pytest-xdist worker, hand the figures to the controller, which prints them."""
    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        output["reliability"] = dict(RELIABILITY)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """pytest-xdist hook, in the controller: collect a finished worker's figures."""
    RELIABILITY.update(getattr(node, "workeroutput", {}).get("reliability", {}))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print what the reliability tests survived, so CI logs carry the figures."""
    if RELIABILITY:
        terminalreporter.section("reliability figures")
        for name, figure in sorted(RELIABILITY.items()):
            terminalreporter.write_line(f"{name}: {figure}")


# A recognisable dummy secret: tests assert it never shows up anywhere.
DUMMY_SECRET = "dummy-SECRET-key-do-not-log-0123456789"
DUMMY_SESSION_TOKEN = "dummy-SESSION-token-do-not-log-abcdef"


@pytest.fixture(autouse=True)
def _dummy_aws_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Every test runs with dummy credentials and no shared AWS config."""
    empty = tmp_path_factory.getbasetemp() / "no-aws-config"
    # AWS_CA_BUNDLE too (some machines set it for everything): a test that wants one sets it.
    for name in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_ENDPOINT_URL",
        "AWS_ROLE_ARN",
        "AWS_CA_BUNDLE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDUMMYDUMMYDUMMY00")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", DUMMY_SECRET)
    monkeypatch.setenv("AWS_SESSION_TOKEN", DUMMY_SESSION_TOKEN)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def clock() -> ManualClock:
    """A clock that moves only when slept on: backoff and polling cost no real time."""
    return ManualClock()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """In a module with ``BOTH_CLIENTS = True``, run client tests with each client."""
    if "client_kind" in metafunc.fixturenames and getattr(metafunc.module, "BOTH_CLIENTS", False):
        metafunc.parametrize("client_kind", ["sync", "async"])


@pytest.fixture
def client_kind() -> str:
    """Which client ``make_client`` makes: ``"sync"`` unless the module asks for both."""
    return "sync"


@pytest.fixture
def make_client(client_kind: str) -> Iterator[Callable[..., SpeakerSearchClient]]:
    """Make clients of the kind under test (the async one behind a blocking face); closes them.

    Both take the same arguments, so a test written for ``SpeakerSearchClient`` pins the
    async client too: see ``tests/aio.py``.
    """
    made: list[Any] = []

    def make(**kwargs: Any) -> SpeakerSearchClient:
        one: Any = (
            SpeakerSearchClient(**kwargs)
            if client_kind == "sync"
            else BlockingClient(AsyncSpeakerSearchClient(**kwargs))
        )
        made.append(one)
        return cast("SpeakerSearchClient", one)

    yield make
    for one in made:
        one.close()


@pytest.fixture
def client(
    scripted: ScriptedServer, clock: ManualClock, make_client: Callable[..., SpeakerSearchClient]
) -> SpeakerSearchClient:
    """A client of the scripted server, on ``clock``, with jitter pinned to the window's top."""
    return make_client(
        endpoint_url=scripted.endpoint_url, region_name="us-east-1", clock=clock, jitter=lambda: 1.0
    )


@pytest.fixture
def scripted() -> Iterator[ScriptedServer]:
    """A raw HTTP server on 127.0.0.1 that answers what the test scripts."""
    from tests.scripted import ScriptedServer  # noqa: PLC0415

    with ScriptedServer() as server:
        yield server


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1, ::1 and localhost, made with ``openssl``."""
    from tests.rawnet import self_signed  # noqa: PLC0415

    return self_signed(tmp_path_factory.mktemp("tls"))


# --- real servers (tests/realworld.py): one CA and one HTTPS uvicorn per module --------------


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    """A trustme CA and a server certificate for localhost, 127.0.0.1 and ::1."""
    from tests.realworld import Certificates  # noqa: PLC0415 (trustme, for these tests only)

    return Certificates(tmp_path_factory.mktemp("trustme"))


@pytest.fixture(scope="module")
def https_server(certificates: Certificates) -> Iterator[UvicornServer]:
    """uvicorn serving a fresh emulator over TLS with ``certificates``."""
    from tests.realworld import UvicornServer  # noqa: PLC0415 (uvicorn, for these tests only)

    with UvicornServer(tls=certificates) as server:
        yield server
