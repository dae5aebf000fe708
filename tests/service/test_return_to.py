"""returnTo through the whole login and logout flows: query and fragment survive, origin stays."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from ..conftest import http_scope
from ..support.asgi_driver import call
from ..support.fakes import APP, FakeProvider
from ..support.routes import callback, make_client, not_found, start

pytestmark = pytest.mark.anyio

CASES = [
    ("dashboard?x=1", "/dashboard?x=1"),
    ("dashboard#f", "/dashboard#f"),
    ("?q#f", "/?q#f"),
    ("/a/b?x=1&y=2#frag", "/a/b?x=1&y=2#frag"),
    ("https://app.example/x?y#z", "/x?y#z"),
    ("//evil.example/x?y#z", "/"),
]


@pytest.mark.parametrize(("return_to", "path"), CASES)
async def test_login_lands_on_return_to(provider: FakeProvider, return_to: str, path: str) -> None:
    auth0 = make_client(provider)
    cookies, state = await start(auth0, provider, urlencode({"returnTo": return_to}))
    response = await callback(auth0, cookies, {"code": "c", "state": state})
    assert response.status == 307
    assert response.header("location") == APP + path


@pytest.mark.parametrize(("return_to", "path"), CASES)
async def test_logout_returns_to_return_to(
    provider: FakeProvider, return_to: str, path: str
) -> None:
    app = make_client(provider).middleware(not_found)
    query = urlencode({"returnTo": return_to}).encode()
    response = await call(
        app, http_scope(None, path="/auth/logout", scheme="https", query_string=query)
    )
    assert response.status == 307
    location = urlsplit(response.header("location") or "")
    assert parse_qs(location.query)["post_logout_redirect_uri"] == [APP + path]
