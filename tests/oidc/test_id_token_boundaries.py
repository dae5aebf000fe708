"""ID token checks at their exact boundaries, and header members of the wrong type."""

from __future__ import annotations

import json
from typing import Any

import pytest

from auth0_async._exceptions import TokenValidationError
from auth0_async._oidc._id_token import (
    DEFAULT_LEEWAY,
    check_audience,
    numeric_claim,
    typ_is,
)

from ..support.tokens import (
    CLIENT_ID,
    NONCE,
    NOW,
    id_claims,
    mint,
    raw_sign,
)
from ..support.tokens import check_id_token as validate
from ..support.tokens import refuses_id_token as rejects

T = int(NOW)


def test_default_leeway_is_a_minute() -> None:
    assert DEFAULT_LEEWAY == 60


@pytest.mark.parametrize("typ", [5, True, ["JWT"], {"typ": "JWT"}, None])
def test_a_typ_that_is_not_a_string_is_refused(typ: object) -> None:
    # The JWS layer already refuses such a header; typ_is (below) refuses it on its own too.
    header = {"alg": "RS256", "kid": "rsa-1", "typ": typ}
    rejects(raw_sign(header, json.dumps(id_claims()).encode()), "typ|malformed")


@pytest.mark.parametrize(
    ("value", "expected", "result"),
    [
        ("JWT", "jwt", True),
        ("jwt", "jwt", True),
        ("application/JWT", "jwt", True),
        ("Application/Logout+JWT", "logout+jwt", True),
        ("application/", "jwt", False),
        ("application/jwt+x", "jwt", False),
        ("xapplication/jwt", "jwt", False),
        ("", "jwt", False),
        (5, "jwt", False),
        (None, "jwt", False),
        (b"JWT", "jwt", False),
    ],
)
def test_typ_is(value: object, expected: str, result: bool) -> None:
    assert typ_is(value, expected) is result


@pytest.mark.parametrize(
    ("claims", "error"),
    [
        ({"exp": T - 60}, "expired"),  # exp + leeway <= now: expired at exactly the leeway
        ({"exp": T - 59}, None),
        ({"exp": T - 10, "leeway": 10}, "expired"),
        ({"exp": T - 9, "leeway": 10}, None),
        ({"iat": T + 60}, None),
        ({"iat": T + 61}, "future"),
        ({"iat": T + 1, "leeway": 0}, "future"),
        ({"exp": T + 0.5, "leeway": 0}, None),
        ({"exp": float(T), "leeway": 0}, "expired"),
    ],
)
def test_time_claims_at_their_boundaries(claims: dict[str, Any], error: str | None) -> None:
    leeway = claims.pop("leeway", DEFAULT_LEEWAY)
    token = mint(id_claims(**claims))
    if error is None:
        assert validate(token, leeway=leeway)["sub"] == "alice"
    else:
        rejects(token, error, leeway=leeway)


@pytest.mark.parametrize(
    ("auth_time", "ok"),
    [(T - 300 - 60, True), (T - 300 - 61, False), (T, True), (T + 1000, True)],
)
def test_max_age_boundary(auth_time: int, ok: bool) -> None:
    token = mint(id_claims(auth_time=auth_time))
    if ok:
        assert validate(token, max_age=300)["auth_time"] == auth_time
    else:
        rejects(token, "max_age", max_age=300)
    assert validate(token)["auth_time"] == auth_time  # without max_age it is not checked


@pytest.mark.parametrize("bad", [True, "1", [1], float("inf"), float("-inf"), float("nan")])
def test_numeric_claims_must_be_finite_numbers(bad: object) -> None:
    with pytest.raises(TokenValidationError, match="ID token exp is not a number"):
        numeric_claim({"exp": bad}, "exp", "ID token")


def test_numeric_claim_values() -> None:
    assert numeric_claim({}, "exp", "ID token") is None
    assert numeric_claim({"exp": None}, "exp", "ID token") is None
    assert numeric_claim({"exp": 5}, "exp", "ID token") == 5.0
    assert numeric_claim({"exp": 0}, "exp", "ID token") == 0.0
    assert numeric_claim({"exp": 1.5}, "exp", "ID token") == 1.5


@pytest.mark.parametrize(
    ("aud", "expected"),
    [
        (CLIENT_ID, [CLIENT_ID]),
        ([CLIENT_ID], [CLIENT_ID]),
        (["x", CLIENT_ID], ["x", CLIENT_ID]),
    ],
)
def test_check_audience_accepts(aud: object, expected: list[str]) -> None:
    assert check_audience({"aud": aud}, CLIENT_ID, "ID token") == expected


@pytest.mark.parametrize(
    ("claims", "match"),
    [
        ({}, "ID token aud is missing or malformed"),
        ({"aud": 5}, "missing or malformed"),
        ({"aud": [CLIENT_ID, 5]}, "missing or malformed"),
        ({"aud": {CLIENT_ID: 1}}, "missing or malformed"),
        ({"aud": []}, "does not include"),
        ({"aud": "other"}, "ID token aud does not include the client_id"),
        ({"aud": [CLIENT_ID + "x"]}, "does not include"),
    ],
)
def test_check_audience_refuses(claims: dict[str, Any], match: str) -> None:
    with pytest.raises(TokenValidationError, match=match):
        check_audience(claims, CLIENT_ID, "ID token")


def test_azp_rules() -> None:
    assert validate(mint(id_claims(aud=["x", CLIENT_ID], azp=CLIENT_ID)))
    assert validate(mint(id_claims(aud=[CLIENT_ID], azp=CLIENT_ID)))
    assert validate(mint(id_claims(aud=[CLIENT_ID])))  # one audience: azp not required
    rejects(mint(id_claims(aud=[CLIENT_ID], azp="x")), "azp")
    rejects(mint(id_claims(aud=[CLIENT_ID, CLIENT_ID])), "no azp")


@pytest.mark.parametrize("sub", ["", 5, ["alice"]])
def test_sub_must_be_a_non_empty_string(sub: object) -> None:
    rejects(mint(id_claims(sub=sub)), "sub")


@pytest.mark.parametrize("claim", [5, ["n-0S6_WzA2Mj"], NONCE + "x", NONCE[:-1], ""])
def test_nonce_must_match_exactly(claim: object) -> None:
    rejects(mint(id_claims(nonce=claim)), "nonce")


def test_nonce_none_means_not_compared_even_when_the_claim_is_odd() -> None:
    assert validate(mint(id_claims(nonce=5)), nonce=None)["nonce"] == 5


# Each refusal names the check that failed, in a message that starts with "ID token".
@pytest.mark.parametrize(
    ("claims", "options", "message"),
    [
        ({}, {"header": {"typ": "at+jwt"}}, "ID token has an unexpected typ header"),
        ({"iss": "https://evil/"}, {}, "ID token iss does not match the issuer"),
        ({"aud": 5}, {}, "ID token aud is missing or malformed"),
        ({"aud": "x"}, {}, "ID token aud does not include the client_id"),
        ({"azp": "x"}, {}, "ID token azp does not match the client_id"),
        ({"aud": [CLIENT_ID, "x"]}, {}, "ID token has several audiences but no azp"),
        ({"exp": None}, {}, "ID token has no exp"),
        ({"exp": "soon"}, {}, "ID token exp is not a number"),
        ({"exp": T - 3600}, {}, "ID token is expired (exp)"),
        ({"iat": None}, {}, "ID token has no iat"),
        ({"iat": "now"}, {}, "ID token iat is not a number"),
        ({"iat": T + 3600}, {}, "ID token iat is in the future"),
        ({"sub": ""}, {}, "ID token has no sub"),
        ({"nonce": "other"}, {}, "ID token nonce does not match"),
        ({"auth_time": "then"}, {}, "ID token auth_time is not a number"),
        ({}, {"max_age": 60}, "ID token has no auth_time although max_age was requested"),
        ({"auth_time": T - 3600}, {"max_age": 60}, "ID token auth_time is older than max_age"),
    ],
)
def test_refusal_messages(claims: dict[str, Any], options: dict[str, Any], message: str) -> None:
    header = options.pop("header", None)
    token = mint(id_claims(**claims), header=header)
    with pytest.raises(TokenValidationError) as info:
        validate(token, **options)
    assert str(info.value) == message
