"""The ``/auth/*`` routes (``_http/_routes``): which paths they answer, moving and disabling them, profile."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from ..conftest import http_scope
from ..support.asgi_driver import call
from ..support.routes import header, jar, login_with, make_client, not_found

if TYPE_CHECKING:
    from ..support.fakes import FakeProvider

pytestmark = pytest.mark.anyio


async def test_profile_route(provider: FakeProvider) -> None:
    auth0 = make_client(provider)
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
        make_client(provider, no_content_profile_response_when_unauthenticated=True).middleware(
            not_found
        ),
        http_scope(None, path="/auth/profile"),
    )
    assert quiet.status == 204
    cookies = jar(await login_with(auth0, provider))
    profile = await call(app, http_scope(header(cookies), path="/auth/profile/", scheme="https"))
    assert profile.status == 200
    assert json.loads(profile.body) == {"sub": "auth0|1", "name": "One"}
    post = await call(app, {**http_scope(None, path="/auth/profile"), "method": "POST"})
    assert post.status == 404  # other methods pass through to the app


async def test_routes_can_be_moved_and_disabled(provider: FakeProvider) -> None:
    from auth0_async import Routes

    auth0 = make_client(provider, routes=Routes(login="/signin", profile=None))
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
    provider: FakeProvider, path: str, extra: dict[str, Any], status: int
) -> None:
    app = make_client(provider).middleware(not_found)
    assert (await call(app, http_scope(None, path=path, **extra))).status == status
