"""How late this process gets the CPU: for deadline checks that must hold on a loaded machine.

The library promises to give up by its deadline plus 0.25 s. On a machine with other
work running (load 5-9 on 2 cores), the test process itself can wait that long for a
core, and a wall-clock bound then measures the machine, not the library. A
:class:`Starvation` samples, in a thread of its own, how much later than asked a 5 ms
sleep wakes up while the call runs; those delays, added up, are time nobody in this
process could use, so deadline checks allow them on top of the library's margin.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from types import TracebackType

    from typing_extensions import Self

__all__ = ["Starvation"]

_TICK = 0.005


class Starvation:
    """A context manager; :attr:`total` is the sum of the wake-up delays seen (seconds)."""

    def __init__(self) -> None:
        self.total = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            began = time.monotonic()
            time.sleep(_TICK)
            self.total += max(0.0, time.monotonic() - began - _TICK)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
