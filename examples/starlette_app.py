"""Starlette with Auth0 login: a public page, a page behind login and a JSON API.

Configure with AUTH0_DOMAIN, AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET, AUTH0_SECRET and
APP_BASE_URL (e.g. http://localhost:3000), then run::

    uvicorn examples.starlette_app:app --port 3000

Log in at /auth/login, log out at /auth/logout (served by auth0.middleware).
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from auth0_async import Auth0Client
from auth0_async.starlette import Auth0Starlette

if TYPE_CHECKING:
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


app = auth0.middleware(
    Starlette(
        routes=[Route("/", home), Route("/profile", profile), Route("/api/me", me)],
        exception_handlers=auth.exception_handlers,
    )
)
