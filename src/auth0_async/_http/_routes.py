"""The ``/auth/*`` route handlers: each turns one request into kernel calls and one answer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias
from urllib.parse import parse_qsl

from .._core._request import query_params, request_source
from .._core._responses import RouteResponse
from .._exceptions import (
    AccessTokenError,
    Auth0Error,
    AuthorizationError,
    ConfigurationError,
    DiscoveryError,
    InvalidRequestError,
    SessionStoreError,
    TokenValidationError,
    TransactionError,
)
from .._service._hooks import logger
from ._callback import CallbackContext, answer_callback

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping

    from .._core._config import Routes
    from .._core._context import RequestContext
    from .._service._kernel import Kernel
    from .._service._options import ClientOptions
    from ._callback import OnCallback

__all__ = ["AuthRoutes", "Handler"]

Handler: TypeAlias = (
    "Callable[[RequestContext, Callable[[], Awaitable[bytes | None]]], Awaitable[RouteResponse]]"
)
"""A route: ``(context, read_body) -> response``; ``read_body`` reads the request body, bounded."""

_FORM = "application/x-www-form-urlencoded"


class AuthRoutes:
    """The auth routes of one client, and which request goes to which."""

    __slots__ = ("_get", "_kernel", "_no_content_profile", "_on_callback", "_routes", "paths")

    def __init__(
        self,
        kernel: Kernel,
        *,
        routes: Routes,
        on_callback: OnCallback | None,
        no_content_profile: bool,
        access_token_endpoint: bool,
    ) -> None:
        self._kernel = kernel
        self._routes = routes
        self._on_callback = on_callback
        self._no_content_profile = no_content_profile
        table: dict[str | None, Handler] = {
            routes.login: self._login,
            routes.callback: self._callback,
            routes.logout: self._logout,
            routes.profile: self._profile,
        }
        if access_token_endpoint:
            table[routes.access_token] = self._access_token
        table.pop(None, None)
        self._get = table
        self.paths = frozenset(routes.paths())
        """Every configured route path: any other path (without a trailing slash) is the app's."""

    @classmethod
    def of_client(cls, kernel: Kernel, routes: Routes, options: ClientOptions) -> AuthRoutes:
        """Return the routes an ``Auth0Client`` with these options serves."""
        return cls(
            kernel,
            routes=routes,
            on_callback=options.on_callback,
            no_content_profile=options.no_content_profile_response_when_unauthenticated,
            access_token_endpoint=options.enable_access_token_endpoint,
        )

    def for_scope(self, scope: Mapping[str, Any]) -> Handler | None:
        """Return the handler for an ASGI scope's method and path, or ``None``."""
        path = scope.get("path", "/")
        root = scope.get("root_path")
        if type(path) is str and not root:
            if path not in self.paths and (len(path) < 2 or path[-1] != "/"):
                return None  # the common case, decided by one set lookup
        else:
            path = str(path)
            root = "" if root is None else str(root)
            if root and path.startswith(root):
                path = path[len(root) :] or "/"
        return self.for_path(scope.get("method", "GET"), path)

    def for_path(self, method: str, path: str) -> Handler | None:
        """Return the handler for ``method`` and ``path``, or ``None`` (pass through to the app)."""
        if len(path) > 1 and path.endswith("/"):
            path = path[:-1]
        if method == "GET" or method == "HEAD":
            return self._get.get(path)
        if method == "POST" and path == self._routes.backchannel_logout:
            return self._backchannel
        return None

    async def _login(self, ctx: RequestContext, _body: Any) -> RouteResponse:
        query: dict[str, str | None] = dict(query_params(ctx))
        return_to = query.pop("returnTo", None)
        try:
            url = await self._kernel.login.start(ctx, return_to=return_to, query=query)
        except InvalidRequestError as exc:
            return RouteResponse.text(exc.message, 400)
        except Auth0Error as exc:
            logger.error(
                "login could not start: %s",
                exc,
                extra={
                    "event": "auth0_async.login.failed",
                    "stage": "start",
                    "error_code": exc.code,
                },
            )
            return RouteResponse.text(
                "An error occurred while trying to initiate the login request.", 500
            )
        return RouteResponse.redirect(url)

    async def _callback(self, ctx: RequestContext, _body: Any) -> RouteResponse:
        params = query_params(ctx)
        try:
            base = self._kernel.origin.base_url(ctx)
        except InvalidRequestError as exc:
            return RouteResponse.text(exc.message, 400)
        try:
            result = await self._kernel.login.complete(ctx, params)
        except Auth0Error as exc:
            if not isinstance(exc, (TransactionError, AuthorizationError)):
                logger.warning(
                    "login callback failed: %r",
                    exc,
                    extra={
                        "event": "auth0_async.login.failed",
                        "stage": "callback",
                        "error_code": exc.code,
                    },
                )
            context = CallbackContext(return_to=None, app_base_url=base)
            return await answer_callback(self._on_callback, exc, context, None)
        context = CallbackContext(return_to=result.return_to, app_base_url=base)
        return await answer_callback(self._on_callback, None, context, result.session)

    async def _logout(self, ctx: RequestContext, _body: Any) -> RouteResponse:
        query = query_params(ctx)
        try:
            url = await self._kernel.logout.logout(
                ctx,
                return_to=query.get("returnTo"),
                federated="federated" in query,
                state=query.get("state"),
            )
        except InvalidRequestError as exc:
            return RouteResponse.text(exc.message, 400)
        except Auth0Error as exc:
            logger.error(
                "logout could not reach the provider: %s",
                exc,
                extra={"event": "auth0_async.logout.failed", "error_code": exc.code},
            )
            return RouteResponse.text(
                exc.message
                if isinstance(exc, ConfigurationError)
                else "An error occurred while trying to log out.",
                500,
            )
        return RouteResponse.redirect(url)

    async def _profile(self, ctx: RequestContext, _body: Any) -> RouteResponse:
        session = await self._kernel.read(ctx)
        ctx.no_store = True
        if session is None:
            return RouteResponse.empty(204 if self._no_content_profile else 401)
        return RouteResponse.json(session.user.to_dict())

    async def _access_token(self, ctx: RequestContext, _body: Any) -> RouteResponse:
        """Answer with the token as JSON, or 401 with ``{error: {code, message}}``."""
        query = query_params(ctx)
        ctx.no_store = True
        kernel = self._kernel
        try:
            token = await kernel.tokens.get(
                ctx,
                scope=query.get("scope"),
                audience=query.get("audience"),
                merge=query.get("mergeScopes") != "false",
            )
        except AccessTokenError as exc:
            if exc.code == "session_expired":
                # As nextjs-auth0: the ended session's cookie (and record) go too.
                try:
                    await kernel.sessions.delete(ctx)
                except SessionStoreError as store_exc:
                    logger.warning(
                        "could not delete an expired session: %s",
                        store_exc,
                        extra={"event": "auth0_async.store.error", "operation": "delete"},
                    )
            return RouteResponse.json({"error": {"message": exc.message, "code": exc.code}}, 401)
        expires_in = max(0, token.expires_at - int(kernel.clock())) if token.expires_at else 0
        body: dict[str, Any] = {
            "token": token.token,
            "scope": token.scope,
            "expires_at": token.expires_at,
            "expires_in": expires_in,
        }
        if token.token_type:
            body["token_type"] = token.token_type
        return RouteResponse.json(body)

    async def _backchannel(
        self, ctx: RequestContext, body: Callable[[], Awaitable[bytes | None]]
    ) -> RouteResponse:
        ctx.no_store = True
        content_type = request_source(ctx).headers.get("content-type", "")
        if content_type.split(";", 1)[0].strip().lower() != _FORM:
            return RouteResponse.text(f"The logout request must be {_FORM}.", 400)
        raw = await body()
        if raw is None:
            return RouteResponse.text("The logout request body is too large.", 413)
        try:
            form = dict(parse_qsl(raw.decode("ascii"), keep_blank_values=True, max_num_fields=20))
        except (UnicodeDecodeError, ValueError):
            return RouteResponse.text("The logout request body is not a valid form.", 400)
        token = form.get("logout_token")
        if not token:
            return RouteResponse.text("Missing `logout_token` in the request body.", 400)
        logout = self._kernel.logout
        try:
            claims = await logout.verify_logout_token(token)
        except TokenValidationError as exc:
            logger.warning(
                "back-channel logout token refused: %s",
                exc.message,
                extra={"event": "auth0_async.backchannel.rejected", "error_code": exc.code},
            )
            return RouteResponse.text(f"Invalid logout token: {exc.message}", 400)
        except DiscoveryError as exc:
            logger.error(
                "back-channel logout could not fetch the provider's keys: %s",
                exc,
                extra={"event": "auth0_async.backchannel.failed", "error_code": exc.code},
            )
            return RouteResponse.text("The identity provider's keys could not be fetched.", 503)
        except SessionStoreError as exc:  # the shared jti memory, before anything was deleted
            logger.error(
                "back-channel logout could not check the token for replay: %s",
                exc,
                extra={"event": "auth0_async.backchannel.failed", "error_code": exc.code},
            )
            return RouteResponse.text("The session store is unavailable.", 503)
        if not logout.can_end_sessions:
            return RouteResponse.text(
                "Back-channel logout needs a stateful session store (Auth0Client(session_store=...)); "
                "sessions kept only in cookies cannot be ended from the server.",
                501,
            )
        try:
            count = await logout.end_sessions(claims)
        except SessionStoreError as exc:
            logger.error(
                "back-channel logout could not reach the session store: %s",
                exc,
                extra={"event": "auth0_async.backchannel.failed", "error_code": exc.code},
            )
            return RouteResponse.text("The session store is unavailable.", 503)
        logger.info(
            "back-channel logout deleted %d session(s)",
            count,
            extra={"event": "auth0_async.backchannel.completed", "sessions": count},
        )
        return RouteResponse.empty(204)
