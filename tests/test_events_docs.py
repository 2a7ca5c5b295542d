"""The Lambda handler in docs/events.md runs, as written, against sample deliveries."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from chime_speaker_search import (
    SpeakerSearchResult,
    SpeakerSearchTask,
    SpeakerSearchTaskStatus,
    events_for_task,
    parse_event,
)

DOCS = Path(__file__).parent.parent / "docs" / "events.md"
FIXTURES = Path(__file__).parent / "fixtures" / "events"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOCS.read_text(), flags=re.DOTALL)


@pytest.fixture
def handler_module() -> dict[str, Any]:
    """The docs' example, executed as a module would be."""
    [source] = python_blocks()
    namespace: dict[str, Any] = {"__name__": "docs_events_example"}
    exec(compile(source, str(DOCS), "exec"), namespace)  # noqa: S102 (running our own docs)
    return namespace


def sqs(*bodies: object) -> dict[str, Any]:
    return {
        "Records": [
            {"messageId": f"m-{i}", "body": body if isinstance(body, str) else json.dumps(body)}
            for i, body in enumerate(bodies)
        ]
    }


def test_docs_have_exactly_one_runnable_example() -> None:
    assert len(python_blocks()) == 1


def test_handler_reports_identifications_once_in_time_order(
    handler_module: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    identification = json.loads(
        (FIXTURES / "speaker_search_identification_successful.json").read_text()
    )
    earlier = json.loads(json.dumps(identification))
    earlier["id"] = "earlier"
    earlier["time"] = "2023-03-09T17:55:00Z"
    earlier["detail"]["taskId"] = "first"
    earlier["detail"]["speakerSearchDetails"]["results"] = []
    voiceprint = json.loads(
        (FIXTURES / "speaker_search_voiceprint_generation_success.json").read_text()
    )
    voiceprint["id"] = "voiceprint"
    batch = sqs(identification, "not json", earlier, identification, voiceprint)

    response = handler_module["handler"](batch, None)

    assert response == {"batchItemFailures": []}
    assert capsys.readouterr().out.splitlines() == [
        "task first: nobody we know",
        "task uuid: vp-505e0992-82da-49eb-9d4a-4b34772b96b6",
    ]
    # A redelivery in a later invocation is skipped.
    handler_module["handler"](sqs(identification), None)
    assert capsys.readouterr().out == ""


def test_handler_reports_failed_records_for_redelivery(handler_module: dict[str, Any]) -> None:
    calls: list[str] = []

    def flaky(task_id: str, match: SpeakerSearchResult | None) -> None:
        calls.append(task_id)
        raise RuntimeError("downstream unavailable")

    handler_module["on_identified"] = flaky
    task = SpeakerSearchTask(
        speaker_search_task_id="t-9",
        speaker_search_task_status=SpeakerSearchTaskStatus.SUCCEEDED,
        speaker_search_details=None,
    )
    [event] = events_for_task(task)
    response = handler_module["handler"](sqs(event.to_dict()), None)
    assert response == {"batchItemFailures": [{"itemIdentifier": "m-0"}]}
    assert calls == ["t-9"]
    assert parse_event(event.to_dict()) == [event]
