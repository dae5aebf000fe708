"""A shared refresh result is bound to its key and its user: a copy under another key is refused.

Whoever can write the shared store (Redis) cannot hand one user's refreshed
tokens to another user's session by copying the stored value from one key to
another: the value is sealed with the coordination key, the session's ``sub``
and its ``sid`` as associated data, and opens for nothing else.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

import msgspec
import pytest

from auth0_async import AccessToken, AccessTokenError, Auth0Client, SessionData
from auth0_async.refresh import LocalRefreshCoordinator
from auth0_async.testing import FrozenClock, generate_session_cookie

from ..conftest import SECRET, http_scope
from ..support.asgi_driver import call
from ..support.routes import make_client

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable

    from ..support.fakes import FakeProvider
    from ..support.redis_server import RedisServer

T0 = 1_800_000_000
ALICE = ("auth0|alice", "sid-alice", "rt-alice")
EVE = ("auth0|eve", "sid-eve", "rt-eve")


def cookie_for(user: tuple[str, str, str]) -> str:
    sub, sid, refresh_token = user
    wire = {
        "user": {"sub": sub, "name": sub},
        "tokenSet": {"accessToken": f"at-{sub}", "expiresAt": T0, "refreshToken": refresh_token},
        "internal": {"sid": sid, "createdAt": T0},
    }
    return generate_session_cookie(wire, secret=SECRET, clock=FrozenClock(T0))


def refresh_key(refresh_token: str) -> str:
    """The coordination key of a refresh without audience or scope (as get_access_token makes it)."""
    return hashlib.sha256(f"{refresh_token}\0\0".encode()).hexdigest()


def per_user_grants(provider: FakeProvider) -> None:
    """Answer each refresh grant with tokens naming whose refresh token was spent."""

    def body(form: dict[str, str]) -> bytes:
        owner = form["refresh_token"].removeprefix("rt-")
        return msgspec.json.encode(
            {
                "access_token": f"at-new-{owner}",
                "token_type": "Bearer",
                "expires_in": 3600,
                "refresh_token": f"rt-next-{owner}",
            }
        )

    provider.token_body = body


def grants(provider: FakeProvider) -> int:
    return sum(
        1
        for r in provider.requests
        if r.url.path == "/oauth/token" and b"grant_type=refresh_token" in r.content
    )


async def token_via(
    auth0: Auth0Client, cookie: str
) -> tuple[AccessToken | AccessTokenError, SessionData | None]:
    out: dict[str, Any] = {}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        try:
            out["token"] = await auth0.get_access_token()
        except AccessTokenError as exc:
            out["token"] = exc
        out["session"] = await auth0.get_session()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    await call(auth0.middleware(app), http_scope(f"__session={cookie}", scheme="https"))
    return out["token"], out["session"]


def assert_refused_and_kept(token: AccessToken | AccessTokenError, session: Any) -> None:
    assert isinstance(token, AccessTokenError), token
    assert token.code == "failed_to_refresh_token"
    assert session is not None
    assert session.user.sub == "auth0|eve"
    assert session.token_set.access_token == "at-auth0|eve"
    assert session.token_set.refresh_token == "rt-eve"


class CopyingCoordinator:
    """A shared store under attack: whatever is stored under one key is also served for another."""

    def __init__(self) -> None:
        self.stored: dict[str, bytes] = {}
        self.copies: dict[str, str] = {}

    async def coordinate(self, key: str, fetch: Callable[[], Awaitable[bytes]]) -> bytes:
        source = self.copies.get(key)
        if source is not None:
            return self.stored[source]
        self.stored[key] = await fetch()
        return self.stored[key]


@pytest.mark.anyio
async def test_a_result_copied_to_another_key_is_refused(provider: FakeProvider) -> None:
    per_user_grants(provider)
    shared = CopyingCoordinator()
    auth0 = make_client(provider, clock=FrozenClock(T0 + 10), refresh_coordinator=shared)
    token, _ = await token_via(auth0, cookie_for(ALICE))
    assert isinstance(token, AccessToken)
    assert token.token == "at-new-alice"

    shared.copies[refresh_key("rt-eve")] = refresh_key("rt-alice")
    token, session = await token_via(auth0, cookie_for(EVE))
    assert_refused_and_kept(token, session)
    assert grants(provider) == 1


@pytest.mark.anyio
async def test_a_result_is_bound_to_the_sessions_user(provider: FakeProvider) -> None:
    # Same refresh token (so the same key), another user: the kept result does not open.
    per_user_grants(provider)
    auth0 = make_client(
        provider, clock=FrozenClock(T0 + 10), refresh_coordinator=LocalRefreshCoordinator()
    )
    token, _ = await token_via(auth0, cookie_for(ALICE))
    assert isinstance(token, AccessToken)
    token, session = await token_via(auth0, cookie_for(("auth0|eve", "sid-eve", "rt-alice")))
    assert isinstance(token, AccessTokenError)
    assert token.code == "failed_to_refresh_token"
    assert session is not None
    assert session.token_set.refresh_token == "rt-alice"
    # Alice's own stale cookie still gets her kept result, without a second grant.
    token, _ = await token_via(auth0, cookie_for(ALICE))
    assert isinstance(token, AccessToken)
    assert token.token == "at-new-alice"
    assert grants(provider) == 1


# --- the copy attack against a real redis-server ----------------------------------------------


@pytest.fixture
async def redis_pair(redis_server: RedisServer) -> AsyncIterator[tuple[Any, Any]]:
    """Two redis.asyncio clients, as two app instances would have."""
    aioredis = pytest.importorskip("redis.asyncio")
    driver_info = pytest.importorskip("redis.driver_info")
    options = {"driver_info": driver_info.DriverInfo(lib_version="test")}
    async with (
        aioredis.Redis.from_url(redis_server.url, **options) as one,
        aioredis.Redis.from_url(redis_server.url, **options) as two,
    ):
        yield one, two


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
@pytest.mark.anyio
async def test_redis_copy_attack_does_not_turn_eve_into_alice(
    redis_pair: tuple[Any, Any], provider: FakeProvider
) -> None:
    from auth0_async.refresh.redis import RedisRefreshCoordinator

    per_user_grants(provider)
    prefix = f"test:{hashlib.sha256(str(id(provider)).encode()).hexdigest()[:12]}:"
    instance_a, instance_b = (
        make_client(
            provider,
            clock=FrozenClock(T0 + 10),
            refresh_coordinator=RedisRefreshCoordinator(client, prefix=prefix, poll_interval=0.02),
        )
        for client in redis_pair
    )
    token, _ = await token_via(instance_a, cookie_for(ALICE))
    assert isinstance(token, AccessToken)
    assert token.token == "at-new-alice"
    # The legitimate use still works: Alice's stale cookie on instance B gets her result.
    token, _ = await token_via(instance_b, cookie_for(ALICE))
    assert isinstance(token, AccessToken)
    assert token.token == "at-new-alice"

    # Someone with write access to Redis copies Alice's stored result over Eve's key.
    redis = redis_pair[0]
    alice_value = await redis.get(f"{prefix}{{{refresh_key('rt-alice')}}}:result")
    assert alice_value is not None
    await redis.set(f"{prefix}{{{refresh_key('rt-eve')}}}:result", alice_value, px=60_000)

    token, session = await token_via(instance_b, cookie_for(EVE))
    assert_refused_and_kept(token, session)
    assert grants(provider) == 1


def test_sealed_values_open_only_in_their_context() -> None:
    from auth0_async._core._crypto import CookieCipher

    from ..conftest import OTHER_SECRET

    cipher = CookieCipher([SECRET])
    sealed = cipher.seal(b"tokens", context=b"key-1")
    assert sealed.isascii()
    assert cipher.unseal(sealed, context=b"key-1") == b"tokens"
    assert cipher.unseal(sealed, context=b"key-2") is None
    assert CookieCipher([OTHER_SECRET]).unseal(sealed, context=b"key-1") is None
    assert CookieCipher([OTHER_SECRET, SECRET]).unseal(sealed, context=b"key-1") == b"tokens"
    tampered = bytearray(sealed)
    tampered[20] = ord("A") if tampered[20] != ord("A") else ord("B")
    for junk in (bytes(tampered), b"", b"\xff\xfe", b"a" * 10, sealed + b"="):
        assert cipher.unseal(junk, context=b"key-1") is None
    # Not the cookie key: a sealed value is no cookie, and a cookie does not unseal.
    assert cipher.decrypt(sealed.decode()) is None
    assert cipher.unseal(cipher.encrypt(b"tokens").encode(), context=b"") is None


# --- in-process results are bound, not sealed; shared ones are sealed --------------------------


class RecordingCoordinator:
    """A shared coordinator (no ``in_process``): keeps exactly what it was handed."""

    def __init__(self) -> None:
        self.stored: list[bytes] = []

    async def coordinate(self, key: str, fetch: Callable[[], Awaitable[bytes]]) -> bytes:
        result = await fetch()
        self.stored.append(result)
        return result


@pytest.fixture
def seals(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Every payload CookieCipher.seal encrypts."""
    from auth0_async._core._crypto import CookieCipher

    sealed: list[bytes] = []
    original = CookieCipher.seal

    def spy(self: CookieCipher, payload: bytes, *, context: bytes) -> bytes:
        sealed.append(payload)
        return original(self, payload, context=context)

    monkeypatch.setattr(CookieCipher, "seal", spy)
    return sealed


@pytest.mark.anyio
async def test_the_local_coordinators_results_are_not_encrypted(
    provider: FakeProvider, seals: list[bytes]
) -> None:
    per_user_grants(provider)
    local = LocalRefreshCoordinator()
    auth0 = make_client(provider, clock=FrozenClock(T0 + 10), refresh_coordinator=local)
    token, _ = await token_via(auth0, cookie_for(ALICE))
    assert isinstance(token, AccessToken)
    assert token.token == "at-new-alice"
    assert seals == []
    [(_, kept)] = local._results.values()
    assert b"at-new-alice" in kept  # kept in this process in the clear, bound to its user


@pytest.mark.anyio
async def test_a_shared_coordinators_results_are_sealed(
    provider: FakeProvider, seals: list[bytes]
) -> None:
    per_user_grants(provider)
    shared = RecordingCoordinator()
    auth0 = make_client(provider, clock=FrozenClock(T0 + 10), refresh_coordinator=shared)
    token, _ = await token_via(auth0, cookie_for(ALICE))
    assert isinstance(token, AccessToken)
    assert token.token == "at-new-alice"
    assert len(seals) == 1
    assert b"at-new-alice" in seals[0]
    [stored] = shared.stored
    assert b"at-new-alice" not in stored
    assert b"rt-next-alice" not in stored
