"""The service kernel (``_service/_kernel``): rolling re-issues, its hook, and session updates."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

from auth0_async import (
    Auth0Client,
    MissingSessionError,
    SessionData,
    SessionError,
)
from auth0_async._core._context import RequestContext
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


# -- the kernel's own methods, without the middleware ------------------------------------------


class SpyPersistence:
    """Delegates to the kernel's store and records every write's ``is_new``."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.writes: list[tuple[SessionData, bool]] = []

    @property
    def stateful(self) -> bool:
        return bool(self.inner.stateful)

    async def read(self, ctx: RequestContext) -> SessionData | None:
        result: SessionData | None = await self.inner.read(ctx)
        return result

    async def write(
        self, ctx: RequestContext, session: SessionData, *, is_new: bool = False
    ) -> SessionData | None:
        self.writes.append((session, is_new))
        result: SessionData | None = await self.inner.write(ctx, session, is_new=is_new)
        return result

    async def delete(self, ctx: RequestContext) -> None:
        await self.inner.delete(ctx)


def kernel_of(auth0: Auth0Client) -> tuple[Any, SpyPersistence]:
    kernel = auth0._kernel
    spy = SpyPersistence(kernel.sessions)
    kernel.sessions = spy
    return kernel, spy


def context(cookie: str | None = None) -> RequestContext:
    return RequestContext.from_scope(http_scope(cookie))


async def test_may_roll_answers_without_io_when_it_can() -> None:
    clock = FrozenClock(T0)
    kernel, _ = kernel_of(make(clock, inactivity_duration=1800, rolling_threshold=300))
    assert kernel.may_roll(context()) is False  # no cookie: no session
    unread = context(f"__session={cookie_for(expires_in=1800)}")
    assert kernel.may_roll(unread) is True  # only a read can tell
    await kernel.read(unread)
    assert kernel.may_roll(unread) is False  # read, and no roll due yet
    clock.advance(300)
    assert kernel.may_roll(unread) is True
    unread.session_written = True
    assert kernel.may_roll(unread) is False  # something else wrote the cookie


async def test_roll_writes_only_when_due() -> None:
    clock = FrozenClock(T0)
    kernel, spy = kernel_of(make(clock, inactivity_duration=1800, rolling_threshold=300))
    cookie = f"__session={cookie_for(expires_in=1800)}"
    early = context(cookie)
    await kernel.roll(early)
    assert spy.writes == []
    assert early.take_pending() == []
    clock.advance(300)
    due = context(cookie)
    await kernel.roll(due)
    assert [is_new for _, is_new in spy.writes] == [False]
    [line] = due.take_pending()
    assert line.startswith("__session=ey")
    assert "Max-Age=1800" in line
    written = context(cookie)
    written.session_written = True
    await kernel.roll(written)
    assert len(spy.writes) == 1
    await kernel.roll(context())  # no session: nothing to roll
    assert len(spy.writes) == 1


async def test_roll_asks_the_hook_last() -> None:
    asked: list[object] = []

    def hook(request: object) -> bool:
        asked.append(request)
        return False

    clock = FrozenClock(T0)
    kernel, spy = kernel_of(
        make(clock, before_session_rolled=hook, inactivity_duration=1800, rolling_threshold=300)
    )
    cookie = f"__session={cookie_for(expires_in=1800)}"
    await kernel.roll(context(cookie))
    assert asked == []  # not due: the hook is not asked
    clock.advance(600)
    await kernel.roll(context(cookie))
    assert len(asked) == 1
    assert spy.writes == []


async def test_update_keeps_internal_and_marks_another_user_as_new() -> None:
    kernel, spy = kernel_of(make())
    ctx = context(f"__session={cookie_for()}")
    current = await kernel.read(ctx)
    assert current is not None
    forged = msgspec.structs.replace(
        current,
        internal=msgspec.structs.replace(current.internal, sid="forged", created_at=1),
        extra={"theme": "dark"},
    )
    await kernel.update(ctx, forged)
    other = msgspec.structs.replace(
        current, user=msgspec.structs.replace(current.user, sub="auth0|eve")
    )
    await kernel.update(ctx, other)
    (first, first_new), (second, second_new) = spy.writes
    assert first.internal is current.internal
    assert first.extra == {"theme": "dark"}
    assert first_new is False
    assert second.internal is current.internal
    assert second_new is True


async def test_update_without_a_session_raises_and_writes_nothing() -> None:
    kernel, spy = kernel_of(make())
    with pytest.raises(MissingSessionError):
        await kernel.update(context(), session_from_wire(WIRE))
    with pytest.raises(MissingSessionError):
        await kernel.update(context("__session=garbage"), session_from_wire(WIRE))
    assert spy.writes == []
