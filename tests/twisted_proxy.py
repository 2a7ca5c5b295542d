# Twisted annotates part of its API, zope.interface none of it:
# mypy: disable-error-code="import-untyped, no-untyped-call, untyped-decorator, misc, method-assign, assignment"
"""Twisted's forward proxy on a TLS port that demands a client certificate (mutual TLS).

Started by :class:`tests.realworld.TwistedProxy`, in a process of its own::

    python -m tests.twisted_proxy PORT_FILE ACCESS_LOG TLS_LOG CERT KEY CLIENT_CA [1.2]

Only Twisted's own classes, wired: ``twisted.web.proxy.Proxy`` (absolute-form
``GET http://...`` forwarded; no CONNECT) behind ``reactor.listenSSL`` with a
``CertificateOptions`` whose ``trustRoot`` is ``CLIENT_CA``. A ``trustRoot`` sets
``verify`` and ``requireCertificate``, which ``CertificateOptions._makeContext`` turns
into ``VERIFY_PEER | VERIFY_FAIL_IF_NO_PEER_CERT``: OpenSSL then ends the handshake of a
client with no certificate, or one no CA in ``CLIENT_CA`` signed. ``HTTPFactory`` writes
the access log (combined format, a line per answered request); the subclass below only
writes a line to ``TLS_LOG`` per TCP connection, per completed handshake (with the
client certificate's subject) and per closed connection (with the reason).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from twisted.internet import reactor, ssl
from twisted.internet.interfaces import IHandshakeListener
from twisted.internet.protocol import connectionDone
from twisted.web import http, proxy
from zope.interface import implementer

if TYPE_CHECKING:
    from twisted.python.failure import Failure


def main(
    port_file: str, access_log: str, tls_log: str, cert: str, key: str, ca: str, tls: str = ""
) -> None:
    """Listen on 127.0.0.1, a free port written to ``port_file``, until SIGTERM.

    ``tls``: ``"1.2"`` caps the TLS version (the certificate is refused inside the
    handshake, where TLS 1.3 refuses it after the client's side is done).
    """
    events = Path(tls_log).open("a", buffering=1, encoding="utf-8")  # noqa: SIM115 (the process's)

    @implementer(IHandshakeListener)
    class LoggedProxy(proxy.Proxy):
        def connectionMade(self) -> None:  # noqa: N802 (Twisted's names)
            events.write("connection\n")
            super().connectionMade()

        def handshakeCompleted(self) -> None:  # noqa: N802 (IHandshakeListener, told by TLS)
            peer = self.transport.getPeerCertificate()  # type: ignore[union-attr]
            subject = peer.to_cryptography().subject.rfc4514_string() if peer else None
            events.write(f"handshake completed: client certificate {subject}\n")

        def connectionLost(self, reason: Failure = connectionDone) -> None:  # noqa: N802
            events.write(f"closed: {reason.getErrorMessage()}\n")
            super().connectionLost(reason)

    server = ssl.PrivateCertificate.loadPEM(Path(cert).read_bytes() + Path(key).read_bytes())
    options = ssl.CertificateOptions(
        privateKey=server.privateKey.original,
        certificate=server.original,
        trustRoot=ssl.trustRootFromCertificates([ssl.Certificate.loadPEM(Path(ca).read_bytes())]),
        # Said, not negotiated: with none, Twisted's ALPN callback answers a client that
        # offers ALPN (urllib3 2 offers http/1.1) with an empty protocol, which OpenSSL
        # ends in an "internal error" alert (twisted/internet/_sslverify.py alpnSelect).
        acceptableProtocols=[b"http/1.1"],
        lowerMaximumSecurityTo=ssl.TLSVersion.TLSv1_2 if tls == "1.2" else None,
    )
    factory = http.HTTPFactory(logPath=access_log)
    factory.protocol = LoggedProxy
    port = reactor.listenSSL(0, factory, options, interface="127.0.0.1")
    written = Path(port_file + ".tmp")
    written.write_text(str(port.getHost().port))
    written.replace(port_file)  # whole, or not there yet
    reactor.run()


if __name__ == "__main__":
    main(*sys.argv[1:])
