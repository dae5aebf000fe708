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
from http.cookies import Morsel
from typing import TYPE_CHECKING, Any, TypeVar, cast

try:
    from asgiref.sync import markcoroutinefunction
    from django.conf import settings
    from django.core.asgi import get_asgi_application
    from django.core.exceptions import ImproperlyConfigured
    from django.core.signals import setting_changed
    from django.http import HttpRequest, HttpResponse, JsonResponse
    from django.utils.module_loading import import_string
except ImportError as exc:  # pragma: no cover - exercised without the extra
    raise ImportError("auth0_async.django needs Django: pip install 'auth0-async[django]'") from exc

from ._client import Auth0Client, Auth0Middleware
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

    from ._core._access_tokens import AccessToken
    from ._core._models import SessionData
    from ._types import ASGIApp, Message, Scope

__all__ = [
    "Auth0DjangoMiddleware",
    "access_token",
    "asgi_application",
    "get_client",
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


# -- a MIDDLEWARE entry configured from settings ------------------------------------------------

_SETTINGS = {
    "AUTH0_DOMAIN": "domain",
    "AUTH0_CLIENT_ID": "client_id",
    "AUTH0_CLIENT_SECRET": "client_secret",
    "AUTH0_SECRET": "secret",
    "AUTH0_APP_BASE_URL": "app_base_url",
}


@functools.cache
def get_client() -> Auth0Client:
    """Return the :class:`~auth0_async.Auth0Client` that Django's settings configure.

    ``settings.AUTH0_CLIENT`` (an ``Auth0Client`` or its dotted import path) is used as
    it is. Otherwise a client is made once from ``AUTH0_DOMAIN``, ``AUTH0_CLIENT_ID``,
    ``AUTH0_CLIENT_SECRET``, ``AUTH0_SECRET`` and ``AUTH0_APP_BASE_URL``, plus any other
    ``Auth0Client`` keyword in the ``AUTH0_OPTIONS`` dict; a setting left out falls back
    to the environment (``AUTH0_DOMAIN``, ``APP_BASE_URL``, ...). Changing one of these
    settings (``override_settings`` in tests) makes the next call build a new client.

    Raises:
        ImproperlyConfigured: ``AUTH0_CLIENT`` is not an ``Auth0Client``, or
            ``AUTH0_OPTIONS`` is not a dict.
        ConfigurationError: the options are invalid (a missing secret, say).

    """
    given = getattr(settings, "AUTH0_CLIENT", None)
    if given is not None:
        client = import_string(given) if isinstance(given, str) else given
        if not isinstance(client, Auth0Client):
            raise ImproperlyConfigured("settings.AUTH0_CLIENT must be an auth0_async.Auth0Client")
        return client
    options = getattr(settings, "AUTH0_OPTIONS", {})
    if not isinstance(options, dict):
        raise ImproperlyConfigured("settings.AUTH0_OPTIONS must be a dict of Auth0Client options")
    options = dict(options)
    for setting, option in _SETTINGS.items():
        value = getattr(settings, setting, None)
        if value is not None:
            options[option] = value
    return Auth0Client(**options)


def _settings_changed(*, setting: str, **_: Any) -> None:
    if setting.startswith("AUTH0_"):
        get_client.cache_clear()


setting_changed.connect(_settings_changed, dispatch_uid="auth0_async.django.settings")


class _RawCookie(Morsel[str]):
    """A ``Set-Cookie`` line Django sends exactly as auth0_async wrote it."""

    def __init__(self, line: str) -> None:
        super().__init__()
        name, _, rest = line.partition("=")
        self.set(name, rest.split(";", 1)[0], rest.split(";", 1)[0])
        self._line = line

    def output(self, attrs: Any = None, header: str = "Set-Cookie:") -> str:
        return f"{header} {self._line}".strip() if header else self._line


class Auth0DjangoMiddleware:
    """A Django ``MIDDLEWARE`` entry: auth0_async sessions and the ``/auth/*`` routes.

    Add ``"auth0_async.django.Auth0DjangoMiddleware"`` to ``MIDDLEWARE`` (near the top:
    it answers ``/auth/*`` before the middleware below it runs) and configure the client
    in settings (see :func:`get_client`)::

        AUTH0_DOMAIN = "example.us.auth0.com"
        AUTH0_CLIENT_ID = "..."
        AUTH0_CLIENT_SECRET = env("AUTH0_CLIENT_SECRET")
        AUTH0_SECRET = env("AUTH0_SECRET")
        AUTH0_APP_BASE_URL = "https://app.example.com"

    Views then use ``get_client()`` with the helpers of this module, or
    ``await get_client().get_session()``. The middleware is async only
    (``async_capable``): it is meant for Django under an ASGI server. It binds each
    request as :class:`~auth0_async.Auth0Middleware` does (the same code runs), serves
    the ``/auth/*`` routes, rolls the session and adds its ``Set-Cookie`` lines to the
    view's response.

    Raises:
        ImproperlyConfigured: a setting is invalid (see :func:`get_client`).
        ConfigurationError: the client's options are invalid.

    """

    sync_capable = False
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Awaitable[HttpResponseBase]]) -> None:
        self.get_response = get_response
        self.client = get_client()
        markcoroutinefunction(self)

    async def __call__(self, request: HttpRequest) -> HttpResponseBase:
        """Answer an ``/auth/*`` route, or run the view and add the session's cookies.

        Raises:
            TypeError: ``request`` is not an ASGI request (Django under WSGI).

        """
        scope = cast("Scope", scope_of_connection(request))
        answered: list[HttpResponseBase] = []
        sent: list[Message] = []

        async def view(scope: Scope, receive: Any, send: Any) -> None:
            response = await self.get_response(request)
            answered.append(response)
            # Only the headers auth0_async adds come back: the body stays with Django.
            await send({"type": "http.response.start", "status": response.status_code})
            await send({"type": "http.response.body", "body": b""})

        async def receive() -> Message:
            return {"type": "http.request", "body": request.body, "more_body": False}

        async def send(message: Message) -> None:
            sent.append(message)

        await Auth0Middleware(view, client=self.client)(scope, receive, send)
        start = next(m for m in sent if m["type"] == "http.response.start")
        if answered:
            response = answered[0]
        else:  # an /auth/* route answered
            body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
            response = HttpResponse(body, status=start["status"])
            del response["Content-Type"]  # the route's own, if any, is among the headers below
        for raw_name, raw_value in start.get("headers", ()):
            name, value = raw_name.decode("latin-1"), raw_value.decode("latin-1")
            if name.lower() == "set-cookie":
                cookie = _RawCookie(value)
                response.cookies[cookie.key] = cookie
            else:
                response[name] = value
        return response
