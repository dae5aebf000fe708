"""auth0_async.litestar on a real Litestar app, through httpx.ASGITransport, on asyncio and trio."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import anyio
import msgspec
import pytest
from litestar import Litestar, get, post
from litestar.di import NamedDependency, Provide
from typing_extensions import assert_type

from auth0_async import AccessToken, SessionData
from auth0_async.litestar import Auth0Plugin, NotAuthenticatedError

from .helpers import NOT_AUTHENTICATED, T0, http, make_auth0, set_cookies, with_session

pytestmark = pytest.mark.anyio

AUTH0 = make_auth0()
auth = Auth0Plugin(AUTH0)


@get("/optional", dependencies={"session": Provide(auth.session)})
async def optional(session: NamedDependency[SessionData | None]) -> dict[str, Any]:
    assert_type(session, SessionData | None)
    bound = await AUTH0.get_session()
    assert bound == session
    return {"sub": None if session is None else session.user.sub}


@get("/api/me", dependencies={"session": Provide(auth.require_session)})
async def me(session: NamedDependency[SessionData]) -> dict[str, Any]:
    assert_type(session, SessionData)
    return {"sub": session.user.sub, "tier": session.user["https://example.com/tier"]}


@get("/page", dependencies={"session": Provide(auth.require_session_page)})
async def page(session: NamedDependency[SessionData]) -> dict[str, Any]:
    return {"name": session.user.name}


@post("/page", dependencies={"session": Provide(auth.require_session_page)}, status_code=200)
async def post_page(session: NamedDependency[SessionData]) -> dict[str, Any]:
    return {"name": session.user.name}


@get("/token", dependencies={"access": Provide(auth.access_token)})
async def token(access: NamedDependency[AccessToken]) -> dict[str, Any]:
    assert_type(access, AccessToken)
    return {"token": access.token, "expires_at": access.expires_at}


@get("/fanout", dependencies={"session": Provide(auth.require_session)})
async def fanout(session: NamedDependency[SessionData]) -> list[str | None]:
    subs: list[str | None] = []

    async def child() -> None:
        found = await AUTH0.get_session()
        subs.append(None if found is None else found.user.sub)

    async with anyio.create_task_group() as tg:
        for _ in range(3):
            tg.start_soon(child)
    return subs


APP = Litestar([optional, me, page, post_page, token, fanout], plugins=[auth])


async def test_session_providers() -> None:
    async with http(APP) as client:
        assert (await client.get("/optional")).json() == {"sub": None}
        signed_in = await client.get("/optional", headers=with_session())
        assert signed_in.json() == {"sub": "auth0|alice"}
        me = await client.get("/api/me", headers=with_session())
        assert me.json() == {"sub": "auth0|alice", "tier": "gold"}
        assert (await client.get("/page", headers=with_session())).json() == {"name": "Alice"}


async def test_require_session_is_401_json() -> None:
    async with http(APP) as client:
        response = await client.get("/api/me")
    assert response.status_code == 401
    assert response.json() == NOT_AUTHENTICATED
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_require_session_page_redirects_to_login() -> None:
    async with http(APP) as client:
        response = await client.get("/page?a=1")
        posted = await client.post("/page")
    assert response.status_code == 307
    location = urlsplit(response.headers["location"])
    assert location.path == "/auth/login"
    assert parse_qs(location.query)["returnTo"] == ["/page?a=1"]
    assert posted.status_code == 303
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_the_plugin_serves_the_auth_routes() -> None:
    from ..support.tenant import APP as BASE
    from ..support.tenant import ISSUER, tenant, tenant_client

    auth0 = tenant_client(tenant())
    app = Litestar([], plugins=[Auth0Plugin(auth0)])
    async with http(app, base_url=BASE) as client:
        login = await client.get("/auth/login?returnTo=/page")
        profile = await client.get("/auth/profile", headers=with_session())
        anonymous = await client.get("/auth/profile")
        wrong_method = await client.put("/auth/login")
    assert login.status_code == 307
    assert login.headers["location"].startswith(f"{ISSUER}authorize?")
    assert any(name.startswith("__txn_") for name in set_cookies(login))
    assert profile.json()["sub"] == "auth0|alice"
    assert anonymous.status_code == 401
    assert wrong_method.status_code == 404


async def test_access_token_provider() -> None:
    async with http(APP) as client:
        valid = await client.get("/token", headers=with_session())
        anonymous = await client.get("/token")
    assert valid.json() == {"token": "at-1", "expires_at": T0 + 3600}
    assert anonymous.status_code == 401
    assert anonymous.json()["error"] == "missing_session"


async def test_access_token_refresh_is_saved_by_the_middleware() -> None:
    from ..support.fakes import APP as BASE
    from ..support.fakes import FakeProvider
    from ..support.routes import make_client

    provider = FakeProvider()
    provider.token_body = lambda form: msgspec.json.encode(
        {"access_token": "at-2", "token_type": "Bearer", "expires_in": 60, "refresh_token": "rt-2"}
    )
    from auth0_async.testing import FrozenClock

    plugin = Auth0Plugin(make_client(provider, clock=FrozenClock(T0 + 10)))

    @get("/token", dependencies={"access": Provide(plugin.access_token)})
    async def fresh(access: NamedDependency[AccessToken]) -> str:
        return access.token

    async with http(Litestar([fresh], plugins=[plugin]), base_url=BASE) as client:
        response = await client.get("/token", headers=with_session(expires_at=T0))
    assert response.text == "at-2"
    assert "__session" in set_cookies(response)


async def test_task_group_children_see_the_session() -> None:
    async with http(APP) as client:
        response = await client.get("/fanout", headers=with_session())
    assert response.json() == ["auth0|alice"] * 3


def test_not_authenticated_error_defaults() -> None:
    exc = NotAuthenticatedError()
    assert exc.status_code == 401
    assert exc.body == NOT_AUTHENTICATED


async def test_the_guard_refuses_requests_without_a_session() -> None:
    from litestar import Router

    @get("/guarded/me")
    async def guarded_me() -> dict[str, Any]:
        found = await AUTH0.get_session()
        assert found is not None  # the guard ran first
        return {"sub": found.user.sub}

    @get("/open")
    async def open_route() -> str:
        return "open"

    app = Litestar(
        [Router("/", route_handlers=[guarded_me], guards=[auth.guard]), open_route],
        plugins=[auth],
    )
    async with http(app) as client:
        refused = await client.get("/guarded/me")
        assert refused.status_code == 401
        assert refused.json() == NOT_AUTHENTICATED
        allowed = await client.get("/guarded/me", headers=with_session())
        assert allowed.status_code == 200
        assert allowed.json() == {"sub": "auth0|alice"}
        assert (await client.get("/open")).text == "open"
        assert (await client.get("/auth/profile")).status_code == 401  # the SDK's own route
