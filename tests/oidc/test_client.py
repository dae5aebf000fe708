from __future__ import annotations

import base64
import contextlib
import json
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import anyio
import anyio.abc
import httpx
import pytest
from joserfc import jwt

from auth0_async._exceptions import (
    ConfigurationError,
    DiscoveryError,
    KeyNotFoundError,
    OAuthError,
    TokenValidationError,
    TransportError,
)
from auth0_async._oidc._client import OIDCClient
from auth0_async._oidc._client_auth import ClientSecretBasic, ClientSecretPost, PrivateKeyJwt
from auth0_async._oidc._logout_token import JtiCache
from auth0_async._oidc._tokens import parse_token_response, refresh_token_form
from auth0_async.testing import FrozenClock

from ..support.fakes import FakeOP, answer
from ..support.tokens import CLIENT_ID, ISSUER, NOW, ec_key, id_claims, logout_claims, mint, rsa_key

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

pytestmark = pytest.mark.anyio

DISCOVERY = "/.well-known/openid-configuration"
JWKS = "/.well-known/jwks.json"
SECRET = "s3cret-value-never-logged"
AUTH = ClientSecretPost(CLIENT_ID, SECRET)


def make(fake: FakeOP, clock: FrozenClock | None = None, **kwargs: Any) -> OIDCClient:
    return OIDCClient(
        "https://op.example.test",
        http_client=fake.client(),
        clock=clock or FrozenClock(NOW),
        **kwargs,
    )


def form_of(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


# -- discovery ---------------------------------------------------------------------------


async def test_metadata_is_fetched_once_and_cached_until_ttl() -> None:
    fake, clock = FakeOP(), FrozenClock(NOW)
    client = make(fake, clock, metadata_ttl=600)
    first = await client.metadata()
    assert first.issuer == ISSUER
    assert first.token_endpoint == "https://op.example.test/oauth/token"
    assert await client.metadata() is first
    clock.advance(599)
    await client.metadata()
    assert fake.hits[DISCOVERY] == 1
    clock.advance(2)
    await client.metadata()
    assert fake.hits[DISCOVERY] == 2
    request = fake.requests[0]
    assert request.headers["accept"] == "application/json"
    assert request.headers["accept-encoding"] == "identity"


async def test_single_flight_20_concurrent_misses_make_one_request() -> None:
    fake = FakeOP()
    fake.delay = 0.05
    client = make(fake)
    results: list[Any] = []

    async def call() -> None:
        results.append(await client.metadata())

    async with anyio.create_task_group() as tg:
        for _ in range(20):
            tg.start_soon(call)
    assert fake.hits[DISCOVERY] == 1
    assert len(results) == 20
    assert all(result is results[0] for result in results)


async def test_single_flight_shares_the_failure() -> None:
    fake = FakeOP()
    fake.delay = 0.05
    fake.overrides[DISCOVERY] = answer(503, text="down")
    client = make(fake)
    errors: list[BaseException] = []

    async def call() -> None:
        try:
            await client.metadata()
        except DiscoveryError as exc:
            errors.append(exc)

    async with anyio.create_task_group() as tg:
        for _ in range(20):
            tg.start_soon(call)
    assert fake.hits[DISCOVERY] == 2  # one flight: the GET and its one retry
    assert len(errors) == 20
    assert all("HTTP 503" in str(error) for error in errors)
    # Failures are not cached: the next call tries again.
    fake.overrides.clear()
    fake.delay = 0
    assert (await client.metadata()).issuer == ISSUER
    assert fake.hits[DISCOVERY] == 3


async def test_cancelled_fetcher_hands_over_to_a_waiter() -> None:
    fake = FakeOP()
    started = anyio.Event()

    async def slow_discovery(request: httpx.Request) -> None:
        started.set()
        await anyio.sleep(0.2)

    fake.overrides[DISCOVERY] = slow_discovery
    client = make(fake)
    results: list[Any] = []
    leader_scope = anyio.CancelScope()

    async def leader() -> None:
        with leader_scope:
            await client.metadata()

    async def follower() -> None:
        results.append(await client.metadata())

    async with anyio.create_task_group() as tg:
        tg.start_soon(leader)
        await started.wait()
        tg.start_soon(follower)
        await anyio.sleep(0.01)
        leader_scope.cancel()
    assert leader_scope.cancelled_caught
    assert len(results) == 1
    assert results[0].issuer == ISSUER
    assert fake.hits[DISCOVERY] == 2


@pytest.mark.parametrize(
    ("issuer", "ok"),
    [
        ("https://op.example.test/", True),
        ("https://op.example.test", True),
        ("https://op.example.test//", False),
        ("https://evil.example/", False),
    ],
)
async def test_discovered_issuer_must_match(issuer: str, ok: bool) -> None:
    fake = FakeOP(issuer=issuer)
    fake.metadata["issuer"] = issuer
    fake.overrides[DISCOVERY] = answer(200, json=fake.metadata)
    client = OIDCClient(
        "https://op.example.test", http_client=fake.client(), clock=FrozenClock(NOW)
    )
    if ok:
        assert (await client.metadata()).issuer == issuer
    else:
        with pytest.raises(DiscoveryError, match="does not match"):
            await client.metadata()


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (answer(500, text="boom"), "HTTP 500"),
        (answer(404), "HTTP 404"),
        (answer(302, headers={"location": "https://evil.example/"}), "HTTP 302"),
        (answer(200, text="<html>"), "not valid JSON"),
        (answer(200, json=[1, 2]), "invalid discovery document"),
        (answer(200, json={"issuer": ISSUER}), "invalid discovery document"),
    ],
)
async def test_discovery_failures(response: Any, message: str) -> None:
    fake = FakeOP()
    fake.overrides[DISCOVERY] = response
    with pytest.raises(DiscoveryError, match=message):
        await make(fake).metadata()


async def test_timeout_is_a_discovery_error() -> None:
    fake = FakeOP()
    fake.delay = 5
    with pytest.raises(DiscoveryError, match="timed out after 0.05s") as info:
        await make(fake, timeout=0.05).metadata()
    assert isinstance(info.value.__cause__, TimeoutError)


async def test_network_error_is_translated_once() -> None:
    async def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    fake = FakeOP()
    fake.overrides[DISCOVERY] = refuse
    with pytest.raises(DiscoveryError, match="failed: ConnectError") as info:
        await make(fake).metadata()
    assert isinstance(info.value.__cause__, httpx.ConnectError)


async def test_oversized_body_with_content_length() -> None:
    fake = FakeOP()
    fake.overrides[DISCOVERY] = answer(200, content=b" " * 2_000)
    with pytest.raises(DiscoveryError, match="exceeds 1000 bytes"):
        await make(fake, max_response_bytes=1000).metadata()


class EndlessStream(httpx.AsyncByteStream):
    """A body that never ends until closed, like a real connection (no generator to abandon)."""

    def __init__(self) -> None:
        self.produced = 0
        self.closed = False

    def __aiter__(self) -> EndlessStream:
        return self

    async def __anext__(self) -> bytes:
        if self.closed:
            raise StopAsyncIteration
        self.produced += 1
        return b"x" * 65536

    async def aclose(self) -> None:
        self.closed = True


async def test_oversized_streamed_body_is_not_read_to_the_end() -> None:
    body = EndlessStream()

    async def stream(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=body)

    fake = FakeOP()
    fake.overrides["/oauth/token"] = stream
    with pytest.raises(TransportError, match="exceeds 100000 bytes"):
        await make(fake, max_response_bytes=100_000).token_request({"grant_type": "x"}, AUTH)
    assert body.produced == 2
    assert body.closed


# A body that ignores aclose() cannot be stopped cleanly through httpx's nested
# async generators (encode/httpx#3686): trio then warns about the abandoned
# generator. The read must still stop after a bounded amount.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
async def test_oversized_body_from_a_stream_that_ignores_close_is_bounded() -> None:
    produced = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal produced
        for _ in range(1000):
            produced += 1
            yield b"x" * 65536

    async def stream(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=endless())

    fake = FakeOP()
    fake.overrides["/oauth/token"] = stream
    with pytest.raises(TransportError, match="exceeds 100000 bytes"):
        await make(fake, max_response_bytes=100_000).token_request({"grant_type": "x"}, AUTH)
    assert produced <= 4


async def test_oversized_body_over_a_real_connection() -> None:
    """Through httpx's real transport on loopback: capped, connection dropped, no warnings."""
    sent = 0

    async def serve(stream: anyio.abc.SocketStream) -> None:
        nonlocal sent
        async with stream:
            request = b""
            while b"\r\n\r\n" not in request:
                request += await stream.receive()
            head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            await stream.send(head + b"Transfer-Encoding: chunked\r\n\r\n")
            chunk = b"x" * 65536
            with contextlib.suppress(anyio.BrokenResourceError, anyio.ClosedResourceError):
                for _ in range(1000):
                    await stream.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    sent += 1

    listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0)
    port = listener.extra(anyio.abc.SocketAttribute.local_port)
    async with listener, anyio.create_task_group() as tg:
        tg.start_soon(listener.serve, serve)
        async with httpx.AsyncClient() as http:
            client = OIDCClient(
                f"http://127.0.0.1:{port}", http_client=http, max_response_bytes=200_000
            )
            with pytest.raises(TransportError, match="exceeds 200000 bytes"):
                await client._send(
                    "GET", f"http://127.0.0.1:{port}/", what="probe", error=TransportError
                )
        tg.cancel_scope.cancel()
    assert sent < 100


async def test_body_at_the_limit_is_fine() -> None:
    fake = FakeOP()
    body = json.dumps(fake.metadata).encode()
    fake.overrides[DISCOVERY] = answer(200, content=body)
    assert (await make(fake, max_response_bytes=len(body)).metadata()).issuer == ISSUER


# -- JWKS and key rotation ---------------------------------------------------------------


async def test_jwks_cached_and_key_for() -> None:
    fake = FakeOP(rsa_key(), ec_key())
    client = make(fake)
    assert [key.kid for key in await client.jwks()] == ["rsa-1", "ec-1"]
    assert (await client.key_for("ec-1", "ES256")).kid == "ec-1"
    assert (await client.key_for("rsa-1", "PS256")).kid == "rsa-1"
    assert fake.hits[JWKS] == 1
    with pytest.raises(ConfigurationError):
        await client.key_for("rsa-1", "HS256")


async def test_jwks_failure_is_a_discovery_error() -> None:
    fake = FakeOP()
    fake.overrides[JWKS] = answer(200, json={"keys": []})
    with pytest.raises(DiscoveryError, match="no usable signing key"):
        await make(fake).jwks()


async def test_unknown_kid_refetches_exactly_once_then_rate_limits() -> None:
    fake, clock = FakeOP(), FrozenClock(NOW)
    client = make(fake, clock, jwks_refetch_cooldown=30)
    with pytest.raises(KeyNotFoundError):
        await client.key_for("nope", "RS256")
    assert fake.hits[JWKS] == 2  # the first fetch, then one refetch
    with pytest.raises(KeyNotFoundError):
        await client.key_for("still-nope", "RS256")
    assert fake.hits[JWKS] == 2  # rate limited
    clock.advance(31)
    fake.keys.append(rsa_key("rsa-2"))
    assert (await client.key_for("rsa-2", "RS256")).kid == "rsa-2"
    assert fake.hits[JWKS] == 3


async def test_rp_key_rotation_op_sign_key() -> None:
    fake, clock = FakeOP(rsa_key()), FrozenClock(NOW)
    client = make(fake, clock)
    claims = await client.verify_id_token(mint(id_claims()), client_id=CLIENT_ID, nonce=None)
    assert claims["sub"] == "alice"
    fake.keys = [rsa_key("rsa-2")]  # the OP rotates its signing key
    rotated = mint(id_claims(), rsa_key("rsa-2"))
    assert await client.verify_id_token(rotated, client_id=CLIENT_ID, nonce=None)
    assert fake.hits[JWKS] == 2

    # Twenty requests meet the next rotation at once: still one refetch.
    clock.advance(31)
    fake.keys = [rsa_key("rsa-3")]
    fake.delay = 0.05
    token = mint(id_claims(), rsa_key("rsa-3"))
    results: list[dict[str, Any]] = []

    async def verify() -> None:
        results.append(await client.verify_id_token(token, client_id=CLIENT_ID, nonce=None))

    async with anyio.create_task_group() as tg:
        for _ in range(20):
            tg.start_soon(verify)
    assert len(results) == 20
    assert fake.hits[JWKS] == 3


async def test_verify_id_token_unknown_kid_after_refetch() -> None:
    fake = FakeOP()
    client = make(fake)
    token = mint(id_claims(), rsa_key("ghost"))
    with pytest.raises(KeyNotFoundError):
        await client.verify_id_token(token, client_id=CLIENT_ID, nonce=None)
    assert fake.hits[JWKS] == 2
    with pytest.raises(KeyNotFoundError):
        await client.verify_id_token(token, client_id=CLIENT_ID, nonce=None)
    assert fake.hits[JWKS] == 2


async def test_verify_id_token_uses_discovered_issuer_and_algorithms() -> None:
    fake = FakeOP(rsa_key(), ec_key())
    fake.metadata["id_token_signing_alg_values_supported"] = ["ES256"]
    client = make(fake)
    es = mint(id_claims(nonce="n1"), ec_key(), alg="ES256")
    assert (await client.verify_id_token(es, client_id=CLIENT_ID, nonce="n1"))["sub"] == "alice"
    with pytest.raises(TokenValidationError, match="not allowed"):
        await client.verify_id_token(mint(id_claims()), client_id=CLIENT_ID, nonce=None)
    with pytest.raises(TokenValidationError, match="nonce"):
        await client.verify_id_token(es, client_id=CLIENT_ID, nonce="other")


async def test_verify_logout_token() -> None:
    client = make(FakeOP())
    cache = JtiCache()
    token = mint(logout_claims(), header={"typ": "logout+jwt"})
    claims = await client.verify_logout_token(token, client_id=CLIENT_ID, seen_jti=cache)
    assert claims["sid"] == "sid-1"
    with pytest.raises(TokenValidationError, match="replay"):
        await client.verify_logout_token(token, client_id=CLIENT_ID, seen_jti=cache)


async def test_verify_logout_token_uses_discovered_algorithms() -> None:
    """The JWKS has an ES256 key, but the provider advertises RS256 only: ES256 is refused."""
    fake = FakeOP(rsa_key(), ec_key())
    fake.metadata["id_token_signing_alg_values_supported"] = ["RS256"]
    client = make(fake)
    es256 = mint(logout_claims(), ec_key(), alg="ES256")
    with pytest.raises(TokenValidationError, match="'ES256' is not allowed"):
        await client.verify_logout_token(es256, client_id=CLIENT_ID, seen_jti=JtiCache())
    rs256 = mint(logout_claims())
    assert await client.verify_logout_token(rs256, client_id=CLIENT_ID, seen_jti=JtiCache())


# -- token endpoint ----------------------------------------------------------------------


async def test_token_request_with_client_secret_post() -> None:
    fake = FakeOP()
    fake.token_answer = {
        "access_token": "at",
        "token_type": "Bearer",
        "expires_in": 60,
        "refresh_token": "rt2",
    }
    client = make(fake)
    body = await client.token_request(refresh_token_form(refresh_token="rt1"), AUTH)
    assert parse_token_response(body).refresh_token == "rt2"
    request = fake.requests[-1]
    assert request.method == "POST"
    assert request.url == "https://op.example.test/oauth/token"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert form_of(request) == {
        "grant_type": "refresh_token",
        "refresh_token": "rt1",
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
    }


async def test_token_request_with_client_secret_basic() -> None:
    fake = FakeOP()
    await make(fake).token_request({"grant_type": "x"}, ClientSecretBasic(CLIENT_ID, SECRET))
    request = fake.requests[-1]
    assert form_of(request) == {"grant_type": "x"}
    decoded = base64.b64decode(request.headers["authorization"].split()[1]).decode()
    assert decoded == f"{CLIENT_ID}:{SECRET}"


async def test_token_request_with_private_key_jwt() -> None:
    fake = FakeOP()
    key = rsa_key("client-key")
    await make(fake).token_request({"grant_type": "x"}, PrivateKeyJwt(CLIENT_ID, key))
    form = form_of(fake.requests[-1])
    claims = jwt.decode(form["client_assertion"], key, algorithms=["RS256"]).claims
    assert claims["aud"] == ISSUER
    assert claims["iat"] == int(NOW)


async def test_token_request_oauth_error() -> None:
    fake = FakeOP()
    fake.overrides["/oauth/token"] = answer(
        400, json={"error": "invalid_grant", "error_description": "refresh token already used"}
    )
    with pytest.raises(OAuthError) as info:
        await make(fake).token_request({"grant_type": "x"}, AUTH)
    assert info.value.error == "invalid_grant"
    assert info.value.status == 400
    assert SECRET not in str(info.value)
    assert SECRET not in repr(info.value)


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (answer(502, text="<html>bad gateway</html>"), "HTTP 502"),
        (answer(401, json={"message": "nope"}), "HTTP 401"),
        (answer(200, text="not json"), "not a JSON object"),
        (answer(200, json=["x"]), "not a JSON object"),
        (answer(200), "not a JSON object"),
    ],
)
async def test_token_request_transport_errors(response: Any, message: str) -> None:
    fake = FakeOP()
    fake.overrides["/oauth/token"] = response
    with pytest.raises(TransportError, match=message) as info:
        await make(fake).token_request({"grant_type": "x"}, AUTH)
    assert SECRET not in str(info.value)


async def test_token_request_timeout() -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        await anyio.sleep(5)
        return httpx.Response(200)

    fake = FakeOP()
    fake.overrides["/oauth/token"] = slow
    with pytest.raises(TransportError, match="token request to .* timed out") as info:
        await make(fake, timeout=0.05).token_request({"grant_type": "x"}, AUTH)
    assert not isinstance(info.value, DiscoveryError)


async def test_httpx_timeout_is_translated() -> None:
    async def read_timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    fake = FakeOP()
    fake.overrides["/oauth/token"] = read_timeout
    with pytest.raises(TransportError, match="timed out") as info:
        await make(fake).token_request({"grant_type": "x"}, AUTH)
    assert isinstance(info.value.__cause__, httpx.ReadTimeout)


# -- PAR and revocation ------------------------------------------------------------------


async def test_pushed_authorization_request() -> None:
    fake = FakeOP()
    uri = await make(fake).pushed_authorization_request({"scope": "openid", "state": "s"}, AUTH)
    assert uri == "urn:par:1"
    form = form_of(fake.requests[-1])
    assert form["scope"] == "openid"
    assert form["client_secret"] == SECRET


async def test_par_errors() -> None:
    fake = FakeOP()
    fake.overrides["/oauth/par"] = answer(400, json={"error": "invalid_request"})
    with pytest.raises(OAuthError, match="invalid_request"):
        await make(fake).pushed_authorization_request({}, AUTH)
    fake.overrides["/oauth/par"] = answer(201, json={"expires_in": 60})
    with pytest.raises(TransportError, match="request_uri"):
        await make(fake).pushed_authorization_request({}, AUTH)
    del fake.metadata["pushed_authorization_request_endpoint"]
    with pytest.raises(ConfigurationError, match="pushed authorization"):
        await make(fake).pushed_authorization_request({}, AUTH)


async def test_revoke() -> None:
    fake = FakeOP()
    await make(fake).revoke("rt-1", AUTH)
    assert form_of(fake.requests[-1]) == {
        "token": "rt-1",
        "token_type_hint": "refresh_token",
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
    }
    await make(fake).revoke("at-1", AUTH, token_type_hint=None)
    assert "token_type_hint" not in form_of(fake.requests[-1])


async def test_revoke_errors() -> None:
    fake = FakeOP()
    fake.overrides["/oauth/revoke"] = answer(400, json={"error": "unsupported_token_type"})
    with pytest.raises(OAuthError, match="unsupported_token_type"):
        await make(fake).revoke("t", AUTH)
    fake.overrides["/oauth/revoke"] = answer(503, headers={"retry-after": "1"})
    with pytest.raises(TransportError, match="HTTP 503"):
        await make(fake).revoke("t", AUTH)
    del fake.metadata["revocation_endpoint"]
    with pytest.raises(ConfigurationError, match="revocation"):
        await make(fake).revoke("t", AUTH)


# -- lifecycle ---------------------------------------------------------------------------


async def test_owned_client_is_created_lazily_and_closed() -> None:
    client = OIDCClient("https://op.example.test")
    assert client._http is None
    await client.aclose()
    http = client._client()
    assert not http.is_closed
    async with client:
        pass
    assert http.is_closed


async def test_given_client_is_not_closed() -> None:
    fake = FakeOP()
    http = fake.client()
    async with OIDCClient("https://op.example.test", http_client=http) as client:
        await client.metadata()
    assert not http.is_closed
    await http.aclose()


async def test_extra_headers_are_sent() -> None:
    fake = FakeOP()
    await make(fake, headers={"Auth0-Client": "abc"}).metadata()
    assert fake.requests[0].headers["auth0-client"] == "abc"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"issuer_base": "tenant.auth0.com"},
        {"issuer_base": "ftp://x"},
        {"issuer_base": "https://x", "timeout": 0},
        {"issuer_base": "https://x", "max_response_bytes": 0},
    ],
)
def test_constructor_validation(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        OIDCClient(**kwargs)


def test_repr() -> None:
    assert repr(OIDCClient("https://op.example.test")) == "OIDCClient('https://op.example.test')"
