"""The HTTP engines: the sans-IO parser alone, then each engine over real loopback sockets.

Parser tests feed each response in one piece and byte by byte. Engine tests run against
raw servers (tests/rawnet.py) that answer exactly as scripted, including badly; where
time is the point they use the real clock with a 0.25 s margin, the engine's promise.
Each engine test runs with the synchronous engine and with the async client's.
"""

from __future__ import annotations

import contextlib
import gc
import gzip
import os
import socket
import ssl
import struct
import threading
import time
import warnings
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chime_speaker_search import _http
from chime_speaker_search._http import (
    MAX_BODY,
    MAX_HEAD,
    HttpEngine,
    HttpFailure,
    ResponseParser,
    Target,
)
from tests import strategies
from tests.aio import BlockingEngine
from tests.rawnet import (
    Peer,
    RawServer,
    answer,
    basic,
    free_port,
    keep_alive,
    proxy,
    self_signed,
    tls_server_context,
)
from tests.timing import Starvation

# Tests with verify=False: its one warning per client is tested in tests/test_real_tls.py.
pytestmark = pytest.mark.filterwarnings(
    "ignore:verify=False:urllib3.exceptions.InsecureRequestWarning"
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

MARGIN = 0.25  # the engine's promise: done by the deadline plus this
DEADLINE = 0.3  # the time left given to requests that must not finish


# --- the parser, sans IO ---------------------------------------------------------------------


@pytest.fixture(params=["whole", "bytewise"])
def feed(request: pytest.FixtureRequest) -> Callable[..., ResponseParser]:
    """Parse ``data`` fed in one piece, or one byte at a time; then EOF if asked."""

    def run(
        data: bytes, *, method: str = "GET", max_body: int = MAX_BODY, eof: bool = False
    ) -> ResponseParser:
        parser = ResponseParser(method, max_body=max_body)
        if request.param == "whole":
            parser.feed(data)
        else:
            for index in range(len(data)):
                parser.feed(data[index : index + 1])
        if eof:
            parser.feed_eof()
        return parser

    return run


def failure(run: Callable[[], object]) -> HttpFailure:
    with pytest.raises(HttpFailure) as caught:
        run()
    assert caught.value.sent  # a parser only ever sees answers to sent requests
    return caught.value


def test_a_content_length_body_is_read_exactly(feed: Callable[..., ResponseParser]) -> None:
    parser = feed(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A:  b \r\n\r\nhello")
    assert parser.done
    assert parser.response() == _http.HttpResponse(
        200, {"content-length": "5", "x-a": "b"}, b"hello"
    )
    assert parser.keep_alive


def test_a_content_length_body_waits_for_its_last_byte(feed: Callable[..., ResponseParser]) -> None:
    parser = feed(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nhello")
    assert not parser.done
    assert parser.started


def test_nothing_fed_is_not_started() -> None:
    parser = ResponseParser()
    assert not parser.started
    assert not parser.done


def test_a_chunked_body_with_extensions_and_trailers(feed: Callable[..., ResponseParser]) -> None:
    wire = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5;name=value\r\nhello\r\n"
        b'1 ; quoted="a;b"\r\n,\r\n'
        b"A\r\n0123456789\r\n"
        b"0;last\r\nX-Checksum: abc\r\nX-Other: d\r\n\r\n"
    )
    parser = feed(wire)
    assert parser.done
    assert parser.response().body == b"hello,0123456789"
    assert parser.keep_alive


@pytest.mark.parametrize(
    "size", [b"zz", b"-1", b"", b"\xb2", b" ", b"5 5", b"0x5", b"1_0", b"+5"], ids=repr
)
def test_malformed_chunk_sizes_are_protocol_failures(
    feed: Callable[..., ResponseParser], size: bytes
) -> None:
    wire = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + size + b"\r\nhello\r\n0\r\n\r\n"
    )
    error = failure(lambda: feed(wire))
    assert error.kind == "protocol"


def test_chunk_data_overrunning_its_size_is_a_protocol_failure(
    feed: Callable[..., ResponseParser],
) -> None:
    wire = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n"
    error = failure(lambda: feed(wire))
    assert error.kind == "protocol"
    assert "overran" in str(error)


def test_a_chunk_size_line_without_end_is_capped() -> None:
    parser = ResponseParser()
    parser.feed(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    error = failure(lambda: parser.feed(b"1" * (MAX_HEAD + 1)))
    assert error.kind == "protocol"


def test_interim_answers_come_before_the_real_one(feed: Callable[..., ResponseParser]) -> None:
    wire = (
        b"HTTP/1.1 100 Continue\r\n\r\n"
        b"HTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\n"
        b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok"
    )
    parser = feed(wire)
    assert parser.done
    assert parser.response() == _http.HttpResponse(201, {"content-length": "2"}, b"ok")


@pytest.mark.parametrize(
    ("method", "status"), [("HEAD", 200), ("GET", 204), ("GET", 304), ("HEAD", 404)]
)
def test_answers_without_a_body_end_at_their_head(
    feed: Callable[..., ResponseParser], method: str, status: int
) -> None:
    parser = feed(f"HTTP/1.1 {status} X\r\nContent-Length: 10\r\n\r\n".encode(), method=method)
    assert parser.done
    assert parser.response().body == b""
    assert parser.keep_alive


@pytest.mark.parametrize(
    "head",
    [
        b"HTTP/1.0 200 OK\r\n\r\n",
        b"HTTP/1.1 200 OK\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n\r\n",
    ],
)
def test_a_body_without_length_runs_until_the_connection_closes(
    feed: Callable[..., ResponseParser], head: bytes
) -> None:
    parser = feed(head + b"all of it")
    early = parser.done
    parser.feed(b", and more")
    parser.feed_eof()
    assert not early
    assert parser.done
    assert parser.response().body == b"all of it, and more"
    assert not parser.keep_alive


@pytest.mark.parametrize(
    ("head", "keep_alive"),
    [
        (b"HTTP/1.1 200 OK", True),
        (b"HTTP/1.1 200 OK\r\nConnection: close", False),
        (b"HTTP/1.1 200 OK\r\nConnection: Keep-Alive, Close", False),
        (b"HTTP/1.0 200 OK", False),
        (b"HTTP/1.0 200 OK\r\nConnection: keep-alive", True),
    ],
)
def test_connection_reuse_follows_version_and_connection_header(
    feed: Callable[..., ResponseParser], head: bytes, keep_alive: bool
) -> None:
    parser = feed(head + b"\r\nContent-Length: 0\r\n\r\n")
    assert parser.done
    assert parser.keep_alive is keep_alive


def test_duplicate_headers_are_joined_in_order(feed: Callable[..., ResponseParser]) -> None:
    parser = feed(b"HTTP/1.1 200 OK\r\nVia: a\r\nContent-Length: 0\r\nVIA: b\r\nvia:c\r\n\r\n")
    assert parser.response().headers == {"via": "a, b, c", "content-length": "0"}


def test_latin1_header_bytes_are_kept_not_refused(feed: Callable[..., ResponseParser]) -> None:
    parser = feed(b"HTTP/1.1 200 OK\r\nX-Name: caf\xe9\xff\r\nContent-Length: 0\r\n\r\n")
    assert parser.response().headers["x-name"] == "caf\xe9\xff"


@pytest.mark.parametrize(
    "status_line",
    [
        b"HTTP/2 200 OK",
        b"http/1.1 200 OK",
        b"ICY 200 OK",
        b"HTTP/1.1 2x0 OK",
        b"HTTP/1.1 20",
        b"HTTP/1.1",
        b"HTTP/1.1 \xb200 OK",  # a digit to str.isdigit, not to int()
        b"HTTP/1.1 042 Below",  # status codes are 100-599
        b"HTTP/1.1 000 Zero",
        b"HTTP/1.1 600 Above",
        b"",
    ],
    ids=repr,
)
def test_malformed_status_lines_are_protocol_failures(
    feed: Callable[..., ResponseParser], status_line: bytes
) -> None:
    error = failure(lambda: feed(status_line + b"\r\nContent-Length: 0\r\n\r\n"))
    assert error.kind == "protocol"


@pytest.mark.parametrize(
    "line", [b"NoColon", b": no-name", b" Folded: x", b"Name : x", b"\tTab: x"], ids=repr
)
def test_malformed_header_lines_are_protocol_failures(
    feed: Callable[..., ResponseParser], line: bytes
) -> None:
    error = failure(lambda: feed(b"HTTP/1.1 200 OK\r\n" + line + b"\r\n\r\n"))
    assert error.kind == "protocol"


@pytest.mark.parametrize(
    "length", [b"abc", b"-1", b"1, 2", b"+5", b"0x10", b"", b"\xb2", b"1\xb9"], ids=repr
)
def test_invalid_content_lengths_are_protocol_failures(
    feed: Callable[..., ResponseParser], length: bytes
) -> None:
    error = failure(lambda: feed(b"HTTP/1.1 200 OK\r\nContent-Length: " + length + b"\r\n\r\n"))
    assert error.kind == "protocol"


def test_a_head_over_64_kib_is_refused_without_its_end() -> None:
    parser = ResponseParser()
    parser.feed(b"HTTP/1.1 200 OK\r\n")
    error = failure(lambda: parser.feed(b"X-Big: " + b"a" * MAX_HEAD))
    assert error.kind == "protocol"


def test_a_head_over_64_kib_is_refused_even_when_it_ends_in_the_same_read() -> None:
    wire = b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * MAX_HEAD + b"\r\nContent-Length: 0\r\n\r\n"
    error = failure(lambda: ResponseParser().feed(wire))
    assert error.kind == "protocol"
    assert "larger than" in str(error)


def test_a_head_just_under_64_kib_is_fine(feed: Callable[..., ResponseParser]) -> None:
    filler = b"a" * (MAX_HEAD - 100)
    parser = feed(b"HTTP/1.1 200 OK\r\nX-Big: " + filler + b"\r\nContent-Length: 0\r\n\r\n")
    assert parser.done


@pytest.mark.parametrize(
    "wire",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n",  # announced
        b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999999\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n5\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + b"f" * 40 + b"\r\n",
        b"HTTP/1.1 200 OK\r\n\r\n" + b"x" * 11,  # until close
    ],
    ids=["announced", "huge-announced", "chunks", "huge-chunk", "until-close"],
)
def test_bodies_over_the_cap_are_too_large_before_being_read(
    feed: Callable[..., ResponseParser], wire: bytes
) -> None:
    error = failure(lambda: feed(wire, max_body=10))
    assert error.kind == "too_large"


def test_a_body_of_exactly_the_cap_is_fine(feed: Callable[..., ResponseParser]) -> None:
    parser = feed(b"HTTP/1.1 200 OK\r\n\r\n" + b"x" * 10, max_body=10, eof=True)
    assert parser.response().body == b"x" * 10


@pytest.mark.parametrize(
    ("wire", "kind"),
    [
        (b"", "lost"),
        (b"HTTP/1.1 200 OK\r\nContent-", "lost"),
        (b"HTTP/1.1 100 Continue\r\n\r\n", "lost"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", "short"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "short"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", "short"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab", "short"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n", "short"),
    ],
    ids=["nothing", "mid-head", "interim-only", "length", "size", "data", "chunk-end", "trailer"],
)
def test_eof_in_each_state_is_lost_or_short(
    feed: Callable[..., ResponseParser], wire: bytes, kind: str
) -> None:
    error = failure(lambda: feed(wire, eof=True))
    assert error.kind == kind


def test_bytes_after_the_response_make_the_connection_unusable() -> None:
    """Bytes beyond the answer: the connection's framing is lost, so it is not reused."""
    parser = ResponseParser()
    parser.feed(answer(body=b"one") + answer(body=b"two"))
    assert parser.response().body == b"one"
    assert not parser.keep_alive


@given(st.data(), strategies.http_responses())
def test_any_split_of_a_response_parses_the_same(
    data: st.DataObject, response: tuple[bytes, int, dict[str, str], bytes]
) -> None:
    wire, status, headers, body = response
    parser = ResponseParser()
    for piece in data.draw(strategies.splits(wire)):
        parser.feed(piece)
    if not parser.done:
        parser.feed_eof()  # the body ran until close
    assert parser.response() == _http.HttpResponse(status, headers, body)
    assert parser.keep_alive is (headers.get("connection") != "close")


# --- bodies compressed though identity was asked for -------------------------------------------

JSON = b'{"SpeakerSearchTask": {"SpeakerSearchTaskStatus": "IN_QUEUE"}}'


def encoded(coding: str, body: bytes) -> bytes:
    """An answer whose body is ``body`` encoded as ``coding`` (Content-Encoding)."""
    return (
        b"HTTP/1.1 200 OK\r\nContent-Encoding: "
        + coding.encode()
        + b"\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
    )


def gzipped(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)  # the same bytes in every xdist worker


def raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


@pytest.mark.parametrize(
    ("coding", "body"),
    [
        ("gzip", gzipped(JSON)),
        ("x-gzip", gzipped(JSON)),
        ("GZIP", gzipped(JSON)),
        ("deflate", zlib.compress(JSON)),  # with its zlib wrapper, as RFC 9110 says
        ("deflate", raw_deflate(JSON)),  # without it, as some servers send
        ("deflate, gzip", gzipped(zlib.compress(JSON))),  # undone last first
        ("identity", JSON),
        ("identity, gzip", gzipped(JSON)),
        ("", JSON),
    ],
    ids=[
        "gzip",
        "x-gzip",
        "GZIP",
        "deflate",
        "raw-deflate",
        "stacked",
        "identity",
        "identity-gzip",
        "empty",
    ],
)
def test_a_compressed_body_is_decoded(
    feed: Callable[..., ResponseParser], coding: str, body: bytes
) -> None:
    response = feed(encoded(coding, body)).response()
    assert response.body == JSON
    # what is left of the header says no more than identity
    assert response.headers.get("content-encoding", "").strip() in ("", "identity")


def test_an_empty_compressed_body_stays_empty() -> None:
    parser = ResponseParser()
    parser.feed(encoded("gzip", b""))
    assert parser.response().body == b""


@pytest.mark.parametrize(
    ("coding", "body", "kind", "says"),
    [
        ("br", b"\x0b\x02\x80hi\x03", "protocol", "'br'"),
        ("gzip", b"not gzip at all", "protocol", "does not decompress"),
        ("gzip", gzipped(JSON)[:-12], "protocol", "cut short"),
        ("deflate", b"\x00\x01garbage", "protocol", "does not decompress"),
        # 5 MiB of zeros is 5 KiB gzipped: the cap applies to what it decompresses to
        ("gzip", gzipped(bytes(MAX_BODY + 1)), "too_large", "once decompressed"),
    ],
    ids=["br", "not-gzip", "cut-short", "bad-deflate", "bomb"],
)
def test_a_body_that_cannot_be_decoded_is_refused(
    coding: str, body: bytes, kind: str, says: str
) -> None:
    parser = ResponseParser()
    parser.feed(encoded(coding, body))
    assert parser.done
    error = failure(parser.response)
    assert error.kind == kind
    assert says in str(error)


def test_the_decompressed_cap_is_the_engines_own() -> None:
    big = b'{"Message": "' + b"a" * 1000 + b'"}'
    parser = ResponseParser(max_body=len(big) - 1)
    parser.feed(encoded("gzip", gzipped(big)))  # 30 bytes or so: under the cap
    assert failure(parser.response).kind == "too_large"
    exact = ResponseParser(max_body=len(big))
    exact.feed(encoded("gzip", gzipped(big)))
    assert exact.response().body == big


# --- the engine over loopback sockets ----------------------------------------------------------


@pytest.fixture(params=["sync", "async"])
def engines(request: pytest.FixtureRequest) -> Iterator[Callable[..., HttpEngine]]:
    """Make engines (2 s connect, 5 s read unless told) and close them all afterwards.

    Each test runs with the synchronous engine and with the async client's engine (behind
    a blocking face, one event loop per request: see ``tests/aio.py``).
    """
    made: list[HttpEngine] = []

    def make(**kwargs: object) -> HttpEngine:
        settings: dict[str, object] = {"connect_timeout": 2.0, "read_timeout": 5.0, **kwargs}
        engine: Any = (
            HttpEngine(**settings)  # type: ignore[arg-type]
            if request.param == "sync"
            else BlockingEngine(**settings)
        )
        made.append(engine)
        return cast("HttpEngine", engine)

    yield make
    for engine in made:
        engine.close()


def get(engine: HttpEngine, url: str, time_left: float | None = 5.0) -> _http.HttpResponse:
    return engine.request("GET", url, {}, None, time_left=time_left)


_STARVED = [0.0]  # how long the last ``failing`` call's process waited for a core


def failing(run: Callable[[], object]) -> tuple[HttpFailure, float]:
    """The failure ``run`` raised, and how long it took (real clock).

    Also measures how starved of CPU this process was meanwhile (see :func:`margin`).
    """
    began = time.monotonic()
    with Starvation() as starved, pytest.raises(HttpFailure) as caught:
        run()
    took = time.monotonic() - began
    _STARVED[0] = starved.total
    return caught.value, took


def margin() -> float:
    """The engine's promise (:data:`MARGIN`) plus the CPU starvation of the last call."""
    return MARGIN + _STARVED[0]


def test_one_connection_serves_several_requests(engines: Callable[..., HttpEngine]) -> None:
    engine = engines()
    with RawServer(keep_alive(b"hi")) as server:
        answers = [get(engine, f"{server.url}/n{i}?q={i}") for i in range(3)]
    assert [a.body for a in answers] == [b"hi"] * 3
    assert {a.headers["x-connection"] for a in answers} == {"0"}
    assert server.connections == 1
    assert [r.target for r in server.requests] == ["/n0?q=0", "/n1?q=1", "/n2?q=2"]


def test_a_fresh_request_never_rides_a_pooled_connection(
    engines: Callable[..., HttpEngine],
) -> None:
    """Writes without a token avoid the keep-alive race: a new connection each, then pooled."""
    engine = engines()
    with RawServer(keep_alive(b"hi")) as server:
        get(engine, server.url)  # leaves a connection in the pool
        for _ in range(2):
            engine.request("POST", server.url, {}, b"{}", time_left=5.0, fresh=True)
        get(engine, server.url)  # a pooled one is still reused afterwards
    assert server.connections == 3
    assert [r.method for r in server.requests] == ["GET", "POST", "POST", "GET"]


def test_a_pooled_connection_the_server_closed_is_not_used(
    engines: Callable[..., HttpEngine],
) -> None:
    def answer_once(peer: Peer) -> None:
        peer.read_request()
        peer.send(answer(body=str(peer.index).encode()))  # keep-alive by default...
        peer.sock.close()  # ...but closed while idle
        peer.server.closed.set()

    engine = engines()
    with RawServer(answer_once) as server:
        assert get(engine, server.url).body == b"0"
        assert server.closed.wait(3)
        assert get(engine, server.url).body == b"1"  # not a lost answer on a dead connection
    assert server.connections == 2


def test_an_answer_saying_connection_close_is_not_pooled(
    engines: Callable[..., HttpEngine],
) -> None:
    def answer_and_linger(peer: Peer) -> None:
        peer.read_request()
        peer.send(answer(headers=(("Connection", "close"),)))
        peer.wait_closed()  # the server leaves it open: the client must close it

    engine = engines()
    with RawServer(answer_and_linger) as server:
        get(engine, server.url)
        assert server.wait_for(lambda s: s.closed_by_client == 1)
        get(engine, server.url)
        assert server.connections == 2


def test_the_pool_keeps_at_most_max_pool_idle_connections(
    engines: Callable[..., HttpEngine],
) -> None:
    together = threading.Barrier(4)

    def answer_together(peer: Peer) -> None:
        peer.read_request()
        together.wait(5)  # four connections open at once
        peer.send(answer())
        while peer.read_request() is not None:
            peer.send(answer())
        peer.client_closed()

    engine = engines(max_pool=2)
    with RawServer(answer_together) as server:
        threads = [threading.Thread(target=get, args=(engine, server.url)) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(5)
        assert server.connections == 4
        assert server.wait_for(lambda s: s.closed_by_client == 2)  # two over the cap
        together.reset()
        get(engine, server.url)
        get(engine, server.url)
        assert server.connections == 4  # the two kept were reused
        assert len(server.requests) == 6


def test_pooling_works_in_a_process_with_over_1024_open_files(
    engines: Callable[..., HttpEngine], tmp_path: Path
) -> None:
    """select() refuses descriptors >= 1024; the staleness check must not depend on it."""
    import resource  # noqa: PLC0415 (POSIX only)

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1200:
        pytest.skip(f"the hard limit of {hard} open files is too low for this test")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 1200), hard))
    placeholder = tmp_path / "fd"
    placeholder.touch()
    held = [os.open(placeholder, os.O_RDONLY) for _ in range(1030)]
    try:
        engine = engines()
        with RawServer(keep_alive()) as server:
            get(engine, server.url)
            get(engine, server.url)
            engine.close()
    finally:
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert server.connections == 1


def test_a_pooled_socket_that_cannot_be_polled_counts_as_stale() -> None:
    sock = socket.socket()
    sock.close()
    assert _http._Connection(("http", "h", 80), sock).is_stale()


def test_close_closes_idle_connections(engines: Callable[..., HttpEngine]) -> None:
    engine = engines()
    with RawServer(keep_alive()) as server:
        get(engine, server.url)
        engine.close()
        assert server.wait_for(lambda s: s.closed_by_client == 1)
        get(engine, server.url)  # still usable: a new connection
        assert server.connections == 2


def test_a_dropped_engine_closes_its_sockets_without_resource_warnings() -> None:
    with RawServer(keep_alive()) as server:
        engine = HttpEngine(connect_timeout=2, read_timeout=5)
        get(engine, server.url)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            del engine
            gc.collect()
        assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []
        assert server.wait_for(lambda s: s.closed_by_client == 1)


@pytest.mark.parametrize(
    ("url", "host", "path"),
    [
        ("http://example.com/a", "example.com", "/a"),
        ("http://example.com:80", "example.com", "/"),
        ("https://Example.COM:443/a?b=c&d", "example.com", "/a?b=c&d"),
        ("https://example.com:80/", "example.com:80", "/"),
        ("http://example.com:443/", "example.com:443", "/"),
        ("http://[::1]/", "[::1]", "/"),
        ("https://[2001:db8::1]:8443/x", "[2001:db8::1]:8443", "/x"),
        ("http://user:pw@10.0.0.1:8080/", "10.0.0.1:8080", "/"),
    ],
)
def test_the_host_header_is_the_one_sigv4_signs(url: str, host: str, path: str) -> None:
    target = Target.from_url(url)
    assert target.host_header == host
    assert target.path == path


@pytest.mark.parametrize("host", ["127.0.0.1", "::1"])
def test_host_header_on_the_wire_names_non_default_ports(
    engines: Callable[..., HttpEngine], host: str
) -> None:
    engine = engines()
    with RawServer(keep_alive(), host=host) as server:
        engine.request("GET", f"{server.url}/x", {"Host": "spoofed"}, None, time_left=5)
    (request,) = server.requests
    assert request.headers["host"] == server.authority
    assert request.head.lower().count("host:") == 1


@pytest.mark.parametrize(
    ("method", "body", "headers", "length"),
    [
        ("POST", b"abc", {}, "3"),
        ("POST", None, {}, "0"),
        ("PUT", b"", {}, "0"),
        ("DELETE", None, {}, None),
        ("GET", None, {}, None),
        ("POST", b"abc", {"content-length": "3"}, "3"),
    ],
)
def test_content_length_is_added_for_bodies_and_empty_posts(
    engines: Callable[..., HttpEngine],
    method: str,
    body: bytes | None,
    headers: dict[str, str],
    length: str | None,
) -> None:
    engine = engines()
    with RawServer(keep_alive()) as server:
        engine.request(method, f"{server.url}/x", headers, body, time_left=5)
    (request,) = server.requests
    assert request.line == f"{method} /x HTTP/1.1"
    assert request.headers.get("content-length") == length
    assert request.head.lower().count("content-length") == (length is not None)
    assert request.body == (body or b"")
    assert request.headers["accept-encoding"] == "identity"


def test_bytes_header_values_are_sent_as_latin1(engines: Callable[..., HttpEngine]) -> None:
    engine = engines()
    with RawServer(keep_alive()) as server:
        engine.request("GET", server.url, {"X-Token": b"abc\xe9"}, None, time_left=5)
    assert server.requests[0].headers["x-token"] == "abc\xe9"


@pytest.mark.parametrize(
    "headers",
    [
        {"X-A": "v\r\nX-Evil: 1"},
        {"X-A\r\nX-Evil": "1"},
        {"X-A": b"v\nX-Evil: 1"},
        {"X-A": "v\rX-Evil: 1"},
        {"X-A": "caf\u20ac"},  # not latin-1: no way to write it
    ],
    ids=["crlf-value", "crlf-name", "lf-bytes", "cr", "euro"],
)
def test_a_header_that_cannot_be_sent_as_is_is_refused_before_connecting(
    engines: Callable[..., HttpEngine], headers: dict[str, str | bytes]
) -> None:
    engine = engines()
    with RawServer(keep_alive()) as server:
        get(engine, server.url)  # a pooled connection, which must stay pooled
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            error, _ = failing(
                lambda: engine.request("GET", f"{server.url}/x", headers, None, time_left=5)
            )
            get(engines(), server.url)  # accepted after any connection the refusal made
            gc.collect()
        get(engine, server.url)
    assert (error.kind, error.sent) == ("connect", False)
    assert [w.message for w in caught if issubclass(w.category, ResourceWarning)] == []
    assert server.connections == 2  # the pooled one, and the second engine's
    assert [r.target for r in server.requests] == ["/", "/", "/"]
    assert not any("evil" in r.head.lower() for r in server.requests)


@pytest.mark.parametrize(
    "proxy_url",
    ["http://user:s3cret@127.0.0.1:99999", "http://user:s3cret@:8080", "ftp://user:s3cret@h"],
)
def test_an_unusable_proxy_url_is_a_connect_failure_that_hides_its_password(
    engines: Callable[..., HttpEngine], proxy_url: str
) -> None:
    engine = engines(proxies={"http": proxy_url})
    error, _ = failing(lambda: get(engine, "http://127.0.0.1:1/"))
    assert (error.kind, error.sent) == ("connect", False)
    assert "s3cret" not in str(error)


def test_connect_refused_is_a_connect_failure_not_sent(
    engines: Callable[..., HttpEngine],
) -> None:
    error, _ = failing(lambda: get(engines(), f"http://127.0.0.1:{free_port()}/"))
    assert (error.kind, error.sent) == ("connect", False)


@pytest.mark.parametrize(
    "url",
    ["ftp://127.0.0.1/", "http:///nohost", "notaurl", "http://127.0.0.1:99999/", "http://[::1/"],
)
def test_urls_no_request_can_go_to_are_connect_failures(
    engines: Callable[..., HttpEngine], url: str
) -> None:
    error, _ = failing(lambda: get(engines(), url))
    assert (error.kind, error.sent) == ("connect", False)


@pytest.mark.parametrize("time_left", [0.0, -1.0])
def test_a_deadline_already_passed_sends_nothing(
    engines: Callable[..., HttpEngine], time_left: float
) -> None:
    engine = engines()
    with RawServer(keep_alive()) as server:
        error, _ = failing(lambda: get(engine, server.url, time_left))
        assert (error.kind, error.sent) == ("timeout", False)
        get(engine, server.url)  # a pooled connection now...
        error, _ = failing(lambda: get(engine, server.url, time_left))
        assert (error.kind, error.sent) == ("timeout", False)  # ...is not used either
    assert server.connections == 1
    assert len(server.requests) == 1


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan")])
@pytest.mark.parametrize("name", ["connect_timeout", "read_timeout"])
def test_timeouts_that_are_not_positive_are_refused_up_front(name: str, bad: float) -> None:
    settings = {"connect_timeout": 1.0, "read_timeout": 1.0, name: bad}
    with pytest.raises(ValueError, match=name):
        HttpEngine(
            connect_timeout=settings["connect_timeout"], read_timeout=settings["read_timeout"]
        )


@pytest.mark.parametrize("time_left", [None, 1e10, float("inf")])
@pytest.mark.parametrize("timeouts", [5.0, 1e10, 1e300])
def test_any_finite_timeouts_and_no_time_limit_at_all_are_fine(
    engines: Callable[..., HttpEngine], time_left: float | None, timeouts: float
) -> None:
    engine = engines(connect_timeout=timeouts, read_timeout=timeouts)
    with RawServer(keep_alive(b"x")) as server:
        assert get(engine, server.url, time_left).body == b"x"


# --- proxies and TLS -----------------------------------------------------------------------------


def test_an_http_proxy_gets_the_absolute_form_and_credentials(
    engines: Callable[..., HttpEngine],
) -> None:
    with RawServer(keep_alive(b"origin")) as origin, RawServer(proxy()) as forward:
        engine = engines(proxies={"http": f"http://us%40er:p%3Ass@{forward.authority}"})
        response = get(engine, f"{origin.url}/path?q=1")
    assert response.body == b"origin"
    (seen,) = forward.requests
    assert seen.line == f"GET http://{origin.authority}/path?q=1 HTTP/1.1"
    assert seen.headers["proxy-authorization"] == basic("us@er", "p:ss")
    assert seen.headers["host"] == origin.authority
    (arrived,) = origin.requests
    assert arrived.target == "/path?q=1"
    assert "proxy-authorization" not in arrived.headers


def test_an_http_proxy_without_credentials_sends_none(
    engines: Callable[..., HttpEngine],
) -> None:
    with RawServer(keep_alive()) as origin, RawServer(proxy()) as forward:
        get(engines(proxies={"http": forward.url}), origin.url)
    assert "proxy-authorization" not in forward.requests[0].headers


@pytest.mark.parametrize("host", ["127.0.0.1", "::1"])
def test_https_goes_through_a_connect_tunnel(
    engines: Callable[..., HttpEngine], certificate: tuple[str, str], host: str
) -> None:
    context = tls_server_context(certificate)
    with (
        RawServer(keep_alive(b"secret"), host=host, tls=context) as origin,
        RawServer(proxy()) as tunnel,
    ):
        engine = engines(
            proxies={"https": f"http://u:pw@{tunnel.authority}"}, verify=certificate[0]
        )
        first = get(engine, f"{origin.url}/secure")
        second = get(engine, f"{origin.url}/again")
    assert (first.body, second.body) == (b"secret", b"secret")
    (connect,) = tunnel.requests  # one tunnel, reused
    assert connect.line == f"CONNECT {origin.authority} HTTP/1.1"
    assert connect.headers["proxy-authorization"] == basic("u", "pw")
    assert [r.line for r in origin.requests] == ["GET /secure HTTP/1.1", "GET /again HTTP/1.1"]
    assert "proxy-authorization" not in origin.requests[0].headers


@pytest.mark.parametrize(("status", "kind"), [(407, "proxy_auth"), (403, "connect")])
def test_a_proxy_refusing_the_tunnel_is_a_connect_failure(
    engines: Callable[..., HttpEngine], certificate: tuple[str, str], status: int, kind: str
) -> None:
    """A 407 is its own kind (bad proxy credentials: not retried); others are connect ones."""
    with RawServer(proxy(refuse=status)) as tunnel:
        engine = engines(proxies={"https": tunnel.url}, verify=certificate[0])
        error, _ = failing(lambda: get(engine, "https://127.0.0.1:1/"))
    assert (error.kind, error.sent) == (kind, False)
    assert str(status) in str(error)


def test_a_trickling_proxy_is_bounded_by_the_deadline(
    engines: Callable[..., HttpEngine],
) -> None:
    with RawServer(proxy(trickle=0.01)) as tunnel:
        engine = engines(proxies={"https": tunnel.url})
        error, took = failing(lambda: get(engine, "https://127.0.0.1:1/", DEADLINE))
    assert (error.kind, error.sent) == ("connect", False)
    assert DEADLINE <= took < DEADLINE + margin()


def test_tls_without_verification(
    engines: Callable[..., HttpEngine], certificate: tuple[str, str]
) -> None:
    engine = engines(verify=False)
    closing = once(answer(body=b"ok", headers=(("Connection", "close"),)))
    with RawServer(closing, tls=tls_server_context(certificate)) as origin:
        assert get(engine, origin.url).body == b"ok"
        assert get(engine, origin.url).body == b"ok"  # a second handshake, same context
    assert origin.connections == 2


def test_one_tls_connection_serves_several_requests(
    engines: Callable[..., HttpEngine], certificate: tuple[str, str]
) -> None:
    """A TLS 1.3 server's session tickets, read while idle, don't make a connection stale."""
    with RawServer(keep_alive(b"ok"), tls=tls_server_context(certificate)) as origin:
        engine = engines(verify=certificate[0])
        bodies = []
        for _ in range(3):
            bodies.append(get(engine, origin.url).body)
            time.sleep(0.05)  # tickets and anything else the server sends arrive meanwhile
    assert bodies == [b"ok"] * 3
    assert origin.connections == 1


def hang_up(sock: socket.socket, *, notify: bool) -> None:
    """Close a TLS connection, with a close_notify first or (like a crash) without."""
    if notify:
        sock.setblocking(False)  # noqa: FBT003 (the stdlib's positional flag)
        with contextlib.suppress(ssl.SSLError, OSError):  # not waiting for the client's reply
            sock.unwrap()  # type: ignore[attr-defined]  # an SSLSocket
    sock.close()


@pytest.mark.parametrize("notify", [True, False], ids=["close_notify", "bare-close"])
def test_a_tls_connection_the_server_closed_while_idle_is_not_used(
    engines: Callable[..., HttpEngine], certificate: tuple[str, str], notify: bool
) -> None:
    def answer_once(peer: Peer) -> None:
        peer.read_request()
        peer.send(answer(body=str(peer.index).encode()))
        hang_up(peer.sock, notify=notify)
        peer.server.closed.set()

    engine = engines(verify=certificate[0])
    with RawServer(answer_once, tls=tls_server_context(certificate)) as server:
        assert get(engine, server.url).body == b"0"
        assert server.closed.wait(3)
        time.sleep(0.05)  # the close reaches the client's socket
        assert get(engine, server.url).body == b"1"
    assert server.connections == 2


@pytest.mark.parametrize("notify", [True, False], ids=["close_notify", "bare-close"])
def test_a_tls_body_that_runs_until_close_is_read_whole(
    engines: Callable[..., HttpEngine], certificate: tuple[str, str], notify: bool
) -> None:
    def until_close(peer: Peer) -> None:
        peer.read_request()
        peer.send(answer(body=b"whole body", length=False))
        hang_up(peer.sock, notify=notify)

    with RawServer(until_close, tls=tls_server_context(certificate)) as server:
        assert get(engines(verify=certificate[0]), server.url).body == b"whole body"


def test_a_server_closing_in_the_tls_handshake_is_a_connect_failure(
    engines: Callable[..., HttpEngine],
) -> None:
    def close_after_hello(peer: Peer) -> None:
        peer.recv()  # the ClientHello
        peer.sock.close()

    with RawServer(close_after_hello) as server:
        error, _ = failing(lambda: get(engines(verify=False), f"https://{server.authority}/"))
    assert (error.kind, error.sent) == ("connect", False)


def test_a_certificate_the_default_bundle_refuses_is_a_tls_failure(
    engines: Callable[..., HttpEngine], certificate: tuple[str, str]
) -> None:
    with RawServer(keep_alive(), tls=tls_server_context(certificate)) as origin:
        error, _ = failing(lambda: get(engines(), origin.url))
    assert (error.kind, error.sent) == ("tls", False)
    assert origin.requests == []


@pytest.mark.parametrize("problem", ["key of another certificate", "not PEM"])
def test_a_client_certificate_that_cannot_be_loaded_is_a_tls_failure_before_sending(
    engines: Callable[..., HttpEngine],
    certificate: tuple[str, str],
    tmp_path: Path,
    problem: str,
) -> None:
    """Every attempt would fail alike: a ``"tls"`` failure (not retried), nothing sent."""
    mine = self_signed(tmp_path, "client")
    other = self_signed(tmp_path, "other")
    if problem == "not PEM":
        garbage = tmp_path / "garbage.pem"
        garbage.write_text("not a certificate\n")
        client_cert: str | tuple[str, str] = str(garbage)
    else:
        client_cert = (mine[0], other[1])
    with RawServer(keep_alive(), tls=tls_server_context(certificate)) as origin:
        engine = engines(verify=certificate[0], client_cert=client_cert)
        with pytest.raises(HttpFailure) as caught:
            get(engine, origin.url)
    assert caught.value.kind == "tls"
    assert not caught.value.sent
    assert "client_cert=" in str(caught.value)


@pytest.mark.parametrize("form", ["pair", "one-file"])
def test_a_client_certificate_is_presented(
    engines: Callable[..., HttpEngine],
    certificate: tuple[str, str],
    tmp_path: Path,
    form: str,
) -> None:
    mine = self_signed(tmp_path, "client")
    context = tls_server_context(certificate)
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(mine[0])
    subjects: list[object] = []

    def record_peer(peer: Peer) -> None:
        subjects.append(peer.sock.getpeercert()["subject"])  # type: ignore[attr-defined]
        keep_alive()(peer)

    if form == "one-file":
        both = tmp_path / "both.pem"
        both.write_text(Path(mine[0]).read_text() + Path(mine[1]).read_text())
        client_cert: str | tuple[str, str] = str(both)
    else:
        client_cert = mine
    with RawServer(record_peer, tls=context) as origin:
        engine = engines(verify=certificate[0], client_cert=client_cert)
        assert get(engine, origin.url).status == 200
    assert subjects == [((("commonName", "client"),),)]


# --- deadlines against hostile servers -------------------------------------------------------------


def silent(peer: Peer) -> None:
    """Read the request, then say nothing until the test ends."""
    peer.read_request()
    peer.server.stopping.wait()


def trickle(prefix: bytes, data: bytes) -> Callable[[Peer], None]:
    def handle(peer: Peer) -> None:
        peer.read_request()
        peer.send(prefix)
        for byte in data:
            if peer.server.stopping.wait(0.01):
                return
            peer.send(bytes([byte]))

    return handle


@pytest.mark.parametrize(
    "handler",
    [
        silent,
        trickle(b"", b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 10_000),
        trickle(b"HTTP/1.1 200 OK\r\nContent-Length: 10000\r\n\r\n", b"a" * 10_000),
        trickle(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", b"1\r\na\r\n" * 5000),
        trickle(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", b"a" * 10_000),
    ],
    ids=["silent", "trickled-head", "trickled-body", "trickled-chunks", "trickled-until-close"],
)
def test_whatever_the_server_does_the_answer_ends_by_the_deadline(
    engines: Callable[..., HttpEngine], handler: Callable[[Peer], None]
) -> None:
    with RawServer(handler) as server:
        error, took = failing(lambda: get(engines(), server.url, DEADLINE))
    assert (error.kind, error.sent) == ("timeout", True)
    assert DEADLINE <= took < DEADLINE + margin()


def test_the_read_timeout_bounds_an_answer_within_a_longer_deadline(
    engines: Callable[..., HttpEngine],
) -> None:
    with RawServer(silent) as server:
        error, took = failing(lambda: get(engines(read_timeout=0.3), server.url, 30.0))
    assert (error.kind, error.sent) == ("timeout", True)
    assert 0.3 <= took < 0.3 + margin()


def test_a_stalled_tls_handshake_ends_by_the_deadline(engines: Callable[..., HttpEngine]) -> None:
    with RawServer(silent) as server:  # plain TCP: never answers the ClientHello
        error, took = failing(
            lambda: get(engines(verify=False), f"https://{server.authority}/", DEADLINE)
        )
    assert error.sent is False
    assert took < DEADLINE + margin()


def test_a_trickled_tls_handshake_ends_by_the_deadline(engines: Callable[..., HttpEngine]) -> None:
    def handshake_trickle(peer: Peer) -> None:
        peer.send(b"\x16\x03\x03\x40\x00")  # a 16 KiB handshake record, sent slowly
        while not peer.server.stopping.wait(0.01):
            peer.send(b"\x00")

    with RawServer(handshake_trickle) as server:
        error, took = failing(
            lambda: get(engines(verify=False), f"https://{server.authority}/", DEADLINE)
        )
    assert error.sent is False
    assert took < DEADLINE + margin()


@pytest.fixture
def blackhole() -> Iterator[tuple[str, int]]:
    """An address whose connects time out: a listener with a full backlog."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    filler = socket.create_connection(listener.getsockname())
    yield listener.getsockname()
    filler.close()
    listener.close()


def resolving(monkeypatch: pytest.MonkeyPatch, name: str, addresses: list[tuple[str, int]]) -> None:
    """Make ``name`` resolve to ``addresses`` (in that order) in this process."""
    real = socket.getaddrinfo

    def fake(host: str, port: object, *args: object, **kwargs: object) -> object:
        if host != name:
            return real(host, port, *args, **kwargs)  # type: ignore[arg-type]
        return [
            (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", address)
            for address in addresses
        ]

    monkeypatch.setattr(socket, "getaddrinfo", fake)


def test_several_silent_addresses_share_one_deadline(
    engines: Callable[..., HttpEngine],
    blackhole: tuple[str, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    resolving(monkeypatch, "three.test", [blackhole] * 3)
    engine = engines(connect_timeout=10.0)
    error, took = failing(lambda: get(engine, "http://three.test/", 0.5))
    assert (error.kind, error.sent) == ("timeout", False)
    assert 0.5 <= took < 0.5 + margin()


def test_each_address_gets_the_connect_timeout_then_the_next_is_tried(
    engines: Callable[..., HttpEngine],
    blackhole: tuple[str, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with RawServer(keep_alive(b"third")) as server:
        refused = ("127.0.0.1", free_port())
        resolving(monkeypatch, "three.test", [blackhole, refused, ("127.0.0.1", server.port)])
        began = time.monotonic()
        response = get(engines(connect_timeout=0.2), f"http://three.test:{server.port}/", 5.0)
    assert response.body == b"third"
    assert 0.2 <= time.monotonic() - began < 0.2 + MARGIN
    assert server.requests[0].headers["host"] == f"three.test:{server.port}"


def test_a_single_silent_address_is_a_connect_timeout(
    engines: Callable[..., HttpEngine],
    blackhole: tuple[str, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    resolving(monkeypatch, "one.test", [blackhole])
    error, took = failing(lambda: get(engines(connect_timeout=0.2), "http://one.test/", 5.0))
    assert (error.kind, error.sent) == ("connect", False)
    assert "timed out" in str(error)
    assert took < 0.2 + margin()


@pytest.mark.parametrize(
    ("connect_timeout", "time_left", "kind"),
    [(10.0, DEADLINE, "timeout"), (DEADLINE, 10.0, "connect")],
)
def test_a_hanging_name_lookup_ends_by_the_deadline_or_connect_timeout(
    engines: Callable[..., HttpEngine],
    monkeypatch: pytest.MonkeyPatch,
    connect_timeout: float,
    time_left: float,
    kind: str,
) -> None:
    """A resolver that does not answer (a dead DNS server) holds no call past its deadline."""
    real = socket.getaddrinfo
    released = threading.Event()

    def hanging(host: str, *args: object, **kwargs: object) -> object:
        if host == "slow.test":
            released.wait(3)
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", hanging)
    try:
        engine = engines(connect_timeout=connect_timeout)
        error, took = failing(lambda: get(engine, "http://slow.test/", time_left))
    finally:
        released.set()
    assert (error.kind, error.sent) == (kind, False)
    assert took < DEADLINE + margin()


def test_a_single_silent_address_is_a_timeout_when_the_deadline_comes_first(
    engines: Callable[..., HttpEngine],
    blackhole: tuple[str, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    resolving(monkeypatch, "one.test", [blackhole])
    error, took = failing(lambda: get(engines(connect_timeout=10.0), "http://one.test/", DEADLINE))
    assert (error.kind, error.sent) == ("timeout", False)
    assert DEADLINE <= took < DEADLINE + margin()


def test_a_resolver_bug_is_not_disguised_as_a_network_failure(
    engines: Callable[..., HttpEngine], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("resolver bug")

    monkeypatch.setattr(socket, "getaddrinfo", broken)
    with pytest.raises(RuntimeError, match="resolver bug"):
        get(engines(), "http://name.test/")


@pytest.mark.parametrize("host", ["nothing.invalid", "a" * 64 + ".example"])
def test_an_unresolvable_name_is_a_connect_failure(
    engines: Callable[..., HttpEngine], host: str
) -> None:
    error, _ = failing(lambda: get(engines(), f"http://{host}/", 5.0))
    assert (error.kind, error.sent) == ("connect", False)


# --- hostile answers -----------------------------------------------------------------------------


def once(data: bytes) -> Callable[[Peer], None]:
    """Answer the first request with ``data`` and close."""

    def handle(peer: Peer) -> None:
        if peer.read_request() is not None:
            peer.send(data)

    return handle


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\n", "protocol"),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + b"f" * 60 + b"\r\n",
            "too_large",
        ),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", "short"),
        (b"", "lost"),
        (b"SSH-2.0-OpenSSH_9.6\r\n\r\n", "protocol"),
        (b"HTTP/1.1 \xb200 OK\r\n\r\n", "protocol"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: \xb9\r\n\r\n", "protocol"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % (MAX_BODY + 1), "too_large"),
    ],
    ids=[
        "negative-chunk",
        "huge-chunk",
        "short",
        "nothing",
        "not-http",
        "superscript-status",
        "superscript-length",
        "announced-too-large",
    ],
)
def test_hostile_answers_are_classified(
    engines: Callable[..., HttpEngine], data: bytes, kind: str
) -> None:
    with RawServer(once(data)) as server:
        error, took = failing(lambda: get(engines(), server.url))
    assert (error.kind, error.sent) == (kind, True)
    assert took < 1.0


def flood(prefix: bytes, size: int) -> Callable[[Peer], None]:
    """Answer with ``prefix`` then ``size`` bytes as fast as the client reads."""

    def handle(peer: Peer) -> None:
        peer.read_request()
        peer.send(prefix)
        block = b"a" * 65536
        for _ in range(size // len(block)):
            peer.send(block)

    return handle


@pytest.mark.parametrize(
    ("prefix", "kind"),
    [
        (b"HTTP/1.1 200 OK", "protocol"),  # a 10 MB status line without its end
        (b"HTTP/1.1 200 OK\r\nX-Huge: ", "protocol"),
        (b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", "too_large"),
    ],
    ids=["status-line", "header", "until-close-body"],
)
def test_a_flood_is_cut_off_at_the_cap(
    engines: Callable[..., HttpEngine], prefix: bytes, kind: str
) -> None:
    with RawServer(flood(prefix, 10 * 1024 * 1024)) as server:
        error, took = failing(lambda: get(engines(), server.url))
    assert (error.kind, error.sent) == (kind, True)
    assert took < 2.0


def test_a_chunked_flood_is_cut_off_at_the_cap(engines: Callable[..., HttpEngine]) -> None:
    chunk = b"10000\r\n" + b"a" * 0x10000 + b"\r\n"

    def handle(peer: Peer) -> None:
        peer.read_request()
        peer.send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        for _ in range(200):
            peer.send(chunk)

    with RawServer(handle) as server:
        error, _ = failing(lambda: get(engines(), server.url))
    assert (error.kind, error.sent) == ("too_large", True)


def reset(peer: Peer) -> None:
    """Close with a TCP reset (SO_LINGER 0) instead of an orderly close."""
    peer.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    peer.sock.close()


def test_a_reset_while_reading_is_a_lost_answer(engines: Callable[..., HttpEngine]) -> None:
    def read_then_reset(peer: Peer) -> None:
        peer.read_request()
        reset(peer)

    with RawServer(read_then_reset) as server:
        error, _ = failing(lambda: get(engines(), server.url))
    assert (error.kind, error.sent) == ("lost", True)


def test_a_reset_while_sending_is_a_lost_request(engines: Callable[..., HttpEngine]) -> None:
    def read_a_little_then_reset(peer: Peer) -> None:
        peer.recv()  # the request has started arriving
        reset(peer)

    with RawServer(read_a_little_then_reset) as server:
        engine = engines()
        error, _ = failing(
            lambda: engine.request("PUT", server.url, {}, b"x" * 32_000_000, time_left=5)
        )
    assert (error.kind, error.sent) == ("lost", True)
    assert "while sending" in str(error)


def test_a_server_that_does_not_read_the_request_is_bounded_by_the_deadline(
    engines: Callable[..., HttpEngine],
) -> None:
    def never_read(peer: Peer) -> None:
        peer.server.stopping.wait()

    with RawServer(never_read) as server:
        engine = engines()
        error, took = failing(
            lambda: engine.request("PUT", server.url, {}, b"x" * 32_000_000, time_left=DEADLINE)
        )
    # Starved of CPU, the deadline can pass before the first byte is written: sent=False
    # is then the honest answer; otherwise the send was cut off with bytes on the wire.
    assert error.kind == "timeout"
    assert error.sent or _STARVED[0] > 0.01
    assert DEADLINE <= took < DEADLINE + margin()


def test_a_body_of_the_largest_allowed_size_is_read(engines: Callable[..., HttpEngine]) -> None:
    body = b"b" * MAX_BODY
    with RawServer(once(answer(body=body))) as server:
        assert get(engines(), server.url).body == body


def test_a_connection_that_sent_more_than_the_answer_is_not_reused(
    engines: Callable[..., HttpEngine],
) -> None:
    """An answer to a request not sent yet must not become the next request's answer."""
    unasked = b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n"

    def answer_out_of_turn(peer: Peer) -> None:
        if peer.read_request() is not None:
            peer.send(answer(body=b"asked") + unasked)  # and the start of another
        if peer.read_request() is not None:
            peer.send(b"unasked")

    engine = engines()
    with RawServer(answer_out_of_turn) as server:
        assert get(engine, server.url).body == b"asked"
        assert get(engine, server.url).body == b"asked"
    assert server.connections == 2


def test_non_ascii_header_bytes_are_read_as_latin1(engines: Callable[..., HttpEngine]) -> None:
    data = b"HTTP/1.1 200 OK\r\nX-Name: \xe9t\xe9\r\nContent-Length: 0\r\n\r\n"
    with RawServer(once(data)) as server:
        assert get(engines(), server.url).headers["x-name"] == "\xe9t\xe9"
