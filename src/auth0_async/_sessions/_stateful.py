"""Stateful sessions: the session lives in a :class:`SessionStore`; the cookie holds its encrypted id.

The cookie value is a JWE of ``{"id": <session id>, "exp": <epoch s>}`` (the
nextjs-auth0 v4 shape), never chunked. Login always mints a new id and deletes
the old record (no session fixation). A rolling or updating write uses the
store's atomic ``update``: when the record is gone (a logout or back-channel
logout won the race) nothing is written, so a deleted session never comes back.
Every store call runs under a timeout, and failures surface as
:class:`SessionStoreError` — never as a silent logout.
"""

from __future__ import annotations

import logging
import secrets
from typing import TYPE_CHECKING, Any

import msgspec

from .._core._context import UNREAD
from .._core._cookies import LEGACY_COOKIE_NAME
from .._core._lifetime import is_expired
from .._core._tracing import Tracing
from .._deadlines import deadline
from .._exceptions import SessionStoreError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from .._core._config import ResolvedCookie
    from .._core._context import RequestContext
    from .._core._crypto import CookieCipher
    from .._core._lifetime import Lifetime
    from .._core._models import SessionData
    from .._core._protocols import SessionStore

__all__ = ["StatefulSessionStore"]

logger = logging.getLogger("auth0_async")


def _log_store_error(operation: str, message: str) -> None:
    # The operation and the error's own message only: never the session id or its data.
    logger.warning(
        "%s",
        message,
        extra={"event": "auth0_async.store.error", "operation": operation},
    )


class _IdCookie(msgspec.Struct, frozen=True):
    id: str
    exp: int | None = None


_ID_DECODER = msgspec.json.Decoder(_IdCookie)
_MAX_ID_CHARS = 64


class StatefulSessionStore:
    """Reads, writes and deletes sessions kept in a user-supplied :class:`SessionStore`."""

    stateful = True

    def __init__(
        self,
        *,
        store: SessionStore,
        cipher: CookieCipher,
        cookie: ResolvedCookie,
        lifetime: Lifetime,
        clock: Callable[[], float],
        timeout: float,
        tracing: Tracing | None = None,
    ) -> None:
        self.store = store
        self._cipher = cipher
        self._cookie = cookie
        self._lifetime = lifetime
        self._clock = clock
        self._timeout = timeout
        self._tracing = tracing if tracing is not None else Tracing()

    async def call(self, what: str, operation: Awaitable[Any]) -> Any:
        """Await a store operation under the timeout; any failure becomes :class:`SessionStoreError`."""
        try:
            async with deadline(self._timeout):
                return await operation
        except SessionStoreError as exc:
            _log_store_error(what, exc.message)
            raise
        except TimeoutError:
            message = f"the session store did not answer {what} in {self._timeout:g}s"
            _log_store_error(what, message)
            raise SessionStoreError(message) from None
        except Exception as exc:
            message = f"the session store failed on {what}: {type(exc).__name__}"
            _log_store_error(what, message)
            raise SessionStoreError(message) from exc

    async def _traced(self, what: str, operation: Awaitable[Any]) -> Any:
        """:meth:`call` inside an ``auth0_async.store.<what>`` span (writes only: reads stay bare)."""
        with self._tracing.span(f"auth0_async.store.{what}", {"auth0_async.store.operation": what}):
            return await self.call(what, operation)

    def _session_id(self, ctx: RequestContext) -> str | None:
        value = ctx.cookie(self._cookie.name)
        if not value or len(value) > 1024:
            return None
        opened = self._cipher.decrypt(value)
        if opened is None:
            return None
        try:
            cookie = _ID_DECODER.decode(opened[1])
        except msgspec.DecodeError:
            return None
        if is_expired(cookie.exp, self._clock()) or not cookie.id or len(cookie.id) > _MAX_ID_CHARS:
            return None
        return cookie.id

    async def read(self, ctx: RequestContext) -> SessionData | None:
        """Return the request's session from the store, or ``None``.

        The store is asked once per request: the result stays on ``ctx``
        (where writes update it).

        Raises:
            SessionStoreError: the store failed or timed out.

        """
        session = ctx.session
        if session is UNREAD:
            session = ctx.session = await self._load(ctx)
        return session  # type: ignore[return-value]

    async def end_sessions(self, *, sid: str | None, sub: str | None, iss: str | None) -> int:
        """Delete every stored session a back-channel logout token names; return how many.

        Raises:
            SessionStoreError: the store failed or timed out.

        """
        count: int = await self._traced(
            "delete_by_logout_token", self.store.delete_by_logout_token(sid=sid, sub=sub, iss=iss)
        )
        return count

    async def _load(self, ctx: RequestContext) -> SessionData | None:
        if not ctx.has_cookies:
            return None
        session_id = self._session_id(ctx)
        if session_id is None:
            return None
        session: SessionData | None = await self.call("get", self.store.get(session_id))
        if session is None:
            return None
        now = self._clock()
        if not self._lifetime.is_live(session, now):
            if self._lifetime.past_ceiling(session, now):
                ctx.session_expired = True
            return None
        return session

    async def write(
        self, ctx: RequestContext, session: SessionData, *, is_new: bool = False
    ) -> SessionData | None:
        """Save ``session`` and queue its id cookie; ``None`` when the record vanished meanwhile.

        ``is_new`` (login, or a change of user) mints a new id and deletes the old record.

        Raises:
            SessionStoreError: the store failed or timed out.

        """
        now = self._clock()
        created_at = session.internal.created_at if session.internal is not None else int(now)
        exp = self._lifetime.expires_at(created_at, now)
        max_age = exp - int(now)
        if max_age <= 0:
            await self.delete(ctx)
            return None
        written = msgspec.structs.replace(session, exp=exp)
        current = self._session_id(ctx)
        if is_new or current is None:
            if current is not None:
                await self._traced("delete", self.store.delete(current))
            session_id = secrets.token_hex(16)
            await self._traced("set", self.store.set(session_id, written, expires_at=exp))
        else:
            session_id = current
            updated = await self._traced(
                "update", self.store.update(session_id, written, expires_at=exp)
            )
            if not updated:
                ctx.session = None  # logged out concurrently: do not resurrect it
                return None
        value = self._cipher.encrypt(msgspec.json.encode(_IdCookie(id=session_id, exp=exp)))
        attributes = self._cookie.for_request(ctx.https)
        ctx.set_cookie(
            self._cookie.name,
            value,
            attributes,
            max_age=None if self._cookie.transient else max_age,
            now=now,
            encoded=True,  # a JWE needs no percent-encoding
        )
        self._delete_others(ctx, keep=self._cookie.name)
        if is_new:  # a new login never inherits the connection tokens of the one before
            ctx.delete_connection_cookies(attributes)
        ctx.session = written
        ctx.session_written = True
        ctx.no_store = True
        return written

    async def delete(self, ctx: RequestContext) -> None:
        """Delete the record (when the cookie names one) and queue deletion of the cookies.

        Raises:
            SessionStoreError: the store failed or timed out (the cookies are deleted anyway).

        """
        session_id = self._session_id(ctx)
        if self._cookie.name in ctx.cookies:
            ctx.delete_cookie(self._cookie.name, self._cookie.for_request(ctx.https))
        self._delete_others(ctx, keep=None)
        ctx.delete_connection_cookies(self._cookie.for_request(ctx.https))
        ctx.session = None
        ctx.session_written = True
        ctx.no_store = True
        if session_id is not None:
            await self._traced("delete", self.store.delete(session_id))

    def _delete_others(self, ctx: RequestContext, *, keep: str | None) -> None:
        """Delete chunk cookies of the name (left by stateless mode) and legacy cookies."""
        attributes = self._cookie.for_request(ctx.https)
        ctx.delete_family(self._cookie.name, attributes, chunks_only=True)
        if keep != LEGACY_COOKIE_NAME:
            ctx.delete_family(LEGACY_COOKIE_NAME, attributes, legacy=True)
