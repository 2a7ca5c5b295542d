"""The async client and engine behind the synchronous ones' interfaces, for shared tests.

A test module that sets ``BOTH_CLIENTS = True`` runs each test that uses the ``client``
(or ``make_client``) fixture twice: with a :class:`SpeakerSearchClient`, and with an
:class:`AsyncSpeakerSearchClient` seen through :class:`BlockingClient`, which runs each
coroutine on one event loop in a thread of its own and waits for it. The same
assertions then pin both clients: requests sent, values returned, errors raised.

:class:`BlockingEngine` does the same for the HTTP engines (``tests/test_http.py``).
"""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING, Any

from chime_speaker_search._aio_http import AsyncHttpEngine
from chime_speaker_search._http import HttpEngine

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Coroutine, Iterator, Mapping
    from types import TracebackType

    from typing_extensions import Self

    from chime_speaker_search import AsyncSpeakerSearchClient
    from chime_speaker_search._http import HttpResponse

__all__ = ["BlockingClient", "BlockingEngine", "Portal"]


class Portal:
    """An event loop running in a daemon thread; :meth:`call` runs a coroutine on it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def call(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        """Run ``coroutine`` on the loop and return (or raise) what it does."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.loop.close()


class BlockingClient:
    """An ``AsyncSpeakerSearchClient`` whose coroutine methods block until done."""

    def __init__(self, client: AsyncSpeakerSearchClient) -> None:
        self.wrapped = client
        self._portal = Portal()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.wrapped, name)
        if not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            result = attribute(*args, **kwargs)
            if asyncio.iscoroutine(result):
                return self._portal.call(result)
            if hasattr(result, "__anext__"):  # list_*: an async iterator, pulled lazily
                return self._iterate(result)
            return result

        return call

    def _iterate(self, items: AsyncIterator[Any]) -> Iterator[Any]:
        async def next_item() -> Any:
            return await anext(items)

        while True:
            try:
                item = self._portal.call(next_item())
            except StopAsyncIteration:
                return
            yield item

    def __repr__(self) -> str:
        return repr(self.wrapped)

    def close(self) -> None:
        if self._portal.loop.is_closed():
            return
        try:
            self._portal.call(self.wrapped.close())
            # Listings a test left unfinished are closed on their loop, before it goes.
            self._portal.call(self._portal.loop.shutdown_asyncgens())
        finally:
            self._portal.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class BlockingEngine:
    """An ``AsyncHttpEngine`` with ``HttpEngine``'s blocking ``request``.

    Each request runs in ``asyncio.run``, a fresh event loop, as in a Lambda handler:
    pooled connections must outlive the loop that opened them.
    """

    def __init__(self, **settings: Any) -> None:
        self.wrapped = AsyncHttpEngine(HttpEngine(**settings))

    def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str | bytes],
        body: bytes | None,
        *,
        time_left: float | None,
        fresh: bool = False,
    ) -> HttpResponse:
        return asyncio.run(
            self.wrapped.request(method, url, headers, body, time_left=time_left, fresh=fresh)
        )

    def close(self) -> None:
        self.wrapped.close()
