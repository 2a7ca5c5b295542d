"""The public surface: __all__ is complete, sorted, and matches the contract."""

from __future__ import annotations

import importlib
import inspect
import subprocess
import sys

import chime_speaker_search
import chime_speaker_search.testing

CONTRACT = {
    "SpeakerSearchClient",
    "AsyncSpeakerSearchClient",
    "RetryPolicy",
    "PollPolicy",
    "SpeakerSearchTask",
    "CallDetails",
    "SpeakerSearchDetails",
    "SpeakerSearchResult",
    "Result",
    "SpeakerSearchTaskStatus",
    "VoiceprintGenerationStatus",
    "CallLeg",
    "SpeakerSearchError",
    "InvalidParameterError",
    "Violation",
    "ServiceError",
    "TransportError",
    "MalformedResponseError",
    "WaitTimeoutError",
    "TaskFailedError",
    "BadRequestException",
    "ResourceLimitExceededException",
    "UnauthorizedClientException",
    "ForbiddenException",
    "AccessDeniedException",
    "NotFoundException",
    "ConflictException",
    "GoneException",
    "UnprocessableEntityException",
    "ThrottledClientException",
    "ServiceFailureException",
    "ServiceUnavailableException",
    "OutcomeUnknownError",
    "VoiceprintUnavailableError",
    "VoiceProfile",
    "VoiceProfileDomain",
}


def public_names(module: object) -> set[str]:
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and not inspect.ismodule(value)
        and name not in {"annotations", "Any", "TYPE_CHECKING", "TracebackType"}
    }


def test_all_is_sorted_and_complete() -> None:
    exported = chime_speaker_search.__all__
    assert exported == sorted(exported)
    assert set(exported) == public_names(chime_speaker_search)
    assert set(exported) >= CONTRACT


def test_every_exported_name_resolves_and_is_documented() -> None:
    for name in chime_speaker_search.__all__:
        obj = getattr(chime_speaker_search, name)
        assert inspect.getdoc(obj), name


def test_private_modules_declare_all() -> None:
    for module_name in (
        "_aio_client",
        "_aio_http",
        "_aio_transport",
        "_client",
        "_clock",
        "_convert",
        "_models",
        "_paging",
        "_retry",
        "_validation",
        "_wait",
        "errors",
    ):
        module = importlib.import_module(f"chime_speaker_search.{module_name}")
        assert sorted(module.__all__) == module.__all__, module_name
        for name in module.__all__:
            assert hasattr(module, name), f"{module_name}.{name}"


def test_testing_module_all_is_sorted() -> None:
    exported = chime_speaker_search.testing.__all__
    assert exported == sorted(exported)
    assert "LocalSpeakerSearchService" in exported
    assert "ManualClock" in exported


def test_the_async_client_is_imported_on_first_use() -> None:
    """A synchronous program never pays for asyncio (~30 ms of import time)."""
    code = (
        "import sys, chime_speaker_search as c\n"
        "assert 'asyncio' not in sys.modules, 'asyncio imported'\n"
        "assert 'AsyncSpeakerSearchClient' in c.__all__\n"
        "cls = c.AsyncSpeakerSearchClient\n"
        "assert 'asyncio' in sys.modules and cls.__name__ == 'AsyncSpeakerSearchClient'\n"
        "from chime_speaker_search import AsyncSpeakerSearchClient\n"
        "assert AsyncSpeakerSearchClient is cls\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)  # noqa: S603 (our own code)
