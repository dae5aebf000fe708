"""FastAPI with Auth0 login: a public page, a page behind login, a JSON API, an access token.

Configure with AUTH0_DOMAIN, AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET, AUTH0_SECRET and
APP_BASE_URL (e.g. http://localhost:3000), then run::

    uvicorn examples.fastapi_app:app --port 3000

Log in at /auth/login, log out at /auth/logout (served by auth0.middleware).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI
from fastapi.responses import HTMLResponse

from auth0_async import AccessToken, Auth0Client, SessionData
from auth0_async.fastapi import Auth0Depends

auth0 = Auth0Client()  # reads AUTH0_* and APP_BASE_URL from the environment
auth = Auth0Depends(auth0)

MaybeSession = Annotated[SessionData | None, Depends(auth.session)]
PageSession = Annotated[SessionData, Depends(auth.require_session_page)]  # else: to /auth/login
ApiSession = Annotated[SessionData, Depends(auth.require_session)]  # else: 401 JSON
Token = Annotated[AccessToken, Depends(auth.access_token)]  # refreshed when expired

api = FastAPI()


@api.get("/", response_class=HTMLResponse)
async def home(session: MaybeSession) -> str:
    if session is None:
        return '<a href="/auth/login">Log in</a>'
    return f'Hello {session.user.name}! <a href="/profile">Profile</a> <a href="/auth/logout">Log out</a>'


@api.get("/profile", response_class=HTMLResponse)
async def profile(session: PageSession) -> str:
    return f"<pre>{session.user.sub}\n{session.user.email}</pre>"


@api.get("/api/me")
async def me(session: ApiSession) -> dict[str, str | None]:
    return {"sub": session.user.sub, "name": session.user.name}


@api.get("/api/token")
async def token(access: Token) -> dict[str, int | str | None]:
    return {"expires_at": access.expires_at, "scope": access.scope}


app = auth0.middleware(api)
