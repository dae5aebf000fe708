"""Which ID-token claims a session keeps, and the ``before_session_saved`` hook that decides it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias

import msgspec

from .._core._models import SessionData, user_from_claims
from ._hooks import maybe_await

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping

__all__ = [
    "DEFAULT_ID_TOKEN_CLAIMS",
    "BeforeSessionSaved",
    "ClaimsPolicy",
    "filter_default_id_token_claims",
]

DEFAULT_ID_TOKEN_CLAIMS = frozenset(
    {
        "sub",
        "name",
        "nickname",
        "given_name",
        "family_name",
        "picture",
        "email",
        "email_verified",
        "org_id",
        "act",
        "urn:auth0:my_org_current_user_permissions",
    }
)
"""The ID-token claims kept in ``session.user`` when no ``before_session_saved`` hook is set."""

BeforeSessionSaved: TypeAlias = (
    "Callable[[SessionData, str | None], SessionData | Awaitable[SessionData]]"
)
"""Hook ``(session, id_token) -> session`` run before a session from login or refresh is saved."""


def filter_default_id_token_claims(claims: Mapping[str, Any]) -> dict[str, Any]:
    """Keep only :data:`DEFAULT_ID_TOKEN_CLAIMS` (what nextjs-auth0 stores by default)."""
    return {k: v for k, v in claims.items() if k in DEFAULT_ID_TOKEN_CLAIMS}


class ClaimsPolicy:
    """Shapes a session's user before it is saved, at login and after a refresh."""

    __slots__ = ("_hook",)

    def __init__(self, hook: BeforeSessionSaved | None) -> None:
        self._hook = hook

    async def at_login(self, session: SessionData, id_token: str | None) -> SessionData:
        """Run ``before_session_saved`` (or the default claim filter); ``internal`` is always kept.

        Raises:
            TypeError: the hook returned something other than a SessionData.

        """
        if self._hook is None:
            user = user_from_claims(filter_default_id_token_claims(session.user.to_dict()))
            return msgspec.structs.replace(session, user=user)
        return await self._run_hook(session, id_token)

    async def after_refresh(
        self, session: SessionData, id_token: str | None, claims: Mapping[str, Any] | None
    ) -> SessionData:
        """Merge a refresh's new ID-token claims into the user, then run ``before_session_saved``.

        New claims override the user's current ones; claims the user already has
        (custom ones a hook added at login, say) are kept, unlike nextjs-auth0,
        which replaces the user. Without a hook only the default claims of the
        new token are merged.

        Raises:
            TypeError: the hook returned something other than a SessionData.

        """
        hook = self._hook
        if claims:
            new = dict(claims) if hook is not None else filter_default_id_token_claims(claims)
            user = user_from_claims({**session.user.to_dict(), **new})
            session = msgspec.structs.replace(session, user=user)
        if hook is None:
            return session
        return await self._run_hook(session, id_token)

    async def _run_hook(self, session: SessionData, id_token: str | None) -> SessionData:
        hook = self._hook
        assert hook is not None
        result = await maybe_await(hook(session, id_token))
        if not isinstance(result, SessionData):
            raise TypeError("before_session_saved must return a SessionData")
        return msgspec.structs.replace(result, internal=session.internal)
