"""A pytest plugin for the streams experiment: the async tests on :mod:`benchmarks.aio_streams`.

``python -m pytest -p benchmarks.aio_streams_suite tests/test_aio_client.py ...`` runs
the tests with every async client (and ``tests.aio.BlockingEngine``) on
:class:`~benchmarks.aio_streams.StreamsHttpEngine`. Without ``-p`` nothing changes.

With ``AIO_STREAMS_ONE_LOOP=1`` as well, ``BlockingEngine`` sends every request of an
engine on one event loop of its own instead of one ``asyncio.run`` each: what fails
then is not the reuse of connections across event loops.
"""

from __future__ import annotations

import os
from typing import Any

from benchmarks.aio_streams import install


def pytest_configure() -> None:
    install()
    if os.environ.get("AIO_STREAMS_ONE_LOOP") == "1":
        import tests.aio  # noqa: PLC0415

        def request(self: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: ANN401
            portal = self.__dict__.get("portal")
            if portal is None:
                portal = self.__dict__["portal"] = tests.aio.Portal()
            return portal.call(self.wrapped.request(*args, **kwargs))

        tests.aio.BlockingEngine.request = request  # type: ignore[method-assign]


def pytest_report_header() -> str:
    one = " (BlockingEngine: one loop per engine)" if os.environ.get("AIO_STREAMS_ONE_LOOP") else ""
    return f"async engine: benchmarks.aio_streams.StreamsHttpEngine{one}"
