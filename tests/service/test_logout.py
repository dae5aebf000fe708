"""Logout (``_service/_logout``): revocation, the logout URL, cookies cleared whatever happens."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from ..conftest import http_scope
from ..support.asgi_driver import call
from ..support.fakes import ISSUER, FakeProvider
from ..support.routes import header, jar, login_with, make_client, not_found

pytestmark = pytest.mark.anyio


async def test_logout_revokes_and_survives_a_failing_revocation(provider: FakeProvider) -> None:
    auth0 = make_client(provider)
    cookies = jar(await login_with(auth0, provider))
    app = auth0.middleware(not_found)
    response = await call(app, http_scope(header(cookies), path="/auth/logout", scheme="https"))
    assert response.status == 307
    assert any(r.url.path == "/oauth/revoke" for r in provider.requests)
    location = urlsplit(response.header("location") or "")
    assert location.netloc == "tenant.example.com"
    assert location.path == "/oidc/logout"
    assert "__session" not in jar(response, cookies)

    provider.metadata["revocation_endpoint"] = (
        f"{ISSUER}missing"  # 404 → failure is logged, logout goes on
    )
    auth1 = make_client(provider)
    cookies = jar(await login_with(auth1, provider))
    response = await call(
        auth1.middleware(not_found),
        http_scope(header(cookies), path="/auth/logout", scheme="https"),
    )
    assert response.status == 307
    assert "__session" not in jar(response, cookies)


async def test_logout_oidc_strategy_without_endpoint_is_a_500_but_clears_cookies(
    provider: FakeProvider,
) -> None:
    del provider.metadata["end_session_endpoint"]
    auth0 = make_client(provider, logout_strategy="oidc")
    cookies = jar(await login_with(auth0, provider))
    response = await call(
        auth0.middleware(not_found),
        http_scope(header(cookies), path="/auth/logout", scheme="https"),
    )
    assert response.status == 500
    assert b"RP-Initiated Logout is not supported" in response.body
    assert "__session" not in jar(response, cookies)
