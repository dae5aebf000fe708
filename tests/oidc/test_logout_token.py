"""Back-channel logout token validation (OpenID Connect Back-Channel Logout 1.0 §2.6)."""

from __future__ import annotations

from typing import Any

import pytest

from auth0_async._exceptions import KeyNotFoundError
from auth0_async._oidc._logout_token import (
    BACKCHANNEL_LOGOUT_EVENT,
    JtiCache,
)

from ..support.tokens import (
    CLIENT_ID,
    ISSUER,
    NOW,
    ec_key,
    hs256,
    id_claims,
    logout_claims,
    mint,
    raw_sign,
    rsa_key,
    unsigned,
)
from ..support.tokens import check_logout_token as validate
from ..support.tokens import refuses_logout_token as rejects

LOGOUT_TYP = {"typ": "logout+jwt"}


def test_oidc_provider_shaped_token() -> None:
    claims = validate(mint(logout_claims(), header=LOGOUT_TYP))
    assert claims["sid"] == "sid-1"
    assert claims["sub"] == "alice"
    assert claims["events"] == {BACKCHANNEL_LOGOUT_EVENT: {}}


def test_es256_and_sid_only_and_sub_only() -> None:
    assert validate(mint(logout_claims(sub=None), ec_key(), alg="ES256"))["sid"] == "sid-1"
    assert "sid" not in validate(mint(logout_claims(sid=None, jti="j2")))


@pytest.mark.parametrize("typ", ["logout+jwt", "LOGOUT+JWT", "application/logout+jwt"])
def test_typ_variants_accepted(typ: str) -> None:
    assert validate(mint(logout_claims(), header={"typ": typ}))


@pytest.mark.parametrize("typ", ["JWT", "at+jwt", "logout", "application/jwt", "x/logout+jwt"])
def test_typ_variants_rejected(typ: str) -> None:
    rejects(mint(logout_claims(), header={"typ": typ}), "typ")


def test_signature_required() -> None:
    rejects(unsigned(logout_claims(), {"alg": "none"}), "not allowed")
    rejects(hs256(logout_claims(), b"secret", {"alg": "HS256"}), "not allowed")
    public_pem = rsa_key().as_pem(private=False)
    rejects(hs256(logout_claims(), public_pem, {"alg": "HS256", "kid": "rsa-1"}), "not allowed")
    token = mint(logout_claims())
    head, _, sig = token.split(".")
    forged = mint(logout_claims(sid="someone-else"))
    rejects(f"{head}.{forged.split('.')[1]}.{sig}", "signature")


def test_unknown_kid() -> None:
    with pytest.raises(KeyNotFoundError):
        validate(mint(logout_claims(), rsa_key("rotated")))


def test_iss_and_aud() -> None:
    rejects(mint(logout_claims(iss="https://evil/")), "iss")
    rejects(mint(logout_claims(aud="other")), "aud")
    assert validate(mint(logout_claims(aud=["other", CLIENT_ID])))


def test_iat_required_and_bounded() -> None:
    far = int(NOW) + 3600
    rejects(mint(logout_claims(iat=None)), "no iat")
    rejects(mint(logout_claims(iat=int(NOW) + 61)), "future")
    assert validate(mint(logout_claims(iat=int(NOW) + 60, exp=far)))
    rejects(mint(logout_claims(iat=int(NOW) - 661, exp=far)), "too old")
    rejects(mint(logout_claims(iat=int(NOW) - 660, exp=far)), "too old")
    assert validate(mint(logout_claims(iat=int(NOW) - 659, exp=far)))
    rejects(mint(logout_claims(iat=int(NOW) - 100, exp=far)), "too old", seen_jti=JtiCache(ttl=30))


def test_exp_required() -> None:
    """Back-Channel Logout 1.0 §2.4: exp is REQUIRED (it used to be optional here)."""
    rejects(mint(logout_claims(exp=None)), "no exp")
    rejects(mint(logout_claims(exp="later")), "exp is not a number")
    rejects(mint(logout_claims(exp=True)), "exp is not a number")


def test_exp_leeway_edges() -> None:
    rejects(mint(logout_claims(exp=int(NOW) - 61)), "expired")
    rejects(mint(logout_claims(exp=int(NOW) - 60)), "expired")
    # Just past exp but within the leeway: a valid logout token from a skewed clock.
    assert validate(mint(logout_claims(exp=int(NOW) - 59)))
    assert validate(mint(logout_claims(exp=int(NOW) - 1)))
    rejects(mint(logout_claims(exp=int(NOW))), "expired", leeway=0)
    assert validate(mint(logout_claims(exp=int(NOW) + 1)), leeway=0)
    assert validate(mint(logout_claims(exp=int(NOW) - 100)), leeway=120)


@pytest.mark.parametrize(
    "events",
    [
        None,
        "backchannel-logout",
        [BACKCHANNEL_LOGOUT_EVENT],
        {},
        {BACKCHANNEL_LOGOUT_EVENT: "yes"},
        {BACKCHANNEL_LOGOUT_EVENT: None},
        {"http://schemas.openid.net/event/other": {}},
    ],
)
def test_events_member(events: Any) -> None:
    claims = logout_claims()
    claims.pop("events")
    if events is not None:
        claims["events"] = events
    rejects(mint(claims), "events")


def test_sid_or_sub() -> None:
    rejects(mint(logout_claims(sid=None, sub=None)), "neither sid nor sub")
    rejects(mint(logout_claims(sid=5)), "not a string")
    rejects(mint(logout_claims(sub=["alice"])), "not a string")


def test_nonce_forbidden() -> None:
    rejects(mint(logout_claims(nonce="n")), "nonce")


def test_id_token_is_not_a_logout_token() -> None:
    rejects(mint(id_claims()), "events")


def test_jti_required() -> None:
    rejects(mint(logout_claims(jti=None)), "no jti")
    rejects(mint(logout_claims(jti="")), "no jti")
    rejects(mint(logout_claims(jti=3)), "no jti")


def test_jti_replay_rejected_while_fresh() -> None:
    cache = JtiCache(ttl=600)
    token = mint(logout_claims(jti="once"))
    assert validate(token, seen_jti=cache)
    rejects(token, "replay", seen_jti=cache)
    # Same jti from another issuer is a different token.
    cache.add("https://other/", "other-jti", now=NOW)
    assert validate(mint(logout_claims(jti="other-jti")), seen_jti=cache)


def test_rejected_token_does_not_burn_its_jti() -> None:
    cache = JtiCache()
    rejects(mint(logout_claims(jti="j", nonce="n")), "nonce", seen_jti=cache)
    assert len(cache) == 0
    assert validate(mint(logout_claims(jti="j")), seen_jti=cache)


def test_jti_cache_expiry_and_bound() -> None:
    cache = JtiCache(ttl=10, max_entries=3)
    cache.add(ISSUER, "a", now=0)
    assert cache.seen(ISSUER, "a", now=9.9)
    assert not cache.seen(ISSUER, "a", now=10)
    for n, jti in enumerate("bcde"):
        cache.add(ISSUER, jti, now=20 + n)
    assert len(cache) == 3
    assert not cache.seen(ISSUER, "b", now=24)
    assert cache.seen(ISSUER, "e", now=24)


def test_jti_cache_remembers_longer_than_acceptance_window() -> None:
    cache = JtiCache(ttl=600)
    token = mint(logout_claims(jti="late", iat=int(NOW) - 60, exp=int(NOW) + 3600))
    assert validate(token, seen_jti=cache, now=NOW)
    # The same token is still within its acceptance window near the end: still a replay.
    rejects(token, "replay", seen_jti=cache, now=NOW + 600 + 60 - 61)


def test_replay_refused_until_the_token_is_too_old() -> None:
    """A token whose iat is a full leeway ahead stays acceptable for ttl + 2 * leeway.

    Its jti must be remembered that long (not just ttl), or the tail of the window
    is a replay window: every instant up to the end is refused, first as a replay
    and, once the memory lapses, as too old.
    """
    leeway, ttl = 60, 600
    cache = JtiCache(ttl=ttl)
    token = mint(logout_claims(jti="ahead", iat=int(NOW) + leeway, exp=int(NOW) + 7200))
    assert validate(token, seen_jti=cache, now=NOW, leeway=leeway)
    end = NOW + ttl + 2 * leeway  # iat + ttl + leeway
    for now in (NOW + 1, NOW + ttl, NOW + ttl + leeway, end - 1, end - 0.001):
        rejects(token, "replay", seen_jti=cache, now=now, leeway=leeway)
    for now in (end, end + 0.5, end + 1000):
        rejects(token, "too old", seen_jti=cache, now=now, leeway=leeway)


def test_logout_token_alg_narrowed_by_provider_advertised_algorithms() -> None:
    """ES256 fits a JWKS key, but a provider advertising only RS256 never signs with it."""
    es256 = mint(logout_claims(), ec_key(), alg="ES256")
    assert validate(es256, seen_jti=JtiCache())
    rejects(es256, "'ES256' is not allowed", supported_algorithms=["RS256"])
    assert validate(mint(logout_claims()), supported_algorithms=["RS256"])
    rejects(mint(logout_claims()), "supports none", supported_algorithms=["HS256"])


@pytest.mark.parametrize(("ttl", "size"), [(0, 1), (1, 0), (-1, 5)])
def test_jti_cache_arguments(ttl: float, size: int) -> None:
    with pytest.raises(ValueError, match="positive"):
        JtiCache(ttl=ttl, max_entries=size)


@pytest.mark.parametrize("payload", [b"[1,2]", b"null", b'"x"', b"7", b"\xff\xfe"])
def test_signed_non_object_payload(payload: bytes) -> None:
    """A typed error on every joserfc version (1.1-1.7 let a TypeError through here)."""
    rejects(raw_sign({"alg": "RS256", "kid": "rsa-1"}, payload), "malformed")
