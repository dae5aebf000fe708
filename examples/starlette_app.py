"""Starlette with Auth0 login: a public page, a page behind login and a JSON API.

Configure with AUTH0_DOMAIN, AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET, AUTH0_SECRET and
APP_BASE_URL (e.g. http://localhost:3000), then run::

    uvicorn examples.starlette_app:app --port 3000

Log in at /auth/login, log out at /auth/logout (served by Auth0Middleware).
``request.user`` comes from the session (Auth0Backend), so ``@requires`` works too.
"""

from __future__ import annotations

import html
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.authentication import requires
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from auth0_async import Auth0Client, Auth0Middleware
from auth0_async.starlette import Auth0Backend, Auth0Starlette

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from starlette.requests import Request

auth0 = Auth0Client()  # reads AUTH0_* and APP_BASE_URL from the environment
auth = Auth0Starlette(auth0)


async def home(request: Request) -> Response:
    session = await auth.session(request)
    if session is None:
        return HTMLResponse('<a href="/auth/login">Log in</a>')
    name = html.escape(session.user.name or session.user.sub)
    return HTMLResponse(f'Hello {name}! <a href="/auth/logout">Log out</a>')


@auth.login_required  # no session: redirect to /auth/login?returnTo=/profile
async def profile(request: Request) -> Response:
    session = await auth.require_session_page(request)
    return HTMLResponse(f"<pre>{html.escape(session.user.sub)}</pre>")


async def me(request: Request) -> Response:
    session = await auth.require_session(request)  # no session: 401 JSON
    token = await auth.access_token(request)  # refreshed when expired
    return JSONResponse({"sub": session.user.sub, "token_expires_at": token.expires_at})


@requires("authenticated", redirect="login")  # request.user is set by Auth0Backend
async def whoami(request: Request) -> Response:
    return HTMLResponse(f"You are {html.escape(request.user.display_name)}")


async def login(request: Request) -> Response:
    return Response(status_code=307, headers={"location": "/auth/login"})


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    async with auth0:  # closes auth0's HTTP client at shutdown
        yield


app = Starlette(
    routes=[
        Route("/", home),
        Route("/profile", profile),
        Route("/api/me", me),
        Route("/whoami", whoami),
        Route("/login", login, name="login"),
    ],
    middleware=[
        Middleware(Auth0Middleware, client=auth0),  # the outermost: serves /auth/*
        Middleware(AuthenticationMiddleware, backend=Auth0Backend(auth0)),
    ],
    exception_handlers=auth.exception_handlers,
    lifespan=lifespan,
)
