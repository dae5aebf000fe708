"""Smoke tests: the real peers (oidc-provider, @auth0/nextjs-auth0) work from Python."""

from __future__ import annotations

import base64
import json
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from joserfc import jwe, jwt
from joserfc.jwk import KeySet, OctKey

from ..conftest import require_node
from .peers import (
    NextjsOracle,
    OidcProviderProcess,
    OracleError,
    drive_login,
    end_op_session,
    iter_set_cookie_pairs,
    logout_token_sink,
    pkce_pair,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _node_present() -> None:
    require_node()


SECRET = "a" * 64  # 64 hex chars, like generateSecret(32)
APP = "http://127.0.0.1:3000"
REDIRECT_URI = f"{APP}/auth/callback"
CLIENT_ID = "test-client"
CLIENT_SECRET = "test-client-secret"
BASIC_CLIENT_ID = "test-client-basic"
API = "https://api.example.test"


def _cek(secret: str) -> OctKey:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"", info=b"JWE CEK")
    return OctKey.import_key(hkdf.derive(secret.encode()))


def _py_decrypt(value: str, secret: str) -> dict[str, Any]:
    token = jwt.decode(value, _cek(secret), registry=jwe.JWERegistry(algorithms=["dir", "A256GCM"]))
    return dict(token.claims)


def _b64json(segment: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    return data


# ------------------------------------------------------------------ oracle


@pytest.fixture(scope="module")
def oracle() -> Iterator[NextjsOracle]:
    with NextjsOracle() as o:
        yield o


def test_oracle_ping(oracle: NextjsOracle) -> None:
    info = oracle.ping()
    assert info["pong"] is True
    assert info["nextjsAuth0"].startswith("4.")


def test_encrypt_decrypt_round_trip(oracle: NextjsOracle) -> None:
    exp = int(time.time()) + 600
    value = oracle.encrypt({"hello": "world", "n": 1}, SECRET, exp)
    assert value.startswith("eyJlbmMiOiJBMjU2R0NNIiwiYWxnIjoiZGlyIn0..")  # {"enc","alg"}, no CEK
    assert oracle.decrypt(value, SECRET) == {"hello": "world", "n": 1, "exp": exp}
    assert oracle.decrypt(value, "b" * 64) is None  # wrong secret -> "no cookie"
    full = oracle.decrypt_full(value, SECRET)
    assert full is not None
    assert full["protectedHeader"] == {"enc": "A256GCM", "alg": "dir"}
    # expired beyond the 15 s clock tolerance -> null
    assert oracle.decrypt(value, SECRET, now=exp + 16) is None
    assert oracle.decrypt(value, SECRET, now=exp + 14) is not None
    with pytest.raises(OracleError):
        oracle.call("encrypt", payload={})


def test_python_reads_oracle_cookies_and_vice_versa(oracle: NextjsOracle) -> None:
    session = {"user": {"sub": "alice"}, "tokenSet": {"accessToken": "at", "expiresAt": 1}}
    value = oracle.generate_session_cookie(session, SECRET)
    claims = _py_decrypt(value, SECRET)
    # generateSessionCookie fills `internal` and sets exp = now + 3600
    assert claims["user"] == {"sub": "alice"}
    assert claims["internal"]["sid"] == "auth0-sid"
    assert abs(claims["exp"] - (int(time.time()) + 3600)) <= 5
    assert oracle.decrypt(value, SECRET) == claims

    # Python-made JWE with the SDK's exact header is read by the SDK.
    payload = json.dumps({"user": {"sub": "bob"}, "exp": int(time.time()) + 60}).encode()
    ours = jwe.encrypt_compact(
        {"enc": "A256GCM", "alg": "dir"},
        payload,
        _cek(SECRET),
        registry=jwe.JWERegistry(algorithms=["dir", "A256GCM"]),
    )
    assert oracle.decrypt(ours, SECRET) == json.loads(payload)


def test_store_set_chunks_a_large_session(oracle: NextjsOracle) -> None:
    now = 1_800_000_000
    session = {
        "user": {"sub": "alice", "blob": "x" * 8000},
        "tokenSet": {"accessToken": "at", "expiresAt": now + 60},
        "internal": {"sid": "sid-1", "createdAt": now},
    }
    lines = oracle.store_set("other=1; __session=old", session, SECRET, now=now)
    names = [name for name, _ in iter_set_cookie_pairs(lines)]
    n = sum(1 for line in lines if "Max-Age=86400" in line)
    assert n >= 2
    assert names[:n] == [f"__session__{i}" for i in range(n)]
    # stale chunks swept up to at least MAX_CHUNKS=5, then the unchunked cookie deleted
    assert names[n:] == [f"__session__{i}" for i in range(n, 5)] + ["__session"]
    assert lines[0].endswith(
        "; Path=/; Expires=Sat, 16 Jan 2027 08:00:00 GMT; Max-Age=86400; HttpOnly; SameSite=lax"
    )
    assert lines[-1] == "__session=; Path=/; Max-Age=0; HttpOnly; SameSite=lax"
    values = dict(iter_set_cookie_pairs(lines[:n]))
    assert all(len(v) <= 3500 for v in values.values())

    header = "; ".join(f"{k}={v}" for k, v in values.items())
    got = oracle.store_get(header, SECRET, now=now)
    assert got is not None
    assert got == {**session, "exp": now + 86400}
    assert _py_decrypt("".join(values.values()), SECRET)["user"]["blob"] == "x" * 8000
    # a gap in the chunk sequence -> no session
    assert oracle.store_get("__session__0=a; __session__2=b", SECRET) is None


# ---------------------------------------------------------------------- OP


@pytest.fixture(scope="module")
def logout_sink() -> Iterator[tuple[str, list[str]]]:
    with logout_token_sink() as sink:
        yield sink


@pytest.fixture(scope="module")
def op(logout_sink: tuple[str, list[str]]) -> Iterator[OidcProviderProcess]:
    config = {
        "accessTokenTTL": 5,
        "resourceServers": {API: {"scope": "read:data"}},
        "clients": [
            {
                "client_id": BASIC_CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uris": [REDIRECT_URI],
                "token_endpoint_auth_method": "client_secret_basic",
            },
            {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uris": [REDIRECT_URI],
                "post_logout_redirect_uris": [APP],
                "token_endpoint_auth_method": "client_secret_post",
                "backchannel_logout_uri": logout_sink[0],
            },
        ],
    }
    with OidcProviderProcess(config) as provider:
        yield provider


def _login(op: OidcProviderProcess, browser: httpx.Client, login: str = "alice") -> dict[str, Any]:
    verifier, challenge = pkce_pair()
    query = {
        "client_id": CLIENT_ID,
        "response_type": "code",
        "redirect_uri": REDIRECT_URI,
        "scope": "openid profile email offline_access",  # no prompt, like the SDK
        "state": "state-123",
        "nonce": "nonce-456",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    callback = drive_login(f"{op.issuer}/auth?{urlencode(query)}", login=login, client=browser)
    assert callback.startswith(REDIRECT_URI + "?")
    params = {k: v[0] for k, v in parse_qs(urlsplit(callback).query).items()}
    assert params["state"] == "state-123"
    assert params["iss"] == op.issuer
    response = httpx.post(
        f"{op.issuer}/token",
        data={
            "grant_type": "authorization_code",
            "code": params["code"],
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        },
    )
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


def _refresh(op: OidcProviderProcess, refresh_token: str) -> httpx.Response:
    return httpx.post(
        f"{op.issuer}/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        },
    )


def test_discovery(op: OidcProviderProcess) -> None:
    meta = httpx.get(op.discovery_url).json()
    assert meta["issuer"] == op.issuer
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["end_session_endpoint"] == f"{op.issuer}/session/end"
    assert meta["backchannel_logout_session_supported"] is True
    assert meta["authorization_response_iss_parameter_supported"] is True
    assert "offline_access" in meta["scopes_supported"]


def test_login_refresh_rotation_and_counter(op: OidcProviderProcess) -> None:
    op.reset_grants()
    with httpx.Client(follow_redirects=False) as browser:
        tokens = _login(op, browser)
    assert tokens["expires_in"] <= 5
    assert {"access_token", "id_token", "refresh_token"} <= tokens.keys()

    jwks = KeySet.import_key_set(httpx.get(f"{op.issuer}/jwks").json())
    id_token = jwt.decode(tokens["id_token"], jwks, algorithms=["RS256"])
    claims = id_token.claims
    assert claims["iss"] == op.issuer
    assert claims["aud"] == CLIENT_ID
    assert claims["sub"] == "alice"
    assert claims["nonce"] == "nonce-456"
    assert claims["email"] == "alice@example.test"
    assert claims["name"] == "Test User alice"
    assert isinstance(claims["sid"], str)

    first = _refresh(op, tokens["refresh_token"])
    assert first.status_code == 200, first.text
    rotated = first.json()
    assert rotated["refresh_token"] != tokens["refresh_token"]
    assert op.refresh_grant_count(CLIENT_ID) == {"success": 1, "failure": 0, "total": 1}

    reuse = _refresh(op, tokens["refresh_token"])  # rotated-out token: reuse detection
    assert reuse.status_code == 400
    assert reuse.json()["error"] == "invalid_grant"
    assert op.refresh_grant_count() == {"success": 1, "failure": 1, "total": 2}
    # ...which revoked the whole grant, the newest refresh token included
    assert _refresh(op, rotated["refresh_token"]).json()["error"] == "invalid_grant"


def test_rotate_keys_and_backchannel_logout(
    op: OidcProviderProcess, logout_sink: tuple[str, list[str]]
) -> None:
    _, received = logout_sink
    with httpx.Client(follow_redirects=False) as browser:
        tokens = _login(op, browser, login="bob")
        old_kid = _b64json(tokens["id_token"].split(".")[0])["kid"]

        rotated = op.rotate_keys()
        assert rotated["kids"][0].startswith("rs256-")
        assert old_kid in rotated["kids"]
        fresh = _refresh(op, tokens["refresh_token"]).json()
        assert _b64json(fresh["id_token"].split(".")[0])["kid"] == rotated["kids"][0]

        sid = _b64json(tokens["id_token"].split(".")[1])["sid"]
        op.backchannel_logout(CLIENT_ID, sub="bob", sid=sid)
        assert len(received) == 1

        target = end_op_session(op.issuer, fresh["id_token"], APP, browser, state="s1")
        assert target == f"{APP}/?state=s1"
    assert len(received) == 2
    jwks = KeySet.import_key_set(rotated["jwks"])
    for token in received:
        logout = jwt.decode(token, jwks, algorithms=["RS256"])
        assert logout.header["typ"] == "logout+jwt"
        assert logout.claims["sub"] == "bob"
        assert logout.claims["sid"] == sid
        assert "http://schemas.openid.net/event/backchannel-logout" in logout.claims["events"]


def test_par_basic_auth_and_audience(op: OidcProviderProcess) -> None:
    verifier, challenge = pkce_pair()
    auth = (BASIC_CLIENT_ID, CLIENT_SECRET)
    pushed = httpx.post(
        f"{op.issuer}/request",
        auth=auth,
        data={
            "client_id": BASIC_CLIENT_ID,
            "response_type": "code",
            "redirect_uri": REDIRECT_URI,
            "scope": "openid profile email offline_access read:data",
            "audience": API,  # Auth0-style, mapped to `resource`
            "state": "s",
            "nonce": "n",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )
    assert pushed.status_code == 201, pushed.text
    query = urlencode({"client_id": BASIC_CLIENT_ID, "request_uri": pushed.json()["request_uri"]})
    with httpx.Client() as browser:
        callback = drive_login(f"{op.issuer}/auth?{query}", login="carol", client=browser)
    code = parse_qs(urlsplit(callback).query)["code"][0]
    tokens = httpx.post(
        f"{op.issuer}/token",
        auth=auth,
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
        },
    ).json()
    assert "refresh_token" in tokens  # offline_access survived: prompt=consent was added
    header = _b64json(tokens["access_token"].split(".")[0])
    assert header["typ"] == "at+jwt"
    claims = _b64json(tokens["access_token"].split(".")[1])
    assert claims["aud"] == API
    assert claims["scope"] == "read:data"
    assert op.grants()["by_client"][BASIC_CLIENT_ID]["authorization_code"]["success"] == 1
