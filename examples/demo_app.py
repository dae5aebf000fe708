"""The auth0_async demo: a small FastAPI app with login, profile, session lifetime, API token, logout.

Run it with the README's first command (``nox -s demo``), then open http://127.0.0.1:3000.

Without ``AUTH0_DOMAIN`` in the environment it also starts the embedded development tenant
(:class:`auth0_async.testing.MockAuth0`) on http://127.0.0.1:3001, with test users alice and bob
and 30-second access tokens, so you can watch a refresh happen. With ``AUTH0_DOMAIN``,
``AUTH0_CLIENT_ID``, ``AUTH0_CLIENT_SECRET`` and ``AUTH0_SECRET`` set (and
``http://127.0.0.1:3000/auth/callback`` allowed in your Auth0 application), the same app runs
against your real tenant.

Environment: ``DEMO_PORT`` (3000), ``DEMO_TENANT_PORT`` (3001), ``DEMO_ACCESS_TOKEN_TTL`` (30).
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import os
import secrets
import time
import warnings
from typing import Annotated, Any

import uvicorn
from fastapi import Depends, FastAPI
from fastapi.responses import HTMLResponse, JSONResponse

from auth0_async import (
    DEFAULT_ABSOLUTE_DURATION,
    AccessToken,
    AccessTokenError,
    Auth0Client,
    SecurityWarning,
    SessionConfig,
    SessionData,
)
from auth0_async.fastapi import Auth0Depends
from auth0_async.testing import MockAuth0

APP_PORT = int(os.environ.get("DEMO_PORT", "3000"))
TENANT_PORT = int(os.environ.get("DEMO_TENANT_PORT", "3001"))
APP_URL = f"http://127.0.0.1:{APP_PORT}"
SESSION = SessionConfig(inactivity_duration=3600, rolling_threshold=60)


def make_client() -> tuple[Auth0Client, MockAuth0 | None]:
    """A client for the real tenant when AUTH0_DOMAIN is set, else for the embedded one."""
    if os.environ.get("AUTH0_DOMAIN"):
        return Auth0Client(
            app_base_url=os.environ.get("APP_BASE_URL", APP_URL), session=SESSION
        ), None
    tenant = MockAuth0(
        issuer=f"http://127.0.0.1:{TENANT_PORT}",
        access_token_ttl=int(os.environ.get("DEMO_ACCESS_TOKEN_TTL", "30")),
    )
    with warnings.catch_warnings():
        warnings.simplefilter(
            "ignore", SecurityWarning
        )  # plain http to the local tenant is fine here
        client = Auth0Client(
            domain=tenant.issuer,
            client_id="dev-client",
            client_secret="dev-client-secret",
            secret=os.environ.get("AUTH0_SECRET") or secrets.token_hex(32),
            app_base_url=APP_URL,
            allow_insecure_requests=True,
            session=SESSION,
        )
    return client, tenant


auth0, tenant = make_client()
auth = Auth0Depends(auth0)
MaybeSession = Annotated[SessionData | None, Depends(auth.session)]
PageSession = Annotated[SessionData, Depends(auth.require_session_page)]
Token = Annotated[AccessToken, Depends(auth.access_token)]

STYLE = """
body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;color:#1d1d1f}
nav a{margin-right:1rem} table{border-collapse:collapse} td,th{padding:.2rem .6rem;text-align:left;
border-bottom:1px solid #ddd;vertical-align:top} code{background:#f3f3f3;padding:0 .2rem}
.pill{display:inline-block;padding:.1rem .6rem;border-radius:1rem;background:#e8f0fe}
img.avatar{width:64px;height:64px;border-radius:50%;float:right}
"""


def page(title: str, body: str, session: SessionData | None) -> HTMLResponse:
    who = (
        f'Signed in as <b>{html.escape(session.user.name or session.user.sub)}</b> · <a href="/auth/logout">Log out</a>'
        if session
        else '<a href="/auth/login?returnTo=/profile">Log in</a>'
    )
    return HTMLResponse(
        f"<!doctype html><html lang=en><meta charset=utf-8><title>{html.escape(title)} · auth0_async demo</title>"
        f"<style>{STYLE}</style><nav><a href='/'>Home</a><a href='/profile'>Profile</a>"
        f"<a href='/api'>API</a></nav><p>{who}</p><h1>{html.escape(title)}</h1>{body}</html>"
    )


def when(epoch: int | None) -> str:
    if not epoch:
        return "unknown"
    left = epoch - int(time.time())
    stamp = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(epoch))
    return f"{stamp} (in {left} s)" if left >= 0 else f"{stamp} ({-left} s ago)"


app = FastAPI(title="auth0_async demo", docs_url=None, redoc_url=None)


@app.get("/", response_class=HTMLResponse)
async def home(session: MaybeSession) -> HTMLResponse:
    if session is None:
        return page(
            "Welcome",
            "<p>This demo signs you in with Authorization Code + PKCE, keeps your session in an "
            "encrypted cookie (wire-compatible with nextjs-auth0 v4), and refreshes API tokens.</p>"
            '<p><a class=pill href="/auth/login?returnTo=/profile">Log in</a></p>',
            None,
        )
    return page(
        "Welcome back",
        '<p>See your <a href="/profile">profile</a> or call the <a href="/api">API</a>.</p>',
        session,
    )


@app.get("/profile", response_class=HTMLResponse)
async def profile(session: PageSession) -> HTMLResponse:
    user = session.user.to_dict()
    picture = user.get("picture")
    avatar = f'<img class=avatar alt="" src="{html.escape(str(picture))}">' if picture else ""
    rows = "".join(
        f"<tr><th>{html.escape(str(k))}</th><td><code>{html.escape(str(v))}</code></td></tr>"
        for k, v in sorted(user.items())
        if k != "picture"
    )
    created = session.internal.created_at if session.internal else None
    lifetime = (
        "<table>"
        f"<tr><th>Logged in</th><td>{when(created)}</td></tr>"
        f"<tr><th>Session cookie expires</th><td id=session-exp>{when(session.exp)}</td></tr>"
        f"<tr><th>Absolute limit</th><td>{when(created + DEFAULT_ABSOLUTE_DURATION if created else None)}</td></tr>"
        f"<tr><th>Access token expires</th><td>{when(session.token_set.expires_at)}</td></tr>"
        "</table>"
    )
    return page(
        "Profile",
        f"{avatar}<h2>Claims</h2><table id=claims>{rows}</table><h2>Session lifetime</h2>{lifetime}",
        session,
    )


@app.get("/api", response_class=HTMLResponse)
async def api_page(session: PageSession, refresh: bool = False) -> HTMLResponse:
    before = session.token_set.access_token
    try:
        token = await auth0.get_access_token(refresh=refresh)
    except AccessTokenError as exc:
        body = f"<p>Could not get an access token: <code>{html.escape(exc.code)}</code> {html.escape(exc.message)}</p>"
        return page("API", body, session)
    refreshed = token.token != before
    status = (
        "<span class=pill id=refreshed>refreshed just now</span>"
        if refreshed
        else "<span class=pill id=cached>from the session</span>"
    )
    body = (
        f"<p>Access token {status} ending in <code id=token-tail>…{html.escape(token.token[-8:])}</code>, "
        f"expires {when(token.expires_at)}.</p>"
        "<p>Reload this page after it expires to watch a refresh (the refresh token rotates and the "
        'new one is saved in your cookie), or <a href="/api?refresh=true">force a refresh</a>. '
        'The JSON API is at <a href="/api/data">/api/data</a>.</p>'
    )
    return page("API", body, session)


@app.get("/api/data")
async def api_data(token: Token) -> JSONResponse:
    return JSONResponse(
        {
            "message": "Hello from a protected API",
            "token_expires_at": token.expires_at,
            "scope": token.scope,
        }
    )


asgi_app = auth0.middleware(app)


async def main() -> None:
    servers = [
        uvicorn.Server(
            uvicorn.Config(asgi_app, host="127.0.0.1", port=APP_PORT, log_level="warning")
        )
    ]
    where = "your Auth0 tenant"
    if tenant is not None:
        servers.append(
            uvicorn.Server(
                uvicorn.Config(tenant, host="127.0.0.1", port=TENANT_PORT, log_level="warning")
            )
        )
        where = f"the development tenant on http://127.0.0.1:{TENANT_PORT} (users: alice, bob)"
    print(f"auth0_async demo: open {APP_URL} — signing in with {where}. Ctrl+C stops.", flush=True)
    await asyncio.gather(*(server.serve() for server in servers))


def run() -> Any:
    """Run the demo until interrupted."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())


if __name__ == "__main__":
    run()
