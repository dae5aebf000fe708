"""Discovery and JWKS through an outage: the last good copy, a bounded retry, a configurable lifetime.

Each test drives a real ``OIDCClient`` over ``httpx.MockTransport`` (``FakeOP``) with a
``FrozenClock``; the retry pauses are real but tiny (``retry_backoff``).
"""

from __future__ import annotations

import logging
from typing import Any

import anyio
import httpx
import pytest

from auth0_async import Auth0Client, ConfigurationError
from auth0_async._exceptions import DiscoveryError
from auth0_async._oidc._cache import DEFAULT_MAX_STALE, DEFAULT_RETRY_AFTER
from auth0_async._oidc._client import OIDCClient
from auth0_async._oidc._client_auth import ClientSecretPost
from auth0_async.testing import FrozenClock

from ..conftest import SECRET
from ..support.fakes import FakeOP, answer
from ..support.tokens import CLIENT_ID, NOW

pytestmark = pytest.mark.anyio

DISCOVERY = "/.well-known/openid-configuration"
JWKS = "/.well-known/jwks.json"
TOKEN = "/oauth/token"


def make(fake: FakeOP, clock: FrozenClock, **kwargs: Any) -> OIDCClient:
    options: dict[str, Any] = {"metadata_ttl": 600, "jwks_ttl": 600, "retry_backoff": 0.001}
    options.update(kwargs)
    return OIDCClient("https://op.example.test", http_client=fake.client(), clock=clock, **options)


async def refuse(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("refused", request=request)


def events(caplog: pytest.LogCaptureFixture, name: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if getattr(r, "event", None) == name]


# -- the last good copy ------------------------------------------------------------------


@pytest.mark.parametrize("path", [DISCOVERY, JWKS])
@pytest.mark.parametrize("outage", [refuse, answer(503, text="down"), answer(404)])
async def test_a_failed_refetch_serves_the_last_good_copy_and_logs_it(
    caplog: pytest.LogCaptureFixture, path: str, outage: Any
) -> None:
    fake, clock = FakeOP(), FrozenClock(NOW)
    client = make(fake, clock)
    metadata, keys = await client.metadata(), await client.jwks()
    clock.advance(601)
    fake.overrides[path] = outage
    with caplog.at_level(logging.INFO, logger="auth0_async"):
        served = await client.metadata(), await client.jwks()
    # The copy under the outage is the last good one; the other is fetched afresh.
    assert (served[0] is metadata, served[1] is keys) == (path == DISCOVERY, path == JWKS)
    [stale] = events(caplog, "auth0_async.provider.stale")
    assert stale.levelno == logging.WARNING
    assert stale.what == ("discovery document" if path == DISCOVERY else "JWKS")  # type: ignore[attr-defined]


async def test_while_stale_the_provider_is_asked_again_only_after_a_pause() -> None:
    fake, clock = FakeOP(), FrozenClock(NOW)
    client = make(fake, clock)
    metadata = await client.metadata()
    clock.advance(601)
    fake.overrides[DISCOVERY] = answer(503, text="down")
    for _ in range(5):  # one failed refetch (two requests: the GET and its retry), then quiet
        assert await client.metadata() is metadata
    assert fake.hits[DISCOVERY] == 1 + 2
    clock.advance(DEFAULT_RETRY_AFTER)
    assert await client.metadata() is metadata
    assert fake.hits[DISCOVERY] == 1 + 2 + 2
    fake.overrides.clear()  # the provider is back: the next attempt refreshes the copy
    clock.advance(DEFAULT_RETRY_AFTER)
    fresh = await client.metadata()
    assert fresh is not metadata
    assert fake.hits[DISCOVERY] == 1 + 2 + 2 + 1
    clock.advance(599)
    assert await client.metadata() is fresh  # a full lifetime again


async def test_the_last_good_copy_is_served_for_a_day_at_most() -> None:
    fake, clock = FakeOP(), FrozenClock(NOW)
    client = make(fake, clock)
    metadata = await client.metadata()
    fake.overrides[DISCOVERY] = refuse
    clock.advance(600 + DEFAULT_MAX_STALE - 1)
    assert await client.metadata() is metadata
    clock.advance(2)
    with pytest.raises(DiscoveryError, match="ConnectError"):
        await client.metadata()


async def test_without_a_good_copy_a_failure_is_an_error() -> None:
    fake, clock = FakeOP(), FrozenClock(NOW)
    fake.overrides[DISCOVERY] = answer(503, text="down")
    client = make(fake, clock)
    with pytest.raises(DiscoveryError, match="HTTP 503"):
        await client.metadata()


async def test_a_stale_jwks_still_verifies_tokens_signed_with_a_known_key() -> None:
    from ..support.tokens import id_claims, mint

    fake, clock = FakeOP(), FrozenClock(NOW)
    client = make(fake, clock)
    token = mint(id_claims(nonce="n"), fake.keys[0])
    await client.verify_id_token(token, client_id=CLIENT_ID, nonce="n")
    clock.advance(601)
    fake.overrides[JWKS] = refuse
    fake.overrides[DISCOVERY] = refuse
    claims = await client.verify_id_token(token, client_id=CLIENT_ID, nonce="n")
    assert claims["nonce"] == "n"


# -- the bounded retry ---------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_a_get_answered_with_a_server_error_is_tried_once_more(
    caplog: pytest.LogCaptureFixture, status: int
) -> None:
    fake, clock = FakeOP(), FrozenClock(NOW)
    failures = {"left": 1}

    async def flaky(request: httpx.Request) -> httpx.Response | None:
        if failures["left"]:
            failures["left"] -= 1
            return httpx.Response(status, text="busy")
        return None  # fall through to the real answer

    fake.overrides[DISCOVERY] = flaky
    client = make(fake, clock)
    with caplog.at_level(logging.INFO, logger="auth0_async"):
        assert (await client.metadata()).issuer == fake.issuer
    assert fake.hits[DISCOVERY] == 2
    [retry] = events(caplog, "auth0_async.provider.retry")
    assert retry.what == "discovery"  # type: ignore[attr-defined]


async def test_a_connection_failure_is_retried_and_two_failures_are_an_error() -> None:
    fake, clock = FakeOP(), FrozenClock(NOW)
    fake.overrides[JWKS] = refuse
    client = make(fake, clock)
    with pytest.raises(DiscoveryError, match="ConnectError"):
        await client.jwks()
    assert fake.hits[JWKS] == 2  # two attempts, no more


@pytest.mark.parametrize("status", [400, 401, 404, 429])
async def test_client_errors_are_not_retried(status: int) -> None:
    fake, clock = FakeOP(), FrozenClock(NOW)
    fake.overrides[DISCOVERY] = answer(status)
    client = make(fake, clock)
    with pytest.raises(DiscoveryError, match=f"HTTP {status}"):
        await client.metadata()
    assert fake.hits[DISCOVERY] == 1


async def test_an_oversized_answer_is_not_retried() -> None:
    fake, clock = FakeOP(), FrozenClock(NOW)
    fake.overrides[DISCOVERY] = answer(200, content=b"x" * 2048)
    client = make(fake, clock, max_response_bytes=1024)
    with pytest.raises(DiscoveryError):
        await client.metadata()
    assert fake.hits[DISCOVERY] == 1


async def test_posts_are_never_retried() -> None:
    fake, clock = FakeOP(), FrozenClock(NOW)
    fake.overrides[TOKEN] = answer(503, text="down")
    client = make(fake, clock)
    from auth0_async._exceptions import TransportError

    with pytest.raises(TransportError):
        await client.token_request(
            {"grant_type": "refresh_token", "refresh_token": "rt"},
            ClientSecretPost(CLIENT_ID, "s3cret"),
        )
    assert fake.hits[TOKEN] == 1


async def test_both_attempts_fit_within_the_http_timeout() -> None:
    fake, clock = FakeOP(), FrozenClock(NOW)

    async def slow(request: httpx.Request) -> httpx.Response:
        await anyio.sleep(0.15)
        return httpx.Response(503, text="slow and down")

    fake.overrides[DISCOVERY] = slow
    client = make(fake, clock, timeout=0.25, retry_backoff=0.05)
    started = anyio.current_time()
    with pytest.raises(DiscoveryError, match="timed out"):
        await client.metadata()
    assert anyio.current_time() - started < 0.4
    assert fake.hits[DISCOVERY] == 2  # the second attempt was cut short by the one budget


async def test_no_retry_when_the_budget_is_spent() -> None:
    fake, clock = FakeOP(), FrozenClock(NOW)

    async def slow(request: httpx.Request) -> httpx.Response:
        await anyio.sleep(0.2)
        return httpx.Response(503, text="down")

    fake.overrides[DISCOVERY] = slow
    client = make(fake, clock, timeout=0.25, retry_backoff=0.1)
    with pytest.raises(DiscoveryError, match="HTTP 503"):
        await client.metadata()
    assert fake.hits[DISCOVERY] == 1


# -- the lifetime, from Auth0Client ------------------------------------------------------


def auth0_with(fake: FakeOP, clock: FrozenClock, **options: Any) -> Auth0Client:
    return Auth0Client(
        domain="https://op.example.test",
        client_id=CLIENT_ID,
        client_secret="s3cret",
        secret=SECRET,
        app_base_url="https://app.example",
        http_client=fake.client(),
        clock=clock,
        **options,
    )


@pytest.mark.parametrize("ttl", [0, 60, 3600])
async def test_discovery_cache_ttl_sets_how_long_discovery_and_the_jwks_are_kept(ttl: int) -> None:
    fake, clock = FakeOP(), FrozenClock(NOW)
    oidc = auth0_with(fake, clock, discovery_cache_ttl=ttl)._kernel.provider.oidc()
    await oidc.jwks()
    clock.advance(max(ttl - 1, 0))
    await oidc.jwks()
    expected = 2 if ttl == 0 else 1
    assert (fake.hits[DISCOVERY], fake.hits[JWKS]) == (expected, expected)
    clock.advance(2)
    await oidc.jwks()
    assert (fake.hits[DISCOVERY], fake.hits[JWKS]) == (expected + 1, expected + 1)


async def test_the_default_lifetime_is_ten_minutes() -> None:
    fake, clock = FakeOP(), FrozenClock(NOW)
    oidc = auth0_with(fake, clock)._kernel.provider.oidc()
    await oidc.metadata()
    clock.advance(599)
    await oidc.metadata()
    assert fake.hits[DISCOVERY] == 1
    clock.advance(2)
    await oidc.metadata()
    assert fake.hits[DISCOVERY] == 2


@pytest.mark.parametrize("bad", [-1, float("nan"), float("inf"), 8 * 24 * 3600, True, "600"])
def test_a_bad_discovery_cache_ttl_fails_at_start(bad: Any) -> None:
    with pytest.raises(ConfigurationError, match="discovery_cache_ttl"):
        Auth0Client(secret=SECRET, discovery_cache_ttl=bad)
