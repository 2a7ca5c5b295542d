"""Conversion between the service's wire form and the typed models.

One cattrs converter, built once, does both directions. It is strict about JSON
types (a number where a string belongs is an error, not silently ``str()``-ed) and
lenient about what the service may add (unknown keys are ignored, unknown enum
values are kept). Every failure becomes a :class:`MalformedResponseError` naming
the wire path of the offending field.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
import cattrs
from cattrs.errors import ClassValidationError, IterableValidationError
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from ._models import (
    CallDetails,
    SpeakerSearchDetails,
    SpeakerSearchResult,
    SpeakerSearchTask,
    SpeakerSearchTaskStatus,
    VoiceprintGenerationStatus,
)
from .errors import MalformedResponseError

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["parse_timestamp", "structure_task", "unstructure_task", "wire_name"]

_T = TypeVar("_T")
# Leaves first: a class's generated hooks capture its fields' hooks when generated.
_MODELS = (SpeakerSearchResult, SpeakerSearchDetails, CallDetails, SpeakerSearchTask)


def wire_name(attribute: str) -> str:
    """``speaker_search_task_id`` -> ``SpeakerSearchTaskId`` (the service's naming)."""
    return "".join(part.capitalize() for part in attribute.split("_"))


class _WrongType(TypeError):
    def __init__(self, expected: str, value: object) -> None:
        super().__init__(f"expected {expected}, got {_json_type(value)}")


def _json_type(value: object) -> str:
    names = {bool: "boolean", str: "string", int: "number", float: "number", list: "array"}
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "object"
    return names.get(type(value), type(value).__name__)


def _structure_str(value: object, _: type) -> str:
    if not isinstance(value, str):
        raise _WrongType("a string", value)
    return value


def _structure_float(value: object, _: type) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _WrongType("a number", value)
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"expected a finite number, got {value!r}")
    return number


def _structure_bool(value: object, _: type) -> bool:
    if not isinstance(value, bool):
        raise _WrongType("a boolean", value)
    return value


_FRACTION = re.compile(r"(\.\d+)")


def parse_timestamp(value: datetime | str) -> datetime:
    """Return a timezone-aware datetime from a ``datetime`` or an ISO-8601 string.

    Naive values are taken as UTC (the service's convention); UTC offsets become
    :data:`datetime.timezone.utc` so equal instants compare and print alike.
    """
    if isinstance(value, str):
        text = value.strip()
        if text[-1:] in "zZ" and text:
            text = text[:-1] + "+00:00"
        # Python 3.10's fromisoformat accepts only 3 or 6 fractional digits.
        text = _FRACTION.sub(lambda m: (m.group(1) + "000000")[:7], text, count=1)
        value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    if value.utcoffset() == timedelta(0) and value.tzinfo is not timezone.utc:
        return value.replace(tzinfo=timezone.utc)
    return value


def _structure_datetime(value: object, _: type) -> datetime:
    if not isinstance(value, datetime | str):
        raise _WrongType("an ISO-8601 timestamp", value)
    return parse_timestamp(value)


def _structure_enum(cls: type[_T]) -> Callable[[object, type], _T]:
    def structure(value: object, _: type) -> _T:
        if not isinstance(value, str):
            raise _WrongType("a string", value)
        return cls(value)  # type: ignore[call-arg]  # open enums accept any string

    return structure


_Results = tuple[SpeakerSearchResult, ...]


def _strict_array(base: Callable[[Any, Any], _Results]) -> Callable[[object, Any], _Results]:
    # cattrs would iterate a string or an object's keys as if they were an array.
    def structure(value: object, type_: Any) -> _Results:  # noqa: ANN401 (cattrs hook signature)
        if not isinstance(value, list | tuple):
            raise _WrongType("an array", value)
        return base(value, type_)

    return structure


def _build_converter() -> cattrs.Converter:
    converter = cattrs.Converter(detailed_validation=True, forbid_extra_keys=False)
    converter.register_structure_hook(str, _structure_str)
    converter.register_structure_hook(float, _structure_float)
    converter.register_structure_hook(bool, _structure_bool)
    converter.register_structure_hook(datetime, _structure_datetime)
    converter.register_unstructure_hook(datetime, datetime.isoformat)
    for enum in (SpeakerSearchTaskStatus, VoiceprintGenerationStatus):
        converter.register_structure_hook(enum, _structure_enum(enum))
        converter.register_unstructure_hook(enum, lambda member: member.value)
    converter.register_structure_hook_func(
        lambda type_: type_ == _Results,
        _strict_array(converter.get_structure_hook(_Results)),
    )
    for model in _MODELS:
        renames: dict[str, Any] = {
            a.name: override(rename=wire_name(a.name)) for a in attrs.fields(model)
        }
        converter.register_structure_hook(
            model, _strict_object(make_dict_structure_fn(model, converter, **renames))
        )
        converter.register_unstructure_hook(
            model, _dropping_none(make_dict_unstructure_fn(model, converter, **renames))
        )
    return converter


def _strict_object(fn: Callable[[Any, Any], _T]) -> Callable[[object, Any], _T]:
    # cattrs would look keys up in a string ("Key" in "x") and build a default object.
    def structure(value: object, type_: Any) -> _T:  # noqa: ANN401 (cattrs hook signature)
        if not isinstance(value, dict):
            raise _WrongType("an object", value)
        return fn(value, type_)

    return structure


def _dropping_none(fn: Callable[[Any], dict[str, Any]]) -> Callable[[Any], dict[str, Any]]:
    # The service omits absent fields rather than sending null; so do we.
    def unstructure(instance: object) -> dict[str, Any]:
        return {key: value for key, value in fn(instance).items() if value is not None}

    return unstructure


_CONVERTER = _build_converter()
_WIRE_NAMES: dict[type, dict[str, str]] = {
    model: {a.name: wire_name(a.name) for a in attrs.fields(model)} for model in _MODELS
}


def _first_problem(exc: BaseException, path: str) -> tuple[str, str]:  # noqa: PLR0911 (one return per kind of problem)
    """Walk cattrs' exception groups to the first leaf: (wire path, what is wrong)."""
    if isinstance(exc, ClassValidationError):
        names = _WIRE_NAMES.get(exc.cl, {})
        with_notes, others = exc.group_exceptions()
        for inner, note in with_notes:
            return _first_problem(inner, f"{path}.{names.get(note.name, note.name)}")
        return _first_problem(others[0], path)  # pragma: no cover (cattrs notes every field)
    if isinstance(exc, IterableValidationError):
        with_index, others = exc.group_exceptions()
        for inner, index_note in with_index:
            return _first_problem(inner, f"{path}[{index_note.index}]")
        return _first_problem(others[0], path)  # pragma: no cover (cattrs notes every item)
    if isinstance(exc, KeyError):
        return path, "is missing"
    if isinstance(exc, _WrongType):
        return path, str(exc)
    return path, f"is invalid ({exc})"


def structure_task(
    data: Mapping[str, Any], *, path: str = "SpeakerSearchTask"
) -> SpeakerSearchTask:
    """Convert the wire form of a task to a :class:`SpeakerSearchTask`.

    Raises:
        MalformedResponseError: naming the first field that does not fit.
    """
    if not isinstance(data, Mapping):
        raise MalformedResponseError(
            f"The response's {path} is not a JSON object (got {_json_type(data)}).",
            field=path,
        )
    try:
        return _CONVERTER.structure(dict(data), SpeakerSearchTask)
    except (ClassValidationError, IterableValidationError, TypeError, ValueError) as exc:
        field, problem = _first_problem(exc, path)
        raise MalformedResponseError(
            f"The response does not fit the SpeakerSearchTask model: {field} {problem}.",
            field=field,
        ) from exc


def unstructure_task(task: SpeakerSearchTask) -> dict[str, Any]:
    """Convert a task to its JSON-ready wire form (absent fields omitted)."""
    return _CONVERTER.unstructure(task)  # type: ignore[no-any-return]
