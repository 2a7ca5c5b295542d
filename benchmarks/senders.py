"""Client CPU per Get for the two synchronous senders and raw botocore, in one run.

Issue 18 part 4: the owned engine (``_http``) against the urllib3 sender
(``benchmarks/u3_sender.py``, not part of the package since the decision in
``docs/design.md``). Item 1 of ``benchmarks.run`` measured for three sides at once: a
typed client on the owned engine, a typed client whose transport sends with the urllib3
sender instead (:func:`benchmarks.u3_sender.install`) and a raw botocore client, against
the fixed-response server in a process of its own, so ``time.process_time`` counts the
client's work alone. The sides take turns, in a rotating order, a batch of calls each.

Run: ``python -m benchmarks.senders [--calls 2000] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import TYPE_CHECKING

from benchmarks.run import _raw_client, _session
from benchmarks.servers import TASK_ID, VOICE_CONNECTOR_ID, ServerProcess
from benchmarks.u3_sender import install
from chime_speaker_search import SpeakerSearchClient

if TYPE_CHECKING:
    from collections.abc import Callable

REGION = "us-east-1"
BATCH = 10  # process_time ticks coarsely: a batch of calls per sample


def _typed(endpoint_url: str) -> SpeakerSearchClient:
    return SpeakerSearchClient(session=_session(), region_name=REGION, endpoint_url=endpoint_url)


def measure(calls: int) -> dict[str, float]:
    """Median client CPU seconds per Get of each side, over ``calls`` Gets per side."""
    with ServerProcess("fixed") as server:
        engine = _typed(server.endpoint_url)
        urllib3 = _typed(server.endpoint_url)
        u3_sender = install(urllib3)
        raw = _raw_client(_session(), server.endpoint_url)
        sides: dict[str, Callable[[], object]] = {
            "engine": lambda: engine.get_speaker_search_task(
                voice_connector_id=VOICE_CONNECTOR_ID, speaker_search_task_id=TASK_ID
            ),
            "urllib3": lambda: urllib3.get_speaker_search_task(
                voice_connector_id=VOICE_CONNECTOR_ID, speaker_search_task_id=TASK_ID
            ),
            "raw": lambda: raw.get_speaker_search_task(
                VoiceConnectorId=VOICE_CONNECTOR_ID, SpeakerSearchTaskId=TASK_ID
            ),
        }
        names = list(sides)
        for name in names:  # warm up: connections, botocore's caches
            for _ in range(50):
                sides[name]()
        samples: dict[str, list[float]] = {name: [] for name in names}
        for i in range(max(1, calls // BATCH)):
            order = names[i % 3 :] + names[: i % 3]
            for name in order:
                call = sides[name]
                start = time.process_time()
                for _ in range(BATCH):
                    call()
                samples[name].append((time.process_time() - start) / BATCH)
        engine.close()
        urllib3.close()
        u3_sender.close()
        raw.close()
    return {name: statistics.median(values) for name, values in samples.items()}


def main() -> None:
    """Print the medians and the typed / raw ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--calls", type=int, default=2000, help="Gets per side")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args()
    result = measure(args.calls)
    if args.json:
        print(json.dumps(result))
        return
    raw = result["raw"]
    for name, seconds in result.items():
        print(f"{name:8} {seconds * 1e6:8.1f} µs CPU per Get   {seconds / raw:.3f}x raw")


if __name__ == "__main__":
    main()
