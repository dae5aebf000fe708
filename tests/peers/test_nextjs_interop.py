"""Wire compatibility, proven against the real @auth0/nextjs-auth0 v4 code (tests/peers/oracle.mjs)."""

from __future__ import annotations

import json
import time
from typing import Any

import msgspec
import pytest

from auth0_async import Auth0Client, CookieOptions, SessionConfig
from auth0_async._core._cookies import parse_cookie_header
from auth0_async._core._crypto import CookieCipher
from auth0_async.testing import FrozenClock, MockAuth0, MockUser, generate_session_cookie

from ..conftest import SECRET, http_scope
from ..support.asgi_driver import call
from ..testing.test_mock_auth0 import login, make_app, make_client

pytestmark = [pytest.mark.anyio, pytest.mark.e2e]

T0 = 1_800_000_000


def session_wire(**extra: Any) -> dict[str, Any]:
    return {
        "user": {
            "sub": "auth0|alice",
            "name": "Alice",
            "email": "alice@example.test",
            "email_verified": True,
            "https://example.com/roles": ["admin", "ops"],
            "nested": {"a": [1, {"b": None}]},
        },
        "tokenSet": {
            "accessToken": "at-" + "x" * 800,
            "idToken": "it-" + "y" * 900,
            "refreshToken": "rt-abc",
            "expiresAt": T0 + 3600,
            "scope": "openid profile email offline_access",
            "token_type": "bearer",
        },
        "internal": {"sid": "sid-1", "createdAt": T0},
        "customClaim": {"deep": {"list": [1, 2, 3]}},
        **extra,
    }


def jar(lines: list[str]) -> str:
    """Turn Set-Cookie lines into the Cookie header a browser would send next (deletions dropped)."""
    cookies: dict[str, str] = {}
    for line in lines:
        pair = line.split(";", 1)[0]
        name, _, value = pair.partition("=")
        if "Max-Age=0" in line:
            cookies.pop(name, None)
        else:
            cookies[name] = value
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def client(clock: FrozenClock, **session: Any) -> Auth0Client:
    return Auth0Client(secret=SECRET, clock=clock, session=SessionConfig(**session))


async def test_we_read_a_cookie_nextjs_generated(nextjs_oracle: Any) -> None:
    wire = session_wire()
    value = nextjs_oracle.generate_session_cookie(wire, SECRET)
    session = await Auth0Client(secret=SECRET).get_session(http_scope(f"__session={value}"))
    assert session is not None
    got = session.to_dict()
    exp = got.pop("exp")
    assert isinstance(exp, int)
    assert got == wire


async def test_nextjs_reads_a_cookie_we_generated(nextjs_oracle: Any) -> None:
    wire = session_wire()
    value = generate_session_cookie(wire, secret=SECRET)
    decrypted = nextjs_oracle.decrypt(value, SECRET)
    assert decrypted.pop("exp") > time.time()
    assert decrypted == wire


async def test_we_read_nextjs_chunked_store_writes(nextjs_oracle: Any) -> None:
    wire = session_wire(blob="z" * 7000)
    lines = nextjs_oracle.store_set("", wire, SECRET, now=T0 + 10)
    assert any(line.startswith("__session__2=") for line in lines)
    clock = FrozenClock(T0 + 20)
    session = await client(clock).get_session(http_scope(jar(lines)))
    assert session is not None
    got = session.to_dict()
    got.pop("exp")
    assert got == wire


async def test_nextjs_reads_our_chunked_writes_and_custom_claims_survive_its_round_trip(
    nextjs_oracle: Any,
) -> None:
    clock = FrozenClock(T0 + 10)
    auth0 = client(clock)

    async def app(scope: Any, receive: Any, send: Any) -> None:
        session = await auth0.get_session()
        assert session is not None
        await auth0.update_session(
            msgspec.structs.replace(session, extra={**session.extra, "blob": "q" * 8000})
        )
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    start = generate_session_cookie(session_wire(), secret=SECRET, clock=FrozenClock(T0))
    response = await call(auth0.middleware(app), http_scope(f"__session={start}"))
    lines = response.all("set-cookie")
    assert sum(line.startswith("__session__") and "Max-Age=0" not in line for line in lines) >= 3
    theirs = nextjs_oracle.store_get(jar(lines), SECRET, now=T0 + 20)
    assert theirs is not None
    theirs.pop("exp")
    assert theirs == session_wire(blob="q" * 8000)
    # ... and what nextjs writes back from that, we read back unchanged.
    again = nextjs_oracle.store_set(jar(lines), theirs, SECRET, now=T0 + 30)
    session = await client(FrozenClock(T0 + 40)).get_session(
        http_scope(jar(lines) + "; " + jar(again))
    )
    assert session is not None
    mine = session.to_dict()
    mine.pop("exp")
    assert mine == session_wire(blob="q" * 8000)


async def test_our_set_cookie_lines_match_nextjs_for_the_same_write(nextjs_oracle: Any) -> None:
    """Same session, same clock, same options: the same cookie names, attributes and Max-Age."""
    wire = session_wire()
    options = {"rolling": True, "absolute_duration": 3600, "inactivity_duration": 1800}
    theirs = nextjs_oracle.store_set(
        "",
        wire,
        SECRET,
        now=T0 + 600,
        cookie_options={"domain": "example.test", "same_site": "strict"},
        **options,
    )
    clock = FrozenClock(T0 + 600)
    auth0 = Auth0Client(
        secret=SECRET,
        clock=clock,
        app_base_url="http://app.example.test",
        session=SessionConfig(
            absolute_duration=3600,
            inactivity_duration=1800,
            cookie=CookieOptions(domain="example.test", same_site="strict"),
        ),
    )

    async def app(scope: Any, receive: Any, send: Any) -> None:
        session = await auth0.get_session()
        assert session is not None
        await auth0.update_session(session)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    start = generate_session_cookie(wire, secret=SECRET, clock=FrozenClock(T0))
    ours = (await call(auth0.middleware(app), http_scope(f"__session={start}"))).all("set-cookie")

    def shape(line: str) -> list[str]:
        name = line.split("=", 1)[0]
        return [name, *line.split("; ")[1:]]

    their_session = next(
        line for line in theirs if line.startswith("__session=") and "Max-Age=0" not in line
    )
    our_session = next(line for line in ours if line.startswith("__session="))
    assert shape(our_session) == shape(their_session)
    assert "Max-Age=1800" in our_session
    # Both sides' JWEs decrypt on the other side to the same claims.
    ours_value = our_session.split(";")[0].split("=", 1)[1]
    theirs_value = their_session.split(";")[0].split("=", 1)[1]
    opened = CookieCipher([SECRET]).decrypt(theirs_value)
    assert opened is not None
    assert nextjs_oracle.decrypt(ours_value, SECRET, now=T0 + 600) == json.loads(opened[1])


async def test_expired_nextjs_cookie_is_none_for_both(nextjs_oracle: Any) -> None:
    value = nextjs_oracle.encrypt(session_wire(), SECRET, T0)
    assert nextjs_oracle.decrypt(value, SECRET, now=T0 + 16) is None
    assert await client(FrozenClock(T0 + 16)).get_session(http_scope(f"__session={value}")) is None
    assert (
        await client(FrozenClock(T0 + 15)).get_session(http_scope(f"__session={value}")) is not None
    )


async def test_we_read_and_migrate_a_v3_app_session(nextjs_oracle: Any) -> None:
    v3 = {
        "user": {"sub": "auth0|bob", "sid": "v3-sid", "nickname": "bob"},
        "idToken": "v3-id",
        "accessToken": "v3-at",
        "accessTokenScope": "openid",
        "accessTokenExpiresAt": T0 + 100,
        "refreshToken": "v3-rt",
    }
    value = nextjs_oracle.encrypt(
        v3, SECRET, T0 + 3600, additional_headers={"iat": T0 - 100, "uat": T0, "exp": T0 + 3600}
    )
    theirs = nextjs_oracle.store_get(f"appSession={value}", SECRET, now=T0 + 10)
    clock = FrozenClock(T0 + 10)
    auth0 = client(clock)
    session = await auth0.get_session(http_scope(f"appSession={value}"))
    assert session is not None
    assert session.token_set.access_token == "v3-at"
    assert session.token_set.expires_at == T0 + 100
    assert session.internal is not None
    assert session.internal.sid == "v3-sid"
    assert session.internal.created_at == T0 - 100
    mine = session.to_dict()
    assert {k: mine[k] for k in ("user", "tokenSet", "internal")} == {
        k: theirs[k] for k in ("user", "tokenSet", "internal")
    }

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    response = await call(auth0.middleware(app), http_scope(f"appSession={value}"))
    cookies = parse_cookie_header(jar(response.all("set-cookie")))
    assert "appSession" not in cookies
    assert "__session" in cookies
    assert response.set_cookies["appSession"].startswith("appSession=; Path=/; Max-Age=0")
    migrated = nextjs_oracle.store_get(f"__session={cookies['__session']}", SECRET, now=T0 + 20)
    assert migrated["tokenSet"]["accessToken"] == "v3-at"


# -- exact claim round trips: what nextjs writes, we write back value for value --------------

ODD_CLAIMS: dict[str, dict[str, Any]] = {
    "cognito string boolean": {"email_verified": "true", "phone_number_verified": "false"},
    "numeric sub": {"sub": 123},
    "numeric org_id": {"org_id": 123},
    "list email": {"email": ["a@example.test", "b@example.test"]},
    "explicit nulls": {"name": None, "picture": None, "email": None},
    "iso date and nested objects": {
        "updated_at": "2024-05-01T12:00:00.000Z",
        "address": {"geo": {"lat": 1.25, "tags": [None, True, {"x": []}]}},
    },
    "odd characters and big numbers": {
        "nickname": "line\u2028separator\u2029",
        "big": 2**53 - 1,
        "negative": -(2**53) + 1,
    },
}


def odd_wire(claims: dict[str, Any]) -> dict[str, Any]:
    wire = session_wire()
    wire["user"] = {**wire["user"], **claims}
    wire["tokenSet"] = {**wire["tokenSet"], "scope": None, "expiresAt": T0 + 3600.5}
    wire["internal"] = {**wire["internal"], "createdAt": T0 + 0.25}
    return wire


def canonical(value: Any) -> bytes:
    """JSON text that tells 1 from 1.0 from true (Python's == does not)."""
    return msgspec.json.encode(value, order="sorted")


def without_exp(wire: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in wire.items() if k != "exp"}


@pytest.mark.parametrize("write", ["rolling", "update_session"])
@pytest.mark.parametrize("claims", list(ODD_CLAIMS.values()), ids=list(ODD_CLAIMS))
async def test_odd_claims_nextjs_wrote_survive_our_re_issue(
    nextjs_oracle: Any, claims: dict[str, Any], write: str
) -> None:
    lines = nextjs_oracle.store_set("", odd_wire(claims), SECRET, now=T0 + 10)
    cookie = jar(lines)
    theirs = nextjs_oracle.store_get(
        cookie, SECRET, now=T0 + 20
    )  # what nextjs wrote, as it reads it
    assert theirs is not None
    clock = FrozenClock(T0 + 3600)
    auth0 = client(clock)
    session = await auth0.get_session(http_scope(cookie))
    assert session is not None  # never unreadable for its claims
    assert canonical(without_exp(session.to_dict())) == canonical(without_exp(theirs))

    async def app(scope: Any, receive: Any, send: Any) -> None:
        current = await auth0.get_session()
        assert current is not None
        if write == "update_session":
            await auth0.update_session(current)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    response = await call(auth0.middleware(app), http_scope(cookie))
    reissued = jar(response.all("set-cookie"))
    assert reissued, "the session was not re-issued"
    ours = CookieCipher([SECRET]).decrypt(parse_cookie_header(reissued)["__session"])
    assert ours is not None
    written = json.loads(ours[1])
    assert written["exp"] == T0 + 3600 + 86400
    assert canonical(without_exp(written)) == canonical(without_exp(theirs))
    # nextjs reads our re-issued cookie back to the same JSON.
    back = nextjs_oracle.store_get(reissued, SECRET, now=T0 + 3700)
    assert back is not None
    assert canonical(without_exp(back)) == canonical(without_exp(theirs))


async def test_nextjs_reads_the_providers_claim_values_we_stored_at_login(
    nextjs_oracle: Any,
) -> None:
    cognito = MockUser(
        "us-east-1:4f1c", "Cog", "cog@example.test", email_verified="true", picture=None
    )
    mock = MockAuth0(users=[cognito])
    auth0 = make_client(mock)
    cookies = await login(mock, make_app(auth0), user="us-east-1:4f1c")
    header = "; ".join(f"{k}={v}" for k, v in cookies.items())
    session = await auth0.get_session(http_scope(header))
    assert session is not None
    assert session.user.email_verified is True
    assert session.user["email_verified"] == "true"
    theirs = nextjs_oracle.store_get(header, SECRET, now=time.time())
    assert theirs is not None
    assert theirs["user"]["email_verified"] == "true"
    assert theirs["user"]["picture"] is None
    assert canonical(theirs["user"]) == canonical(session.user.to_dict())
