"""Interactive login: the authorization request, then the callback's code exchange.

Pure protocol work (URLs, token parsing, JWT validation) lives in ``_oidc``;
cookies live in the session and transaction stores. This module decides what
happens in which order and raises typed errors; the HTTP edge turns them into
answers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from .._core._lifetime import ceiling_reached, upstream_ceiling
from .._core._models import Internal, SessionData, TokenSet, user_from_claims
from .._core._tracing import Tracing
from .._exceptions import (
    Auth0Error,
    AuthorizationError,
    ConfigurationError,
    InvalidStateError,
    MissingStateError,
    OAuthError,
    TokenValidationError,
)
from .._oidc import (
    authorization_code_form,
    authorization_url,
    build_authorization_params,
    code_challenge_s256,
    new_code_verifier,
    new_nonce,
    new_state,
    par_authorization_url,
    parse_token_response,
)
from .._sessions._transactions import TransactionState

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from .._core._context import RequestContext
    from .._oidc import AuthorizationParameters
    from .._sessions._persistence import SessionPersistence
    from .._sessions._transactions import TransactionStore
    from ._claims import ClaimsPolicy
    from ._origin import AppOrigin
    from ._provider import Provider

__all__ = ["LoginResult", "LoginService"]


class LoginResult(msgspec.Struct, frozen=True, kw_only=True):
    """What :meth:`Auth0Client.complete_interactive_login` returns."""

    session: SessionData
    return_to: str
    """The validated, same-origin path the user asked to return to."""


class LoginService:
    """Starts logins (transaction cookie + provider URL) and completes them (code exchange)."""

    __slots__ = (
        "_claims",
        "_clock",
        "_origin",
        "_par",
        "_parameters",
        "_provider",
        "_sessions",
        "_sign_in_return_to",
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
        claims: ClaimsPolicy,
        authorization_parameters: AuthorizationParameters | None,
        pushed_authorization_requests: bool,
        sign_in_return_to_path: str,
        clock: Callable[[], float],
        tracing: Tracing | None = None,
    ) -> None:
        self._tracing = tracing if tracing is not None else Tracing()
        self._provider = provider
        self._sessions = sessions
        self._transactions = transactions
        self._origin = origin
        self._claims = claims
        self._parameters = authorization_parameters
        self._par = pushed_authorization_requests
        self._sign_in_return_to = sign_in_return_to_path
        self._clock = clock

    async def start(
        self,
        ctx: RequestContext,
        *,
        return_to: str | None = None,
        query: Mapping[str, str | None] | None = None,
    ) -> str:
        """Queue a transaction cookie and return the provider URL to send the user to.

        Raises:
            InvalidRequestError: an invalid ``max_age`` or ``scope`` in ``query``, or a
                transaction too large for its cookie (a very long ``return_to``,
                ``scope`` or ``audience``).
            DiscoveryError: the provider's metadata cannot be fetched.
            TransportError, OAuthError: pushed authorization failed.
            ConfigurationError: client id or credentials are missing.

        """
        with self._tracing.span("auth0_async.login"):
            origin = self._origin
            base = origin.base_url(ctx)
            path = origin.safe_path(return_to, base, self._sign_in_return_to)
            provider = self._provider
            oidc = provider.oidc()
            client_id = provider.client_id
            state, nonce, verifier = new_state(), new_nonce(), new_code_verifier()
            params = build_authorization_params(
                client_id=client_id,
                redirect_uri=origin.redirect_uri(base),
                state=state,
                nonce=nonce,
                code_challenge=code_challenge_s256(verifier),
                configured=self._parameters,
                query=query,
            )
            max_age = params.get("max_age")
            # Sealed first: a transaction too large for its cookie is refused before any I/O.
            sealed = self._transactions.seal(
                TransactionState(
                    state=state,
                    nonce=nonce,
                    code_verifier=verifier,
                    return_to=path,
                    max_age=int(max_age) if max_age is not None else None,
                    scope=params.get("scope"),
                    audience=params.get("audience"),
                )
            )
            metadata = await oidc.metadata()
            if self._par:
                if not metadata.pushed_authorization_request_endpoint:
                    raise ConfigurationError(
                        "pushed authorization requests are not supported by the provider"
                    )
                request_uri = await oidc.pushed_authorization_request(
                    params, provider.client_auth()
                )
                url = par_authorization_url(metadata, client_id=client_id, request_uri=request_uri)
            else:
                url = authorization_url(metadata, params)
            self._transactions.save(ctx, sealed)
            return url

    async def complete(self, ctx: RequestContext, params: Mapping[str, str]) -> LoginResult:
        """Finish a login from the callback's parameters and queue the new session cookie.

        Raises:
            MissingStateError: no ``state`` parameter.
            InvalidStateError: no live transaction for that state.
            AuthorizationError: the provider answered with ``error=`` (or a mismatched ``iss``).
            OAuthError, TransportError, DiscoveryError: the code exchange failed.
            TokenValidationError: the ID token is invalid.

        """
        with self._tracing.span("auth0_async.callback"):
            state = params.get("state")
            if not state:
                raise MissingStateError("The state parameter is missing.")
            txn = self._transactions.get(ctx, state)
            if txn is None:
                raise InvalidStateError("The state parameter is invalid.")
            try:
                session = await self._exchange(ctx, params, txn)
            except Auth0Error:
                self._transactions.delete(ctx, state)
                raise
            await self._sessions.write(ctx, session, is_new=True)
            self._transactions.delete(ctx, state)
            return LoginResult(session=session, return_to=txn.return_to)

    async def _exchange(
        self, ctx: RequestContext, params: Mapping[str, str], txn: TransactionState
    ) -> SessionData:
        provider = self._provider
        oidc = provider.oidc()
        client_id = provider.client_id
        metadata = await oidc.metadata()
        if "error" in params:
            cause = OAuthError(params["error"], params.get("error_description") or None)
            raise AuthorizationError(
                f"The authorization server returned an error: {cause.message}", cause=cause
            )
        issuer = params.get("iss")
        if issuer is not None and issuer != metadata.issuer:
            raise AuthorizationError(
                "The authorization response's iss does not match the provider."
            )
        if issuer is None and metadata.authorization_response_iss_parameter_supported:
            raise AuthorizationError("The authorization response is missing the iss parameter.")
        code = params.get("code")
        if not code:
            raise AuthorizationError("The authorization response has no code.")
        base = self._origin.base_url(ctx)
        form = authorization_code_form(
            code=code, redirect_uri=self._origin.redirect_uri(base), code_verifier=txn.code_verifier
        )
        body = await oidc.token_request(form, provider.client_auth())
        tokens = parse_token_response(body, require_id_token=True)
        assert tokens.id_token is not None  # require_id_token
        claims = await oidc.verify_id_token(
            tokens.id_token, client_id=client_id, nonce=txn.nonce, max_age=txn.max_age
        )
        now = int(self._clock())
        sid = claims.get("sid")
        session_expires_at = upstream_ceiling(claims.get("session_expiry"))
        if session_expires_at is not None and ceiling_reached(session_expires_at, now):
            raise TokenValidationError("The upstream session has already expired (session_expiry).")
        session = SessionData(
            user=user_from_claims(claims),
            token_set=TokenSet(
                access_token=tokens.access_token,
                id_token=tokens.id_token,
                refresh_token=tokens.refresh_token,
                expires_at=tokens.expires_at(now) or 0,
                scope=tokens.scope,
                requested_scope=txn.scope,
                audience=txn.audience,
            ),
            internal=Internal(
                created_at=now,
                sid=sid if isinstance(sid, str) else None,
                session_expires_at=session_expires_at,
            ),
        )
        return await self._claims.at_login(session, tokens.id_token)
