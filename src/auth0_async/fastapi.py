"""FastAPI dependencies for sessions and access tokens (extra ``fastapi``).

Register :class:`~auth0_async.Auth0Middleware` on the app (it binds each request and
serves the ``/auth/*`` routes, so there is no router to include; the app stays a
``FastAPI`` app, which is what ``fastapi run`` finds), and declare what an endpoint
needs with :class:`Auth0Depends`::

    from typing import Annotated

    from fastapi import Depends, FastAPI

    from auth0_async import AccessToken, Auth0Client, Auth0Middleware, SessionData
    from auth0_async.fastapi import Auth0Depends

    auth0 = Auth0Client()
    auth = Auth0Depends(auth0)

    MaybeSession = Annotated[SessionData | None, Depends(auth.session)]
    Session = Annotated[SessionData, Depends(auth.require_session)]  # APIs: 401
    PageSession = Annotated[SessionData, Depends(auth.require_session_page)]  # pages: login
    Token = Annotated[AccessToken, Depends(auth.access_token)]

    app = FastAPI()  # lifespan: ``async with auth0: yield`` closes its HTTP client
    app.add_middleware(Auth0Middleware, client=auth0)

    @app.get("/api/me")
    async def me(session: Session) -> dict[str, str]:
        return {"sub": session.user.sub}

Without a session, :meth:`~Auth0Depends.require_session` raises
``HTTPException(401)`` whose ``detail`` is ``{"error": "not_authenticated",
"description": ...}``, and :meth:`~Auth0Depends.require_session_page` raises an
``HTTPException`` redirecting (307, or 303 after a ``POST``) to the login route
with ``returnTo`` set to the page. In websocket endpoints both close the
connection with code 1008 (policy violation) instead. The dependencies that need a
session declare the session cookie as an OpenAPI security scheme
(:attr:`Auth0Depends.security_scheme`), so ``/docs`` shows which routes need a login.
"""

from __future__ import annotations

import functools
import inspect
from typing import TYPE_CHECKING, Any

try:
    from fastapi import HTTPException, Security, WebSocketException
    from fastapi.requests import HTTPConnection
    from fastapi.security import APIKeyCookie
except ImportError as exc:  # pragma: no cover - exercised without the extra
    raise ImportError(
        "auth0_async.fastapi needs FastAPI: pip install 'auth0-async[fastapi]'"
    ) from exc

from ._exceptions import AccessTokenError
from ._http._adapters import (
    NOT_AUTHENTICATED,
    access_token_error_body,
    login_location,
    redirect_status,
    resolve_login_path,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from ._client import Auth0Client
    from ._core._access_tokens import AccessToken
    from ._core._models import SessionData

__all__ = ["Auth0Depends"]

_POLICY_VIOLATION = 1008


class Auth0Depends:
    """FastAPI dependencies bound to one :class:`~auth0_async.Auth0Client`.

    Use the methods with ``Depends``: ``Depends(auth.session)``,
    ``Depends(auth.require_session)``, ``Depends(auth.require_session_page)``,
    ``Depends(auth.access_token)``. The app must run behind
    ``app.add_middleware(Auth0Middleware, client=auth0)`` (or ``auth0.middleware(app)``).
    The last three also depend on :attr:`security_scheme`, which only documents the
    session cookie in the OpenAPI schema (it never refuses a request itself).

    Args:
        auth0: the client whose sessions to read.
        login_path: where pages without a session are sent, as the browser sees
            it (the client's ``Routes.login`` plus any prefix a proxy strips;
            default ``/auth/login``). ``returnTo`` is added.
        security_scheme_name: the OpenAPI name of the session cookie's security scheme.

    Raises:
        ConfigurationError: ``login_path`` is not a path.

    """

    def __init__(
        self,
        auth0: Auth0Client,
        *,
        login_path: str | None = None,
        security_scheme_name: str = "auth0_session",
    ) -> None:
        self.auth0 = auth0
        self.login_path = resolve_login_path(login_path)
        self.security_scheme = _SessionCookie(
            name=auth0._kernel.cookie.name,  # the resolved name: AUTH0_COOKIE_NAME applied
            scheme_name=security_scheme_name,
            description="The encrypted session cookie set by /auth/login (auth0_async).",
            auto_error=False,
        )
        # The dependencies that need a session declare the cookie scheme, so the OpenAPI
        # document shows which routes need one. Bound once here: Depends(auth.require_session)
        # and dependency_overrides[auth.require_session] see the same callable.
        for name in ("require_session", "require_session_page", "access_token"):
            setattr(self, name, _secured(getattr(self, name), self.security_scheme))

    async def session(self, conn: HTTPConnection) -> SessionData | None:
        """Depend on the session of this request or websocket (``None`` without one).

        Raises:
            SessionStoreError: a stateful session store failed.

        """
        return await self.auth0.get_session(conn.scope)

    async def require_session(self, conn: HTTPConnection) -> SessionData:
        """Depend on the session, for APIs: without one, answer 401.

        Raises:
            HTTPException: 401, ``detail={"error": "not_authenticated", "description": ...}``.
            WebSocketException: code 1008, in a websocket endpoint.

        """
        session = await self.auth0.get_session(conn.scope)
        if session is None:
            if conn.scope["type"] == "websocket":
                raise WebSocketException(_POLICY_VIOLATION, reason=NOT_AUTHENTICATED["error"])
            raise HTTPException(401, detail=dict(NOT_AUTHENTICATED))
        return session

    async def require_session_page(self, conn: HTTPConnection) -> SessionData:
        """Depend on the session, for pages: without one, redirect to the login route.

        Raises:
            HTTPException: 307 (303 for other methods than ``GET``/``HEAD``) with
                ``location: <login>?returnTo=<this page>``.
            WebSocketException: code 1008, in a websocket endpoint.

        """
        session = await self.auth0.get_session(conn.scope)
        if session is None:
            scope = conn.scope
            if scope["type"] == "websocket":
                raise WebSocketException(_POLICY_VIOLATION, reason=NOT_AUTHENTICATED["error"])
            raise HTTPException(
                redirect_status(scope),
                detail="Login required",
                headers={"location": login_location(scope, self.login_path)},
            )
        return session

    async def access_token(self, conn: HTTPConnection) -> AccessToken:
        """Depend on an access token for the session, refreshed when it has expired.

        A rotated refresh token is saved by the middleware on this response. For
        another ``audience`` or ``scope``, call ``await auth0.get_access_token(...)``
        in the endpoint.

        Raises:
            HTTPException: 401 with ``detail={"error": <AccessTokenError code>,
                "description": <message>}`` (``missing_session``,
                ``failed_to_refresh_token``, ...).
            WebSocketException: code 1008, in a websocket endpoint.
            RequestContextError: the app runs without ``Auth0Middleware``.

        """
        try:
            return await self.auth0.get_access_token()
        except AccessTokenError as exc:
            if conn.scope["type"] == "websocket":
                raise WebSocketException(_POLICY_VIOLATION, reason=exc.code) from exc
            raise HTTPException(401, detail=access_token_error_body(exc)) from exc


class _SessionCookie(APIKeyCookie):
    """The session cookie as an OpenAPI ``apiKey`` scheme; never refuses (the dependency does)."""

    # FastAPI 0.115 resolves a callable instance's annotations without its module's
    # globals, so the postponed "HTTPConnection" would read as a query parameter: spell it out.
    __signature__ = inspect.Signature(
        [
            inspect.Parameter(
                "conn", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=HTTPConnection
            )
        ]
    )

    async def __call__(self, conn: HTTPConnection) -> str | None:
        # HTTPConnection, not Request: the scheme also runs in websocket endpoints.
        return conn.cookies.get(self.model.name)


def _secured(
    dependency: Callable[[HTTPConnection], Awaitable[Any]], scheme: APIKeyCookie
) -> Callable[..., Awaitable[Any]]:
    """Return ``dependency`` with a sub-dependency on ``scheme``, for the OpenAPI document only."""

    @functools.wraps(dependency)
    async def secured(conn: HTTPConnection, **_: object) -> Any:
        return await dependency(conn)

    secured.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(
                "conn", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=HTTPConnection
            ),
            inspect.Parameter(
                "_auth0_session_cookie",
                inspect.Parameter.KEYWORD_ONLY,
                default=Security(scheme),
                annotation=str | None,
            ),
        ],
    )
    return secured
