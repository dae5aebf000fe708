"""A real Redis restarted under a stateful app (RedisSessionStore + RedisRefreshCoordinator).

While Redis is down: typed errors (``SessionStoreError``) and a 503, never a logout. After it
is back (with its append-only file, as a production Redis keeps its data): the same cookie
is the same session, and the refresh-token chain is intact. Loopback only; asyncio only
(redis.asyncio does not run on trio).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import anyio
import httpx
import msgspec
import pytest

from auth0_async import RouteResponse, SessionStoreError

from ..conftest import http_scope
from ..support.asgi_driver import Response, call
from ..support.fakes import StrictProvider
from ..support.fixtures import require_redis_server
from ..support.redis_server import RedisServer, client_options
from ..support.routes import full_login, header, jar

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable

    from auth0_async import Auth0Client

redis_asyncio: Any = pytest.importorskip("redis.asyncio")

pytestmark = pytest.mark.anyio

COMMAND_TIMEOUT = 0.5
PERSISTENT = ["--appendonly", "yes", "--appendfsync", "always"]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def server() -> AsyncIterator[RedisServer]:
    require_redis_server()
    redis = RedisServer(extra_args=PERSISTENT)
    try:
        await anyio.to_thread.run_sync(redis.start)
        yield redis
    finally:
        await anyio.to_thread.run_sync(redis.close)


class Stack:
    """A stateful Auth0Client on one Redis, with a strict provider."""

    def __init__(self, server: RedisServer, redis: Any) -> None:
        from auth0_async.refresh.redis import RedisRefreshCoordinator
        from auth0_async.stores.redis import RedisSessionStore

        prefix = f"hardening:{uuid.uuid4().hex}:"
        self.server = server
        self.provider = StrictProvider()
        self.after_grant: Callable[[], Awaitable[None]] | None = None
        self.store = RedisSessionStore(redis, prefix=f"{prefix}s:", command_timeout=COMMAND_TIMEOUT)
        self.coordinator = RedisRefreshCoordinator(
            redis, prefix=f"{prefix}r:", command_timeout=COMMAND_TIMEOUT, poll_interval=0.02
        )
        self.auth0: Auth0Client = self.provider.client(
            session_store=self.store,
            refresh_coordinator=self.coordinator,
            session_store_timeout=2 * COMMAND_TIMEOUT,
            http_client=httpx.AsyncClient(transport=httpx.MockTransport(self.serve)),
        )

    async def serve(self, request: httpx.Request) -> httpx.Response:
        response = await self.provider.serve(request)
        if request.url.path == "/oauth/token" and self.after_grant is not None:
            hook, self.after_grant = self.after_grant, None
            await hook()
        return response

    async def api(self, cookies: dict[str, str]) -> Response:
        """A page whose handler forces a refresh and echoes the session's user."""
        auth0 = self.auth0

        async def app(scope: Any, receive: Any, send: Any) -> None:
            token = await auth0.get_access_token(refresh=True)
            session = await auth0.get_session()
            assert session is not None
            await RouteResponse.json({"sub": session.user.sub, "token": token.token}).send(send)

        return await call(auth0.middleware(app), http_scope(header(cookies), scheme="https"))

    async def stop(self) -> None:
        await anyio.to_thread.run_sync(self.server.stop)

    async def start(self) -> None:
        await anyio.to_thread.run_sync(self.server.start)


@pytest.fixture
async def stack(server: RedisServer) -> AsyncIterator[Stack]:
    async with redis_asyncio.Redis.from_url(server.url, **client_options()) as redis:
        yield Stack(server, redis)


def session_deleted(response: Response) -> bool:
    return any(
        line.startswith("__session") and "Max-Age=0" in line for line in response.all("set-cookie")
    )


async def until_recovered(stack: Stack, cookies: dict[str, str], attempts: int = 5) -> Response:
    """The first stale pooled connection may fail once after a restart; allow a few tries."""
    response = Response()
    for _ in range(attempts):
        response = await stack.api(cookies)
        if response.status == 200:
            return response
        assert response.status == 503, response.body
        assert not session_deleted(response)
    return response


async def test_redis_restarted_typed_errors_while_down_and_nothing_lost(stack: Stack) -> None:
    cookies = await full_login(stack.auth0, stack.provider, sub="auth0|alice")
    first = await stack.api(cookies)
    assert first.status == 200, first.body
    assert msgspec.json.decode(first.body)["sub"] == "auth0|alice"
    cookies = jar(first, cookies)

    await stack.stop()
    down = await stack.api(cookies)
    assert down.status == 503
    assert not session_deleted(down)
    assert b"redis://" not in down.body
    scope = http_scope(header(cookies), scheme="https")
    with anyio.fail_after(10), pytest.raises(SessionStoreError):
        await stack.auth0.get_session(scope)

    async def never() -> bytes:
        raise AssertionError("no grant while the coordinator cannot lock")

    with anyio.fail_after(10), pytest.raises(SessionStoreError):
        await stack.coordinator.coordinate("k" * 64, never)

    await stack.start()  # the append-only file brings the sessions back
    back = await until_recovered(stack, cookies)
    assert back.status == 200, back.body
    assert msgspec.json.decode(back.body)["sub"] == "auth0|alice"
    cookies = jar(back, cookies)
    again = await stack.api(cookies)
    assert again.status == 200
    assert stack.provider.reused == []  # the refresh-token chain never broke


async def test_redis_dying_right_after_a_grant_loses_no_refresh_token(stack: Stack) -> None:
    cookies = await full_login(stack.auth0, stack.provider, sub="auth0|bob")
    stack.after_grant = stack.stop  # the grant succeeds, then Redis goes away
    failed = await stack.api(cookies)
    assert failed.status == 503  # the rotated session could not be saved: typed, not a logout
    assert not session_deleted(failed)
    await stack.start()
    # The same instance kept the grant's result: the consumed token is not presented again.
    back = await until_recovered(stack, cookies)
    assert back.status == 200, back.body
    assert msgspec.json.decode(back.body)["sub"] == "auth0|bob"
    again = await stack.api(jar(back, cookies))
    assert again.status == 200
    assert stack.provider.reused == []


@pytest.mark.parametrize("path", ["/auth/profile", "/auth/access-token"])
async def test_auth_routes_with_redis_down_answer_503(stack: Stack, path: str) -> None:
    cookies = await full_login(stack.auth0, stack.provider)
    await stack.stop()
    response = await call(
        stack.auth0.middleware(lambda s, r, send: RouteResponse.empty(404).send(send)),
        http_scope(header(cookies), path=path, scheme="https"),
    )
    assert response.status == 503
    assert not session_deleted(response)
