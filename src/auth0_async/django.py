"""Sessions in Django async views, under ASGI (extra ``django``).

``auth0.middleware(app)`` wraps any ASGI app, Django's included, so wire it in
``asgi.py`` (:func:`asgi_application` does just that, typed)::

    from auth0_async.django import asgi_application

    from myproject.auth import auth0  # an auth0_async.Auth0Client

    application = asgi_application(auth0)  # auth0.middleware(get_asgi_application())

The middleware serves the ``/auth/*`` routes (login, callback, logout, profile,
access token, back-channel logout) before Django sees the request, so there
are no URL patterns to include. In async views::

    from auth0_async.django import login_required_async, require_session

    @login_required_async(auth0)  # pages: redirect to /auth/login?returnTo=<this page>
    async def profile(request):
        session = await require_session(auth0, request)
        return HttpResponse(f"Hello {session.user.name}")

    @login_required_async(auth0, api=True)  # APIs: 401 {"error": "not_authenticated", ...}
    async def me(request):
        ...

The helpers need Django's ASGI request (``request.scope``): under WSGI, or in
sync views run in a thread, use ``auth0.get_session(request.scope)`` where the
scope is available, or serve the app with an ASGI server.
"""

from __future__ import annotations

import functools
import inspect
from typing import TYPE_CHECKING, Any, TypeVar, cast

try:
    from django.core.asgi import get_asgi_application
    from django.http import HttpRequest, HttpResponse, JsonResponse
except ImportError as exc:  # pragma: no cover - exercised without the extra
    raise ImportError("auth0_async.django needs Django: pip install 'auth0-async[django]'") from exc

from ._exceptions import MissingSessionError
from ._http._adapters import (
    NOSNIFF,
    NOT_AUTHENTICATED,
    login_location,
    redirect_status,
    resolve_login_path,
    scope_of_connection,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from django.http.response import HttpResponseBase

    from ._client import Auth0Client
    from ._core._access_tokens import AccessToken
    from ._core._models import SessionData
    from ._types import ASGIApp

__all__ = [
    "access_token",
    "asgi_application",
    "login_required_async",
    "require_session",
    "session",
    "unauthenticated_response",
]

_View = TypeVar("_View", bound="Callable[..., Awaitable[HttpResponseBase]]")


def asgi_application(auth0: Auth0Client) -> ASGIApp:
    """Return Django's ASGI application wrapped with ``auth0.middleware``.

    Call it in ``asgi.py`` once settings are configured (``DJANGO_SETTINGS_MODULE``),
    as you would call ``django.core.asgi.get_asgi_application()``.

    Raises:
        ImproperlyConfigured: Django's settings are not configured.

    """
    return auth0.middleware(cast("ASGIApp", get_asgi_application()))


async def session(auth0: Auth0Client, request: HttpRequest) -> SessionData | None:
    """Return the session of this request, or ``None`` without a valid one.

    Raises:
        TypeError: ``request`` is not an ASGI request (Django under WSGI).
        SessionStoreError: a stateful session store failed.

    """
    return await auth0.get_session(scope_of_connection(request))


async def require_session(auth0: Auth0Client, request: HttpRequest) -> SessionData:
    """Return the session of this request (for views behind :func:`login_required_async`).

    Raises:
        MissingSessionError: there is no valid session.
        TypeError: ``request`` is not an ASGI request (Django under WSGI).

    """
    found = await auth0.get_session(scope_of_connection(request))
    if found is None:
        raise MissingSessionError("The user is not authenticated.")
    return found


async def access_token(
    auth0: Auth0Client,
    request: HttpRequest,
    *,
    refresh: bool = False,
    scope: str | None = None,
    audience: str | None = None,
) -> AccessToken:
    """Return an access token for the session, refreshing it when needed.

    A rotated refresh token is saved by ``auth0.middleware`` on this response.

    Raises:
        AccessTokenError: no token can be had (``missing_session``,
            ``missing_refresh_token``, ``failed_to_refresh_token``, ...).
        RequestContextError: the ASGI app is not wrapped with ``auth0.middleware``.
        TypeError: ``request`` is not an ASGI request (Django under WSGI).

    """
    scope_of_connection(request)
    return await auth0.get_access_token(refresh=refresh, scope=scope, audience=audience)


def unauthenticated_response(
    request: HttpRequest, *, api: bool, login_path: str | None = None
) -> HttpResponse:
    """Answer a request without a session: 401 JSON (``api``) or the login redirect.

    Raises:
        ConfigurationError: ``login_path`` is not a path.
        TypeError: ``request`` is not an ASGI request (Django under WSGI).

    """
    scope = scope_of_connection(request)
    if api:
        return JsonResponse(dict(NOT_AUTHENTICATED), status=401, headers=dict(NOSNIFF))
    location = login_location(scope, resolve_login_path(login_path))
    # Not HttpResponseRedirect: its 2048-character limit would refuse a long returnTo.
    headers = {"Location": location, **NOSNIFF}
    return HttpResponse(status=redirect_status(scope), headers=headers)


def login_required_async(
    auth0: Auth0Client, *, api: bool = False, login_path: str | None = None
) -> Callable[[_View], _View]:
    """Decorate an async view so that it only runs with a session.

    Without a session, pages are redirected to the login route with ``returnTo``
    (307, or 303 after a ``POST``); with ``api=True`` the answer is 401
    ``{"error": "not_authenticated", "description": ...}``. The session read here
    is cached for the request, so the view's own :func:`require_session` is free.

    Args:
        auth0: the client whose sessions to read.
        api: answer 401 JSON instead of redirecting.
        login_path: the login route as the browser sees it (default ``/auth/login``).

    Raises:
        ConfigurationError: ``login_path`` is not a path.
        TypeError: the view is not an ``async def`` function.

    """
    path = resolve_login_path(login_path)

    def decorate(view: _View) -> _View:
        if not inspect.iscoroutinefunction(view):
            raise TypeError("login_required_async needs an async view (async def)")

        @functools.wraps(view)
        async def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if await auth0.get_session(scope_of_connection(request)) is None:
                return unauthenticated_response(request, api=api, login_path=path)
            return await view(request, *args, **kwargs)

        return cast("_View", guarded)

    return decorate
