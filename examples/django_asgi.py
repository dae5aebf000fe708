"""Django (async views, ASGI) with Auth0 login, in one file.

Configure with AUTH0_DOMAIN, AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET, AUTH0_SECRET and
APP_BASE_URL (e.g. http://localhost:3000), then run::

    uvicorn examples.django_asgi:application --port 3000

The Auth0DjangoMiddleware entry in MIDDLEWARE serves /auth/login, /auth/callback,
/auth/logout, ... itself: no URL patterns to add for them. It builds the client from
settings.AUTH0_* (each falls back to the environment when left out); views get it with
get_client(). (The settings live here to keep the example in one file; a project has its own.)
"""

from __future__ import annotations

import html
import os

from django.conf import settings
from django.core.asgi import get_asgi_application
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path

from auth0_async.django import get_client, login_required_async, require_session, session

settings.configure(
    DEBUG=os.environ.get("DJANGO_DEBUG") == "1",
    SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY", "change-me"),
    ALLOWED_HOSTS=os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1").split(","),
    ROOT_URLCONF=__name__,
    MIDDLEWARE=["auth0_async.django.Auth0DjangoMiddleware"],
    AUTH0_DOMAIN=os.environ.get("AUTH0_DOMAIN"),
    AUTH0_CLIENT_ID=os.environ.get("AUTH0_CLIENT_ID"),
    AUTH0_CLIENT_SECRET=os.environ.get("AUTH0_CLIENT_SECRET"),
    AUTH0_SECRET=os.environ.get("AUTH0_SECRET"),
    AUTH0_APP_BASE_URL=os.environ.get("APP_BASE_URL"),
)

auth0 = get_client()  # the client the middleware uses, made from settings.AUTH0_*


async def home(request: HttpRequest) -> HttpResponse:
    found = await session(auth0, request)
    if found is None:
        return HttpResponse('<a href="/auth/login">Log in</a>')
    name = html.escape(found.user.name or found.user.sub)
    return HttpResponse(f'Hello {name}! <a href="/auth/logout">Log out</a>')


@login_required_async(auth0)  # no session: redirect to /auth/login?returnTo=/profile
async def profile(request: HttpRequest) -> HttpResponse:
    found = await require_session(auth0, request)
    return HttpResponse(f"<pre>{html.escape(found.user.sub)}</pre>")


@login_required_async(auth0, api=True)  # no session: 401 {"error": "not_authenticated", ...}
async def me(request: HttpRequest) -> HttpResponse:
    found = await require_session(auth0, request)
    return JsonResponse({"sub": found.user.sub, "name": found.user.name})


urlpatterns = [path("", home), path("profile", profile), path("api/me", me)]
application = get_asgi_application()
