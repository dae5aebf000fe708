"""The public shell, Auth0Client: the request forms its methods accept, and construction."""

from __future__ import annotations

import base64
from typing import ClassVar
from urllib.parse import parse_qs

import httpx
import msgspec
import pytest

from auth0_async import (
    Auth0Client,
    ConfigurationError,
    RequestContextError,
)
from auth0_async._core._models import session_from_wire
from auth0_async.testing import FrozenClock, generate_session_cookie

from .conftest import SECRET, http_scope
from .support.fakes import APP, FakeProvider
from .support.sessions import (
    T0,
    WIRE,
    RecordingSink,
    cookie_for,
    make,
)

pytestmark = pytest.mark.anyio


async def test_get_session_from_an_asgi_scope() -> None:
    auth0 = make()
    session = await auth0.get_session(http_scope(f"__session={cookie_for()}"))
    assert session is not None
    assert session.user.sub == "auth0|alice"
    assert session.user["https://example.com/tier"] == "gold"
    assert session.extra == {"favourite": [1, 2, 3]}
    assert session.exp == int(T0) + 3600


async def test_get_session_from_a_starlette_request() -> None:
    from starlette.requests import Request

    auth0 = make()
    request = Request(http_scope(f"__session={cookie_for()}"))
    session = await auth0.get_session(request)
    assert session is not None
    assert session.user.name == "Alice"


async def test_get_session_from_any_request_source() -> None:
    class Source:
        headers: ClassVar[dict[str, str]] = {"cookie": f"a=b; __session={cookie_for()}"}
        url = "https://app.example/x"

    session = await make().get_session(Source())
    assert session is not None
    assert session.user.sub == "auth0|alice"
    assert session.user["https://example.com/tier"] == "gold"
    assert session.token_set.refresh_token == "rt"
    assert session.extra == {"favourite": [1, 2, 3]}
    assert session == await make().get_session(http_scope(f"__session={cookie_for()}"))


async def test_bound_form_outside_a_request_raises_a_helpful_error() -> None:
    with pytest.raises(RequestContextError, match="middleware"):
        await make().get_session()
    with pytest.raises(RequestContextError):
        await make().update_session(session_from_wire(WIRE))


async def test_bad_request_type_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        await make().get_session(42)  # type: ignore[call-overload]


def test_construction_needs_only_a_secret() -> None:
    with pytest.raises(ConfigurationError, match="AUTH0_SECRET"):
        Auth0Client()
    auth0 = Auth0Client(secret=SECRET)
    with pytest.raises(ConfigurationError, match="AUTH0_DOMAIN"):
        _ = auth0.domain
    with pytest.raises(ConfigurationError, match="AUTH0_CLIENT_ID"):
        _ = auth0.client_id


def test_unknown_logout_strategy_and_bad_timeout_are_configuration_errors() -> None:
    from auth0_async import ConfigurationError

    with pytest.raises(ConfigurationError):
        Auth0Client(secret=SECRET, logout_strategy="sideways")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        Auth0Client(secret=SECRET, http_timeout=0)
    with pytest.raises(ConfigurationError):
        Auth0Client(secret=SECRET, sign_in_return_to_path="//evil")


# -- secrets wrapped in pydantic's SecretStr (or anything with get_secret_value) ---------------


def _refresh_forms(provider: FakeProvider) -> list[dict[str, str]]:
    return [
        {k: v[0] for k, v in parse_qs(r.content.decode()).items()}
        for r in provider.requests
        if r.url.path == "/oauth/token"
    ]


def _expired_session_cookie(secret: str) -> str:
    wire = {
        "user": {"sub": "auth0|1"},
        "tokenSet": {"accessToken": "at-old", "expiresAt": int(T0), "refreshToken": "rt-1"},
        "internal": {"sid": "s1", "createdAt": int(T0)},
    }
    return generate_session_cookie(wire, secret=secret, clock=FrozenClock(T0))


@pytest.mark.parametrize("basic", [False, True])
async def test_secret_str_secrets_reach_the_cipher_and_the_provider_unmasked(basic: bool) -> None:
    from pydantic import SecretStr

    provider = FakeProvider()
    provider.token_body = lambda form: msgspec.json.encode(
        {"access_token": "at-new", "token_type": "Bearer", "expires_in": 3600}
    )
    auth0 = Auth0Client(
        domain="tenant.example.com",
        client_id="cid",
        client_secret=SecretStr("csecret"),
        secret=SecretStr(SECRET),
        app_base_url=APP,
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(provider.handler)),
        clock=FrozenClock(T0 + 10),
        token_endpoint_auth_method="client_secret_basic" if basic else "client_secret_post",
    )
    scope = http_scope(f"__session={_expired_session_cookie(SECRET)}", scheme="https")
    session = await auth0.get_session(scope)  # the cookie secret decrypts
    assert session is not None
    assert session.user.sub == "auth0|1"

    token = await auth0.get_access_token(scope, RecordingSink())
    assert token.token == "at-new"
    (request,) = [r for r in provider.requests if r.url.path == "/oauth/token"]
    if basic:
        expected = base64.b64encode(b"cid:csecret").decode()
        assert request.headers["authorization"] == f"Basic {expected}"
    else:
        (form,) = _refresh_forms(provider)
        assert form["client_secret"] == "csecret"
    assert b"*****" not in request.content
    assert "*****" not in request.headers.get("authorization", "")


async def test_a_list_of_secrets_may_mix_strings_and_secret_strs() -> None:
    from pydantic import SecretStr

    old = "an-older-secret-that-still-decrypts-cookies"
    auth0 = Auth0Client(secret=[SecretStr(SECRET), old], clock=FrozenClock(T0 + 10))
    session = await auth0.get_session(http_scope(f"__session={_expired_session_cookie(old)}"))
    assert session is not None
    assert "SecretStr" not in repr(auth0)


def test_a_secret_value_that_is_not_a_string_is_a_configuration_error() -> None:
    class Odd:
        def get_secret_value(self) -> object:
            return 42

    with pytest.raises(ConfigurationError, match="secret"):
        Auth0Client(secret=Odd())  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="client_secret"):
        Auth0Client(secret=SECRET, client_secret=Odd())  # type: ignore[arg-type]


def test_secret_value_types_the_public_signature() -> None:
    from pydantic import SecretStr

    from auth0_async import SecretValue

    wrapped: SecretValue = SecretStr("x")  # pydantic's SecretStr satisfies the Protocol
    assert wrapped.get_secret_value() == "x"


async def test_async_with_closes_the_http_client_it_created() -> None:
    async with Auth0Client(secret=SECRET, domain="tenant.example.com") as auth0:
        http = auth0._kernel.provider.oidc()._client()  # as the first provider call makes it
        assert not http.is_closed
    assert http.is_closed


async def test_async_with_leaves_a_given_http_client_open() -> None:
    given = httpx.AsyncClient()
    async with Auth0Client(secret=SECRET, domain="tenant.example.com", http_client=given):
        pass
    assert not given.is_closed
    await given.aclose()
