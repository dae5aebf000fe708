"""The OIDC layer against the real, certified oidc-provider (node), on asyncio and trio."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import anyio
import anyio.to_thread
import httpx
import pytest
from joserfc.jwk import RSAKey

from auth0_async import Auth0Client
from auth0_async._core._config import Secret
from auth0_async._exceptions import OAuthError, SecurityWarning, TokenValidationError
from auth0_async._oidc import (
    ClientSecretBasic,
    ClientSecretPost,
    JtiCache,
    OIDCClient,
    PrivateKeyJwt,
    authorization_code_form,
    authorization_url,
    build_authorization_params,
    build_logout_url,
    code_challenge_s256,
    new_code_verifier,
    new_nonce,
    new_state,
    par_authorization_url,
    parse_token_response,
    peek_header,
    refresh_token_form,
)

from ..conftest import require_node
from ..peers.peers import OidcProviderProcess, drive_login, logout_token_sink

if TYPE_CHECKING:
    from collections.abc import Iterator

    from auth0_async._oidc import ClientAuth, ProviderMetadata, TokenResponse

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]

APP = "http://127.0.0.1:3000"
REDIRECT_URI = f"{APP}/auth/callback"
SECRET = "test-client-secret"
POST_CLIENT = "test-client"
BASIC_CLIENT = "test-client-basic"
JWT_CLIENT = "test-client-jwt"
HS_CLIENT = "test-client-hs256"
HS_SECRET = "hs256-client-secret-" + "s" * 24  # RFC 7518 §3.2: at least 32 bytes
CLIENT_KEY = RSAKey.generate_key(2048, parameters={"kid": "client-key-1"})


@pytest.fixture(scope="module")
def logout_sink() -> Iterator[tuple[str, list[str]]]:
    with logout_token_sink() as sink:
        yield sink


@pytest.fixture(scope="module")
def op(logout_sink: tuple[str, list[str]]) -> Iterator[OidcProviderProcess]:
    require_node()
    client = {"redirect_uris": [REDIRECT_URI], "post_logout_redirect_uris": [APP]}
    config = {
        "idTokenSigningAlgValues": ["RS256", "PS256", "ES256", "HS256"],
        "clients": [
            {
                **client,
                "client_id": POST_CLIENT,
                "client_secret": SECRET,
                "token_endpoint_auth_method": "client_secret_post",
                "backchannel_logout_uri": logout_sink[0],
            },
            {
                **client,
                "client_id": BASIC_CLIENT,
                "client_secret": SECRET,
                "token_endpoint_auth_method": "client_secret_basic",
            },
            {
                **client,
                "client_id": HS_CLIENT,
                "client_secret": HS_SECRET,
                "token_endpoint_auth_method": "client_secret_post",
                "id_token_signed_response_alg": "HS256",
                "backchannel_logout_uri": logout_sink[0],
            },
            {
                **client,
                "client_id": JWT_CLIENT,
                "token_endpoint_auth_method": "private_key_jwt",
                "jwks": {"keys": [dict(CLIENT_KEY.as_dict(private=False))]},
            },
        ],
    }
    with OidcProviderProcess(config) as provider:
        yield provider


async def login(
    client: OIDCClient, auth: ClientAuth, *, login_name: str, par: bool = False
) -> tuple[dict[str, Any], str]:
    """Authorization code + PKCE through the OP's pages; returns (tokens, nonce)."""
    metadata = await client.metadata()
    verifier, state, nonce = new_code_verifier(), new_state(), new_nonce()
    params = build_authorization_params(
        client_id=auth.client_id,
        redirect_uri=REDIRECT_URI,
        state=state,
        nonce=nonce,
        code_challenge=code_challenge_s256(verifier),
        query={"returnTo": "/after", "login_hint": login_name},
    )
    if par:
        request_uri = await client.pushed_authorization_request(params, auth)
        url = par_authorization_url(metadata, client_id=auth.client_id, request_uri=request_uri)
    else:
        url = authorization_url(metadata, params)

    def browse() -> str:
        with httpx.Client() as browser:
            return drive_login(url, login=login_name, client=browser)

    callback = await anyio.to_thread.run_sync(browse)
    query = {k: v[0] for k, v in parse_qs(urlsplit(callback).query).items()}
    assert query["state"] == state
    assert query["iss"] == metadata.issuer
    form = authorization_code_form(
        code=query["code"], redirect_uri=REDIRECT_URI, code_verifier=verifier
    )
    return await client.token_request(form, auth), nonce


async def verified(
    client: OIDCClient, auth: ClientAuth, body: dict[str, Any], nonce: str | None
) -> tuple[TokenResponse, dict[str, Any]]:
    tokens = parse_token_response(body, require_id_token=True)
    assert tokens.id_token is not None
    claims = await client.verify_id_token(tokens.id_token, client_id=auth.client_id, nonce=nonce)
    return tokens, claims


async def test_discovery_and_logout_url(op: OidcProviderProcess) -> None:
    async with OIDCClient(op.issuer) as client:
        metadata: ProviderMetadata = await client.metadata()
        assert metadata.issuer == op.issuer
        assert metadata.authorization_response_iss_parameter_supported
        keys = await client.jwks()
        assert {key.key_type for key in keys} == {"RSA", "EC"}
        url = build_logout_url(
            strategy="auto",
            metadata=metadata,
            client_id=POST_CLIENT,
            return_to=APP,
            id_token_hint="x",
        )
        assert url.startswith(f"{op.issuer}/session/end?client_id=")


async def test_login_refresh_rotation_revocation(op: OidcProviderProcess) -> None:
    auth = ClientSecretPost(POST_CLIENT, SECRET)
    async with OIDCClient(op.issuer) as client:
        body, nonce = await login(client, auth, login_name="alice")
        tokens, claims = await verified(client, auth, body, nonce)
        assert claims["sub"] == "alice"
        assert claims["email"] == "alice@example.test"
        assert tokens.refresh_token is not None

        refreshed_body = await client.token_request(
            refresh_token_form(refresh_token=tokens.refresh_token), auth
        )
        refreshed, again = await verified(client, auth, refreshed_body, None)
        assert again["sub"] == "alice"
        assert refreshed.refresh_token not in (None, tokens.refresh_token)

        with pytest.raises(OAuthError) as info:  # rotated out: reuse detection
            await client.token_request(refresh_token_form(refresh_token=tokens.refresh_token), auth)
        assert info.value.error == "invalid_grant"
        assert info.value.status == 400


async def test_revocation(op: OidcProviderProcess) -> None:
    auth = ClientSecretBasic(BASIC_CLIENT, SECRET)
    async with OIDCClient(op.issuer) as client:
        body, nonce = await login(client, auth, login_name="dave", par=True)
        tokens, _ = await verified(client, auth, body, nonce)
        assert tokens.refresh_token is not None
        await client.revoke(tokens.refresh_token, auth)
        with pytest.raises(OAuthError, match="invalid_grant"):
            await client.token_request(refresh_token_form(refresh_token=tokens.refresh_token), auth)


async def test_private_key_jwt_client(op: OidcProviderProcess) -> None:
    auth = PrivateKeyJwt(JWT_CLIENT, CLIENT_KEY)
    async with OIDCClient(op.issuer) as client:
        body, nonce = await login(client, auth, login_name="erin")
        _, claims = await verified(client, auth, body, nonce)
        assert claims["aud"] == JWT_CLIENT


async def test_key_rotation_and_backchannel_logout(
    op: OidcProviderProcess, logout_sink: tuple[str, list[str]]
) -> None:
    _, received = logout_sink
    auth = ClientSecretPost(POST_CLIENT, SECRET)
    async with OIDCClient(op.issuer) as client:
        body, nonce = await login(client, auth, login_name="bob")
        tokens, claims = await verified(client, auth, body, nonce)
        assert tokens.refresh_token is not None

        rotated = await anyio.to_thread.run_sync(op.rotate_keys)
        fresh = await client.token_request(
            refresh_token_form(refresh_token=tokens.refresh_token), auth
        )
        _, fresh_claims = await verified(client, auth, fresh, None)  # refetches the JWKS
        assert fresh_claims["sub"] == "bob"
        assert rotated["kids"][0] in {key.kid for key in await client.jwks()}

        before = len(received)
        await anyio.to_thread.run_sync(
            lambda: op.backchannel_logout(POST_CLIENT, sub="bob", sid=claims["sid"])
        )
        assert len(received) == before + 1
        cache = JtiCache()
        logout = await client.verify_logout_token(
            received[-1], client_id=POST_CLIENT, seen_jti=cache
        )
        assert logout["sub"] == "bob"
        assert logout["sid"] == claims["sid"]


async def test_hs256_id_and_logout_tokens_only_with_the_opt_in(
    op: OidcProviderProcess, logout_sink: tuple[str, list[str]]
) -> None:
    """oidc-provider signs this client's ID and logout tokens HS256 with its secret."""
    _, received = logout_sink
    auth = ClientSecretPost(HS_CLIENT, HS_SECRET)
    async with (
        OIDCClient(op.issuer, hs256_secret=Secret(HS_SECRET)) as opted_in,
        OIDCClient(op.issuer) as default,
        OIDCClient(op.issuer, hs256_secret=Secret(HS_SECRET[::-1])) as wrong,
    ):
        assert "HS256" in ((await default.metadata()).id_token_signing_alg_values_supported or ())
        body, nonce = await login(opted_in, auth, login_name="hana")
        tokens = parse_token_response(body, require_id_token=True)
        assert tokens.id_token is not None
        assert peek_header(tokens.id_token)["alg"] == "HS256"
        claims = await opted_in.verify_id_token(tokens.id_token, client_id=HS_CLIENT, nonce=nonce)
        assert claims["sub"] == "hana"
        with pytest.raises(TokenValidationError, match="'HS256' is not allowed"):
            await default.verify_id_token(tokens.id_token, client_id=HS_CLIENT, nonce=nonce)
        with pytest.raises(TokenValidationError, match="signature verification failed"):
            await wrong.verify_id_token(tokens.id_token, client_id=HS_CLIENT, nonce=nonce)

        before = len(received)
        await anyio.to_thread.run_sync(
            lambda: op.backchannel_logout(HS_CLIENT, sub="hana", sid=claims["sid"])
        )
        assert len(received) == before + 1
        logout_token = received[-1]
        assert peek_header(logout_token)["alg"] == "HS256"
        with pytest.raises(TokenValidationError, match="'HS256' is not allowed"):
            await default.verify_logout_token(
                logout_token, client_id=HS_CLIENT, seen_jti=JtiCache()
            )
        logout = await opted_in.verify_logout_token(
            logout_token, client_id=HS_CLIENT, seen_jti=JtiCache()
        )
        assert (logout["sub"], logout["sid"]) == ("hana", claims["sid"])


async def _not_found(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 404, "headers": []})
    await send({"type": "http.response.body", "body": b""})


async def _app_login(op: OidcProviderProcess, *, opt_in: bool) -> tuple[httpx.Response, Any]:
    """Log in through Auth0Client's own routes (in process); return the callback's answer."""
    with pytest.warns(SecurityWarning, match="plain http"):
        auth0 = Auth0Client(
            domain=op.issuer,
            client_id=HS_CLIENT,
            client_secret=HS_SECRET,
            secret="0123456789abcdef" * 4,
            app_base_url=APP,
            allow_insecure_requests=True,
            allow_hs256_id_tokens=opt_in,
            env={},
        )
    app = httpx.AsyncClient(
        transport=httpx.ASGITransport(auth0.middleware(_not_found)), base_url=APP
    )
    async with app:
        start = await app.get("/auth/login", params={"login_hint": "ivy"})
        assert start.status_code == 307, start.text

        def browse() -> str:
            with httpx.Client() as browser:
                return drive_login(start.headers["location"], login="ivy", client=browser)

        callback = await anyio.to_thread.run_sync(browse)
        assert callback.startswith(f"{APP}/auth/callback?")
        answer = await app.get(callback.removeprefix(APP))
        profile = await app.get("/auth/profile")
    await auth0.aclose()
    return answer, profile


async def test_auth0_client_hs256_login_end_to_end(op: OidcProviderProcess) -> None:
    answer, profile = await _app_login(op, opt_in=True)
    assert answer.status_code == 307, answer.text
    assert profile.status_code == 200
    assert profile.json()["sub"] == "ivy"


async def test_auth0_client_refuses_hs256_login_by_default(op: OidcProviderProcess) -> None:
    answer, profile = await _app_login(op, opt_in=False)
    assert answer.status_code == 400
    assert answer.text == "signing algorithm 'HS256' is not allowed"
    assert not any(c.startswith("__session=ey") for c in answer.headers.get_list("set-cookie"))
    assert profile.status_code == 401
