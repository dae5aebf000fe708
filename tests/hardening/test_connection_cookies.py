"""nextjs-auth0's Token Vault cookies (``__FC_<n>``) never outlive the session they belong to.

nextjs-auth0 v4 (stateless) keeps connection tokens in ``__FC_0``, ``__FC_1``, …
and attaches every one it can decrypt to whatever session it reads. In a mixed
deployment, a logout through this SDK used to leave them in the browser, so the
next user to log in was handed the previous user's third-party tokens by the
Next.js app. Every logout path and every new login now deletes them, with the
attributes nextjs-auth0 uses (the session cookie's).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import msgspec
import pytest
from starlette.responses import Response

from auth0_async import CookieOptions, SessionConfig
from auth0_async.stores import MemorySessionStore

from ..conftest import SECRET, http_scope
from ..support.asgi_driver import Response as DriverResponse
from ..support.asgi_driver import call
from ..support.routes import callback, header, jar, login_with, make_client, not_found, start

if TYPE_CHECKING:
    from ..support.fakes import FakeProvider

pytestmark = pytest.mark.anyio

CONNECTION_COOKIES = {"__FC_0": "fc0", "__FC_1": "fc1", "__FC_12": "fc12", "__FC_007": "fc7"}
NOT_OURS = {"__FCcustom": "x", "__FC_x": "x", "__FC_": "x", "__FC_1a": "x", "other": "x"}
STORES = ["stateless", "stateful"]


def client(provider: FakeProvider, store: str, **options: Any) -> Any:
    if store == "stateful":
        options["session_store"] = MemorySessionStore()
    return make_client(provider, **options)


def deleted(response: DriverResponse) -> dict[str, str]:
    """name -> the whole Set-Cookie line, for deletions only."""
    return {
        line.split("=", 1)[0]: line for line in response.all("set-cookie") if "Max-Age=0" in line
    }


def with_connections(cookies: dict[str, str]) -> dict[str, str]:
    return {**cookies, **CONNECTION_COOKIES, **NOT_OURS}


async def get(app: Any, path: str, cookies: dict[str, str]) -> DriverResponse:
    return await call(app, http_scope(header(cookies), path=path, scheme="https"))


@pytest.mark.parametrize("store", STORES)
async def test_logout_deletes_every_connection_cookie(provider: FakeProvider, store: str) -> None:
    auth0 = client(
        provider, store, session=SessionConfig(cookie=CookieOptions(domain="app.example"))
    )
    signed_in = jar(await login_with(auth0, provider))
    response = await get(auth0.middleware(not_found), "/auth/logout", with_connections(signed_in))
    assert response.status == 307
    gone = deleted(response)
    assert set(CONNECTION_COOKIES) <= set(gone)
    assert not set(NOT_OURS) & set(gone)
    for name in CONNECTION_COOKIES:
        assert gone[name] == (
            f"{name}=; Path=/; Max-Age=0; Domain=app.example; Secure; HttpOnly; SameSite=lax"
        )


@pytest.mark.parametrize("store", STORES)
async def test_logout_without_a_session_still_deletes_them(
    provider: FakeProvider, store: str
) -> None:
    auth0 = client(provider, store)
    response = await get(auth0.middleware(not_found), "/auth/logout", with_connections({}))
    assert response.status == 307
    assert set(deleted(response)) == set(CONNECTION_COOKIES)


@pytest.mark.parametrize("store", STORES)
async def test_programmatic_logout_deletes_them(provider: FakeProvider, store: str) -> None:
    auth0 = client(provider, store)
    signed_in = jar(await login_with(auth0, provider))
    sink = Response()
    scope = http_scope(header(with_connections(signed_in)), path="/bye", scheme="https")
    await auth0.logout(scope, sink)
    lines = sink.headers.getlist("set-cookie")
    gone = {line.split("=", 1)[0] for line in lines if "Max-Age=0" in line}
    assert set(CONNECTION_COOKIES) <= gone


@pytest.mark.parametrize("store", STORES)
async def test_a_new_login_over_an_old_session_deletes_them(
    provider: FakeProvider, store: str
) -> None:
    auth0 = client(provider, store)
    alice = jar(await login_with(auth0, provider))
    provider.claims = {"sub": "auth0|bob", "sid": "s2"}
    txn, state = await start(auth0, provider)
    browser = {**with_connections(alice), **txn}
    done = await callback(auth0, browser, {"code": "c", "state": state})
    assert done.status == 307
    gone = deleted(done)
    assert set(CONNECTION_COOKIES) <= set(gone)
    assert not set(NOT_OURS) & set(gone)


@pytest.mark.parametrize("store", STORES)
async def test_update_session_deletes_them_only_for_another_user(
    provider: FakeProvider, store: str
) -> None:
    auth0 = client(provider, store)
    signed_in = with_connections(jar(await login_with(auth0, provider)))
    session = await auth0.get_session(http_scope(header(signed_in), scheme="https"))
    assert session is not None

    async def update(new: Any) -> set[str]:
        sink = Response()
        scope = http_scope(header(signed_in), scheme="https")
        await auth0.update_session(scope, sink, new)
        return {line.split("=", 1)[0] for line in sink.headers.getlist("set-cookie")}

    same_user = msgspec.structs.replace(session, token_set=session.token_set)
    assert not set(CONNECTION_COOKIES) & await update(same_user)
    other = msgspec.structs.replace(
        session, user=msgspec.structs.replace(session.user, sub="auth0|mallory")
    )
    assert set(CONNECTION_COOKIES) <= await update(other)


async def test_reading_and_rolling_a_session_keeps_them(provider: FakeProvider) -> None:
    auth0 = client(provider, "stateless")
    signed_in = with_connections(jar(await login_with(auth0, provider)))
    for path in ("/auth/profile", "/auth/access-token", "/page"):
        response = await get(auth0.middleware(not_found), path, signed_in)
        assert not set(CONNECTION_COOKIES) & set(deleted(response)), path


# -- against the real nextjs-auth0 (tests/peers) ----------------------------------------------

CONNECTION = {
    "connection": "google-oauth2",
    "accessToken": "alice-google-token",
    "scope": "https://www.googleapis.com/auth/calendar",
}


def apply(cookies: dict[str, str], lines: list[str]) -> dict[str, str]:
    """What a browser holds after a response with these Set-Cookie lines."""
    cookies = dict(cookies)
    for line in lines:
        name, _, rest = line.split(";", 1)[0].partition("=")
        if "Max-Age=0" in line:
            cookies.pop(name, None)
        else:
            cookies[name] = rest
    return cookies


def alice_with_a_vault_token(nextjs_oracle: Any, signed_in: dict[str, str]) -> dict[str, str]:
    """Alice's browser after the Next.js app cached a Token Vault token in her session."""
    session = nextjs_oracle.store_get(header(signed_in), SECRET)
    assert session is not None
    assert session["user"]["sub"] == "auth0|1"
    connection = {**CONNECTION, "expiresAt": int(time.time()) + 3600}
    session["connectionTokenSets"] = [connection, {**connection, "connection": "github"}]
    browser = apply(signed_in, nextjs_oracle.store_set(header(signed_in), session, SECRET))
    assert {"__FC_0", "__FC_1"} <= set(browser)
    assert len(nextjs_oracle.store_get(header(browser), SECRET)["connectionTokenSets"]) == 2
    return browser


async def bob_logs_in(
    auth0: Any, provider: FakeProvider, browser: dict[str, str]
) -> dict[str, str]:
    provider.claims = {"sub": "auth0|bob", "sid": "s2", "name": "Bob"}
    txn, state = await start(auth0, provider)
    browser = {**browser, **txn}
    done = await callback(auth0, browser, {"code": "c", "state": state})
    assert done.status == 307
    return apply(browser, done.all("set-cookie"))


@pytest.mark.e2e
async def test_nextjs_hands_bob_no_token_of_alice_after_our_logout(
    nextjs_oracle: Any, provider: FakeProvider
) -> None:
    auth0 = client(provider, "stateless")  # (the cookies nextjs-auth0 shares are stateless ones)
    browser = alice_with_a_vault_token(nextjs_oracle, jar(await login_with(auth0, provider)))
    logout = await get(auth0.middleware(not_found), "/auth/logout", browser)
    assert logout.status == 307
    browser = apply(browser, logout.all("set-cookie"))
    assert not [n for n in browser if n.startswith("__FC")]
    browser = await bob_logs_in(auth0, provider, browser)
    seen = nextjs_oracle.store_get(header(browser), SECRET)
    assert seen is not None
    assert seen["user"]["sub"] == "auth0|bob"
    assert "connectionTokenSets" not in seen


@pytest.mark.e2e
async def test_nextjs_hands_bob_no_token_of_alice_when_he_logs_in_over_her_session(
    nextjs_oracle: Any, provider: FakeProvider
) -> None:
    auth0 = client(provider, "stateless")
    browser = alice_with_a_vault_token(nextjs_oracle, jar(await login_with(auth0, provider)))
    browser = await bob_logs_in(auth0, provider, browser)
    seen = nextjs_oracle.store_get(header(browser), SECRET)
    assert seen is not None
    assert seen["user"]["sub"] == "auth0|bob"
    assert "connectionTokenSets" not in seen


@pytest.mark.e2e
async def test_our_deletion_matches_nextjs_own(nextjs_oracle: Any, provider: FakeProvider) -> None:
    cookie = CookieOptions(domain="app.example", same_site="strict", path="/app")
    auth0 = client(provider, "stateless", session=SessionConfig(cookie=cookie))
    browser = {"__session": "x", "__FC_0": "y"}
    ours = deleted(await get(auth0.middleware(not_found), "/auth/logout", browser))["__FC_0"]
    theirs = nextjs_oracle.store_delete(
        header(browser),
        SECRET,
        cookie_options={
            "domain": "app.example",
            "same_site": "strict",
            "path": "/app",
            "secure": True,
        },
    )
    line = next(line for line in theirs if line.startswith("__FC_0="))

    def attributes(line: str) -> set[str]:
        return {part.strip().lower() for part in line.split(";")}

    assert attributes(ours) == attributes(line)
