"""Stateful mode through the middleware, with a fake provider and a small instrumented store."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import anyio
import msgspec
import pytest
from joserfc import jwt

from auth0_async import SessionData, SessionStoreError
from auth0_async._core._crypto import CookieCipher
from auth0_async._core._models import decode_session, encode_session
from auth0_async.testing import FrozenClock

from ..conftest import SECRET, http_scope
from ..support.asgi_driver import call
from ..support.fakes import ISSUER, RSA, FakeProvider
from ..support.routes import header, jar, login_with, make_client, not_found

pytestmark = pytest.mark.anyio


class DictStore:
    """A minimal SessionStore for these tests: records as encoded bytes, with switches for faults."""

    def __init__(self) -> None:
        self.records: dict[str, tuple[bytes, int]] = {}
        self.calls: list[str] = []
        self.fail: Exception | None = None
        self.hang = False

    async def _enter(self, name: str) -> None:
        self.calls.append(name)
        if self.hang:
            await anyio.sleep(3600)
        if self.fail is not None:
            raise self.fail

    async def get(self, id: str) -> SessionData | None:
        await self._enter("get")
        record = self.records.get(id)
        return None if record is None else decode_session(record[0])

    async def set(self, id: str, session: SessionData, *, expires_at: int) -> None:
        await self._enter("set")
        self.records[id] = (encode_session(session), expires_at)

    async def update(self, id: str, session: SessionData, *, expires_at: int) -> bool:
        await self._enter("update")
        if id not in self.records:
            return False
        self.records[id] = (encode_session(session), expires_at)
        return True

    async def delete(self, id: str) -> None:
        await self._enter("delete")
        self.records.pop(id, None)

    async def delete_by_logout_token(
        self, *, sid: str | None, sub: str | None, iss: str | None
    ) -> int:
        await self._enter("delete_by_logout_token")
        doomed = [
            key for key, (raw, _) in self.records.items() if matches(decode_session(raw), sid, sub)
        ]
        for key in doomed:
            del self.records[key]
        return len(doomed)


def matches(session: SessionData, sid: str | None, sub: str | None) -> bool:
    if sid is not None:
        own_sid = session.internal.sid if session.internal is not None else None
        return own_sid == sid and (sub is None or session.user.sub == sub)
    return session.user.sub == sub


def cookie_id(value: str) -> str:
    opened = CookieCipher([SECRET]).decrypt(value)
    assert opened is not None
    data: dict[str, Any] = json.loads(opened[1])
    assert set(data) == {"id", "exp"}
    return str(data["id"])


async def logged_in(
    provider: FakeProvider, store: DictStore, **options: Any
) -> tuple[Any, dict[str, str]]:
    auth0 = make_client(provider, session_store=store, **options)
    response = await login_with(auth0, provider)
    assert response.status == 307
    return auth0, jar(response)


async def test_login_stores_the_session_and_the_cookie_holds_only_an_id(
    provider: FakeProvider,
) -> None:
    store = DictStore()
    auth0, cookies = await logged_in(provider, store)
    value = cookies["__session"]
    assert len(value) < 300
    session_id = cookie_id(value)
    assert list(store.records) == [session_id]
    session = await auth0.get_session(http_scope(header(cookies), scheme="https"))
    assert session is not None
    assert session.user.sub == "auth0|1"
    assert session.token_set.refresh_token == "rt"


async def test_a_new_login_replaces_the_old_record(provider: FakeProvider) -> None:
    store = DictStore()
    auth0, cookies = await logged_in(provider, store)
    first = cookie_id(cookies["__session"])
    from ..support.routes import callback, start

    txn, state = await start(auth0, provider)
    response = await callback(auth0, {**cookies, **txn}, {"code": "c", "state": state})
    second = cookie_id(jar(response)["__session"])
    assert second != first
    assert list(store.records) == [second]


async def test_rolling_uses_atomic_update_and_never_resurrects(provider: FakeProvider) -> None:
    store = DictStore()
    clock = FrozenClock()
    auth0, cookies = await logged_in(provider, store, clock=clock)
    app = auth0.middleware(not_found)
    store.calls.clear()
    clock.advance(10)
    rolled = await call(app, http_scope(header(cookies), path="/page", scheme="https"))
    assert "update" in store.calls
    assert "set" not in store.calls
    assert "__session" in jar(rolled)
    store.records.clear()  # a logout elsewhere won the race
    clock.advance(10)
    again = await call(app, http_scope(header(cookies), path="/page", scheme="https"))
    assert store.records == {}
    assert not any(line.startswith("__session=ey") for line in again.all("set-cookie"))


async def test_logout_deletes_the_record(provider: FakeProvider) -> None:
    store = DictStore()
    auth0, cookies = await logged_in(provider, store)
    response = await call(
        auth0.middleware(not_found),
        http_scope(header(cookies), path="/auth/logout", scheme="https"),
    )
    assert response.status == 307
    assert store.records == {}
    assert "__session" not in jar(response, cookies)


async def test_update_session_keeps_the_id_unless_the_user_changes(provider: FakeProvider) -> None:
    store = DictStore()
    auth0, cookies = await logged_in(provider, store)
    original = cookie_id(cookies["__session"])
    out: list[Any] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        session = await auth0.get_session()
        assert session is not None
        change = out[0] if out else None
        await auth0.update_session(
            change(session) if change else msgspec.structs.replace(session, extra={"x": 1})
        )
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    same = await call(auth0.middleware(app), http_scope(header(cookies), scheme="https"))
    assert cookie_id(jar(same)["__session"]) == original
    out.append(
        lambda s: msgspec.structs.replace(
            s, user=msgspec.structs.replace(s.user, sub="auth0|other")
        )
    )
    changed = await call(auth0.middleware(app), http_scope(header(cookies), scheme="https"))
    new_id = cookie_id(jar(changed)["__session"])
    assert new_id != original
    assert list(store.records) == [new_id]


async def test_store_failures_are_typed_and_a_503(provider: FakeProvider) -> None:
    store = DictStore()
    auth0, cookies = await logged_in(provider, store)
    store.fail = ConnectionError("redis://:hunter2@db:6379 refused")
    with pytest.raises(SessionStoreError) as info:
        await auth0.get_session(http_scope(header(cookies), scheme="https"))
    assert "hunter2" not in str(info.value)

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await auth0.get_session()
        raise AssertionError("unreachable")

    response = await call(auth0.middleware(app), http_scope(header(cookies), scheme="https"))
    assert response.status == 503
    assert b"hunter2" not in response.body
    assert "__session" not in {line.split("=", 1)[0] for line in response.all("set-cookie")}
    store.fail = None
    assert (
        await auth0.get_session(http_scope(header(cookies), scheme="https")) is not None
    )  # nothing was lost


async def test_a_hanging_store_times_out(provider: FakeProvider) -> None:
    store = DictStore()
    auth0, cookies = await logged_in(provider, store, session_store_timeout=0.2)
    store.hang = True
    started = time.monotonic()
    with pytest.raises(SessionStoreError, match="did not answer"):
        await auth0.get_session(http_scope(header(cookies), scheme="https"))
    assert time.monotonic() - started < 5


async def test_a_failing_rolling_touch_does_not_break_the_page(provider: FakeProvider) -> None:
    store = DictStore()
    auth0, cookies = await logged_in(provider, store)
    original_update = store.update

    async def broken_update(id: str, session: SessionData, *, expires_at: int) -> bool:
        raise ConnectionError("down")

    store.update = broken_update  # type: ignore[method-assign]
    seen: list[Any] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(await auth0.get_session())
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    response = await call(auth0.middleware(app), http_scope(header(cookies), scheme="https"))
    assert (response.status, response.body) == (200, b"ok")
    assert seen[0] is not None
    store.update = original_update  # type: ignore[method-assign]


def logout_token(provider: FakeProvider, **claims: Any) -> str:
    now = int(time.time())
    body = {
        "iss": ISSUER,
        "aud": "cid",
        "iat": now,
        "exp": now + 120,
        "jti": uuid.uuid4().hex,
        "events": {"http://schemas.openid.net/event/backchannel-logout": {}},
        **claims,
    }
    body = {k: v for k, v in body.items() if v is not None}
    return jwt.encode({"alg": "RS256", "kid": "k1", "typ": "logout+jwt"}, body, RSA)


async def backchannel(auth0: Any, token: str) -> Any:
    scope = {**http_scope(None, path="/auth/backchannel-logout", scheme="https"), "method": "POST"}
    scope["headers"].append((b"content-type", b"application/x-www-form-urlencoded"))
    return await call(auth0.middleware(not_found), scope, body=f"logout_token={token}".encode())


async def test_backchannel_logout_deletes_by_sid_and_by_sub(provider: FakeProvider) -> None:
    store = DictStore()
    auth0, cookies = await logged_in(provider, store)
    assert len(store.records) == 1
    forged = logout_token(provider, sid="s1", sub="auth0|1")[:-4] + "AAAA"
    assert (await backchannel(auth0, forged)).status == 400
    other = await backchannel(auth0, logout_token(provider, sid="someone-else"))
    assert other.status == 204
    assert len(store.records) == 1
    done = await backchannel(auth0, logout_token(provider, sid="s1", sub="auth0|1"))
    assert done.status == 204
    assert store.records == {}
    assert await auth0.get_session(http_scope(header(cookies), scheme="https")) is None
    # by sub alone
    auth1, _ = await logged_in(provider, store)
    assert (await backchannel(auth1, logout_token(provider, sub="auth0|1"))).status == 204
    assert store.records == {}


async def test_backchannel_logout_rejects_replays_and_nonces(provider: FakeProvider) -> None:
    store = DictStore()
    auth0, _ = await logged_in(provider, store)
    token = logout_token(provider, sid="s1")
    assert (await backchannel(auth0, token)).status == 204
    assert (await backchannel(auth0, token)).status == 400  # replayed jti
    assert (await backchannel(auth0, logout_token(provider, sid="s1", nonce="n"))).status == 400
    assert (await backchannel(auth0, logout_token(provider, sid="s1", events=None))).status == 400


async def test_backchannel_logout_with_the_store_down_is_a_503(provider: FakeProvider) -> None:
    store = DictStore()
    auth0, _ = await logged_in(provider, store)
    store.fail = ConnectionError("down")
    assert (await backchannel(auth0, logout_token(provider, sid="s1"))).status == 503
