"""The /auth routes' failure paths, with a fake provider on httpx.MockTransport.

The happy paths run against the real oidc-provider in tests/e2e; these are the cases a
certified provider cannot be made to produce. Names follow the OpenID RP certification tests.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import msgspec
import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

from auth0_async import (
    Auth0Client,
    InvalidStateError,
    LoginResult,
    MissingStateError,
    RequestContextError,
    RouteResponse,
)

from .asgi_driver import Response, call
from .conftest import SECRET, http_scope

if TYPE_CHECKING:
    from collections.abc import Callable

pytestmark = pytest.mark.anyio

ISSUER = "https://tenant.example.com/"
APP = "https://app.example"
RSA = RSAKey.generate_key(
    2048, parameters={"kid": "k1", "alg": "RS256", "use": "sig"}, private=True
)
OTHER_RSA = RSAKey.generate_key(2048, parameters={"kid": "k1", "alg": "RS256"}, private=True)


class FakeProvider:
    """Discovery, JWKS and a token endpoint whose answer each test shapes."""

    def __init__(self) -> None:
        self.claims: dict[str, Any] = {}
        self.header: dict[str, Any] = {"alg": "RS256", "kid": "k1"}
        self.key: Any = RSA
        self.token_status = 200
        self.token_body: Callable[[dict[str, str]], bytes] | None = None
        self.metadata: dict[str, Any] = {
            "issuer": ISSUER,
            "authorization_endpoint": f"{ISSUER}authorize",
            "token_endpoint": f"{ISSUER}oauth/token",
            "jwks_uri": f"{ISSUER}.well-known/jwks.json",
            "end_session_endpoint": f"{ISSUER}oidc/logout",
            "revocation_endpoint": f"{ISSUER}oauth/revoke",
            "id_token_signing_alg_values_supported": ["RS256"],
        }
        self.discovery_error: Exception | None = None
        self.token_error: Exception | None = None
        self.requests: list[httpx.Request] = []
        self.nonce = ""

    def id_token(self) -> str:
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": "cid",
            "sub": "auth0|1",
            "iat": now,
            "exp": now + 600,
            "nonce": self.nonce,
            "sid": "s1",
            "name": "One",
        }
        claims.update(self.claims)
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(self.header, claims, self.key, algorithms=[self.header["alg"]])

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if path == "/.well-known/openid-configuration":
            if self.discovery_error:
                raise self.discovery_error
            return httpx.Response(200, json=self.metadata)
        if path == "/.well-known/jwks.json":
            return httpx.Response(200, json={"keys": [RSA.as_dict(private=False)]})
        if path == "/oauth/token":
            if self.token_error:
                raise self.token_error
            form = dict(parse_qs(request.content.decode()))
            if self.token_body is not None:
                return httpx.Response(
                    self.token_status, content=self.token_body({k: v[0] for k, v in form.items()})
                )
            body = {
                "access_token": "at",
                "token_type": "Bearer",
                "expires_in": 60,
                "refresh_token": "rt",
                "id_token": self.id_token(),
                "scope": "openid profile",
            }
            return httpx.Response(self.token_status, json=body)
        if path == "/oauth/revoke":
            return httpx.Response(200)
        return httpx.Response(404)


@pytest.fixture
def provider() -> FakeProvider:
    return FakeProvider()


def make_client(provider: FakeProvider, **options: Any) -> Auth0Client:
    http = httpx.AsyncClient(transport=httpx.MockTransport(provider.handler))
    return Auth0Client(
        domain="tenant.example.com",
        client_id="cid",
        client_secret="csecret",
        secret=SECRET,
        app_base_url=APP,
        http_client=http,
        **options,
    )


async def not_found(scope: Any, receive: Any, send: Any) -> None:
    await RouteResponse.text("app", 404).send(send)


def jar(response: Response, cookies: dict[str, str] | None = None) -> dict[str, str]:
    cookies = dict(cookies or {})
    for line in response.all("set-cookie"):
        name, _, rest = line.partition("=")
        value = rest.split(";", 1)[0]
        if "Max-Age=0" in line:
            cookies.pop(name, None)
        else:
            cookies[name] = value
    return cookies


def header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


async def start(
    auth0: Auth0Client, provider: FakeProvider, query: str = ""
) -> tuple[dict[str, str], str]:
    app = auth0.middleware(not_found)
    login = await call(
        app, http_scope(None, path="/auth/login", scheme="https", query_string=query.encode())
    )
    assert login.status == 307, login.body
    location = urlsplit(login.header("location") or "")
    params = {k: v[0] for k, v in parse_qs(location.query).items()}
    provider.nonce = params["nonce"]
    return jar(login), params["state"]


async def callback(auth0: Auth0Client, cookies: dict[str, str], params: dict[str, str]) -> Response:
    app = auth0.middleware(not_found)
    return await call(
        app,
        http_scope(
            header(cookies),
            path="/auth/callback",
            scheme="https",
            query_string=urlencode(params).encode(),
        ),
    )


async def login_with(auth0: Auth0Client, provider: FakeProvider) -> Response:
    cookies, state = await start(auth0, provider)
    return await callback(auth0, cookies, {"code": "c", "state": state})


async def assert_refused(
    auth0: Auth0Client, provider: FakeProvider, status: int = 400, text: str | None = None
) -> Response:
    response = await login_with(auth0, provider)
    assert response.status == status, response.body
    assert "__session" not in jar(response)
    assert b"Traceback" not in response.body
    if text is not None:
        assert text in response.body.decode()
    return response


async def test_happy_path_creates_a_filtered_session(provider: FakeProvider) -> None:
    auth0 = make_client(provider)
    response = await login_with(auth0, provider)
    assert response.status == 307
    assert response.header("location") == f"{APP}/"
    cookies = jar(response)
    assert not any(name.startswith("__txn_") for name in cookies)
    session = await auth0.get_session(http_scope(header(cookies), scheme="https"))
    assert session is not None
    assert session.user.to_dict() == {"sub": "auth0|1", "name": "One"}
    assert session.internal is not None
    assert session.internal.sid == "s1"
    assert session.token_set.refresh_token == "rt"
    token_request = next(r for r in provider.requests if r.url.path == "/oauth/token")
    form = parse_qs(token_request.content.decode())
    assert form["grant_type"] == ["authorization_code"]
    assert form["client_secret"] == ["csecret"]
    assert form["redirect_uri"] == [f"{APP}/auth/callback"]
    assert len(form["code_verifier"][0]) == 43


async def test_rp_id_token_sig_none(provider: FakeProvider) -> None:
    provider.header = {"alg": "none"}
    provider.key = None

    def unsigned(_: dict[str, str]) -> bytes:
        import base64

        def b64(obj: Any) -> str:
            return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

        now = int(time.time())
        token = f"{b64({'alg': 'none'})}.{b64({'iss': ISSUER, 'aud': 'cid', 'sub': 'x', 'iat': now, 'exp': now + 60, 'nonce': provider.nonce})}."
        return msgspec.json.encode(
            {"access_token": "at", "token_type": "Bearer", "id_token": token}
        )

    provider.token_body = unsigned
    await assert_refused(make_client(provider), provider)


async def test_rp_id_token_bad_sig_rs256(provider: FakeProvider) -> None:
    provider.key = OTHER_RSA
    await assert_refused(make_client(provider), provider)


async def test_rp_id_token_iss(provider: FakeProvider) -> None:
    provider.claims = {"iss": "https://evil.example.com/"}
    await assert_refused(make_client(provider), provider)


async def test_rp_id_token_aud(provider: FakeProvider) -> None:
    provider.claims = {"aud": "someone-else"}
    await assert_refused(make_client(provider), provider)


async def test_rp_id_token_iat(provider: FakeProvider) -> None:
    provider.claims = {"iat": None}
    await assert_refused(make_client(provider), provider)


async def test_rp_id_token_expired(provider: FakeProvider) -> None:
    provider.claims = {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}
    await assert_refused(make_client(provider), provider)


async def test_rp_nonce_invalid(provider: FakeProvider) -> None:
    auth0 = make_client(provider)
    cookies, state = await start(auth0, provider)
    provider.nonce = "not-the-one-we-sent"
    response = await callback(auth0, cookies, {"code": "c", "state": state})
    assert response.status == 400
    assert "__session" not in jar(response)


async def test_alg_confusion_hs256_with_public_key(provider: FakeProvider) -> None:
    import base64
    import hashlib
    import hmac

    public_pem = RSA.as_pem(private=False)

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    def confused(_: dict[str, str]) -> bytes:
        now = int(time.time())
        head = b64(json.dumps({"alg": "HS256", "kid": "k1"}).encode())
        body = b64(
            json.dumps(
                {
                    "iss": ISSUER,
                    "aud": "cid",
                    "sub": "x",
                    "iat": now,
                    "exp": now + 60,
                    "nonce": provider.nonce,
                }
            ).encode()
        )
        sig = b64(hmac.new(public_pem, f"{head}.{body}".encode(), hashlib.sha256).digest())
        return msgspec.json.encode(
            {"access_token": "at", "token_type": "Bearer", "id_token": f"{head}.{body}.{sig}"}
        )

    provider.token_body = confused
    await assert_refused(make_client(provider), provider)


async def test_rp_id_token_sig_es256_not_advertised(provider: FakeProvider) -> None:
    provider.header = {"alg": "ES256", "kid": "k1"}
    provider.key = ECKey.generate_key("P-256", private=True)
    await assert_refused(make_client(provider), provider)


async def test_rp_response_iss_mismatch(provider: FakeProvider) -> None:
    auth0 = make_client(provider)
    cookies, state = await start(auth0, provider)
    response = await callback(
        auth0, cookies, {"code": "c", "state": state, "iss": "https://evil.example.com/"}
    )
    assert response.status == 400
    assert b"iss" in response.body


async def test_rp_auth_time_required_with_max_age(provider: FakeProvider) -> None:
    auth0 = make_client(provider)
    cookies, state = await start(auth0, provider, "max_age=0")
    response = await callback(auth0, cookies, {"code": "c", "state": state})
    assert response.status == 400  # no auth_time claim while max_age was requested


async def test_max_age_must_be_digits(provider: FakeProvider) -> None:
    app = make_client(provider).middleware(not_found)
    response = await call(app, http_scope(None, path="/auth/login", query_string=b"max_age=-1"))
    assert response.status == 400
    assert response.all("set-cookie") == []


@pytest.mark.parametrize(
    ("status", "body", "expect"),
    [
        (400, b'{"error":"invalid_grant","error_description":"bad code"}', "invalid_grant"),
        (500, b"<html>oops</html>", None),
        (200, b"not json", None),
        (200, b'{"token_type":"Bearer"}', None),
        (200, b'{"access_token":"x","token_type":"Bearer"}', None),  # no id_token
        (
            200,
            b'{"access_token":"x","token_type":"Bearer","pad":"' + b"x" * (2 * 1024 * 1024) + b'"}',
            None,
        ),
    ],
)
async def test_token_endpoint_failures_are_502_without_a_session(
    provider: FakeProvider, status: int, body: bytes, expect: str | None
) -> None:
    provider.token_status = status
    provider.token_body = lambda _: body
    response = await assert_refused(make_client(provider), provider, status=502)
    if expect:
        assert expect in response.body.decode()
    assert b"csecret" not in response.body


async def test_token_endpoint_timeout(provider: FakeProvider) -> None:
    provider.token_error = httpx.ReadTimeout("slow")
    await assert_refused(make_client(provider), provider, status=502)


async def test_discovery_down_at_login_is_a_500_text(provider: FakeProvider) -> None:
    provider.discovery_error = httpx.ConnectError("down")
    app = make_client(provider).middleware(not_found)
    response = await call(app, http_scope(None, path="/auth/login"))
    assert (response.status, response.body) == (
        500,
        b"An error occurred while trying to initiate the login request.",
    )
    assert response.all("set-cookie") == []


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


async def test_oversize_query_strings_are_handled(provider: FakeProvider) -> None:
    auth0 = make_client(provider)
    cookies, state = await start(auth0, provider)
    params = {"code": "c", "state": state, **{f"p{i}": "x" * 50 for i in range(500)}}
    response = await callback(auth0, cookies, params)
    assert response.status in (400, 307)
    assert b"Traceback" not in response.body


async def test_logout_revokes_and_survives_a_failing_revocation(provider: FakeProvider) -> None:
    auth0 = make_client(provider)
    cookies = jar(await login_with(auth0, provider))
    app = auth0.middleware(not_found)
    response = await call(app, http_scope(header(cookies), path="/auth/logout", scheme="https"))
    assert response.status == 307
    assert any(r.url.path == "/oauth/revoke" for r in provider.requests)
    location = urlsplit(response.header("location") or "")
    assert location.netloc == "tenant.example.com"
    assert location.path == "/oidc/logout"
    assert "__session" not in jar(response, cookies)

    provider.metadata["revocation_endpoint"] = (
        f"{ISSUER}missing"  # 404 → failure is logged, logout goes on
    )
    auth1 = make_client(provider)
    cookies = jar(await login_with(auth1, provider))
    response = await call(
        auth1.middleware(not_found),
        http_scope(header(cookies), path="/auth/logout", scheme="https"),
    )
    assert response.status == 307
    assert "__session" not in jar(response, cookies)


async def test_logout_oidc_strategy_without_endpoint_is_a_500_but_clears_cookies(
    provider: FakeProvider,
) -> None:
    del provider.metadata["end_session_endpoint"]
    auth0 = make_client(provider, logout_strategy="oidc")
    cookies = jar(await login_with(auth0, provider))
    response = await call(
        auth0.middleware(not_found),
        http_scope(header(cookies), path="/auth/logout", scheme="https"),
    )
    assert response.status == 500
    assert b"RP-Initiated Logout is not supported" in response.body
    assert "__session" not in jar(response, cookies)


async def test_profile_route(provider: FakeProvider) -> None:
    auth0 = make_client(provider)
    app = auth0.middleware(not_found)
    anonymous = await call(app, http_scope(None, path="/auth/profile"))
    assert (anonymous.status, anonymous.body) == (401, b"")
    assert (
        anonymous.header(
            "cache-control",
        )
        == "private, no-cache, no-store, must-revalidate, max-age=0"
    )
    quiet = await call(
        make_client(provider, no_content_profile_response_when_unauthenticated=True).middleware(
            not_found
        ),
        http_scope(None, path="/auth/profile"),
    )
    assert quiet.status == 204
    cookies = jar(await login_with(auth0, provider))
    profile = await call(app, http_scope(header(cookies), path="/auth/profile/", scheme="https"))
    assert profile.status == 200
    assert json.loads(profile.body) == {"sub": "auth0|1", "name": "One"}
    post = await call(app, {**http_scope(None, path="/auth/profile"), "method": "POST"})
    assert post.status == 404  # other methods pass through to the app


async def test_a_crashing_hook_is_a_500_without_a_traceback(provider: FakeProvider) -> None:
    def boom(session: Any, id_token: Any) -> Any:
        raise RuntimeError("secret internals")

    response = await assert_refused(
        make_client(provider, before_session_saved=boom), provider, status=500
    )
    assert b"secret internals" not in response.body


async def test_routes_can_be_moved_and_disabled(provider: FakeProvider) -> None:
    from auth0_async import Routes

    auth0 = make_client(provider, routes=Routes(login="/signin", profile=None))
    app = auth0.middleware(not_found)
    assert (await call(app, http_scope(None, path="/signin"))).status == 307
    assert (await call(app, http_scope(None, path="/auth/login"))).status == 404
    assert (await call(app, http_scope(None, path="/auth/profile"))).status == 404


async def test_programmatic_login_and_logout_with_starlette_objects(provider: FakeProvider) -> None:
    from starlette.requests import Request
    from starlette.responses import RedirectResponse

    auth0 = make_client(provider)
    request = Request(http_scope(None, path="/custom-login", scheme="https"))
    response = RedirectResponse("/")
    url = await auth0.start_interactive_login(request, response, return_to="/after")
    provider.nonce = parse_qs(urlsplit(url).query)["nonce"][0]
    state = parse_qs(urlsplit(url).query)["state"][0]
    txn = {
        line.split("=", 1)[0]: line.split(";", 1)[0].split("=", 1)[1]
        for line in response.headers.getlist("set-cookie")
    }
    cb_request = Request(
        http_scope(
            header(txn),
            path="/custom-callback",
            scheme="https",
            query_string=f"code=c&state={state}".encode(),
        )
    )
    cb_response = RedirectResponse("/")
    result = await auth0.complete_interactive_login(cb_request, cb_response)
    assert isinstance(result, LoginResult)
    assert result.return_to == "/after"
    assert result.session.user.sub == "auth0|1"
    assert any(
        line.startswith("__session=ey") for line in cb_response.headers.getlist("set-cookie")
    )

    with pytest.raises(MissingStateError):
        await auth0.complete_interactive_login(
            Request(http_scope(None, scheme="https")), RedirectResponse("/")
        )
    with pytest.raises(InvalidStateError):
        await auth0.complete_interactive_login(
            Request(http_scope(None, scheme="https", query_string=b"state=zz")),
            RedirectResponse("/"),
        )
    with pytest.raises(RequestContextError):
        await auth0.logout()


def test_unknown_logout_strategy_and_bad_timeout_are_configuration_errors() -> None:
    from auth0_async import ConfigurationError

    with pytest.raises(ConfigurationError):
        Auth0Client(secret=SECRET, logout_strategy="sideways")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        Auth0Client(secret=SECRET, http_timeout=0)
    with pytest.raises(ConfigurationError):
        Auth0Client(secret=SECRET, sign_in_return_to_path="//evil")
