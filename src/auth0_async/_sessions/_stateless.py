"""The stateless session store: the whole session lives in the encrypted, chunked cookie."""

from __future__ import annotations

import contextlib
import re
from typing import TYPE_CHECKING, Any

import msgspec

from .._core._context import UNREAD
from .._core._cookies import (
    CHUNK_SIZE,
    LEGACY_COOKIE_NAME,
    plan_chunked_write,
    read_chunked,
    read_legacy_chunked,
)
from .._core._crypto import JWEHeader
from .._core._lifetime import is_expired
from .._core._models import decode_session, encode_session, session_from_wire

if TYPE_CHECKING:
    from collections.abc import Callable

    from .._core._config import ResolvedCookie
    from .._core._context import RequestContext
    from .._core._cookies import CookieAttributes
    from .._core._crypto import CookieCipher
    from .._core._lifetime import Lifetime
    from .._core._models import SessionData

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
_TAG_CHARS = 22  # base64url of a 16-byte GCM tag
_PAYLOAD_KEY_BYTES = 64
_DECODE_ERRORS = (msgspec.DecodeError, ValueError, TypeError, RecursionError)
_MAX_NESTING = 256
"""Deepest JSON nesting a session cookie may have. msgspec's own limit is the C recursion
limit, which differs by Python (about 1,000 up to 3.11, 10,000 on 3.13): this one does not."""
_JSON_STRUCTURE = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


def _nesting_within(payload: bytes, limit: int = _MAX_NESTING) -> bool:
    """Return whether no JSON array or object in ``payload`` nests deeper than ``limit``."""
    if payload.count(b"[") + payload.count(b"{") <= limit:
        return True  # too few openers to nest that deep
    depth = 0
    for match in _JSON_STRUCTURE.finditer(payload):  # strings are matched whole, so skipped
        token = match[0]
        if token in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return False
        elif token in (b"]", b"}"):
            depth -= 1
    return True


def _drop_oldest(table: dict[Any, Any]) -> None:
    # Another thread sharing the client (sync code calling in through its own loop) may
    # have emptied or changed the table between the two steps: losing a cache entry is fine.
    with contextlib.suppress(KeyError, RuntimeError, StopIteration):
        del table[next(iter(table))]


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

    __slots__ = (
        "_cache",
        "_cipher",
        "_clock",
        "_cookie",
        "_lifetime",
        "_sealed",
        "_stale_prefixes",
    )

    stateful = False
    cache_size = 256
    """Decrypted payloads remembered for the exact cookie value (a browser resends the same
    value until it changes). A hit skips base64 and AES-GCM only: the payload is decoded
    into fresh objects and ``exp`` and the lifetimes are checked as on a miss."""
    reuse_size = 64
    """Recent tokens remembered by their plaintext. Writing a byte-identical payload again
    (the same session with the same ``exp`` second: a burst of rolling re-issues, or a
    client that keeps sending an old cookie) sends the same token instead of encrypting
    it anew. An identical token for an identical plaintext reveals nothing new."""

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
        # Cookies a write may have to delete start with these: chunks of ours, a v3 cookie.
        legacy = () if cookie.name == LEGACY_COOKIE_NAME else (LEGACY_COOKIE_NAME,)
        self._stale_prefixes = (f"{cookie.name}__", *legacy)
        # Keyed by the token's last segment, its GCM tag (22 chars: cheap to hash, unlike
        # the whole value), holding the whole value: a hit needs the exact same cookie.
        self._cache: dict[str, tuple[str, bytes]] = {}
        # Keyed by the payload's tail (it holds ``sid``, ``createdAt`` and ``exp``), holding
        # the whole payload: a hit needs a byte-identical one.
        self._sealed: dict[bytes, tuple[bytes, str]] = {}

    def _remember(self, value: str, plaintext: bytes) -> None:
        cache = self._cache
        if self.cache_size <= 0:
            return
        if len(cache) >= self.cache_size:
            _drop_oldest(cache)
        cache[value[-_TAG_CHARS:]] = (value, plaintext)

    def _seal(self, payload: bytes) -> str:
        """Encrypt ``payload``, or return the token made for a byte-identical one."""
        reuse = self.reuse_size > 0
        sealed = self._sealed
        key = payload[-_PAYLOAD_KEY_BYTES:]
        if reuse:
            entry = sealed.get(key)
            if entry is not None and entry[0] == payload:
                return entry[1]
        value = self._cipher.encrypt(payload)
        if reuse:
            if len(sealed) >= self.reuse_size:
                _drop_oldest(sealed)
            sealed[key] = (payload, value)
        self._remember(value, payload)
        return value

    def _recall(self, value: str) -> bytes | None:
        entry = self._cache.get(value[-_TAG_CHARS:])
        if entry is not None and entry[0] == value:
            return entry[1]
        return None

    async def read(self, ctx: RequestContext) -> SessionData | None:
        """Return the request's session, or ``None`` for anything that is not a live session.

        The cookie is decoded once per request: the result stays on ``ctx``
        (where writes update it). Never raises for any cookie a client can send.
        """
        session = ctx.session
        if session is UNREAD:
            session = ctx.session = self._load(ctx)
        return session  # type: ignore[return-value]

    def _load(self, ctx: RequestContext) -> SessionData | None:
        if not ctx.has_cookies:
            return None
        name = self._cookie.name
        value = ctx.cookie(name) or read_chunked(ctx.cookies, name)
        if value is None and name != LEGACY_COOKIE_NAME:
            value = read_legacy_chunked(ctx.cookies)
        if value is None or len(value) > MAX_COOKIE_CHARS:
            return None
        cached = self._recall(value)
        if cached is not None:
            header, plaintext = _MODERN, cached
        else:
            opened = self._cipher.decrypt(value)
            if opened is None:
                return None
            header, plaintext = opened
            if not _nesting_within(plaintext):
                return None
        try:
            session = _from_v3(header, plaintext) if header.legacy else decode_session(plaintext)
        except _DECODE_ERRORS:
            return None
        if session is None:
            return None
        now = self._clock()
        if is_expired(session.exp, now) or not self._lifetime.is_live(session, now):
            if self._lifetime.past_ceiling(session, now):
                ctx.session_expired = True
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
        written = msgspec.structs.replace(session, exp=exp)
        if max_age <= 0:
            await self.delete(ctx)  # the session's lifetime is over: saving it means ending it
            return written
        value = self._seal(encode_session(written))
        cookie = self._cookie
        attributes = cookie.for_request(ctx.https)
        if is_new:  # a new login never inherits the connection tokens of the one before
            ctx.delete_connection_cookies(attributes)
        cookie_max_age = None if cookie.transient else max_age
        # Usually empty, and then found without parsing the Cookie header.
        stale = ctx.names_starting(self._stale_prefixes)
        if not stale and len(value) <= CHUNK_SIZE:  # one cookie, nothing to delete
            ctx.set_cookie(cookie.name, value, attributes, cookie_max_age, now, True)
        else:
            self._write_chunked(ctx, value, stale, attributes, cookie_max_age, now)
        ctx.session = written
        ctx.session_written = True
        ctx.no_store = True
        return written

    def _write_chunked(
        self,
        ctx: RequestContext,
        value: str,
        stale: list[str],
        attributes: CookieAttributes,
        cookie_max_age: int | None,
        now: float,
    ) -> None:
        cookie = self._cookie
        writes, deletes = plan_chunked_write(cookie.name, value, stale)
        for cookie_name, piece in writes:
            ctx.set_cookie(
                cookie_name, piece, attributes, max_age=cookie_max_age, now=now, encoded=True
            )
        for cookie_name in deletes:
            ctx.delete_cookie(cookie_name, attributes)
        if len(self._stale_prefixes) > 1 and any(n.startswith(LEGACY_COOKIE_NAME) for n in stale):
            ctx.delete_family(LEGACY_COOKIE_NAME, attributes, legacy=True)

    async def delete(self, ctx: RequestContext) -> None:
        """Queue deletion of the session cookie, its chunks, any legacy and ``__FC_<n>`` cookie."""
        attributes = self._cookie.for_request(ctx.https)
        ctx.delete_family(self._cookie.name, attributes)
        if self._cookie.name != LEGACY_COOKIE_NAME:
            ctx.delete_family(LEGACY_COOKIE_NAME, attributes, legacy=True)
        ctx.delete_connection_cookies(attributes)
        ctx.session = None
        ctx.session_written = True
        ctx.no_store = True
