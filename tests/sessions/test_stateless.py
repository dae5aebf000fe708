"""The stateless cookie session store (``_sessions/_stateless``): reading, writing, chunking, caching."""

from __future__ import annotations

import msgspec
import pytest

from auth0_async import (
    Auth0Client,
    CookieOptions,
    SessionConfig,
    SessionData,
)
from auth0_async._core._models import session_from_wire
from auth0_async.testing import FrozenClock

from ..conftest import OTHER_SECRET, SECRET, http_scope
from ..support.asgi_driver import call
from ..support.sessions import (
    T0,
    WIRE,
    app_reading,
    app_updating,
    cookie_for,
    decrypt_wire,
    make,
    write_session,
)

pytestmark = pytest.mark.anyio


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


async def test_an_identical_write_in_the_same_second_reuses_the_token() -> None:
    clock = FrozenClock(T0)
    auth0 = make(clock)
    session = session_from_wire(WIRE)
    first = await write_session(auth0, session)
    assert await write_session(auth0, session) == first
    clock.advance(0.5)  # same second, same exp: the same plaintext
    assert await write_session(auth0, session) == first
    changed = msgspec.structs.replace(session, extra={**session.extra, "x": 1})
    assert await write_session(auth0, changed) != first
    clock.advance(1)  # a new exp second: a new plaintext, a new token
    later = await write_session(auth0, session)
    assert later != first
    assert decrypt_wire(later)["exp"] == decrypt_wire(first)["exp"] + 1


async def test_token_reuse_needs_a_byte_identical_plaintext() -> None:
    auth0 = make()
    session = session_from_wire(WIRE)
    # Same tail (sid, createdAt, exp) and the same length: only the start differs.
    other = msgspec.structs.replace(
        session, user=msgspec.structs.replace(session.user, name="Alicf")
    )
    a, b = await write_session(auth0, session), await write_session(auth0, other)
    assert a != b
    assert decrypt_wire(a)["user"]["name"] == "Alice"
    assert decrypt_wire(b)["user"]["name"] == "Alicf"


async def test_without_token_reuse_every_write_encrypts_anew(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from auth0_async._sessions._stateless import CookieSessionStore

    monkeypatch.setattr(CookieSessionStore, "reuse_size", 0)
    auth0 = make()
    session = session_from_wire(WIRE)
    first = await write_session(auth0, session)
    second = await write_session(auth0, session)
    assert first != second
    assert decrypt_wire(first) == decrypt_wire(second)


async def test_the_stores_tables_stay_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from auth0_async._sessions._stateless import CookieSessionStore

    monkeypatch.setattr(CookieSessionStore, "cache_size", 4)
    monkeypatch.setattr(CookieSessionStore, "reuse_size", 3)
    auth0 = make()
    session = session_from_wire(WIRE)
    values = [
        await write_session(auth0, msgspec.structs.replace(session, extra={"n": n}))
        for n in range(10)
    ]
    store = auth0._kernel.sessions
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

    from auth0_async._sessions._stateless import CookieSessionStore, _drop_oldest

    _drop_oldest({})  # another thread emptied it first: nothing to do, no error
    monkeypatch.setattr(CookieSessionStore, "cache_size", 2)
    monkeypatch.setattr(CookieSessionStore, "reuse_size", 2)
    auth0 = make()
    session = session_from_wire(WIRE)
    errors: list[BaseException] = []

    def worker(k: int) -> None:
        async def run() -> None:
            for n in range(150):
                await write_session(auth0, msgspec.structs.replace(session, extra={"k": k, "n": n}))

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
