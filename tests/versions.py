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

#: urllib3 1.26 sends an http:// request to an https:// proxy on the endpoint's TLS
#: settings (``ProxyManager.connection_from_host`` opens a pool to the proxy with the
#: endpoint's ``pool_kwargs``); botocore's ``proxy_ssl_context``, which holds
#: ``proxies_config``'s ``proxy_client_cert``, is used only for a CONNECT tunnel. The
#: client certificate is then never presented to a proxy that forwards (docs/real-world.md).
needs_urllib3_2_proxy_client_cert_when_forwarding = pytest.mark.skipif(
    URLLIB3 < (2,),
    reason=f"urllib3 {version('urllib3')} presents no proxy_client_cert to an https:// proxy "
    "it forwards http:// requests through (it uses the endpoint's TLS settings)",
)
