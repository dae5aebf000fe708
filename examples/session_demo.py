"""A small Starlette app showing auth0_async's cookie sessions (no Auth0 tenant needed).

Run it with `nox -s demo` (see README.md), then open http://127.0.0.1:3000.
"Sign in" mints a session cookie locally (as a test would); `/visit` changes the
session with `update_session`; every page shows the session's lifetime.
"""

from __future__ import annotations

import html
import os
import secrets
import time
from typing import TYPE_CHECKING

import msgspec
import uvicorn
from starlette.applications import Starlette
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from auth0_async import Auth0Client, SessionConfig
from auth0_async.testing import generate_session_cookie

if TYPE_CHECKING:
    from starlette.requests import Request

SECRET = os.environ.get("AUTH0_SECRET") or secrets.token_hex(32)
auth0 = Auth0Client(
    secret=SECRET, session=SessionConfig(inactivity_duration=600, rolling_threshold=30)
)


def page(body: str) -> HTMLResponse:
    return HTMLResponse(
        "<!doctype html><meta charset=utf-8><title>auth0_async demo</title>"
        "<style>body{font:16px system-ui;max-width:40rem;margin:2rem auto}</style>"
        f"<h1>auth0_async session demo</h1>{body}"
    )


async def home(request: Request) -> Response:
    session = await auth0.get_session()
    if session is None:
        return page(
            '<p>You are not signed in.</p><p><a href="/sign-in">Sign in as a demo user</a></p>'
        )
    left = (session.exp or 0) - int(time.time())
    visits = session.extra.get("visits", 0)
    return page(
        f"<p>Signed in as <b>{html.escape(session.user.name or session.user.sub)}</b></p>"
        f"<p>Session cookie expires in {left} s (rolling; absolute limit 3 days).</p>"
        f"<p>Visits counted in the session: {visits}</p>"
        '<p><a href="/visit">Count a visit</a> · <a href="/sign-out">Sign out</a></p>'
    )


async def sign_in(request: Request) -> Response:
    wire = {
        "user": {"sub": "demo|ada", "name": "Ada Lovelace", "email": "ada@example.test"},
        "tokenSet": {
            "accessToken": secrets.token_urlsafe(24),
            "expiresAt": int(time.time()) + 3600,
        },
    }
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        "__session",
        generate_session_cookie(wire, secret=SECRET, expires_in=600),
        httponly=True,
        samesite="lax",
    )
    return response


async def visit(request: Request) -> Response:
    session = await auth0.get_session()
    if session is not None:
        visits = int(session.extra.get("visits", 0)) + 1
        await auth0.update_session(
            msgspec.structs.replace(session, extra={**session.extra, "visits": visits})
        )
    return RedirectResponse("/", status_code=303)


async def sign_out(request: Request) -> Response:
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie("__session")
    return response


app = auth0.middleware(
    Starlette(
        routes=[
            Route("/", home),
            Route("/sign-in", sign_in),
            Route("/visit", visit),
            Route("/sign-out", sign_out),
        ]
    )
)

if __name__ == "__main__":
    print("auth0_async demo on http://127.0.0.1:3000 (Ctrl+C to stop)", flush=True)
    uvicorn.run(app, host="127.0.0.1", port=3000, log_level="warning")
