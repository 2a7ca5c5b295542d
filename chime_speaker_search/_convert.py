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
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar, overload

import attrs
import cattrs
from cattrs.errors import ClassValidationError, IterableValidationError, IterableValidationNote
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from ._event_models import (
    Event,
    EventSpeakerSearchDetails,
    PostCallSpeakerSearchSummary,
    SpeakerSearchEventStatus,
    SpeakerSearchStatusDetail,
    SpeakerSearchStatusEvent,
    VoiceAnalyticsEventStatus,
    VoiceAnalyticsStatusDetail,
    VoiceAnalyticsStatusEvent,
    VoiceProfileTransaction,
)
from ._models import (
    CallDetails,
    SpeakerSearchDetails,
    SpeakerSearchResult,
    SpeakerSearchTask,
    SpeakerSearchTaskStatus,
    VoiceprintGenerationStatus,
    VoiceProfile,
    VoiceProfileDomain,
    as_utc,
)
from .errors import MalformedEventError, MalformedResponseError

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "event_class_for",
    "event_wire_name",
    "parse_timestamp",
    "structure_event",
    "structure_task",
    "structure_voice_profile",
    "structure_voice_profile_domain",
    "unstructure_event",
    "unstructure_model",
    "unstructure_task",
    "unusable_write_answer",
    "voice_profile_domain_from",
    "voice_profile_domain_page",
    "voice_profile_from",
    "voice_profile_page",
    "wire_name",
]

_T = TypeVar("_T")
_E = TypeVar("_E", SpeakerSearchStatusEvent, VoiceAnalyticsStatusEvent)


@attrs.frozen(kw_only=True)
class _ServerSideEncryptionConfiguration:
    """The wire's nesting of a domain's KMS key; the model flattens it to ``kms_key_arn``."""

    kms_key_arn: str  # the service's model marks KmsKeyArn required inside the structure


# Leaves first: a class's generated hooks capture its fields' hooks when generated.
_MODELS = (
    SpeakerSearchResult,
    SpeakerSearchDetails,
    CallDetails,
    SpeakerSearchTask,
    VoiceProfile,
    _ServerSideEncryptionConfiguration,
    VoiceProfileDomain,
)
# Fields whose wire name is not the PascalCase of their own.
_RENAMED: dict[tuple[type, str], str] = {
    (VoiceProfileDomain, "kms_key_arn"): "ServerSideEncryptionConfiguration",
}


def wire_name(attribute: str) -> str:
    """``speaker_search_task_id`` -> ``SpeakerSearchTaskId`` (the service's naming)."""
    return "".join(part.capitalize() for part in attribute.split("_"))


def _wire_names(model: type) -> dict[str, str]:
    return {a.name: _RENAMED.get((model, a.name), wire_name(a.name)) for a in attrs.fields(model)}


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
    if type(value) is str:  # the common case first: these hooks run for every field
        return value
    if not isinstance(value, str):
        raise _WrongType("a string", value)
    return value


def _structure_float(value: object, _: type) -> float:
    if type(value) is float and math.isfinite(value):
        return value
    if type(value) is bool or not isinstance(value, (int, float)):
        raise _WrongType("a number", value)
    try:
        number = float(value)
    except OverflowError:  # an integer too large for a float
        bits = int(value).bit_length()
        raise ValueError(
            f"expected a number within float range, got a {bits}-bit integer"
        ) from None
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
        text = value
        try:  # Python >= 3.11 reads the service's form ("...T13:00:00.000Z") directly
            value = datetime.fromisoformat(text)
        except ValueError:
            value = datetime.fromisoformat(_normalise_iso(text))
    return as_utc(value)  # type: ignore[return-value]  # not None: value is a datetime


def format_timestamp(value: datetime) -> str:
    """The wire's ISO-8601 text for ``value``, in the fewest fractional digits it needs.

    UTC ends in ``Z``; the fraction has no digits for a whole second, three for whole
    milliseconds and six otherwise: the form AWS's services write (Java's
    ``Instant.toString()``), so ``"2022-12-14T18:38:38.796Z"`` comes back byte for byte,
    not as ``...38.796000+00:00``. Other UTC offsets keep their offset.
    """
    micro = value.microsecond
    spec = "seconds" if micro == 0 else "milliseconds" if micro % 1000 == 0 else "microseconds"
    text = value.isoformat(timespec=spec)
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _normalise_iso(text: str) -> str:
    """Rewrite ISO-8601 forms Python 3.10's ``fromisoformat`` rejects into ones it reads."""
    text = text.strip()
    if text[-1:] in "zZ" and text:
        text = text[:-1] + "+00:00"
    # Python 3.10 accepts only 3 or 6 fractional digits.
    return _FRACTION.sub(lambda m: (m.group(1) + "000000")[:7], text, count=1)


def _structure_datetime(value: object, _: type) -> datetime:
    if not isinstance(value, datetime | str):
        raise _WrongType("an ISO-8601 timestamp", value)
    return parse_timestamp(value)


def _structure_enum(cls: type[_T]) -> Callable[[object, type], _T]:
    # Known values by dict lookup: calling an Enum class runs Python-level machinery.
    known: dict[object, _T] = {member.value: member for member in cls}  # type: ignore[attr-defined]

    def structure(value: object, _: type) -> _T:
        member = known.get(value)
        if member is not None:
            return member
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


def _optional(inner: Callable[[Any, Any], _T], type_: Any) -> Callable[[object, Any], _T | None]:  # noqa: ANN401
    # One call for X | None fields instead of cattrs' generic union dispatch.
    def structure(value: object, _: object) -> _T | None:
        return None if value is None else inner(value, type_)

    return structure


def _build_converter() -> cattrs.Converter:
    # Detailed validation keeps per-field error notes, from which faults are named; a
    # converter without them was measured only ~8% faster once the hooks below exist.
    converter = cattrs.Converter(detailed_validation=True, forbid_extra_keys=False)

    def register(type_: Any, hook: Callable[[Any, Any], Any]) -> None:  # noqa: ANN401
        converter.register_structure_hook(type_, hook)
        converter.register_structure_hook(type_ | None, _optional(hook, type_))

    register(str, _structure_str)
    register(float, _structure_float)
    register(bool, _structure_bool)
    register(datetime, _structure_datetime)
    converter.register_unstructure_hook(datetime, format_timestamp)
    for enum in (SpeakerSearchTaskStatus, VoiceprintGenerationStatus):
        register(enum, _structure_enum(enum))
        converter.register_unstructure_hook(enum, lambda member: member.value)
    field_hooks = _api_field_hooks(converter)
    for model in _MODELS:
        renames: dict[str, Any] = {
            name: override(rename=wire, **field_hooks.get((model, name), {}))
            for name, wire in _wire_names(model).items()
        }
        if model is SpeakerSearchDetails:  # its Results need the result hook, made just before
            converter.register_structure_hook_func(
                lambda type_: type_ == _Results,
                _strict_array(converter.get_structure_hook(_Results)),
            )
        register(model, _strict_object(make_dict_structure_fn(model, converter, **renames)))
        converter.register_unstructure_hook(
            model, _dropping_none(make_dict_unstructure_fn(model, converter, **renames))
        )
    return converter


def _api_field_hooks(converter: cattrs.Converter) -> dict[tuple[type, str], dict[str, Any]]:
    """Per-field hooks for API fields that are not a plain rename of their wire form."""

    def kms_key_in(value: object, _: Any) -> str | None:  # noqa: ANN401 (cattrs hook signature)
        if value is None:
            return None
        # Structured as its own class, so a fault inside is named ...KmsKeyArn.
        return converter.structure(value, _ServerSideEncryptionConfiguration).kms_key_arn

    def kms_key_out(arn: str | None) -> dict[str, str] | None:
        return None if arn is None else {"KmsKeyArn": arn}

    return {
        (VoiceProfileDomain, "kms_key_arn"): {
            "struct_hook": kms_key_in,
            "unstruct_hook": kms_key_out,
        },
    }


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
_WIRE_NAMES: dict[type, dict[str, str]] = {model: _wire_names(model) for model in _MODELS}


def _first_problem(  # noqa: PLR0911 (one return per kind of problem)
    exc: BaseException, path: str, wire_names: Mapping[type, Mapping[str, str]] | None = None
) -> tuple[str, str]:
    """Walk cattrs' exception groups to the first leaf: (wire path, what is wrong).

    ``wire_names`` maps each model's attribute names to its wire names; it defaults to
    the API's PascalCase names (events pass their camelCase table).
    """
    tables = _WIRE_NAMES if wire_names is None else wire_names
    if isinstance(exc, ClassValidationError):
        names = tables.get(exc.cl, {})
        with_notes, others = exc.group_exceptions()
        for inner, note in with_notes:
            return _first_problem(inner, f"{path}.{names.get(note.name, note.name)}", tables)
        return _first_problem(
            others[0], path, tables
        )  # pragma: no cover (cattrs notes every field)
    if isinstance(exc, IterableValidationError):
        with_index, others = exc.group_exceptions()
        for inner, index_note in with_index:
            return _first_problem(inner, f"{path}[{index_note.index}]", tables)
        return _first_problem(others[0], path, tables)  # pragma: no cover (cattrs notes every item)
    if isinstance(exc, KeyError):
        return path, "is missing"
    if isinstance(exc, _WrongType):
        return path, str(exc)
    return path, f"is invalid ({exc})"


_Model = TypeVar("_Model", SpeakerSearchTask, VoiceProfile, VoiceProfileDomain)


def _structure_model(data: Mapping[str, Any], cls: type[_Model], path: str) -> _Model:
    """Convert one API object; every fault becomes a ``MalformedResponseError`` naming it."""
    if not isinstance(data, Mapping):
        raise MalformedResponseError(
            f"The response's {path} is not a JSON object (got {_json_type(data)}).",
            field=path,
        )
    try:
        return _CONVERTER.structure(data if type(data) is dict else dict(data), cls)
    except (ClassValidationError, IterableValidationError, TypeError, ValueError) as exc:
        field, problem = _first_problem(exc, path)
        raise MalformedResponseError(
            f"The response does not fit the {cls.__name__} model: {field} {problem}.",
            field=field,
        ) from exc


def structure_task(
    data: Mapping[str, Any], *, path: str = "SpeakerSearchTask"
) -> SpeakerSearchTask:
    """Convert the wire form of a task to a :class:`SpeakerSearchTask`.

    Raises:
        MalformedResponseError: naming the first field that does not fit.
    """
    return _structure_model(data, SpeakerSearchTask, path)


def unstructure_task(task: SpeakerSearchTask) -> dict[str, Any]:
    """Convert a task to its JSON-ready wire form (absent fields omitted)."""
    return _CONVERTER.unstructure(task)  # type: ignore[no-any-return]


# --- voice profiles ----------------------------------------------------------------------
# Request building lives in _validation; these read the answers. The sync and the async
# client both call them, so each operation is read the same way whoever sent it.


def structure_voice_profile(data: Mapping[str, Any], *, path: str = "VoiceProfile") -> VoiceProfile:
    """Convert the wire form of a voice profile (or of its summary) to a :class:`VoiceProfile`.

    Raises:
        MalformedResponseError: naming the first field that does not fit.
    """
    return _structure_model(data, VoiceProfile, path)


def structure_voice_profile_domain(
    data: Mapping[str, Any], *, path: str = "VoiceProfileDomain"
) -> VoiceProfileDomain:
    """Convert the wire form of a domain (or of its summary) to a :class:`VoiceProfileDomain`.

    Raises:
        MalformedResponseError: naming the first field that does not fit.
    """
    return _structure_model(data, VoiceProfileDomain, path)


def unstructure_model(model: VoiceProfile | VoiceProfileDomain) -> dict[str, Any]:
    """Convert a profile or domain to its JSON-ready wire form (absent fields omitted)."""
    return _CONVERTER.unstructure(model)  # type: ignore[no-any-return]


def _member(response: Mapping[str, Any], key: str, operation_name: str) -> Any:  # noqa: ANN401 (JSON)
    if response.get(key) is None:
        raise MalformedResponseError(
            f"{operation_name} returned no {key} in its response.", field=key
        )
    return response[key]


def voice_profile_from(response: Mapping[str, Any], operation_name: str) -> VoiceProfile:
    """The profile in a Create/Update/GetVoiceProfile response (under ``"VoiceProfile"``).

    Raises:
        MalformedResponseError: the response has no usable profile.
    """
    return structure_voice_profile(_member(response, "VoiceProfile", operation_name))


def voice_profile_domain_from(
    response: Mapping[str, Any], operation_name: str
) -> VoiceProfileDomain:
    """The domain in a GetVoiceProfileDomain response (under ``"VoiceProfileDomain"``).

    Raises:
        MalformedResponseError: the response has no usable domain.
    """
    return structure_voice_profile_domain(_member(response, "VoiceProfileDomain", operation_name))


def unusable_write_answer(
    error: MalformedResponseError, operation_name: str
) -> MalformedResponseError:
    """The error for an unusable answer to a call without a token (Create/Update/Delete).

    An answer that cannot be read, usually to a success, is no proof of no effect:
    the message says so, and that the call must not be repeated blindly.
    """
    return MalformedResponseError(
        f"{error} {operation_name} may have taken effect: do not repeat it blindly; "
        "check first (list the domain's voice profiles, or get the profile).",
        field=error.field,
    )


def _page(
    response: Mapping[str, Any], key: str, cls: type[_Model]
) -> tuple[tuple[_Model, ...], str | None]:
    # The model does not require the list: a page without one (or with null) is empty.
    items = response.get(key)
    token = response.get("NextToken")
    try:
        found = (
            ()
            if items is None
            else _structure_items(items, lambda item: _CONVERTER.structure(item, cls), cls)
        )
    except (ClassValidationError, IterableValidationError, TypeError, ValueError) as exc:
        field, problem = _first_problem(exc, key)
        raise MalformedResponseError(
            f"The response does not fit the {cls.__name__} model: {field} {problem}.",
            field=field,
        ) from exc
    if token is not None and not isinstance(token, str):
        raise MalformedResponseError(
            f"The response's NextToken is not a string (got {_json_type(token)}).",
            field="NextToken",
        )
    # An empty token would ask for the first page again: it ends the list, as in botocore.
    return found, token or None


def voice_profile_page(response: Mapping[str, Any]) -> tuple[tuple[VoiceProfile, ...], str | None]:
    """One ListVoiceProfiles page: its profiles, and the token of the next page (or ``None``).

    Raises:
        MalformedResponseError: naming the first field that does not fit.
    """
    return _page(response, "VoiceProfiles", VoiceProfile)


def voice_profile_domain_page(
    response: Mapping[str, Any],
) -> tuple[tuple[VoiceProfileDomain, ...], str | None]:
    """One ListVoiceProfileDomains page: its domains, and the next page's token (or ``None``).

    Raises:
        MalformedResponseError: naming the first field that does not fit.
    """
    return _page(response, "VoiceProfileDomains", VoiceProfileDomain)


# --- events ----------------------------------------------------------------------------
# Notification events use another naming (kebab-case envelope, camelCase detail) and
# send confidence scores as numeric strings, so they get their own hooks, registered on
# the same converter. SpeakerSearchResult keeps its PascalCase hook for the API; inside
# events it is structured through a per-field hook with the camelCase names.

_EVENT_CLASSES: dict[str, type[Event]] = {
    cls.detail_type: cls for cls in (SpeakerSearchStatusEvent, VoiceAnalyticsStatusEvent)
}
# Leaves first, as for the API models.
_EVENT_MODELS: tuple[type, ...] = (
    VoiceProfileTransaction,
    EventSpeakerSearchDetails,
    SpeakerSearchStatusDetail,
    PostCallSpeakerSearchSummary,
    VoiceAnalyticsStatusDetail,
    SpeakerSearchStatusEvent,
    VoiceAnalyticsStatusEvent,
)
# EventBridge's own key order, which to_dict() follows.
_ENVELOPE_ORDER = (
    "version",
    "id",
    "detail-type",
    "service-type",
    "source",
    "account",
    "time",
    "region",
    "resources",
    "detail",
)


def event_wire_name(attribute: str) -> str:
    """``voice_profile_id`` -> ``voiceProfileId`` (the events' detail naming)."""
    first, *rest = attribute.split("_")
    return first + "".join(part.capitalize() for part in rest)


def _event_names(model: type) -> dict[str, str]:
    if model in _EVENT_CLASSES.values():
        # The envelope is kebab-case: service_type -> service-type.
        return {a.name: a.name.replace("_", "-") for a in attrs.fields(model)}
    return {a.name: event_wire_name(a.name) for a in attrs.fields(model)}


_EVENT_WIRE_NAMES: dict[type, dict[str, str]] = {
    model: _event_names(model) for model in (SpeakerSearchResult, *_EVENT_MODELS)
}
_NUMERIC = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def _structure_score(value: object, _: type) -> float:
    # The developer guide's example sends "confidenceScore": "0.94567856".
    if isinstance(value, str):
        if not _NUMERIC.fullmatch(value.strip()):
            raise ValueError(f"expected a number or a numeric string, got {value!r}")
        value = float(value)
    return _structure_float(value, float)


def _structure_int(value: object, _: type) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _WrongType("an integer", value)
    return value


def _structure_items(
    value: object, item: Callable[[object], _T], item_type: type
) -> tuple[_T, ...]:
    """Structure a JSON array item by item, reporting the first bad item's index."""
    if not isinstance(value, list | tuple):
        raise _WrongType("an array", value)
    items: list[_T] = []
    for index, element in enumerate(value):
        try:
            items.append(item(element))
        except (  # noqa: PERF203 (errors are the rare path; the index must be noted)
            ClassValidationError,
            IterableValidationError,
            TypeError,
            ValueError,
        ) as exc:
            note = IterableValidationNote(f"Structuring item @ index {index}", index, item_type)
            # __notes__ is how cattrs marks items; 3.10's typeshed lacks the attribute.
            setattr(exc, "__notes__", [*getattr(exc, "__notes__", []), note])  # noqa: B010
            raise IterableValidationError("While structuring an array", [exc], tuple) from exc
    return tuple(items)


def _copy_headers(value: Mapping[str, str] | None) -> dict[str, str] | None:
    return None if value is None else dict(value)


def _event_time(value: datetime | None) -> str | None:
    # A per-field hook sees None too; _dropping_none removes it afterwards.
    return None if value is None else format_timestamp(value)


def _structure_headers(value: object, _: Any) -> dict[str, str] | None:  # noqa: ANN401 (cattrs hook signature)
    # inviteHeaders: SIP header name to value. cattrs would call .items() on anything.
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _WrongType("an object", value)
    for name, text in value.items():
        if not isinstance(text, str):
            msg = f"header {name!r} is a {_json_type(text)}, not a string"
            raise TypeError(msg)
    return dict(value)


def _register_event_hooks(converter: cattrs.Converter) -> None:
    for enum in (SpeakerSearchEventStatus, VoiceAnalyticsEventStatus):
        converter.register_structure_hook(enum, _structure_enum(enum))
        converter.register_unstructure_hook(enum, lambda member: member.value)
    result_names = _EVENT_WIRE_NAMES[SpeakerSearchResult]
    structure_result = _strict_object(
        make_dict_structure_fn(
            SpeakerSearchResult,
            converter,
            confidence_score=override(
                rename=result_names["confidence_score"], struct_hook=_structure_score
            ),
            voice_profile_id=override(rename=result_names["voice_profile_id"]),
        )
    )

    def results_in(value: object, _: Any) -> tuple[SpeakerSearchResult, ...]:  # noqa: ANN401 (cattrs hook signature)
        return _structure_items(
            value, lambda v: structure_result(v, SpeakerSearchResult), SpeakerSearchResult
        )

    def results_out(results: tuple[SpeakerSearchResult, ...]) -> list[dict[str, str]]:
        return [
            {
                result_names["voice_profile_id"]: r.voice_profile_id,
                result_names["confidence_score"]: repr(r.confidence_score),
            }
            for r in results
        ]

    def strings_in(value: object, _: Any) -> tuple[str, ...]:  # noqa: ANN401 (cattrs hook signature)
        return _structure_items(value, lambda v: _structure_str(v, str), str)

    def transactions_in(value: object, _: Any) -> tuple[VoiceProfileTransaction, ...] | None:  # noqa: ANN401 (cattrs hook signature)
        if value is None:
            return None
        return _structure_items(
            value,
            lambda v: converter.structure(v, VoiceProfileTransaction),
            VoiceProfileTransaction,
        )

    def transactions_out(
        transactions: tuple[VoiceProfileTransaction, ...] | None,
    ) -> list[dict[str, Any]] | None:
        if transactions is None:
            return None
        return [converter.unstructure(t) for t in transactions]

    transactions = {"struct_hook": transactions_in, "unstruct_hook": transactions_out}
    envelope: dict[str, dict[str, Any]] = {
        "resources": {"struct_hook": strings_in, "unstruct_hook": list},
        "time": {"unstruct_hook": _event_time},
    }
    field_hooks: dict[type, dict[str, dict[str, Any]]] = {
        EventSpeakerSearchDetails: {
            "results": {"struct_hook": results_in, "unstruct_hook": results_out}
        },
        SpeakerSearchStatusDetail: {"channel_id": {"struct_hook": _structure_int}},
        VoiceProfileTransaction: {"request_timestamp": {"unstruct_hook": _event_time}},
        PostCallSpeakerSearchSummary: {
            "create_voice_profile_transactions": transactions,
            "update_voice_profile_transactions": transactions,
        },
        VoiceAnalyticsStatusDetail: {
            "invite_headers": {"struct_hook": _structure_headers, "unstruct_hook": _copy_headers}
        },
        SpeakerSearchStatusEvent: envelope,
        VoiceAnalyticsStatusEvent: envelope,
    }
    for model in _EVENT_MODELS:
        names = _EVENT_WIRE_NAMES[model]
        hooks = field_hooks.get(model, {})
        overrides: dict[str, Any] = {
            a.name: override(rename=names[a.name], **hooks.get(a.name, {}))
            for a in attrs.fields(model)
        }
        converter.register_structure_hook(
            model, _strict_object(make_dict_structure_fn(model, converter, **overrides))
        )
        converter.register_unstructure_hook(
            model, _dropping_none(make_dict_unstructure_fn(model, converter, **overrides))
        )


_register_event_hooks(_CONVERTER)


def event_class_for(detail_type: object) -> type[Event] | None:
    """Return the event class for an EventBridge ``detail-type``, or ``None`` if not ours."""
    if not isinstance(detail_type, str):
        return None
    return _EVENT_CLASSES.get(detail_type)


@overload
def structure_event(data: object, cls: type[_E], *, path: str = "") -> _E: ...
@overload
def structure_event(data: object, cls: None = None, *, path: str = "") -> Event: ...
def structure_event(
    data: object,
    cls: type[Any] | None = None,
    *,
    path: str = "",
) -> Event:
    """Convert an EventBridge event (a decoded JSON object) to its typed event.

    Args:
        data: The event.
        cls: The class expected; by default chosen from the event's ``detail-type``.
        path: Where the event sits in what was delivered, e.g. ``"Records[0].body"``;
            error fields are prefixed with it.

    Raises:
        MalformedEventError: naming the first field that does not fit.
    """
    where = path or "the event"
    if not isinstance(data, Mapping):
        raise MalformedEventError(
            f"{where} is not a JSON object (got {_json_type(data)}).", field=path or None
        )
    detail_type = data.get("detail-type")
    expected = cls if cls is not None else event_class_for(detail_type)
    if expected is None or detail_type != expected.detail_type:
        wanted = expected.detail_type if expected is not None else " or ".join(_EVENT_CLASSES)
        field = f"{path}.detail-type" if path else "detail-type"
        raise MalformedEventError(
            f"The event's detail-type is {detail_type!r}, not {wanted}.", field=field
        )
    try:
        event: Event = _CONVERTER.structure(dict(data), expected)
    except (ClassValidationError, IterableValidationError, TypeError, ValueError) as exc:
        field, problem = _first_problem(exc, path, _EVENT_WIRE_NAMES)
        field = field.removeprefix(".")
        raise MalformedEventError(
            f"The event does not fit the {expected.detail_type} model: {field} {problem}.",
            field=field,
        ) from exc
    return event


def unstructure_event(event: Event) -> dict[str, Any]:
    """Convert an event to its JSON-ready EventBridge wire form (absent fields omitted)."""
    body: dict[str, Any] = _CONVERTER.unstructure(event)
    body["detail-type"] = event.detail_type
    ordered = {key: body.pop(key) for key in _ENVELOPE_ORDER if key in body}
    return {**ordered, **body}
