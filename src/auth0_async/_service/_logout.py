"""Logout, from the browser (RP-initiated) and from the provider (back-channel)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

from .._core._tracing import Tracing
from .._exceptions import Auth0Error, SessionStoreError
from .._oidc import JtiCache, build_logout_url
from .._sessions._stateful import StatefulSessionStore
from ._hooks import logger
from ._origin import origin_of

if TYPE_CHECKING:
    from typing import Any

    from .._core._context import RequestContext
    from .._core._protocols import ReplayCache
    from .._sessions._persistence import SessionPersistence
    from .._sessions._transactions import TransactionStore
    from ._origin import AppOrigin
    from ._provider import Provider

__all__ = ["LogoutService"]


class LogoutService:
    """Ends sessions: the browser's own (with the provider's logout URL) or a provider's list."""

    __slots__ = (
        "_id_token_hint",
        "_origin",
        "_provider",
        "_seen_jti",
        "_sessions",
        "_strategy",
        "_tracing",
        "_transactions",
    )

    def __init__(
        self,
        *,
        provider: Provider,
        sessions: SessionPersistence,
        transactions: TransactionStore,
        origin: AppOrigin,
        strategy: Literal["auto", "oidc", "v2"],
        include_id_token_hint: bool,
        replay_cache: ReplayCache | None,
        tracing: Tracing | None = None,
    ) -> None:
        self._tracing = tracing if tracing is not None else Tracing()
        self._provider = provider
        self._sessions = sessions
        self._transactions = transactions
        self._origin = origin
        self._strategy = strategy
        self._id_token_hint = include_id_token_hint
        # Accepted logout-token jti values: shared when the session store offers it.
        self._seen_jti: ReplayCache = replay_cache if replay_cache is not None else JtiCache()

    async def logout(
        self,
        ctx: RequestContext,
        *,
        return_to: str | None = None,
        federated: bool = False,
        state: str | None = None,
    ) -> str:
        """Queue deletion of the session and every transaction cookie; return the provider's logout URL.

        The refresh token is revoked first when the provider supports it (a
        failure does not block the logout). ``return_to`` must be same-origin;
        anything else falls back to the app's base URL.

        Raises:
            InvalidRequestError: the request's origin cannot be trusted.
            DiscoveryError: the provider's metadata cannot be fetched (cookies are deleted anyway).
            ConfigurationError: ``oidc`` logout without an ``end_session_endpoint``.

        """
        with self._tracing.span("auth0_async.logout"):
            try:
                session = await self._sessions.read(ctx)
            except (
                SessionStoreError
            ) as exc:  # still log the browser out; the record expires by itself
                logger.warning(
                    "logout could not read the session store: %s",
                    exc,
                    extra={"event": "auth0_async.store.unavailable"},
                )
                session = None
            origin = self._origin
            base = origin.base_url(ctx)
            target = base
            if return_to is not None:
                target = origin_of(base) + origin.safe_path(
                    return_to, base, urlsplit(base).path or "/"
                )
            try:
                await self._sessions.delete(ctx)
            except SessionStoreError as exc:  # the cookies are deleted already
                logger.warning(
                    "logout could not delete the stored session: %s",
                    exc,
                    extra={"event": "auth0_async.store.unavailable"},
                )
            self._transactions.delete_all(ctx)
            provider = self._provider
            oidc = provider.oidc()
            client_id = provider.client_id
            metadata = await oidc.metadata()
            token_set = session.token_set if session is not None else None
            # revocation_endpoint() never raises; it may read the RFC 8414 metadata.
            if (
                token_set is not None
                and token_set.refresh_token
                and await oidc.revocation_endpoint()
            ):
                try:
                    await oidc.revoke(token_set.refresh_token, provider.client_auth())
                except Auth0Error as exc:
                    logger.warning(
                        "refresh token revocation failed during logout: %s",
                        exc,
                        extra={
                            "event": "auth0_async.logout.revocation_failed",
                            "error_code": exc.code,
                        },
                    )
            return build_logout_url(
                strategy=self._strategy,
                metadata=metadata,
                client_id=client_id,
                return_to=target,
                id_token_hint=token_set.id_token
                if token_set is not None and self._id_token_hint
                else None,
                logout_hint=session.internal.sid
                if session is not None and session.internal is not None
                else None,
                state=state,
                federated=federated,
            )

    async def verify_logout_token(self, token: str) -> dict[str, Any]:
        """Verify a back-channel logout token, refusing replays; return its claims.

        Raises:
            TokenValidationError: the token is invalid or replayed.
            DiscoveryError: the provider's keys cannot be fetched.
            SessionStoreError: the shared replay memory failed (nothing was deleted).
            ConfigurationError: no domain or client id.

        """
        provider = self._provider
        return await provider.oidc().verify_logout_token(
            token, client_id=provider.client_id, seen_jti=self._seen_jti
        )

    @property
    def can_end_sessions(self) -> bool:
        """Whether sessions live in a store that a back-channel logout can delete from."""
        return isinstance(self._sessions, StatefulSessionStore)

    async def end_sessions(self, claims: dict[str, Any]) -> int:
        """Delete every stored session a verified logout token names; return how many.

        Raises:
            SessionStoreError: the store failed, or sessions are kept only in cookies.

        """
        sessions = self._sessions
        if not isinstance(sessions, StatefulSessionStore):
            raise SessionStoreError("sessions kept only in cookies cannot be ended from the server")
        return await sessions.end_sessions(
            sid=claims.get("sid"), sub=claims.get("sub"), iss=claims.get("iss")
        )
