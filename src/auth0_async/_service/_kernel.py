"""The service kernel: one object that owns every session operation of one client.

:class:`Kernel` holds the request binding (a context variable), the session
persistence (cookie or store) and the services built on it: login, logout and
access tokens. The public ``Auth0Client`` and the HTTP edge both call into it;
it never calls back into either.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING

import msgspec

from .._core._context import UNREAD
from .._exceptions import MissingSessionError
from ._hooks import allow_roll

if TYPE_CHECKING:
    from .._core._config import ResolvedCookie, SessionConfig
    from .._core._context import RequestContext
    from .._core._lifetime import Lifetime
    from .._core._models import SessionData
    from .._core._tracing import Tracing
    from .._sessions._persistence import SessionPersistence
    from .._types import Clock
    from ._login import LoginService
    from ._logout import LogoutService
    from ._origin import AppOrigin
    from ._provider import Provider
    from ._tokens import AccessTokenService

__all__ = ["Kernel"]


class Kernel:
    """Everything one client does with sessions, below the HTTP edge."""

    __slots__ = (
        "clock",
        "context",
        "cookie",
        "lifetime",
        "login",
        "logout",
        "origin",
        "provider",
        "read",
        "scope_key",
        "session_config",
        "sessions",
        "tokens",
        "tracing",
    )

    def __init__(
        self,
        *,
        sessions: SessionPersistence,
        cookie: ResolvedCookie,
        session_config: SessionConfig,
        lifetime: Lifetime,
        provider: Provider,
        origin: AppOrigin,
        login: LoginService,
        logout: LogoutService,
        tokens: AccessTokenService,
        clock: Clock,
        tracing: Tracing,
    ) -> None:
        self.sessions = sessions
        self.read = sessions.read
        """Return the request's session, or ``None`` (read once per request; see SessionPersistence)."""
        self.cookie = cookie
        self.session_config = session_config
        self.lifetime = lifetime
        self.provider = provider
        self.origin = origin
        self.login = login
        self.logout = logout
        self.tokens = tokens
        self.clock = clock
        self.tracing = tracing
        """The tracer slot the services share (``auth0_async.otel.instrument`` fills it)."""
        # One context variable and one scope key per kernel: two clients in one app never
        # see each other's requests.
        self.scope_key = f"auth0_async.context.{id(self):x}"
        self.context: ContextVar[RequestContext | None] = ContextVar(self.scope_key, default=None)

    async def update(self, ctx: RequestContext, session: SessionData) -> None:
        """Save a changed session; it keeps the current one's ``internal`` (login time, ``sid``).

        A session for another user is saved as a new one (a new stateful id).

        Raises:
            MissingSessionError: the request has no session to update.
            SessionStoreError: the store failed.

        """
        existing = await self.read(ctx)
        if existing is None:
            raise MissingSessionError("The user is not authenticated.")
        if session.internal is not existing.internal:
            session = msgspec.structs.replace(session, internal=existing.internal)
        # The store copies ``session`` as it writes it.
        await self.sessions.write(ctx, session, is_new=session.user != existing.user)

    def may_roll(self, ctx: RequestContext) -> bool:
        """Whether :meth:`roll` could write anything (``False`` is certain and costs no I/O)."""
        if ctx.session_written:
            return False
        session = ctx.session
        if session is UNREAD:
            return True  # only a read can tell
        return session is not None and self.lifetime.roll_due(
            session,  # type: ignore[arg-type]
            self.clock(),
        )

    async def roll(self, ctx: RequestContext) -> None:
        """Re-issue the session cookie when rolling is due and nothing else wrote it."""
        if ctx.session_written:
            return
        session = await self.read(ctx)
        if session is None or not self.lifetime.roll_due(session, self.clock()):
            return
        hook = self.session_config.before_session_rolled
        if hook is not None and not await allow_roll(hook, ctx):
            return
        await self.sessions.write(ctx, session)
