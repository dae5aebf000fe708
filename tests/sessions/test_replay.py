"""Back-channel logout replays: the jti memory is shared when the session store can share it.

A logout token one app instance accepted is refused as a replay by another
instance that shares the same Redis (``RedisSessionStore.remember_jti``, one
``SET NX PX``), or the same custom store implementing ``remember_jti``. A
store without it keeps the bounded per-process memory.
"""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING, Any

import anyio
import pytest
from joserfc import jwt

from auth0_async._oidc import JtiCache
from auth0_async._oidc._logout_token import LOGOUT_TOKEN_MAX_AGE, retain_until

from ..conftest import http_scope
from ..support.asgi_driver import call
from ..support.fakes import ISSUER, RSA, FakeOP, FakeProvider
from ..support.routes import make_client, not_found
from ..support.tokens import CLIENT_ID, logout_claims, mint
from .test_stateful import DictStore

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from auth0_async import Auth0Client, ReplayCache

    from ..support.redis_server import RedisServer

LEEWAY = 60  # _oidc._id_token.DEFAULT_LEEWAY


def logout_token(**claims: Any) -> str:
    now = int(time.time())
    body = {
        "iss": ISSUER,
        "aud": "cid",
        "iat": now,
        "exp": now + 120,
        "jti": uuid.uuid4().hex,
        "sid": "s1",
        "events": {"http://schemas.openid.net/event/backchannel-logout": {}},
        **claims,
    }
    return jwt.encode({"alg": "RS256", "kid": "k1", "typ": "logout+jwt"}, body, RSA)


async def backchannel(auth0: Auth0Client, token: str) -> tuple[int, str]:
    scope = {**http_scope(None, path="/auth/backchannel-logout", scheme="https"), "method": "POST"}
    scope["headers"].append((b"content-type", b"application/x-www-form-urlencoded"))
    response = await call(auth0.middleware(not_found), scope, body=f"logout_token={token}".encode())
    assert b"Traceback" not in response.body
    return response.status, response.body.decode()


# --- the seam -------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_jti_cache_remembers_once_until_the_deadline() -> None:
    cache = JtiCache(ttl=10, max_entries=2)
    assert await cache.remember_jti("iss", "a", now=100, until=170)
    assert not await cache.remember_jti("iss", "a", now=169, until=239)
    assert await cache.remember_jti("other-iss", "a", now=169, until=239)
    assert await cache.remember_jti("iss", "a", now=170, until=240)  # forgotten at `until`
    # The size cap still holds: the oldest entry goes first.
    assert await cache.remember_jti("iss", "b", now=171, until=241)
    assert len(cache) == 2
    assert await cache.remember_jti("other-iss", "a", now=172, until=242)


class RecordingCache:
    """A ReplayCache that records what it is asked."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, float, float]] = []

    async def remember_jti(self, issuer: str, jti: str, *, now: float, until: float) -> bool:
        self.calls.append((issuer, jti, now, until))
        return len(self.calls) == 1


@pytest.mark.anyio
async def test_verify_logout_token_asks_the_cache_after_every_other_check() -> None:
    from auth0_async import TokenValidationError
    from auth0_async._oidc import OIDCClient

    from ..support.tokens import ISSUER as OP_ISSUER
    from ..support.tokens import NOW

    cache = RecordingCache()
    recorded: ReplayCache = cache  # it satisfies the Protocol
    client = OIDCClient("https://op.example.test", http_client=FakeOP().client(), clock=lambda: NOW)
    with pytest.raises(TokenValidationError, match="nonce"):
        await client.verify_logout_token(
            mint(logout_claims(nonce="n")), client_id=CLIENT_ID, seen_jti=recorded
        )
    assert cache.calls == []
    token = mint(logout_claims(jti="j-1"))
    await client.verify_logout_token(token, client_id=CLIENT_ID, seen_jti=recorded)
    # Remembered for as long as the token stays acceptable: max age plus twice the leeway.
    assert cache.calls == [(OP_ISSUER, "j-1", NOW, NOW + LOGOUT_TOKEN_MAX_AGE + 2 * LEEWAY)]
    assert retain_until(NOW, LOGOUT_TOKEN_MAX_AGE, LEEWAY) == cache.calls[0][3]
    with pytest.raises(TokenValidationError, match="replay"):
        await client.verify_logout_token(token, client_id=CLIENT_ID, seen_jti=recorded)
    await client.aclose()


# --- custom session stores --------------------------------------------------------------------


class SharingStore(DictStore):
    """A session store that also shares the jti memory (as a SQL store could)."""

    def __init__(self, answer: Any = None) -> None:
        super().__init__()
        self.jtis: dict[tuple[str, str], float] = {}
        self.answer = answer

    async def remember_jti(self, issuer: str, jti: str, *, now: float, until: float) -> bool:
        await self._enter("remember_jti")
        if self.answer is not None:
            return self.answer  # type: ignore[no-any-return]
        if self.jtis.get((issuer, jti), 0) > now:
            return False
        self.jtis[(issuer, jti)] = until
        return True


@pytest.mark.anyio
async def test_a_store_with_remember_jti_shares_the_memory(provider: FakeProvider) -> None:
    store = SharingStore()
    one, two = (
        make_client(provider, session_store=store),
        make_client(provider, session_store=store),
    )
    token = logout_token()
    assert (await backchannel(one, token))[0] == 204
    status, body = await backchannel(two, token)
    assert (status, "replay" in body) == (400, True)
    assert store.calls.count("remember_jti") == 2
    assert store.calls.count("delete_by_logout_token") == 1


@pytest.mark.anyio
async def test_a_failing_or_odd_replay_memory_is_a_503(provider: FakeProvider) -> None:
    store = SharingStore()
    auth0 = make_client(provider, session_store=store)
    store.fail = ConnectionError("down")
    assert (await backchannel(auth0, logout_token()))[0] == 503
    store.fail = None
    store.answer = 1  # truthy, but not the bool the contract asks for: never accepted on it
    assert (await backchannel(auth0, logout_token()))[0] == 503
    assert "delete_by_logout_token" not in store.calls


@pytest.mark.anyio
async def test_a_store_without_remember_jti_keeps_the_per_process_memory(
    provider: FakeProvider,
) -> None:
    # The five SessionStore methods cannot insert-if-absent atomically: no sharing through them.
    store = DictStore()
    one, two = (
        make_client(provider, session_store=store),
        make_client(provider, session_store=store),
    )
    token = logout_token()
    assert (await backchannel(one, token))[0] == 204
    assert (await backchannel(one, token))[0] == 400
    assert (await backchannel(two, token))[0] == 204


# --- RedisSessionStore against a real redis-server ---------------------------------------------


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
async def test_instance_b_refuses_a_token_instance_a_accepted(
    redis_pair: tuple[Any, Any], provider: FakeProvider
) -> None:
    from auth0_async.stores.redis import RedisSessionStore

    prefix = f"test:{uuid.uuid4().hex}:"
    instance_a, instance_b = (
        make_client(provider, session_store=RedisSessionStore(client, prefix=prefix))
        for client in redis_pair
    )
    token = logout_token()
    assert (await backchannel(instance_a, token))[0] == 204
    status, body = await backchannel(instance_b, token)
    assert status == 400
    assert "replay" in body
    assert (await backchannel(instance_a, token))[0] == 400

    # One Redis key per accepted token, kept as long as the token stays acceptable.
    keys = [key async for key in redis_pair[0].scan_iter(f"{prefix}jti:*")]
    assert len(keys) == 1
    ttl = await redis_pair[0].pttl(keys[0])
    assert (
        (LOGOUT_TOKEN_MAX_AGE + LEEWAY) * 1000 < ttl <= (LOGOUT_TOKEN_MAX_AGE + 2 * LEEWAY) * 1000
    )

    # Concurrent deliveries of one token to both instances: exactly one is accepted.
    racing = logout_token()
    statuses: list[int] = []

    async def deliver(instance: Auth0Client) -> None:
        statuses.append((await backchannel(instance, racing))[0])

    async with anyio.create_task_group() as tg:
        for i in range(10):
            tg.start_soon(deliver, (instance_a, instance_b)[i % 2])
    assert sorted(statuses) == [204] + [400] * 9


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
@pytest.mark.anyio
async def test_redis_unreachable_is_a_503_not_an_acceptance(provider: FakeProvider) -> None:
    aioredis = pytest.importorskip("redis.asyncio")
    from auth0_async.stores.redis import RedisSessionStore

    async with aioredis.Redis.from_url("redis://127.0.0.1:1/0") as down:
        auth0 = make_client(provider, session_store=RedisSessionStore(down, command_timeout=1))
        status, body = await backchannel(auth0, logout_token())
    assert status == 503
    assert "unavailable" in body
