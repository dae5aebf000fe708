"""Checked by mypy (--strict, in the typecheck session): the overloads give the types users rely on."""

from __future__ import annotations

from typing import Any

import pytest
from typing_extensions import assert_type

from auth0_async import Auth0Client, SessionData, User
from auth0_async.testing import FrozenClock

from ..conftest import SECRET, http_scope

pytestmark = pytest.mark.anyio


async def test_get_session_overloads() -> None:
    auth0 = Auth0Client(secret=SECRET, clock=FrozenClock())
    scope: dict[str, Any] = http_scope(None)
    explicit = await auth0.get_session(scope)
    assert_type(explicit, SessionData | None)
    from starlette.requests import Request

    assert_type(await auth0.get_session(Request(scope)), SessionData | None)

    async def app(scope: Any, receive: Any, send: Any) -> None:
        bound = await auth0.get_session()
        assert_type(bound, SessionData | None)
        if bound is not None:
            assert_type(bound.user, User)
            assert_type(bound.user.sub, str)
            assert_type(bound.token_set.expires_at, int)
            assert_type(bound.token_set.refresh_token, str | None)
            assert_type(bound.user.get("https://example.com/roles"), Any)
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    from ..support.asgi_driver import call

    assert (await call(auth0.middleware(app), scope)).status == 204
    assert explicit is None


async def test_async_with_gives_the_client_and_secret_values_type_check() -> None:
    from pydantic import SecretStr

    async with Auth0Client(secret=SecretStr(SECRET), client_secret=SecretStr("cs")) as auth0:
        assert_type(auth0, Auth0Client)
    async with Auth0Client(secret=[SecretStr(SECRET), "older-secret-" * 3]) as other:
        assert_type(other, Auth0Client)
