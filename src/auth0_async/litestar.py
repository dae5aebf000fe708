"""Sessions in Litestar apps: a plugin plus dependency providers (extra ``litestar``).

:class:`Auth0Plugin` wires an :class:`~auth0_async.Auth0Client` into a ``Litestar``
app: it adds ``auth0.middleware`` (the outermost of the app's middleware) and
registers the ``/auth/*`` paths, which the middleware then serves (Litestar
runs middleware only for paths it routes). Its methods are dependency providers::

    from litestar import Litestar, get
    from litestar.di import Provide

    from auth0_async import Auth0Client, SessionData
    from auth0_async.litestar import Auth0Plugin

    auth0 = Auth0Client()
    auth = Auth0Plugin(auth0)

    @get("/api/me", dependencies={"session": Provide(auth.require_session)})
    async def me(session: SessionData) -> dict[str, str]:
        return {"sub": session.user.sub}

    app = Litestar([me], plugins=[auth])

Providers: :meth:`~Auth0Plugin.session` (``SessionData | None``),
:meth:`~Auth0Plugin.require_session` (401 JSON ``{"error": "not_authenticated",
"description": ...}`` without a session), :meth:`~Auth0Plugin.require_session_page`
(a redirect to the login route with ``returnTo``) and :meth:`~Auth0Plugin.access_token`.
Register them app-wide with ``Litestar(dependencies={"session": Provide(...)})``
or per controller or route.

Instead of the plugin, wrapping the whole app also works
(``app = auth0.middleware(Litestar(...))``), but then ``uvicorn`` must run the
wrapped app, and the 401 and redirect answers need the plugin's exception handler
(``exception_handlers={NotAuthenticatedError: auth.exception_handler}``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

try:
    # Request, Scope, ... are needed at run time: Litestar reads the annotations.
    from litestar import Request, Response, asgi
    from litestar.exceptions import NotAuthorizedException
    from litestar.plugins import InitPlugin
    from litestar.types import Receive, Scope, Send  # noqa: TC002
except ImportError as exc:  # pragma: no cover - exercised without the extra
    raise ImportError(
        "auth0_async.litestar needs Litestar: pip install 'auth0-async[litestar]'"
    ) from exc

from ._core._access_tokens import AccessToken  # noqa: TC001 (Litestar reads the annotations)
from ._core._config import Routes
from ._core._models import SessionData  # noqa: TC001 (Litestar reads the annotations)
from ._core._responses import RouteResponse
from ._exceptions import AccessTokenError
from ._http._adapters import (
    NOSNIFF,
    NOT_AUTHENTICATED,
    access_token_error_body,
    login_location,
    redirect_status,
    resolve_login_path,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from litestar.config.app import AppConfig
    from litestar.connection import ASGIConnection
    from litestar.handlers.base import BaseRouteHandler

    from ._client import Auth0Client
    from ._types import ASGIApp

__all__ = ["Auth0Plugin", "NotAuthenticatedError"]

_NOT_FOUND = RouteResponse.text("Not Found", 404)


class NotAuthenticatedError(NotAuthorizedException):
    """Raised by the providers of :class:`Auth0Plugin` when there is no session.

    A 401 for APIs (``location`` is ``None``), or a redirect to the login route
    (``status_code`` 307 or 303) for pages; also raised for an
    :class:`~auth0_async.AccessTokenError` (``body["error"]`` is its code). The
    plugin's exception handler turns it into the 401 JSON body or the redirect.

    Attributes:
        location: the login URL for pages; ``None`` for API routes.
        body: the 401 JSON body (``error`` and ``description``).

    """

    def __init__(
        self,
        *,
        location: str | None = None,
        status_code: int = 401,
        body: Mapping[str, str] = NOT_AUTHENTICATED,
    ) -> None:
        super().__init__(
            detail=body["error"],
            status_code=status_code,
            headers={"location": location} if location is not None else None,
        )
        self.location = location
        self.body = dict(body)


class Auth0Plugin(InitPlugin):
    """Wires an :class:`~auth0_async.Auth0Client` into a Litestar app; its methods are providers.

    Args:
        auth0: the client whose sessions to read and whose routes to serve.
        routes: the client's ``Routes``, when they are not the default ones (the
            plugin registers their paths so Litestar routes them to the middleware).
        login_path: where pages without a session are sent, as the browser sees
            it (default: ``routes.login``). ``returnTo`` is added.

    Raises:
        ConfigurationError: ``login_path`` is not a path.

    """

    __slots__ = ("auth0", "login_path", "routes")

    def __init__(
        self,
        auth0: Auth0Client,
        *,
        routes: Routes | None = None,
        login_path: str | None = None,
    ) -> None:
        self.auth0 = auth0
        self.routes = routes if routes is not None else Routes()
        self.login_path = resolve_login_path(login_path or self.routes.login)

    def __deepcopy__(self, memo: dict[int, Any]) -> Auth0Plugin:
        # Litestar deep-copies a Router when it is registered, with its guards and providers
        # (bound methods of this plugin): share the plugin and its client, never copy them.
        return self

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        """Add the middleware, the ``/auth/*`` paths and the exception handler."""
        app_config.middleware.insert(0, self._middleware)
        app_config.route_handlers.append(
            asgi(
                path=list(self.routes.paths()),
                name=f"auth0_async.routes.{id(self):x}",
                copy_scope=False,
            )(_auth_routes)
        )
        app_config.exception_handlers.setdefault(NotAuthenticatedError, self.exception_handler)
        return app_config

    def _middleware(self, app: Any) -> Any:
        return self.auth0.middleware(cast("ASGIApp", app))

    @staticmethod
    def exception_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
        """Answer a :class:`NotAuthenticatedError`: the login redirect, or the 401 JSON body."""
        assert isinstance(exc, NotAuthenticatedError)
        if exc.location is not None:
            headers = {"location": exc.location, **NOSNIFF}
            return Response(b"", status_code=exc.status_code, headers=headers)
        return Response(exc.body, status_code=exc.status_code, headers=dict(NOSNIFF))

    async def session(self, request: Request[Any, Any, Any]) -> SessionData | None:
        """Provide the session of this request, or ``None`` without a valid one.

        Raises:
            SessionStoreError: a stateful session store failed.

        """
        return await self.auth0.get_session(request.scope)

    async def require_session(self, request: Request[Any, Any, Any]) -> SessionData:
        """Provide the session to an API route; without one, answer 401 JSON.

        Raises:
            NotAuthenticatedError: there is no valid session (status 401).

        """
        session = await self.auth0.get_session(request.scope)
        if session is None:
            raise NotAuthenticatedError()
        return session

    async def require_session_page(self, request: Request[Any, Any, Any]) -> SessionData:
        """Provide the session to a page; without one, redirect to the login route.

        Raises:
            NotAuthenticatedError: there is no valid session (a 307/303 to the login route).

        """
        session = await self.auth0.get_session(request.scope)
        if session is None:
            scope = request.scope
            raise NotAuthenticatedError(
                location=login_location(scope, self.login_path),
                status_code=redirect_status(scope),
            )
        return session

    async def guard(
        self, connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
    ) -> None:
        """Refuse requests without a session (401 JSON): a Litestar guard.

        Use it on an app, router, controller or route: ``guards=[auth.guard]``.

        Raises:
            NotAuthenticatedError: there is no valid session (status 401).

        """
        if await self.auth0.get_session(connection.scope) is None:
            raise NotAuthenticatedError()

    async def access_token(self, request: Request[Any, Any, Any]) -> AccessToken:
        """Provide an access token for the session, refreshed when it has expired.

        A rotated refresh token is saved by the middleware on this response.

        Raises:
            NotAuthenticatedError: a 401 whose body carries the
                :class:`~auth0_async.AccessTokenError` code and message.
            RequestContextError: the plugin (or ``auth0.middleware``) is not installed.

        """
        try:
            return await self.auth0.get_access_token()
        except AccessTokenError as exc:
            raise NotAuthenticatedError(body=access_token_error_body(exc)) from exc


async def _auth_routes(scope: Scope, receive: Receive, send: Send) -> None:
    # Reached only when the middleware did not serve the path (a wrong method, say).
    await _NOT_FOUND.send(cast("Any", send))
