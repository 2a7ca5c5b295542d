"""TLS against uvicorn with trustme certificates, three ways: sync, async, raw botocore.

Every row runs the library's two clients and botocore alone on the same botocore client
settings, against a real TLS server nobody on this project wrote, and requires the same
outcome: the task read, or the handshake refused. A refusal must be one clear error,
never retried as transient (a bad certificate does not get better in a second).
docs/real-world.md has the table.
"""

from __future__ import annotations

import datetime as dt
import shutil
import ssl
import subprocess
import warnings
from typing import TYPE_CHECKING, Any

import boto3
import botocore.exceptions
import pytest
import trustme
from botocore.config import Config

from chime_speaker_search import RetryPolicy
from chime_speaker_search.errors import TransportError
from tests.realworld import WAYS, Certificates, UvicornServer, get_task, seed_task

if TYPE_CHECKING:
    from pathlib import Path

# Three attempts allowed: a refusal that is retried shows as attempts > 1.
THREE = RetryPolicy(max_attempts=3, base_delay=0, max_delay=0)


def botocore_client(endpoint_url: str, **kwargs: Any) -> Any:
    return boto3.client(
        "chime-sdk-voice", region_name="us-east-1", endpoint_url=endpoint_url, **kwargs
    )


def read(way: str, server: UvicornServer, **kwargs: Any) -> dict[str, Any]:
    """Seed a task on ``server`` and read it back ``way``, with these client settings."""
    connector, task_id = seed_task(server.service)
    client = botocore_client(server.endpoint_url, **kwargs)
    try:
        task = get_task(way, client, voice_connector_id=connector, task_id=task_id, retry=THREE)
    finally:
        client.close()  # no keep-alive connection left for the server to wait on at stop
    assert task["SpeakerSearchTaskId"] == task_id
    return task


def refused(way: str, server: UvicornServer, *, transient: bool = False, **kwargs: Any) -> str:
    """Read ``way`` expecting the TLS handshake to be refused; return the error's text.

    ``transient``: the failure looks like a dropped connection, which is retried.
    """
    with pytest.raises(Exception) as caught:  # noqa: PT011 (checked per way below)
        read(way, server, **kwargs)
    error = caught.value
    if way == "raw":
        assert isinstance(error, botocore.exceptions.SSLError), repr(error)
    else:
        assert isinstance(error, TransportError), repr(error)
        assert error.attempts == (3 if transient else 1), f"retried or not as it should: {error}"
        assert not error.request_sent  # nothing left the machine unencrypted
    return str(error)


@pytest.mark.parametrize("way", WAYS)
def test_a_ca_directory_as_verify(way: str, https_server: UvicornServer, tmp_path: Path) -> None:
    """verify=<directory of hashed CA files>, as botocore passes to urllib3's ca_cert_dir."""
    openssl = shutil.which("openssl")
    assert openssl is not None, "openssl hashes the directory (c_rehash)"
    assert https_server.tls is not None
    shutil.copy(https_server.tls.ca_file, tmp_path / "ca.pem")
    subprocess.run([openssl, "rehash", str(tmp_path)], check=True, capture_output=True)  # noqa: S603
    assert any(path.name.endswith(".0") for path in tmp_path.iterdir())
    if way == "raw":  # botocore (every release tested) opens the directory as a file
        with pytest.raises(botocore.exceptions.SSLError, match="Is a directory"):
            read(way, https_server, verify=str(tmp_path))
    else:
        read(way, https_server, verify=str(tmp_path))


@pytest.mark.parametrize("way", WAYS)
def test_the_default_bundle_rejects_a_private_ca(way: str, https_server: UvicornServer) -> None:
    assert "certificate verify failed" in refused(way, https_server)


@pytest.mark.parametrize("way", WAYS)
def test_aws_ca_bundle_is_honoured(
    way: str,
    https_server: UvicornServer,
    certificates: Certificates,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_CA_BUNDLE", certificates.ca_file)
    read(way, https_server)


@pytest.mark.parametrize("way", WAYS)
def test_ca_bundle_in_a_config_profile_is_honoured(
    way: str,
    https_server: UvicornServer,
    certificates: Certificates,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    config = tmp_path / "config"
    config.write_text(f"[default]\nca_bundle = {certificates.ca_file}\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    connector, task_id = seed_task(https_server.service)
    session = boto3.Session()
    client = session.client(
        "chime-sdk-voice", region_name="us-east-1", endpoint_url=https_server.endpoint_url
    )
    task = get_task(way, client, voice_connector_id=connector, task_id=task_id, retry=THREE)
    assert task["SpeakerSearchTaskId"] == task_id


@pytest.mark.parametrize("way", WAYS)
def test_a_wrong_host_name_is_refused(way: str, tmp_path: Path) -> None:
    other = Certificates(tmp_path, "other.example")
    with UvicornServer(tls=other) as server:
        text = refused(way, server, verify=other.ca_file)
    assert "127.0.0.1" in text or "match" in text or "mismatch" in text, text


@pytest.mark.parametrize("way", WAYS)
def test_an_expired_certificate_is_refused(way: str, tmp_path: Path) -> None:
    certificates = Certificates(tmp_path)
    past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=30)
    leaf = certificates.ca.issue_cert(
        "127.0.0.1", not_before=past - dt.timedelta(days=30), not_after=past
    )
    leaf.private_key_and_cert_chain_pem.write_to_path(certificates.server_cert)
    with UvicornServer(tls=certificates, ssl_keyfile=certificates.server_cert) as server:
        assert "expired" in refused(way, server, verify=certificates.ca_file)


@pytest.mark.parametrize("way", WAYS)
def test_a_self_signed_certificate_is_refused(way: str, tmp_path: Path) -> None:
    """The server presents a CA's own (self-signed) certificate the client does not trust."""
    trusted = Certificates(tmp_path)
    stranger = trustme.CA()
    pem = tmp_path / "self-signed.pem"
    pem.write_bytes(stranger.private_key_pem.bytes() + stranger.cert_pem.bytes())
    with UvicornServer(tls=trusted, ssl_certfile=str(pem), ssl_keyfile=str(pem)) as server:
        assert "self-signed" in refused(way, server, verify=trusted.ca_file)


@pytest.mark.parametrize("way", WAYS)
def test_verify_false_works_and_warns(way: str, https_server: UvicornServer) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        read(way, https_server, verify=False)
    insecure = [w for w in caught if "InsecureRequestWarning" in type(w.message).__name__]
    assert insecure, [str(w.message) for w in caught]
    if way != "raw":  # once per client, not per request (urllib3 warns per request)
        assert len(insecure) == 1


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("form", ["pair", "combined"])
def test_mutual_tls_with_a_client_certificate(
    way: str, form: str, certificates: Certificates, tmp_path: Path
) -> None:
    client_ca = trustme.CA()
    client_ca_file = tmp_path / "client-ca.pem"
    client_ca.cert_pem.write_to_path(str(client_ca_file))
    leaf = client_ca.issue_cert("client.example")
    cert, key = tmp_path / "client.pem", tmp_path / "client.key"
    leaf.cert_chain_pems[0].write_to_path(str(cert))
    leaf.private_key_pem.write_to_path(str(key))
    combined = tmp_path / "combined.pem"
    leaf.private_key_and_cert_chain_pem.write_to_path(str(combined))
    client_cert: str | tuple[str, str] = (str(cert), str(key)) if form == "pair" else str(combined)
    with UvicornServer(tls=certificates, client_ca=str(client_ca_file)) as server:
        read(
            way,
            server,
            verify=certificates.ca_file,
            config=Config(client_cert=client_cert),
        )


@pytest.mark.parametrize("way", WAYS)
def test_mutual_tls_without_a_client_certificate_fails(
    way: str, certificates: Certificates, tmp_path: Path
) -> None:
    client_ca = trustme.CA()
    client_ca_file = tmp_path / "client-ca.pem"
    client_ca.cert_pem.write_to_path(str(client_ca_file))
    with (
        UvicornServer(tls=certificates, client_ca=str(client_ca_file)) as server,
        pytest.raises(Exception) as caught,  # noqa: PT011 (the classes differ per way: below)
    ):
        read(way, server, verify=certificates.ca_file)
    # With TLS 1.3 the client's handshake ends before the server checks its certificate:
    # the request is written, then uvicorn (asyncio's TLS) drops the connection without
    # an alert. Both senders see a connection closed with no answer, a lost answer
    # that may be retried (botocore's standard mode retries it too).
    error = caught.value
    if way == "raw":
        assert isinstance(error, botocore.exceptions.ConnectionClosedError), repr(error)
    else:
        assert isinstance(error, TransportError), repr(error)
        assert error.request_sent
        assert "closed before" in str(error) or "reset by peer" in str(error), str(error)


@pytest.mark.parametrize("way", WAYS)
def test_a_tls_1_1_only_server_is_refused(way: str, certificates: Certificates) -> None:
    def old_tls(context: ssl.SSLContext) -> None:
        with warnings.catch_warnings():  # Python deprecates these versions: the point here
            warnings.simplefilter("ignore", DeprecationWarning)
            context.minimum_version = ssl.TLSVersion.TLSv1
            context.maximum_version = ssl.TLSVersion.TLSv1_1
        context.set_ciphers("DEFAULT:@SECLEVEL=0")

    # The server (asyncio's TLS) drops the handshake without a protocol_version alert, so
    # both senders see the connection end mid-handshake: a refusal that looks like a drop,
    # retried as transient (nothing was sent); it never succeeds on TLS < 1.2.
    with UvicornServer(tls=certificates, tls_context=old_tls) as server:
        text = refused(way, server, transient=True, verify=certificates.ca_file)
    assert "EOF" in text or "closed the connection during the handshake" in text, text


@pytest.mark.parametrize("way", WAYS)
def test_sni_carries_the_host_name(way: str, certificates: Certificates) -> None:
    """Sent for a host name; none for an IP address literal (RFC 6066), either way."""
    names: list[str | None] = []

    def record_sni(context: ssl.SSLContext) -> None:
        context.sni_callback = lambda _sock, name, _ctx: names.append(name)

    with UvicornServer(tls=certificates, tls_context=record_sni) as server:
        connector, task_id = seed_task(server.service)
        url = f"https://localhost:{server.port}"
        client = botocore_client(url, verify=certificates.ca_file)
        get_task(way, client, voice_connector_id=connector, task_id=task_id, retry=THREE)
        client.close()
        read(way, server, verify=certificates.ca_file)
    assert names[0] == "localhost"
    assert names[-1] is None  # https://127.0.0.1:port


@pytest.mark.parametrize("way", WAYS)
def test_an_ipv6_literal_endpoint(way: str, certificates: Certificates) -> None:
    with UvicornServer(host="::1", tls=certificates) as server:
        assert server.endpoint_url.startswith("https://[::1]:")
        read(way, server, verify=certificates.ca_file)


@pytest.mark.parametrize("setting", ["verify", "client_cert"])
@pytest.mark.parametrize("way", WAYS)
def test_tls_files_that_cannot_be_loaded_fail_once_naming_the_file(
    way: str, setting: str, https_server: UvicornServer, tmp_path: Path
) -> None:
    """A missing CA bundle or client certificate: every attempt would fail the same way."""
    missing = str(tmp_path / "missing.pem")
    assert https_server.tls is not None
    kwargs: dict[str, Any] = (
        {"verify": missing}
        if setting == "verify"
        else {"verify": https_server.tls.ca_file, "config": Config(client_cert=missing)}
    )
    with pytest.raises(Exception) as caught:  # noqa: PT011 (checked per way below)
        read(way, https_server, **kwargs)
    error = caught.value
    if way == "raw":  # botocore does not name the file, and hides a missing client cert
        expected = (
            botocore.exceptions.SSLError
            if setting == "verify"
            else botocore.exceptions.ConnectionClosedError
        )
        assert isinstance(error, expected), repr(error)
        assert missing not in str(error)
    else:
        assert missing in str(error)
        assert isinstance(error, TransportError), repr(error)
        assert error.attempts == 1, f"retried: {error}"
        assert not error.request_sent
        assert f"{setting}=" in str(error)
