"""One client logging in again and again cannot log everybody else out of a MemorySessionStore.

Through the real routes: N users log in and keep using their sessions, then one
client completes 10xN logins (never sending a cookie, never coming back). Before,
the store evicted the session closest to expiry, so the flood (made later, expiring
later) pushed out every legitimate session.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from auth0_async.stores import MemorySessionStore

from ..conftest import http_scope
from ..support.asgi_driver import call
from ..support.routes import header, jar, login_with, make_client, not_found

if TYPE_CHECKING:
    from ..support.fakes import FakeProvider

pytestmark = pytest.mark.anyio


async def test_a_login_flood_leaves_the_sessions_in_use_alone(provider: FakeProvider) -> None:
    n = 8
    store = MemorySessionStore(max_entries=n + 4)
    auth0 = make_client(provider, session_store=store)
    app = auth0.middleware(not_found)

    async def signed_in(cookies: dict[str, str]) -> bool:
        response = await call(
            app, http_scope(header(cookies), path="/auth/profile", scheme="https")
        )
        return response.status == 200

    users = []
    for index in range(n):
        provider.claims = {"sub": f"auth0|user{index}", "sid": f"sid-{index}"}
        users.append(jar(await login_with(auth0, provider)))
        assert await signed_in(users[-1])
    provider.claims = {"sub": "auth0|mallory", "sid": "sid-m"}
    for attempt in range(10 * n):
        assert (await login_with(auth0, provider)).status == 307
        if attempt % n == 0:
            assert all([await signed_in(cookies) for cookies in users])
    assert all([await signed_in(cookies) for cookies in users])
    assert len(store._records) == n + 4
