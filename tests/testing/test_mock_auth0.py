"""MockAuth0 against the real SDK: login, profile, refresh with rotation, logout, back-channel logout."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import msgspec
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from auth0_async import (
    AccessTokenError,
    Auth0Client,
    ConfigurationError,
    RouteResponse,
    SecurityWarning,
)
from auth0_async.stores import MemorySessionStore
from auth0_async.testing import FrozenClock, MockAuth0, MockClient, MockUser

from ..conftest import SECRET, http_scope
from ..support.asgi_driver import Response, call

if TYPE_CHECKING:
    from auth0_async._types import ASGIApp

pytestmark = pytest.mark.anyio

APP = "http://127.0.0.1:3000"
CALLBACK = f"{APP}/auth/callback"


def make_client(mock: MockAuth0, **options: Any) -> Auth0Client:
    with pytest.warns(SecurityWarning):
        return Auth0Client(
            domain=mock.issuer,
            client_id=options.pop("client_id", "dev-client"),
            client_secret=options.pop("client_secret", "dev-client-secret"),
            secret=SECRET,
            app_base_url=APP,
            allow_insecure_requests=True,
            http_client=httpx.AsyncClient(transport=mock.transport()),
            **options,
        )


def make_app(auth0: Auth0Client) -> ASGIApp:
    async def inner(scope: Any, receive: Any, send: Any) -> None:
        if scope["path"] == "/me":
            session = await auth0.get_session()
            data = None
            if session is not None:
                data = {
                    "sub": session.user.sub,
                    "sid": session.internal.sid if session.internal else None,
                    "access_token": session.token_set.access_token,
                    "refresh_token": session.token_set.refresh_token,
                }
            await RouteResponse.json(data).send(send)
        elif scope["path"] == "/token":
            try:
                token = await auth0.get_access_token()
            except AccessTokenError as exc:
                await RouteResponse.json({"error": exc.code}, 401).send(send)
            else:
                await RouteResponse.json({"token": token.token}).send(send)
        else:
            await RouteResponse.text("app", 404).send(send)

    return auth0.middleware(inner)


def jar(response: Response, cookies: dict[str, str] | None = None) -> dict[str, str]:
    cookies = dict(cookies or {})
    for line in response.all("set-cookie"):
        name, _, rest = line.partition("=")
        if "Max-Age=0" in line:
            cookies.pop(name, None)
        else:
            cookies[name] = rest.split(";", 1)[0]
    return cookies


def cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


async def get(app: ASGIApp, path: str, cookies: dict[str, str], qs: str = "") -> Response:
    scope = http_scope(cookie_header(cookies) or None, path=path, query_string=qs.encode())
    return await call(app, scope)


async def me(app: ASGIApp, cookies: dict[str, str]) -> dict[str, Any] | None:
    response = await get(app, "/me", cookies)
    data: dict[str, Any] | None = msgspec.json.decode(response.body)
    return data


async def login(
    mock: MockAuth0, app: ASGIApp, *, user: str = "alice", cookies: dict[str, str] | None = None
) -> dict[str, str]:
    start = await get(app, "/auth/login", cookies or {})
    assert start.status == 307, start.body
    callback = mock.authorize_url_to_callback(start.header("location") or "", user=user)
    parts = urlsplit(callback)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == CALLBACK
    assert query(callback)["iss"] == mock.issuer
    cookies = jar(start, cookies)
    done = await get(app, parts.path, cookies, parts.query)
    assert done.status == 307, done.body
    return jar(done, cookies)


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_url(mock: MockAuth0, challenge: str, **extra: str) -> str:
    params = {
        "client_id": "dev-client",
        "redirect_uri": CALLBACK,
        "response_type": "code",
        "scope": "openid profile email offline_access",
        "state": "st",
        "nonce": "no",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **extra,
    }
    return f"{mock.issuer}authorize?{urlencode(params)}"


def tenant(mock: MockAuth0) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=mock.transport(), base_url=mock.issuer)


def code_form(code: str, verifier: str, **extra: str) -> dict[str, str]:
    return {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CALLBACK,
        "code_verifier": verifier,
        "client_id": "dev-client",
        "client_secret": "dev-client-secret",
        **extra,
    }


async def test_discovery_and_jwks_describe_an_auth0_tenant() -> None:
    mock = MockAuth0()
    async with tenant(mock) as http:
        metadata = (await http.get("/.well-known/openid-configuration")).json()
        jwks = (await http.get(metadata["jwks_uri"])).json()
    assert metadata["issuer"] == "http://127.0.0.1:3001/" == mock.issuer
    assert metadata["authorization_endpoint"] == "http://127.0.0.1:3001/authorize"
    assert metadata["end_session_endpoint"] == "http://127.0.0.1:3001/oidc/logout"
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["id_token_signing_alg_values_supported"] == ["RS256"]
    assert metadata["authorization_response_iss_parameter_supported"] is True
    assert metadata["backchannel_logout_supported"] is True
    [key] = jwks["keys"]
    assert key["kty"] == "RSA"
    assert key["alg"] == "RS256"
    assert key["kid"]
    assert "d" not in key
    assert len(base64.urlsafe_b64decode(key["n"] + "==")) == 256


async def test_login_creates_a_session_with_the_users_claims() -> None:
    mock = MockAuth0()
    auth0 = make_client(mock)
    app = make_app(auth0)
    cookies = await login(mock, app)
    session = await me(app, cookies)
    assert session is not None
    assert session["sub"] == "auth0|alice"
    assert session["sid"]
    profile = await get(app, "/auth/profile", cookies)
    assert profile.status == 200
    claims = msgspec.json.decode(profile.body)
    assert claims["name"] == "Alice Example"
    assert claims["email"] == "alice@example.com"
    assert claims["email_verified"] is True
    assert claims["picture"].startswith("data:image/svg")
    bob = await login(mock, app, user="auth0|bob")
    assert (await me(app, bob) or {})["sub"] == "auth0|bob"
    assert mock.grant_counts == {"authorization_code": 2}

    async with tenant(mock) as http:
        info = await http.get(
            "/userinfo", headers={"authorization": f"Bearer {session['access_token']}"}
        )
        assert info.status_code == 200
        assert info.json()["email"] == "alice@example.com"
        mock.advance(3601)
        expired = await http.get(
            "/userinfo", headers={"authorization": f"Bearer {session['access_token']}"}
        )
        assert expired.status_code == 401
        assert "invalid_token" in expired.headers["www-authenticate"]


async def test_refresh_after_expiry_rotates_and_reuse_revokes_the_family() -> None:
    clock = FrozenClock()
    mock = MockAuth0(clock=clock)
    auth0 = make_client(mock, clock=clock)
    app = make_app(auth0)
    cookies = await login(mock, app)
    before = await me(app, cookies)
    assert before is not None
    assert before["refresh_token"]

    mock.advance(3601)  # past the access token's expiry, for both sides
    refreshed = await get(app, "/token", cookies)
    assert refreshed.status == 200, refreshed.body
    cookies = jar(refreshed, cookies)
    after = await me(app, cookies)
    assert after is not None
    assert msgspec.json.decode(refreshed.body)["token"] == after["access_token"]
    assert after["access_token"] != before["access_token"]
    assert after["refresh_token"] != before["refresh_token"]
    assert mock.grant_counts["refresh_token"] == 1

    mock.rotate_keys(keep_previous=False)  # the SDK refetches the JWKS for the new kid
    mock.advance(3601)
    again = await get(app, "/token", cookies)
    assert again.status == 200, again.body
    cookies = jar(again, cookies)
    latest = await me(app, cookies)
    assert latest is not None
    assert mock.grant_counts["refresh_token"] == 2

    form = {"grant_type": "refresh_token", "client_id": "dev-client"}
    form["client_secret"] = "dev-client-secret"
    async with tenant(mock) as http:
        reused = await http.post(
            "/oauth/token", data={**form, "refresh_token": before["refresh_token"]}
        )
        assert reused.status_code == 400
        assert reused.json()["error"] == "invalid_grant"
        # Reuse of a rotated-out token revoked the whole family, the newest token included.
        current = await http.post(
            "/oauth/token", data={**form, "refresh_token": latest["refresh_token"]}
        )
        assert current.status_code == 400
        assert current.json()["error"] == "invalid_grant"
    assert mock.grant_counts["refresh_token:failed"] == 2
    mock.advance(3601)
    failed = await get(app, "/token", cookies)
    assert failed.status == 401
    assert msgspec.json.decode(failed.body) == {"error": "failed_to_refresh_token"}
    assert await me(app, cookies) is not None  # a failed refresh keeps the session


async def test_logout_goes_through_oidc_logout_and_ends_the_tenant_session() -> None:
    mock = MockAuth0()
    auth0 = make_client(mock)
    app = make_app(auth0)
    cookies = await login(mock, app)
    logout = await get(app, "/auth/logout", cookies, "returnTo=/bye")
    assert logout.status == 307
    location = logout.header("location") or ""
    assert location.startswith(f"{mock.issuer}oidc/logout?")
    params = query(location)
    assert params["client_id"] == "dev-client"
    assert params["post_logout_redirect_uri"] == f"{APP}/bye"
    assert params["id_token_hint"]
    assert params["logout_hint"]
    assert await me(app, jar(logout, cookies)) is None

    async with tenant(mock) as http:
        back = await http.get(location + "&state=s1")
        assert back.status_code == 302
        assert back.headers["location"] == f"{APP}/bye?state=s1"
        assert "mock_auth0_session=;" in back.headers["set-cookie"]
        evil = await http.get(
            "/oidc/logout",
            params={"client_id": "dev-client", "post_logout_redirect_uri": "https://evil.example/"},
        )
        assert evil.status_code == 400
        v2 = await http.get("/v2/logout", params={"returnTo": APP, "client_id": "dev-client"})
        assert v2.status_code == 302
        assert v2.headers["location"] == APP


async def test_backchannel_logout_deletes_the_stateful_session() -> None:
    client = MockClient(
        "app",
        "app-secret",
        [CALLBACK],
        [APP],
        backchannel_logout_uri=f"{APP}/auth/backchannel-logout",
    )
    mock = MockAuth0(clients=[client])
    auth0 = make_client(
        mock, client_id="app", client_secret="app-secret", session_store=MemorySessionStore()
    )
    app = make_app(auth0)
    alice = await login(mock, app)
    bob = await login(mock, app, user="bob")
    session = await me(app, alice)
    assert session is not None
    assert session["sid"]

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url=APP) as http:
        await mock.backchannel_logout(sub="auth0|alice", sid=session["sid"], http_client=http)
        assert await me(app, alice) is None
        assert (await me(app, bob) or {})["sub"] == "auth0|bob"
        token = mock.logout_token(client_id="app", sub="auth0|bob")
        header, claims = _unverified(token)
        assert header["typ"] == "logout+jwt"
        assert claims["aud"] == "app"
        assert claims["jti"]
        assert "http://schemas.openid.net/event/backchannel-logout" in claims["events"]
        first = await http.post("/auth/backchannel-logout", data={"logout_token": token})
        replay = await http.post("/auth/backchannel-logout", data={"logout_token": token})
    assert first.status_code == 204
    assert replay.status_code == 400
    assert await me(app, bob) is None


def _unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    def decode(part: str) -> dict[str, Any]:
        data: dict[str, Any] = msgspec.json.decode(
            base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        )
        return data

    head, body, _ = token.split(".")
    return decode(head), decode(body)


async def test_pkce_mismatch_wrong_secret_and_replayed_code_are_refused() -> None:
    mock = MockAuth0()
    verifier, challenge = pkce()
    async with tenant(mock) as http:
        code = query(mock.authorize_url_to_callback(authorize_url(mock, challenge)))["code"]
        wrong = await http.post("/oauth/token", data=code_form(code, pkce()[0]))
        assert wrong.status_code == 400
        assert wrong.json()["error"] == "invalid_grant"
        burnt = await http.post("/oauth/token", data=code_form(code, verifier))
        assert burnt.status_code == 400
        assert burnt.json()["error"] == "invalid_grant"

        code = query(mock.authorize_url_to_callback(authorize_url(mock, challenge)))["code"]
        bad_secret = await http.post(
            "/oauth/token", data=code_form(code, verifier, client_secret="nope")
        )
        assert bad_secret.status_code == 401
        assert bad_secret.json()["error"] == "invalid_client"
        form = code_form(code, verifier)
        del form["client_secret"], form["client_id"]
        basic = base64.b64encode(b"dev-client:dev-client-secret").decode()
        ok = await http.post("/oauth/token", data=form, headers={"authorization": f"Basic {basic}"})
        assert ok.status_code == 200, ok.text
        tokens = ok.json()
        assert tokens["token_type"] == "Bearer"
        assert tokens["expires_in"] == 3600
        assert set(tokens) >= {"access_token", "id_token", "refresh_token", "scope"}
        keys = KeySet.import_key_set((await http.get("/.well-known/jwks.json")).json())
        claims = jwt.decode(tokens["id_token"], keys, algorithms=["RS256"]).claims
        assert claims["iss"] == mock.issuer
        assert claims["aud"] == "dev-client"
        assert claims["nonce"] == "no"
        assert claims["sid"]
        assert claims["auth_time"]

        replay = await http.post("/oauth/token", data=code_form(code, verifier))
        assert replay.status_code == 400
        assert replay.json()["error"] == "invalid_grant"
        revoked = await http.get(
            "/userinfo", headers={"authorization": f"Bearer {tokens['access_token']}"}
        )
        assert revoked.status_code == 401  # the replay revoked what the code had issued
    assert mock.grant_counts == {"authorization_code": 1, "authorization_code:failed": 4}


async def test_login_page_escapes_and_sso_cookie_allows_prompt_none() -> None:
    evil = MockUser("auth0|x", "<script>alert(1)</script>", 'x@example.com"><b>')
    mock = MockAuth0(users=[evil])
    _, challenge = pkce()
    async with tenant(mock) as http:
        page = await http.get(authorize_url(mock, challenge))
        assert page.status_code == 200
        assert "<script>" not in page.text
        assert "<b>" not in page.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
        assert "script-src" not in page.headers["content-security-policy"]
        assert "default-src 'none'" in page.headers["content-security-policy"]
        match = re.search(r'name="request" value="([^"]+)"', page.text)
        assert match is not None
        chosen = await http.post(
            "/authorize/login", data={"request": match.group(1), "user": "auth0|x"}
        )
        assert chosen.status_code == 303
        params = query(chosen.headers["location"])
        assert params["state"] == "st"
        assert params["iss"] == mock.issuer
        assert params["code"]
        cookie = chosen.cookies["mock_auth0_session"]
        again = await http.post(
            "/authorize/login", data={"request": match.group(1), "user": "auth0|x"}
        )
        assert again.status_code == 400  # a pending request is used once

        silent = await http.get(
            authorize_url(mock, challenge, prompt="none"),
            headers={"cookie": f"mock_auth0_session={cookie}"},
        )
        assert silent.status_code == 302
        assert "code" in query(silent.headers["location"])
        http.cookies.clear()
        anonymous = await http.get(authorize_url(mock, challenge, prompt="none"))
        assert query(anonymous.headers["location"])["error"] == "login_required"


async def test_authorization_requests_are_validated() -> None:
    mock = MockAuth0()
    _, challenge = pkce()
    async with tenant(mock) as http:
        unknown = await http.get(authorize_url(mock, challenge, client_id="nobody"))
        assert unknown.status_code == 400
        assert "text/html" in unknown.headers["content-type"]
        foreign = await http.get(
            authorize_url(mock, challenge, redirect_uri="https://evil.example/cb")
        )
        assert foreign.status_code == 400
        plain = await http.get(authorize_url(mock, challenge, code_challenge_method="plain"))
        assert plain.status_code == 302
        error = query(plain.headers["location"])
        assert error["error"] == "invalid_request"
        assert error["state"] == "st"
        assert error["iss"] == mock.issuer
        no_openid = await http.get(authorize_url(mock, challenge, scope="profile"))
        assert query(no_openid.headers["location"])["error"] == "invalid_scope"
    with pytest.raises(ValueError, match="redirect_uri"):
        mock.authorize_url_to_callback(
            authorize_url(mock, challenge, redirect_uri="https://evil.example/cb")
        )
    with pytest.raises(ValueError, match="no single test user"):
        mock.authorize_url_to_callback(authorize_url(mock, challenge), user="mallory")


async def test_refresh_without_rotation_and_revocation() -> None:
    roles = {"https://example.com/roles": ["admin"]}
    user = MockUser("auth0|carol", "Carol", "carol@example.com", **roles)
    mock = MockAuth0(users=[user], refresh_token_rotation=False, access_token_ttl=60)
    verifier, challenge = pkce()
    url = authorize_url(mock, challenge, scope="openid offline_access", audience="https://api")
    code = query(mock.authorize_url_to_callback(url, user="carol"))["code"]
    async with tenant(mock) as http:
        tokens = (await http.post("/oauth/token", data=code_form(code, verifier))).json()
        keys = KeySet.import_key_set((await http.get("/.well-known/jwks.json")).json())
        access = jwt.decode(tokens["access_token"], keys, algorithms=["RS256"]).claims
        assert access["aud"] == ["https://api", f"{mock.issuer}userinfo"]
        assert access["scope"] == "openid offline_access"
        assert tokens["expires_in"] == 60
        id_claims = jwt.decode(tokens["id_token"], keys, algorithms=["RS256"]).claims
        assert id_claims["https://example.com/roles"] == ["admin"]
        assert "email" not in id_claims  # no email scope

        form = {
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": "dev-client",
            "client_secret": "dev-client-secret",
        }
        for _ in range(2):  # without rotation the same refresh token keeps working
            refreshed = await http.post("/oauth/token", data=form)
            assert refreshed.status_code == 200
            assert "refresh_token" not in refreshed.json()
            assert "nonce" not in _unverified(refreshed.json()["id_token"])[1]
        wider = await http.post("/oauth/token", data={**form, "scope": "openid email"})
        assert wider.json()["error"] == "invalid_scope"

        revoke = {k: form[k] for k in ("client_id", "client_secret")}
        revoked = await http.post("/oauth/revoke", data={**revoke, "token": form["refresh_token"]})
        assert revoked.status_code == 200
        after = await http.post("/oauth/token", data=form)
        assert after.json()["error"] == "invalid_grant"
        unauthenticated = await http.post("/oauth/revoke", data={"token": "x"})
        assert unauthenticated.status_code == 401


def test_mock_user_and_client_validation() -> None:
    with pytest.raises(ConfigurationError, match="nonce"):
        MockUser("auth0|x", "X", "x@example.com", nonce="n")
    with pytest.raises(ConfigurationError):
        MockClient("c", "s", ["http://127.0.0.1:3000/cb#frag"])
    with pytest.raises(ConfigurationError):
        MockAuth0(issuer="http://127.0.0.1:3001/tenant")
    user = MockUser("auth0|x", "X", "x@example.com", locale="en")
    assert user.claims == {"locale": "en"}
    with pytest.raises(AttributeError):
        user.name = "Y"
    assert "s3cret" not in repr(MockClient("c", "s3cret", []))
