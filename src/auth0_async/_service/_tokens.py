"""``get_access_token``: serve a cached token or refresh it, one grant per refresh token.

Concurrent callers of one session share a single refresh grant through the
:class:`~auth0_async.RefreshCoordinator`; the grant's outcome travels between
them sealed with a key derived from the cookie secret and bound to the
coordination key and the user (as plain bytes with the in-process coordinator,
whose results never leave the process). The rotated refresh token is written
back through the request's cookie sink (read-after-write), and a failed
refresh never deletes the session.
"""

from __future__ import annotations

import hashlib
import logging
from typing import TYPE_CHECKING, Any

import anyio
import msgspec

from .._core._access_tokens import (
    AccessToken,
    RefreshedTokens,
    apply_refresh,
    as_access_token,
    check_refreshed_identity,
    merge_scopes,
    original_identity,
    select_token_set,
)
from .._core._tracing import Tracing
from .._exceptions import (
    AccessTokenError,
    OAuthError,
    TokenValidationError,
    TransportError,
)
from .._oidc import DEFAULT_SCOPE, parse_token_response, refresh_token_form

if TYPE_CHECKING:
    from collections.abc import Callable

    from .._core._context import RequestContext
    from .._core._crypto import CookieCipher
    from .._core._models import SessionData
    from .._core._protocols import RefreshCoordinator
    from .._oidc import AuthorizationParameters
    from .._sessions._persistence import SessionPersistence
    from ._claims import ClaimsPolicy
    from ._provider import Provider

__all__ = ["AccessTokenService"]

logger = logging.getLogger("auth0_async")
_REFRESH_FAILED = "The access token has expired and there was an error while trying to refresh it."


def _log_failed_refresh(code: str, message: str) -> None:
    # The message names the endpoint and the provider's error, never a token or the form sent.
    logger.warning(
        "token refresh failed: %s",
        message,
        extra={"event": "auth0_async.refresh.failed", "error_code": code},
    )


_RESULT_DECODER = msgspec.json.Decoder(RefreshedTokens)


def _binding(key: str, session: SessionData) -> bytes:
    """Build what a shared refresh result is bound to: its coordination key and the user.

    Used as the AEAD associated data of the sealed result, so a result copied
    to another key (or handed to another user's session) does not open.
    """
    _, sub = original_identity(session)
    sid = session.internal.sid if session.internal is not None else None
    return msgspec.json.encode(("auth0_async/refresh-result/1", key, sub, sid))


class AccessTokenService:
    """Access tokens for one client: served from the session, or refreshed once for all callers."""

    __slots__ = (
        "_buffer",
        "_claims",
        "_clock",
        "_coordinator",
        "_default_audience",
        "_in_process",
        "_provider",
        "_scope_config",
        "_sealer",
        "_sessions",
        "_tracing",
    )

    def __init__(
        self,
        *,
        provider: Provider,
        sessions: SessionPersistence,
        claims: ClaimsPolicy,
        sealer: CookieCipher,
        coordinator: RefreshCoordinator,
        authorization_parameters: AuthorizationParameters | None,
        refresh_buffer: float,
        clock: Callable[[], float],
        tracing: Tracing | None = None,
    ) -> None:
        self._tracing = tracing if tracing is not None else Tracing()
        self._provider = provider
        self._sessions = sessions
        self._claims = claims
        self._sealer = sealer
        self._coordinator = coordinator
        # A coordinator whose results never leave this process needs them bound, not sealed:
        # they go from one task to another as the binding, a newline and the encoded tokens.
        self._in_process = getattr(coordinator, "in_process", False) is True
        params = authorization_parameters or {}
        audience = params.get("audience")
        self._default_audience = audience if isinstance(audience, str) else None
        self._scope_config = params.get("scope")
        self._buffer = refresh_buffer
        self._clock = clock

    def _global_scope(self, audience: str | None) -> str:
        scope = self._scope_config
        if isinstance(scope, str):
            return scope
        if isinstance(scope, dict):
            value = scope.get(audience or self._default_audience or "")
            if isinstance(value, str):
                return value
        return DEFAULT_SCOPE

    async def get(
        self,
        ctx: RequestContext,
        *,
        refresh: bool = False,
        scope: str | None = None,
        audience: str | None = None,
        merge: bool = True,
    ) -> AccessToken:
        """Return a usable access token, refreshing (once for all concurrent callers) when due.

        Raises:
            AccessTokenError: ``missing_session``, ``session_expired`` (the
                upstream ``session_expiry`` ceiling was reached),
                ``missing_refresh_token`` or ``failed_to_refresh_token`` (with
                the provider's error as ``cause``).

        """
        session = await self._sessions.read(ctx)
        if session is None:
            if getattr(ctx, "session_expired", False):
                raise AccessTokenError(
                    "session_expired",
                    "The user's session has expired. The user needs to re-authenticate.",
                )
            raise AccessTokenError("missing_session", "The user does not have an active session.")
        requested = None
        if scope is not None:
            requested = (
                merge_scopes(self._global_scope(audience), scope) if merge else merge_scopes(scope)
            )
        selection = select_token_set(
            session,
            audience=audience,
            scope=requested,
            default_audience=self._default_audience,
            global_scope=self._global_scope(audience),
        )
        refresh_token = session.token_set.refresh_token
        now = self._clock()
        if selection is not None:
            unknown = selection.expires_at <= 0
            if not refresh_token:
                if not selection.access_token:
                    raise AccessTokenError(
                        "missing_refresh_token",
                        "No access token found and a refresh token was not provided. "
                        "The user needs to re-authenticate.",
                    )
                if not unknown and selection.expires_at <= now:
                    raise AccessTokenError(
                        "missing_refresh_token",
                        "The access token has expired and a refresh token was not provided. "
                        "The user needs to re-authenticate.",
                    )
                return as_access_token(selection)
            if not (refresh or unknown or selection.expires_at <= now + self._buffer):
                return as_access_token(selection)
        elif not refresh_token:
            raise AccessTokenError(
                "missing_refresh_token",
                "No access token found for this audience and scope, and a refresh token was not "
                "provided. The user needs to re-authenticate.",
            )
        assert refresh_token is not None
        main_audience = session.token_set.audience or self._default_audience
        to_main = selection.main if selection is not None else audience in (None, main_audience)
        refreshed = await self._refresh(session, refresh_token, audience=audience, scope=requested)
        # Before anything is written: a refresh for another user leaves the session as it was.
        check_refreshed_identity(session, refreshed)
        updated = apply_refresh(
            session,
            refreshed,
            to_main=to_main,
            index=selection.index if selection is not None else None,
            audience=audience or main_audience,
            requested_scope=requested,
        )
        with anyio.CancelScope(shield=True):
            # Persist the rotated refresh token even if this request is being cancelled (its
            # client went away); the write is bounded by the session store's timeout.
            await self._sessions.write(ctx, updated)
        finalized = await self._claims.after_refresh(updated, refreshed.id_token, refreshed.claims)
        if finalized != updated:
            await self._sessions.write(ctx, finalized)
        return AccessToken(
            token=refreshed.access_token,
            expires_at=refreshed.expires_at,
            scope=refreshed.scope,
            token_type=refreshed.token_type,
            audience=audience or main_audience,
        )

    async def _refresh(
        self, session: SessionData, refresh_token: str, *, audience: str | None, scope: str | None
    ) -> RefreshedTokens:
        with self._tracing.span("auth0_async.refresh"):
            material = "\0".join((refresh_token, audience or "", scope or ""))
            key = hashlib.sha256(material.encode("utf-8")).hexdigest()
            binding = _binding(key, session)
            in_process = self._in_process
            provider = self._provider

            async def fetch() -> bytes:
                oidc = provider.oidc()
                # Make sure the keys are at hand before the grant spends the refresh token.
                await oidc.jwks()
                form = refresh_token_form(
                    refresh_token=refresh_token, scope=scope, audience=audience
                )
                body = await oidc.token_request(form, provider.client_auth())
                tokens = parse_token_response(body)
                claims: dict[str, Any] | None = None
                id_token = tokens.id_token
                if id_token:
                    try:
                        claims = await oidc.verify_id_token(
                            id_token, client_id=provider.client_id, nonce=None
                        )
                    except (TokenValidationError, TransportError) as exc:
                        # The grant already rotated the refresh token: keep the tokens (they came
                        # from the authenticated token endpoint) and drop the unverified ID token.
                        logger.warning(
                            "refreshed ID token not accepted (%s); kept the tokens",
                            exc,
                            extra={"event": "auth0_async.refresh.id_token_rejected"},
                        )
                        claims, id_token = None, None
                result = RefreshedTokens(
                    access_token=tokens.access_token,
                    expires_at=tokens.expires_at(self._clock()) or 0,
                    token_type=tokens.token_type,
                    scope=tokens.scope,
                    refresh_token=tokens.refresh_token,
                    id_token=id_token,
                    claims=claims,
                )
                encoded = msgspec.json.encode(result)
                if in_process:
                    return b"%b\n%b" % (binding, encoded)
                return self._sealer.seal(encoded, context=binding)

            try:
                blob = await self._coordinator.coordinate(key, fetch)
            except AccessTokenError as exc:
                if exc.code == "failed_to_refresh_token":  # from a coordinator: another instance
                    _log_failed_refresh(exc.code, exc.message)
                raise
            except OAuthError as exc:
                _log_failed_refresh(exc.code, exc.message)
                raise AccessTokenError(
                    "failed_to_refresh_token", _REFRESH_FAILED, cause=exc
                ) from exc
            except (TransportError, TokenValidationError) as exc:
                _log_failed_refresh(exc.code, exc.message)
                raise AccessTokenError(
                    "failed_to_refresh_token", f"{_REFRESH_FAILED} ({exc.message})"
                ) from exc
            # A result sealed for another key or user (copied within a shared store) does not open.
            if in_process:
                bound_to, _, opened_or_none = blob.partition(b"\n")
                opened = opened_or_none if bound_to == binding else None
            else:
                opened = self._sealer.unseal(blob, context=binding)
            if opened is None:
                logger.warning(
                    "refused a shared refresh result: sealed for another key or user, or another secret",
                    extra={
                        "event": "auth0_async.refresh.failed",
                        "error_code": "unreadable_result",
                    },
                )
                raise AccessTokenError(
                    "failed_to_refresh_token", f"{_REFRESH_FAILED} (unreadable shared result)"
                )
            try:
                return _RESULT_DECODER.decode(opened)
            except msgspec.DecodeError:
                raise AccessTokenError(
                    "failed_to_refresh_token", f"{_REFRESH_FAILED} (malformed shared result)"
                ) from None
