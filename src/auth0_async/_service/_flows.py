"""Login, callback, logout, profile and back-channel logout: coordination over the OIDC layer.

Pure protocol work (URLs, token parsing, JWT validation) lives in ``_oidc``;
cookies live in the session and transaction stores. This module decides what
happens in which order, and turns every failure into a typed error or a clean
HTTP answer — never a traceback in a browser.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeAlias
from urllib.parse import SplitResult, parse_qsl, urlsplit

import msgspec

from .._core._context import scope_of
from .._core._lifetime import IPSIE_LEEWAY
from .._core._models import Internal, SessionData, TokenSet, user_from_claims
from .._core._request import is_valid_host, request_host, server_host
from .._core._responses import RouteResponse
from .._exceptions import (
    Auth0Error,
    AuthorizationError,
    ConfigurationError,
    DiscoveryError,
    InvalidRequestError,
    InvalidStateError,
    MissingStateError,
    OAuthError,
    SessionStoreError,
    TokenValidationError,
    TransactionError,
    TransportError,
)
from .._oidc import (
    JtiCache,
    authorization_url,
    build_authorization_params,
    build_logout_url,
    code_challenge_s256,
    new_code_verifier,
    new_nonce,
    new_state,
    par_authorization_url,
    parse_token_response,
    safe_return_to,
)
from .._oidc._tokens import authorization_code_form
from .._sessions._transactions import TransactionState
from ._hooks import maybe_await, request_source

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping, Sequence

    from .._core._config import Routes
    from .._core._context import RequestContext
    from .._oidc import AuthorizationParameters, ClientAuth, OIDCClient
    from .._sessions._persistence import SessionPersistence
    from .._sessions._replay import ReplayCache
    from .._sessions._transactions import TransactionStore

__all__ = [
    "DEFAULT_ID_TOKEN_CLAIMS",
    "BeforeSessionSaved",
    "CallbackContext",
    "LoginFlows",
    "OnCallback",
    "filter_default_id_token_claims",
    "query_params",
    "request_origin",
]

logger = logging.getLogger("auth0_async")

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

_MAX_FORM_BYTES = 64 * 1024


def filter_default_id_token_claims(claims: Mapping[str, Any]) -> dict[str, Any]:
    """Keep only :data:`DEFAULT_ID_TOKEN_CLAIMS` (what nextjs-auth0 stores by default)."""
    return {k: v for k, v in claims.items() if k in DEFAULT_ID_TOKEN_CLAIMS}


@dataclass(frozen=True, slots=True)
class CallbackContext:
    """What ``on_callback`` learns about the login being completed.

    Attributes:
        return_to: the validated, same-origin path the user asked to return to.
        app_base_url: the application's base URL for this request.
        response_type: ``code``.

    """

    return_to: str | None
    app_base_url: str | None
    response_type: str = "code"


BeforeSessionSaved: TypeAlias = (
    "Callable[[SessionData, str | None], SessionData | Awaitable[SessionData]]"
)
"""Hook ``(session, id_token) -> session`` run before a session from login or refresh is saved."""
OnCallback: TypeAlias = (
    "Callable[[Auth0Error | None, CallbackContext, SessionData | None], "
    "RouteResponse | None | Awaitable[RouteResponse | None]]"
)
"""Hook deciding the callback's response; ``None`` keeps the default response."""


def _split_url(ctx: RequestContext) -> SplitResult:
    try:
        parts = urlsplit(str(request_source(ctx).url))
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError:
        raise InvalidRequestError("The request's URL (or Host header) is not valid.") from None
    return parts


def request_origin(ctx: RequestContext) -> tuple[str, str]:
    """Return the request's scheme and ``host[:port]``, as the client addressed it.

    The host is the ``Host`` header (else the server's address), and only when
    it is a plain ``host[:port]``.

    Raises:
        InvalidRequestError: the ``Host`` header is repeated or malformed, or
            there is no usable host at all.

    """
    scope = scope_of(ctx.request)
    if scope is not None:
        scheme = str(scope.get("scheme") or "http")
        host = request_host(scope) or server_host(scope)
    else:
        parts = _split_url(ctx)
        scheme, host = parts.scheme, parts.netloc
    if not host or not is_valid_host(host):
        raise InvalidRequestError("The request's Host header is not a valid host.")
    return scheme, host


def query_params(ctx: RequestContext) -> dict[str, str]:
    """Return the first value of each query parameter of the context's request.

    The query is the request line's (``scope["query_string"]``) whenever the
    request carries an ASGI scope; only a bare :class:`RequestSource` is read
    through its ``url``.

    Raises:
        InvalidRequestError: more than 200 parameters, or a ``url`` that does not parse.

    """
    scope = scope_of(ctx.request)
    if scope is not None:  # the request line's query, never one re-parsed from a URL (Host)
        query = bytes(scope.get("query_string", b"")).decode("latin-1")
    else:
        query = _split_url(ctx).query
    params: dict[str, str] = {}
    try:
        pairs = parse_qsl(query, keep_blank_values=True, max_num_fields=200)
    except ValueError:
        raise InvalidRequestError("The request has too many query parameters.") from None
    for key, value in pairs:
        params.setdefault(key, value)
    return params


def _error_status(error: Auth0Error) -> int:
    if isinstance(
        error, (TransactionError, AuthorizationError, TokenValidationError, InvalidRequestError)
    ):
        return 400
    if isinstance(error, OAuthError) and error.error == "invalid_grant":
        return 400  # a replayed, expired or foreign authorization code: the client's request
    if isinstance(error, SessionStoreError):
        return 503
    if isinstance(error, (TransportError, OAuthError)):
        return 502
    return 500


def error_response(error: Auth0Error) -> RouteResponse:
    """Return the default plain-text answer for an auth route error (no internals, no secrets)."""
    return RouteResponse.text(error.message, _error_status(error))


_Handler: TypeAlias = "Callable[[RequestContext, Any], Awaitable[RouteResponse]]"


class LoginFlows:
    """The interactive login flow and the routes around it, for one ``Auth0Client``."""

    def __init__(
        self,
        *,
        oidc: Callable[[], OIDCClient],
        client_id: Callable[[], str],
        client_auth: Callable[[], ClientAuth],
        sessions: SessionPersistence,
        read_session: Callable[[RequestContext], Awaitable[SessionData | None]],
        transactions: TransactionStore,
        routes: Routes,
        app_base_urls: Sequence[str],
        authorization_parameters: AuthorizationParameters | None,
        pushed_authorization_requests: bool,
        sign_in_return_to_path: str,
        logout_strategy: Literal["auto", "oidc", "v2"],
        include_id_token_hint: bool,
        before_session_saved: BeforeSessionSaved | None,
        on_callback: OnCallback | None,
        no_content_profile: bool,
        backchannel_delete: Callable[[str | None, str | None, str | None], Awaitable[int]] | None,
        clock: Callable[[], float],
        replay_cache: ReplayCache | None = None,
    ) -> None:
        self._oidc = oidc
        self._client_id = client_id
        self._client_auth = client_auth
        self._sessions = sessions
        self._read_session = read_session
        self._transactions = transactions
        self._routes = routes
        self._app_base_urls = tuple(app_base_urls)
        self._authorization_parameters = authorization_parameters
        self._par = pushed_authorization_requests
        self._sign_in_return_to = sign_in_return_to_path
        self._logout_strategy = logout_strategy
        self._include_id_token_hint = include_id_token_hint
        self._before_session_saved = before_session_saved
        self._on_callback = on_callback
        self._no_content_profile = no_content_profile
        self._backchannel_delete = backchannel_delete
        self._clock = clock
        # Accepted logout-token jti values: shared when the session store offers it.
        self._seen_jti: ReplayCache = replay_cache if replay_cache is not None else JtiCache()
        self._get_table: dict[str | None, _Handler] | None = None
        self.route_paths = frozenset(routes.paths())
        """Every configured route path: any other path (without a trailing slash) is the app's."""
        self.access_token_route: (
            Callable[[RequestContext, dict[str, str]], Awaitable[RouteResponse]] | None
        ) = None

    # -- routing ---------------------------------------------------------------------------

    def route_for_scope(
        self, scope: Mapping[str, Any]
    ) -> Callable[[RequestContext, Any], Awaitable[RouteResponse]] | None:
        """Return the handler for an ASGI scope's method and path, or ``None``."""
        path = scope.get("path", "/")
        root = scope.get("root_path")
        if type(path) is str and not root:
            if path not in self.route_paths and (len(path) < 2 or path[-1] != "/"):
                return None  # the common case, decided by one set lookup
        else:
            path = str(path)
            root = "" if root is None else str(root)
            if root and path.startswith(root):
                path = path[len(root) :] or "/"
        return self.route_for(scope.get("method", "GET"), path)

    def route_for(
        self, method: str, path: str
    ) -> Callable[[RequestContext, Any], Awaitable[RouteResponse]] | None:
        """Return the handler for ``method`` and ``path``, or ``None`` (pass through to the app)."""
        if len(path) > 1 and path.endswith("/"):
            path = path[:-1]
        if method == "GET" or method == "HEAD":
            table = self._get_table
            if table is None:
                routes = self._routes
                table = {
                    routes.login: self._login_route,
                    routes.callback: self._callback_route,
                    routes.logout: self._logout_route,
                    routes.profile: self._profile_route,
                }
                if self.access_token_route is not None:
                    table[routes.access_token] = self._access_token
                table.pop(None, None)
                self._get_table = table
            return table.get(path)
        if method == "POST" and path == self._routes.backchannel_logout:
            return self._backchannel_route
        return None

    # -- base URL ----------------------------------------------------------------------------

    def app_base_url(self, ctx: RequestContext) -> str:
        """Return the app's base URL for this request: configured, or inferred from the request.

        Raises:
            InvalidRequestError: the request's origin is not an allowed base URL,
                or its Host header cannot be trusted to build one.

        """
        if len(self._app_base_urls) == 1:
            return self._app_base_urls[0]  # the request's Host plays no part
        scheme, host = request_origin(ctx)
        origin = f"{scheme}://{host}".lower()
        if self._app_base_urls:
            for url in self._app_base_urls:
                if url.startswith(origin) and (len(url) == len(origin) or url[len(origin)] == "/"):
                    return url
            raise InvalidRequestError(
                "The request's origin is not one of the configured app_base_url values."
            )
        if scheme not in ("http", "https"):
            raise InvalidRequestError("The request's scheme is not http or https.")
        return origin

    def _redirect_uri(self, base: str) -> str:
        return f"{base}{self._routes.callback}"

    def _safe_path(self, value: str | None, base: str, default: str) -> str:
        return safe_return_to(value, base_url=base + "/", default=default)

    @staticmethod
    def _origin(base: str) -> str:
        parts = urlsplit(base)
        return f"{parts.scheme}://{parts.netloc}"

    # -- login -------------------------------------------------------------------------------

    async def start_login(
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
        base = self.app_base_url(ctx)
        path = self._safe_path(return_to, base, self._sign_in_return_to)
        oidc = self._oidc()
        client_id = self._client_id()
        state, nonce, verifier = new_state(), new_nonce(), new_code_verifier()
        params = build_authorization_params(
            client_id=client_id,
            redirect_uri=self._redirect_uri(base),
            state=state,
            nonce=nonce,
            code_challenge=code_challenge_s256(verifier),
            configured=self._authorization_parameters,
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
            request_uri = await oidc.pushed_authorization_request(params, self._client_auth())
            url = par_authorization_url(metadata, client_id=client_id, request_uri=request_uri)
        else:
            url = authorization_url(metadata, params)
        self._transactions.save(ctx, sealed)
        return url

    async def _login_route(self, ctx: RequestContext, _body: Any) -> RouteResponse:
        query: dict[str, str | None] = dict(query_params(ctx))
        return_to = query.pop("returnTo", None)
        try:
            url = await self.start_login(ctx, return_to=return_to, query=query)
        except InvalidRequestError as exc:
            return RouteResponse.text(exc.message, 400)
        except Auth0Error as exc:
            logger.error("login could not start: %s", exc)
            return RouteResponse.text(
                "An error occurred while trying to initiate the login request.", 500
            )
        return RouteResponse.redirect(url)

    # -- callback ----------------------------------------------------------------------------

    async def complete_login(
        self, ctx: RequestContext, params: Mapping[str, str]
    ) -> tuple[SessionData, TransactionState]:
        """Finish a login from the callback's parameters and queue the new session cookie.

        Raises:
            MissingStateError: no ``state`` parameter.
            InvalidStateError: no live transaction for that state.
            AuthorizationError: the provider answered with ``error=`` (or a mismatched ``iss``).
            OAuthError, TransportError, DiscoveryError: the code exchange failed.
            TokenValidationError: the ID token is invalid.

        """
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
        return session, txn

    async def _exchange(
        self, ctx: RequestContext, params: Mapping[str, str], txn: TransactionState
    ) -> SessionData:
        oidc = self._oidc()
        client_id = self._client_id()
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
        base = self.app_base_url(ctx)
        form = authorization_code_form(
            code=code, redirect_uri=self._redirect_uri(base), code_verifier=txn.code_verifier
        )
        body = await oidc.token_request(form, self._client_auth())
        tokens = parse_token_response(body, require_id_token=True)
        assert tokens.id_token is not None  # require_id_token
        claims = await oidc.verify_id_token(
            tokens.id_token, client_id=client_id, nonce=txn.nonce, max_age=txn.max_age
        )
        now = int(self._clock())
        sid = claims.get("sid")
        ceiling = claims.get("session_expiry")
        session_expires_at = None
        if isinstance(ceiling, int) and not isinstance(ceiling, bool) and 0 < ceiling < 10**10:
            if ceiling <= now + IPSIE_LEEWAY:
                raise TokenValidationError(
                    "The upstream session has already expired (session_expiry)."
                )
            session_expires_at = ceiling
        internal = Internal(
            created_at=now,
            sid=sid if isinstance(sid, str) else None,
            session_expires_at=session_expires_at,
        )
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
            internal=internal,
        )
        return await self.finalize(session, tokens.id_token)

    async def finalize(self, session: SessionData, id_token: str | None) -> SessionData:
        """Run ``before_session_saved`` (or the default claim filter); ``internal`` is always kept.

        Raises:
            TypeError: the hook returned something other than a SessionData.

        """
        if self._before_session_saved is None:
            user = user_from_claims(filter_default_id_token_claims(session.user.to_dict()))
            return msgspec.structs.replace(session, user=user)
        return await self._run_before_session_saved(session, id_token)

    async def _run_before_session_saved(
        self, session: SessionData, id_token: str | None
    ) -> SessionData:
        hook = self._before_session_saved
        assert hook is not None
        result = await maybe_await(hook(session, id_token))
        if not isinstance(result, SessionData):
            raise TypeError("before_session_saved must return a SessionData")
        return msgspec.structs.replace(result, internal=session.internal)

    async def finalize_refresh(
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
        hook = self._before_session_saved
        if claims:
            new = dict(claims) if hook is not None else filter_default_id_token_claims(claims)
            user = user_from_claims({**session.user.to_dict(), **new})
            session = msgspec.structs.replace(session, user=user)
        if hook is None:
            return session
        return await self._run_before_session_saved(session, id_token)

    async def _callback_route(self, ctx: RequestContext, _body: Any) -> RouteResponse:
        params = query_params(ctx)
        try:
            base = self.app_base_url(ctx)
        except InvalidRequestError as exc:
            return RouteResponse.text(exc.message, 400)
        context = CallbackContext(return_to=None, app_base_url=base)
        try:
            session, txn = await self.complete_login(ctx, params)
        except Auth0Error as exc:
            if not isinstance(exc, (TransactionError, AuthorizationError)):
                logger.warning("login callback failed: %r", exc)
            return await self._answer_callback(exc, context, None)
        context = CallbackContext(return_to=txn.return_to, app_base_url=base)
        return await self._answer_callback(None, context, session)

    async def _answer_callback(
        self, error: Auth0Error | None, context: CallbackContext, session: SessionData | None
    ) -> RouteResponse:
        if self._on_callback is not None:
            try:
                answer = await maybe_await(self._on_callback(error, context, session))
            except Exception:
                logger.exception("on_callback raised")
                return RouteResponse.text("An error occurred while completing the login.", 500)
            if answer is not None:
                if not isinstance(answer, RouteResponse):
                    logger.error(
                        "on_callback returned %s, not a RouteResponse", type(answer).__name__
                    )
                    return RouteResponse.text("An error occurred while completing the login.", 500)
                return answer
        if error is not None:
            return error_response(error)
        base = context.app_base_url or ""
        return RouteResponse.redirect(self._origin(base) + (context.return_to or "/"))

    # -- logout ------------------------------------------------------------------------------

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
            DiscoveryError: the provider's metadata cannot be fetched (cookies are deleted anyway).
            ConfigurationError: ``oidc`` logout without an ``end_session_endpoint``.

        """
        try:
            session = await self._read_session(ctx)
        except SessionStoreError as exc:  # still log the browser out; the record expires by itself
            logger.warning("logout could not read the session store: %s", exc)
            session = None
        base = self.app_base_url(ctx)
        target = base
        if return_to is not None:
            target = self._origin(base) + self._safe_path(
                return_to, base, urlsplit(base).path or "/"
            )
        try:
            await self._sessions.delete(ctx)
        except SessionStoreError as exc:  # the cookies are deleted already
            logger.warning("logout could not delete the stored session: %s", exc)
        self._transactions.delete_all(ctx)
        oidc = self._oidc()
        client_id = self._client_id()
        metadata = await oidc.metadata()
        token_set = session.token_set if session is not None else None
        # revocation_endpoint() never raises; it may read the RFC 8414 metadata.
        if token_set is not None and token_set.refresh_token and await oidc.revocation_endpoint():
            try:
                await oidc.revoke(token_set.refresh_token, self._client_auth())
            except Auth0Error as exc:
                logger.warning("refresh token revocation failed during logout: %s", exc)
        return build_logout_url(
            strategy=self._logout_strategy,
            metadata=metadata,
            client_id=client_id,
            return_to=target,
            id_token_hint=token_set.id_token
            if token_set is not None and self._include_id_token_hint
            else None,
            logout_hint=session.internal.sid
            if session is not None and session.internal is not None
            else None,
            state=state,
            federated=federated,
        )

    async def _logout_route(self, ctx: RequestContext, _body: Any) -> RouteResponse:
        query = query_params(ctx)
        try:
            url = await self.logout(
                ctx,
                return_to=query.get("returnTo"),
                federated="federated" in query,
                state=query.get("state"),
            )
        except InvalidRequestError as exc:
            return RouteResponse.text(exc.message, 400)
        except Auth0Error as exc:
            logger.error("logout could not reach the provider: %s", exc)
            return RouteResponse.text(
                exc.message
                if isinstance(exc, ConfigurationError)
                else "An error occurred while trying to log out.",
                500,
            )
        return RouteResponse.redirect(url)

    # -- access token ----------------------------------------------------------------------

    async def _access_token(self, ctx: RequestContext, _body: Any) -> RouteResponse:
        assert self.access_token_route is not None
        return await self.access_token_route(ctx, query_params(ctx))

    # -- profile -----------------------------------------------------------------------------

    async def _profile_route(self, ctx: RequestContext, _body: Any) -> RouteResponse:
        session = await self._read_session(ctx)
        ctx.no_store = True
        if session is None:
            return RouteResponse.empty(204 if self._no_content_profile else 401)
        return RouteResponse.json(session.user.to_dict())

    # -- back-channel logout -----------------------------------------------------------------

    async def _backchannel_route(self, ctx: RequestContext, body: Any) -> RouteResponse:
        ctx.no_store = True
        source = request_source(ctx)
        content_type = source.headers.get("content-type", "")
        if content_type.split(";", 1)[0].strip().lower() != "application/x-www-form-urlencoded":
            return RouteResponse.text(
                "The logout request must be application/x-www-form-urlencoded.", 400
            )
        raw: bytes | None = await body()
        if raw is None:
            return RouteResponse.text("The logout request body is too large.", 413)
        try:
            form = dict(parse_qsl(raw.decode("ascii"), keep_blank_values=True, max_num_fields=20))
        except (UnicodeDecodeError, ValueError):
            return RouteResponse.text("The logout request body is not a valid form.", 400)
        token = form.get("logout_token")
        if not token:
            return RouteResponse.text("Missing `logout_token` in the request body.", 400)
        try:
            claims = await self._oidc().verify_logout_token(
                token, client_id=self._client_id(), seen_jti=self._seen_jti
            )
        except TokenValidationError as exc:
            return RouteResponse.text(f"Invalid logout token: {exc.message}", 400)
        except DiscoveryError as exc:
            logger.error("back-channel logout could not fetch the provider's keys: %s", exc)
            return RouteResponse.text("The identity provider's keys could not be fetched.", 503)
        except SessionStoreError as exc:  # the shared jti memory, before anything was deleted
            logger.error("back-channel logout could not check the token for replay: %s", exc)
            return RouteResponse.text("The session store is unavailable.", 503)
        if self._backchannel_delete is None:
            return RouteResponse.text(
                "Back-channel logout needs a stateful session store (Auth0Client(session_store=...)); "
                "sessions kept only in cookies cannot be ended from the server.",
                501,
            )
        sid, sub, iss = claims.get("sid"), claims.get("sub"), claims.get("iss")
        try:
            count = await self._backchannel_delete(sid, sub, iss)
        except SessionStoreError as exc:
            logger.error("back-channel logout could not reach the session store: %s", exc)
            return RouteResponse.text("The session store is unavailable.", 503)
        logger.info("back-channel logout deleted %d session(s)", count)
        return RouteResponse.empty(204)

    @staticmethod
    async def read_form_body(receive: Any) -> bytes | None:
        """Read an HTTP request body, up to a bound; ``None`` when it is larger."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > _MAX_FORM_BYTES:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)
