"""The service kernel (``_service/_kernel``): rolling re-issues, its hook, and session updates."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

from auth0_async import (
    MissingSessionError,
    SessionData,
    SessionError,
)
from auth0_async._core._models import session_from_wire
from auth0_async.testing import FrozenClock

from ..conftest import http_scope
from ..support.asgi_driver import call
from ..support.sessions import (
    T0,
    WIRE,
    app_reading,
    app_updating,
    cookie_for,
    decrypt_wire,
    make,
)

pytestmark = pytest.mark.anyio


async def test_rolling_reissues_with_inactivity_max_age_and_no_store() -> None:
    clock = FrozenClock(T0)
    auth0 = make(clock, inactivity_duration=1800, absolute_duration=3600)
    cookie = cookie_for()
    clock.advance(600)
    response = await call(app_reading(auth0, []), http_scope(f"__session={cookie}"))
    line = response.set_cookies["__session"]
    assert "Max-Age=1800" in line
    assert "Path=/" in line
    assert "HttpOnly" in line
    assert "SameSite=lax" in line
    assert "Secure" not in line
    assert (
        response.header("cache-control")
        == "private, no-cache, no-store, must-revalidate, max-age=0"
    )
    assert response.header("pragma") == "no-cache"
    assert response.header("expires") == "0"
    assert len(response.all("cache-control")) == 1
    rolled = decrypt_wire(response.cookie_value("__session") or "")
    assert rolled["exp"] == int(T0) + 600 + 1800
    assert {k: v for k, v in rolled.items() if k != "exp"} == dict(WIRE.items())


async def test_rolling_is_capped_by_the_absolute_duration() -> None:
    clock = FrozenClock(T0)
    auth0 = make(clock, inactivity_duration=1800, absolute_duration=2000)
    cookie = cookie_for(expires_in=1800)
    clock.advance(600)
    response = await call(app_reading(auth0, []), http_scope(f"__session={cookie}"))
    assert "Max-Age=1400" in response.set_cookies["__session"]


async def test_rolling_threshold_limits_reissues() -> None:
    clock = FrozenClock(T0)
    auth0 = make(clock, inactivity_duration=1800, rolling_threshold=300)
    cookie = cookie_for(expires_in=1800)
    clock.advance(200)
    assert (await call(app_reading(auth0, []), http_scope(f"__session={cookie}"))).all(
        "set-cookie"
    ) == []
    clock.advance(100)
    assert (
        "__session"
        in (await call(app_reading(auth0, []), http_scope(f"__session={cookie}"))).set_cookies
    )


async def test_rolling_off_never_reissues() -> None:
    clock = FrozenClock(T0)
    auth0 = make(clock, rolling=False)
    cookie = cookie_for()
    clock.advance(600)
    assert (await call(app_reading(auth0, []), http_scope(f"__session={cookie}"))).all(
        "set-cookie"
    ) == []


@pytest.mark.parametrize("verdict", [True, False])
async def test_before_session_rolled_hook_sync_and_async(verdict: bool) -> None:
    calls: list[str] = []

    def sync_hook(request: Any) -> bool:
        calls.append(str(request.url))
        return verdict

    async def async_hook(request: Any) -> bool:
        calls.append(request.headers["host"])
        return verdict

    for hook in (sync_hook, async_hook):
        clock = FrozenClock(T0)
        auth0 = make(clock, before_session_rolled=hook)
        cookie = cookie_for()
        clock.advance(10)
        response = await call(
            app_reading(auth0, []), http_scope(f"__session={cookie}", path="/api/x")
        )
        assert ("__session" in response.set_cookies) is verdict
    assert calls == ["http://testserver/api/x", "testserver"]


async def test_a_failing_hook_rolls_anyway(caplog: pytest.LogCaptureFixture) -> None:
    def hook(request: Any) -> bool:
        raise RuntimeError("boom")

    clock = FrozenClock(T0)
    auth0 = make(clock, before_session_rolled=hook)
    cookie = cookie_for()
    clock.advance(10)
    response = await call(app_reading(auth0, []), http_scope(f"__session={cookie}"))
    assert "__session" in response.set_cookies
    assert "before_session_rolled raised" in caplog.text


async def test_rolling_migrates_legacy_and_chunked_cookies() -> None:
    clock = FrozenClock(T0)
    auth0 = make(clock)
    value = cookie_for()
    half = len(value) // 2
    cookie = f"__session__0={value[:half]}; __session__1={value[half:]}; appSession=old"
    clock.advance(10)
    response = await call(app_reading(auth0, []), http_scope(cookie))
    cookies = response.set_cookies
    assert cookies["__session"].startswith("__session=ey")
    for name in ("__session__0", "__session__1", "appSession"):
        assert cookies[name].startswith(f"{name}=; Path=/; Max-Age=0")


async def test_update_session_keeps_internal_and_custom_claims() -> None:
    clock = FrozenClock(T0)
    auth0 = make(clock)

    def change(session: SessionData) -> SessionData:
        assert session.internal is not None
        forged = msgspec.structs.replace(session.internal, created_at=1, sid="forged")
        return msgspec.structs.replace(
            session, extra={**session.extra, "theme": "dark"}, internal=forged
        )

    clock.advance(5)
    response = await call(app_updating(auth0, change), http_scope(f"__session={cookie_for()}"))
    written = decrypt_wire(response.cookie_value("__session") or "")
    assert written["theme"] == "dark"
    assert written["favourite"] == [1, 2, 3]
    assert written["user"] == WIRE["user"]
    assert written["internal"] == WIRE["internal"]
    read_back = json.loads(response.body)
    assert read_back["theme"] == "dark"
    assert len(response.all("set-cookie")) == 1  # the update, no extra rolling write
    assert (
        response.header(
            "cache-control",
        )
        is not None
    )


async def test_update_session_without_a_session_raises() -> None:
    auth0 = make()

    async def app(scope: Any, receive: Any, send: Any) -> None:
        with pytest.raises(MissingSessionError, match="not authenticated"):
            await auth0.update_session(session_from_wire(WIRE))
        with pytest.raises(SessionError, match="missing"):
            await auth0.update_session(None)  # type: ignore[call-overload]
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    response = await call(auth0.middleware(app), http_scope(None))
    assert response.status == 204
    assert response.all("set-cookie") == []
