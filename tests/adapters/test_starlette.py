"""auth0_async.starlette on a real Starlette app, through httpx.ASGITransport, on asyncio and trio."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import anyio
import msgspec
import pytest
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Mount, Route, WebSocketRoute
from typing_extensions import assert_type

from auth0_async import (
    AccessToken,
    RequestContextError,
    SessionConfig,
    SessionData,
    SessionError,
)
from auth0_async.starlette import Auth0Starlette, NotAuthenticatedError

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
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.websockets import WebSocket

pytestmark = pytest.mark.anyio


def build(auth: Auth0Starlette, *, handlers: bool = True) -> Any:
    async def optional(request: Request) -> Response:
        session = await auth.session(request)
        assert_type(session, SessionData | None)
        bound = await auth.auth0.get_session()
        assert bound == session
        return JSONResponse({"sub": None if session is None else session.user.sub})

    async def api(request: Request) -> Response:
        session = await auth.require_session(request)
        assert_type(session, SessionData)
        return JSONResponse(
            {"sub": session.user.sub, "tier": session.user["https://example.com/tier"]}
        )

    async def page(request: Request) -> Response:
        session = await auth.require_session_page(request)
        return PlainTextResponse(f"hello {session.user.name}")

    @auth.login_required
    async def decorated_page(request: Request) -> Response:
        return PlainTextResponse("page")

    @auth.login_required(api=True)
    async def decorated_api(request: Request) -> Response:
        session = await auth.require_session(request)
        return JSONResponse({"sub": session.user.sub})

    async def token(request: Request) -> Response:
        access = await auth.access_token(request)
        assert_type(access, AccessToken)
        return JSONResponse({"token": access.token, "expires_at": access.expires_at})

    async def ws(websocket: WebSocket) -> None:
        session = await auth.session(websocket)
        await websocket.accept()
        await websocket.send_text(session.user.sub if session else "anonymous")
        await websocket.close()

    routes = [
        Route("/optional", optional),
        Route("/api", api),
        Route("/page", page, methods=["GET", "POST"]),
        Route("/decorated/page", decorated_page),
        Route("/decorated/api", decorated_api),
        Route("/token", token),
        WebSocketRoute("/ws", ws),
    ]
    inner = Starlette(routes=routes)
    app = Starlette(
        routes=[*routes, Mount("/sub", app=inner)],
        exception_handlers=auth.exception_handlers if handlers else None,
    )
    return auth.auth0.middleware(app)


async def test_session_is_visible() -> None:
    auth = Auth0Starlette(make_auth0())
    async with http(build(auth)) as client:
        anonymous = await client.get("/optional")
        assert anonymous.json() == {"sub": None}
        signed_in = await client.get("/optional", headers=with_session())
        assert signed_in.json() == {"sub": "auth0|alice"}
        api = await client.get("/api", headers=with_session())
        assert api.json() == {"sub": "auth0|alice", "tier": "gold"}


async def test_api_without_session_is_401_json() -> None:
    auth = Auth0Starlette(make_auth0())
    async with http(build(auth)) as client:
        for path in ("/api", "/decorated/api"):
            response = await client.get(path)
            assert response.status_code == 401
            assert response.json() == NOT_AUTHENTICATED
            assert response.headers["content-type"] == "application/json"
            assert response.headers["x-content-type-options"] == "nosniff"


async def test_without_the_exception_handlers_starlette_still_answers_401_and_redirects() -> None:
    auth = Auth0Starlette(make_auth0())
    async with http(build(auth, handlers=False)) as client:
        api = await client.get("/api")
        assert api.status_code == 401
        page = await client.get("/page?x=1")
        assert page.status_code == 307
        assert page.headers["location"] == "/auth/login?returnTo=%2Fpage%3Fx%3D1"


def return_to(location: str) -> str:
    parts = urlsplit(location)
    assert parts.path == "/auth/login"
    return parse_qs(parts.query)["returnTo"][0]


async def test_page_without_session_redirects_to_login_with_return_to() -> None:
    auth = Auth0Starlette(make_auth0())
    async with http(build(auth)) as client:
        # The query is written out: httpx before 0.28 encodes a params space as %20, not +.
        page = await client.get("/page?tab=a+b&n=1")
        assert page.status_code == 307
        assert return_to(page.headers["location"]) == "/page?tab=a+b&n=1"
        assert page.headers["x-content-type-options"] == "nosniff"
        decorated = await client.get("/decorated/page")
        assert decorated.status_code == 307
        assert return_to(decorated.headers["location"]) == "/decorated/page"
        # A form POST is sent on as a GET of the login route.
        posted = await client.post("/page", data={"a": "1"})
        assert posted.status_code == 303
        assert return_to(posted.headers["location"]) == "/page"
        # A mounted sub-app keeps its prefix in returnTo; unicode paths are percent-encoded.
        mounted = await client.get("/sub/page")
        assert return_to(mounted.headers["location"]) == "/sub/page"
        assert (await client.get("/sub/api")).status_code == 401


async def test_login_path_is_configurable_and_validated() -> None:
    from auth0_async import ConfigurationError

    auth = Auth0Starlette(make_auth0(), login_path="/app/signin")
    async with http(build(auth)) as client:
        page = await client.get("/page")
        assert page.headers["location"] == "/app/signin?returnTo=%2Fpage"
    for bad in ("signin", "//evil.example/login", "/login?x=1"):
        with pytest.raises(ConfigurationError):
            Auth0Starlette(make_auth0(), login_path=bad)


async def test_the_login_route_it_redirects_to_is_served_by_the_middleware() -> None:
    from ..support.tenant import APP, ISSUER, tenant, tenant_client

    auth = Auth0Starlette(tenant_client(tenant()))
    async with http(build(auth), base_url=APP) as client:
        page = await client.get("/page?x=1")
        login = await client.get(page.headers["location"])
        assert login.status_code == 307
        assert login.headers["location"].startswith(f"{ISSUER}authorize?")
        assert any(name.startswith("__txn_") for name in set_cookies(login))


async def test_pages_with_a_session_render() -> None:
    auth = Auth0Starlette(make_auth0())
    async with http(build(auth)) as client:
        for path in ("/page", "/decorated/page", "/sub/page"):
            response = await client.get(path, headers=with_session())
            assert response.status_code == 200, path


async def test_decorator_keeps_the_endpoint_name() -> None:
    auth = Auth0Starlette(make_auth0())

    @auth.login_required(api=True)
    async def my_endpoint(request: Request) -> Response:
        return PlainTextResponse("x")

    assert my_endpoint.__name__ == "my_endpoint"


async def test_access_token_that_is_still_valid_needs_no_provider() -> None:
    auth = Auth0Starlette(make_auth0())
    async with http(build(auth)) as client:
        response = await client.get("/token", headers=with_session())
        assert response.json() == {"token": "at-1", "expires_at": T0 + 3600}


async def test_access_token_error_is_401_json_with_its_code() -> None:
    auth = Auth0Starlette(make_auth0())
    async with http(build(auth)) as client:
        anonymous = await client.get("/token")
        assert anonymous.status_code == 401
        assert anonymous.json()["error"] == "missing_session"
        expired = await client.get(
            "/token", headers=with_session(expires_at=T0, refresh_token=None)
        )
        assert expired.status_code == 401
        assert expired.json()["error"] == "missing_refresh_token"


async def test_websocket_sees_the_session() -> None:
    app = build(Auth0Starlette(make_auth0()))
    assert texts(await websocket(app, "/ws", with_session())) == ["auth0|alice"]
    assert texts(await websocket(app, "/ws")) == ["anonymous"]


# -- the request context in background tasks and task groups ---------------------------------


async def test_background_task_reads_the_session_but_cannot_write_it() -> None:
    auth0 = make_auth0(session=SessionConfig(rolling=False))
    seen: dict[str, Any] = {}

    async def later() -> None:
        session = await auth0.get_session()  # the request is still bound here
        seen["sub"] = None if session is None else session.user.sub
        assert session is not None
        changed = msgspec.structs.replace(session, extra={"theme": "dark"})
        with pytest.raises(SessionError, match="already started"):
            await auth0.update_session(changed)
        seen["refused"] = True

    async def endpoint(request: Request) -> Response:
        return PlainTextResponse("ok", background=BackgroundTask(later))

    app = auth0.middleware(Starlette(routes=[Route("/", endpoint)]))
    async with http(app) as client:
        response = await client.get("/", headers=with_session())
    assert response.text == "ok"
    assert seen == {"sub": "auth0|alice", "refused": True}
    assert "__session" not in set_cookies(response)


async def test_task_group_children_inherit_the_request() -> None:
    auth0 = make_auth0()

    async def endpoint(request: Request) -> Response:
        subs: list[str] = []

        async def child() -> None:
            session = await auth0.get_session()
            assert session is not None
            subs.append(session.user.sub)

        async with anyio.create_task_group() as tg:
            for _ in range(3):
                tg.start_soon(child)
        return JSONResponse(subs)

    app = auth0.middleware(Starlette(routes=[Route("/", endpoint)]))
    async with http(app) as client:
        response = await client.get("/", headers=with_session())
    assert response.json() == ["auth0|alice"] * 3


async def test_worker_threads_reach_the_request_through_from_thread() -> None:
    import anyio.from_thread
    import anyio.to_thread

    auth0 = make_auth0()

    def blocking_work() -> str | None:
        # Sync code in a worker thread: the request's context comes along to from_thread.run.
        session = anyio.from_thread.run(auth0.get_session)
        return None if session is None else session.user.sub

    async def endpoint(request: Request) -> Response:
        return PlainTextResponse(str(await anyio.to_thread.run_sync(blocking_work)))

    app = auth0.middleware(Starlette(routes=[Route("/", endpoint)]))
    async with http(app) as client:
        assert (await client.get("/", headers=with_session())).text == "auth0|alice"
        assert (await client.get("/")).text == "None"


async def test_outside_a_request_get_session_fails_clearly() -> None:
    auth0 = make_auth0()
    errors: list[Exception] = []

    async def job() -> None:
        try:
            await auth0.get_session()
        except RequestContextError as exc:
            errors.append(exc)

    # A task group opened outside any request (an app-wide worker, say) has no request bound.
    async with anyio.create_task_group() as tg:
        tg.start_soon(job)
    assert len(errors) == 1
    assert "auth0.middleware(app)" in str(errors[0])


async def test_access_token_without_the_middleware_fails_clearly() -> None:
    auth = Auth0Starlette(make_auth0())

    async def endpoint(request: Request) -> Response:
        with pytest.raises(RequestContextError):
            await auth.access_token(request)
        # Reading works without the middleware (nothing to write).
        session = await auth.session(request)
        return PlainTextResponse("" if session is None else session.user.sub)

    async with http(Starlette(routes=[Route("/", endpoint)])) as client:
        response = await client.get("/", headers=with_session())
    assert response.text == "auth0|alice"


def test_not_authenticated_error_is_an_http_exception() -> None:
    from starlette.exceptions import HTTPException

    exc = NotAuthenticatedError()
    assert isinstance(exc, HTTPException)
    assert exc.status_code == 401
    assert exc.location is None


# -- registered with Middleware / add_middleware, and the AuthenticationBackend ------------------

AUTH0 = make_auth0()


def registered_app(*, add_middleware: bool) -> Starlette:
    from starlette.authentication import requires
    from starlette.middleware import Middleware
    from starlette.middleware.authentication import AuthenticationMiddleware

    from auth0_async import Auth0Middleware
    from auth0_async.starlette import Auth0Backend, Auth0User

    @requires("authenticated", status_code=401)
    async def whoami(request: Request) -> Response:
        user = request.user
        assert isinstance(user, Auth0User)
        assert await AUTH0.get_session() == user.session  # the bound form works too
        return JSONResponse(
            {
                "identity": user.identity,
                "display_name": user.display_name,
                "name": user.user.name,
                "scopes": request.auth.scopes,
            }
        )

    async def anyone(request: Request) -> Response:
        return JSONResponse({"authenticated": request.user.is_authenticated})

    routes = [Route("/whoami", whoami), Route("/anyone", anyone)]
    backend = Middleware(AuthenticationMiddleware, backend=Auth0Backend(AUTH0))
    if not add_middleware:
        return Starlette(
            routes=routes, middleware=[Middleware(Auth0Middleware, client=AUTH0), backend]
        )
    app = Starlette(routes=routes)
    app.add_middleware(AuthenticationMiddleware, backend=Auth0Backend(AUTH0))
    app.add_middleware(Auth0Middleware, client=AUTH0)  # added last: the outermost
    return app


@pytest.mark.parametrize("add_middleware", [False, True])
async def test_a_registered_middleware_serves_the_routes_and_sets_request_user(
    add_middleware: bool,
) -> None:
    app = registered_app(add_middleware=add_middleware)
    assert type(app) is Starlette  # the app users run is still their Starlette app
    async with http(app) as client:
        anonymous = await client.get("/whoami")
        signed_in = await client.get("/whoami", headers=with_session())
        anyone = await client.get("/anyone")
        profile = await client.get("/auth/profile", headers=with_session())
        login = await client.get("/auth/login")
    assert anonymous.status_code == 401
    assert signed_in.json() == {
        "identity": "auth0|alice",
        "display_name": "Alice",
        "name": "Alice",
        "scopes": ["authenticated"],
    }
    assert anyone.json() == {"authenticated": False}
    assert profile.status_code == 200
    assert profile.json()["sub"] == "auth0|alice"
    assert login.status_code != 404  # the middleware answers it (500 here: no domain configured)


async def test_the_backend_scopes_are_configurable_and_display_name_falls_back() -> None:
    from starlette.requests import HTTPConnection

    from auth0_async.starlette import Auth0Backend

    from ..conftest import http_scope
    from ..support.sessions import cookie_for

    backend = Auth0Backend(AUTH0, scopes=["authenticated", "admin"])
    assert await backend.authenticate(HTTPConnection(http_scope(None))) is None
    result = await backend.authenticate(HTTPConnection(http_scope(f"__session={cookie_for()}")))
    assert result is not None
    credentials, user = result
    assert credentials.scopes == ["authenticated", "admin"]
    assert user.is_authenticated
    assert user.display_name == "Alice"
