"""HTTP framing, keep-alive, fork and threads against uvicorn (h11), three ways.

uvicorn decides the framing here (keep-alive timeouts, ``Connection: close``, chunked
bodies); the connections each way opens are counted on the server.
docs/real-world.md has the table.
"""

from __future__ import annotations

import asyncio
import os
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.exceptions import ClientError

from chime_speaker_search import (
    AsyncSpeakerSearchClient,
    NotFoundException,
    RetryPolicy,
    ServiceError,
    SpeakerSearchClient,
)
from tests.realworld import WAYS, StdlibServer, UvicornServer, get_task, seed_task

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

THREE = RetryPolicy(max_attempts=3, base_delay=0, max_delay=0)


def chime(server: UvicornServer | StdlibServer) -> Any:
    return boto3.client(
        "chime-sdk-voice", region_name="us-east-1", endpoint_url=server.endpoint_url
    )


def reader(way: str, server: UvicornServer) -> tuple[Callable[[], str], Callable[[], None]]:
    """A function that reads one task ``way`` on one long-lived client, and a closer."""
    connector, task_id = seed_task(server.service)
    raw = chime(server)
    params = {"voice_connector_id": connector, "speaker_search_task_id": task_id}
    if way == "raw":
        return (
            lambda: raw.get_speaker_search_task(
                VoiceConnectorId=connector, SpeakerSearchTaskId=task_id
            )["SpeakerSearchTask"]["SpeakerSearchTaskId"],
            raw.close,
        )
    if way == "sync":
        client = SpeakerSearchClient(client=raw, retry=THREE)
        return (
            lambda: client.get_speaker_search_task(**params).speaker_search_task_id,
            client.close,
        )
    aclient = AsyncSpeakerSearchClient(client=raw, retry=THREE)

    async def get() -> str:
        return (await aclient.get_speaker_search_task(**params)).speaker_search_task_id

    return (lambda: asyncio.run(get())), (lambda: asyncio.run(aclient.close()))


@pytest.fixture(scope="module")
def server() -> Iterator[UvicornServer]:
    with UvicornServer() as running:
        yield running


@pytest.mark.parametrize("way", WAYS)
def test_keep_alive_reuses_one_connection_counted_on_the_server(way: str) -> None:
    with UvicornServer() as server:
        read, close = reader(way, server)
        ids = {read() for _ in range(5)}
        close()
        assert len(ids) == 1
        assert server.connections == 1


@pytest.mark.parametrize("way", WAYS)
def test_a_server_closing_idle_connections_is_reconnected_transparently(way: str) -> None:
    """uvicorn closes a connection idle for 1 s; a call 2 s later opens a new one.

    A voice-profile write then goes through too: never a spurious OutcomeUnknownError.
    """
    with UvicornServer(keep_alive=1) as server:
        read, close = reader(way, server)
        read()
        time.sleep(2)  # the server's idle timeout, not a backoff
        read()
        domain = server.service.add_voice_profile_domain()
        profile = server.service.add_voice_profile(domain, speaker="dave")
        delete_profile(way, server, profile)
        close()
        assert server.connections >= 2


def delete_profile(way: str, server: UvicornServer, profile: str) -> None:
    """Read the profile (a pooled connection), let the server close it idle, delete it."""
    raw = chime(server)
    if way == "raw":
        raw.get_voice_profile(VoiceProfileId=profile)
        time.sleep(2)
        raw.delete_voice_profile(VoiceProfileId=profile)
    elif way == "sync":
        with SpeakerSearchClient(client=raw) as client:
            client.get_voice_profile(voice_profile_id=profile)
            time.sleep(2)
            client.delete_voice_profile(voice_profile_id=profile)
    else:

        async def delete() -> None:
            async with AsyncSpeakerSearchClient(client=raw) as client:
                await client.get_voice_profile(voice_profile_id=profile)
                await asyncio.sleep(2)
                await client.delete_voice_profile(voice_profile_id=profile)

        asyncio.run(delete())
    with pytest.raises(raw.exceptions.NotFoundException):
        raw.get_voice_profile(VoiceProfileId=profile)
    raw.close()


@pytest.mark.parametrize("way", WAYS)
def test_connection_close_from_the_server_opens_a_connection_per_call(way: str) -> None:
    with UvicornServer(connection_close=True) as server:
        read, close = reader(way, server)
        for _ in range(3):
            read()
        close()
        assert server.connections == 3


@pytest.mark.parametrize("way", WAYS)
def test_a_chunked_body_is_read_whole(way: str) -> None:
    with UvicornServer(chunked=True) as server:
        read, close = reader(way, server)
        read()
        read()
        close()
        assert server.connections == 1  # a chunked answer ends cleanly: the connection is reused


@pytest.mark.parametrize("way", WAYS)
def test_sixteen_threads_share_one_client_for_a_thousand_calls(
    way: str, server: UvicornServer
) -> None:
    if way == "async":  # one loop, 1,000 concurrent calls: the async form of the same
        connector, task_id = seed_task(server.service)

        async def many() -> set[str]:
            async with AsyncSpeakerSearchClient(client=chime(server)) as client:
                limit = asyncio.Semaphore(16)

                async def one() -> str:
                    async with limit:
                        task = await client.get_speaker_search_task(
                            voice_connector_id=connector, speaker_search_task_id=task_id
                        )
                        return task.speaker_search_task_id

                return set(await asyncio.gather(*(one() for _ in range(1000))))

        assert asyncio.run(many()) == {task_id}
        return
    read, close = reader(way, server)
    with ThreadPoolExecutor(16) as pool:
        ids = set(pool.map(lambda _: read(), range(1000)))
    close()
    assert len(ids) == 1


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
@pytest.mark.parametrize("way", WAYS)
def test_a_client_used_before_fork_works_in_parent_and_child(way: str) -> None:
    """The child must not speak on the parent's pooled connection.

    Sequential on purpose (the child first, then the parent), so the outcome is
    deterministic: the server counts whose connection the child used. botocore's
    urllib3 pool is not fork-aware: its child reuses the parent's socket, which is
    harmless only while the two never use it at the same time (run concurrently, the
    answers cross: seen here as a KeyError in botocore's parse of the other's answer).
    """
    with UvicornServer() as server:
        read, close = reader(way, server)
        expected = read()  # a pooled connection now exists, inherited by the child
        pid = os.fork()
        if pid == 0:  # the child
            code = 1
            try:
                code = 0 if read() == expected else 2
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert read() == expected  # the parent, after
        close()
        # library: the child opened its own; raw botocore: the child used the parent's
        assert server.connections == (1 if way == "raw" else 2)


def test_the_async_client_under_uvloop(server: UvicornServer) -> None:
    uvloop = pytest.importorskip("uvloop")
    read_id: list[str] = []
    connector, task_id = seed_task(server.service)

    async def main() -> None:
        async with AsyncSpeakerSearchClient(client=chime(server)) as client:
            task = await client.get_speaker_search_task(
                voice_connector_id=connector, speaker_search_task_id=task_id
            )
            read_id.append(task.speaker_search_task_id)

    uvloop.run(main())
    assert read_id == [task_id]


@pytest.mark.parametrize("way", WAYS)
def test_a_gzip_body_nobody_asked_for_is_decoded(way: str) -> None:
    """Every answer gzipped, though the request said ``Accept-Encoding: identity``.

    As a compressing proxy in between may do. The library undoes it (success and error
    answers alike); botocore hands the compressed bytes to its JSON parser.
    """
    with UvicornServer(gzip=True) as server:
        connector, task_id = seed_task(server.service)

        def get(task: str) -> dict[str, Any]:
            return get_task(way, chime(server), voice_connector_id=connector, task_id=task)

        if way == "raw":
            with pytest.raises(UnicodeDecodeError):
                get(task_id)
            return
        assert get(task_id)["SpeakerSearchTaskId"] == task_id
        with pytest.raises(NotFoundException, match="was not found"):
            get("0" * 36)


@pytest.mark.parametrize("way", WAYS)
def test_http_1_0_answers_from_the_standard_library_server(way: str) -> None:
    """``http.server`` answers HTTP/1.0 and closes each connection: a connection per call."""
    with StdlibServer() as server:
        connector, task_id = seed_task(server.service)
        for _ in range(3):
            task = get_task(way, chime(server), voice_connector_id=connector, task_id=task_id)
            assert task["SpeakerSearchTaskId"] == task_id
        assert server.connections == 3


@pytest.mark.parametrize("way", WAYS)
def test_a_301_is_not_followed_and_the_error_says_so(way: str) -> None:
    elsewhere = "http://127.0.0.1:9/elsewhere"
    with UvicornServer(redirect=elsewhere) as server:
        connector, task_id = seed_task(server.service)

        def get() -> dict[str, Any]:
            return get_task(
                way, chime(server), voice_connector_id=connector, task_id=task_id, retry=THREE
            )

        if way == "raw":  # botocore does not follow it either; its error is the bare status
            with pytest.raises(ClientError) as raised:
                get()
            assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 301
        else:
            with pytest.raises(ServiceError, match="does not follow") as caught:
                get()
            assert caught.value.http_status == 301
            assert elsewhere in str(caught.value)
            assert "not follow" in str(caught.value)
        assert server.connections == 1  # asked once: not retried, not followed
