"""Session data as msgspec Structs: snake_case in Python, nextjs-auth0 v4's camelCase on the wire.

Nothing a cookie carries is dropped. Keys the Structs do not declare (custom
claims in ``user``, custom top-level keys added by hooks, fields a newer
nextjs-auth0 adds to ``tokenSet``) are kept in each Struct's ``extra`` mapping
and written back unchanged. Decoding tries one strict typed pass first (the
common case: only known keys); when a payload holds unknown keys, a slower
pass splits them out.

Declared fields are written only when they differ from their default, so an
explicit ``null`` for a declared optional field (or ``expiresAt: 0``) reads
back as absent; both mean the same to every reader.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec

if TYPE_CHECKING:
    from collections.abc import Mapping

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

# The name of the `extra` field on the wire. It never appears in a real payload:
# `extra` is flattened into its parent object on encode.
_EXTRA = "$auth0_async.extra"


class _Base(
    msgspec.Struct,
    frozen=True,
    kw_only=True,
    omit_defaults=True,
    forbid_unknown_fields=True,
    rename={"extra": _EXTRA},
):
    """Shared Struct configuration (strict decode; the lenient pass handles unknown keys)."""

    extra: dict[str, Any] = {}
    """Keys found on the wire that this Struct does not declare, kept as decoded."""


def _masked_repr(struct: _Base, secrets: tuple[str, ...]) -> str:
    """Build a repr that never prints token values (they end up in logs)."""
    parts = []
    for name in struct.__struct_fields__:
        value = getattr(struct, name)
        if value is None or (name == "extra" and not value):
            continue
        parts.append(f"{name}=<redacted>" if name in secrets and value else f"{name}={value!r}")
    return f"{type(struct).__name__}({', '.join(parts)})"


class User(_Base, frozen=True):
    """The user's profile claims (from the ID token, filtered by default).

    Declared claims are attributes; any other claim is in ``extra`` and reachable
    by its wire name with ``user["claim"]`` or ``user.get("claim")``.
    """

    sub: str
    name: str | None = None
    nickname: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    picture: str | None = None
    email: str | None = None
    email_verified: bool | None = None
    org_id: str | None = None

    def get(self, claim: str, default: Any = None) -> Any:
        """Return a claim by its wire name, declared or not, or ``default``."""
        if claim in self.extra:
            return self.extra[claim]
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
        result: dict[str, Any] = _to_wire(self)
        return result


_USER_FIELDS = frozenset(User.__struct_fields__) - {"extra"}


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
    id_token: str | None = None
    refresh_token: str | None = None
    scope: str | None = None
    requested_scope: str | None = None
    audience: str | None = None
    token_type: str | None = None

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
    scope: str | None = None
    requested_scope: str | None = None
    token_type: str | None = None

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
    sid: str | None = None
    """The ID token's ``sid`` (the provider's session id)."""
    session_expires_at: int | None = None
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
    """

    user: User
    token_set: TokenSet
    internal: Internal | None = None
    access_tokens: list[AccessTokenSet] | None = None
    exp: int | None = None
    """The cookie's own expiry (JWT ``exp``), epoch seconds; set on every write."""

    def to_dict(self) -> dict[str, Any]:
        """Return the session as a plain JSON-ready dict in nextjs-auth0's wire shape.

        Prefer this to ``msgspec.json.encode(session)``, which would nest the
        ``extra`` mappings instead of flattening them into their objects.
        """
        return session_to_wire(self)


_STRICT_DECODER = msgspec.json.Decoder(SessionData)
_ENCODER = msgspec.json.Encoder()


def _wire_names(cls: type[_Base]) -> frozenset[str]:
    return frozenset(n for n in cls.__struct_encode_fields__ if n != _EXTRA)


_KNOWN: dict[type[_Base], frozenset[str]] = {
    cls: _wire_names(cls) for cls in (SessionData, User, TokenSet, AccessTokenSet, Internal)
}


def _split(cls: type[_Base], obj: Any) -> Any:
    """Move the keys ``cls`` does not declare into its ``extra`` slot (recursively)."""
    if not isinstance(obj, dict):
        return obj  # let msgspec.convert report the type error
    known = _KNOWN[cls]
    out: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in obj.items():
        if key in known:
            out[key] = value
        else:
            extra[key] = value
    if cls is SessionData:
        if "user" in out:
            out["user"] = _split(User, out["user"])
        if "tokenSet" in out:
            out["tokenSet"] = _split(TokenSet, out["tokenSet"])
        if isinstance(out.get("internal"), dict):
            out["internal"] = _split(Internal, out["internal"])
        if isinstance(out.get("accessTokens"), list):
            out["accessTokens"] = [_split(AccessTokenSet, item) for item in out["accessTokens"]]
    if extra:
        out[_EXTRA] = extra
    return out


def session_from_wire(obj: Any) -> SessionData:
    """Build a SessionData from a decoded wire-shape mapping (nextjs JSON).

    Raises:
        msgspec.ValidationError: the mapping does not have the session's shape.

    """
    return msgspec.convert(_split(SessionData, obj), SessionData, strict=False)


def user_from_claims(claims: Mapping[str, Any]) -> User:
    """Build a User from ID-token claims, keeping undeclared claims in ``extra``.

    Raises:
        msgspec.ValidationError: no string ``sub``.

    """
    split = _split(User, dict(claims))
    try:
        return msgspec.convert(split, User, strict=False)
    except msgspec.ValidationError:
        pass
    # A provider sent a declared claim with an unexpected type (say a numeric
    # "name"): keep it, untouched, among the undeclared claims instead of failing.
    extra = dict(split.pop(_EXTRA, {}))
    for key in [k for k in split if k != "sub"]:
        try:
            msgspec.convert({"sub": "", key: split[key]}, User, strict=False)
        except msgspec.ValidationError:  # noqa: PERF203 (a one-off repair at login)
            extra[key] = split.pop(key)
    split[_EXTRA] = extra
    return msgspec.convert(split, User, strict=False)


def decode_session(payload: bytes) -> SessionData:
    """Decode a JSON session payload, keeping unknown keys in ``extra``.

    Raises:
        msgspec.DecodeError: the payload is not JSON or not a session.

    """
    try:
        return _STRICT_DECODER.decode(payload)
    except msgspec.ValidationError:
        # Unknown keys or loosely typed values (a float timestamp, say): take the
        # slow path, which keeps every unknown key and coerces what it can.
        return session_from_wire(msgspec.json.decode(payload))


def _has_extra(session: SessionData) -> bool:
    if session.extra or session.user.extra or session.token_set.extra:
        return True
    if session.internal is not None and session.internal.extra:
        return True
    return bool(session.access_tokens) and any(a.extra for a in session.access_tokens or ())


def _flatten(obj: Any) -> Any:
    if isinstance(obj, dict):
        extra = obj.pop(_EXTRA, None)
        for key, value in obj.items():
            obj[key] = _flatten(value)
        if extra:
            for key, value in extra.items():
                obj.setdefault(key, value)
        return obj
    if isinstance(obj, list):
        return [_flatten(item) for item in obj]
    return obj


def _to_wire(struct: _Base) -> Any:
    return _flatten(msgspec.to_builtins(struct))


def session_to_wire(session: SessionData) -> dict[str, Any]:
    """Return the session as a plain dict in nextjs-auth0's wire shape."""
    result: dict[str, Any] = _to_wire(session)
    return result


def encode_session(session: SessionData, *, exp: int | None = None) -> bytes:
    """Encode a session to its JSON wire form, optionally replacing ``exp``."""
    if exp is not None and exp != session.exp:
        session = msgspec.structs.replace(session, exp=exp)
    if not _has_extra(session):
        return _ENCODER.encode(session)
    return _ENCODER.encode(_to_wire(session))
