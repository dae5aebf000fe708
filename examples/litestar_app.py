"""Litestar with Auth0 login: a public page, a page behind login and a JSON API.

Configure with AUTH0_DOMAIN, AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET, AUTH0_SECRET and
APP_BASE_URL (e.g. http://localhost:3000), then run::

    uvicorn examples.litestar_app:app --port 3000

Log in at /auth/login, log out at /auth/logout (served through the plugin).
"""

from __future__ import annotations

from litestar import Litestar, MediaType, get
from litestar.di import NamedDependency, Provide

from auth0_async import AccessToken, Auth0Client, SessionData
from auth0_async.litestar import Auth0Plugin

auth0 = Auth0Client()  # reads AUTH0_* and APP_BASE_URL from the environment
auth = Auth0Plugin(auth0)


@get("/", media_type=MediaType.HTML, dependencies={"session": Provide(auth.session)})
async def home(session: NamedDependency[SessionData | None]) -> str:
    if session is None:
        return '<a href="/auth/login">Log in</a>'
    return f'Hello {session.user.name}! <a href="/auth/logout">Log out</a>'


# No session: redirect to /auth/login?returnTo=/profile.
@get("/profile", dependencies={"session": Provide(auth.require_session_page)})
async def profile(session: NamedDependency[SessionData]) -> dict[str, str | None]:
    return {"sub": session.user.sub, "email": session.user.email}


# No session: 401 {"error": "not_authenticated", ...}.
@get(
    "/api/me",
    dependencies={
        "session": Provide(auth.require_session),
        "token": Provide(auth.access_token),
    },
)
async def me(
    session: NamedDependency[SessionData], token: NamedDependency[AccessToken]
) -> dict[str, str | int]:
    return {"sub": session.user.sub, "token_expires_at": token.expires_at}


# No session: 401 {"error": "not_authenticated", ...}, from a guard.
@get("/api/ping", guards=[auth.guard])
async def ping() -> str:
    return "pong"


app = Litestar([home, profile, me, ping], plugins=[auth], on_shutdown=[auth0.aclose])
