"""FastAPI dependencies for sessions and access tokens (extra ``fastapi``).

Wrap the app with :meth:`Auth0Client.middleware <auth0_async.Auth0Client.middleware>`
(it binds each request and serves the ``/auth/*`` routes, so there is no router
to include), and declare what an endpoint needs with :class:`Auth0Depends`::

    from typing import Annotated

    from fastapi import Depends, FastAPI

    from auth0_async import AccessToken, Auth0Client, SessionData
    from auth0_async.fastapi import Auth0Depends

    auth0 = Auth0Client()
    auth = Auth0Depends(auth0)

    MaybeSession = Annotated[SessionData | None, Depends(auth.session)]
    Session = Annotated[SessionData, Depends(auth.require_session)]  # APIs: 401
    PageSession = Annotated[SessionData, Depends(auth.require_session_page)]  # pages: login
    Token = Annotated[AccessToken, Depends(auth.access_token)]

    api = FastAPI()

    @api.get("/api/me")
    async def me(session: Session) -> dict[str, str]:
        return {"sub": session.user.sub}

    app = auth0.middleware(api)

Without a session, :meth:`~Auth0Depends.require_session` raises
``HTTPException(401)`` whose ``detail`` is ``{"error": "not_authenticated",
"description": ...}``, and :meth:`~Auth0Depends.require_session_page` raises an
``HTTPException`` redirecting (307, or 303 after a ``POST``) to the login route
with ``returnTo`` set to the page. In websocket endpoints both close the
connection with code 1008 (policy violation) instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

try:
    from fastapi import HTTPException, WebSocketException
    from fastapi.requests import HTTPConnection  # noqa: TC002 (FastAPI reads the annotations)
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
    from ._client import Auth0Client
    from ._core._access_tokens import AccessToken
    from ._core._models import SessionData

__all__ = ["Auth0Depends"]

_POLICY_VIOLATION = 1008


class Auth0Depends:
    """FastAPI dependencies bound to one :class:`~auth0_async.Auth0Client`.

    Use the methods with ``Depends``: ``Depends(auth.session)``,
    ``Depends(auth.require_session)``, ``Depends(auth.require_session_page)``,
    ``Depends(auth.access_token)``. The app must be wrapped with
    ``auth0.middleware(app)``.

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
            RequestContextError: the app is not wrapped with ``auth0.middleware``.

        """
        try:
            return await self.auth0.get_access_token()
        except AccessTokenError as exc:
            if conn.scope["type"] == "websocket":
                raise WebSocketException(_POLICY_VIOLATION, reason=exc.code) from exc
            raise HTTPException(401, detail=access_token_error_body(exc)) from exc
