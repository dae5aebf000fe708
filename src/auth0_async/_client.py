"""``Auth0Client``: the public shell. Every method delegates to the service kernel."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, overload

from ._core._config import Routes, SessionConfig, TransactionCookieOptions
from ._core._request import query_params
from ._http._middleware import SessionMiddleware
from ._http._requests import bound_context, context_for, target, update_target, writes_to
from ._http._routes import AuthRoutes
from ._service._assemble import assemble_kernel
from ._service._options import ClientOptions

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    import httpx
    from typing_extensions import Self

    from ._core._access_tokens import AccessToken
    from ._core._models import SessionData
    from ._core._protocols import RefreshCoordinator, SecretValue, SessionStore
    from ._http._callback import OnCallback
    from ._http._requests import RequestLike, ResponseLike
    from ._oidc import AuthorizationParameters
    from ._service._claims import BeforeSessionSaved
    from ._service._login import LoginResult
    from ._service._provider import TokenEndpointAuthMethod
    from ._types import ASGIApp, Clock

__all__ = ["Auth0Client", "Auth0Middleware"]


class Auth0Client:
    """Auth0 sessions for ASGI apps.

    Options left out fall back to the environment (``AUTH0_*``, ``APP_BASE_URL``; the docs'
    configuration page lists each). ``secret`` is checked at once, the others when needed.

    Methods that act on a request have two forms: without one they use the request the
    middleware bound (which sends their cookies); with ``(request, response)`` they write
    the cookies onto ``response``.

    Args:
        domain: the Auth0 domain, a bare host (https implied) or a full URL.
        client_id: the application's client id.
        client_secret: the application's client secret (or a :class:`SecretValue`: ``SecretStr``).
        secret: the cookie secret (32+ characters) or a list (the first encrypts, all decrypt).
        app_base_url: the app's public URL, or a list of allowed ones.
        session: lifetime and cookie options.
        session_store: keep sessions in this :class:`SessionStore` (the cookie holds an id);
            enables back-channel logout (replays shared if it is a :class:`ReplayCache`).
        session_store_timeout: seconds per session store call (default 5).
        http_timeout: seconds per identity provider call (default 5).
        discovery_cache_ttl: seconds discovery and the JWKS are cached (default 600).
        allow_insecure_requests: allow an ``http://`` domain (local testing only).
        http_client: the ``httpx.AsyncClient`` to talk to the identity provider with.
        clock: returns epoch seconds; defaults to ``time.time``.
        env: the environment to read fallbacks from; defaults to ``os.environ``.
        routes: paths of the ``/auth/*`` routes the middleware serves.
        authorization_parameters: ``/authorize`` parameters (``scope``, ``audience``, ...).
        client_assertion_signing_key: a private key (PEM or JWK) for ``private_key_jwt``.
        client_assertion_signing_alg: its algorithm (default ``RS256``).
        token_endpoint_auth_method: ``client_secret_post``/``_basic`` or ``private_key_jwt``.
        pushed_authorization_requests: send authorization parameters by PAR.
        sign_in_return_to_path: where users land after login without ``returnTo``.
        logout_strategy: ``auto`` (OIDC logout if advertised, else ``v2``), ``oidc``, ``v2``.
        include_id_token_hint_in_oidc_logout_url: send ``id_token_hint`` on logout.
        before_session_saved: ``(session, id_token) -> session`` at login (default: default claims).
        on_callback: ``(error, context, session) -> RouteResponse | None``: answer the callback.
        transaction_cookie: options of the login transaction cookies.
        enable_parallel_transactions: one transaction cookie per login attempt (default).
        no_content_profile_response_when_unauthenticated: 204 (not 401) from ``/auth/profile``.
        token_refresh_buffer: refresh access tokens this many seconds before they expire.
        refresh_coordinator: de-duplicates refresh grants (default: in-process; Redis: across).
        enable_access_token_endpoint: serve ``GET /auth/access-token`` (default on).
        allow_hs256_id_tokens: also accept ID and logout tokens signed ``HS256`` with the
            client secret (OpenID Connect Core §3.1.3.7); needs client-secret authentication
            and a secret of at least 32 bytes. Off: only RS256, PS256 and ES256 are accepted.

    Raises:
        ConfigurationError: a missing secret or an invalid option.

    """

    def __init__(
        self,
        *,
        domain: str | None = None,
        client_id: str | None = None,
        client_secret: str | SecretValue | None = None,
        secret: str | SecretValue | Sequence[str | SecretValue] | None = None,
        app_base_url: str | Sequence[str] | None = None,
        session: SessionConfig | None = None,
        session_store: SessionStore | None = None,
        session_store_timeout: float = 5.0,
        allow_insecure_requests: bool = False,
        http_client: httpx.AsyncClient | None = None,
        clock: Clock | None = None,
        env: Mapping[str, str] | None = None,
        routes: Routes | None = None,
        authorization_parameters: AuthorizationParameters | None = None,
        client_assertion_signing_key: str | bytes | Mapping[str, Any] | None = None,
        client_assertion_signing_alg: str | None = None,
        token_endpoint_auth_method: TokenEndpointAuthMethod | None = None,
        pushed_authorization_requests: bool = False,
        sign_in_return_to_path: str = "/",
        logout_strategy: Literal["auto", "oidc", "v2"] = "auto",
        include_id_token_hint_in_oidc_logout_url: bool = True,
        before_session_saved: BeforeSessionSaved | None = None,
        on_callback: OnCallback | None = None,
        transaction_cookie: TransactionCookieOptions | None = None,
        enable_parallel_transactions: bool = True,
        http_timeout: float = 5.0,
        discovery_cache_ttl: float = 600.0,
        no_content_profile_response_when_unauthenticated: bool = False,
        token_refresh_buffer: float = 0,
        refresh_coordinator: RefreshCoordinator | None = None,
        enable_access_token_endpoint: bool = True,
        allow_hs256_id_tokens: bool = False,
    ) -> None:
        options = ClientOptions(**{k: v for k, v in locals().items() if k != "self"})
        self._routes = routes if routes is not None else Routes()
        self._kernel = kernel = assemble_kernel(options, callback_path=self._routes.callback)
        self._auth_routes = AuthRoutes.of_client(kernel, self._routes, options)
        # The bound request and the one read path, held directly: get_session runs on every request.
        self._context = kernel.context
        self._read = kernel.read

    def __repr__(self) -> str:
        p = self._kernel.provider
        return f"Auth0Client(domain={p.configured_domain!r}, client_id={p.configured_client_id!r})"

    @property
    def domain(self) -> str:
        """The identity provider's base URL (``ConfigurationError`` when none was configured)."""
        return self._kernel.provider.domain

    @property
    def client_id(self) -> str:
        """The application's client id (``ConfigurationError`` when none was configured)."""
        return self._kernel.provider.client_id

    @property
    def session_config(self) -> SessionConfig:
        """The session options in force."""
        return self._kernel.session_config

    @property
    def routes(self) -> Routes:
        """The paths of the ``/auth/*`` routes the middleware serves."""
        return self._routes

    async def aclose(self) -> None:
        """Close the HTTP client auth0_async created (one passed as ``http_client`` is left open)."""
        await self._kernel.provider.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()  # ``async with Auth0Client(...) as auth0:`` closes it on the way out

    @overload
    async def get_session(self) -> SessionData | None: ...
    @overload
    async def get_session(self, request: RequestLike, /) -> SessionData | None: ...

    async def get_session(self, request: RequestLike | None = None) -> SessionData | None:
        """Return the current user's session, or ``None`` when there is no valid one.

        ``request`` is a Starlette ``Request``, an ASGI scope or any :class:`RequestSource`.
        Missing, expired, tampered or foreign-key cookies all give ``None``; reads never write
        cookies. Writes made earlier in the same request (``update_session``, refresh) are visible.

        Raises:
            RequestContextError: called without a request outside a bound request.
            SessionStoreError: the session store failed (stateful sessions).

        """
        if request is None:
            ctx = self._context.get() or bound_context(self._kernel)
        else:
            ctx = context_for(self._kernel, request)
        return await self._read(ctx)

    @overload
    async def update_session(self, session: SessionData, /) -> None: ...
    @overload
    async def update_session(
        self, request: RequestLike, response: ResponseLike, session: SessionData, /
    ) -> None: ...

    async def update_session(self, *args: Any) -> None:
        """Save a changed session: ``update_session(session)`` or ``(request, response, session)``.

        The saved session keeps ``internal`` (login time, ``sid``) from the current
        one, and gets a fresh cookie lifetime.

        Raises:
            MissingSessionError: the request has no session to update.
            SessionError: ``session`` is missing, or the request cannot carry cookies.
            RequestContextError: the bound form was used outside a bound request.

        """
        ctx, sink, session = update_target(self._kernel, args)
        with writes_to(ctx, sink):
            await self._kernel.update(ctx, session)

    @overload
    async def get_access_token(
        self,
        *,
        refresh: bool = False,
        scope: str | None = None,
        audience: str | None = None,
        merge_scopes: bool = True,
    ) -> AccessToken: ...
    @overload
    async def get_access_token(
        self,
        request: RequestLike,
        response: ResponseLike,
        /,
        *,
        refresh: bool = False,
        scope: str | None = None,
        audience: str | None = None,
        merge_scopes: bool = True,
    ) -> AccessToken: ...

    async def get_access_token(
        self,
        request: RequestLike | None = None,
        response: ResponseLike | None = None,
        *,
        refresh: bool = False,
        scope: str | None = None,
        audience: str | None = None,
        merge_scopes: bool = True,
    ) -> AccessToken:
        """Return an access token for the session, refreshing it when it expires (or ``refresh=True``).

        Concurrent calls for one session share a single refresh grant, even across
        instances with a shared coordinator. A rotated refresh token is saved to the
        session cookie, and later reads in the same request see it. ``scope`` is
        merged with the configured scope unless ``merge_scopes=False``;
        ``audience`` asks for a token for another API (cached in ``access_tokens``).

        Raises:
            AccessTokenError: ``missing_session``, ``session_expired``,
                ``missing_refresh_token`` or ``failed_to_refresh_token`` (``cause``
                holds the provider's error); a failed refresh leaves the session as it was.
            RequestContextError: no request is bound and none was given.

        """
        ctx, sink = target(self._kernel, request, response)
        with writes_to(ctx, sink):
            return await self._kernel.tokens.get(
                ctx, refresh=refresh, scope=scope, audience=audience, merge=merge_scopes
            )

    async def start_interactive_login(
        self,
        request: RequestLike | None = None,
        response: ResponseLike | None = None,
        /,
        *,
        return_to: str | None = None,
        authorization_parameters: Mapping[str, str | None] | None = None,
    ) -> str:
        """Start a login: store a transaction cookie and return the URL to redirect the user to.

        ``return_to`` is kept only when it is same-origin. ``authorization_parameters`` override
        the configured ones for this login (the SDK's own parameters cannot be overridden).

        Raises:
            InvalidRequestError: an invalid ``max_age`` or ``scope``, or a login too
                large for its transaction cookie (a very long ``return_to``, ``scope``
                or ``audience``).
            DiscoveryError, TransportError, OAuthError: the provider failed.
            ConfigurationError: domain, client id or credentials are missing.
            RequestContextError: no request is bound and none was given.

        """
        ctx, sink = target(self._kernel, request, response)
        with writes_to(ctx, sink):
            return await self._kernel.login.start(
                ctx, return_to=return_to, query=authorization_parameters
            )

    async def complete_interactive_login(
        self, request: RequestLike | None = None, response: ResponseLike | None = None, /
    ) -> LoginResult:
        """Finish a login on the callback request: exchange the code and save the session.

        Returns the new session and the validated ``return_to`` path.

        Raises:
            MissingStateError, InvalidStateError: no matching login transaction.
            AuthorizationError: the provider answered with an error.
            OAuthError, TransportError, DiscoveryError: the code exchange failed.
            TokenValidationError: the ID token is invalid.
            RequestContextError: no request is bound and none was given.

        """
        ctx, sink = target(self._kernel, request, response)
        with writes_to(ctx, sink):
            return await self._kernel.login.complete(ctx, query_params(ctx))

    async def logout(
        self,
        request: RequestLike | None = None,
        response: ResponseLike | None = None,
        /,
        *,
        return_to: str | None = None,
        federated: bool = False,
    ) -> str:
        """Delete the session (revoking its refresh token) and return the provider's logout URL.

        ``return_to`` (same-origin only) becomes ``post_logout_redirect_uri``.

        Raises:
            DiscoveryError: the provider's metadata is unavailable (the session is deleted anyway).
            ConfigurationError: ``oidc`` logout without an ``end_session_endpoint``.
            RequestContextError: no request is bound and none was given.

        """
        ctx, sink = target(self._kernel, request, response)
        with writes_to(ctx, sink):
            return await self._kernel.logout.logout(ctx, return_to=return_to, federated=federated)

    def middleware(self, app: ASGIApp) -> Auth0Middleware:
        """Wrap an ASGI app in :class:`Auth0Middleware` (``Auth0Middleware(app, client=self)``)."""
        return Auth0Middleware(app, client=self)


class Auth0Middleware(SessionMiddleware):
    """ASGI middleware: binds each request for ``get_session()``, serves ``/auth/*``, writes cookies.

    ``Auth0Middleware(app, client=auth0)``, or where a framework registers middleware
    classes, ``app.add_middleware(Auth0Middleware, client=auth0)``. It rolls the
    session cookie when due and marks responses that write a session as not cacheable.
    """

    def __init__(self, app: ASGIApp, *, client: Auth0Client) -> None:
        super().__init__(app, client._kernel, client._auth_routes)
        self.client = client
