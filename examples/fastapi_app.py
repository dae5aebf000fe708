"""FastAPI with Auth0 login: a public page, a page behind login, a JSON API, an access token.

Configure with AUTH0_DOMAIN, AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET, AUTH0_SECRET and
APP_BASE_URL (e.g. http://localhost:3000), then run::

    uvicorn examples.fastapi_app:app --port 3000

(or ``fastapi run examples/fastapi_app.py``: ``app`` is the FastAPI app itself, with the
middleware registered on it). Log in at /auth/login, log out at /auth/logout (served by
Auth0Middleware); /docs shows which routes need the session cookie.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, FastAPI
from fastapi.responses import HTMLResponse

from auth0_async import AccessToken, Auth0Client, Auth0Middleware, SessionData
from auth0_async.fastapi import Auth0Depends

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

auth0 = Auth0Client()  # reads AUTH0_* and APP_BASE_URL from the environment
auth = Auth0Depends(auth0)

MaybeSession = Annotated[SessionData | None, Depends(auth.session)]
PageSession = Annotated[SessionData, Depends(auth.require_session_page)]  # else: to /auth/login
ApiSession = Annotated[SessionData, Depends(auth.require_session)]  # else: 401 JSON
Token = Annotated[AccessToken, Depends(auth.access_token)]  # refreshed when expired


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    async with auth0:  # closes auth0's HTTP client at shutdown
        yield


app = FastAPI(lifespan=lifespan)
app.add_middleware(Auth0Middleware, client=auth0)  # app stays a FastAPI app


@app.get("/", response_class=HTMLResponse)
async def home(session: MaybeSession) -> str:
    if session is None:
        return '<a href="/auth/login">Log in</a>'
    return f'Hello {session.user.name}! <a href="/profile">Profile</a> <a href="/auth/logout">Log out</a>'


@app.get("/profile", response_class=HTMLResponse)
async def profile(session: PageSession) -> str:
    return f"<pre>{session.user.sub}\n{session.user.email}</pre>"


@app.get("/api/me")
async def me(session: ApiSession) -> dict[str, str | None]:
    return {"sub": session.user.sub, "name": session.user.name}


@app.get("/api/token")
async def token(access: Token) -> dict[str, int | str | None]:
    return {"expires_at": access.expires_at, "scope": access.scope}
