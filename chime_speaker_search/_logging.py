"""Keeping secrets out of logs, botocore's included.

At DEBUG, botocore logs every request's headers and canonical request, which carry
the session token (``X-Amz-Security-Token``) of temporary credentials, the access key
id (in the ``Authorization`` header's ``Credential=``) and the request's signature. When the library
creates or wraps a client, it adds a filter to the botocore loggers that print requests
so that such values are replaced by ``<redacted>``. The filter only rewrites records
that contain a secret-bearing header, and costs nothing when DEBUG logging is off
(filters run only for records that are emitted).
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Final

__all__ = ["REDACTED", "install_redaction", "redact"]

REDACTED: Final = "<redacted>"

# The header name, then `: ` / `:` / `': b'` / `=`, then the value up to a quote,
# comma, whitespace or closing brace. Covers dict reprs of headers, canonical
# requests ("x-amz-security-token:VALUE") and query strings ("X-Amz-Security-Token=").
_SECRET_HEADER: Final = re.compile(
    r"""(?P<name>x-amz-security-token|authorization-token|aws_secret_access_key|"""
    r"""aws_session_token)(?P<sep>['"]?\s*[:=]\s*b?['"]?)(?P<value>[^\s'",}&]+)""",
    re.IGNORECASE,
)
# SigV4's Authorization header: the access key id (Credential=AKID/date/...) names the
# account's key, and a signature can be replayed while it is fresh.
_SIGV4: Final = re.compile(r"(?P<name>Credential|Signature)=(?P<value>[^/\s'\",]+)")
_LOGGERS: Final = ("botocore.endpoint", "botocore.auth", "botocore.hooks", "botocore.parsers")


def redact(text: str) -> str:
    """Replace the values of secret-bearing headers and settings in ``text``."""
    text = _SECRET_HEADER.sub(lambda m: f"{m['name']}{m['sep']}{REDACTED}", text)
    return _SIGV4.sub(lambda m: f"{m['name']}={REDACTED}", text)


class _RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        return True


_installed = False
_lock = threading.Lock()


def install_redaction() -> None:
    """Add the redacting filter to botocore's request-logging loggers (once)."""
    global _installed  # noqa: PLW0603 (process-wide, installed once)
    if _installed:
        return
    with _lock:
        if not _installed:
            shared = _RedactingFilter()
            for name in _LOGGERS:
                logging.getLogger(name).addFilter(shared)
            _installed = True
