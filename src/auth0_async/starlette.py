"""Sessions in Starlette endpoints (extra ``starlette``).

Register :class:`~auth0_async.Auth0Middleware` (it binds each request and serves the
``/auth/*`` routes, so there are no routes to mount), then use an
:class:`Auth0Starlette` in endpoints, or :class:`Auth0Backend` for ``request.user``::

    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from auth0_async import Auth0Client, Auth0Middleware
    from auth0_async.starlette import Auth0Starlette

    auth0 = Auth0Client()
    auth = Auth0Starlette(auth0)

    @auth.login_required  # pages: redirect to /auth/login?returnTo=<this page>
    async def home(request):
        session = await auth.require_session_page(request)
        return JSONResponse({"hello": session.user.name})

    @auth.login_required(api=True)  # APIs: 401 {"error": "not_authenticated", ...}
    async def me(request):
        session = await auth.require_session(request)
        return JSONResponse({"sub": session.user.sub})

    app = Starlette(
        routes=[Route("/", home), Route("/api/me", me)],
        middleware=[Middleware(Auth0Middleware, client=auth0)],
        exception_handlers=auth.exception_handlers,
    )

``require_session`` / ``require_session_page`` raise :class:`NotAuthenticatedError`,
a Starlette ``HTTPException``; with :attr:`Auth0Starlette.exception_handlers`
installed it becomes the 401 JSON body or the login redirect. Without them,
Starlette's own handler still answers 401 (as text) or redirects.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, TypeAlias, overload

try:
    from starlette.authentication import AuthCredentials, AuthenticationBackend, BaseUser
    from starlette.exceptions import HTTPException
    from starlette.responses import JSONResponse, RedirectResponse, Response
except ImportError as exc:  # pragma: no cover - exercised without the extra
    raise ImportError(
        "auth0_async.starlette needs Starlette: pip install 'auth0-async[starlette]'"
    ) from exc

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
    from collections.abc import Awaitable, Callable, Mapping, Sequence

    from starlette.requests import HTTPConnection, Request

    from ._client import Auth0Client
    from ._core._access_tokens import AccessToken
    from ._core._models import SessionData, User

    Endpoint: TypeAlias = Callable[[Request], Awaitable[Response]]

__all__ = ["Auth0Backend", "Auth0Starlette", "Auth0User", "NotAuthenticatedError"]


class NotAuthenticatedError(HTTPException):
    """Raised by :meth:`Auth0Starlette.require_session` and friends when there is no session.

    An HTTP 401 for API routes (``location`` is ``None``), or a redirect to the
    login route (``status_code`` 307 or 303, ``location`` set) for pages. Also
    raised for an :class:`~auth0_async.AccessTokenError` (``error`` is its code).

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
        headers = {"location": location} if location is not None else None
        super().__init__(status_code, detail=body["error"], headers=headers)
        self.location = location
        self.body = dict(body)

    def response(self) -> Response:
        """Build the response to send: the login redirect for pages, the 401 JSON body for APIs."""
        if self.location is not None:
            return RedirectResponse(
                self.location, status_code=self.status_code, headers=dict(NOSNIFF)
            )
        return JSONResponse(self.body, status_code=self.status_code, headers=dict(NOSNIFF))


async def _handle(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, NotAuthenticatedError)
    return exc.response()


class Auth0Starlette:
    """Session helpers for Starlette endpoints, bound to one :class:`~auth0_async.Auth0Client`.

    The app must run behind :class:`~auth0_async.Auth0Middleware` (registered, or
    ``auth0.middleware(app)``): it serves the login route these helpers redirect to,
    and sends the cookies a token refresh writes.

    Args:
        auth0: the client whose sessions to read.
        login_path: where pages without a session are sent, as the browser sees
            it (the client's ``Routes.login`` plus any prefix a proxy strips;
            default ``/auth/login``). ``returnTo`` is added.

    Raises:
        ConfigurationError: ``login_path`` is not a path.

    """

    def __init__(self, auth0: Auth0Client, *, login_path: str | None = None) -> None:
        self.auth0 = auth0
        self.login_path = resolve_login_path(login_path)

    @property
    def exception_handlers(self) -> dict[Any, Callable[[Request, Exception], Awaitable[Response]]]:
        """``Starlette(exception_handlers=...)`` entries that answer :class:`NotAuthenticatedError`."""
        return {NotAuthenticatedError: _handle}

    async def session(self, conn: HTTPConnection) -> SessionData | None:
        """Return the session of this request or websocket, or ``None`` without a valid one.

        Raises:
            SessionStoreError: a stateful session store failed.

        """
        return await self.auth0.get_session(conn.scope)

    async def require_session(self, conn: HTTPConnection) -> SessionData:
        """Return the session; without one, raise the API answer (401 JSON).

        Raises:
            NotAuthenticatedError: there is no valid session (status 401).

        """
        session = await self.auth0.get_session(conn.scope)
        if session is None:
            raise NotAuthenticatedError()
        return session

    async def require_session_page(self, conn: HTTPConnection) -> SessionData:
        """Return the session; without one, raise the page answer (redirect to the login).

        Raises:
            NotAuthenticatedError: there is no valid session (a 307/303 to the login route).

        """
        session = await self.auth0.get_session(conn.scope)
        if session is None:
            raise self._login_required(conn)
        return session

    async def access_token(
        self,
        conn: HTTPConnection,
        *,
        refresh: bool = False,
        scope: str | None = None,
        audience: str | None = None,
    ) -> AccessToken:
        """Return an access token for the session, refreshing it when needed.

        A rotated refresh token is saved by the middleware on this response.

        Raises:
            NotAuthenticatedError: a 401 whose body carries the
                :class:`~auth0_async.AccessTokenError` code (``missing_session``,
                ``failed_to_refresh_token``, ...) and message.
            RequestContextError: the app runs without ``Auth0Middleware``.

        """
        try:
            return await self.auth0.get_access_token(
                refresh=refresh, scope=scope, audience=audience
            )
        except AccessTokenError as exc:
            raise NotAuthenticatedError(body=access_token_error_body(exc)) from exc

    def unauthenticated_response(self, conn: HTTPConnection, *, api: bool) -> Response:
        """Answer a request without a session: 401 JSON (``api``) or the login redirect."""
        if api:
            return NotAuthenticatedError().response()
        return self._login_required(conn).response()

    def _login_required(self, conn: HTTPConnection) -> NotAuthenticatedError:
        scope = conn.scope
        return NotAuthenticatedError(
            location=login_location(scope, self.login_path), status_code=redirect_status(scope)
        )

    @overload
    def login_required(self, endpoint: Endpoint, /) -> Endpoint: ...
    @overload
    def login_required(
        self, endpoint: None = None, /, *, api: bool = False
    ) -> Callable[[Endpoint], Endpoint]: ...

    def login_required(
        self, endpoint: Endpoint | None = None, /, *, api: bool = False
    ) -> Endpoint | Callable[[Endpoint], Endpoint]:
        """Decorate an endpoint so that it only runs with a session.

        ``@auth.login_required`` redirects pages to the login route (with
        ``returnTo``); ``@auth.login_required(api=True)`` answers 401 JSON. The
        session read here is cached for the request, so the endpoint's own
        ``require_session`` is free.

        Raises:
            SessionStoreError: a stateful session store failed (when the endpoint runs).

        """

        def decorate(endpoint: Endpoint) -> Endpoint:
            @functools.wraps(endpoint)
            async def guarded(request: Request) -> Response:
                if await self.auth0.get_session(request.scope) is None:
                    return self.unauthenticated_response(request, api=api)
                return await endpoint(request)

            return guarded

        return decorate if endpoint is None else decorate(endpoint)


class Auth0User(BaseUser):
    """``request.user`` behind :class:`Auth0Backend`: the session's user, authenticated.

    Attributes:
        session: the whole session (tokens included).

    """

    __slots__ = ("session",)

    def __init__(self, session: SessionData) -> None:
        self.session = session

    @property
    def user(self) -> User:
        """The session's user (``sub``, ``name``, ``email``, other claims by ``user[...]``)."""
        return self.session.user

    @property
    def is_authenticated(self) -> bool:
        """Always ``True``: requests without a session get Starlette's ``UnauthenticatedUser``."""
        return True

    @property
    def display_name(self) -> str:
        """The user's name, else email, else ``sub``."""
        user = self.session.user
        return user.name or user.email or user.sub

    @property
    def identity(self) -> str:
        """The user's ``sub``."""
        return self.session.user.sub


class Auth0Backend(AuthenticationBackend):
    """A Starlette ``AuthenticationBackend``: ``request.user`` and ``@requires`` from the session.

    With a session, ``request.user`` is an :class:`Auth0User` and ``request.auth.scopes``
    are ``scopes`` (``["authenticated"]`` by default), so ``@requires("authenticated")``
    lets the request through; without one, Starlette's ``UnauthenticatedUser`` and no
    scopes. Install it inside :class:`~auth0_async.Auth0Middleware`::

        app = Starlette(
            routes=...,
            middleware=[
                Middleware(Auth0Middleware, client=auth0),
                Middleware(AuthenticationMiddleware, backend=Auth0Backend(auth0)),
            ],
        )

    Args:
        auth0: the client whose sessions to read.
        scopes: the credentials' scopes of a request with a session.

    """

    def __init__(self, auth0: Auth0Client, *, scopes: Sequence[str] = ("authenticated",)) -> None:
        self.auth0 = auth0
        self.scopes = list(scopes)

    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
        """Return the credentials and user of a request with a session, else ``None``.

        Raises:
            SessionStoreError: a stateful session store failed.

        """
        session = await self.auth0.get_session(conn.scope)
        if session is None:
            return None
        return AuthCredentials(self.scopes), Auth0User(session)
