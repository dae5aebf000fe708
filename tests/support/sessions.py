"""A session cookie, a client reading it and small ASGI apps around it, for session tests.

Shared by tests/sessions/test_stateless.py, tests/service/test_kernel.py,
tests/http/test_middleware.py and tests/test_client.py.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec

from auth0_async import Auth0Client, SessionConfig, SessionData
from auth0_async._core._crypto import CookieCipher
from auth0_async.testing import FrozenClock, generate_session_cookie

from ..conftest import SECRET, http_scope

T0 = 1_800_000_000.0


WIRE: dict[str, Any] = {
    "user": {"sub": "auth0|alice", "name": "Alice", "https://example.com/tier": "gold"},
    "tokenSet": {
        "accessToken": "at",
        "refreshToken": "rt",
        "idToken": "it",
        "expiresAt": int(T0) + 3600,
    },
    "internal": {"sid": "sid-1", "createdAt": int(T0)},
    "favourite": [1, 2, 3],
}


def make(clock: FrozenClock | None = None, **session: Any) -> Auth0Client:
    return Auth0Client(
        secret=SECRET, clock=clock or FrozenClock(T0), session=SessionConfig(**session)
    )


def cookie_for(
    wire: dict[str, Any] = WIRE,
    *,
    clock: FrozenClock | None = None,
    expires_in: int = 3600,
    secret: str = SECRET,
) -> str:
    return generate_session_cookie(
        wire, secret=secret, expires_in=expires_in, clock=clock or FrozenClock(T0)
    )


def decrypt_wire(value: str) -> dict[str, Any]:
    opened = CookieCipher([SECRET]).decrypt(value)
    assert opened is not None
    result: dict[str, Any] = json.loads(opened[1])
    return result


def app_reading(auth0: Auth0Client, seen: list[SessionData | None]) -> Any:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(await auth0.get_session())
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"cache-control", b"public, max-age=60")],
            }
        )
        await send({"type": "http.response.body", "body": b"ok"})

    return auth0.middleware(app)


def app_updating(auth0: Auth0Client, change: Any) -> Any:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        session = await auth0.get_session()
        assert session is not None
        await auth0.update_session(change(session))
        again = await auth0.get_session()  # read-after-write
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send(
            {
                "type": "http.response.body",
                "body": msgspec.json.encode(again.to_dict() if again else None),
            }
        )

    return auth0.middleware(app)


class RecordingSink:
    def __init__(self) -> None:
        self.cookies: list[str] = []

    def add_header(self, name: str, value: str) -> None:
        self.cookies.append(value.split(";")[0].split("=", 1)[1])

    def set_header(self, name: str, value: str) -> None:
        pass


async def write_session(auth0: Auth0Client, session: SessionData) -> str:
    scope = http_scope(f"__session={cookie_for()}")
    assert await auth0.get_session(scope) is not None
    sink = RecordingSink()
    await auth0.update_session(scope, sink, session)
    [value] = sink.cookies
    return value
