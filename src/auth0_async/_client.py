"""``Auth0Client``: the facade. It coordinates; parsing, crypto and lifetimes live below it."""

from __future__ import annotations

import time
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeAlias, overload

import msgspec

from ._core._config import (
    Routes,
    Secret,
    SessionConfig,
    TransactionCookieOptions,
    current_env,
    env_str,
    normalize_app_base_urls,
    normalize_domain,
    resolve_cookie,
    resolve_secrets,
    resolve_transaction_cookie,
)
from ._core._context import CACHE_HEADERS, UNREAD, RequestContext, scope_of
from ._core._crypto import CookieCipher
from ._core._lifetime import Lifetime
from ._core._models import SessionData
from ._exceptions import (
    ConfigurationError,
    MissingSessionError,
    RequestContextError,
    SessionError,
)
from ._oidc import (
    MIN_HS256_SECRET_BYTES,
    ClientSecretBasic,
    ClientSecretPost,
    OIDCClient,
    PrivateKeyJwt,
)
from ._service._flows import LoginFlows, query_params
from ._service._tokens import AccessTokenFlow
from ._sessions._replay import replay_cache_of
from ._sessions._stateful import StatefulSessionStore
from ._sessions._stateless import CookieSessionStore
from ._sessions._transactions import TransactionStore

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping, Sequence

    import httpx

    from ._core._access_tokens import AccessToken
    from ._core._protocols import RefreshCoordinator, RequestSource, ResponseSink, SessionStore
    from ._oidc import AuthorizationParameters, ClientAuth
    from ._service._flows import BeforeSessionSaved, OnCallback
    from ._sessions._persistence import SessionPersistence
    from ._sessions._replay import ReplayCache
    from ._types import ASGIApp, Clock

__all__ = ["Auth0Client", "LoginResult", "RequestLike", "ResponseLike"]


TokenEndpointAuthMethod: TypeAlias = Literal[
    "client_secret_post", "client_secret_basic", "private_key_jwt"
]
_AUTH_METHODS = ("client_secret_post", "client_secret_basic", "private_key_jwt")


class LoginResult(msgspec.Struct, frozen=True, kw_only=True):
    """What :meth:`Auth0Client.complete_interactive_login` returns."""

    session: SessionData
    return_to: str
    """The validated, same-origin path the user asked to return to."""


class _MutableHeaders(Protocol):
    def append(self, key: str, value: str) -> None: ...
    def __setitem__(self, key: str, value: str) -> None: ...


class _HeadersResponse(Protocol):
    @property
    def headers(self) -> _MutableHeaders: ...


RequestLike: TypeAlias = "RequestSource | Mapping[str, Any]"
"""A Starlette ``Request``, an ASGI scope, or any :class:`RequestSource`."""
ResponseLike: TypeAlias = "ResponseSink | _HeadersResponse"
"""A Starlette ``Response`` (anything with ``headers.append``), or any :class:`ResponseSink`."""


class _HeadersSink:
    __slots__ = ("_headers",)

    def __init__(self, headers: _MutableHeaders) -> None:
        self._headers = headers

    def add_header(self, name: str, value: str) -> None:
        self._headers.append(name, value)

    def set_header(self, name: str, value: str) -> None:
        self._headers[name] = value


def _printable_ascii(text: str) -> bool:
    return text.isascii() and text.isprintable()


def _sink_for(response: object) -> ResponseSink:
    if hasattr(response, "add_header") and hasattr(response, "set_header"):
        return response
    headers = getattr(response, "headers", None)
    if headers is not None and hasattr(headers, "append"):
        return _HeadersSink(headers)
    raise TypeError("response must be a Starlette-style Response or implement ResponseSink")


class Auth0Client:
    """Auth0 sessions for ASGI apps.

    Every option left out falls back to the environment: ``AUTH0_DOMAIN``,
    ``AUTH0_CLIENT_ID``, ``AUTH0_CLIENT_SECRET``, ``AUTH0_SECRET``,
    ``APP_BASE_URL`` and the ``AUTH0_COOKIE_*`` variables. Only ``secret`` is
    needed to read and write sessions; the others are checked when login,
    logout or token refresh need them.

    Args:
        domain: the Auth0 domain, a bare host (https implied) or a full URL.
        client_id: the application's client id.
        client_secret: the application's client secret.
        secret: the cookie secret, or a list of them: the first encrypts, all decrypt.
        app_base_url: the app's public URL, or a list of allowed ones.
        session: lifetime and cookie options.
        session_store: keep sessions server-side in this :class:`SessionStore` (the cookie
            then holds only an encrypted session id); enables back-channel logout. A
            store that is also a :class:`ReplayCache` (``RedisSessionStore`` is) shares
            the memory of accepted logout tokens between app instances.
        session_store_timeout: seconds allowed for each session store call (default 5).
        allow_insecure_requests: allow an ``http://`` domain (local testing only).
        http_client: the ``httpx.AsyncClient`` to talk to the identity provider with.
        clock: returns epoch seconds; defaults to ``time.time``.
        env: the environment to read fallbacks from; defaults to ``os.environ``.
        routes: paths of the ``/auth/*`` routes the middleware serves.
        authorization_parameters: extra ``/authorize`` parameters (``scope``,
            ``audience``, ...); ``scope`` defaults to ``openid profile email offline_access``.
        client_assertion_signing_key: a private key (PEM or JWK) for ``private_key_jwt``;
            env ``AUTH0_CLIENT_ASSERTION_SIGNING_KEY``.
        client_assertion_signing_alg: its algorithm (default ``RS256``).
        token_endpoint_auth_method: ``client_secret_post`` (default with a secret),
            ``client_secret_basic`` or ``private_key_jwt`` (default with a signing key).
        pushed_authorization_requests: send authorization parameters by PAR.
        sign_in_return_to_path: where users land after login without ``returnTo``.
        logout_strategy: ``auto`` (OIDC logout when advertised, else ``/v2/logout``),
            ``oidc`` or ``v2``.
        include_id_token_hint_in_oidc_logout_url: send ``id_token_hint`` on logout.
        before_session_saved: ``(session, id_token) -> session`` hook run at login
            (it sees every ID-token claim; without it only the default claims are kept).
        on_callback: ``(error, context, session) -> RouteResponse | None`` to answer
            the callback yourself.
        transaction_cookie: options of the login transaction cookies.
        enable_parallel_transactions: one transaction cookie per login attempt (default).
        http_timeout: seconds allowed for each call to the provider (default 5).
        no_content_profile_response_when_unauthenticated: ``/auth/profile`` answers
            204 instead of 401 without a session.
        token_refresh_buffer: refresh access tokens this many seconds before they expire.
        refresh_coordinator: de-duplicates refresh grants (default: in-process;
            ``auth0_async.refresh.redis.RedisRefreshCoordinator`` across instances).
        enable_access_token_endpoint: serve ``GET /auth/access-token`` (default on).
        allow_hs256_id_tokens: also accept ID tokens (and back-channel logout tokens)
            signed ``HS256`` with the client secret, for an application whose provider
            signs that way (OpenID Connect Core §3.1.3.7 step 8). Off by default: only
            RS256, PS256 and ES256 with the provider's published keys are accepted.
            Needs a client secret of at least 32 bytes and client-secret authentication
            (not ``private_key_jwt``).

    Raises:
        ConfigurationError: a missing secret or an invalid option.

    """

    def __init__(
        self,
        *,
        domain: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        secret: str | Sequence[str] | None = None,
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
        no_content_profile_response_when_unauthenticated: bool = False,
        token_refresh_buffer: float = 0,
        refresh_coordinator: RefreshCoordinator | None = None,
        enable_access_token_endpoint: bool = True,
        allow_hs256_id_tokens: bool = False,
    ) -> None:
        env = current_env() if env is None else env
        self._clock: Clock = clock or time.time
        self._cipher = CookieCipher(resolve_secrets(secret, env))
        domain = domain if domain is not None else env_str(env, "AUTH0_DOMAIN")
        self._domain = (
            None
            if domain is None
            else normalize_domain(domain, allow_insecure_requests=allow_insecure_requests)
        )
        self._client_id = client_id if client_id is not None else env_str(env, "AUTH0_CLIENT_ID")
        self._client_secret_value = (
            client_secret if client_secret is not None else env_str(env, "AUTH0_CLIENT_SECRET")
        )
        self._app_base_urls = normalize_app_base_urls(app_base_url, env)
        self._allow_insecure_requests = allow_insecure_requests
        self._http_client = http_client
        self._session_config = session if session is not None else SessionConfig()
        if not isinstance(self._session_config, SessionConfig):
            raise ConfigurationError("session must be a SessionConfig")
        self._cookie = resolve_cookie(
            self._session_config.cookie, app_base_urls=self._app_base_urls, env=env
        )
        self._lifetime = Lifetime(self._session_config)
        self._store: SessionPersistence
        replay_cache: ReplayCache | None = None
        if session_store is None:
            self._store = CookieSessionStore(
                cipher=self._cipher, cookie=self._cookie, lifetime=self._lifetime, clock=self._clock
            )
        else:
            for method in ("get", "set", "update", "delete", "delete_by_logout_token"):
                if not callable(getattr(session_store, method, None)):
                    raise ConfigurationError(
                        f"session_store must implement SessionStore ({method} is missing)"
                    )
            stateful = StatefulSessionStore(
                store=session_store,
                cipher=self._cipher,
                cookie=self._cookie,
                lifetime=self._lifetime,
                clock=self._clock,
                timeout=session_store_timeout,
            )
            self._store = stateful
            replay_cache = replay_cache_of(stateful)
        self._context: ContextVar[RequestContext | None] = ContextVar(
            f"auth0_async.context.{id(self):x}", default=None
        )
        self._scope_key = f"auth0_async.context.{id(self):x}"
        if logout_strategy not in ("auto", "oidc", "v2"):
            raise ConfigurationError("logout_strategy must be 'auto', 'oidc' or 'v2'")
        if isinstance(session_store_timeout, bool) or not 0 < session_store_timeout <= 300:
            raise ConfigurationError(
                "session_store_timeout must be a number of seconds in (0, 300]"
            )
        if isinstance(http_timeout, bool) or not 0 < http_timeout <= 300:
            raise ConfigurationError("http_timeout must be a number of seconds in (0, 300]")
        if (
            not sign_in_return_to_path.startswith("/")
            or sign_in_return_to_path.startswith(("//", "/\\"))
            or not _printable_ascii(sign_in_return_to_path)
        ):
            raise ConfigurationError(
                "sign_in_return_to_path must be a path starting with a single '/'"
            )
        self._http_timeout = float(http_timeout)
        self._signing_key = (
            client_assertion_signing_key
            if client_assertion_signing_key is not None
            else env_str(env, "AUTH0_CLIENT_ASSERTION_SIGNING_KEY")
        )
        self._signing_alg = (
            client_assertion_signing_alg
            or env_str(env, "AUTH0_CLIENT_ASSERTION_SIGNING_ALG")
            or "RS256"
        )
        if token_endpoint_auth_method not in (None, *_AUTH_METHODS):
            raise ConfigurationError(
                f"token_endpoint_auth_method must be one of {', '.join(_AUTH_METHODS)}"
            )
        self._auth_method = token_endpoint_auth_method
        self._hs256_secret = self._hs256_secret_for(allow_hs256_id_tokens)
        self._routes = routes if routes is not None else Routes()
        self._oidc_client: OIDCClient | None = None
        self._client_auth_cache: ClientAuth | None = None
        txn_options = (
            transaction_cookie if transaction_cookie is not None else TransactionCookieOptions()
        )
        txn_cookie = resolve_transaction_cookie(
            txn_options, app_base_urls=self._app_base_urls, env=env
        )
        self._transactions = TransactionStore(
            cipher=self._cipher,
            cookie=txn_cookie,
            max_age=txn_options.max_age,
            parallel=enable_parallel_transactions,
            clock=self._clock,
        )
        self._flows = LoginFlows(
            oidc=self._oidc,
            client_id=lambda: self.client_id,
            client_auth=self._client_auth,
            sessions=self._store,
            read_session=self._read,
            transactions=self._transactions,
            routes=self._routes,
            app_base_urls=self._app_base_urls,
            authorization_parameters=authorization_parameters,
            pushed_authorization_requests=pushed_authorization_requests,
            sign_in_return_to_path=sign_in_return_to_path,
            logout_strategy=logout_strategy,
            include_id_token_hint=include_id_token_hint_in_oidc_logout_url,
            before_session_saved=before_session_saved,
            on_callback=on_callback,
            no_content_profile=no_content_profile_response_when_unauthenticated,
            backchannel_delete=self._backchannel_delete if session_store is not None else None,
            clock=self._clock,
            replay_cache=replay_cache,
        )
        if isinstance(token_refresh_buffer, bool) or not 0 <= token_refresh_buffer < float("inf"):
            raise ConfigurationError("token_refresh_buffer must be a finite number of seconds >= 0")
        if refresh_coordinator is None:
            from ._service._refresh import LocalRefreshCoordinator

            refresh_coordinator = LocalRefreshCoordinator()
        self._tokens = AccessTokenFlow(
            oidc=self._oidc,
            client_id=lambda: self.client_id,
            client_auth=self._client_auth,
            cipher=self._cipher,
            coordinator=refresh_coordinator,
            sessions=self._store,
            read_session=self._read,
            finalize=self._flows.finalize_refresh,
            authorization_parameters=authorization_parameters,
            refresh_buffer=float(token_refresh_buffer),
            clock=self._clock,
        )
        if enable_access_token_endpoint:
            self._flows.access_token_route = self._tokens.route

    def __repr__(self) -> str:
        return f"Auth0Client(domain={self._domain!r}, client_id={self._client_id!r})"

    # -- configuration needed by later capabilities ---------------------------------

    @property
    def domain(self) -> str:
        """The identity provider's base URL.

        Raises:
            ConfigurationError: no domain was configured.

        """
        if self._domain is None:
            raise ConfigurationError(
                "domain is required for this operation: pass Auth0Client(domain=...) "
                "or set AUTH0_DOMAIN"
            )
        return self._domain

    @property
    def client_id(self) -> str:
        """The application's client id.

        Raises:
            ConfigurationError: no client id was configured.

        """
        if not self._client_id:
            raise ConfigurationError(
                "client_id is required for this operation: pass Auth0Client(client_id=...) "
                "or set AUTH0_CLIENT_ID"
            )
        return self._client_id

    async def _backchannel_delete(self, sid: str | None, sub: str | None, iss: str | None) -> int:
        assert isinstance(self._store, StatefulSessionStore)
        store = self._store
        count: int = await store.call(
            "delete_by_logout_token", store.store.delete_by_logout_token(sid=sid, sub=sub, iss=iss)
        )
        return count

    def _oidc(self) -> OIDCClient:
        if self._oidc_client is None:
            self._oidc_client = OIDCClient(
                self.domain,
                http_client=self._http_client,
                timeout=self._http_timeout,
                clock=self._clock,
                hs256_secret=self._hs256_secret,
            )
        return self._oidc_client

    def _hs256_secret_for(self, allow: bool) -> Secret | None:
        """Return the HMAC key for HS256-signed tokens when opted in (checked here, early)."""
        if not allow:
            return None
        method = self._auth_method
        if method == "private_key_jwt" or (method is None and self._signing_key is not None):
            raise ConfigurationError(
                "allow_hs256_id_tokens needs client secret authentication: with "
                "private_key_jwt there is no shared secret to verify HS256 tokens with"
            )
        if not self._client_secret_value:
            raise ConfigurationError(
                "allow_hs256_id_tokens needs the client secret: pass "
                "Auth0Client(client_secret=...) or set AUTH0_CLIENT_SECRET"
            )
        if len(self._client_secret_value.encode("utf-8")) < MIN_HS256_SECRET_BYTES:
            raise ConfigurationError(
                f"allow_hs256_id_tokens needs a client secret of at least "
                f"{MIN_HS256_SECRET_BYTES} bytes (RFC 7518 §3.2)"
            )
        return Secret(self._client_secret_value)

    def _client_auth(self) -> ClientAuth:
        if self._client_auth_cache is not None:
            return self._client_auth_cache
        client_id = self.client_id
        method = self._auth_method
        if method is None:
            method = "private_key_jwt" if self._signing_key is not None else "client_secret_post"
        if method == "private_key_jwt":
            if self._signing_key is None:
                raise ConfigurationError(
                    "private_key_jwt needs client_assertion_signing_key (or AUTH0_CLIENT_ASSERTION_SIGNING_KEY)"
                )
            auth: ClientAuth = PrivateKeyJwt(client_id, self._signing_key, alg=self._signing_alg)
        else:
            if not self._client_secret_value:
                raise ConfigurationError(
                    "client_secret is required for this operation: pass Auth0Client(client_secret=...) "
                    "or set AUTH0_CLIENT_SECRET (or configure client_assertion_signing_key)"
                )
            cls = ClientSecretBasic if method == "client_secret_basic" else ClientSecretPost
            auth = cls(client_id, Secret(self._client_secret_value))
        self._client_auth_cache = auth
        return auth

    async def aclose(self) -> None:
        """Close the HTTP client auth0_async created (one passed as ``http_client`` is left open)."""
        if self._oidc_client is not None:
            await self._oidc_client.aclose()

    @property
    def session_config(self) -> SessionConfig:
        """The session options in force."""
        return self._session_config

    # -- request binding --------------------------------------------------------------

    def bind(self, scope: Mapping[str, Any], request: object | None = None) -> RequestContext:
        """Create the request context for an ASGI scope (the middleware's job).

        The context is stored in the scope and refers to it: the middleware removes it
        from the scope when the request ends, so both are freed without the cyclic GC.
        """
        ctx = RequestContext.from_scope(scope, request)
        ctx.bound = True
        if isinstance(scope, dict):
            scope[self._scope_key] = ctx
        return ctx

    def _bound(self) -> RequestContext:
        ctx = self._context.get()
        if ctx is None:
            raise RequestContextError(
                "no request is bound: wrap your ASGI app with auth0.middleware(app), "
                "or pass the request explicitly, e.g. await auth0.get_session(request)"
            )
        return ctx

    def _context_for(self, request: object) -> RequestContext:
        scope = scope_of(request)
        if scope is not None:
            bound = scope.get(self._scope_key)
            if isinstance(bound, RequestContext):
                return bound
            return RequestContext.from_scope(scope, request)
        ctx = self._context.get()
        if ctx is not None and ctx.request is request:
            return ctx
        if hasattr(request, "headers") and hasattr(request, "url"):
            return RequestContext.from_source(request)
        raise TypeError(
            "request must be a Starlette Request, an ASGI scope, or implement RequestSource"
        )

    async def _read(self, ctx: RequestContext) -> SessionData | None:
        session = ctx.session
        if session is UNREAD:
            session = ctx.session = await self._store.read(ctx)
        return session  # type: ignore[return-value]

    # -- sessions ----------------------------------------------------------------------

    @overload
    async def get_session(self) -> SessionData | None: ...
    @overload
    async def get_session(self, request: RequestLike, /) -> SessionData | None: ...

    async def get_session(self, request: RequestLike | None = None) -> SessionData | None:
        """Return the current user's session, or ``None`` when there is no valid one.

        Without an argument it reads the request bound by :meth:`middleware`; pass a
        Starlette ``Request``, an ASGI scope or any :class:`RequestSource` to read
        that request instead. Missing, expired, tampered or foreign-key cookies all
        give ``None``; reads never write cookies. Writes made earlier in the same
        request (``update_session``, token refresh) are visible.

        Raises:
            RequestContextError: called without a request outside a bound request.

        """
        if request is None:
            ctx = self._context.get()
            if ctx is None:
                ctx = self._bound()  # raises
        else:
            ctx = self._context_for(request)
        session = ctx.session  # _read, inlined: this runs on every request
        if session is UNREAD:
            session = ctx.session = await self._store.read(ctx)
        return session  # type: ignore[return-value]

    @overload
    async def update_session(self, session: SessionData, /) -> None: ...
    @overload
    async def update_session(
        self, request: RequestLike, response: ResponseLike, session: SessionData, /
    ) -> None: ...

    async def update_session(self, *args: Any) -> None:
        """Save a changed session: ``update_session(session)`` or ``(request, response, session)``.

        The saved session keeps ``internal`` (login time, ``sid``) from the current
        one, and gets a fresh cookie lifetime. The bound form's cookies are sent by
        the middleware; the explicit form writes them onto ``response``.

        Raises:
            MissingSessionError: the request has no session to update.
            SessionError: ``session`` is missing, or the request cannot carry cookies.
            RequestContextError: the bound form was used outside a bound request.

        """
        if len(args) == 1:
            ctx, sink, session = self._bound(), None, args[0]
        elif len(args) == 3:
            ctx, sink, session = self._context_for(args[0]), _sink_for(args[1]), args[2]
        else:
            raise TypeError(
                "use update_session(session) or update_session(request, response, session)"
            )
        if session is None:
            raise SessionError("The session data is missing.")
        if not isinstance(session, SessionData):
            raise TypeError("session must be an auth0_async.SessionData")
        existing = await self._read(ctx)
        if existing is None:
            raise MissingSessionError("The user is not authenticated.")
        if session.internal is not existing.internal:
            session = msgspec.structs.replace(session, internal=existing.internal)
        # A new identity gets a new stateful id. The store copies ``session`` as it writes it.
        await self._store.write(ctx, session, is_new=session.user != existing.user)
        if sink is not None:
            self._flush(ctx, sink)

    @staticmethod
    def _flush(ctx: RequestContext, sink: ResponseSink) -> None:
        for line in ctx.take_pending():
            sink.add_header("set-cookie", line)
        if ctx.no_store:
            for name, value in CACHE_HEADERS:
                sink.set_header(name, value)

    # -- access tokens -----------------------------------------------------------------------

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
        session cookie (sent by the middleware, or written onto ``response`` in the
        explicit form) and later reads in the same request see it. ``scope`` is
        merged with the configured scope unless ``merge_scopes=False``;
        ``audience`` asks for a token for another API (cached in ``access_tokens``).

        Raises:
            AccessTokenError: ``missing_session``, ``missing_refresh_token`` or
                ``failed_to_refresh_token`` (``cause`` holds the provider's error);
                a failed refresh leaves the session as it was.
            RequestContextError: no request is bound and none was given.

        """
        ctx, sink = self._target(request, response)
        try:
            return await self._tokens.get(
                ctx, refresh=refresh, scope=scope, audience=audience, merge=merge_scopes
            )
        finally:
            if sink is not None:
                self._flush(ctx, sink)

    # -- programmatic login and logout ------------------------------------------------------

    def _target(
        self, request: object | None, response: object | None
    ) -> tuple[RequestContext, ResponseSink | None]:
        if request is None:
            if response is not None:
                raise TypeError("pass the request together with the response")
            return self._bound(), None
        ctx = self._context_for(request)
        if response is None:
            if not ctx.bound:
                raise RequestContextError(
                    "this request is not bound by auth0.middleware: pass the response too, "
                    "so that the session cookies can be written"
                )
            return ctx, None
        return ctx, _sink_for(response)

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

        ``return_to`` is kept only when it is same-origin. ``authorization_parameters``
        override the configured ones for this login (the SDK's own parameters
        cannot be overridden). Without arguments the bound request is used and the
        middleware sends the cookie; with ``(request, response)`` the cookie is
        written onto ``response``.

        Raises:
            InvalidRequestError: an invalid ``max_age`` or ``scope``, or a transaction
                too large for its cookie (a very long ``return_to``, ``scope`` or ``audience``).
            DiscoveryError, TransportError, OAuthError: the provider failed.
            ConfigurationError: domain, client id or credentials are missing.
            RequestContextError: no request is bound and none was given.

        """
        ctx, sink = self._target(request, response)
        url = await self._flows.start_login(
            ctx, return_to=return_to, query=authorization_parameters
        )
        if sink is not None:
            self._flush(ctx, sink)
        return url

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
        ctx, sink = self._target(request, response)
        params = query_params(ctx)
        session, txn = await self._flows.complete_login(ctx, params)
        if sink is not None:
            self._flush(ctx, sink)
        return LoginResult(session=session, return_to=txn.return_to)

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
        ctx, sink = self._target(request, response)
        try:
            return await self._flows.logout(ctx, return_to=return_to, federated=federated)
        finally:
            if sink is not None:
                self._flush(ctx, sink)

    # -- the middleware ----------------------------------------------------------------

    @property
    def routes(self) -> Routes:
        """The paths of the ``/auth/*`` routes the middleware serves."""
        return self._routes

    def middleware(self, app: Callable[[Any, Any, Any], Awaitable[None]]) -> ASGIApp:
        """Wrap an ASGI app: bind each request, apply cookie writes, roll the session."""
        from ._http._middleware import Auth0Middleware

        return Auth0Middleware(app, client=self)

    def _may_roll(self, ctx: RequestContext) -> bool:
        """Whether :meth:`_roll` could write anything (``False`` is certain and costs no I/O)."""
        if ctx.session_written:
            return False
        session = ctx.session
        if session is UNREAD:
            return True  # only a read can tell
        return session is not None and self._lifetime.roll_due(
            session,  # type: ignore[arg-type]
            self._clock(),
        )

    async def _roll(self, ctx: RequestContext) -> None:
        """Re-issue the session cookie when rolling is due (the pass-through branch)."""
        if ctx.session_written:
            return
        session = await self._read(ctx)
        if session is None or not self._lifetime.roll_due(session, self._clock()):
            return
        hook = self._session_config.before_session_rolled
        if hook is not None:
            from ._service._hooks import allow_roll

            if not await allow_roll(hook, ctx):
                return
        await self._store.write(ctx, session)
