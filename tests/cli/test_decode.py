from __future__ import annotations

import json
import time
from typing import Any

import msgspec
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from auth0_async._cli._decode import mask_tokens
from auth0_async._core._cookies import plan_chunked_write
from auth0_async._core._crypto import CookieCipher, b64url_encode
from auth0_async.testing import generate_session_cookie

from ..conftest import OTHER_SECRET, SECRET
from ._run import run, run_module

T0 = 1_800_000_000
ACCESS, REFRESH, ID_TOKEN, API_TOKEN = "at-SECRET-1", "rt-SECRET-2", "id.SECRET.3", "api-SECRET-4"
WIRE: dict[str, Any] = {
    "user": {"sub": "auth0|alice", "name": "Alice"},
    "tokenSet": {
        "accessToken": ACCESS,
        "refreshToken": REFRESH,
        "idToken": ID_TOKEN,
        "expiresAt": T0 + 3600,
    },
    "accessTokens": [
        {"accessToken": API_TOKEN, "audience": "https://api.example", "expiresAt": T0 + 3600}
    ],
    "internal": {"sid": "sid-1", "createdAt": T0},
}
RAW_TOKENS = (ACCESS, REFRESH, ID_TOKEN, API_TOKEN)


def clock(now: float = T0 + 10) -> Any:
    return lambda: now


def cookie(wire: dict[str, Any] | None = None, *, secret: str = SECRET, **kw: Any) -> str:
    return generate_session_cookie(wire or WIRE, secret=secret, clock=lambda: T0, **kw)


def decode(*args: str, now: float = T0 + 10, **kw: Any) -> Any:
    return run("decode-cookie", "--secret", SECRET, *args, clock=clock(now), **kw)


def _assert_masked(text: str) -> None:
    for token in RAW_TOKENS:
        assert token not in text


@pytest.mark.parametrize(
    "given",
    [
        "{v}",
        "__session={v}",
        "Cookie: theme=dark; __session={v}; other=1",
        "cookie:__session={v}",
    ],
)
def test_a_live_session_is_printed_with_tokens_masked(given: str) -> None:
    result = decode(given.format(v=cookie()))
    assert result.code == 0, result.err
    printed = json.loads(result.out)
    assert printed["user"] == WIRE["user"]
    assert printed["internal"] == WIRE["internal"]
    assert printed["exp"] == T0 + 3600
    token_set = printed["tokenSet"]
    assert token_set["expiresAt"] == T0 + 3600
    for key in ("accessToken", "refreshToken", "idToken"):
        assert token_set[key].startswith("<masked, ")
    assert printed["accessTokens"][0]["accessToken"].startswith("<masked, ")
    assert printed["accessTokens"][0]["audience"] == "https://api.example"
    _assert_masked(result.out + result.err)
    assert result.err.startswith("ok: a stateless session, live")
    assert f"exp {T0 + 3600}" in result.err


def test_show_tokens_prints_them() -> None:
    result = decode(cookie(), "--show-tokens")
    assert result.code == 0
    printed = json.loads(result.out)
    assert printed["tokenSet"]["accessToken"] == ACCESS
    assert printed["tokenSet"]["refreshToken"] == REFRESH
    assert printed["tokenSet"]["idToken"] == ID_TOKEN
    assert printed["accessTokens"][0]["accessToken"] == API_TOKEN


def test_token_copies_in_unknown_members_are_masked_too() -> None:
    wire = {**WIRE, "legacy": {"accessToken": ACCESS}, "connections": [{"refreshToken": REFRESH}]}
    result = decode(cookie(wire))
    assert result.code == 0
    _assert_masked(result.out)
    assert mask_tokens({"idToken": ""}) == {"idToken": ""}  # nothing to hide in an empty one


def test_the_secret_comes_from_the_environment() -> None:
    result = run("decode-cookie", cookie(), env={"AUTH0_SECRET": SECRET}, clock=clock())
    assert result.code == 0
    assert json.loads(result.out)["user"]["sub"] == "auth0|alice"


def test_rotated_secrets_any_of_them_opens_it() -> None:
    value = cookie(secret=OTHER_SECRET)
    result = run(
        "decode-cookie", "--secret", SECRET, "--secret", OTHER_SECRET, value, clock=clock()
    )
    assert result.code == 0


def test_standard_input() -> None:
    result = decode(stdin=f"Cookie: __session={cookie()}\n")
    assert result.code == 0
    assert decode("-", stdin=cookie()).code == 0


def _big_wire() -> dict[str, Any]:
    return {**WIRE, "user": {**WIRE["user"], "groups": [f"group-{i:05d}" for i in range(600)]}}


def _chunks(value: str) -> list[tuple[str, str]]:
    writes, _ = plan_chunked_write("__session", value, [])
    assert len(writes) >= 2  # really chunked, as the app writes a large session
    return writes


def test_chunked_cookies_are_joined() -> None:
    value = cookie(_big_wire())
    writes = _chunks(value)
    header = "; ".join(f"{name}={piece}" for name, piece in reversed(writes))
    result = decode(f"Cookie: {header}")
    assert result.code == 0, result.err
    assert len(json.loads(result.out)["user"]["groups"]) == 600
    # the same chunks as one argument each, and as bare values in order
    assert decode(*(f"{name}={piece}" for name, piece in writes)).code == 0
    # a chunk may start with "-": "--" ends the options
    assert decode("--", *(piece for _, piece in writes)).code == 0


def test_chunks_with_a_gap_are_malformed() -> None:
    writes = _chunks(cookie(_big_wire()))
    header = "; ".join(f"{name}={piece}" for name, piece in writes[1:])
    result = decode(header)
    assert result.code == 3
    assert result.out == ""
    assert "chunks of __session are incomplete" in result.err


def test_a_custom_cookie_name() -> None:
    value = cookie()
    assert decode(f"app_sess={value}", "--cookie-name", "app_sess").code == 0
    missing = decode(f"app_sess={value}")
    assert missing.code == 3
    assert "no __session cookie" in missing.err
    assert "app_sess" in missing.err  # the cookies it did find


def test_wrong_secret() -> None:
    result = decode(cookie(secret=OTHER_SECRET))
    assert result.code == 4
    assert result.out == ""
    assert result.err.startswith("wrong secret: ")
    assert "does not decrypt" in result.err
    assert SECRET not in result.err
    assert OTHER_SECRET not in result.err


def test_an_altered_cookie_does_not_decrypt() -> None:
    value = cookie()
    head, empty, iv, body, tag = value.split(".")
    flipped = body[:10] + ("A" if body[10] != "A" else "B") + body[11:]
    assert decode(f"{head}.{empty}.{iv}.{flipped}.{tag}").code == 4


def test_expired_shows_exp_and_still_prints_the_session() -> None:
    result = decode(cookie(), now=T0 + 7200)
    assert result.code == 5
    assert json.loads(result.out)["exp"] == T0 + 3600
    assert result.err.startswith("expired: ")
    assert f"EXPIRED: exp {T0 + 3600}" in result.err
    assert "2027-01-15 09:00:00 UTC (60 min ago)" in result.err
    _assert_masked(result.out)


def test_past_the_upstream_session_ceiling_is_expired() -> None:
    wire = {**WIRE, "internal": {**WIRE["internal"], "sessionExpiresAt": T0 + 100}}
    result = decode(cookie(wire), now=T0 + 200)
    assert result.code == 5
    assert "upstream session ended" in result.err


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ("garbage", "not a session cookie"),
        ("a.b.c.d.e", "not a session cookie"),
        ("__session=not-a-jwe", "not a session cookie"),
        ("Cookie: theme=dark", "no __session cookie"),
        ("", "no cookie given"),
    ],
)
def test_malformed_input(given: str, says: str) -> None:
    result = decode(given)
    assert result.code == 3
    assert result.out == ""
    assert result.err.startswith("malformed: ")
    assert says in result.err


def test_pairs_and_bare_values_do_not_mix() -> None:
    value = cookie()
    result = decode(f"__session={value}", value)
    assert result.code == 3
    assert "not both" in result.err


def test_a_cookie_over_the_size_limit_is_malformed() -> None:
    result = decode("x" * (64 * 1024 + 1))
    assert result.code == 3
    assert "over the" in result.err


@pytest.mark.parametrize("payload", [b'{"foo": 1}', b"[1, 2]", b"not json", b'{"id": 5}'])
def test_it_decrypts_but_is_not_a_session(payload: bytes) -> None:
    result = decode(CookieCipher([SECRET]).encrypt(payload))
    assert result.code == 3
    assert "it decrypts, but the content is not a session" in result.err


def test_a_stateful_cookie_holds_an_id() -> None:
    value = CookieCipher([SECRET]).encrypt(
        msgspec.json.encode({"id": "0123456789abcdef0123456789abcdef", "exp": T0 + 600})
    )
    result = decode(value)
    assert result.code == 0
    printed = json.loads(result.out)
    assert printed["exp"] == T0 + 600
    assert printed["id"].startswith("<masked, 32 characters")
    assert "stateful session cookie: it holds only a session id" in result.err
    shown = decode(value, "--show-tokens")
    assert json.loads(shown.out)["id"] == "0123456789abcdef0123456789abcdef"
    assert decode(value, now=T0 + 700).code == 5


def _v3_cookie(payload: dict[str, Any], header: dict[str, Any], secret: str = SECRET) -> str:
    """A nextjs-auth0 v3 cookie: the same JWE with iat/uat/exp in the protected header."""
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"", info=b"JWE CEK").derive(
        secret.encode()
    )
    head = b64url_encode(json.dumps({"alg": "dir", "enc": "A256GCM", **header}).encode())
    iv = b"\2" * 12
    sealed = AESGCM(key).encrypt(iv, json.dumps(payload).encode(), head.encode())
    parts = [head, "", b64url_encode(iv), b64url_encode(sealed[:-16]), b64url_encode(sealed[-16:])]
    return ".".join(parts)


def test_a_v3_cookie_is_read_as_the_app_reads_it() -> None:
    value = _v3_cookie(
        {"user": {"sub": "auth0|old"}, "accessToken": ACCESS, "idToken": ID_TOKEN},
        {"iat": T0, "uat": T0, "exp": T0 + 3600},
    )
    result = decode(f"appSession={value}")
    assert result.code == 0, result.err
    printed = json.loads(result.out)
    assert printed["user"]["sub"] == "auth0|old"
    assert printed["internal"]["createdAt"] == T0
    assert printed["tokenSet"]["accessToken"].startswith("<masked, ")
    assert "(nextjs-auth0 v3 format)" in result.err
    _assert_masked(result.out)


def test_no_secret_is_a_usage_error() -> None:
    result = run("decode-cookie", cookie())
    assert result.code == 2
    assert "AUTH0_SECRET" in result.err


def test_python_dash_m_decodes_and_reports_exit_codes() -> None:
    live = generate_session_cookie(WIRE, secret=SECRET)  # now, by the real clock
    ok = run_module("decode-cookie", f"__session={live}", env={"AUTH0_SECRET": SECRET})
    assert ok.code == 0, ok.err
    assert json.loads(ok.out)["user"]["sub"] == "auth0|alice"
    _assert_masked(ok.out + ok.err)
    wrong = run_module("decode-cookie", "--secret", OTHER_SECRET, stdin=live)
    assert wrong.code == 4
    stale = generate_session_cookie(WIRE, secret=SECRET, clock=lambda: time.time() - 7200)
    expired = run_module("decode-cookie", "--secret", SECRET, stale)
    assert expired.code == 5
    assert "EXPIRED" in expired.err
    assert run_module("decode-cookie", "--secret", SECRET, "junk").code == 3
