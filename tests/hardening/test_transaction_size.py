"""A login whose transaction cannot fit in one cookie is refused before anything is evicted.

Browsers drop a cookie whose name and value pass 4096 bytes (RFC 6265bis §5.7), so a
long ``returnTo``, ``scope`` or ``audience`` used to produce a ``__txn_<state>`` cookie
that never came back (the login could not complete), after evicting the user's other
pending logins to make room for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import pytest
from starlette.responses import Response

from auth0_async import InvalidRequestError

from ..conftest import http_scope
from ..support.asgi_driver import call
from ..support.routes import header, jar, make_client, not_found, start

if TYPE_CHECKING:
    from ..support.fakes import FakeProvider

pytestmark = pytest.mark.anyio

LONG = {
    "returnTo": "/" + "r" * 3900,  # (one over 4096 characters is no valid returnTo at all)
    "scope": "openid profile " + " ".join(f"read:thing{i}" for i in range(400)),
    "audience": "https://api.example/" + "a" * 5000,
}


def set_cookie_sizes(lines: list[str]) -> dict[str, int]:
    """name -> len(name) + len(value), what browsers compare with 4096."""
    sizes = {}
    for line in lines:
        pair = line.split(";", 1)[0]
        name, _, value = pair.partition("=")
        sizes[name] = len(name) + len(value)
    return sizes


async def pending_logins(provider: FakeProvider, count: int) -> tuple[Any, dict[str, str]]:
    auth0 = make_client(provider)
    cookies: dict[str, str] = {}
    for _ in range(count):
        more, _state = await start(auth0, provider)
        cookies.update(more)
    assert len([n for n in cookies if n.startswith("__txn_")]) == count
    return auth0, cookies


@pytest.mark.parametrize("param", sorted(LONG))
async def test_a_transaction_too_large_for_a_cookie_is_a_400_that_evicts_nothing(
    provider: FakeProvider, param: str
) -> None:
    auth0, cookies = await pending_logins(provider, 2)
    app = auth0.middleware(not_found)
    query = urlencode({param: LONG[param]}).encode()
    scope = http_scope(header(cookies), path="/auth/login", scheme="https", query_string=query)
    response = await call(app, scope)
    assert response.status == 400, response.body
    assert b"too large" in response.body
    assert response.header("location") is None
    assert response.all("set-cookie") == []  # the pending logins are all kept


async def test_the_programmatic_login_raises_a_typed_error(provider: FakeProvider) -> None:
    auth0, cookies = await pending_logins(provider, 1)
    sink = Response()
    scope = http_scope(header(cookies), path="/login", scheme="https")
    with pytest.raises(InvalidRequestError, match="too large"):
        await auth0.start_interactive_login(scope, sink, return_to=LONG["returnTo"])
    assert "set-cookie" not in sink.headers
    discovery = [r for r in provider.requests if "openid-configuration" in str(r.url)]
    assert len(discovery) == 1  # decided before the provider was asked anything more


async def test_every_transaction_cookie_written_fits_and_larger_ones_are_refused(
    provider: FakeProvider,
) -> None:
    auth0, cookies = await pending_logins(provider, 2)
    app = auth0.middleware(not_found)
    outcomes = set()
    for length in range(2600, 3400, 25):
        query = urlencode({"returnTo": "/" + "r" * length}).encode()
        scope = http_scope(header(cookies), path="/auth/login", scheme="https", query_string=query)
        response = await call(app, scope)
        outcomes.add(response.status)
        lines = response.all("set-cookie")
        if response.status == 400:
            assert lines == []
            continue
        assert response.status == 307
        written = {n: s for n, s in set_cookie_sizes(lines).items() if s > len(n) + 1}
        assert len(written) == 1
        assert max(written.values()) <= 4096
        # A large one still makes room the old way: the other logins are evicted.
        assert set(jar(response, cookies)) == set(written)
    assert outcomes == {307, 400}
