"""Results as text: the AWS CLI's JSON and text forms (with ``--query``), and tables."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import datetime

    from chime_speaker_search._models import SpeakerSearchTask, VoiceProfile, VoiceProfileDomain
    from chime_speaker_search.testing import DemoSeed

    from ._parser import Query

__all__ = [
    "demo_summary",
    "render",
    "render_task",
    "to_json",
    "to_text",
    "voice_profile_domain_table",
    "voice_profile_domains_table",
    "voice_profile_table",
    "voice_profiles_table",
]

_DEMO_THRESHOLD = 0.85


def to_json(data: object) -> str:
    """``data`` as the AWS CLI prints JSON (so the two are byte-identical)."""
    return json.dumps(data, indent=4, ensure_ascii=False)


# The AWS CLI's text format (awscli/text.py): a dict's scalar values on one line,
# tab-separated and in key order, prefixed by its key's name in capitals when nested;
# then each nested dict or list under its own name. Lists of dicts share the union of
# their scalar keys, so columns line up. Scripts written for `aws ... --output text`
# read ours the same way.


def to_text(data: object) -> str:
    """``data`` as the AWS CLI's ``--output text`` prints it."""
    lines: list[str] = []
    _text(data, lines, None, None)
    return "".join(line + "\n" for line in lines)


def _scalar(value: object) -> bool:
    return not isinstance(value, (dict, list))


def _text(item: object, lines: list[str], name: str | None, keys: list[str] | None) -> None:
    if isinstance(item, dict):
        _text_dict(item, lines, name, keys)
    elif isinstance(item, list):
        _text_list(item, lines, name)
    else:
        lines.append(str(item))


def _text_list(items: list[Any], lines: list[str], name: str | None) -> None:
    if not items:
        return
    if any(isinstance(item, dict) for item in items):
        dicts = [item for item in items if isinstance(item, dict)]
        keys = sorted({key for item in dicts for key, value in item.items() if _scalar(value)})
        for item in items:
            _text(item, lines, name, keys)
        return
    scalars = [item for item in items if _scalar(item)]
    if scalars:
        if name is not None:
            lines.extend(f"{name.upper()}\t{item}" for item in scalars)
        else:
            lines.append("\t".join(str(item) for item in scalars))
    for item in items:
        if not _scalar(item):
            _text(item, lines, name, None)


def _text_dict(
    item: dict[str, Any], lines: list[str], name: str | None, keys: list[str] | None
) -> None:
    if keys is None:
        scalars = [str(value) for _, value in sorted(item.items()) if _scalar(value)]
        nested = [(key, value) for key, value in sorted(item.items()) if not _scalar(value)]
    else:
        scalars = [str(item.get(key, "")) for key in keys]
        nested = [(key, item[key]) for key in sorted(set(item) - set(keys))]
    if scalars:
        lines.append("\t".join([name.upper(), *scalars] if name is not None else scalars))
    for key, value in nested:
        _text(value, lines, key, None)


def _when(value: datetime | None) -> str:
    if value is None:
        return "-"
    return value.isoformat(sep=" ", timespec="seconds")


def _table(task: SpeakerSearchTask) -> str:
    details = task.call_details
    leg = None
    if details is not None and details.is_caller is not None:
        leg = "Caller" if details.is_caller else "Callee"
    search = task.speaker_search_details
    rows: list[tuple[str, str | None]] = [
        ("Task", task.speaker_search_task_id),
        ("Status", task.speaker_search_task_status.value),
        ("Message", task.status_message),
        ("Voice connector", details.voice_connector_id if details else None),
        ("Transaction", details.transaction_id if details else None),
        ("Call leg", leg),
        ("Created", _when(task.created_timestamp)),
        ("Started", _when(task.started_timestamp)),
        ("Updated", _when(task.updated_timestamp)),
        (
            "Voiceprint",
            search.voiceprint_generation_status.value
            if search and search.voiceprint_generation_status
            else None,
        ),
    ]
    width = max(len(name) for name, _ in rows)
    lines = [f"{name:<{width}}  {value}" for name, value in rows if value is not None]
    results = sorted(task.results, key=lambda r: r.confidence_score, reverse=True)
    lines.append("")
    if not results:
        lines.append("Results: none yet" if not task.is_terminal else "Results: none")
        return "\n".join(lines) + "\n"
    best = task.best_match()
    lines.append(f"Results ({len(results)}, best first; * = best match)")
    lines.append("     Score  Voice profile")
    for result in results:
        mark = "*" if result is best else " "
        lines.append(f"  {mark} {result.confidence_score:6.4f}  {result.voice_profile_id}")
    return "\n".join(lines) + "\n"


def render_task(task: SpeakerSearchTask, output: str, query: Query | None) -> str:
    """What stdout shows for a task: ``output`` is ``json``, ``text`` or ``table``.

    JSON and text are the AWS CLI's forms of the service's response,
    ``{"SpeakerSearchTask": {...}}``, narrowed by ``query`` when given.
    """
    return render({"SpeakerSearchTask": task.to_dict()}, output, query, lambda: _table(task))


def render(data: dict[str, Any], output: str, query: Query | None, table: Callable[[], str]) -> str:
    """What stdout shows for a response's JSON ``data``: ``output`` is json, text or table.

    JSON and text are the AWS CLI's forms of ``data``, narrowed by ``query`` when given;
    a table is what ``table()`` draws.
    """
    if output == "table":
        return table()
    selected: object = data if query is None else query.search(data)
    if output == "text":
        return to_text(selected)
    # The AWS CLI prints nothing for an empty object (what a query may select).
    return "" if selected == {} else to_json(selected) + "\n"


def _rows(rows: Sequence[tuple[str, str | None]]) -> list[str]:
    width = max(len(name) for name, _ in rows)
    return [f"{name:<{width}}  {value}" for name, value in rows if value is not None]


def voice_profile_table(profile: VoiceProfile) -> list[str]:
    """A voice profile as ``name  value`` lines (the ARN left out, as from its repr)."""
    return _rows(
        [
            ("Voice profile", profile.voice_profile_id),
            ("Domain", profile.voice_profile_domain_id),
            ("Created", _when(profile.created_timestamp)),
            ("Updated", _when(profile.updated_timestamp)),
            ("Expires", _when(profile.expiration_timestamp)),
        ]
    )


def voice_profile_domain_table(domain: VoiceProfileDomain) -> str:
    """A voice profile domain as ``name  value`` lines (its ARNs left out, as from its repr)."""
    rows = _rows(
        [
            ("Domain", domain.voice_profile_domain_id),
            ("Name", domain.name),
            ("Description", domain.description),
            ("Encryption", "a KMS key (see --output json)" if domain.kms_key_arn else None),
            ("Created", _when(domain.created_timestamp)),
            ("Updated", _when(domain.updated_timestamp)),
        ]
    )
    return "\n".join(rows) + "\n"


def _columns(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in (header, *rows)
    ]
    return "\n".join(lines) + "\n"


def voice_profiles_table(profiles: Sequence[VoiceProfile]) -> str:
    """Voice profiles, one a line, oldest first as the service lists them."""
    if not profiles:
        return "No voice profiles\n"
    return _columns(
        ("Voice profile", "Created", "Updated", "Expires"),
        [
            (
                p.voice_profile_id,
                _when(p.created_timestamp),
                _when(p.updated_timestamp),
                _when(p.expiration_timestamp),
            )
            for p in profiles
        ],
    )


def voice_profile_domains_table(domains: Sequence[VoiceProfileDomain]) -> str:
    """Voice profile domains, one a line (the ARNs and KMS key left out)."""
    if not domains:
        return "No voice profile domains\n"
    return _columns(
        ("Domain", "Name", "Created", "Description"),
        [
            (
                d.voice_profile_domain_id,
                d.name or "-",
                _when(d.created_timestamp),
                d.description or "",
            )
            for d in domains
        ],
    )


def demo_summary(task: SpeakerSearchTask, seed: DemoSeed) -> str:
    """The demo's result for a person: status, who was recognised, every score."""
    best = task.best_match(min_confidence=_DEMO_THRESHOLD)
    lines = [
        f"Status:     {task.speaker_search_task_status.value}",
        "Best match: "
        + (
            f"{seed.speaker_of(best.voice_profile_id)} ({best.voice_profile_id}), "
            f"confidence {best.confidence_score:.4f}"
            if best
            else f"none at or above {_DEMO_THRESHOLD}"
        ),
        "All scores:",
        *(
            f"  {r.confidence_score:.4f}  {seed.speaker_of(r.voice_profile_id) or '?':<6}"
            f"  {r.voice_profile_id}"
            for r in sorted(task.results, key=lambda r: r.confidence_score, reverse=True)
        ),
    ]
    return "\n".join(lines) + "\n"
