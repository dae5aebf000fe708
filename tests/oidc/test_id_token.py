"""ID token validation, negative cases named after the OpenID RP certification tests."""

from __future__ import annotations

import json
import math

import pytest
from joserfc.jwk import ECKey, RSAKey

from auth0_async._exceptions import (
    ConfigurationError,
    KeyNotFoundError,
    TokenValidationError,
)
from auth0_async._oidc._jws import peek_header, signing_algorithms

from ..support.tokens import (
    CLIENT_ID,
    NONCE,
    NOW,
    b64,
    b64json,
    ec_key,
    hs256,
    id_claims,
    key_set,
    mint,
    raw_sign,
    rsa_key,
    unsigned,
)
from ..support.tokens import check_id_token as validate
from ..support.tokens import refuses_id_token as rejects

# -- signatures and algorithms ---------------------------------------------------------


def test_rp_id_token_sig_rs256() -> None:
    claims = validate(mint(id_claims()))
    assert claims["sub"] == "alice"
    assert claims["sid"] == "sid-1"


def test_rp_id_token_sig_es256() -> None:
    assert validate(mint(id_claims(), ec_key(), alg="ES256"))["sub"] == "alice"


def test_id_token_sig_ps256() -> None:
    assert validate(mint(id_claims(), alg="PS256"))["sub"] == "alice"


def test_rp_id_token_sig_none() -> None:
    token = unsigned(id_claims(), {"alg": "none"})
    rejects(token, "algorithm 'none' is not allowed")
    rejects(token, "not allowed", algorithms=("RS256",), supported_algorithms=["none", "RS256"])


def test_rp_id_token_sig_none_with_kid() -> None:
    rejects(unsigned(id_claims(), {"alg": "none", "kid": "rsa-1"}), "not allowed")


def test_rp_id_token_bad_sig_rs256() -> None:
    token = mint(id_claims())
    header, payload, signature = token.split(".")
    tampered = f"{header}.{b64json(id_claims(sub='mallory'))}.{signature}"
    rejects(tampered, "signature verification failed")
    flipped = signature[:-4] + ("AAAA" if signature[-4:] != "AAAA" else "BBBB")
    rejects(f"{header}.{payload}.{flipped}", "signature verification failed")


def test_rp_id_token_bad_sig_es256() -> None:
    token = mint(id_claims(), ec_key(), alg="ES256")
    header, _, signature = token.split(".")
    rejects(f"{header}.{b64json(id_claims(sub='mallory'))}.{signature}", "signature")


def test_signed_by_an_unknown_key_with_a_known_kid() -> None:
    attacker = RSAKey.generate_key(2048)
    rejects(mint(id_claims(), attacker, kid="rsa-1"), "signature verification failed")


def test_rp_id_token_sig_hs256_rejected() -> None:
    token = hs256(id_claims(), b"client-secret", {"alg": "HS256"})
    rejects(token, "'HS256' is not allowed")
    with pytest.raises(ConfigurationError):
        validate(token, algorithms=("HS256",))


def test_alg_confusion_hs256_with_public_key() -> None:
    """The classic attack: HMAC keyed with the RSA public key the verifier holds."""
    public_pem = rsa_key().as_pem(private=False)
    for secret in (public_pem, public_pem.strip(), rsa_key().as_der(private=False)):
        token = hs256(id_claims(sub="mallory"), secret, {"alg": "HS256", "kid": "rsa-1"})
        rejects(token, "'HS256' is not allowed")


def test_alg_pinned_to_provider_supported_algorithms() -> None:
    rejects(mint(id_claims()), "'RS256' is not allowed", supported_algorithms=["ES256"])
    assert validate(mint(id_claims(), ec_key(), alg="ES256"), supported_algorithms=["ES256"])
    rejects(mint(id_claims(), alg="PS256"), "not allowed", algorithms=("RS256",))


def test_provider_supporting_only_symmetric_algorithms() -> None:
    rejects(mint(id_claims()), "supports none", supported_algorithms=["HS256"])


def test_signing_algorithms_rejects_unpinnable_configuration() -> None:
    for bad in (("none",), ("HS256",), ("RS256", "HS512"), ("EdDSA",)):
        with pytest.raises(ConfigurationError):
            signing_algorithms(bad)
    assert signing_algorithms(("RS256", "ES256"), ["ES256", "RS256"]) == ("RS256", "ES256")


def test_es256_header_with_rsa_kid_is_not_verified_with_the_rsa_key() -> None:
    token = mint(id_claims(), ec_key(), alg="ES256", kid="rsa-1")
    with pytest.raises(KeyNotFoundError):
        validate(token)


def test_rp_id_token_kid_absent_single_jwks() -> None:
    token = mint(id_claims(), kid=None)
    assert validate(token, keys=key_set(rsa_key()))["sub"] == "alice"


def test_rp_id_token_kid_absent_multiple_jwks() -> None:
    """Without a kid every fitting key is tried; a signature by none of them still fails."""
    token = mint(id_claims(), rsa_key("rsa-2"), kid=None)
    keys = key_set(rsa_key(), rsa_key("rsa-2"), ec_key())
    assert validate(token, keys=keys)["sub"] == "alice"
    stranger = mint(id_claims(), RSAKey.generate_key(2048), kid=None)
    rejects(stranger, "signature verification failed", keys=keys)


def test_unknown_kid_is_key_not_found() -> None:
    with pytest.raises(KeyNotFoundError, match="kid 'rsa-9'"):
        validate(mint(id_claims(), rsa_key("rsa-9")))


def test_key_use_enc_and_alg_mismatch_are_not_candidates() -> None:
    enc = RSAKey.import_key(dict(rsa_key().as_dict(private=False)), {"use": "enc"})
    from joserfc.jwk import KeySet

    with pytest.raises(KeyNotFoundError):
        validate(mint(id_claims()), keys=KeySet([enc]))
    pinned = RSAKey.import_key(dict(rsa_key().as_dict(private=False)), {"alg": "PS256"})
    with pytest.raises(KeyNotFoundError):
        validate(mint(id_claims()), keys=KeySet([pinned]))


def test_crit_header_rejected() -> None:
    header = {"alg": "RS256", "kid": "rsa-1", "crit": ["x-ext"], "x-ext": 1}
    rejects(raw_sign(header, json.dumps(id_claims()).encode()), "crit")
    header = {"alg": "RS256", "kid": "rsa-1", "crit": ["b64"], "b64": False}
    rejects(raw_sign(header, json.dumps(id_claims()).encode()), "crit")


@pytest.mark.parametrize("member", ["jku", "x5u"])
def test_jku_and_x5u_headers_are_ignored_never_fetched(member: str) -> None:
    attacker = RSAKey.generate_key(2048, parameters={"kid": "rsa-1"})
    forged = mint(id_claims(), attacker, header={member: "https://evil.example/jwks"})
    rejects(forged, "signature verification failed")
    genuine = mint(id_claims(), header={member: "https://evil.example/jwks"})
    assert validate(genuine)["sub"] == "alice"


def test_embedded_jwk_header_is_not_trusted() -> None:
    attacker = RSAKey.generate_key(2048, parameters={"kid": "rsa-1"})
    embedded = dict(attacker.as_dict(private=False))
    rejects(mint(id_claims(), attacker, header={"jwk": embedded}), "signature")


def test_embedded_jwk_alone_is_not_a_key_source() -> None:
    attacker = ECKey.generate_key("P-256")
    token = mint(
        id_claims(), attacker, alg="ES256", kid=None, header={"jwk": dict(attacker.as_dict())}
    )
    rejects(token, "signature", keys=key_set(ec_key()))


@pytest.mark.parametrize(
    "token",
    [
        "",
        "abc",
        "a.b",
        "a.b.c.d.e",
        "!!!.e30.sig",
        f"{b64json([1])}.e30.sig",
        f"{b64json({'alg': 'RS256', 'kid': 7})}.e30.sig",
        f"{b64json({'kid': 'rsa-1'})}.e30.sig",
        "x" * 200_000,
    ],
)
def test_malformed_tokens(token: str) -> None:
    with pytest.raises(TokenValidationError):
        validate(token)


@pytest.mark.parametrize("payload", [b"[1,2]", b"null", b"not json", b'"x"'])
def test_signed_non_object_payload(payload: bytes) -> None:
    rejects(raw_sign({"alg": "RS256", "kid": "rsa-1"}, payload), "malformed")


def test_deeply_nested_header() -> None:
    rejects(b64(b"[" * 3000 + b"]" * 3000) + ".e30.sig", "malformed")


def test_lone_surrogate_nonce_compares_without_crashing() -> None:
    payload = json.dumps(id_claims(nonce="\udc80")).encode()
    token = raw_sign({"alg": "RS256", "kid": "rsa-1"}, payload)
    assert validate(token, nonce="\udc80")["sub"] == "alice"
    rejects(token, "nonce")


def test_peek_header() -> None:
    assert peek_header(mint({"sub": "x"})) == {"alg": "RS256", "kid": "rsa-1"}


# -- claims ----------------------------------------------------------------------------


def test_rp_id_token_iss() -> None:
    rejects(mint(id_claims(iss="https://evil.example/")), "iss")
    rejects(mint(id_claims(iss="https://op.example.test")), "iss")
    rejects(mint(id_claims(iss=None)), "iss")


def test_rp_id_token_aud() -> None:
    rejects(mint(id_claims(aud="someone-else")), "aud does not include")
    rejects(mint(id_claims(aud=None)), "aud is missing")
    rejects(mint(id_claims(aud=[CLIENT_ID, 5])), "aud is missing or malformed")
    rejects(mint(id_claims(aud={"x": 1})), "aud")


def test_aud_array_with_azp() -> None:
    token = mint(id_claims(aud=[CLIENT_ID, "https://api"], azp=CLIENT_ID))
    assert validate(token)["azp"] == CLIENT_ID
    assert validate(mint(id_claims(aud=[CLIENT_ID])))["sub"] == "alice"


def test_aud_array_without_azp() -> None:
    rejects(mint(id_claims(aud=[CLIENT_ID, "https://api"])), "several audiences but no azp")


def test_azp_mismatch() -> None:
    rejects(mint(id_claims(azp="other")), "azp")
    rejects(mint(id_claims(aud=[CLIENT_ID, "other"], azp="other")), "azp")


def test_rp_id_token_iat() -> None:
    rejects(mint(id_claims(iat=None)), "no iat")
    rejects(mint(id_claims(iat="yesterday")), "iat is not a number")
    rejects(mint(id_claims(iat=True)), "iat is not a number")


def test_iat_in_the_future() -> None:
    rejects(mint(id_claims(iat=int(NOW) + 61)), "iat is in the future")
    assert validate(mint(id_claims(iat=int(NOW) + 59)))
    assert validate(mint(id_claims(iat=int(NOW) + 100)), leeway=120)


def test_expired() -> None:
    rejects(mint(id_claims(exp=int(NOW) - 60)), "expired")
    assert validate(mint(id_claims(exp=int(NOW) - 59)))
    rejects(mint(id_claims(exp=int(NOW) - 1)), "expired", leeway=0)
    rejects(mint(id_claims(exp=None)), "no exp")


def test_non_finite_times() -> None:
    rejects(mint(id_claims(exp=math.inf)), "exp is not a number")
    rejects(mint(id_claims(iat=math.nan)), "iat is not a number")


def test_rp_id_token_sub() -> None:
    rejects(mint(id_claims(sub=None)), "no sub")
    rejects(mint(id_claims(sub="")), "no sub")
    rejects(mint(id_claims(sub=42)), "no sub")


def test_rp_nonce_invalid() -> None:
    rejects(mint(id_claims(nonce="other")), "nonce does not match")


def test_missing_nonce() -> None:
    rejects(mint(id_claims(nonce=None)), "nonce does not match")
    rejects(mint(id_claims(nonce=7)), "nonce does not match")


def test_nonce_not_compared_when_none_was_sent() -> None:
    assert validate(mint(id_claims()), nonce=None)["nonce"] == NONCE


def test_max_age_requires_auth_time() -> None:
    rejects(mint(id_claims()), "no auth_time", max_age=300)


def test_max_age_with_auth_time() -> None:
    fresh = mint(id_claims(auth_time=int(NOW) - 300))
    assert validate(fresh, max_age=300)["auth_time"] == int(NOW) - 300
    assert validate(mint(id_claims(auth_time=int(NOW) - 360)), max_age=300)
    rejects(mint(id_claims(auth_time=int(NOW) - 361)), "older than max_age", max_age=300)
    rejects(mint(id_claims(auth_time="x")), "auth_time is not a number")


def test_typ_header() -> None:
    assert validate(mint(id_claims(), header={"typ": "JWT"}))
    assert validate(mint(id_claims(), header={"typ": "application/jwt"}))
    rejects(mint(id_claims(), header={"typ": "logout+jwt"}), "typ")
    rejects(mint(id_claims(), header={"typ": "at+jwt"}), "typ")


def test_unregistered_header_members_are_ignored() -> None:
    header = {"alg": "RS256", "kid": "rsa-1", "x-vendor": {"a": 1}, "x5c": ["A" * 3000]}
    assert validate(raw_sign(header, json.dumps(id_claims()).encode()))
