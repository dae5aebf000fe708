"""Logout token checks at their exact boundaries, and the replay cache's bounds."""

from __future__ import annotations

import json
from typing import Any

import pytest

from auth0_async._exceptions import TokenValidationError
from auth0_async._oidc._logout_token import (
    BACKCHANNEL_LOGOUT_EVENT,
    JtiCache,
)

from ..support.tokens import (
    ISSUER,
    NOW,
    ec_key,
    logout_claims,
    mint,
    raw_sign,
)
from ..support.tokens import check_logout_token as validate
from ..support.tokens import refuses_logout_token as rejects

T = int(NOW)


def test_the_event_name_is_the_specs() -> None:
    assert BACKCHANNEL_LOGOUT_EVENT == "http://schemas.openid.net/event/backchannel-logout"


def test_the_default_cache_bounds() -> None:
    cache = JtiCache()
    assert (cache.ttl, cache.max_entries) == (600.0, 10_000)
    for n in range(10_001):
        cache.add(ISSUER, str(n), now=NOW)
    assert len(cache) == 10_000
    assert not cache.seen(ISSUER, "0", now=NOW)  # the oldest was forgotten
    assert cache.seen(ISSUER, "1", now=NOW)


@pytest.mark.parametrize(
    ("claims", "error"),
    [
        ({"iat": T + 60}, None),
        ({"iat": T + 61}, "future"),
        ({"iat": T - 659, "exp": T + 60}, None),  # ttl 600 + leeway 60: the oldest accepted
        ({"iat": T - 660, "exp": T + 60}, "too old"),  # its jti memory lapses at this instant
        ({"iat": T - 30, "exp": None}, "no exp"),  # Back-Channel Logout 1.0 §2.4
        ({"exp": T - 59}, None),
        ({"exp": T - 60}, "expired"),  # exp + leeway <= now
        ({"iat": T - 1, "exp": T, "leeway": 0}, "expired"),
        ({"iat": T - 1, "exp": T + 1, "leeway": 0}, None),
        ({"iat": T + 1, "leeway": 0}, "future"),
        ({"iat": T - 599, "exp": T + 60, "leeway": 0}, None),
        ({"iat": T - 600, "exp": T + 60, "leeway": 0}, "too old"),
    ],
)
def test_time_claims_at_their_boundaries(claims: dict[str, Any], error: str | None) -> None:
    leeway = claims.pop("leeway", 60)
    token = mint(logout_claims(**claims))
    if error is None:
        assert validate(token, leeway=leeway)["jti"] == "jti-1"
    else:
        rejects(token, error, leeway=leeway)


@pytest.mark.parametrize("typ", [5, True, ["logout+jwt"]])
def test_a_typ_that_is_not_a_string_is_refused(typ: object) -> None:
    header = {"alg": "RS256", "kid": "rsa-1", "typ": typ}
    with pytest.raises(TokenValidationError, match="typ|malformed"):
        validate(raw_sign(header, json.dumps(logout_claims()).encode()))


def test_other_events_may_accompany_the_logout_event() -> None:
    events = {BACKCHANNEL_LOGOUT_EVENT: {}, "https://example.com/other": {"x": 1}}
    assert validate(mint(logout_claims(events=events)))["events"] == events
    assert validate(mint(logout_claims(events={BACKCHANNEL_LOGOUT_EVENT: {"a": 1}})))


def test_a_null_nonce_is_still_a_nonce() -> None:
    claims = logout_claims()
    claims["nonce"] = None  # "MUST NOT contain a nonce": present at all is enough
    rejects(mint(claims), "nonce")


def test_sid_and_sub_each_alone() -> None:
    assert validate(mint(logout_claims(sub=None)))["sid"] == "sid-1"
    assert validate(mint(logout_claims(sid=None)))["sub"] == "alice"
    rejects(mint(logout_claims(sid=None, sub=5)), "not a string")
    rejects(mint(logout_claims(sid=5, sub=None)), "not a string")


def test_a_replay_is_refused_and_remembered_with_the_leeway() -> None:
    cache = JtiCache(ttl=100)
    token = mint(logout_claims(jti="j", iat=T + 10, exp=T + 200))  # iat at the leeway's edge
    assert validate(token, seen_jti=cache, leeway=10)
    # Remembered for ttl + 2 * leeway: as long as the token's iat could still be accepted.
    rejects(token, "replay", seen_jti=cache, leeway=10, now=NOW + 119.5)
    assert cache.seen(ISSUER, "j", now=NOW + 119.9)
    assert not cache.seen(ISSUER, "j", now=NOW + 120)


def test_the_cache_forgets_expired_entries_and_the_oldest_past_the_cap() -> None:
    cache = JtiCache(ttl=10, max_entries=2)
    cache.add(ISSUER, "a", now=0)
    cache.add(ISSUER, "b", now=15)  # "a" expired at 10: purged now, not kept until the cap
    assert len(cache) == 1
    cache.add(ISSUER, "c", now=16)
    cache.add(ISSUER, "b", now=17)  # re-adding refreshes "b": "c" is now the oldest
    cache.add(ISSUER, "d", now=18)
    assert len(cache) == 2
    assert not cache.seen(ISSUER, "c", now=18)
    assert cache.seen(ISSUER, "b", now=18)
    assert cache.seen(ISSUER, "d", now=18)
    assert not cache.seen("https://other/", "d", now=18)  # keyed by issuer too
    assert not cache.seen(ISSUER, "d", now=28)
    assert len(cache) == 0  # seen() purges as well


def test_an_entry_added_with_a_shorter_life_expires_behind_a_longer_one() -> None:
    cache = JtiCache(ttl=10)
    cache.add(ISSUER, "long", now=0, leeway=100)  # remembered until 210
    cache.add(ISSUER, "short", now=1)  # until 11, behind "long" in insertion order
    assert cache.seen(ISSUER, "short", now=10.9)
    assert not cache.seen(ISSUER, "short", now=11)
    assert cache.seen(ISSUER, "long", now=11)


def test_small_positive_bounds_are_allowed() -> None:
    cache = JtiCache(ttl=0.5, max_entries=1)
    cache.add(ISSUER, "a", now=0)
    cache.add(ISSUER, "b", now=0)
    assert (len(cache), cache.seen(ISSUER, "b", now=0.4)) == (1, True)
    assert JtiCache(ttl=1, max_entries=1).ttl == 1


def test_the_providers_supported_algorithms_narrow_the_allowed_ones() -> None:
    token = mint(logout_claims())
    rejects(token, "not allowed", supported_algorithms=["ES256"])
    assert validate(mint(logout_claims(), ec_key(), alg="ES256"), supported_algorithms=["ES256"])


# Each refusal names the check that failed, in a message that starts with "logout token".
@pytest.mark.parametrize(
    ("claims", "header", "message"),
    [
        ({}, {"typ": "JWT"}, "logout token typ header is not logout+jwt"),
        ({"iss": "https://evil/"}, None, "logout token iss does not match the issuer"),
        ({"aud": 5}, None, "logout token aud is missing or malformed"),
        ({"aud": "x"}, None, "logout token aud does not include the client_id"),
        ({"iat": None}, None, "logout token has no iat"),
        ({"iat": "now"}, None, "logout token iat is not a number"),
        ({"iat": T + 3600}, None, "logout token iat is in the future"),
        ({"iat": T - 3600, "exp": None}, None, "logout token is too old (iat)"),
        ({"exp": "soon"}, None, "logout token exp is not a number"),
        ({"exp": T - 3600}, None, "logout token is expired (exp)"),
        ({"events": {}}, None, "logout token events lacks the back-channel logout event"),
        ({"sid": None, "sub": None}, None, "logout token has neither sid nor sub"),
        ({"sid": 5}, None, "logout token sid or sub is not a string"),
        ({"nonce": "n"}, None, "logout token must not contain a nonce"),
        ({"jti": None}, None, "logout token has no jti"),
    ],
)
def test_refusal_messages(
    claims: dict[str, Any], header: dict[str, Any] | None, message: str
) -> None:
    with pytest.raises(TokenValidationError) as info:
        validate(mint(logout_claims(**claims), header=header))
    assert str(info.value) == message


def test_replay_message_and_bad_bounds_message() -> None:
    cache = JtiCache()
    token = mint(logout_claims())
    validate(token, seen_jti=cache)
    with pytest.raises(TokenValidationError) as info:
        validate(token, seen_jti=cache)
    assert str(info.value) == "logout token jti was already used (replay)"
    with pytest.raises(ValueError, match=r"^ttl and max_entries must be positive$"):
        JtiCache(ttl=0)
