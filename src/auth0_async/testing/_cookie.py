"""Mint session cookies for tests, like nextjs-auth0's ``generateSessionCookie``."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import msgspec

from .._core._crypto import CookieCipher
from .._core._models import Internal, SessionData, encode_session, session_from_wire
from .._exceptions import ConfigurationError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .._types import Clock

__all__ = ["generate_session_cookie"]


def generate_session_cookie(
    session: SessionData | Mapping[str, Any],
    *,
    secret: str,
    expires_in: int = 3600,
    clock: Clock | None = None,
) -> str:
    """Return a session cookie *value* (set it as ``__session=<value>``).

    ``session`` is a :class:`~auth0_async.SessionData` or a mapping in the wire
    (nextjs-auth0 JSON) shape. When ``internal`` is absent (or ``None`` on a
    SessionData) it is filled with ``{"sid": "auth0-sid", "createdAt": now}``; an
    explicit ``"internal": None`` in a mapping is kept, as nextjs-auth0 does. The
    cookie expires ``expires_in`` seconds from now. The value is never chunked.

    Raises:
        ConfigurationError: an empty secret or a non-positive ``expires_in``.
        ValueError: the mapping does not have a session's shape.

    """
    if expires_in <= 0:
        raise ConfigurationError("expires_in must be > 0")
    now = int((clock or time.time)())
    if isinstance(session, SessionData):
        wire_has_internal = session.internal is not None
        data = session
    else:
        wire_has_internal = "internal" in session
        try:
            data = session_from_wire(dict(session))
        except msgspec.ValidationError as exc:
            raise ValueError(f"not a valid session mapping: {exc}") from None
    if not wire_has_internal:
        data = msgspec.structs.replace(data, internal=Internal(sid="auth0-sid", created_at=now))
    return CookieCipher([secret]).encrypt(encode_session(data, exp=now + expires_in))
