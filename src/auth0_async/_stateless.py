"""The stateless session store: the whole session lives in the encrypted, chunked cookie."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec

from ._cookies import (
    LEGACY_COOKIE_NAME,
    plan_chunked_write,
    read_chunked,
    read_legacy_chunked,
)
from ._crypto import JWEHeader, is_expired
from ._models import decode_session, encode_session, session_from_wire

if TYPE_CHECKING:
    from collections.abc import Callable

    from ._config import ResolvedCookie
    from ._context import RequestContext
    from ._crypto import CookieCipher
    from ._lifetime import Lifetime
    from ._models import SessionData

__all__ = ["MAX_COOKIE_CHARS", "CookieSessionStore"]

MAX_COOKIE_CHARS = 64 * 1024
"""Longer (reassembled) cookie values are refused without decrypting."""

# Keys of a v3 session that map into the v4 token set (the rest are kept as-is).
_V3_TOKEN_KEYS = {
    "idToken": "idToken",
    "accessToken": "accessToken",
    "accessTokenScope": "scope",
    "refreshToken": "refreshToken",
    "accessTokenExpiresAt": "expiresAt",
}
_MODERN = JWEHeader()
_DECODE_ERRORS = (msgspec.DecodeError, ValueError, TypeError, RecursionError)


def _from_v3(header: JWEHeader, plaintext: bytes) -> SessionData | None:
    obj = msgspec.json.decode(plaintext)
    if not isinstance(obj, dict) or not isinstance(obj.get("user"), dict):
        return None
    user: dict[str, Any] = obj["user"]
    token_set = {new: obj[old] for old, new in _V3_TOKEN_KEYS.items() if obj.get(old) is not None}
    internal: dict[str, Any] = {"createdAt": header.iat}
    if isinstance(user.get("sid"), str):
        internal["sid"] = user["sid"]
    wire: dict[str, Any] = {k: v for k, v in obj.items() if k not in _V3_TOKEN_KEYS}
    wire.update(user=user, tokenSet=token_set, internal=internal)
    if header.exp is not None:
        wire["exp"] = header.exp
    return session_from_wire(wire)


class CookieSessionStore:
    """Reads, writes and deletes the session cookie of one request context."""

    __slots__ = ("_cache", "_cipher", "_clock", "_cookie", "_lifetime")

    stateful = False
    cache_size = 256
    """Decrypted payloads remembered, keyed by the exact cookie value (a browser resends the
    same value until it changes). A hit skips base64 and AES-GCM only: the payload is decoded
    into fresh objects and ``exp`` and the lifetimes are checked as on a miss."""

    def __init__(
        self,
        *,
        cipher: CookieCipher,
        cookie: ResolvedCookie,
        lifetime: Lifetime,
        clock: Callable[[], float],
    ) -> None:
        self._cipher = cipher
        self._cookie = cookie
        self._lifetime = lifetime
        self._clock = clock
        self._cache: dict[str, bytes] = {}

    def _remember(self, value: str, plaintext: bytes) -> None:
        cache = self._cache
        if self.cache_size <= 0:
            return
        if len(cache) >= self.cache_size:
            del cache[next(iter(cache))]  # the oldest entry
        cache[value] = plaintext

    async def read(self, ctx: RequestContext) -> SessionData | None:
        """Return the request's session, or ``None`` for anything that is not a live session.

        Never raises for any cookie a client can send.
        """
        if not ctx.has_cookies:
            return None
        name = self._cookie.name
        value = ctx.cookie(name) or read_chunked(ctx.cookies, name)
        if value is None and name != LEGACY_COOKIE_NAME:
            value = read_legacy_chunked(ctx.cookies)
        if value is None or len(value) > MAX_COOKIE_CHARS:
            return None
        cached = self._cache.get(value)
        if cached is not None:
            header, plaintext = _MODERN, cached
        else:
            opened = self._cipher.decrypt(value)
            if opened is None:
                return None
            header, plaintext = opened
        try:
            session = _from_v3(header, plaintext) if header.legacy else decode_session(plaintext)
        except _DECODE_ERRORS:
            return None
        if session is None:
            return None
        now = self._clock()
        if is_expired(session.exp, now) or not self._lifetime.is_live(session, now):
            return None
        if cached is None and not header.legacy:
            self._remember(value, plaintext)
        return session

    async def write(
        self, ctx: RequestContext, session: SessionData, *, is_new: bool = False
    ) -> SessionData | None:
        """Queue the cookie(s) carrying ``session`` and return it as written (new ``exp``)."""
        now = self._clock()
        created_at = session.internal.created_at if session.internal is not None else int(now)
        exp = self._lifetime.expires_at(created_at, now)
        max_age = exp - int(now)
        if max_age <= 0:
            await self.delete(ctx)  # the session's lifetime is over: saving it means ending it
            return msgspec.structs.replace(session, exp=exp)
        written = msgspec.structs.replace(session, exp=exp)
        payload = encode_session(written)
        value = self._cipher.encrypt(payload)
        self._remember(value, payload)
        cookie = self._cookie
        attributes = cookie.for_request(ctx.https)
        writes, deletes = plan_chunked_write(cookie.name, value, ctx.cookies)
        cookie_max_age = None if cookie.transient else max_age
        for cookie_name, piece in writes:
            ctx.set_cookie(
                cookie_name, piece, attributes, max_age=cookie_max_age, now=now, encoded=True
            )
        for cookie_name in deletes:
            ctx.delete_cookie(cookie_name, attributes)
        if cookie.name != LEGACY_COOKIE_NAME:
            ctx.delete_family(LEGACY_COOKIE_NAME, attributes, legacy=True)
        ctx.session = written
        ctx.session_written = True
        ctx.no_store = True
        return written

    async def delete(self, ctx: RequestContext) -> None:
        """Queue deletion of the session cookie, its chunks and any legacy cookie."""
        attributes = self._cookie.for_request(ctx.https)
        ctx.delete_family(self._cookie.name, attributes)
        if self._cookie.name != LEGACY_COOKIE_NAME:
            ctx.delete_family(LEGACY_COOKIE_NAME, attributes, legacy=True)
        ctx.session = None
        ctx.session_written = True
        ctx.no_store = True
