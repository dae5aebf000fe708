"""The auth0_async demo: a small FastAPI app with login, profile, session lifetime, API token, logout.

Run it with the README's first command (``nox -s demo``), then open http://127.0.0.1:3000.

Without ``AUTH0_DOMAIN`` in the environment it also starts the embedded development tenant
(:class:`auth0_async.testing.MockAuth0`) on http://127.0.0.1:3001, with test users alice and bob
and 30-second access tokens, so you can watch a refresh happen. With ``AUTH0_DOMAIN``,
``AUTH0_CLIENT_ID``, ``AUTH0_CLIENT_SECRET`` and ``AUTH0_SECRET`` set (and
``http://127.0.0.1:3000/auth/callback`` allowed in your Auth0 application), the same app runs
against your real tenant.

Environment: ``DEMO_PORT`` (3000), ``DEMO_TENANT_PORT`` (3001), ``DEMO_ACCESS_TOKEN_TTL`` (30).
A port that is taken ends the demo with one line naming the variable that moves it.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import html
import json
import os
import secrets
import socket
import sys
import time
import warnings
from typing import Annotated, Any

import uvicorn
from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from auth0_async import (
    AccessToken,
    AccessTokenError,
    Auth0Client,
    Auth0Error,
    AuthorizationError,
    CallbackContext,
    ConfigurationError,
    OAuthError,
    RouteResponse,
    SecurityWarning,
    SessionConfig,
    SessionData,
)
from auth0_async.fastapi import Auth0Depends
from auth0_async.testing import MockAuth0


def port_from_env(variable: str, default: int) -> int:
    """The port number in ``variable``, else ``default``; a bad value ends the demo with one line."""
    raw = os.environ.get(variable, "").strip() or str(default)
    if not (raw.isascii() and raw.isdigit()) or not 0 < int(raw) < 65536:
        raise SystemExit(f"auth0_async demo: {variable}={raw!r} is not a port number (1-65535)")
    return int(raw)


APP_PORT = port_from_env("DEMO_PORT", 3000)
TENANT_PORT = port_from_env("DEMO_TENANT_PORT", 3001)
APP_URL = f"http://127.0.0.1:{APP_PORT}"
SESSION = SessionConfig(inactivity_duration=3600, rolling_threshold=60)
REFRESHED_FLASH = "demo_refreshed"
"""A short-lived cookie telling /api that the redirect it got came from a forced refresh."""

FAVICON = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
    b'<rect width="32" height="32" rx="7" fill="#3b5bdb"/>'
    b'<path d="M11 15v-3a5 5 0 0 1 10 0v3" fill="none" stroke="#fff" stroke-width="3"/>'
    b'<rect x="8" y="15" width="16" height="11" rx="2" fill="#fff"/></svg>'
)

STYLE = """
body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;color:#1d1d1f}
nav a{margin-right:1rem} table{border-collapse:collapse} td,th{padding:.2rem .6rem;text-align:left;
border-bottom:1px solid #ddd;vertical-align:top} code{background:#f3f3f3;padding:0 .2rem}
.pill{display:inline-block;padding:.1rem .6rem;border-radius:1rem;background:#e8f0fe}
img.avatar{width:64px;height:64px;border-radius:50%;float:right}
"""


def render(title: str, body: str, session: SessionData | None) -> str:
    """One page of the demo, as HTML."""
    who = (
        f'Signed in as <b>{html.escape(session.user.name or session.user.sub)}</b> · <a href="/auth/logout">Log out</a>'
        if session
        else '<a href="/auth/login?returnTo=/profile">Log in</a>'
    )
    return (
        f"<!doctype html><html lang=en><meta charset=utf-8><title>{html.escape(title)} · auth0_async demo</title>"
        '<link rel=icon type="image/svg+xml" href="/favicon.svg">'
        f"<style>{STYLE}</style><nav><a href='/'>Home</a><a href='/profile'>Profile</a>"
        f"<a href='/api'>API</a></nav><p>{who}</p><h1>{html.escape(title)}</h1>{body}</html>"
    )


def page(title: str, body: str, session: SessionData | None) -> HTMLResponse:
    return HTMLResponse(render(title, body, session))


def on_callback(
    error: Auth0Error | None, context: CallbackContext, session: SessionData | None
) -> RouteResponse | None:
    """Answer a failed login with a page and a way back, instead of a plain-text error."""
    if error is None:
        return None  # logged in: the default redirect to returnTo
    cause = error.cause if isinstance(error, AuthorizationError) else None
    if isinstance(cause, OAuthError) and cause.error == "access_denied":
        status, title = 200, "Login cancelled"
        body = "<p id=login-cancelled>No problem: you are not signed in, and nothing was saved.</p>"
    else:
        status, title = 400, "Login did not complete"
        body = (
            f"<p id=login-failed>The login could not be completed "
            f"(<code>{html.escape(error.code)}</code>: {html.escape(error.message)}).</p>"
        )
    body += (
        '<p><a id=home href="/">Back to the home page</a> · '
        '<a href="/auth/login?returnTo=/profile">Try again</a></p>'
    )
    data = render(title, body, None).encode()
    headers = [("content-type", "text/html; charset=utf-8"), ("content-length", str(len(data)))]
    return RouteResponse(status, headers, data)


def make_client() -> tuple[Auth0Client, MockAuth0 | None]:
    """A client for the real tenant when AUTH0_DOMAIN is set, else for the embedded one."""
    if os.environ.get("AUTH0_DOMAIN"):
        return Auth0Client(
            app_base_url=os.environ.get("APP_BASE_URL", APP_URL),
            session=SESSION,
            on_callback=on_callback,
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
            on_callback=on_callback,
        )
    return client, tenant


try:
    auth0, tenant = make_client()
except ConfigurationError as exc:  # e.g. a short AUTH0_SECRET: one line, not a traceback
    raise SystemExit(f"auth0_async demo: {exc}") from None
auth = Auth0Depends(auth0)
MaybeSession = Annotated[SessionData | None, Depends(auth.session)]
PageSession = Annotated[SessionData, Depends(auth.require_session_page)]
Token = Annotated[AccessToken, Depends(auth.access_token)]


def span(seconds: float) -> str:
    """A duration in words: ``45 s``, ``5 min``, ``2 h 5 min``, ``3 d 4 h``."""
    whole = round(abs(seconds))
    if whole < 60:
        return f"{whole} s"
    hours, minutes = divmod(whole // 60, 60)
    if not hours:
        return f"{minutes} min"
    days, hours = divmod(hours, 24)
    if not days:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{days} d {hours} h" if hours else f"{days} d"


def moment(epoch: int | None, *, expiry: bool = False) -> str:
    """``epoch`` relative to now (``5 min ago``, ``in 3 d``), with the exact time on hover."""
    if not epoch:
        return "unknown"
    delta = epoch - time.time()
    if abs(delta) < (1 if expiry else 5):
        text = "now" if expiry else "just now"
    elif delta > 0:
        text = f"in {span(delta)}"
    else:
        text = f"{'expired ' if expiry else ''}{span(delta)} ago"
    stamp = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(epoch))
    iso = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))
    return f'<time datetime="{iso}" title="{stamp}">{text}</time>'


def claim_value(value: Any) -> str:
    """A claim as JSON shows it (``true``, ``null``, ``["a"]``); strings without quotes."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


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


@app.get("/favicon.ico", include_in_schema=False)
@app.get("/favicon.svg", include_in_schema=False)
async def favicon() -> Response:
    return Response(FAVICON, media_type="image/svg+xml", headers={"cache-control": "max-age=86400"})


@app.get("/profile", response_class=HTMLResponse)
async def profile(session: PageSession) -> HTMLResponse:
    user = session.user.to_dict()
    picture = user.get("picture")
    avatar = f'<img class=avatar alt="" src="{html.escape(str(picture))}">' if picture else ""
    rows = "".join(
        f"<tr><th>{html.escape(str(k))}</th><td><code>{html.escape(claim_value(v))}</code></td></tr>"
        for k, v in sorted(user.items())
        if k != "picture"
    )
    config = auth0.session_config
    created = session.internal.created_at if session.internal else None
    limit = created + config.absolute_duration if created else None
    rolling = (
        f"rolling: it ends after {span(config.inactivity_duration)} without a request, "
        f"and {span(config.absolute_duration)} after login at the latest"
        if config.rolling
        else f"ends {span(config.absolute_duration)} after login"
    )
    lifetime = (
        "<table>"
        f"<tr><th>Logged in</th><td id=logged-in>{moment(created)}</td></tr>"
        f"<tr><th>Session</th><td id=session-policy>{rolling}</td></tr>"
        f"<tr><th>Session cookie expires</th><td id=session-exp>{moment(session.exp, expiry=True)}</td></tr>"
        f"<tr><th>Absolute limit</th><td id=session-limit>{moment(limit, expiry=True)}</td></tr>"
        f"<tr><th>Access token expires</th><td id=token-exp>{moment(session.token_set.expires_at, expiry=True)}</td></tr>"
        "</table>"
    )
    return page(
        "Profile",
        f"{avatar}<h2>Claims</h2><table id=claims>{rows}</table><h2>Session lifetime</h2>{lifetime}",
        session,
    )


@app.get("/api", response_class=HTMLResponse)
async def api_page(request: Request, session: PageSession, refresh: bool = False) -> Response:
    before = session.token_set.access_token
    try:
        token = await auth0.get_access_token(refresh=refresh)
    except AccessTokenError as exc:
        body = f"<p>Could not get an access token: <code>{html.escape(exc.code)}</code> {html.escape(exc.message)}</p>"
        return page("API", body, session)
    if refresh:
        # The refreshed tokens are saved (the session cookie goes out with this redirect); a
        # reload of /api must not force another refresh, so ?refresh=true leaves the URL.
        again = RedirectResponse("/api", status_code=303)
        again.set_cookie(REFRESHED_FLASH, "1", max_age=30, path="/api", httponly=True)
        return again
    refreshed = token.token != before or REFRESHED_FLASH in request.cookies
    status = (
        "<span class=pill id=refreshed>refreshed just now</span>"
        if refreshed
        else "<span class=pill id=cached>from the session</span>"
    )
    body = (
        f"<p>Access token {status} ending in <code id=token-tail>…{html.escape(token.token[-8:])}</code>, "
        f"expires <span id=token-exp>{moment(token.expires_at, expiry=True)}</span>.</p>"
        "<p>Reload this page after it expires to watch a refresh (the refresh token rotates and the "
        'new one is saved in your cookie), or <a href="/api?refresh=true">force a refresh</a>. '
        'The JSON API is at <a href="/api/data">/api/data</a>.</p>'
    )
    answer = page("API", body, session)
    if REFRESHED_FLASH in request.cookies:
        answer.delete_cookie(REFRESHED_FLASH, path="/api", httponly=True)
    return answer


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


def listen(port: int, variable: str) -> socket.socket:
    """A socket bound to 127.0.0.1:``port``; a busy port ends the demo with one line naming ``variable``."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if sys.platform != "win32":  # as uvicorn does: restart at once over TIME_WAIT connections
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError as exc:
        sock.close()
        why = (
            "is already in use"
            if exc.errno == errno.EADDRINUSE
            else f"cannot be used ({exc.strerror})"
        )
        raise SystemExit(
            f"auth0_async demo: port {port} {why} (is the demo already running?); "
            f"choose another with {variable}, e.g. `{variable}={port + 10} nox -s demo`"
        ) from None
    return sock


async def main(app_socket: socket.socket, tenant_socket: socket.socket | None) -> None:
    config = uvicorn.Config(asgi_app, host="127.0.0.1", port=APP_PORT, log_level="warning")
    serving = [uvicorn.Server(config).serve(sockets=[app_socket])]
    where = "your Auth0 tenant"
    if tenant is not None and tenant_socket is not None:
        config = uvicorn.Config(tenant, host="127.0.0.1", port=TENANT_PORT, log_level="warning")
        serving.append(uvicorn.Server(config).serve(sockets=[tenant_socket]))
        where = f"the development tenant on http://127.0.0.1:{TENANT_PORT} (users: alice, bob)"
    print(f"auth0_async demo: open {APP_URL} — signing in with {where}. Ctrl+C stops.", flush=True)
    await asyncio.gather(*serving)


def run() -> Any:
    """Run the demo until interrupted."""
    app_socket = listen(APP_PORT, "DEMO_PORT")
    try:
        tenant_socket = listen(TENANT_PORT, "DEMO_TENANT_PORT") if tenant is not None else None
    except SystemExit:
        app_socket.close()
        raise
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main(app_socket, tenant_socket))


if __name__ == "__main__":
    run()
