"""Proxies: proxy.py (CONNECT, forwarding, basic auth) in front of uvicorn, three ways.

And Twisted's forward proxy (``twisted.web.proxy``) on a TLS port that demands a client
certificate, for ``proxies_config={"proxy_client_cert": ...}`` (:class:`TwistedProxy`).

Each row runs the sync client, the async client and botocore alone on the same settings
and requires the same outcome, counted in proxy.py's own access log. docs/real-world.md
has the table.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config
from cryptography import x509

from chime_speaker_search import AsyncSpeakerSearchClient, RetryPolicy, SpeakerSearchClient
from chime_speaker_search.errors import TransportError
from tests.realworld import (
    WAYS,
    Certificates,
    ProxyPy,
    TwistedProxy,
    UvicornServer,
    get_task,
    seed_task,
)
from tests.versions import (
    URLLIB3,
    needs_urllib3_2_proxy_client_cert_when_forwarding,
    urllib3_1_https_proxy_warning,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

PASSWORD = "pr0xy-SECRET-pw"
THREE = RetryPolicy(max_attempts=3, base_delay=0, max_delay=0)
PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy", "NO_PROXY", "no_proxy")


@pytest.fixture(autouse=True)
def no_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def http_server() -> Iterator[UvicornServer]:
    with UvicornServer() as server:
        yield server


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProxyPy]:
    with ProxyPy(tmp_path_factory.mktemp("proxy"), auth=f"user:{PASSWORD}") as running:
        yield running


def read(
    way: str, server: UvicornServer, certificates: Certificates, **kwargs: Any
) -> dict[str, Any]:
    connector, task_id = seed_task(server.service)
    verify = certificates.ca_file if server.tls is not None else None
    client = boto3.client(
        "chime-sdk-voice",
        region_name="us-east-1",
        endpoint_url=server.endpoint_url,
        verify=verify,
        **kwargs,
    )
    try:
        task = get_task(way, client, voice_connector_id=connector, task_id=task_id, retry=THREE)
    finally:
        client.close()  # proxy.py logs a tunnel when it closes
    assert task["SpeakerSearchTaskId"] == task_id
    return task


def proxied(proxy: ProxyPy, before: int, *, expected: int = 1) -> list[str]:
    """The proxy's new access-log lines; a short look only when none are expected."""
    return proxy.wait_for(before, count=max(expected, 1), timeout=15.0 if expected else 1.0)


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize(
    ("variable", "scheme_less"),
    [("HTTPS_PROXY", False), ("https_proxy", False), ("HTTPS_PROXY", True)],
)
def test_an_https_endpoint_tunnels_through_the_proxy_from_the_environment(
    way: str,
    variable: str,
    scheme_less: bool,
    proxy: ProxyPy,
    https_server: UvicornServer,
    certificates: Certificates,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = proxy.url.removeprefix("http://") if scheme_less else proxy.url
    monkeypatch.setenv(variable, url)
    before = len(proxy.access_log())
    read(way, https_server, certificates)
    lines = proxied(proxy, before)
    assert lines, "the request did not go through the proxy"
    assert all(f"CONNECT 127.0.0.1:{https_server.port}" in line for line in lines), lines


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy"])
def test_an_http_endpoint_is_forwarded_by_the_proxy_from_the_environment(
    way: str,
    variable: str,
    proxy: ProxyPy,
    http_server: UvicornServer,
    certificates: Certificates,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(variable, proxy.url)
    before = len(proxy.access_log())
    read(way, http_server, certificates)
    lines = proxied(proxy, before)
    assert lines, "the request did not go through the proxy"
    assert all(f"GET 127.0.0.1:{http_server.port}/voice-connectors/" in line for line in lines)


@pytest.mark.parametrize("way", WAYS)
def test_config_proxies_without_the_environment(
    way: str, proxy: ProxyPy, https_server: UvicornServer, certificates: Certificates
) -> None:
    before = len(proxy.access_log())
    read(way, https_server, certificates, config=Config(proxies={"https": proxy.url}))
    assert len(proxied(proxy, before)) >= 1


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize(
    "no_proxy",
    [
        "127.0.0.1",
        "127.0.0.1:{port}",
        "*",
        "127.0.0.0/8",
        "localhost,127.0.0.1",
        ".0.0.1",
        "other.example",  # matches nothing: the proxy is used
        "127.0.0.1:1",  # another port: botocore says
    ],
)
def test_no_proxy_forms_bypass_the_proxy_as_botocore_does(
    way: str,
    no_proxy: str,
    proxy: ProxyPy,
    certificates: Certificates,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each way must agree with botocore on whether the proxy is used.

    botocore's own decision (``should_bypass_proxies``, what its sender asks) is the
    reference; each way's request is then seen in proxy.py's log, or not.
    """
    from botocore.utils import should_bypass_proxies  # noqa: PLC0415

    # A server of its own: its port in proxy.py's log is this test's, whatever late
    # lines other tests' connections add.
    with UvicornServer(tls=certificates) as server:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        monkeypatch.setenv("NO_PROXY", no_proxy.format(port=server.port))
        bypass = should_bypass_proxies(server.endpoint_url)
        before = len(proxy.access_log())
        read(way, server, certificates)
        lines = proxied(proxy, before, expected=0 if bypass else 1)
    tunnels = [line for line in lines if f"CONNECT 127.0.0.1:{server.port} " in line]
    assert len(tunnels) == (0 if bypass else 1), lines


def refused_by_the_proxy(way: str, https_server: UvicornServer, url: str, ca: str) -> Exception:
    connector, task_id = seed_task(https_server.service)
    client = boto3.client(
        "chime-sdk-voice",
        region_name="us-east-1",
        endpoint_url=https_server.endpoint_url,
        verify=ca,
        config=Config(proxies={"https": url}, retries={"max_attempts": 2, "mode": "standard"}),
    )
    with pytest.raises(Exception) as caught:  # noqa: PT011 (checked per way by the callers)
        get_task(way, client, voice_connector_id=connector, task_id=task_id, retry=THREE)
    client.close()
    return caught.value


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("credentials", ["user:wrong@", ""])
def test_wrong_or_missing_proxy_credentials_are_a_clear_error_not_retried_forever(
    way: str,
    credentials: str,
    proxy: ProxyPy,
    https_server: UvicornServer,
    certificates: Certificates,
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = f"http://{credentials}127.0.0.1:{proxy.port}"
    before = len(proxy.access_log())
    with caplog.at_level(logging.DEBUG):
        error = refused_by_the_proxy(way, https_server, url, certificates.ca_file)
    # proxy.py logs a refused request with no target ("None:None"); other tests' late
    # lines name theirs.
    tries = len([line for line in proxied(proxy, before) if "None:None" in line])
    if way == "raw":
        assert isinstance(error, botocore.exceptions.ProxyConnectionError), repr(error)
        # botocore retries it, as a connection error, within its attempts.
        assert 2 <= tries <= 3
    else:
        assert isinstance(error, TransportError), repr(error)
        assert "407" in str(error), str(error)
        assert error.attempts == 1, "a 407 does not get better by asking again"
        assert tries == 1
    assert "wrong" not in str(error)
    assert PASSWORD not in caplog.text


@pytest.mark.parametrize("way", WAYS)
def test_a_dead_proxy_is_a_connect_failure(
    way: str, https_server: UvicornServer, certificates: Certificates
) -> None:
    import socket  # noqa: PLC0415

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    error = refused_by_the_proxy(
        way, https_server, f"http://user:{PASSWORD}@127.0.0.1:{port}", certificates.ca_file
    )
    if way == "raw":
        assert isinstance(error, botocore.exceptions.ProxyConnectionError), repr(error)
    else:
        assert isinstance(error, TransportError), repr(error)
        assert not error.request_sent
    assert PASSWORD not in str(error)
    assert PASSWORD not in repr(error)


@pytest.mark.parametrize("way", WAYS)
def test_the_proxy_password_is_in_no_debug_line(
    way: str,
    proxy: ProxyPy,
    https_server: UvicornServer,
    certificates: Certificates,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every logger at DEBUG (botocore's, urllib3's, the library's) while a call is proxied."""
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    with caplog.at_level(logging.DEBUG):
        read(way, https_server, certificates)
    assert len(caplog.records) > 10
    assert PASSWORD not in caplog.text


def test_the_proxy_password_is_in_no_repr(proxy: ProxyPy, https_server: UvicornServer) -> None:
    assert PASSWORD in proxy.url
    raw = boto3.client(
        "chime-sdk-voice",
        region_name="us-east-1",
        endpoint_url=https_server.endpoint_url,
        config=Config(proxies={"https": proxy.url}),
    )
    sync, aclient = SpeakerSearchClient(client=raw), AsyncSpeakerSearchClient(client=raw)
    for client in (sync, aclient):
        assert PASSWORD not in repr(client)
    sync.close()
    asyncio.run(aclient.close())
    raw.close()


@pytest.fixture(scope="module")
def tls_proxy(
    tmp_path_factory: pytest.TempPathFactory, certificates: Certificates
) -> Iterator[ProxyPy]:
    """proxy.py reached over TLS (an https:// proxy URL), with the same trustme CA."""
    with ProxyPy(tmp_path_factory.mktemp("tls-proxy"), tls=certificates) as running:
        yield running


@urllib3_1_https_proxy_warning
@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("endpoint", ["https", "http"])
def test_an_https_proxy_with_proxies_config_ca_bundle(
    way: str,
    endpoint: str,
    tls_proxy: ProxyPy,
    https_server: UvicornServer,
    http_server: UvicornServer,
    certificates: Certificates,
) -> None:
    """``proxies_config={"proxy_ca_bundle": ...}``: the library hands these to botocore's
    own sender, so all three ways are botocore's urllib3 here."""
    server = https_server if endpoint == "https" else http_server
    before = len(tls_proxy.access_log())
    read(
        way,
        server,
        certificates,
        config=Config(
            proxies={endpoint: tls_proxy.url},
            proxies_config={"proxy_ca_bundle": certificates.ca_file},
        ),
    )
    assert any(f"127.0.0.1:{server.port}" in line for line in proxied(tls_proxy, before))


@urllib3_1_https_proxy_warning
@pytest.mark.parametrize("way", WAYS)
def test_a_gzipped_answer_through_botocores_sender_is_decoded(
    way: str, tls_proxy: ProxyPy, certificates: Certificates
) -> None:
    """An https:// proxy sends through botocore's sender: its gzipped answers are decoded
    as the engine's are; botocore alone hands the compressed bytes to its JSON parser."""
    with UvicornServer(gzip=True) as server:
        before = len(tls_proxy.access_log())
        config = Config(
            proxies={"http": tls_proxy.url},
            proxies_config={"proxy_ca_bundle": certificates.ca_file},
        )
        if way == "raw":
            with pytest.raises(UnicodeDecodeError):
                read(way, server, certificates, config=config)
        else:
            read(way, server, certificates, config=config)
    assert any(f"127.0.0.1:{server.port}" in line for line in proxied(tls_proxy, before))


@pytest.fixture(scope="module")
def stranger_proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProxyPy]:
    """An https:// proxy whose certificate comes from a CA nobody here trusts."""
    directory = tmp_path_factory.mktemp("stranger-proxy")
    with ProxyPy(directory, tls=Certificates(directory)) as running:
        yield running


@pytest.mark.parametrize("way", WAYS)
def test_an_https_proxy_whose_certificate_is_not_trusted_is_refused(
    way: str, stranger_proxy: ProxyPy, https_server: UvicornServer, certificates: Certificates
) -> None:
    """The endpoint's CA (``verify``) is trusted; the proxy's is not: refused."""
    error = refused_by_the_proxy(way, https_server, stranger_proxy.url, certificates.ca_file)
    # urllib3 2 reports a proxy error (botocore's message then hides the cause, kept
    # under it); urllib3 1.26 (botocore's floor) an SSLError naming the endpoint.
    if way == "raw":
        assert isinstance(
            error, botocore.exceptions.ProxyConnectionError | botocore.exceptions.SSLError
        ), repr(error)
        assert "CERTIFICATE_VERIFY_FAILED" in f"{error} {error.kwargs.get('error')}"
    else:
        assert isinstance(error, TransportError), repr(error)
        if URLLIB3 >= (2,):
            assert "the proxy's certificate was refused" in str(error)
        assert "CERTIFICATE_VERIFY_FAILED" in str(error)
        assert error.attempts == 1  # not retried: no retry mends a certificate
        assert not error.request_sent


def client_certificate(certificates: Certificates, directory: Path, form: str) -> Any:
    """A client certificate from the trustme CA: a (cert, key) pair or one combined PEM."""
    leaf = certificates.ca.issue_cert("client.example")
    cert, key, combined = directory / "client.pem", directory / "client.key", directory / "both.pem"
    leaf.cert_chain_pems[0].write_to_path(str(cert))
    leaf.private_key_pem.write_to_path(str(key))
    leaf.private_key_and_cert_chain_pem.write_to_path(str(combined))
    return (str(cert), str(key)) if form == "pair" else str(combined)


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("form", ["pair", "combined"])
def test_a_proxy_client_certificate_is_loaded_for_a_proxy_that_asks_for_none(
    way: str,
    form: str,
    tls_proxy: ProxyPy,
    https_server: UvicornServer,
    certificates: Certificates,
    tmp_path: Path,
) -> None:
    """``proxies_config={"proxy_client_cert": ...}``, both forms botocore takes.

    proxy.py's TLS listener never asks for a client certificate (see
    :class:`~tests.realworld.ProxyPy`), so this shows only that each way loads it into
    botocore's proxy TLS context (the next test: an unloadable one fails) and still
    tunnels a CONNECT. That it is presented and checked is shown by Twisted's proxy,
    which demands one but does not tunnel (``test_a_proxy_that_demands_...`` below).
    """
    before = len(tls_proxy.access_log())
    read(
        way,
        https_server,
        certificates,
        config=Config(
            proxies={"https": tls_proxy.url},
            proxies_config={
                "proxy_ca_bundle": certificates.ca_file,
                "proxy_client_cert": client_certificate(certificates, tmp_path, form),
            },
        ),
    )
    lines = tls_proxy.wait_for(before, matching=f"CONNECT 127.0.0.1:{https_server.port} ")
    assert lines, "the request did not go through the proxy"


def through_tls_proxy(
    server: UvicornServer,
    proxy: ProxyPy | TwistedProxy,
    certificates: Certificates,
    **proxies_config: Any,
) -> Any:
    """A botocore client for ``server`` through the https:// ``proxy``, trusting both.

    The proxy is set for the endpoint's scheme; ``proxies_config`` adds to the proxy's CA
    bundle; botocore retries 3 times, as THREE.
    """
    settings: Any = {"proxy_ca_bundle": certificates.ca_file, **proxies_config}
    return boto3.client(
        "chime-sdk-voice",
        region_name="us-east-1",
        endpoint_url=server.endpoint_url,
        verify=certificates.ca_file,
        config=Config(
            proxies={server.endpoint_url.split(":", 1)[0]: proxy.url},
            proxies_config=settings,
            retries={"total_max_attempts": 3, "mode": "standard"},
        ),
    )


@pytest.mark.parametrize("way", WAYS)
def test_an_unloadable_proxy_client_certificate_sends_nothing(
    way: str, tls_proxy: ProxyPy, certificates: Certificates, tmp_path: Path
) -> None:
    """botocore fails making the proxy's TLS context, before connecting: the library says
    nothing was sent and does not retry (it once called this a lost answer, so a write
    was an ``OutcomeUnknownError``); botocore raises its ``HTTPClientError``."""
    missing = str(tmp_path / "missing.pem")
    with UvicornServer(tls=certificates) as server:  # its port is this test's own
        connector, task_id = seed_task(server.service)
        before = len(tls_proxy.access_log())
        client = through_tls_proxy(server, tls_proxy, certificates, proxy_client_cert=missing)
        with pytest.raises(Exception) as caught:  # noqa: PT011 (checked per way below)
            get_task(way, client, voice_connector_id=connector, task_id=task_id, retry=THREE)
        client.close()
        assert server.connections == 0
    error = caught.value
    if way == "raw":
        assert isinstance(error, botocore.exceptions.HTTPClientError), repr(error)
        cause = error.kwargs["error"]
        assert isinstance(cause, botocore.exceptions.InvalidProxiesConfigError), repr(cause)
    else:
        assert isinstance(error, TransportError), repr(error)
        assert not error.request_sent
        assert error.attempts == 1
        assert "the proxy's TLS settings could not be used" in str(error)
        assert "No such file or directory" in str(error)
    targets = (f"CONNECT 127.0.0.1:{server.port} ", f"127.0.0.1:{server.port}/")
    late = proxied(tls_proxy, before, expected=0)  # other tests' late lines, if any
    assert not [line for line in late if any(target in line for target in targets)], late


@pytest.mark.filterwarnings(
    # urllib3 2's, about botocore's sender, which passes an ssl_context to every pool
    "ignore:Passing ssl_context when use_forwarding_for_https=True is deprecated:FutureWarning"
)
@pytest.mark.parametrize("way", WAYS)
def test_proxy_use_forwarding_for_https_is_forwarded_in_plain_text_by_proxy_py(
    way: str, tls_proxy: ProxyPy, certificates: Certificates
) -> None:
    """``proxy_use_forwarding_for_https``: ``GET https://...`` to the proxy, no CONNECT.

    proxy.py takes the absolute-form request but sends it on over plain TCP (no TLS to
    the origin: see :class:`~tests.realworld.ProxyPy`); uvicorn's TLS port drops the
    bytes and proxy.py closes the client's connection with no answer. Every way gets a
    proxy error for each of 3 attempts; the library calls it a lost answer (the proxy did
    pass the request on), retried as such.
    """
    with UvicornServer(tls=certificates) as server:  # its port is this test's own
        connector, task_id = seed_task(server.service)
        before = len(tls_proxy.access_log())
        client = through_tls_proxy(
            server, tls_proxy, certificates, proxy_use_forwarding_for_https=True
        )
        with pytest.raises(Exception) as caught:  # noqa: PT011 (checked per way below)
            get_task(way, client, voice_connector_id=connector, task_id=task_id, retry=THREE)
        client.close()
        # One line per attempt, written as proxy.py closes that attempt's connection.
        lines = tls_proxy.wait_for(before, count=3, matching=f" 127.0.0.1:{server.port}")
        assert server.connections == 0  # uvicorn read no request: plain text on its TLS port
    assert len(lines) == 3, lines
    path = f"GET 127.0.0.1:{server.port}/voice-connectors/{connector}/speaker-search-tasks/"
    assert all(path in line for line in lines), lines  # forwarded, not tunnelled (CONNECT)
    error = caught.value
    if way == "raw":
        assert isinstance(error, botocore.exceptions.ProxyConnectionError), repr(error)
    else:
        assert isinstance(error, TransportError), repr(error)
        assert error.request_sent
        assert error.attempts == 3
        assert "lost the answer" in str(error), str(error)


# Mutual TLS to the proxy: Twisted's proxy demands a client certificate signed by the
# trustme CA (the one that signed its own). It forwards only (no CONNECT), so the endpoint
# is plain http, reached through the https:// proxy. TLS 1.3 refuses a certificate after
# the client's side of the handshake is done (the client sees the alert on its first
# read); TLS 1.2 inside the handshake (the client's connect fails).


@pytest.fixture(scope="module", params=["1.3", "1.2"], ids=["tls1.3", "tls1.2"])
def mtls_proxy(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    certificates: Certificates,
) -> Iterator[TwistedProxy]:
    directory = tmp_path_factory.mktemp("mtls-proxy")
    tls_version = "" if request.param == "1.3" else request.param
    with TwistedProxy(
        directory, tls=certificates, client_ca=certificates.ca_file, tls_version=tls_version
    ) as running:
        yield running


def cert_settings(client_cert: Any) -> dict[str, Any]:
    """``proxies_config``'s ``proxy_client_cert`` for this certificate (``None``: none)."""
    return {} if client_cert is None else {"proxy_client_cert": client_cert}


@needs_urllib3_2_proxy_client_cert_when_forwarding
@urllib3_1_https_proxy_warning
@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("form", ["pair", "combined"])
def test_a_proxy_that_demands_a_client_certificate_gets_it_and_forwards(
    way: str,
    form: str,
    mtls_proxy: TwistedProxy,
    http_server: UvicornServer,
    certificates: Certificates,
    tmp_path: Path,
) -> None:
    """``proxy_client_cert`` presented and checked: the proxy's handshake completes with
    it (its TLS log names the certificate's subject) and it forwards the request."""
    cert = client_certificate(certificates, tmp_path, form)
    connector, task_id = seed_task(http_server.service)
    before, tls_before = len(mtls_proxy.access_log()), len(mtls_proxy.tls_log())
    client = through_tls_proxy(http_server, mtls_proxy, certificates, **cert_settings(cert))
    try:
        task = get_task(way, client, voice_connector_id=connector, task_id=task_id, retry=THREE)
    finally:
        client.close()
    assert task["SpeakerSearchTaskId"] == task_id
    path = f"/voice-connectors/{connector}/speaker-search-tasks/{task_id}"
    forwarded = [line for line in mtls_proxy.access_log()[before:] if path in line]
    assert len(forwarded) == 1, mtls_proxy.access_log()[before:]
    assert f'"GET http://127.0.0.1:{http_server.port}{path} HTTP/1.1" 200 ' in forwarded[0]
    issued = x509.load_pem_x509_certificate((tmp_path / "client.pem").read_bytes())
    subject = issued.subject.rfc4514_string()  # this test's certificate, as the proxy saw it
    handshakes = [line for line in mtls_proxy.tls_log()[tls_before:] if "handshake" in line]
    assert handshakes, mtls_proxy.tls_log()[tls_before:]
    assert all(subject in line for line in handshakes), handshakes


@urllib3_1_https_proxy_warning
@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("presented", ["none", "another CA's"])
def test_a_proxy_that_demands_a_client_certificate_refuses_a_missing_or_foreign_one(
    way: str,
    presented: str,
    mtls_proxy: TwistedProxy,
    certificates: Certificates,
    tmp_path: Path,
) -> None:
    """Refused in the proxy's TLS handshake, before it reads a request: nothing is
    forwarded. The library says nothing was sent and does not retry (no retry mends a
    certificate); botocore retries it within its attempts (3)."""
    cert = None
    if presented != "none":
        stranger = Certificates(tmp_path)  # a CA the proxy does not trust
        cert = client_certificate(stranger, tmp_path, "pair")
    with UvicornServer() as server:  # its port is this test's own
        connector, task_id = seed_task(server.service)
        before, tls_before = len(mtls_proxy.access_log()), len(mtls_proxy.tls_log())
        client = through_tls_proxy(server, mtls_proxy, certificates, **cert_settings(cert))
        with pytest.raises(Exception) as caught:  # noqa: PT011 (checked per way below)
            get_task(way, client, voice_connector_id=connector, task_id=task_id, retry=THREE)
        client.close()
        tries = 3 if way == "raw" else 1
        refusal = "closed: [('SSL routines'"  # OpenSSL's, as Twisted reports it
        lines = mtls_proxy.wait_for_closed(tls_before, count=tries, matching=refusal)
        assert server.connections == 0
    assert not [line for line in mtls_proxy.access_log()[before:] if f":{server.port}/" in line]
    # One connection per attempt, each ended by the proxy's handshake (earlier tests'
    # connections may add late "closed: Connection lost" lines). urllib3 1.26 presents no
    # proxy_client_cert when forwarding: the foreign one is not seen either.
    foreign = presented != "none" and URLLIB3 >= (2,)
    reason = "certificate verify failed" if foreign else "peer did not return a certificate"
    assert lines.count("connection") == tries, lines
    assert [line for line in lines if line.startswith(refusal)] == [
        f"closed: [('SSL routines', '', '{reason}')]"
    ] * tries, lines
    assert not [line for line in lines if "handshake completed" in line], lines
    tls12 = mtls_proxy.tls_version == "1.2"
    alert = (
        "TLSV1_ALERT_UNKNOWN_CA"
        if foreign
        else ("SSLV3_ALERT_HANDSHAKE_FAILURE" if tls12 else "TLSV13_ALERT_CERTIFICATE_REQUIRED")
    )
    error = caught.value
    if way == "raw":
        # urllib3 2 calls a connect that failed in TLS 1.2's handshake a proxy error.
        expected = (
            botocore.exceptions.ProxyConnectionError
            if tls12 and URLLIB3 >= (2,)
            else botocore.exceptions.SSLError
        )
        assert isinstance(error, expected), repr(error)
        assert alert in f"{error} {error.kwargs.get('error')}"
    else:
        assert isinstance(error, TransportError), repr(error)
        assert alert in str(error), str(error)
        assert not error.request_sent
        assert error.attempts == 1
        if tls12 and URLLIB3 >= (2,):
            assert "the proxy refused the TLS handshake" in str(error), str(error)
