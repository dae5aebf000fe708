"""auth0_async.fastapi on a real FastAPI app, through httpx.ASGITransport, on asyncio and trio."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import parse_qs, urlsplit

import anyio
import anyio.lowlevel
import msgspec
import pytest
from fastapi import BackgroundTasks, Depends, FastAPI, WebSocket
from typing_extensions import assert_type

from auth0_async import AccessToken, SessionData
from auth0_async._core._crypto import CookieCipher
from auth0_async.fastapi import Auth0Depends
from auth0_async.testing import FrozenClock

from ..conftest import SECRET
from .helpers import (
    NOT_AUTHENTICATED,
    T0,
    http,
    make_auth0,
    set_cookies,
    texts,
    websocket,
    with_session,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

pytestmark = pytest.mark.anyio


AUTH0 = make_auth0()
auth = Auth0Depends(AUTH0)

# The aliases users write once and reuse. FastAPI reads them at run time, so (with
# ``from __future__ import annotations``) they live at module level.
MaybeSession = Annotated[SessionData | None, Depends(auth.session)]
CurrentSession = Annotated[SessionData, Depends(auth.require_session)]
PageSession = Annotated[SessionData, Depends(auth.require_session_page)]
Token = Annotated[AccessToken, Depends(auth.access_token)]

api = FastAPI()
seen: list[str | None] = []


@api.get("/optional")
async def optional(session: MaybeSession) -> dict[str, Any]:
    assert_type(session, SessionData | None)
    return {"sub": None if session is None else session.user.sub}


@api.get("/api/me")
async def me(session: CurrentSession) -> dict[str, Any]:
    assert_type(session, SessionData)
    return {"sub": session.user.sub, "tier": session.user["https://example.com/tier"]}


@api.api_route("/page", methods=["GET", "POST"])
async def page(session: PageSession) -> dict[str, Any]:
    return {"name": session.user.name}


@api.get("/token")
async def token(access: Token) -> dict[str, Any]:
    assert_type(access, AccessToken)
    return {"token": access.token, "expires_at": access.expires_at}


@api.get("/fanout")
async def fanout(session: CurrentSession) -> list[str | None]:
    """Child tasks of a task group see the request's session through get_session()."""
    subs: list[str | None] = []

    async def child() -> None:
        await anyio.lowlevel.checkpoint()
        found = await AUTH0.get_session()
        subs.append(None if found is None else found.user.sub)

    async with anyio.create_task_group() as tg:
        for _ in range(4):
            tg.start_soon(child)
    return subs


@api.get("/background")
async def background(tasks: BackgroundTasks, session: CurrentSession) -> dict[str, str]:
    async def later() -> None:
        found = await AUTH0.get_session()
        seen.append(None if found is None else found.user.sub)

    tasks.add_task(later)
    return {"queued": "yes"}


@api.websocket("/ws")
async def ws(websocket: WebSocket, session: CurrentSession) -> None:
    await websocket.accept()
    await websocket.send_text(session.user.sub)
    await websocket.close()


APP = AUTH0.middleware(api)


async def test_session_dependencies() -> None:
    async with http(APP) as client:
        assert (await client.get("/optional")).json() == {"sub": None}
        assert (await client.get("/optional", headers=with_session())).json() == {
            "sub": "auth0|alice"
        }
        me = await client.get("/api/me", headers=with_session())
        assert me.json() == {"sub": "auth0|alice", "tier": "gold"}
        page = await client.get("/page", headers=with_session())
        assert page.json() == {"name": "Alice"}


async def test_require_session_is_401_for_apis() -> None:
    async with http(APP) as client:
        response = await client.get("/api/me")
    assert response.status_code == 401
    assert response.json() == {"detail": NOT_AUTHENTICATED}


async def test_require_session_page_redirects_to_login() -> None:
    async with http(APP) as client:
        response = await client.get("/page?next=1&q=%C3%A9")
        posted = await client.post("/page")
    assert response.status_code == 307
    location = urlsplit(response.headers["location"])
    assert location.path == "/auth/login"
    assert parse_qs(location.query)["returnTo"] == ["/page?next=1&q=%C3%A9"]
    assert posted.status_code == 303


async def test_access_token_dependency_with_a_valid_token() -> None:
    async with http(APP) as client:
        response = await client.get("/token", headers=with_session())
    assert response.json() == {"token": "at-1", "expires_at": T0 + 3600}


async def test_access_token_dependency_errors_are_401() -> None:
    async with http(APP) as client:
        anonymous = await client.get("/token")
        expired = await client.get(
            "/token", headers=with_session(expires_at=T0, refresh_token=None)
        )
    assert anonymous.status_code == 401
    assert anonymous.json()["detail"]["error"] == "missing_session"
    assert expired.status_code == 401
    assert expired.json()["detail"] == {
        "error": "missing_refresh_token",
        "description": expired.json()["detail"]["description"],
    }


async def test_access_token_dependency_refreshes_and_the_middleware_saves_the_rotation() -> None:
    from ..support.fakes import APP as BASE
    from ..support.fakes import FakeProvider
    from ..support.routes import make_client

    provider = FakeProvider()
    provider.token_body = lambda form: msgspec.json.encode(
        {
            "access_token": "at-2",
            "token_type": "Bearer",
            "expires_in": 3600,
            "refresh_token": "rt-2",
            "scope": "openid profile",
        }
    )
    auth0 = make_client(provider, clock=FrozenClock(T0 + 10))
    # Tests swap the client with FastAPI's dependency overrides (the middleware goes with it).
    api.dependency_overrides[auth.access_token] = Auth0Depends(auth0).access_token
    try:
        async with http(auth0.middleware(api), base_url=BASE) as client:
            response = await client.get("/token", headers=with_session(expires_at=T0))
    finally:
        api.dependency_overrides.clear()
    assert response.status_code == 200
    assert response.json() == {"token": "at-2", "expires_at": T0 + 10 + 3600}
    grants = [r for r in provider.requests if r.url.path == "/oauth/token"]
    assert len(grants) == 1
    assert b"refresh_token=rt-1" in grants[0].content
    line = set_cookies(response)["__session"]
    opened = CookieCipher([SECRET]).decrypt(line.split(";", 1)[0].split("=", 1)[1])
    assert opened is not None
    saved = msgspec.json.decode(opened[1])
    assert saved["tokenSet"]["refreshToken"] == "rt-2"
    assert saved["tokenSet"]["accessToken"] == "at-2"


async def test_task_group_children_see_the_session() -> None:
    async with http(APP) as client:
        response = await client.get("/fanout", headers=with_session())
    assert response.json() == ["auth0|alice"] * 4


async def test_background_tasks_see_the_session() -> None:
    seen.clear()
    async with http(APP) as client:
        response = await client.get("/background", headers=with_session())
    assert response.json() == {"queued": "yes"}
    assert seen == ["auth0|alice"]


async def test_websocket_without_session_is_closed_with_1008() -> None:
    app = APP
    assert texts(await websocket(app, "/ws", with_session())) == ["auth0|alice"]
    closed = await websocket(app, "/ws")
    assert closed == [{"type": "websocket.close", "code": 1008, "reason": "not_authenticated"}]


# -- registered with add_middleware; the OpenAPI security scheme; a lifespan that closes --------


def registered() -> FastAPI:
    from auth0_async import Auth0Middleware

    app = FastAPI()
    app.include_router(api.router)
    app.add_middleware(Auth0Middleware, client=AUTH0)
    return app


async def test_add_middleware_keeps_a_fastapi_app_that_serves_the_auth_routes() -> None:
    app = registered()
    assert type(app) is FastAPI  # what `fastapi run` finds is the app with the middleware
    async with http(app) as client:
        anonymous = await client.get("/api/me")
        signed_in = await client.get("/api/me", headers=with_session())
        profile = await client.get("/auth/profile", headers=with_session())
        login = await client.get("/auth/login")
    assert anonymous.status_code == 401
    assert anonymous.json() == {"detail": NOT_AUTHENTICATED}
    assert signed_in.json() == {"sub": "auth0|alice", "tier": "gold"}
    assert profile.json()["sub"] == "auth0|alice"
    assert login.status_code != 404  # served (500 here: this client has no domain)


async def test_dependency_overrides_work_on_the_registered_app() -> None:
    from auth0_async import TokenSet, User

    app = registered()

    async def signed_in() -> SessionData:
        user = User(sub="auth0|test", extra={"https://example.com/tier": "test"})
        return SessionData(user=user, token_set=TokenSet())

    app.dependency_overrides[auth.require_session] = signed_in
    async with http(app) as client:
        response = await client.get("/api/me")
    assert response.json() == {"sub": "auth0|test", "tier": "test"}  # no cookie needed
    app.dependency_overrides.clear()


async def test_openapi_shows_the_session_cookie_on_routes_that_need_a_session() -> None:
    from auth0_async import Auth0Middleware

    app = FastAPI()
    app.add_middleware(Auth0Middleware, client=AUTH0)

    @app.get("/api/me")
    async def me(session: CurrentSession) -> str:
        return session.user.sub

    @app.get("/page")
    async def page(session: PageSession) -> str:
        return session.user.sub

    @app.get("/token")
    async def token(access: Token) -> str:
        return access.token

    @app.get("/optional")
    async def optional(session: MaybeSession) -> None:
        return None

    async with http(app) as client:
        document = (await client.get("/openapi.json")).json()
        still_works = await client.get("/api/me", headers=with_session())
    assert still_works.json() == "auth0|alice"
    scheme = document["components"]["securitySchemes"]["auth0_session"]
    assert scheme["type"] == "apiKey"
    assert scheme["in"] == "cookie"
    assert scheme["name"] == "__session"
    paths = document["paths"]
    for path in ("/api/me", "/page", "/token"):
        assert paths[path]["get"]["security"] == [{"auth0_session": []}], path
    assert "security" not in paths["/optional"]["get"]  # a session is optional there


async def test_the_scheme_is_named_after_a_custom_session_cookie() -> None:
    from auth0_async import CookieOptions, SessionConfig

    custom = Auth0Depends(
        make_auth0(session=SessionConfig(cookie=CookieOptions(name="appSession"))),
        security_scheme_name="cookie",
    )
    app = FastAPI()

    @app.get("/me", dependencies=[Depends(custom.require_session)])
    async def me() -> str:
        return "me"

    document = app.openapi()
    assert document["components"]["securitySchemes"]["cookie"]["name"] == "appSession"
    assert document["paths"]["/me"]["get"]["security"] == [{"cookie": []}]


async def test_a_lifespan_with_async_with_closes_the_http_client() -> None:
    from contextlib import asynccontextmanager

    auth0 = make_auth0(domain="tenant.example.com")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with auth0:
            yield

    app = FastAPI(lifespan=lifespan)
    async with app.router.lifespan_context(app):
        created = auth0._kernel.provider.oidc()._client()
        assert not created.is_closed
    assert created.is_closed
