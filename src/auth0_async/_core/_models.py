"""Session data as msgspec Structs: snake_case in Python, nextjs-auth0 v4's camelCase on the wire.

Nothing a cookie carries is dropped or rewritten: a session read and written
back (a rolling re-issue, ``update_session``, a refresh that leaves a field
alone) gives the same JSON, only ``exp`` changing, and ``to_dict()`` returns
exactly what was written. Two rules make that hold:

* Keys the Structs do not declare (custom claims in ``user``, custom top-level
  keys added by hooks, fields a newer nextjs-auth0 adds to ``tokenSet``) are
  kept in each Struct's ``extra`` mapping and written back unchanged.
* Item access is the wire, attributes are typed. When a declared key holds a
  value its typed field cannot represent exactly (an explicit ``null``, a string
  boolean such as AWS Cognito's ``"email_verified": "true"``, a number where a
  string is declared, a float where an integer is, a value equal to the
  field's default), the wire value is kept in ``extra`` under its wire name and
  the attribute holds a reading of it: numbers read as their text for string
  fields, ``"true"``/``"false"`` as booleans, floats (floored) and integer
  strings as integers, anything else as the field's default. On write the wire
  value is sent again as long as the attribute still equals that reading; once
  the application (or a refresh) changes the attribute, the typed value wins.
  ``user["email_verified"]`` is then ``"true"`` while ``user.email_verified`` is
  ``True``.

A claim of an unexpected type never makes a session unreadable. What does:
a payload that is not a JSON object, a missing or non-object ``user`` or
``tokenSet``, a ``sub`` that is neither a string nor a number (a number reads
as its text), SDK metadata that cannot be read (``internal`` other than an
object or ``null``, a ``createdAt`` that is not a number, an ``exp`` that is not
a number or ``null``).

Decoding tries one strict typed pass first (the common case: only known keys,
exactly typed, no ``null`` anywhere); anything else takes a slower pass that
applies the rules above. The key ``"$auth0_async.extra"`` names the ``extra``
field in msgspec's own encoding and is flattened away; a payload using it as a
key is still read and written back unchanged (it goes the slow way).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec

from ._wire import (
    EXTRA,
    FAIL,
    TABLES,
    bool_or_none,
    int_or_fail,
    int_or_none_or_fail,
    int_or_zero,
    merge,
    never,
    read,
    str_or_empty,
    str_or_fail,
    str_or_none,
    str_or_none_or_fail,
    table,
    unchanged,
)

if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import TypeAlias, TypeVar

    _T = TypeVar("_T")
    _Maybe: TypeAlias = _T | None
    _Extra: TypeAlias = dict[str, Any]
else:
    # What msgspec's strict decoder sees differs from what type checkers see. The
    # optional fields default to ``None``, but the strict decoder must refuse an
    # explicit ``null`` (and send the payload down the slow path, which keeps it)
    # rather than read it as the default that ``omit_defaults`` then drops; and it
    # must refuse a literal "$auth0_async.extra" key rather than fill ``extra`` from
    # it. Scanning payloads for those bytes would cost more than decoding them.

    class _NotNull:
        """``_Maybe[T]``: ``T | None`` to type checkers, plain ``T`` to msgspec."""

        def __getitem__(self, item: Any) -> Any:
            return item

    _Maybe = _NotNull()
    _Extra = msgspec.UnsetType  # no JSON value decodes to it

__all__ = [
    "AccessTokenSet",
    "Internal",
    "SessionData",
    "TokenSet",
    "User",
    "decode_session",
    "encode_session",
    "session_from_wire",
    "session_to_wire",
    "user_from_claims",
]


class _Base(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    omit_defaults=True,
    forbid_unknown_fields=True,
    rename={"extra": EXTRA},
):
    """Shared Struct configuration (strict decode; the lenient pass handles everything else)."""

    extra: _Extra = {}
    """Wire values kept as sent: undeclared keys, and declared keys whose value the
    typed field cannot represent exactly (see the module docstring)."""


def _masked_repr(struct: _Base, secrets: tuple[str, ...]) -> str:
    """Build a repr that never prints token values (they end up in logs)."""
    fields = TABLES[type(struct)]
    hidden = set(secrets) | {wire for wire, f in fields.items() if f.attr in secrets}
    parts = []
    for name in struct.__struct_fields__:
        value = getattr(struct, name)
        if name == "extra" and value:
            value = {k: "<redacted>" if k in hidden and v else v for k, v in value.items()}
        if value is None or (name == "extra" and not value):
            continue
        parts.append(f"{name}=<redacted>" if name in secrets and value else f"{name}={value!r}")
    return f"{type(struct).__name__}({', '.join(parts)})"


class User(_Base, frozen=True):
    """The user's profile claims (from the ID token, filtered by default).

    Declared claims are typed attributes; any other claim is in ``extra``. Item
    access (``user["claim"]``, ``user.get("claim")``, ``to_dict()``) gives the wire
    value, exactly as the provider or the cookie's writer sent it, while an
    attribute gives a typed reading: with Cognito's ``"email_verified": "true"``,
    ``user["email_verified"]`` is ``"true"`` and ``user.email_verified`` is
    ``True``; with ``"name": null``, ``user["name"]`` is ``None`` (present) and
    ``user.name`` is ``None``. Such wire values are kept in ``extra`` under their
    wire names and written back as long as the attribute is left unchanged.
    """

    sub: str
    """The subject; a numeric ``sub`` on the wire reads as its text."""
    name: _Maybe[str] = None
    nickname: _Maybe[str] = None
    given_name: _Maybe[str] = None
    family_name: _Maybe[str] = None
    picture: _Maybe[str] = None
    email: _Maybe[str] = None
    email_verified: _Maybe[bool] = None
    org_id: _Maybe[str] = None

    def get(self, claim: str, default: Any = None) -> Any:
        """Return a claim's wire value by its wire name, declared or not, or ``default``."""
        extra = self.extra
        if claim in extra:
            field = _USER_FIELDS.get(claim)
            if field is None or unchanged(self, field, extra[claim]):
                return extra[claim]
        if claim in _USER_FIELDS:
            value = getattr(self, claim)
            return default if value is None else value
        return default

    def __getitem__(self, claim: str) -> Any:
        sentinel = object()
        value = self.get(claim, sentinel)
        if value is sentinel:
            raise KeyError(claim)
        return value

    def to_dict(self) -> dict[str, Any]:
        """Return the claims as a plain JSON-ready dict, in the wire shape."""
        return merge(msgspec.to_builtins(self), self)


class TokenSet(
    _Base,
    frozen=True,
    rename={
        "access_token": "accessToken",
        "id_token": "idToken",
        "refresh_token": "refreshToken",
        "expires_at": "expiresAt",
        "requested_scope": "requestedScope",
    },
):
    """The tokens of the session's main audience."""

    access_token: str = ""
    expires_at: int = 0
    """Access-token expiry, epoch seconds (0 when unknown)."""
    id_token: _Maybe[str] = None
    refresh_token: _Maybe[str] = None
    scope: _Maybe[str] = None
    requested_scope: _Maybe[str] = None
    audience: _Maybe[str] = None
    token_type: _Maybe[str] = None

    def __repr__(self) -> str:
        return _masked_repr(self, ("access_token", "id_token", "refresh_token"))


class AccessTokenSet(
    _Base,
    frozen=True,
    rename={
        "access_token": "accessToken",
        "expires_at": "expiresAt",
        "requested_scope": "requestedScope",
    },
):
    """An access token cached for another audience (``accessTokens`` on the wire)."""

    access_token: str
    audience: str
    expires_at: int
    scope: _Maybe[str] = None
    requested_scope: _Maybe[str] = None
    token_type: _Maybe[str] = None

    def __repr__(self) -> str:
        return _masked_repr(self, ("access_token",))


class Internal(
    _Base,
    frozen=True,
    rename={
        "created_at": "createdAt",
        "session_expires_at": "sessionExpiresAt",
    },
):
    """SDK-owned session metadata; hooks and ``update_session`` cannot change it."""

    created_at: int
    """When the user logged in, epoch seconds; anchors the absolute lifetime."""
    sid: _Maybe[str] = None
    """The ID token's ``sid`` (the provider's session id)."""
    session_expires_at: _Maybe[int] = None
    """Upstream session ceiling from the ID token's ``session_expiry``, epoch seconds."""


class SessionData(
    _Base,
    frozen=True,
    rename={
        "token_set": "tokenSet",
        "access_tokens": "accessTokens",
    },
):
    """One user's session, as ``get_session`` returns it.

    Instances are immutable: derive a changed copy with
    ``msgspec.structs.replace(session, ...)`` and pass it to ``update_session``.
    Custom top-level keys (added by hooks or by a Next.js app sharing the cookie)
    live in ``extra`` under their wire names.

    Writing a session back gives the JSON it was read from, only ``exp``
    changing: values the typed attributes cannot represent exactly (an explicit
    ``null``, a string boolean, a float timestamp, a number where a string is
    declared) are kept as sent in the ``extra`` of their object and written
    again until the attribute is changed (see :class:`User`).
    """

    user: User
    token_set: TokenSet
    internal: _Maybe[Internal] = None
    access_tokens: _Maybe[list[AccessTokenSet]] = None
    exp: _Maybe[int] = None
    """The cookie's own expiry (JWT ``exp``), epoch seconds; set on every write."""

    def to_dict(self) -> dict[str, Any]:
        """Return the session as a plain JSON-ready dict in nextjs-auth0's wire shape.

        Prefer this to ``msgspec.json.encode(session)``, which would nest the
        ``extra`` mappings instead of flattening them into their objects.
        """
        return session_to_wire(self)


_STRICT_DECODER = msgspec.json.Decoder(SessionData)
_ENCODER = msgspec.json.Encoder()


def _internal_or_none(value: Any) -> Internal | None:
    if value is None:
        return None
    try:
        internal: Internal = read(Internal, value)
    except msgspec.ValidationError:
        internal = FAIL
    return internal


def _access_token_list(value: Any) -> list[AccessTokenSet] | None:
    """Read the entries that can be read; one that cannot is left out (and kept on the wire)."""
    if type(value) is not list:
        return None
    entries = []
    for item in value:
        try:
            entries.append(read(AccessTokenSet, item))
        except msgspec.ValidationError:  # noqa: PERF203 (rare: a malformed entry)
            continue
    return entries


_STR = (str_or_none, str)
_USER_FIELDS = table(
    User,
    {
        "sub": (str_or_fail, str),
        "email_verified": (bool_or_none, bool),
        **dict.fromkeys(
            ("name", "nickname", "given_name", "family_name", "picture", "email", "org_id"), _STR
        ),
    },
)
table(
    TokenSet,
    {
        "access_token": (str_or_empty, str),
        "expires_at": (int_or_zero, int),
        **dict.fromkeys(
            ("id_token", "refresh_token", "scope", "requested_scope", "audience", "token_type"),
            _STR,
        ),
    },
)
table(
    AccessTokenSet,
    {
        "access_token": (str_or_fail, str),
        "audience": (str_or_fail, str),
        "expires_at": (int_or_zero, int),
        "scope": _STR,
        "requested_scope": _STR,
        "token_type": _STR,
    },
)
table(
    Internal,
    {
        "created_at": (int_or_fail, int),
        "sid": (str_or_none_or_fail, str),
        "session_expires_at": (int_or_none_or_fail, int),
    },
)
# The nested objects are read by `_read_session`, and `exp` is rewritten on every
# write: neither is ever kept in `extra` by a read.
table(
    SessionData,
    {
        "user": (never, None),
        "token_set": (never, None),
        "internal": (_internal_or_none, None),
        "access_tokens": (_access_token_list, None),
        "exp": (never, None),
    },
)


def _read_session(obj: Any) -> SessionData:
    if type(obj) is not dict:
        raise msgspec.ValidationError("Expected a session object")
    values: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in obj.items():
        if key == "user":
            values["user"] = read(User, value)
        elif key == "tokenSet":
            values["token_set"] = read(TokenSet, value)
        elif key == "internal":
            if value is None:
                extra[key] = value
            else:
                values["internal"] = read(Internal, value)
        elif key == "accessTokens":
            entries = _access_token_list(value)
            values["access_tokens"] = entries
            if entries is None or len(entries) != len(value):
                extra[key] = value
        elif key == "exp":
            exp = int_or_none_or_fail(value)
            if exp is FAIL:
                raise msgspec.ValidationError("Invalid value for `exp`")
            values["exp"] = exp
        else:
            extra[key] = value
    if extra:
        values["extra"] = extra
    try:
        return SessionData(**values)
    except TypeError as exc:
        raise msgspec.ValidationError(f"SessionData: {exc}") from None


def session_from_wire(obj: Any) -> SessionData:
    """Build a SessionData from a decoded wire-shape mapping (nextjs JSON).

    Raises:
        msgspec.ValidationError: the mapping does not have the session's shape.

    """
    return _read_session(obj)


def user_from_claims(claims: Mapping[str, Any]) -> User:
    """Build a User from ID-token claims, keeping every claim's value as sent.

    A declared claim of an unexpected type (Cognito's ``"email_verified": "true"``,
    a numeric ``name``) is kept on the wire as sent; its attribute holds a reading.

    Raises:
        msgspec.ValidationError: no ``sub``, or one that is neither a string nor a number.

    """
    user: User = read(User, dict(claims))
    return user


def decode_session(payload: bytes) -> SessionData:
    """Decode a JSON session payload, keeping every wire value (see the module docstring).

    Raises:
        msgspec.DecodeError: the payload is not JSON or not a session.

    """
    try:
        session = _STRICT_DECODER.decode(payload)
    except msgspec.ValidationError:
        pass
    else:
        token_set = session.token_set
        # An explicit `expiresAt: 0` or `accessToken: ""` reads as the field's default,
        # which `omit_defaults` would drop: the slow path keeps it.
        if token_set.expires_at and token_set.access_token:
            return session
    return _read_session(msgspec.json.decode(payload))


def _has_extra(session: SessionData) -> bool:
    if session.extra or session.user.extra or session.token_set.extra:
        return True
    if session.internal is not None and session.internal.extra:
        return True
    return bool(session.access_tokens) and any(a.extra for a in session.access_tokens or ())


def session_to_wire(session: SessionData) -> dict[str, Any]:
    """Return the session as a plain dict in nextjs-auth0's wire shape."""
    obj: dict[str, Any] = msgspec.to_builtins(session)
    merge(obj["user"], session.user)
    merge(obj["tokenSet"], session.token_set)
    if session.internal is not None:
        merge(obj["internal"], session.internal)
    if session.access_tokens:
        for item, entry in zip(obj["accessTokens"], session.access_tokens, strict=True):
            merge(item, entry)
    return merge(obj, session)


def encode_session(session: SessionData, *, exp: int | None = None) -> bytes:
    """Encode a session to its JSON wire form, optionally replacing ``exp``."""
    if exp is not None and exp != session.exp:
        session = msgspec.structs.replace(session, exp=exp)
    if not _has_extra(session):
        return _ENCODER.encode(session)
    return _ENCODER.encode(session_to_wire(session))
