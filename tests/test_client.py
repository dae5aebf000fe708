from __future__ import annotations

import gc
import json
from typing import Any, ClassVar

import msgspec
import pytest

from auth0_async import (
    Auth0Client,
    ConfigurationError,
    CookieOptions,
    MissingSessionError,
    RequestContextError,
    SessionConfig,
    SessionData,
    SessionError,
)
from auth0_async._context import RequestContext
from auth0_async._crypto import CookieCipher
from auth0_async._models import session_from_wire
from auth0_async.testing import FrozenClock, generate_session_cookie

from .asgi_driver import call
from .conftest import OTHER_SECRET, SECRET, http_scope

pytestmark = pytest.mark.anyio

T0 = 1_800_000_000.0
WIRE: dict[str, Any] = {
    "user": {"sub": "auth0|alice", "name": "Alice", "https://example.com/tier": "gold"},
    "tokenSet": {
        "accessToken": "at",
        "refreshToken": "rt",
        "idToken": "it",
        "expiresAt": int(T0) + 3600,
    },
    "internal": {"sid": "sid-1", "createdAt": int(T0)},
    "favourite": [1, 2, 3],
}


def make(clock: FrozenClock | None = None, **session: Any) -> Auth0Client:
    return Auth0Client(
        secret=SECRET, clock=clock or FrozenClock(T0), session=SessionConfig(**session)
    )


def cookie_for(
    wire: dict[str, Any] = WIRE,
    *,
    clock: FrozenClock | None = None,
    expires_in: int = 3600,
    secret: str = SECRET,
) -> str:
    return generate_session_cookie(
        wire, secret=secret, expires_in=expires_in, clock=clock or FrozenClock(T0)
    )


def decrypt_wire(value: str) -> dict[str, Any]:
    opened = CookieCipher([SECRET]).decrypt(value)
    assert opened is not None
    result: dict[str, Any] = json.loads(opened[1])
    return result


# -- get_session ----------------------------------------------------------------------------


async def test_get_session_from_an_asgi_scope() -> None:
    auth0 = make()
    session = await auth0.get_session(http_scope(f"__session={cookie_for()}"))
    assert session is not None
    assert session.user.sub == "auth0|alice"
    assert session.user["https://example.com/tier"] == "gold"
    assert session.extra == {"favourite": [1, 2, 3]}
    assert session.exp == int(T0) + 3600


async def test_get_session_from_a_starlette_request() -> None:
    from starlette.requests import Request

    auth0 = make()
    request = Request(http_scope(f"__session={cookie_for()}"))
    session = await auth0.get_session(request)
    assert session is not None
    assert session.user.name == "Alice"


async def test_get_session_from_any_request_source() -> None:
    class Source:
        headers: ClassVar[dict[str, str]] = {"cookie": f"a=b; __session={cookie_for()}"}
        url = "https://app.example/x"

    session = await make().get_session(Source())
    assert session is not None
    assert session.user.sub == "auth0|alice"
    assert session.user["https://example.com/tier"] == "gold"
    assert session.token_set.refresh_token == "rt"
    assert session.extra == {"favourite": [1, 2, 3]}
    assert session == await make().get_session(http_scope(f"__session={cookie_for()}"))


@pytest.mark.parametrize(
    "cookie",
    [
        None,
        "",
        "__session=",
        "__session=garbage",
        "__session=a.b.c.d.e",
        "other=1",
        "__session__0=abc; __session__2=def",
    ],
)
async def test_no_or_bad_cookie_is_none(cookie: str | None) -> None:
    assert await make().get_session(http_scope(cookie)) is None


async def test_wrong_secret_is_none() -> None:
    assert (
        await make().get_session(http_scope(f"__session={cookie_for(secret=OTHER_SECRET)}")) is None
    )


async def test_secret_rotation_reads_old_cookies() -> None:
    auth0 = Auth0Client(secret=[SECRET, OTHER_SECRET], clock=FrozenClock(T0))
    alice = await make().get_session(http_scope(f"__session={cookie_for()}"))
    assert alice is not None
    bob_wire = {
        **WIRE,
        "user": {"sub": "auth0|bob"},
        "internal": {"sid": "sid-2", "createdAt": int(T0)},
    }
    for secret, wire in ((OTHER_SECRET, WIRE), (SECRET, WIRE), (OTHER_SECRET, bob_wire)):
        session = await auth0.get_session(
            http_scope(f"__session={cookie_for(wire, secret=secret)}")
        )
        assert session is not None
        assert session.user.sub == wire["user"]["sub"]
        assert session.internal is not None
        assert session.internal.sid == wire["internal"]["sid"]
    old = await auth0.get_session(http_scope(f"__session={cookie_for(secret=OTHER_SECRET)}"))
    assert old == alice  # the same session, whichever secret sealed it


async def test_expired_cookie_is_none_with_15s_leeway() -> None:
    clock = FrozenClock(T0)
    auth0 = make(clock)
    scope_cookie = f"__session={cookie_for(expires_in=60)}"
    clock.advance(60 + 15)
    assert await auth0.get_session(http_scope(scope_cookie)) is not None
    clock.advance(1)
    assert await auth0.get_session(http_scope(scope_cookie)) is None


async def test_absolute_duration_is_enforced_on_read() -> None:
    clock = FrozenClock(T0)
    auth0 = make(clock, absolute_duration=100)
    cookie = f"__session={cookie_for(expires_in=10_000)}"
    clock.advance(100 + 15)
    assert await auth0.get_session(http_scope(cookie)) is not None
    clock.advance(1)
    assert await auth0.get_session(http_scope(cookie)) is None


async def test_upstream_session_expiry_ceiling() -> None:
    clock = FrozenClock(T0)
    wire = {**WIRE, "internal": {"createdAt": int(T0), "sessionExpiresAt": int(T0) + 100}}
    auth0 = make(clock)
    cookie = f"__session={cookie_for(wire)}"
    clock.advance(69)
    assert await auth0.get_session(http_scope(cookie)) is not None
    clock.advance(1)
    assert await auth0.get_session(http_scope(cookie)) is None


async def test_chunked_cookie_is_reassembled() -> None:
    big = {**WIRE, "blob": "x" * 6000}
    value = cookie_for(big)
    chunks = "; ".join(
        f"__session__{i}={value[i * 3500 : (i + 1) * 3500]}"
        for i in range((len(value) + 3499) // 3500)
    )
    session = await make().get_session(http_scope(chunks))
    assert session is not None
    assert session.extra["blob"] == "x" * 6000


async def test_bound_form_outside_a_request_raises_a_helpful_error() -> None:
    with pytest.raises(RequestContextError, match="middleware"):
        await make().get_session()
    with pytest.raises(RequestContextError):
        await make().update_session(session_from_wire(WIRE))


async def test_bad_request_type_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        await make().get_session(42)  # type: ignore[call-overload]


# -- middleware -----------------------------------------------------------------------------


def app_reading(auth0: Auth0Client, seen: list[SessionData | None]) -> Any:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(await auth0.get_session())
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"cache-control", b"public, max-age=60")],
            }
        )
        await send({"type": "http.response.body", "body": b"ok"})

    return auth0.middleware(app)


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


# -- update_session -------------------------------------------------------------------------


def app_updating(auth0: Auth0Client, change: Any) -> Any:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        session = await auth0.get_session()
        assert session is not None
        await auth0.update_session(change(session))
        again = await auth0.get_session()  # read-after-write
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send(
            {
                "type": "http.response.body",
                "body": msgspec.json.encode(again.to_dict() if again else None),
            }
        )

    return auth0.middleware(app)


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


async def test_update_session_grows_into_chunks_and_back() -> None:
    clock = FrozenClock(T0)
    auth0 = make(clock)

    def grow(session: SessionData) -> SessionData:
        return msgspec.structs.replace(session, extra={"blob": "y" * 9000})

    response = await call(app_updating(auth0, grow), http_scope(f"__session={cookie_for()}"))
    cookies = response.set_cookies
    assert {"__session__0", "__session__1", "__session__2"} <= set(cookies)
    assert cookies["__session"].startswith("__session=; Path=/; Max-Age=0")
    jar = "; ".join(
        f"{n}={response.cookie_value(n)}" for n in cookies if n.startswith("__session__")
    )
    session = await auth0.get_session(http_scope(jar))
    assert session is not None
    assert session.extra["blob"] == "y" * 9000

    def shrink(session: SessionData) -> SessionData:
        return msgspec.structs.replace(session, extra={})

    response = await call(app_updating(auth0, shrink), http_scope(jar))
    cookies = response.set_cookies
    assert cookies["__session"].startswith("__session=ey")
    for i in range(len(list(jar.split("; ")))):
        assert cookies[f"__session__{i}"].startswith(f"__session__{i}=; Path=/; Max-Age=0")


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


async def test_explicit_update_session_writes_onto_a_starlette_response() -> None:
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse

    auth0 = make()
    request = Request(http_scope(f"__session={cookie_for()}"))
    response = PlainTextResponse("ok")
    session = await auth0.get_session(request)
    assert session is not None
    await auth0.update_session(request, response, msgspec.structs.replace(session, extra={"x": 1}))
    lines = response.headers.getlist("set-cookie")
    assert len(lines) == 1
    assert lines[0].startswith("__session=ey")
    assert response.headers["cache-control"].startswith("private, no-cache, no-store")
    assert decrypt_wire(lines[0].split(";")[0].split("=", 1)[1])["x"] == 1


class _Sink:
    def __init__(self) -> None:
        self.cookies: list[str] = []

    def add_header(self, name: str, value: str) -> None:
        self.cookies.append(value.split(";")[0].split("=", 1)[1])

    def set_header(self, name: str, value: str) -> None:
        pass


async def _write(auth0: Auth0Client, session: SessionData) -> str:
    scope = http_scope(f"__session={cookie_for()}")
    assert await auth0.get_session(scope) is not None
    sink = _Sink()
    await auth0.update_session(scope, sink, session)
    [value] = sink.cookies
    return value


async def test_an_identical_write_in_the_same_second_reuses_the_token() -> None:
    clock = FrozenClock(T0)
    auth0 = make(clock)
    session = session_from_wire(WIRE)
    first = await _write(auth0, session)
    assert await _write(auth0, session) == first
    clock.advance(0.5)  # same second, same exp: the same plaintext
    assert await _write(auth0, session) == first
    changed = msgspec.structs.replace(session, extra={**session.extra, "x": 1})
    assert await _write(auth0, changed) != first
    clock.advance(1)  # a new exp second: a new plaintext, a new token
    later = await _write(auth0, session)
    assert later != first
    assert decrypt_wire(later)["exp"] == decrypt_wire(first)["exp"] + 1


async def test_token_reuse_needs_a_byte_identical_plaintext() -> None:
    auth0 = make()
    session = session_from_wire(WIRE)
    # Same tail (sid, createdAt, exp) and the same length: only the start differs.
    other = msgspec.structs.replace(
        session, user=msgspec.structs.replace(session.user, name="Alicf")
    )
    a, b = await _write(auth0, session), await _write(auth0, other)
    assert a != b
    assert decrypt_wire(a)["user"]["name"] == "Alice"
    assert decrypt_wire(b)["user"]["name"] == "Alicf"


async def test_without_token_reuse_every_write_encrypts_anew(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from auth0_async._stateless import CookieSessionStore

    monkeypatch.setattr(CookieSessionStore, "reuse_size", 0)
    auth0 = make()
    session = session_from_wire(WIRE)
    first = await _write(auth0, session)
    second = await _write(auth0, session)
    assert first != second
    assert decrypt_wire(first) == decrypt_wire(second)


async def test_the_stores_tables_stay_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from auth0_async._stateless import CookieSessionStore

    monkeypatch.setattr(CookieSessionStore, "cache_size", 4)
    monkeypatch.setattr(CookieSessionStore, "reuse_size", 3)
    auth0 = make()
    session = session_from_wire(WIRE)
    values = [
        await _write(auth0, msgspec.structs.replace(session, extra={"n": n})) for n in range(10)
    ]
    store = auth0._store
    assert isinstance(store, CookieSessionStore)
    assert len(store._cache) <= 4
    assert len(store._sealed) <= 3
    assert len(set(values)) == 10
    last = await auth0.get_session(http_scope(f"__session={values[-1]}"))
    assert last is not None
    assert last.extra["n"] == 9


def test_threads_sharing_a_client_never_trip_over_the_tables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import asyncio
    import sys
    import threading

    from auth0_async._stateless import CookieSessionStore, _drop_oldest

    _drop_oldest({})  # another thread emptied it first: nothing to do, no error
    monkeypatch.setattr(CookieSessionStore, "cache_size", 2)
    monkeypatch.setattr(CookieSessionStore, "reuse_size", 2)
    auth0 = make()
    session = session_from_wire(WIRE)
    errors: list[BaseException] = []

    def worker(k: int) -> None:
        async def run() -> None:
            for n in range(150):
                await _write(auth0, msgspec.structs.replace(session, extra={"k": k, "n": n}))

        try:
            asyncio.run(run())
        except BaseException as exc:  # noqa: BLE001 (collected for the assertion below)
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: races show up
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        sys.setswitchinterval(interval)
    assert errors == []
    assert not any(thread.is_alive() for thread in threads)


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


# -- cookie attributes and configuration ----------------------------------------------------


async def test_configured_cookie_attributes_apply_to_writes_and_deletions() -> None:
    clock = FrozenClock(T0)
    auth0 = Auth0Client(
        secret=SECRET,
        clock=clock,
        app_base_url="https://app.example.com",
        session=SessionConfig(
            cookie=CookieOptions(name="sess", path="/app", domain="example.com", same_site="strict")
        ),
    )
    value = cookie_for()
    clock.advance(5)
    response = await call(app_reading(auth0, []), http_scope(f"sess={value}; sess__3=stale"))
    line = response.set_cookies["sess"]
    assert "; Path=/app;" in line
    assert "; Domain=example.com; Secure; HttpOnly; SameSite=strict" in line
    assert (
        response.set_cookies["sess__3"]
        == "sess__3=; Path=/app; Max-Age=0; Domain=example.com; Secure; HttpOnly; SameSite=strict"
    )


async def test_transient_cookie_has_no_max_age_but_still_expires() -> None:
    clock = FrozenClock(T0)
    auth0 = make(clock, cookie=CookieOptions(transient=True))
    clock.advance(5)
    response = await call(app_reading(auth0, []), http_scope(f"__session={cookie_for()}"))
    line = response.set_cookies["__session"]
    assert "Max-Age" not in line
    assert "Expires" not in line
    assert decrypt_wire(response.cookie_value("__session") or "")["exp"] == int(T0) + 5 + 86400


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


def test_construction_needs_only_a_secret() -> None:
    with pytest.raises(ConfigurationError, match="AUTH0_SECRET"):
        Auth0Client()
    auth0 = Auth0Client(secret=SECRET)
    with pytest.raises(ConfigurationError, match="AUTH0_DOMAIN"):
        _ = auth0.domain
    with pytest.raises(ConfigurationError, match="AUTH0_CLIENT_ID"):
        _ = auth0.client_id


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


async def test_the_payload_cache_still_checks_expiry_and_never_serves_tampered_values() -> None:
    clock = FrozenClock(T0)
    auth0 = make(clock)
    value = cookie_for(expires_in=60)
    first = await auth0.get_session(http_scope(f"__session={value}"))
    again = await auth0.get_session(http_scope(f"__session={value}"))
    assert first is not None
    assert again is not None
    assert first == again
    assert first is not again
    first.extra["mutated"] = True
    third = await auth0.get_session(http_scope(f"__session={value}"))
    assert third is not None
    assert "mutated" not in third.extra
    tampered = value[:-2] + ("AA" if value[-2:] != "AA" else "BA")
    assert await auth0.get_session(http_scope(f"__session={tampered}")) is None
    # The cache is found by the tag segment: the same tag with another ciphertext is a miss.
    middle = len(value) - 40
    same_tag = value[:middle] + ("A" if value[middle] != "A" else "B") + value[middle + 1 :]
    assert await auth0.get_session(http_scope(f"__session={same_tag}")) is None
    clock.advance(60 + 16)
    assert (
        await auth0.get_session(http_scope(f"__session={value}")) is None
    )  # expired, cached or not
