"""Stateful sessions end to end: two app instances sharing a real Redis, the real oidc-provider.

Login on instance A is visible on instance B; ending the provider session makes the provider send
a back-channel logout token, which removes the session for both; a forged token deletes nothing;
Redis pausing mid-run gives a 503 and no logout, and the sessions are there when it comes back.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
import warnings
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from auth0_async import Auth0Client, SecurityWarning
from auth0_async.stores.redis import RedisSessionStore

from ..conftest import SECRET, require_node
from ..peers.peers import OidcProviderProcess, drive_login, end_op_session, free_port
from .harness import CLIENT_SECRET
from .server import AppServer

if TYPE_CHECKING:
    from collections.abc import Iterator

    from starlette.requests import Request

pytestmark = pytest.mark.e2e


class Instance:
    """One app instance: its own Auth0Client and Redis client, served by uvicorn on loopback."""

    def __init__(self, op: OidcProviderProcess, redis_url: str, port: int, base_url: str) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.redis = Redis.from_url(redis_url)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SecurityWarning)
            self.auth0 = Auth0Client(
                domain=op.issuer,
                client_id="app-post",
                client_secret=CLIENT_SECRET,
                secret=SECRET,
                app_base_url=base_url,
                allow_insecure_requests=True,
                session_store=RedisSessionStore(self.redis, command_timeout=1.0),
                session_store_timeout=2.0,
            )
        self.loop: asyncio.AbstractEventLoop | None = None
        self.server = AppServer(self.app(), port)

    def app(self) -> Any:
        auth0 = self.auth0

        async def session(request: Request) -> Response:
            self.loop = asyncio.get_running_loop()
            data = await auth0.get_session()
            if data is None:
                return PlainTextResponse("no session", 401)
            return JSONResponse(
                {"sub": data.user.sub, "sid": data.internal.sid if data.internal else None}
            )

        return auth0.middleware(Starlette(routes=[Route("/session", session)]))

    def close(self) -> None:
        if self.loop is not None and self.loop.is_running():
            asyncio.run_coroutine_threadsafe(self._aclose(), self.loop).result(timeout=10)

    async def _aclose(self) -> None:
        await self.auth0.aclose()
        await self.redis.aclose()


@pytest.fixture(scope="module")
def cluster(redis_server: Any) -> Iterator[tuple[OidcProviderProcess, Instance, Instance, Any]]:
    require_node()
    ports = [free_port(), free_port()]
    # Both instances are one application behind one public URL (instance A's here).
    base = f"http://127.0.0.1:{ports[0]}"
    config = {
        "clients": [
            {
                "client_id": "app-post",
                "client_secret": CLIENT_SECRET,
                "token_endpoint_auth_method": "client_secret_post",
                "redirect_uris": [f"{base}/auth/callback"],
                "post_logout_redirect_uris": [base],
                "backchannel_logout_uri": f"{base}/auth/backchannel-logout",
                "grant_types": ["authorization_code", "refresh_token"],
            }
        ],
    }
    with OidcProviderProcess(config) as op:
        a = Instance(op, redis_server.url, ports[0], base)
        b = Instance(op, redis_server.url, ports[1], base)
        with a.server, b.server:
            try:
                yield op, a, b, redis_server
            finally:
                a.close()
                b.close()


def login(op: OidcProviderProcess, a: Instance, browser: httpx.Client) -> str:
    start = browser.get(f"{a.url}/auth/login")
    answer = browser.get(drive_login(start.headers["location"], client=browser))
    assert answer.status_code == 307, answer.text
    return f"__session={browser.cookies['__session']}"


def session_at(instance: Instance, cookie: str) -> httpx.Response:
    return httpx.get(f"{instance.url}/session", headers={"cookie": cookie}, timeout=10)


def test_login_on_a_is_visible_on_b_and_backchannel_logout_ends_it_everywhere(cluster: Any) -> None:
    op, a, b, _ = cluster
    with httpx.Client(timeout=10, follow_redirects=False) as browser:
        cookie = login(op, a, browser)
        assert len(cookie) < 400  # only an encrypted id
        on_a, on_b = session_at(a, cookie), session_at(b, cookie)
        assert on_a.status_code == on_b.status_code == 200
        assert on_a.json() == on_b.json()
        sid = on_a.json()["sid"]

        forged = httpx.post(
            f"{b.url}/auth/backchannel-logout",
            data={"logout_token": "eyJhbGciOiJub25lIn0.eyJzaWQiOiJ4In0."},
        )
        assert forged.status_code == 400
        assert session_at(b, cookie).status_code == 200

        end_op_session(
            op.issuer, None, None, browser
        )  # the provider posts logout tokens before it answers
        deadline = time.monotonic() + 5
        while session_at(a, cookie).status_code != 401 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert session_at(a, cookie).status_code == 401
        assert session_at(b, cookie).status_code == 401
        assert sid


def test_redis_outage_is_a_503_not_a_logout(cluster: Any) -> None:
    op, a, b, redis_server = cluster
    with httpx.Client(timeout=10, follow_redirects=False) as browser:
        cookie = login(op, a, browser)
        assert session_at(b, cookie).status_code == 200
        os.kill(redis_server.pid, signal.SIGSTOP)
        try:
            started = time.monotonic()
            down = session_at(b, cookie)
            assert down.status_code == 503
            assert time.monotonic() - started < 8
            assert "set-cookie" not in down.headers  # the cookie is not touched
        finally:
            os.kill(redis_server.pid, signal.SIGCONT)
        deadline = time.monotonic() + 5
        while session_at(b, cookie).status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert session_at(b, cookie).status_code == 200
        assert session_at(a, cookie).status_code == 200
