"""The revocation endpoint from RFC 8414 metadata when OIDC discovery does not list it."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
import pytest

from auth0_async._exceptions import ConfigurationError, DiscoveryError
from auth0_async._oidc._client import OIDCClient
from auth0_async._oidc._client_auth import ClientSecretPost
from auth0_async._oidc._discovery import (
    authorization_server_metadata_url,
    parse_revocation_endpoint,
)
from auth0_async.testing import FrozenClock

from ..conftest import http_scope
from ..support.asgi_driver import call
from ..support.fakes import ISSUER as FACADE_ISSUER
from ..support.fakes import FakeOP, FakeProvider, answer
from ..support.routes import header, jar, login_with, make_client, not_found
from ..support.tokens import CLIENT_ID, ISSUER, NOW

if TYPE_CHECKING:
    from collections.abc import Callable

pytestmark = pytest.mark.anyio

RFC8414 = "/.well-known/oauth-authorization-server"
REVOKE = "/as/revoke"
AUTH = ClientSecretPost(CLIENT_ID, "s3cret")


def as_metadata(issuer: str = ISSUER, **members: Any) -> dict[str, Any]:
    base = issuer.rstrip("/")
    return {"issuer": issuer, "revocation_endpoint": f"{base}{REVOKE}", **members}


def fake_without_revocation() -> FakeOP:
    fake = FakeOP()
    del fake.metadata["revocation_endpoint"]
    fake.overrides[RFC8414] = answer(200, json=as_metadata())
    fake.overrides[REVOKE] = answer(200)
    return fake


def make(fake: FakeOP, clock: FrozenClock | None = None) -> OIDCClient:
    return OIDCClient(ISSUER, http_client=fake.client(), clock=clock or FrozenClock(NOW))


# -- pure parts -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("issuer", "url"),
    [
        ("https://as.example", "https://as.example/.well-known/oauth-authorization-server"),
        ("https://as.example/", "https://as.example/.well-known/oauth-authorization-server"),
        (
            "https://as.example/tenant/1/",
            "https://as.example/.well-known/oauth-authorization-server/tenant/1",
        ),
        ("http://127.0.0.1:3000", "http://127.0.0.1:3000/.well-known/oauth-authorization-server"),
    ],
)
def test_metadata_url_inserts_the_well_known_part_before_the_path(issuer: str, url: str) -> None:
    assert authorization_server_metadata_url(issuer) == url


def test_parse_revocation_endpoint() -> None:
    body = httpx.Response(200, json=as_metadata()).content
    assert parse_revocation_endpoint(body, ISSUER) == "https://op.example.test/as/revoke"
    assert parse_revocation_endpoint(b'{"issuer": "%s"}' % ISSUER.encode(), ISSUER) is None


@pytest.mark.parametrize(
    ("document", "match"),
    [
        # RFC 8414 §3.3: identical, so not even the trailing slash OIDC discovery forgives.
        (as_metadata(issuer=ISSUER.rstrip("/")), "names issuer"),
        (as_metadata(issuer="https://evil.example/"), "names issuer"),
        ({"revocation_endpoint": f"{ISSUER}revoke"}, "invalid"),
        (as_metadata(revocation_endpoint="http://op.example.test/revoke"), "https URL"),
        (as_metadata(revocation_endpoint="/revoke"), "URL"),
        (as_metadata(revocation_endpoint=7), "invalid"),
        ([1, 2], "invalid"),
    ],
)
def test_parse_revocation_endpoint_refuses(document: Any, match: str) -> None:
    with pytest.raises(DiscoveryError, match=match):
        parse_revocation_endpoint(httpx.Response(200, json=document).content, ISSUER)


def test_parse_revocation_endpoint_refuses_non_json() -> None:
    with pytest.raises(DiscoveryError, match="not valid JSON"):
        parse_revocation_endpoint(b"<html>", ISSUER)


# -- OIDCClient -----------------------------------------------------------------------------


async def test_revoke_uses_the_rfc8414_endpoint_fetched_once() -> None:
    fake = fake_without_revocation()
    async with make(fake) as client:
        await client.metadata()
        await client.jwks()
        assert fake.hits[RFC8414] == 0  # not fetched until revocation needs it
        await client.revoke("rt-1", AUTH)
        await client.revoke("rt-2", AUTH)
    assert fake.hits[RFC8414] == 1
    assert fake.hits[REVOKE] == 2
    revocation = fake.requests[-1]
    assert revocation.method == "POST"
    assert b"token=rt-2" in revocation.content


async def test_discovery_endpoint_wins_and_rfc8414_is_never_fetched() -> None:
    fake = FakeOP()
    fake.overrides[RFC8414] = answer(200, json=as_metadata())
    async with make(fake) as client:
        assert await client.revocation_endpoint() == f"{fake.base}/oauth/revoke"
        await client.revoke("rt", AUTH)
    assert fake.hits[RFC8414] == 0
    assert fake.hits["/oauth/revoke"] == 1


@pytest.mark.parametrize(
    ("respond", "requests"),
    [
        (answer(404), 1),
        (answer(500, text="oops"), 2),  # a 5xx is tried twice (once more after a short pause)
        (answer(200, json=as_metadata(issuer="https://evil.example/")), 1),
        (answer(200, json=as_metadata(revocation_endpoint="http://op.example.test/r")), 1),
        (answer(200, text="not json"), 1),
        (answer(200, json={"issuer": ISSUER}), 1),
    ],
)
async def test_no_usable_rfc8414_endpoint_is_none_and_remembered(
    respond: Any, requests: int
) -> None:
    fake = fake_without_revocation()
    fake.overrides[RFC8414] = respond
    async with make(fake) as client:
        assert await client.revocation_endpoint() is None
        assert await client.revocation_endpoint() is None
        with pytest.raises(ConfigurationError, match="revocation endpoint"):
            await client.revoke("rt", AUTH)
    assert fake.hits[RFC8414] == requests
    assert fake.hits[REVOKE] == 0


async def test_network_failure_is_none_logged_and_retried(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = fake_without_revocation()
    metadata = answer(200, json=as_metadata())

    async def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    fake.overrides[RFC8414] = down
    async with make(fake) as client:
        with caplog.at_level(logging.WARNING, logger="auth0_async"):
            assert await client.revocation_endpoint() is None
        assert "revocation endpoint" in caplog.text
        fake.overrides[RFC8414] = metadata
        assert await client.revocation_endpoint() == f"{fake.base}{REVOKE}"
    assert fake.hits[RFC8414] == 3  # the failed lookup was tried twice


async def test_rfc8414_cache_expires_with_the_metadata_ttl() -> None:
    fake = fake_without_revocation()
    clock = FrozenClock(NOW)
    async with make(fake, clock) as client:
        assert await client.revocation_endpoint()
        clock.advance(599)
        assert await client.revocation_endpoint()
        assert fake.hits[RFC8414] == 1
        clock.advance(2)
        assert await client.revocation_endpoint()
    assert fake.hits[RFC8414] == 2


async def test_discovery_failure_is_none_not_an_exception() -> None:
    fake = FakeOP()
    fake.overrides["/.well-known/openid-configuration"] = answer(503)
    async with make(fake) as client:
        assert await client.revocation_endpoint() is None


# -- logout through the facade ----------------------------------------------------------------


def facade_provider(
    rfc8414: Callable[[str], httpx.Response],
) -> tuple[FakeProvider, list[httpx.Request]]:
    provider = FakeProvider()
    del provider.metadata["revocation_endpoint"]
    base = FACADE_ISSUER.rstrip("/")
    revocations: list[httpx.Request] = []
    inner = provider.handler

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == RFC8414:
            provider.requests.append(request)
            return rfc8414(base)
        if request.url.path == REVOKE:
            revocations.append(request)
            return httpx.Response(200)
        return inner(request)

    provider.handler = handler  # type: ignore[method-assign]
    return provider, revocations


async def logout(provider: FakeProvider) -> Any:
    auth0 = make_client(provider)
    cookies = jar(await login_with(auth0, provider))
    response = await call(
        auth0.middleware(not_found),
        http_scope(header(cookies), path="/auth/logout", scheme="https"),
    )
    assert response.status == 307
    assert urlsplit(response.header("location") or "").path == "/oidc/logout"
    assert "__session" not in jar(response, cookies)
    return response


async def test_logout_revokes_at_the_rfc8414_endpoint() -> None:
    provider, revocations = facade_provider(
        lambda base: httpx.Response(200, json=as_metadata(issuer=FACADE_ISSUER))
    )
    await logout(provider)
    assert len(revocations) == 1
    assert b"token=rt" in revocations[0].content


@pytest.mark.parametrize(
    "rfc8414",
    [
        lambda base: httpx.Response(404),
        lambda base: httpx.Response(200, json=as_metadata(issuer="https://evil.example/")),
        lambda base: (_ for _ in ()).throw(httpx.ConnectError("down")),
    ],
)
async def test_logout_survives_any_rfc8414_failure(
    rfc8414: Callable[[str], httpx.Response],
) -> None:
    provider, revocations = facade_provider(rfc8414)
    await logout(provider)
    assert revocations == []
