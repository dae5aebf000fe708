"""End to end against the real, certified oidc-provider on 127.0.0.1: login, callback, profile, logout.

The app runs under uvicorn on loopback; an httpx.Client with one cookie jar plays the browser,
filling the provider's own login and consent pages.
"""

from __future__ import annotations

import base64
import json
import secrets
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from auth0_async import RouteResponse, SessionData
from auth0_async._core._crypto import CookieCipher

from ..conftest import SECRET
from ..peers.peers import confirm_op_logout, drive_login
from .harness import CLIENT_SECRET, Peers, browser, login, running_peers, session_of

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def peers() -> Iterator[Peers]:
    with running_peers() as running:
        yield running


def test_login_profile_and_logout_with_client_secret_post(peers: Peers) -> None:
    peers.client("app-post")
    with browser() as b:
        start = b.get(f"{peers.app_url}/auth/login?returnTo=/dashboard")
        query = parse_qs(urlsplit(start.headers["location"]).query)
        assert query["code_challenge_method"] == ["S256"]
        assert query["scope"] == ["openid profile email offline_access"]
        assert query["response_type"] == ["code"]
        assert query["redirect_uri"] == [f"{peers.app_url}/auth/callback"]
        state = query["state"][0]
        txn_line = start.headers["set-cookie"]
        assert txn_line.startswith(f"__txn_{state}=")
        assert "HttpOnly" in txn_line
        assert "Max-Age=3600" in txn_line

        callback = b.get(drive_login(start.headers["location"], client=b))
        assert callback.status_code == 307
        assert callback.headers["location"] == f"{peers.app_url}/dashboard"
        lines = callback.headers.get_list("set-cookie")
        assert any(line.startswith("__session=ey") for line in lines)
        assert any(line.startswith(f"__txn_{state}=;") and "Max-Age=0" in line for line in lines)
        assert callback.headers["cache-control"].startswith("private, no-cache, no-store")

        profile = b.get(f"{peers.app_url}/auth/profile")
        assert profile.status_code == 200
        user = profile.json()
        assert user["sub"] == "alice"
        assert user["email"] == "alice@example.test"
        assert set(user) <= {
            "sub",
            "name",
            "nickname",
            "picture",
            "email",
            "email_verified",
        }  # default filter
        assert b.get(f"{peers.app_url}/dashboard").json() == {"path": "/dashboard", "sub": "alice"}

        session = session_of(b, peers)
        token_set = session["tokenSet"]
        assert token_set["refreshToken"]
        assert token_set["idToken"]
        assert token_set["accessToken"]
        assert token_set["requestedScope"] == "openid profile email offline_access"
        assert session["internal"]["sid"]

        logout = b.get(f"{peers.app_url}/auth/logout")
        assert logout.status_code == 307
        target = urlsplit(logout.headers["location"])
        params = parse_qs(target.query)
        assert logout.headers["location"].startswith(f"{peers.op.issuer}/session/end")
        assert params["id_token_hint"] == [token_set["idToken"]]
        assert params["logout_hint"] == [session["internal"]["sid"]]
        assert params["post_logout_redirect_uri"] == [peers.app_url]
        assert params["client_id"] == ["app-post"]
        assert any(line.startswith("__session=;") for line in logout.headers.get_list("set-cookie"))
        assert b.get(f"{peers.app_url}/auth/profile").status_code == 401
        back = confirm_op_logout(logout.headers["location"], b)
        assert back.startswith(peers.app_url)

    # the refresh token was revoked at logout
    revoked = httpx.post(
        f"{peers.op.issuer}/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": token_set["refreshToken"],
            "client_id": "app-post",
            "client_secret": CLIENT_SECRET,
        },
    )
    assert revoked.status_code == 400
    assert revoked.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("client_id", ["app-basic", "app-jwt"])
def test_other_client_authentication_methods(peers: Peers, client_id: str) -> None:
    peers.client(client_id)
    before = (
        peers.op.grants()["by_client"]
        .get(client_id, {})
        .get("authorization_code", {"success": 0})["success"]
    )
    with browser() as b:
        assert login(peers, b, login_as="bob").status_code == 307
        assert b.get(f"{peers.app_url}/auth/profile").json()["sub"] == "bob"
    after = peers.op.grants()["by_client"][client_id]["authorization_code"]["success"]
    assert after == before + 1


def test_pushed_authorization_requests(peers: Peers) -> None:
    peers.client(
        "app-post",
        pushed_authorization_requests=True,
        authorization_parameters={"ui_locales": "en"},
    )
    with browser() as b:
        start = b.get(f"{peers.app_url}/auth/login")
        params = parse_qs(urlsplit(start.headers["location"]).query)
        assert set(params) == {"client_id", "request_uri"}
        assert params["request_uri"][0].startswith("urn:ietf:params:oauth:request_uri:")
        callback = b.get(drive_login(start.headers["location"], client=b))
        assert callback.status_code == 307
        assert b.get(f"{peers.app_url}/auth/profile").status_code == 200


def test_key_rotation_at_the_provider(peers: Peers) -> None:
    peers.client("app-post")
    with browser() as b:
        assert login(peers, b).status_code == 307  # JWKS now cached
        rotated = peers.op.rotate_keys()
        assert login(peers, b).status_code == 307  # new kid -> one refetch -> verified
        id_token = session_of(b, peers)["tokenSet"]["idToken"]
        header = json.loads(base64.urlsafe_b64decode(id_token.split(".")[0] + "=="))
        assert header["kid"] in rotated["kids"]


def test_return_to_off_origin_is_ignored(peers: Peers) -> None:
    peers.client("app-post")
    with browser() as b:
        for evil in (
            "https://evil.example/",
            "//evil.example",
            "/\\evil.example",
            "javascript:alert(1)",
        ):
            answer = login(peers, b, query=f"?returnTo={httpx.QueryParams({'x': evil})['x']}")
            assert answer.headers["location"] == f"{peers.app_url}/", evil


def test_logout_return_to_is_validated(peers: Peers) -> None:
    peers.client("app-post")
    with browser() as b:
        login(peers, b)
        evil = b.get(f"{peers.app_url}/auth/logout", params={"returnTo": "https://evil.example/x"})
        assert parse_qs(urlsplit(evil.headers["location"]).query)["post_logout_redirect_uri"] == [
            f"{peers.app_url}/"
        ]
        login(peers, b)
        ok = b.get(f"{peers.app_url}/auth/logout", params={"returnTo": "/dashboard"})
        assert parse_qs(urlsplit(ok.headers["location"]).query)["post_logout_redirect_uri"] == [
            f"{peers.app_url}/dashboard"
        ]


def test_logout_v2_strategy_and_transactions_are_cleared(peers: Peers) -> None:
    peers.client("app-post", logout_strategy="v2")
    with browser() as b:
        b.get(f"{peers.app_url}/auth/login")
        b.get(f"{peers.app_url}/auth/login")
        assert sum(name.startswith("__txn_") for name in b.cookies) == 2
        out = b.get(f"{peers.app_url}/auth/logout", params={"federated": ""})
        location = urlsplit(out.headers["location"])
        assert location.path == "/v2/logout"
        assert parse_qs(location.query, keep_blank_values=True) == {
            "returnTo": [peers.app_url],
            "client_id": ["app-post"],
            "federated": [""],
        }
        assert not any(name.startswith("__txn_") for name in b.cookies)


def test_callback_failures_answer_cleanly_without_a_session(peers: Peers) -> None:
    peers.client("app-post")
    with browser() as b:
        missing = b.get(f"{peers.app_url}/auth/callback?code=x")
        assert (missing.status_code, missing.text) == (400, "The state parameter is missing.")
        unknown = b.get(f"{peers.app_url}/auth/callback?code=x&state=nope")
        assert (unknown.status_code, unknown.text) == (400, "The state parameter is invalid.")

        start = b.get(f"{peers.app_url}/auth/login")
        denied = drive_login(start.headers["location"], client=b, consent=False)
        answer = b.get(denied)
        assert answer.status_code == 400
        assert "access_denied" in answer.text
        assert "__session" not in b.cookies

        # a replayed authorization code: the transaction is gone after first use
        start = b.get(f"{peers.app_url}/auth/login")
        callback_url = drive_login(start.headers["location"], client=b)
        assert b.get(callback_url).status_code == 307
        b.cookies.delete("__session")
        replay = b.get(callback_url)
        assert replay.status_code == 400
        assert "__session" not in b.cookies
        assert "Traceback" not in replay.text


def test_on_callback_and_before_session_saved_hooks(peers: Peers) -> None:
    seen: list[Any] = []

    async def before_session_saved(session: SessionData, id_token: str | None) -> SessionData:
        import msgspec

        seen.append(("saved", sorted(session.user.to_dict()), bool(id_token)))
        forged = (
            msgspec.structs.replace(session.internal, sid="forged") if session.internal else None
        )
        return msgspec.structs.replace(session, extra={"plan": "pro"}, internal=forged)

    def on_callback(error: Any, context: Any, session: SessionData | None) -> RouteResponse | None:
        seen.append(("callback", error, context.return_to))
        return RouteResponse.redirect(f"{peers.app_url}/welcome") if error is None else None

    peers.client("app-post", before_session_saved=before_session_saved, on_callback=on_callback)
    with browser() as b:
        answer = login(peers, b, query="?returnTo=/dashboard")
        assert answer.headers["location"] == f"{peers.app_url}/welcome"
        session = session_of(b, peers)
        assert session["plan"] == "pro"
        assert session["internal"]["sid"] != "forged"
        assert "iss" in session["user"]  # the hook sees (and may keep) every claim
    assert seen[0][0] == "saved"
    assert "nonce" in seen[0][1]
    assert seen[0][2] is True
    assert seen[1] == ("callback", None, "/dashboard")


def test_backchannel_logout_token_is_verified_then_refused_without_a_store(peers: Peers) -> None:
    peers.client("app-post")
    with browser() as b:
        login(peers, b)
        session = session_of(b, peers)
    # the provider posts a real logout token; a stateless app validates it, then answers 501
    from ..peers.peers import PeerError

    with pytest.raises(PeerError, match="501"):
        peers.op.backchannel_logout("app-post", sub="alice", sid=session["internal"]["sid"])
    forged = httpx.post(
        f"{peers.app_url}/auth/backchannel-logout", data={"logout_token": "e30.e30.sig"}
    )
    assert forged.status_code == 400
    missing = httpx.post(
        f"{peers.app_url}/auth/backchannel-logout",
        content=b"other=1",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert (missing.status_code, missing.text) == (
        400,
        "Missing `logout_token` in the request body.",
    )
    as_json = httpx.post(f"{peers.app_url}/auth/backchannel-logout", json={"logout_token": "x"})
    assert as_json.status_code == 400


def test_session_cookie_is_readable_by_the_shared_secret(peers: Peers) -> None:
    peers.client("app-post")
    with browser() as b:
        login(peers, b)
        value = b.cookies["__session"]
        opened = CookieCipher([SECRET]).decrypt(value)
        assert opened is not None
        assert json.loads(opened[1])["user"]["sub"] == "alice"
    assert secrets.compare_digest("a", "a")
