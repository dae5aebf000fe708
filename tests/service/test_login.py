"""Login (``_service/_login``): the callback's failure paths, with a fake provider on httpx.MockTransport.

The happy paths run against the real oidc-provider in tests/e2e; these are the cases a
certified provider cannot be made to produce. Names follow the OpenID RP certification tests.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import httpx
import msgspec
import pytest
from joserfc.jwk import ECKey

from auth0_async import (
    InvalidStateError,
    LoginResult,
    MissingStateError,
    RequestContextError,
)

from ..conftest import http_scope
from ..support.asgi_driver import call
from ..support.fakes import APP, ISSUER, OTHER_RSA, RSA, FakeProvider
from ..support.routes import (
    assert_refused,
    callback,
    header,
    jar,
    login_with,
    make_client,
    not_found,
    start,
)
from ..support.tenant import tenant_client

if TYPE_CHECKING:
    from auth0_async.testing import MockAuth0

pytestmark = pytest.mark.anyio


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


async def test_a_refused_code_is_a_400_without_a_session(provider: FakeProvider) -> None:
    provider.token_status = 400
    provider.token_body = lambda _: b'{"error":"invalid_grant","error_description":"bad code"}'
    response = await assert_refused(make_client(provider), provider, status=400)
    assert "invalid_grant" in response.body.decode()
    assert b"csecret" not in response.body


@pytest.mark.parametrize(
    ("status", "body", "expect"),
    [
        (400, b'{"error":"invalid_client","error_description":"bad secret"}', "invalid_client"),
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


async def test_oversize_query_strings_are_handled(provider: FakeProvider) -> None:
    auth0 = make_client(provider)
    cookies, state = await start(auth0, provider)
    params = {"code": "c", "state": state, **{f"p{i}": "x" * 50 for i in range(500)}}
    response = await callback(auth0, cookies, params)
    assert response.status in (400, 307)
    assert b"Traceback" not in response.body


async def test_a_crashing_hook_is_a_500_without_a_traceback(provider: FakeProvider) -> None:
    def boom(session: Any, id_token: Any) -> Any:
        raise RuntimeError("secret internals")

    response = await assert_refused(
        make_client(provider, before_session_saved=boom), provider, status=500
    )
    assert b"secret internals" not in response.body


async def test_programmatic_login_and_logout_with_starlette_objects(mock_tenant: MockAuth0) -> None:
    from starlette.requests import Request
    from starlette.responses import RedirectResponse

    auth0 = tenant_client(mock_tenant)
    request = Request(http_scope(None, path="/custom-login", scheme="https"))
    response = RedirectResponse("/")
    url = await auth0.start_interactive_login(request, response, return_to="/after")
    back = urlsplit(mock_tenant.authorize_url_to_callback(url))
    txn = {
        line.split("=", 1)[0]: line.split(";", 1)[0].split("=", 1)[1]
        for line in response.headers.getlist("set-cookie")
    }
    cb_request = Request(
        http_scope(
            header(txn),
            path="/custom-callback",
            scheme="https",
            query_string=back.query.encode(),
        )
    )
    cb_response = RedirectResponse("/")
    result = await auth0.complete_interactive_login(cb_request, cb_response)
    assert isinstance(result, LoginResult)
    assert result.return_to == "/after"
    assert result.session.user.sub == "auth0|alice"
    assert any(  # MockAuth0's tokens make a session larger than one cookie
        line.startswith(("__session=ey", "__session__0=ey"))
        for line in cb_response.headers.getlist("set-cookie")
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
