"""Reading wire objects into session Structs and writing them back, value for value.

A session cookie may come from nextjs-auth0, from another SDK or from a provider's
ID-token claims passed through as sent, so a declared key can hold a value its
typed field cannot represent exactly: an explicit ``null``, a string boolean
(AWS Cognito's ``"email_verified": "true"``), a number where a string is declared,
a float where an integer is declared. Each function here turns such a wire value
into the field's reading, or returns :data:`FAIL` when the field must not be
guessed (a required identity or SDK metadata): the caller then refuses the
session. :func:`read` keeps the wire value itself in the Struct's ``extra``, and
:func:`merge` writes it back while the attribute still holds its reading (see
``_models`` for the rule as users see it).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, NamedTuple

import msgspec

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "EXTRA",
    "FAIL",
    "TABLES",
    "Field",
    "bool_or_none",
    "int_or_fail",
    "int_or_none_or_fail",
    "int_or_zero",
    "json_text",
    "merge",
    "never",
    "read",
    "str_or_empty",
    "str_or_fail",
    "str_or_none",
    "str_or_none_or_fail",
    "table",
    "unchanged",
]

EXTRA = "$auth0_async.extra"
"""The name of the ``extra`` field in msgspec's own encoding. It never reaches the
wire: ``extra`` is flattened into its parent object on encode."""


class _Fail:
    __slots__ = ()

    def __repr__(self) -> str:
        return "FAIL"


FAIL: Any = _Fail()
"""Returned when a value has no acceptable reading for its field."""


def json_text(value: float) -> str:
    """Return a JSON number as the text JavaScript's ``String()`` would give for it."""
    if type(value) is float and value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return str(value)


def _is_number(value: Any) -> bool:
    kind = type(value)
    return kind is int or (kind is float and math.isfinite(value))


def str_or_none(value: Any) -> str | None:
    """Read an optional string: a number as its text, anything else as ``None``."""
    if type(value) is str:
        return value
    return json_text(value) if _is_number(value) else None


def str_or_empty(value: Any) -> str:
    """Read a string defaulting to ``""``: a number as its text, anything else as ``""``."""
    if type(value) is str:
        return value
    return json_text(value) if _is_number(value) else ""


def str_or_fail(value: Any) -> str:
    """Read a required string (``sub``, say): a number as its text; nothing else is accepted."""
    if type(value) is str:
        return value
    return json_text(value) if _is_number(value) else FAIL


def str_or_none_or_fail(value: Any) -> str | None:
    """Read an optional string of SDK metadata: ``null``, a string or a number."""
    if value is None or type(value) is str:
        return value
    return json_text(value) if _is_number(value) else FAIL


def bool_or_none(value: Any) -> bool | None:
    """Read an optional boolean: ``"true"``/``"false"`` (any case) as booleans, the rest as ``None``."""
    if type(value) is bool:
        return value
    if type(value) is str:
        word = value.strip().lower()
        if word == "true":
            return True
        if word == "false":
            return False
    return None


def _to_int(value: Any) -> int | None:
    kind = type(value)
    if kind is int:
        return value  # type: ignore[no-any-return]
    if kind is float:
        return math.floor(value) if math.isfinite(value) else None
    if kind is str:
        text = value.strip()
        digits = text[1:] if text[:1] == "-" else text
        if digits.isascii() and digits.isdigit():
            return int(text)
    return None


def int_or_zero(value: Any) -> int:
    """Read an integer defaulting to 0: a float floored, an integer string as its integer."""
    number = _to_int(value)
    return 0 if number is None else number


def int_or_fail(value: Any) -> int:
    """Read a required integer of SDK metadata (``createdAt``): a number or an integer string."""
    number = _to_int(value)
    return FAIL if number is None else number


def int_or_none_or_fail(value: Any) -> int | None:
    """Read an optional integer of SDK metadata (``exp``): ``null``, a number or an integer string."""
    if value is None:
        return None
    number = _to_int(value)
    return FAIL if number is None else number


def never(_value: Any) -> Any:
    """Read nothing: for keys a read never keeps in ``extra`` (a stray value there never wins)."""
    return FAIL


class Field(NamedTuple):
    """How one declared wire key reads into its attribute."""

    attr: str
    read: Callable[[Any], Any]
    """Wire value -> typed reading, or ``FAIL`` when the object cannot be read."""
    default: Any
    kind: type | None
    """The type whose values the field represents exactly, unless equal to the
    default (``read`` is then skipped)."""
    plain: bool
    """No value of ``kind`` equals the default."""


TABLES: dict[type[msgspec.Struct], dict[str, Field]] = {}
"""Each session Struct's declared wire keys (filled in by ``_models``)."""


def table(
    cls: type[msgspec.Struct], readers: dict[str, tuple[Callable[[Any], Any], type | None]]
) -> dict[str, Field]:
    """Register and return ``cls``'s wire keys, each with its attribute's reader and exact type."""
    fields = {}
    for info in msgspec.structs.fields(cls):
        if info.name != "extra":
            reader, kind = readers[info.name]
            default = info.default
            plain = kind is None or type(default) is not kind
            fields[info.encode_name] = Field(info.name, reader, default, kind, plain)
    TABLES[cls] = fields
    return fields


def read(cls: type[msgspec.Struct], obj: Any) -> Any:
    """Build a ``cls`` from a wire object, keeping what its fields cannot represent in ``extra``.

    Raises:
        msgspec.ValidationError: not an object, a required key is missing, or a
            value has no acceptable reading.

    """
    if type(obj) is not dict:
        raise msgspec.ValidationError(f"Expected an object for {cls.__name__}")
    fields = TABLES[cls]
    values: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in obj.items():
        field = fields.get(key)
        if field is None:
            extra[key] = value
            continue
        attr, reader, default, kind, plain = field
        if type(value) is kind and (plain or value != default):  # the common case: exact
            values[attr] = value
            continue
        typed = reader(value)
        if typed is FAIL:
            raise msgspec.ValidationError(f"Invalid value for `{key}` in {cls.__name__}")
        values[attr] = typed
        if typed is not value or value == default:
            extra[key] = value  # not exactly representable, or omitted as a default
    if extra:
        values["extra"] = extra
    try:
        return cls(**values)
    except TypeError as exc:  # a required key is missing
        raise msgspec.ValidationError(f"{cls.__name__}: {exc}") from None


def unchanged(struct: msgspec.Struct, field: Field, wire: Any) -> bool:
    """Whether the typed attribute still holds the reading of ``wire`` (nobody changed it)."""
    reading = field.read(wire)
    typed = getattr(struct, field.attr)
    return reading is not FAIL and type(reading) is type(typed) and reading == typed


def merge(obj: dict[str, Any], struct: msgspec.Struct) -> dict[str, Any]:
    """Flatten ``struct``'s ``extra`` into ``obj``, its ``to_builtins`` form, in place.

    An undeclared key is added; a declared one replaces the typed value unless
    the attribute was changed since the read.
    """
    extra = obj.pop(EXTRA, None)
    if extra:
        fields = TABLES[type(struct)]
        for key, wire in extra.items():
            field = fields.get(key)
            if field is None or unchanged(struct, field, wire):
                obj[key] = wire
    return obj
