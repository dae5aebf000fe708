"""Login transactions (``_sessions/_transactions``): one cookie per state, bounded in number."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from ..conftest import http_scope
from ..support.asgi_driver import call
from ..support.routes import callback, header, jar, make_client, not_found, start

if TYPE_CHECKING:
    from ..support.fakes import FakeProvider

pytestmark = pytest.mark.anyio


async def test_state_from_another_tab_does_not_match(provider: FakeProvider) -> None:
    auth0 = make_client(provider)
    cookies_a, state_a = await start(auth0, provider)
    cookies_b, state_b = await start(auth0, provider)
    both = {**cookies_a, **cookies_b}
    # tab B's callback works with both transactions present, and only consumes its own
    response = await callback(auth0, both, {"code": "c", "state": state_b})
    assert response.status == 307
    left = jar(response, both)
    assert f"__txn_{state_a}" in left
    assert f"__txn_{state_b}" not in left
    # a state whose cookie was swapped in from another transaction is refused
    forged = {f"__txn_{state_a}": cookies_b[f"__txn_{state_b}"]}
    assert (await callback(auth0, forged, {"code": "c", "state": state_a})).status == 400


async def test_transaction_cookies_do_not_pile_up(provider: FakeProvider) -> None:
    auth0 = make_client(provider)
    cookies: dict[str, str] = {}
    app = auth0.middleware(not_found)
    for _ in range(40):
        response = await call(app, http_scope(header(cookies), path="/auth/login", scheme="https"))
        cookies = jar(response, cookies)
    total = sum(len(k) + len(v) for k, v in cookies.items() if k.startswith("__txn_"))
    assert total < 3500 + 1000
    assert sum(k.startswith("__txn_") for k in cookies) >= 2
