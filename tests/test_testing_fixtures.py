"""The pytest plugin: ``pytest_plugins = ["chime_speaker_search.testing"]`` gives users a
running emulator and a client for it; and the package imports without pytest."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from typing import TYPE_CHECKING

from chime_speaker_search import SpeakerSearchTaskStatus
from chime_speaker_search.testing import LocalSpeakerSearchService, ManualClock

if TYPE_CHECKING:
    from chime_speaker_search import (
        AsyncSpeakerSearchClient,
        SpeakerSearchClient,
        SpeakerSearchTask,
    )

pytest_plugins = ["chime_speaker_search.testing"]


def test_service_fixture_is_running_on_a_manual_clock(
    speaker_search_service: LocalSpeakerSearchService,
) -> None:
    assert speaker_search_service.is_running
    assert speaker_search_service.endpoint_url.startswith("http://127.0.0.1:")
    assert isinstance(speaker_search_service.clock, ManualClock)


def test_client_fixture_runs_a_whole_task_instantly(
    speaker_search_service: LocalSpeakerSearchService,
    speaker_search_client: SpeakerSearchClient,
) -> None:
    service = speaker_search_service
    vc = service.add_voice_connector()
    domain = service.add_voice_profile_domain()
    alice = service.add_voice_profile(domain, speaker="alice")
    service.add_voice_profile(domain, speaker="bob")
    call = service.add_call(vc, caller="alice")
    task = speaker_search_client.start_and_wait(
        voice_connector_id=vc, transaction_id=call, voice_profile_domain_id=domain
    )
    assert task.status is SpeakerSearchTaskStatus.SUCCEEDED
    best = task.best_match(min_confidence=0.85)
    assert best is not None
    assert best.voice_profile_id == alice
    assert service.tasks[task.speaker_search_task_id] == task


def test_client_fixture_retries_an_injected_throttle_with_one_token(
    speaker_search_service: LocalSpeakerSearchService,
    speaker_search_client: SpeakerSearchClient,
) -> None:
    service = speaker_search_service
    vc = service.add_voice_connector()
    domain = service.add_voice_profile_domain()
    call = service.add_call(vc, caller="alice")
    service.fail_next("StartSpeakerSearchTask", "ThrottledClientException")
    service.drop_next_response("StartSpeakerSearchTask")
    task = speaker_search_client.start_speaker_search_task(
        voice_connector_id=vc, transaction_id=call, voice_profile_domain_id=domain
    )
    starts = [r for r in service.requests if r.operation == "StartSpeakerSearchTask"]
    assert len(starts) == 3  # throttled, dropped (but created), then answered
    assert len({r.body["ClientRequestToken"] for r in starts}) == 1
    assert list(service.tasks) == [task.speaker_search_task_id]
    assert "testing-secret" not in repr(starts)


def test_the_package_imports_without_pytest() -> None:
    """Pytest is a test tool, not a runtime dependency: nothing imports it by accident."""
    code = (
        "import sys\n"
        "class NoPytest:  # as if pytest were not installed\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.partition('.')[0] in ('pytest', '_pytest'):\n"
        "            raise ModuleNotFoundError(name)\n"
        "sys.meta_path.insert(0, NoPytest())\n"
        "import chime_speaker_search.testing as t\n"
        "assert 'pytest' not in sys.modules\n"
        "assert not hasattr(t, 'speaker_search_service')\n"
        "print(sorted(t.__all__))\n"
    )
    result = subprocess.run(  # noqa: S603 (our own interpreter, fixed code)
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=30
    )
    assert result.returncode == 0, result.stderr
    assert "LocalSpeakerSearchService" in result.stdout


def test_async_client_fixture_works_with_plain_asyncio_run(
    speaker_search_service: LocalSpeakerSearchService,
    async_speaker_search_client: AsyncSpeakerSearchClient,
) -> None:
    """No pytest plugin: the fixture is synchronous, the test runs its coroutine itself."""
    service = speaker_search_service
    vc = service.add_voice_connector()
    domain = service.add_voice_profile_domain()
    alice = service.add_voice_profile(domain, speaker="alice")
    calls = [service.add_call(vc, caller="alice") for _ in range(3)]

    async def main() -> list[SpeakerSearchTask]:
        return await asyncio.gather(
            *(
                async_speaker_search_client.start_and_wait(
                    voice_connector_id=vc, transaction_id=call, voice_profile_domain_id=domain
                )
                for call in calls
            )
        )

    tasks = asyncio.run(main())  # instant: the client sleeps on the service's ManualClock
    assert [t.status for t in tasks] == [SpeakerSearchTaskStatus.SUCCEEDED] * 3
    assert all((t.best_match() or t.results[0]).voice_profile_id == alice for t in tasks)
    again = asyncio.run(
        async_speaker_search_client.get_speaker_search_task(
            voice_connector_id=vc, speaker_search_task_id=tasks[0].speaker_search_task_id
        )
    )  # a second event loop: the same client still works
    assert again == tasks[0]
