"""ID token checks at their edges: each case fails if its comparison is off by one or dropped."""

from __future__ import annotations

import json
from typing import Any

import pytest
from joserfc.jwk import ECKey, KeySet, RSAKey

from auth0_async._exceptions import KeyNotFoundError, TokenValidationError
from auth0_async._oidc._id_token import numeric_claim, typ_is

from ..support.tokens import (
    CLIENT_ID,
    ISSUER,
    NONCE,
    NOW,
    ec_key,
    id_claims,
    key_set,
    mint,
    raw_sign,
    rsa_key,
)
from ..support.tokens import check_id_token as validate
from ..support.tokens import refuses_id_token as rejects

T = int(NOW)


# -- exp / iat / auth_time against the leeway -------------------------------------------


def test_exp_boundary_with_default_leeway() -> None:
    assert validate(mint(id_claims(exp=T - 59)))
    assert validate(mint(id_claims(exp=T - 59.5)))  # fractional NumericDate, not truncated
    rejects(mint(id_claims(exp=T - 60)), "expired")
    rejects(mint(id_claims(exp=T - 60.5)), "expired")


def test_exp_boundary_without_leeway() -> None:
    assert validate(mint(id_claims(exp=T + 1)), leeway=0)
    assert validate(mint(id_claims(exp=T + 0.25)), leeway=0)
    rejects(mint(id_claims(exp=T)), "expired", leeway=0)


def test_iat_boundary() -> None:
    assert validate(mint(id_claims(iat=T + 60)))  # exactly the leeway ahead is tolerated
    assert validate(mint(id_claims(iat=T + 60.0)))
    rejects(mint(id_claims(iat=T + 60.5)), "future")
    assert validate(mint(id_claims(iat=T)), leeway=0)
    rejects(mint(id_claims(iat=T + 1)), "future", leeway=0)
    assert validate(mint(id_claims(iat=T - 10 * 365 * 86400)))  # no maximum age on iat


def test_nbf_is_not_a_check_here() -> None:
    """OIDC Core §3.1.3.7 has no nbf step; a future nbf is not our reason to refuse."""
    assert validate(mint(id_claims(nbf=T + 3600)))


@pytest.mark.parametrize("name", ["exp", "iat"])
@pytest.mark.parametrize("value", ["1800000000", True, False, [T], {"t": T}, float("inf")])
def test_non_number_times(name: str, value: Any) -> None:
    rejects(mint(id_claims(**{name: value})), f"{name} is not a number|malformed")


def test_numeric_claim_directly() -> None:
    assert numeric_claim({"exp": 5}, "exp", "x") == 5.0
    assert numeric_claim({"exp": 5.5}, "exp", "x") == 5.5
    assert numeric_claim({"exp": 0}, "exp", "x") == 0.0  # present, not absent
    assert numeric_claim({}, "exp", "x") is None
    assert numeric_claim({"exp": None}, "exp", "x") is None
    for bad in (float("nan"), float("inf"), float("-inf"), True, "5", [5]):
        with pytest.raises(TokenValidationError, match="x exp is not a number"):
            numeric_claim({"exp": bad}, "exp", "x")


def test_max_age_edges() -> None:
    assert validate(mint(id_claims(auth_time=T - 360)), max_age=300)  # 300 + 60 leeway
    assert validate(mint(id_claims(auth_time=T - 360.0)), max_age=300)
    rejects(mint(id_claims(auth_time=T - 360.5)), "older than max_age", max_age=300)
    assert validate(mint(id_claims(auth_time=T - 300)), max_age=300, leeway=0)
    rejects(mint(id_claims(auth_time=T - 301)), "older than max_age", max_age=300, leeway=0)


def test_max_age_zero_is_still_a_requirement() -> None:
    """max_age=0 (prompt=login semantics) is falsy but must still demand auth_time."""
    rejects(mint(id_claims()), "no auth_time", max_age=0)
    assert validate(mint(id_claims(auth_time=T)), max_age=0, leeway=0)
    rejects(mint(id_claims(auth_time=T - 1)), "older than max_age", max_age=0, leeway=0)


def test_auth_time_ignored_without_max_age_but_must_be_a_number() -> None:
    assert validate(mint(id_claims(auth_time=T - 10**6)))
    rejects(mint(id_claims(auth_time=True)), "auth_time is not a number")


# -- aud / azp ------------------------------------------------------------------------


def test_azp_with_several_audiences() -> None:
    assert validate(mint(id_claims(aud=["https://api", CLIENT_ID], azp=CLIENT_ID)))
    rejects(mint(id_claims(aud=["https://api", CLIENT_ID])), "several audiences but no azp")
    rejects(mint(id_claims(aud=[CLIENT_ID, CLIENT_ID])), "several audiences but no azp")
    rejects(mint(id_claims(aud=["https://api", CLIENT_ID], azp="https://api")), "azp")
    rejects(mint(id_claims(aud=["https://api", CLIENT_ID], azp=None)), "no azp")


def test_azp_with_one_audience() -> None:
    assert validate(mint(id_claims(aud=CLIENT_ID, azp=CLIENT_ID)))
    assert validate(mint(id_claims(aud=[CLIENT_ID], azp=CLIENT_ID)))
    rejects(mint(id_claims(aud=CLIENT_ID, azp="other")), "azp")
    rejects(mint(id_claims(azp=5)), "azp")
    rejects(mint(id_claims(azp=[CLIENT_ID])), "azp")
    rejects(mint(id_claims(azp="")), "azp")


def test_aud_shapes() -> None:
    rejects(mint(id_claims(aud=[])), "does not include")
    rejects(mint(id_claims(aud="")), "does not include")
    rejects(mint(id_claims(aud=CLIENT_ID.upper())), "does not include")
    rejects(mint(id_claims(aud=f"{CLIENT_ID} ")), "does not include")
    rejects(mint(id_claims(aud=7)), "malformed")


# -- iss, sub, nonce ----------------------------------------------------------------------


def test_iss_compared_exactly() -> None:
    rejects(mint(id_claims(iss=ISSUER.upper())), "iss")
    rejects(mint(id_claims(iss=ISSUER + "/")), "iss")
    rejects(mint(id_claims(iss=[ISSUER])), "iss")


def test_nonce_compared_exactly() -> None:
    rejects(mint(id_claims(nonce=NONCE + " ")), "nonce")
    rejects(mint(id_claims(nonce=NONCE[:-1])), "nonce")
    rejects(mint(id_claims(nonce=NONCE.upper())), "nonce")
    rejects(mint(id_claims(nonce="")), "nonce")
    rejects(mint(id_claims(nonce=[NONCE])), "nonce")
    assert validate(mint(id_claims(nonce="é-ü")), nonce="é-ü")


def test_empty_expected_nonce_is_still_compared() -> None:
    """Only None skips the nonce check; an empty expected value is a value."""
    assert validate(mint(id_claims(nonce="")), nonce="")
    rejects(mint(id_claims(nonce="x")), "nonce", nonce="")
    rejects(mint(id_claims(nonce=None)), "nonce", nonce="")


def test_sub_must_be_a_non_empty_string() -> None:
    rejects(mint(id_claims(sub=True)), "no sub")
    rejects(mint(id_claims(sub=["alice"])), "no sub")
    assert validate(mint(id_claims(sub=" ")))["sub"] == " "


# -- typ header ---------------------------------------------------------------------------


@pytest.mark.parametrize("typ", ["JWT", "jwt", "Jwt", "application/jwt", "APPLICATION/JWT"])
def test_typ_accepted(typ: str) -> None:
    assert validate(mint(id_claims(), header={"typ": typ}))


@pytest.mark.parametrize(
    "typ", ["", "JWS", "jwt ", "application/", "text/jwt", "application/jwt+x", 1, None, ["JWT"]]
)
def test_typ_rejected(typ: Any) -> None:
    header = {"alg": "RS256", "kid": "rsa-1", "typ": typ}
    # joserfc itself refuses a typ that is not a string.
    rejects(raw_sign(header, json.dumps(id_claims()).encode()), "typ|malformed")


def test_typ_is() -> None:
    assert typ_is("Logout+JWT", "logout+jwt")
    assert typ_is("application/logout+jwt", "logout+jwt")
    assert not typ_is("application/application/jwt", "jwt")
    assert not typ_is(b"JWT", "jwt")


# -- which JWKS keys are candidates ------------------------------------------------------


def _with(key: RSAKey | ECKey, **members: Any) -> RSAKey | ECKey:
    data = {**key.as_dict(private=False), **members}
    if "key_ops" in members:
        data.pop("use", None)  # joserfc refuses use and key_ops together when they disagree
    return type(key).import_key(data)


def test_key_ops_must_allow_verify() -> None:
    token = mint(id_claims())
    assert validate(token, keys=KeySet([_with(rsa_key(), key_ops=["verify"])]))
    with pytest.raises(KeyNotFoundError):
        validate(token, keys=KeySet([_with(rsa_key(), key_ops=["sign", "encrypt"])]))


def test_key_use_sig_or_absent() -> None:
    token = mint(id_claims())
    assert validate(token, keys=KeySet([_with(rsa_key(), use="sig")]))
    plain = dict(rsa_key().as_dict(private=False))
    plain.pop("use", None)
    assert validate(token, keys=KeySet([RSAKey.import_key(plain)]))


def test_key_alg_absent_or_equal() -> None:
    token = mint(id_claims())
    assert validate(token, keys=KeySet([_with(rsa_key(), alg="RS256")]))
    with pytest.raises(KeyNotFoundError):
        validate(token, keys=KeySet([_with(rsa_key(), alg="RS512")]))


def test_ec_curve_must_fit_the_alg() -> None:
    p384 = ECKey.generate_key("P-384", parameters={"kid": "ec-384"})
    es384 = mint(id_claims(), p384, alg="ES384")
    keys = key_set(p384, ec_key())
    assert validate(es384, keys=keys, algorithms=("ES384",))
    # An ES256 header naming the P-384 key's kid: the curve does not fit, no candidate.
    forged = mint(id_claims(), ec_key(), alg="ES256", kid="ec-384")
    with pytest.raises(KeyNotFoundError):
        validate(forged, keys=keys)


def test_kid_must_match_exactly() -> None:
    with pytest.raises(KeyNotFoundError):
        validate(mint(id_claims(), kid="RSA-1"))
    with pytest.raises(KeyNotFoundError):
        validate(mint(id_claims(), kid=""))


# -- the token's shape, before any key is touched ----------------------------------------


def test_kid_must_be_a_string() -> None:
    header = {"alg": "RS256", "kid": 7}
    rejects(raw_sign(header, json.dumps(id_claims()).encode()), "kid is not a string")


def test_exactly_three_parts() -> None:
    token = mint(id_claims())
    assert validate(token)
    rejects(token + ".extra", "not a signed compact JWT")
    rejects(token + ".", "not a signed compact JWT")


def test_size_caps_hold_for_validly_signed_tokens() -> None:
    rejects(mint(id_claims(padding="a" * 80_000)), "malformed token")  # under joserfc's own cap
    padded = {"alg": "RS256", "kid": "rsa-1", "x-pad": "b" * 4000}
    rejects(raw_sign(padded, json.dumps(id_claims()).encode()), "header too large")
    # A big x5c chain (beyond joserfc's own 512-byte default) is still fine.
    chained: dict[str, Any] = {"alg": "RS256", "kid": "rsa-1", "x5c": ["A" * 2500]}
    assert validate(raw_sign(chained, json.dumps(id_claims()).encode()))
