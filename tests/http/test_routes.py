"""The ``/auth/*`` routes (``_http/_routes``): which paths they answer, moving and disabling them, profile."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from auth0_async._service._claims import DEFAULT_ID_TOKEN_CLAIMS

from ..conftest import http_scope
from ..support.asgi_driver import call
from ..support.routes import header, jar, not_found
from ..support.tenant import tenant_client, tenant_login

if TYPE_CHECKING:
    from auth0_async.testing import MockAuth0

pytestmark = pytest.mark.anyio


async def test_profile_route(mock_tenant: MockAuth0) -> None:
    auth0 = tenant_client(mock_tenant)
    app = auth0.middleware(not_found)
    anonymous = await call(app, http_scope(None, path="/auth/profile"))
    assert (anonymous.status, anonymous.body) == (401, b"")
    assert (
        anonymous.header(
            "cache-control",
        )
        == "private, no-cache, no-store, must-revalidate, max-age=0"
    )
    quiet = await call(
        tenant_client(
            mock_tenant, no_content_profile_response_when_unauthenticated=True
        ).middleware(not_found),
        http_scope(None, path="/auth/profile"),
    )
    assert quiet.status == 204
    cookies = jar(await tenant_login(mock_tenant, auth0))
    profile = await call(app, http_scope(header(cookies), path="/auth/profile/", scheme="https"))
    assert profile.status == 200
    body = json.loads(profile.body)
    assert body["sub"] == "auth0|alice"
    assert body["name"] == "Alice Example"
    assert set(body) <= DEFAULT_ID_TOKEN_CLAIMS  # no iss, aud, sid, nonce, ...
    post = await call(app, {**http_scope(None, path="/auth/profile"), "method": "POST"})
    assert post.status == 404  # other methods pass through to the app


async def test_routes_can_be_moved_and_disabled(mock_tenant: MockAuth0) -> None:
    from auth0_async import Routes

    auth0 = tenant_client(mock_tenant, routes=Routes(login="/signin", profile=None))
    app = auth0.middleware(not_found)
    assert (await call(app, http_scope(None, path="/signin"))).status == 307
    assert (await call(app, http_scope(None, path="/auth/login"))).status == 404
    assert (await call(app, http_scope(None, path="/auth/profile"))).status == 404


@pytest.mark.parametrize(
    ("path", "extra", "status"),
    [
        ("/auth/login", {}, 307),
        ("/auth/login/", {}, 307),  # a trailing slash names the same route
        ("/app/auth/login", {"root_path": "/app"}, 307),  # mounted under a root path
        ("/auth/loginx", {}, 404),
        ("/auth/login//", {}, 404),
        ("/", {}, 404),
        ("/auth", {}, 404),
    ],
)
async def test_which_paths_are_routes(
    mock_tenant: MockAuth0, path: str, extra: dict[str, Any], status: int
) -> None:
    app = tenant_client(mock_tenant).middleware(not_found)
    assert (await call(app, http_scope(None, path=path, **extra))).status == status
