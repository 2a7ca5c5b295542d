"""Pagination: which request a listing makes next, and reading each page it gets back.

Kept apart from sending, so the sync client (a generator) and the async client (an async
generator) drive the same state::

    pages = Pages("ListVoiceProfiles", params, voice_profile_page)
    while (request := pages.next_request()) is not None:
        yield from pages.read(call(pages.operation_name, request))
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeVar

from .errors import MalformedResponseError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = ["Pages"]

_T = TypeVar("_T")


class Pages(Generic[_T]):
    """One listing in progress: the first request, then one per ``NextToken``.

    Args:
        operation_name: e.g. ``"ListVoiceProfiles"``.
        params: The validated parameters of every request (without ``NextToken``).
        read_page: Reads a response into its items and the next page's token.
    """

    def __init__(
        self,
        operation_name: str,
        params: Mapping[str, Any],
        read_page: Callable[[Mapping[str, Any]], tuple[tuple[_T, ...], str | None]],
    ) -> None:
        self.operation_name = operation_name
        self._params = dict(params)
        self._read_page = read_page
        self._token: str | None = None
        self._seen: set[str] = set()
        self._done = False

    def next_request(self) -> dict[str, Any] | None:
        """The parameters of the next page's request, or ``None`` once the last was read."""
        if self._done:
            return None
        if self._token is None:
            return dict(self._params)
        return {**self._params, "NextToken": self._token}

    def read(self, response: Mapping[str, Any]) -> tuple[_T, ...]:
        """Take one page's response: return its items and remember where the next starts.

        Raises:
            MalformedResponseError: the page does not fit the model, or its
                ``NextToken`` was already given (following it would never end).
        """
        items, token = self._read_page(response)
        if token is None:
            self._done = True
        elif token in self._seen:
            self._done = True
            raise MalformedResponseError(
                f"{self.operation_name} returned a NextToken it had already given: the "
                "listing would never end, so it was stopped.",
                field="NextToken",
            )
        else:
            self._seen.add(token)
        self._token = token
        return items
