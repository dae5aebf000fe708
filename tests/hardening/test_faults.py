"""Provider faults not covered elsewhere: JWKS rotation mid-flight, discovery and JWKS slower than
``http_timeout``, and a cancellation injected at every await of the refresh path.

Nothing here asserts a duration. A provider that "hangs" waits on an event that a watchdog
sets after WATCHDOG seconds; the tests assert that the SDK's own timeout answered (its error
says "timed out") and that the provider was asked exactly once, so a hang would fail the
test instead of stalling the run.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

import anyio
import anyio.lowlevel
import pytest

from auth0_async import AccessToken, AccessTokenError, DiscoveryError, RouteResponse, SessionData
from auth0_async.stores import MemorySessionStore

from ..conftest import http_scope
from ..sessions.test_stateful import backchannel, logout_token
from ..support.asgi_driver import Response, call
from ..support.fakes import RSA, StrictProvider
from ..support.routes import begin_login, finish_login, full_login, header, jar
from .helpers import stepping

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from auth0_async import Auth0Client

pytestmark = pytest.mark.anyio

TIMEOUT = 0.2
"""http_timeout of the clients under test (seconds)."""
WATCHDOG = 30.0
"""After this long, hanging endpoints answer after all: a guard against a stalled run."""
DISCOVERY = "/.well-known/openid-configuration"
JWKS = "/.well-known/jwks.json"


@contextlib.asynccontextmanager
async def watchdog(provider: StrictProvider) -> AsyncIterator[None]:
    async with anyio.create_task_group() as tg:

        async def guard() -> None:
            await anyio.sleep(WATCHDOG)
            provider.release()

        tg.start_soon(guard)
        yield
        tg.cancel_scope.cancel()


async def with_token(
    auth0: Auth0Client, cookies: dict[str, str], *, refresh: bool = True
) -> tuple[AccessToken | AccessTokenError, Response]:
    """One request whose app calls get_access_token; return its outcome and the response."""
    out: dict[str, Any] = {}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        try:
            out["token"] = await auth0.get_access_token(refresh=refresh)
        except AccessTokenError as exc:
            out["token"] = exc
        await RouteResponse.text("ok", 200).send(send)

    response = await call(auth0.middleware(app), http_scope(header(cookies), scheme="https"))
    return out["token"], response


class Sink:
    """A ResponseSink that keeps the headers it is given."""

    def __init__(self) -> None:
        self.headers: list[tuple[str, str]] = []

    def add_header(self, name: str, value: str) -> None:
        self.headers.append((name, value))

    def set_header(self, name: str, value: str) -> None:
        self.headers = [(k, v) for k, v in self.headers if k != name] + [(name, value)]


def session_deleted(response: Response) -> bool:
    return any(
        line.startswith("__session") and "Max-Age=0" in line for line in response.all("set-cookie")
    )


# -- JWKS rotation -----------------------------------------------------------------------------


async def test_jwks_rotation_between_logins_and_refreshes() -> None:
    provider = StrictProvider()
    auth0 = provider.client()
    await full_login(auth0, provider, sub="auth0|before")
    assert provider.hits[JWKS] == 1
    provider.rotate_keys()  # the old key is withdrawn at once
    cookies = await full_login(auth0, provider, sub="auth0|after")
    assert provider.hits[JWKS] == 2  # one refetch for the unknown kid
    provider.refresh_id_token = True
    token, _ = await with_token(auth0, cookies)
    assert isinstance(token, AccessToken)
    assert provider.hits[JWKS] == 2  # the refreshed ID token verifies with the cached key


async def test_jwks_rotation_mid_flight_across_concurrent_callbacks() -> None:
    """The provider rotates while its JWKS answer is in flight: that answer is stale.

    Eight callbacks get ID tokens signed with the new key; the JWKS response that arrives
    was produced before the rotation. Each callback finds no key, they share one refetch,
    and every login completes.
    """
    provider = StrictProvider()
    auth0 = provider.client()
    logins = []
    for i in range(8):
        cookies, location = await begin_login(auth0)
        code, state = provider.authorize(location, sub=f"auth0|user{i}")
        logins.append((cookies, {"code": code, "state": state}))
    provider.rotate_keys()
    provider.published = [RSA]  # what the JWKS endpoint serves before the rotation lands
    provider.jwks_gate = anyio.Event()
    results: dict[int, Response] = {}

    async def one(i: int) -> None:
        results[i] = await finish_login(auth0, *logins[i])

    with anyio.fail_after(WATCHDOG):
        async with anyio.create_task_group() as tg:
            for i in range(8):
                tg.start_soon(one, i)
            await provider.arrived(JWKS).wait()
            await anyio.wait_all_tasks_blocked()
            provider.rotate_keys()  # the rotation lands while the first answer is in flight
            provider.jwks_gate.set()
    assert [results[i].status for i in range(8)] == [307] * 8, [r.body for r in results.values()]
    assert provider.hits[JWKS] == 2  # the stale answer, then one shared refetch
    for i in range(8):
        session = await auth0.get_session(
            http_scope(header(jar(results[i], logins[i][0])), scheme="https")
        )
        assert session is not None
        assert session.user.sub == f"auth0|user{i}"


# -- slower than http_timeout --------------------------------------------------------------------


async def test_discovery_slower_than_the_timeout_fails_typed_and_shares_one_request() -> None:
    provider = StrictProvider()
    provider.hang.add(DISCOVERY)
    auth0 = provider.client(http_timeout=TIMEOUT)
    app = auth0.middleware(lambda scope, receive, send: RouteResponse.empty(404).send(send))
    answers: list[Response] = []

    async def one() -> None:
        answers.append(await call(app, http_scope(None, path="/auth/login", scheme="https")))

    async with watchdog(provider), anyio.create_task_group() as tg:
        for _ in range(10):
            tg.start_soon(one)
    assert [a.status for a in answers] == [500] * 10
    assert all(a.all("set-cookie") == [] for a in answers)
    assert provider.hits[DISCOVERY] == 1  # the waiters shared the one request

    async with watchdog(provider):
        with pytest.raises(DiscoveryError, match="timed out"):
            await auth0.start_interactive_login(http_scope(None, scheme="https"), Sink())
    assert provider.hits[DISCOVERY] == 2  # failures are not cached

    provider.hang.clear()
    cookies = await full_login(auth0, provider)  # and it recovers
    assert "__session" in cookies


async def test_jwks_slower_than_the_timeout_at_the_callback() -> None:
    provider = StrictProvider()
    auth0 = provider.client(http_timeout=TIMEOUT)
    cookies, location = await begin_login(auth0)
    code, state = provider.authorize(location)
    provider.hang.add(JWKS)
    async with watchdog(provider):
        response = await finish_login(auth0, cookies, {"code": code, "state": state})
    assert response.status == 502
    assert b"timed out" in response.body
    assert "__session" not in jar(response)
    assert provider.hits[JWKS] == 1


async def test_logout_with_discovery_slower_than_the_timeout_still_clears_cookies() -> None:
    provider = StrictProvider()
    auth0 = provider.client(http_timeout=TIMEOUT)
    cookies = await full_login(auth0, provider)
    fresh = provider.client(http_timeout=TIMEOUT)  # nothing cached yet
    provider.hang.add(DISCOVERY)
    async with watchdog(provider):
        response = await call(
            fresh.middleware(lambda s, r, send: RouteResponse.empty(404).send(send)),
            http_scope(header(cookies), path="/auth/logout", scheme="https"),
        )
    assert response.status == 500
    assert session_deleted(response)


async def test_jwks_slower_than_the_timeout_during_a_refresh_is_typed_and_keeps_the_session() -> (
    None
):
    provider = StrictProvider()
    cookies = await full_login(provider.client(), provider)
    provider.refresh_id_token = True
    provider.hang.add(JWKS)
    before = provider.hits[JWKS]
    auth0 = provider.client(http_timeout=TIMEOUT)  # a new process: no keys cached
    async with watchdog(provider):
        token, response = await with_token(auth0, cookies)
    assert isinstance(token, AccessTokenError)
    assert token.code == "failed_to_refresh_token"
    assert "timed out" in token.message
    assert not session_deleted(response)
    assert provider.hits[JWKS] == before + 1


async def test_a_jwks_outage_during_a_refresh_does_not_lose_the_rotated_refresh_token() -> None:
    provider = StrictProvider()
    cookies = await full_login(provider.client(), provider)
    provider.refresh_id_token = True
    provider.hang.add(JWKS)
    auth0 = provider.client(http_timeout=TIMEOUT)
    async with watchdog(provider):
        failed, response = await with_token(auth0, cookies)
    assert isinstance(failed, AccessTokenError)
    provider.hang.clear()  # the outage ends
    token, _ = await with_token(auth0, jar(response, cookies))
    assert isinstance(token, AccessToken), token
    assert provider.reused == []


async def test_backchannel_logout_with_jwks_slower_than_the_timeout_is_a_503() -> None:
    provider = StrictProvider()
    store = MemorySessionStore()
    auth0 = provider.client(session_store=store, http_timeout=TIMEOUT)
    await full_login(auth0, provider)
    fresh = provider.client(session_store=store, http_timeout=TIMEOUT)  # no keys cached
    provider.hang.add(JWKS)
    async with watchdog(provider):
        response = await backchannel(fresh, logout_token(provider, sid="s1"))
    assert response.status == 503
    assert provider.hits[JWKS] == 2


# -- cancellation at every await of the refresh path --------------------------------------------


class CancelledRefresh:
    """A logged-in browser, one request whose get_access_token(refresh=True) is cancelled at
    the k-th suspension point, and what followed."""

    def __init__(self, *, stateful: bool) -> None:
        self.provider = StrictProvider()
        self.provider.refresh_id_token = True
        self.options: dict[str, Any] = {"before_session_saved": self.hook}
        if stateful:
            self.options["session_store"] = MemorySessionStore()
        self.auth0 = self.provider.client(**self.options)
        self.steps = 0
        self.cancelled = False
        self.granted = False
        self.outcome: object = None

    @staticmethod
    async def hook(session: SessionData, id_token: str | None) -> SessionData:
        await anyio.lowlevel.checkpoint()  # an app hook that does I/O: an await after the grant
        return session

    async def run(self, cancel_at: int) -> tuple[dict[str, str], Response]:
        cookies = await full_login(self.auth0, self.provider)
        # The refreshing request runs in a fresh process (same store): nothing cached, so
        # discovery, the grant and the JWKS are all awaited on the refresh path.
        self.auth0 = self.provider.client(**self.options)
        minted_before = self.provider.minted

        async def app(scope: Any, receive: Any, send: Any) -> None:
            with anyio.CancelScope() as cancel_scope:

                def on_step() -> None:
                    self.steps += 1
                    if self.steps == cancel_at:
                        cancel_scope.cancel()

                self.outcome = await stepping(self.auth0.get_access_token(refresh=True), on_step)
            self.cancelled = cancel_scope.cancelled_caught
            await RouteResponse.text("ok", 200).send(send)

        response = await call(
            self.auth0.middleware(app), http_scope(header(cookies), scheme="https")
        )
        self.granted = self.provider.minted > minted_before
        return cookies, response


async def count_refresh_steps(*, stateful: bool) -> int:
    probe = CancelledRefresh(stateful=stateful)
    await probe.run(cancel_at=0)
    assert isinstance(probe.outcome, AccessToken)
    return probe.steps


@pytest.mark.parametrize("stateful", [False, True], ids=["stateless", "stateful"])
@pytest.mark.parametrize("response_lost", [True, False], ids=["response-lost", "response-kept"])
async def test_cancellation_at_every_await_of_the_refresh_path(
    stateful: bool, response_lost: bool
) -> None:
    total = await count_refresh_steps(stateful=stateful)
    assert total >= 7, total  # discovery, grant and JWKS round trips, and the app's hook
    cancelled_somewhere = False
    for k in range(1, total + 1):
        attempt = CancelledRefresh(stateful=stateful)
        cookies, response = await attempt.run(cancel_at=k)
        cancelled_somewhere |= attempt.cancelled
        assert attempt.outcome is None or isinstance(attempt.outcome, AccessToken), (
            k,
            attempt.outcome,
        )
        assert not session_deleted(response), k
        # The browser either never saw the response (the client went away) or kept its cookies.
        browser = cookies if response_lost else jar(response, cookies)
        after, second = await with_token(attempt.auth0, browser)
        assert isinstance(after, AccessToken), (k, attempt.granted, after)
        browser = jar(second, browser)
        session = await attempt.auth0.get_session(http_scope(header(browser), scheme="https"))
        assert session is not None, k
        assert session.token_set.refresh_token == attempt.provider.last_refresh_token, k
        # The rotated refresh token works: the provider accepts it, and nothing was reused.
        again, _ = await with_token(attempt.auth0, browser)
        assert isinstance(again, AccessToken), (k, again)
        assert attempt.provider.reused == [], k
    assert cancelled_somewhere


async def test_stateful_rotation_survives_a_cancelled_request_beyond_result_ttl() -> None:
    from auth0_async.refresh import LocalRefreshCoordinator

    now = [0.0]
    probe = CancelledRefresh(stateful=True)
    probe.options["refresh_coordinator"] = LocalRefreshCoordinator(clock=lambda: now[0])
    probe.auth0 = probe.provider.client(**probe.options)
    total = await count_refresh_steps(stateful=True)
    cookies, _ = await probe.run(cancel_at=total)  # the last await: after the grant
    assert probe.cancelled
    assert probe.granted
    now[0] += 61  # the coordinator's kept result has expired
    token, _ = await with_token(probe.auth0, cookies)
    assert isinstance(token, AccessToken), token
    assert probe.provider.reused == []
