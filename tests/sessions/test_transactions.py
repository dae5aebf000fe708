"""Login transactions (``_sessions/_transactions``): one cookie per state, bounded in number."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import pytest

from ..conftest import http_scope
from ..support.asgi_driver import call
from ..support.routes import header, jar, not_found
from ..support.tenant import tenant_callback, tenant_client

if TYPE_CHECKING:
    from auth0_async.testing import MockAuth0

pytestmark = pytest.mark.anyio


async def test_state_from_another_tab_does_not_match(mock_tenant: MockAuth0) -> None:
    auth0 = tenant_client(mock_tenant)
    app = auth0.middleware(not_found)
    login = http_scope(None, path="/auth/login", scheme="https")
    tab_a, tab_b = await call(app, login), await call(app, login)
    state_a = parse_qs(urlsplit(tab_a.header("location") or "").query)["state"][0]
    state_b = parse_qs(urlsplit(tab_b.header("location") or "").query)["state"][0]
    cookies_a, cookies_b = jar(tab_a), jar(tab_b)
    both = {**cookies_a, **cookies_b}
    # tab B's callback works with both transactions present, and only consumes its own
    response = await tenant_callback(mock_tenant, auth0, tab_b, cookies_a, user="alice")
    assert response.status == 307
    left = jar(response, both)
    assert f"__txn_{state_a}" in left
    assert f"__txn_{state_b}" not in left
    # a state whose cookie was swapped in from another transaction is refused
    forged = {f"__txn_{state_a}": cookies_b[f"__txn_{state_b}"]}
    back = urlsplit(mock_tenant.authorize_url_to_callback(tab_a.header("location") or ""))
    scope = http_scope(
        header(forged), path=back.path, scheme="https", query_string=back.query.encode()
    )
    assert (await call(app, scope)).status == 400


async def test_transaction_cookies_do_not_pile_up(mock_tenant: MockAuth0) -> None:
    auth0 = tenant_client(mock_tenant)
    cookies: dict[str, str] = {}
    app = auth0.middleware(not_found)
    for _ in range(40):
        response = await call(app, http_scope(header(cookies), path="/auth/login", scheme="https"))
        cookies = jar(response, cookies)
    total = sum(len(k) + len(v) for k, v in cookies.items() if k.startswith("__txn_"))
    assert total < 3500 + 1000
    assert sum(k.startswith("__txn_") for k in cookies) >= 2


NO_STORE = "private, no-cache, no-store, must-revalidate, max-age=0"


@pytest.mark.parametrize("scheme", ["https", "http"])
async def test_the_login_response_that_sets_a_transaction_is_not_cached(
    mock_tenant: MockAuth0, scheme: str
) -> None:
    app = tenant_client(mock_tenant).middleware(not_found)
    response = await call(app, http_scope(None, path="/auth/login", scheme=scheme))
    assert response.status == 307
    assert any(name.startswith("__txn_") for name in jar(response))
    assert response.header("cache-control") == NO_STORE
    assert response.header("pragma") == "no-cache"


async def test_a_programmatic_login_is_not_cached_either(mock_tenant: MockAuth0) -> None:
    from starlette.requests import Request
    from starlette.responses import RedirectResponse

    auth0 = tenant_client(mock_tenant)
    response = RedirectResponse("/", headers={"cache-control": "public, max-age=600"})
    await auth0.start_interactive_login(
        Request(http_scope(None, path="/custom-login", scheme="https")), response
    )
    assert any(v.startswith("__txn_") for v in response.headers.getlist("set-cookie"))
    assert response.headers.getlist("cache-control") == [NO_STORE]
