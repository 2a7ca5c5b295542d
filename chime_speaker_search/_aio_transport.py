"""The botocore boundary for the async client: the synchronous transport's, sent on asyncio.

A request takes three steps, two of them the synchronous transport's own code:

1. :meth:`Transport.prepare <chime_speaker_search._transport.Transport.prepare>`: botocore
   serialises and signs the request, and its ``before-send`` hook hands it back unsent.
   This runs on the event loop and is CPU work only (~0.3 ms), except for credentials
   that must be refreshed (an assumed role, instance or container credentials), which
   botocore fetches synchronously, blocking the loop for that one request, about once
   an hour.
2. :class:`~._aio_http.AsyncHttpEngine` sends it and reads the answer on the loop, under
   the same deadline rules as the synchronous engine. (Step 1 waits until a connection
   is free, so that a request is signed just before it is sent.)
3. :meth:`Transport.interpret <chime_speaker_search._transport.Transport.interpret>` and
   :meth:`Transport.failure <chime_speaker_search._transport.Transport.failure>` turn
   the answer, or the failure, into JSON or the library's error, exactly as for a
   synchronous call.

The one set-up the engines do not take, a proxy reached over https (or botocore's
``proxies_config``), is left to botocore's own sender, as in the synchronous client;
the async client then runs each whole call in a thread of a small pool of its own
(``max_pool_connections`` threads). Cancelling such a call returns at once, but its
thread finishes the request in the background, bounded by botocore's socket timeouts.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from ._aio_http import AsyncHttpEngine
from ._http import HttpFailure

if TYPE_CHECKING:
    from ._transport import Transport

__all__ = ["AsyncTransport"]


def _instrumented(client: Any) -> bool:  # noqa: ANN401 (botocore's client)
    """Whether OpenTelemetry's botocore instrumentation wraps botocore's API call.

    Its span covers ``_make_api_call``; on the event loop that call only signs the
    request (it is sent afterwards), so the span would end, in error, before sending.
    Such calls run whole in a worker thread instead, in the caller's context (the
    current span is the parent): the span covers the request, at the cost of a thread
    per call in flight, and a cancelled call's request runs on to its deadline there.
    X-Ray's patch is left alone: its recorder keeps the segment per thread (or per
    task), which a worker thread would not find.
    """
    method = type(client)._make_api_call  # noqa: SLF001
    for _ in range(8):  # wrappers on wrappers (wrapt's FunctionWrapper: __wrapped__)
        wrapper = getattr(method, "_self_wrapper", None)
        if wrapper is None:
            return False
        if str(getattr(wrapper, "__module__", "")).startswith("opentelemetry."):
            return True
        method = method.__wrapped__
    return False


class AsyncTransport:
    """Sends one operation's request on the running event loop; returns its JSON.

    Args:
        transport: The synchronous transport whose client, settings and reading it shares.
    """

    def __init__(self, transport: Transport) -> None:
        self._transport = transport
        settings = transport.engine
        self._engine = AsyncHttpEngine(settings) if settings is not None else None
        self._executor: ThreadPoolExecutor | None = None

    async def send(
        self,
        operation_name: str,
        params: Mapping[str, Any],
        *,
        time_left: float | None,
        fresh_connection: bool = False,
    ) -> Mapping[str, Any]:
        """As :meth:`Transport.send <chime_speaker_search._transport.Transport.send>`, awaited."""
        engine = self._engine
        if engine is None or _instrumented(self._transport.client):
            return await self._in_thread(operation_name, params, time_left, fresh_connection)
        deadline = engine.deadline(time_left)
        try:
            # Queue for a connection first: the request is then signed just before it
            # is sent, and a thousand queued calls hold no thousand signed requests.
            async with engine.connection_slot(deadline):
                request = self._transport.prepare(operation_name, params)
                if isinstance(request, Mapping):
                    return request  # answered without sending (botocore's Stubber)
                response = await engine.send(
                    request.method,
                    request.url,
                    request.headers,
                    request.body,
                    deadline=deadline,
                    fresh=fresh_connection,
                )
        except HttpFailure as exc:
            raise self._transport.failure(exc, operation_name) from exc
        return self._transport.interpret(operation_name, response)

    async def _in_thread(
        self,
        operation_name: str,
        params: Mapping[str, Any],
        time_left: float | None,
        fresh_connection: bool,
    ) -> Mapping[str, Any]:
        if self._executor is None:
            workers = int(self._transport.client.meta.config.max_pool_connections or 10)  # type: ignore[attr-defined]
            self._executor = ThreadPoolExecutor(workers, thread_name_prefix="chime-speaker-search")
        call = functools.partial(
            self._transport.send,
            operation_name,
            params,
            time_left=time_left,
            fresh_connection=fresh_connection,
        )
        # In the caller's context: a tracer's current span is the parent of the call's.
        context = contextvars.copy_context()
        return await asyncio.get_running_loop().run_in_executor(self._executor, context.run, call)

    def close(self) -> None:
        """Close the connections (and the thread pool, if one was needed)."""
        if self._engine is not None:
            self._engine.close()
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
