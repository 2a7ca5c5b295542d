"""What the installed botocore and urllib3 can do, for tests that depend on it.

``.ci/floor`` runs the suite against the oldest supported boto3/botocore (the floor in
``pyproject.toml``) as well as ``make test``'s newest. A few behaviours belong to
botocore or urllib3, not to the library, and changed between those versions: the
markers here name each one, so a test skips on the floor only for a documented reason.
"""

from __future__ import annotations

from importlib.metadata import version

import botocore
import pytest


def _release(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".")[:3] if part.isdigit())


BOTOCORE = _release(botocore.__version__)
URLLIB3 = _release(version("urllib3"))

#: botocore reads ``AWS_ENDPOINT_URL`` (and ``endpoint_url`` in a profile) from 1.31.0.
needs_configured_endpoints = pytest.mark.skipif(
    BOTOCORE < (1, 31, 0),
    reason=f"botocore {botocore.__version__} ignores AWS_ENDPOINT_URL (read from 1.31.0)",
)

#: botocore's sender honours a per-request read timeout (``request.context``) from 1.43.72;
#: before, the library's deadline cannot shorten botocore's reads (docs/real-world.md).
needs_per_request_read_timeout = pytest.mark.skipif(
    BOTOCORE < (1, 43, 72),
    reason=f"botocore {botocore.__version__} has no per-request read timeout (from 1.43.72)",
)

#: urllib3 1.26 warns "Unverified HTTPS request" on every request through an https://
#: proxy to a plain-http endpoint, and indeed does not check that proxy's certificate
#: (docs/real-world.md); urllib3 2 verifies it. The warning is botocore's sender's.
urllib3_1_https_proxy_warning = (
    pytest.mark.filterwarnings(
        "ignore:Unverified HTTPS request:urllib3.exceptions.InsecureRequestWarning"
    )
    if URLLIB3 < (2,)
    else pytest.mark.filterwarnings("error")  # as pyproject's: on urllib3 2 it fails the test
)
