"""The ASGI middleware (``_http/_middleware``): binding requests, passing others through, late writes."""

from __future__ import annotations

import gc
from typing import Any

import msgspec
import pytest

from auth0_async import (
    RequestContextError,
    SessionData,
    SessionError,
)
from auth0_async._core._context import RequestContext
from auth0_async.testing import FrozenClock

from ..conftest import http_scope
from ..support.asgi_driver import call
from ..support.sessions import (
    T0,
    app_reading,
    cookie_for,
    make,
)

pytestmark = pytest.mark.anyio


async def test_middleware_binds_the_request() -> None:
    auth0 = make(rolling=False)
    seen: list[SessionData | None] = []
    response = await call(app_reading(auth0, seen), http_scope(f"__session={cookie_for()}"))
    assert seen[0] is not None
    assert seen[0].user.sub == "auth0|alice"
    assert response.all("set-cookie") == []  # reads never write
    assert response.header("cache-control") == "public, max-age=60"


async def test_anonymous_requests_pass_through_untouched() -> None:
    auth0 = make()
    seen: list[SessionData | None] = []
    response = await call(app_reading(auth0, seen), http_scope(None))
    assert seen == [None]
    assert response.all("set-cookie") == []
    assert response.header("cache-control") == "public, max-age=60"


async def test_a_request_leaves_no_reference_cycle() -> None:
    # The context binds the scope and the scope binds the context: unless the middleware
    # unbinds it, every request's context and session wait for the cyclic collector.
    auth0 = make()
    seen: list[SessionData | None] = []
    app = app_reading(auth0, seen)
    scopes = [
        http_scope(f"__session={cookie_for()}"),  # read, then rolled at response start
        http_scope(None),
        http_scope(f"__session={cookie_for()}", path="/auth/profile"),  # an auth route
    ]
    gc.collect()
    gc.disable()
    try:
        responses = [await call(app, scope) for scope in scopes]
        left = [
            o
            for o in gc.get_objects()
            if type(o) is RequestContext and any(o.request is s for s in scopes)
        ]
    finally:
        gc.enable()
    assert [r.status for r in responses] == [200, 200, 200]
    assert responses[0].cookie_value("__session")  # the roll wrote a cookie
    assert left == []
    assert not any(key.startswith("auth0_async.context") for s in scopes for key in s)


async def test_explicit_form_inside_the_middleware_sees_the_bound_writes() -> None:
    from starlette.requests import Request

    auth0 = make()

    async def app(scope: Any, receive: Any, send: Any) -> None:
        request = Request(scope)
        session = await auth0.get_session(request)
        assert session is not None
        await auth0.update_session(msgspec.structs.replace(session, extra={"seen": True}))
        again = await auth0.get_session(request)
        assert again is not None
        assert again.extra == {"seen": True}
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    response = await call(auth0.middleware(app), http_scope(f"__session={cookie_for()}"))
    assert "__session" in response.set_cookies


async def test_secure_follows_the_request_scheme_without_app_base_url() -> None:
    clock = FrozenClock(T0)
    auth0 = make(clock)
    clock.advance(5)
    response = await call(
        app_reading(auth0, []), http_scope(f"__session={cookie_for()}", scheme="https")
    )
    assert "; Secure;" in response.set_cookies["__session"]


async def test_websocket_scopes_are_bound_for_reads() -> None:
    auth0 = make()
    seen: list[SessionData | None] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(await auth0.get_session())

    await auth0.middleware(app)(
        {**http_scope(f"__session={cookie_for()}"), "type": "websocket"},
        None,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
    )
    assert seen[0] is not None


async def test_lifespan_passes_through() -> None:
    auth0 = make()
    seen: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope["type"])
        with pytest.raises(RequestContextError):
            await auth0.get_session()

    await auth0.middleware(app)({"type": "lifespan"}, None, None)  # type: ignore[arg-type]
    assert seen == ["lifespan"]


async def test_writes_after_the_response_started_fail_clearly() -> None:
    auth0 = make()
    errors: list[Exception] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        session = await auth0.get_session()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        assert session is not None
        later = await auth0.get_session()  # reads still work (a background task, say)
        assert later is not None
        assert later.user == session.user
        try:
            await auth0.update_session(session)
        except SessionError as exc:
            errors.append(exc)
        await send({"type": "http.response.body", "body": b""})

    await call(auth0.middleware(app), http_scope(f"__session={cookie_for()}"))
    assert len(errors) == 1
    assert "already started" in str(errors[0])


async def test_websocket_writes_fail_clearly() -> None:
    auth0 = make()
    errors: list[Exception] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        session = await auth0.get_session()
        assert session is not None
        try:
            await auth0.update_session(session)
        except SessionError as exc:
            errors.append(exc)

    scope = {**http_scope(f"__session={cookie_for()}"), "type": "websocket"}
    await auth0.middleware(app)(scope, None, None)  # type: ignore[arg-type]
    assert "websocket" in str(errors[0])
