"""The tenant's own login sessions (SSO) of :class:`~auth0_async.testing.MockAuth0`.

A browser that logged in carries the ``mock_auth0_session`` cookie; the
tenant keeps only a hash of its value, bounded in number and expiring.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from ._mock_state import Expiring, TenantSession, token_key

if TYPE_CHECKING:
    from collections.abc import Callable

    from ._mock_http import Request

__all__ = ["SESSION_COOKIE", "TenantSessions"]

SESSION_COOKIE = "mock_auth0_session"
_SESSION_TTL = 3 * 24 * 3600
_MAX_SESSIONS = 1_000


class TenantSessions:
    """Tenant sessions by cookie, with the ``Set-Cookie`` headers that start and end them."""

    __slots__ = ("_now", "_secure", "_sessions")

    def __init__(self, *, secure: bool, now: Callable[[], float]) -> None:
        self._secure = secure
        self._now = now
        self._sessions: Expiring[TenantSession] = Expiring(_MAX_SESSIONS, now)

    def start(self, sub: str) -> tuple[TenantSession, str]:
        """Start a session for ``sub``; return it and the new cookie value."""
        now = int(self._now())
        cookie = secrets.token_urlsafe(32)
        session = TenantSession(sid=secrets.token_urlsafe(16), sub=sub, auth_time=now)
        self._sessions.put(token_key(cookie), session, expires_at=now + _SESSION_TTL)
        return session, cookie

    def of(self, request: Request) -> TenantSession | None:
        """Return the live session whose cookie ``request`` carries, if any."""
        cookie = request.cookie(SESSION_COOKIE)
        return None if cookie is None else self._sessions.get(token_key(cookie))

    def set_cookie(self, cookie: str) -> tuple[str, str]:
        """Return the ``Set-Cookie`` header that hands ``cookie`` to the browser."""
        value = f"{SESSION_COOKIE}={cookie}; Max-Age={_SESSION_TTL}; {self._attributes()}"
        return ("set-cookie", value)

    def end(self, request: Request) -> tuple[str, str]:
        """End the session of ``request``'s cookie; return the header that clears the cookie."""
        cookie = request.cookie(SESSION_COOKIE)
        if cookie is not None:
            self._sessions.pop(token_key(cookie))
        return ("set-cookie", f"{SESSION_COOKIE}=; Max-Age=0; {self._attributes()}")

    def end_all(self, sub: str, sid: str | None = None) -> None:
        """End every session of ``sub`` (only the one with ``sid``, when given)."""
        self._sessions.remove_where(lambda s: s.sub == sub and (sid is None or s.sid == sid))

    def _attributes(self) -> str:
        secure = "; Secure" if self._secure else ""
        return f"Path=/; HttpOnly; SameSite=Lax{secure}"
