"""get_access_token and /auth/access-token with a fake provider (httpx.MockTransport)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

import anyio
import httpx
import msgspec
import pytest
from joserfc import jwt

from auth0_async import AccessToken, AccessTokenError, Auth0Client, SessionData
from auth0_async._core._access_tokens import merge_scopes
from auth0_async._core._crypto import CookieCipher
from auth0_async._core._models import decode_session, session_from_wire
from auth0_async.stores import MemorySessionStore
from auth0_async.testing import FrozenClock, generate_session_cookie

from ..conftest import SECRET, http_scope
from ..support.asgi_driver import call
from ..support.fakes import APP, ISSUER, RSA, FakeProvider
from ..support.routes import make_client, not_found

pytestmark = pytest.mark.anyio

T0 = 1_800_000_000


def session_cookie(*, expires_at: int, refresh_token: str | None = "rt-1", **extra: Any) -> str:
    token_set: dict[str, Any] = {
        "accessToken": "at-old",
        "expiresAt": expires_at,
        "idToken": "id-old",
        "scope": "openid profile",
    }
    if refresh_token:
        token_set["refreshToken"] = refresh_token
    wire = {
        "user": {"sub": "auth0|1", "name": "One", "plan": "gold"},
        "tokenSet": token_set,
        "internal": {"sid": "s1", "createdAt": T0},
        **extra,
    }
    return generate_session_cookie(wire, secret=SECRET, clock=FrozenClock(T0))


def refresh_requests(provider: FakeProvider) -> list[dict[str, str]]:
    return [
        {k: v[0] for k, v in parse_qs(r.content.decode()).items()}
        for r in provider.requests
        if r.url.path == "/oauth/token" and b"grant_type=refresh_token" in r.content
    ]


def client(provider: FakeProvider, clock: FrozenClock | None = None, **options: Any) -> Auth0Client:
    return make_client(provider, clock=clock or FrozenClock(T0 + 10), **options)


def rotating(provider: FakeProvider) -> None:
    """Answer refresh grants with a new access token and a rotated refresh token each time."""
    count = {"n": 0}

    def body(form: dict[str, str]) -> bytes:
        count["n"] += 1
        return msgspec.json.encode(
            {
                "access_token": f"at-new-{count['n']}",
                "token_type": "Bearer",
                "expires_in": 3600,
                "refresh_token": f"rt-{count['n'] + 1}",
                "scope": form.get("scope", "openid profile"),
            }
        )

    provider.token_body = body


async def token_via(
    auth0: Auth0Client, cookie: str, **kwargs: Any
) -> tuple[AccessToken | AccessTokenError, list[str], SessionData | None]:
    """Call get_access_token inside the middleware; return the token (or error), Set-Cookie lines, session after."""
    out: dict[str, Any] = {}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        try:
            out["token"] = await auth0.get_access_token(**kwargs)
        except AccessTokenError as exc:
            out["token"] = exc
        out["session"] = await auth0.get_session()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    response = await call(auth0.middleware(app), http_scope(f"__session={cookie}", scheme="https"))
    return out["token"], response.all("set-cookie"), out["session"]


async def test_a_valid_token_is_served_without_a_network_call(provider: FakeProvider) -> None:
    auth0 = client(provider)
    token, cookies, _ = await token_via(auth0, session_cookie(expires_at=T0 + 3600))
    assert isinstance(token, AccessToken)
    assert token.token == "at-old"
    assert token.expires_at == T0 + 3600
    assert provider.requests == []
    assert cookies == [] or all(
        not c.startswith("__session=ey") for c in cookies if "Max-Age=0" in c
    )


async def test_an_expired_token_is_refreshed_and_the_rotation_persisted(
    provider: FakeProvider,
) -> None:
    rotating(provider)
    auth0 = client(provider)
    token, cookies, session = await token_via(auth0, session_cookie(expires_at=T0))
    assert isinstance(token, AccessToken)
    assert token.token == "at-new-1"
    assert token.expires_at == T0 + 10 + 3600
    (form,) = refresh_requests(provider)
    assert form == {
        "grant_type": "refresh_token",
        "refresh_token": "rt-1",
        "client_id": "cid",
        "client_secret": "csecret",
    }
    assert session is not None  # read-after-write in the same request
    assert session.token_set.access_token == "at-new-1"
    assert session.token_set.refresh_token == "rt-2"
    assert session.token_set.id_token == "id-old"  # kept when the provider sends none
    assert session.user["plan"] == "gold"
    assert any(line.startswith("__session=ey") for line in cookies)


async def test_refresh_true_forces_a_grant(provider: FakeProvider) -> None:
    rotating(provider)
    token, _, _ = await token_via(
        client(provider), session_cookie(expires_at=T0 + 3600), refresh=True
    )
    assert isinstance(token, AccessToken)
    assert token.token == "at-new-1"


async def test_token_refresh_buffer(provider: FakeProvider) -> None:
    rotating(provider)
    auth0 = client(provider, token_refresh_buffer=120)
    inside, _, _ = await token_via(auth0, session_cookie(expires_at=T0 + 10 + 100))
    assert isinstance(inside, AccessToken)
    assert inside.token == "at-new-1"
    outside, _, _ = await token_via(auth0, session_cookie(expires_at=T0 + 10 + 200))
    assert isinstance(outside, AccessToken)
    assert outside.token == "at-old"
    for bad in (-1, float("inf"), float("nan")):
        from auth0_async import ConfigurationError

        with pytest.raises(ConfigurationError):
            client(provider, token_refresh_buffer=bad)


async def test_without_a_refresh_token(provider: FakeProvider) -> None:
    auth0 = client(provider)
    expired, _, _ = await token_via(auth0, session_cookie(expires_at=T0, refresh_token=None))
    assert isinstance(expired, AccessTokenError)
    assert expired.code == "missing_refresh_token"
    near, _, _ = await token_via(
        client(provider, token_refresh_buffer=600),
        session_cookie(expires_at=T0 + 100, refresh_token=None),
    )
    assert isinstance(near, AccessToken)
    assert near.token == "at-old"


async def test_without_a_session(provider: FakeProvider) -> None:
    auth0 = client(provider)

    async def app(scope: Any, receive: Any, send: Any) -> None:
        with pytest.raises(AccessTokenError) as info:
            await auth0.get_access_token()
        assert info.value.code == "missing_session"
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    assert (await call(auth0.middleware(app), http_scope(None))).status == 204


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (
            400,
            b'{"error":"invalid_grant","error_description":"grant request is invalid"}',
            "invalid_grant",
        ),
        (500, b"oops", None),
        (200, b"{not json", None),
        (200, b'{"token_type":"Bearer"}', None),
    ],
)
async def test_failed_refresh_is_typed_and_keeps_the_session(
    provider: FakeProvider, status: int, body: bytes, error: str | None
) -> None:
    provider.token_status = status
    provider.token_body = lambda _: body
    token, cookies, session = await token_via(client(provider), session_cookie(expires_at=T0))
    assert isinstance(token, AccessTokenError)
    assert token.code == "failed_to_refresh_token"
    if error:
        assert token.cause is not None
        assert token.cause.error == error
    assert session is not None
    assert session.token_set.refresh_token == "rt-1"
    assert not any(
        line.startswith("__session") and "Max-Age=0" in line for line in cookies
    )  # not deleted


@pytest.mark.parametrize("fault", [httpx.ConnectError("down"), httpx.ReadTimeout("slow")])
async def test_provider_down_or_slow(provider: FakeProvider, fault: Exception) -> None:
    provider.token_error = fault
    token, cookies, session = await token_via(client(provider), session_cookie(expires_at=T0))
    assert isinstance(token, AccessTokenError)
    assert token.code == "failed_to_refresh_token"
    assert session is not None
    assert not any(line.startswith("__session") and "Max-Age=0" in line for line in cookies)


async def test_concurrent_requests_share_one_grant(provider: FakeProvider) -> None:
    rotating(provider)
    auth0 = client(provider)
    cookie = session_cookie(expires_at=T0)
    results: list[Any] = []

    async def one() -> None:
        results.append(await token_via(auth0, cookie))

    async with anyio.create_task_group() as tg:
        for _ in range(20):
            tg.start_soon(one)
    assert len(refresh_requests(provider)) == 1
    assert {r[0].token for r in results} == {"at-new-1"}
    # a request that still carries the old cookie right after the flight gets the same tokens
    late, _, _ = await token_via(auth0, cookie)
    assert isinstance(late, AccessToken)
    assert late.token == "at-new-1"
    assert len(refresh_requests(provider)) == 1


async def test_a_cancelled_first_caller_does_not_lose_the_rotation(provider: FakeProvider) -> None:
    rotating(provider)
    gate = anyio.Event()
    inner = provider.handler

    async def slow_handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            await gate.wait()
        return inner(request)

    http = httpx.AsyncClient(transport=httpx.MockTransport(slow_handler))
    auth0 = Auth0Client(
        domain="tenant.example.com",
        client_id="cid",
        client_secret="csecret",
        secret=SECRET,
        app_base_url=APP,
        http_client=http,
        clock=FrozenClock(T0 + 10),
    )
    cookie = session_cookie(expires_at=T0)
    async with anyio.create_task_group() as tg:
        tg.start_soon(token_via, auth0, cookie)
        await anyio.wait_all_tasks_blocked()
        tg.cancel_scope.cancel()  # the client went away mid-refresh
        gate.set()
    await anyio.sleep(0.05)
    token, _cookies, session = await token_via(auth0, cookie)
    assert isinstance(token, AccessToken)
    assert token.token == "at-new-1"
    assert session is not None
    assert session.token_set.refresh_token == "rt-2"
    assert len(refresh_requests(provider)) == 1


async def test_other_audiences_are_cached_separately(provider: FakeProvider) -> None:
    rotating(provider)
    auth0 = client(provider)
    first, cookies, session = await token_via(
        auth0, session_cookie(expires_at=T0 + 3600), audience="https://api.two", scope="read:two"
    )
    assert isinstance(first, AccessToken)
    assert first.audience == "https://api.two"
    (form,) = refresh_requests(provider)
    assert form["audience"] == "https://api.two"
    assert form["scope"] == "openid profile email offline_access read:two"
    assert session is not None
    assert session.access_tokens is not None
    assert session.token_set.access_token == "at-old"  # the main token set is untouched
    entry = session.access_tokens[0]
    assert (entry.audience, entry.access_token, entry.requested_scope) == (
        "https://api.two",
        "at-new-1",
        form["scope"],
    )
    assert session.token_set.refresh_token == "rt-2"  # rotation lands on the main set
    new_cookie = jar_value(cookies)
    again, _, _ = await token_via(auth0, new_cookie, audience="https://api.two", scope="read:two")
    assert isinstance(again, AccessToken)
    assert again.token == "at-new-1"
    assert len(refresh_requests(provider)) == 1
    main, _, _ = await token_via(auth0, new_cookie)
    assert isinstance(main, AccessToken)
    assert main.token == "at-old"


def jar_value(lines: list[str]) -> str:
    return next(
        line.split(";", 1)[0].split("=", 1)[1] for line in lines if line.startswith("__session=ey")
    )


async def test_before_session_saved_runs_after_a_refresh(provider: FakeProvider) -> None:
    rotating(provider)
    seen: list[str | None] = []

    def hook(session: SessionData, id_token: str | None) -> SessionData:
        seen.append(session.token_set.access_token)
        return msgspec.structs.replace(session, extra={"refreshed": True})

    _, _, session = await token_via(
        client(provider, before_session_saved=hook), session_cookie(expires_at=T0)
    )
    assert seen == ["at-new-1"]
    assert session is not None
    assert session.extra == {"refreshed": True}


async def test_access_token_route(provider: FakeProvider) -> None:
    rotating(provider)
    auth0 = client(provider)
    app = auth0.middleware(not_found)
    ok = await call(
        app,
        http_scope(
            f"__session={session_cookie(expires_at=T0)}", path="/auth/access-token", scheme="https"
        ),
    )
    assert ok.status == 200
    assert json.loads(ok.body) == {
        "token": "at-new-1",
        "scope": "openid profile",
        "expires_at": T0 + 10 + 3600,
        "expires_in": 3600,
        "token_type": "Bearer",
    }
    assert (
        ok.header(
            "cache-control",
        )
        == "private, no-cache, no-store, must-revalidate, max-age=0"
    )
    assert any(line.startswith("__session=ey") for line in ok.all("set-cookie"))
    anonymous = await call(app, http_scope(None, path="/auth/access-token"))
    assert anonymous.status == 401
    assert json.loads(anonymous.body) == {
        "error": {"message": "The user does not have an active session.", "code": "missing_session"}
    }
    off = await call(
        client(provider, enable_access_token_endpoint=False).middleware(not_found),
        http_scope(None, path="/auth/access-token"),
    )
    assert off.status == 404


async def test_explicit_form_writes_onto_the_response(provider: FakeProvider) -> None:
    from starlette.requests import Request
    from starlette.responses import JSONResponse

    rotating(provider)
    auth0 = client(provider)
    request = Request(http_scope(f"__session={session_cookie(expires_at=T0)}", scheme="https"))
    response = JSONResponse({})
    token = await auth0.get_access_token(request, response)
    assert token.token == "at-new-1"
    assert any(line.startswith("__session=ey") for line in response.headers.getlist("set-cookie"))
    session = await auth0.get_session(
        http_scope(f"__session={jar_value(response.headers.getlist('set-cookie'))}", scheme="https")
    )
    assert session is not None
    assert session.token_set.refresh_token == "rt-2"


def test_merge_scopes() -> None:
    assert (
        merge_scopes("openid profile", "profile read:a", None, "read:a write:b")
        == "openid profile read:a write:b"
    )
    assert merge_scopes() == ""


def test_access_token_repr_hides_the_token() -> None:
    assert "secret-token" not in repr(AccessToken(token="secret-token", expires_at=1))


# --- the refreshed ID token must name the session's user (OIDC Core 12.2) ------------------


def signed_id_token(**claims: Any) -> str:
    """An ID token the fake provider would issue, valid at the tests' clock."""
    base = {
        "iss": ISSUER,
        "aud": "cid",
        "sub": "auth0|1",
        "sid": "s1",
        "iat": T0,
        "exp": T0 + 600,
        "name": "One",
    }
    base.update(claims)
    return jwt.encode({"alg": "RS256", "kid": "k1"}, base, RSA, algorithms=["RS256"])


def refresh_with_id_token(provider: FakeProvider, **claims: Any) -> None:
    """Answer refresh grants with new tokens and an ID token carrying ``claims``."""

    def body(_form: dict[str, str]) -> bytes:
        return msgspec.json.encode(
            {
                "access_token": "at-new",
                "token_type": "Bearer",
                "expires_in": 3600,
                "refresh_token": "rt-2",
                "scope": "openid profile",
                "id_token": signed_id_token(**claims),
            }
        )

    provider.token_body = body


def assert_untouched(
    token: AccessToken | AccessTokenError, cookies: list[str], session: SessionData | None
) -> AccessTokenError:
    assert isinstance(token, AccessTokenError)
    assert token.code == "failed_to_refresh_token"
    # Nothing of the refresh was written: the only cookie is the middleware's rolling
    # re-issue of the very same session (and nothing was deleted).
    sessions = [session]
    for line in cookies:
        assert line.startswith("__session=ey"), line
        opened = CookieCipher([SECRET]).decrypt(line.split(";", 1)[0].split("=", 1)[1])
        assert opened is not None
        sessions.append(decode_session(opened[1]))
    for seen in sessions:
        assert seen is not None
        assert seen.user.sub == "auth0|1"
        assert seen.user.get("name") == "One"
        assert seen.token_set.access_token == "at-old"
        assert seen.token_set.refresh_token == "rt-1"
    return token


async def test_a_refreshed_id_token_for_the_same_user_is_merged(provider: FakeProvider) -> None:
    refresh_with_id_token(provider, name="One Renamed")
    token, cookies, session = await token_via(client(provider), session_cookie(expires_at=T0))
    assert isinstance(token, AccessToken)
    assert token.token == "at-new"
    assert any(line.startswith("__session=ey") for line in cookies)
    assert session is not None
    assert session.user.sub == "auth0|1"
    assert session.user.get("name") == "One Renamed"


async def test_a_refreshed_id_token_for_another_sub_is_refused(provider: FakeProvider) -> None:
    refresh_with_id_token(provider, sub="auth0|2", name="Two")
    token, cookies, session = await token_via(client(provider), session_cookie(expires_at=T0))
    error = assert_untouched(token, cookies, session)
    assert "another user" in error.message
    assert len(refresh_requests(provider)) == 1


async def test_the_sub_is_compared_with_the_stored_id_token(provider: FakeProvider) -> None:
    # The session's ID token (verified at login) is the reference, not a hook-shaped user.
    refresh_with_id_token(provider, sub="auth0|1")
    cookie = session_cookie(expires_at=T0)
    wire = {
        "user": {"sub": "auth0|1", "name": "One"},
        "tokenSet": {
            "accessToken": "at-old",
            "expiresAt": T0,
            "idToken": signed_id_token(sub="auth0|0"),
            "refreshToken": "rt-1",
        },
        "internal": {"sid": "s1", "createdAt": T0},
    }
    cookie = generate_session_cookie(wire, secret=SECRET, clock=FrozenClock(T0))
    token, cookies, session = await token_via(client(provider), cookie)
    assert_untouched(token, cookies, session)


async def test_a_refreshed_id_token_from_another_issuer_is_refused(provider: FakeProvider) -> None:
    # The session was issued by another issuer (a changed domain, say): the refreshed ID
    # token is valid for today's issuer, but it is not the original's.
    refresh_with_id_token(provider)
    wire = {
        "user": {"sub": "auth0|1", "name": "One"},
        "tokenSet": {
            "accessToken": "at-old",
            "expiresAt": T0,
            "idToken": signed_id_token(iss="https://old-tenant.example.com/"),
            "refreshToken": "rt-1",
        },
        "internal": {"sid": "s1", "createdAt": T0},
    }
    cookie = generate_session_cookie(wire, secret=SECRET, clock=FrozenClock(T0))
    token, cookies, session = await token_via(client(provider), cookie)
    error = assert_untouched(token, cookies, session)
    assert "another issuer" in error.message
    # The same session with an ID token from today's issuer refreshes fine.
    wire["tokenSet"]["idToken"] = signed_id_token()  # type: ignore[index]
    cookie = generate_session_cookie(wire, secret=SECRET, clock=FrozenClock(T0))
    token, _, _ = await token_via(client(provider), cookie)
    assert isinstance(token, AccessToken)


# --- the upstream session_expiry ceiling -------------------------------------------------------


def ceiling_wire(ceiling: int) -> dict[str, Any]:
    return {
        "user": {"sub": "auth0|1"},
        "tokenSet": {"accessToken": "at-old", "expiresAt": T0 + 3600, "refreshToken": "rt-1"},
        "internal": {"sid": "s1", "createdAt": T0, "sessionExpiresAt": ceiling},
    }


async def test_a_session_past_its_ceiling_is_session_expired(provider: FakeProvider) -> None:
    cookie = generate_session_cookie(ceiling_wire(T0 + 40), secret=SECRET, clock=FrozenClock(T0))
    # T0 + 10 is inside the 30 s leeway before the ceiling: the session has ended.
    token, _, session = await token_via(client(provider), cookie)
    assert isinstance(token, AccessTokenError)
    assert token.code == "session_expired"
    assert session is None
    assert provider.requests == []
    # Before the ceiling the same cookie serves its token; without a cookie it is missing_session.
    live = generate_session_cookie(ceiling_wire(T0 + 41), secret=SECRET, clock=FrozenClock(T0))
    token, _, _ = await token_via(client(provider), live)
    assert isinstance(token, AccessToken)
    auth0 = client(provider)
    route = await call(
        auth0.middleware(not_found),
        http_scope(f"__session={cookie}", path="/auth/access-token", scheme="https"),
    )
    assert route.status == 401
    assert json.loads(route.body)["error"]["code"] == "session_expired"
    # As nextjs-auth0, the route also deletes the ended session's cookie.
    assert any(
        line.startswith("__session=;") and "Max-Age=0" in line for line in route.all("set-cookie")
    )
    anonymous = await call(auth0.middleware(not_found), http_scope(None, path="/auth/access-token"))
    assert json.loads(anonymous.body)["error"]["code"] == "missing_session"


async def test_a_stored_session_past_its_ceiling_is_session_expired(
    provider: FakeProvider,
) -> None:
    store = MemorySessionStore(clock=FrozenClock(T0))
    session = session_from_wire(ceiling_wire(T0 + 40))
    await store.set("id-1", session, expires_at=T0 + 3600)
    id_cookie = CookieCipher([SECRET]).encrypt(
        msgspec.json.encode({"id": "id-1", "exp": T0 + 3600})
    )
    auth0 = client(provider, session_store=store)
    token, _, after = await token_via(auth0, id_cookie)
    assert isinstance(token, AccessTokenError)
    assert token.code == "session_expired"
    assert after is None
    route = await call(
        auth0.middleware(not_found),
        http_scope(f"__session={id_cookie}", path="/auth/access-token", scheme="https"),
    )
    assert json.loads(route.body)["error"]["code"] == "session_expired"
    assert await store.get("id-1") is None  # the ended record is deleted too
