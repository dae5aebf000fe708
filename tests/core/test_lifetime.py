"""Session lifetimes (``_core/_lifetime``): absolute, inactivity and rolling math, and the ``exp`` leeway."""

from __future__ import annotations

import pytest

from auth0_async import SessionConfig
from auth0_async._core._lifetime import (
    EXP_LEEWAY,
    IPSIE_LEEWAY,
    Lifetime,
    ceiling_reached,
    is_expired,
    upstream_ceiling,
)
from auth0_async._core._models import Internal, SessionData, TokenSet, User

T0 = 1_800_000_000


def session(
    *, created_at: int | None = T0, exp: int | None = None, ceiling: int | None = None
) -> SessionData:
    internal = (
        None
        if created_at is None
        else Internal(created_at=created_at, sid="sid-1", session_expires_at=ceiling)
    )
    return SessionData(
        user=User(sub="auth0|alice"),
        token_set=TokenSet(access_token="at"),
        internal=internal,
        exp=exp,
    )


def lifetime(**options: object) -> Lifetime:
    return Lifetime(SessionConfig(**options))  # type: ignore[arg-type]


def test_rolling_expiry_is_the_sooner_of_inactivity_and_absolute() -> None:
    life = lifetime(inactivity_duration=1800, absolute_duration=3600)
    assert life.expires_at(T0, T0) == T0 + 1800
    assert life.expires_at(T0, T0 + 1000.9) == T0 + 1000 + 1800  # whole seconds
    assert life.expires_at(T0, T0 + 3000) == T0 + 3600  # capped by the absolute lifetime


def test_without_rolling_a_save_never_extends_the_absolute_lifetime() -> None:
    life = lifetime(rolling=False, absolute_duration=3600)
    assert life.expires_at(T0, T0) == T0 + 3600
    assert life.expires_at(T0, T0 + 3000) == T0 + 3600


def test_a_session_lives_until_its_absolute_end_plus_the_leeway() -> None:
    life = lifetime(absolute_duration=100)
    assert life.is_live(session(), T0 + 100 + EXP_LEEWAY)
    assert not life.is_live(session(), T0 + 100 + EXP_LEEWAY + 1)


def test_a_session_without_internal_data_is_left_to_its_cookie_exp() -> None:
    life = lifetime(absolute_duration=100)
    assert life.is_live(session(created_at=None), T0 + 10**6)
    assert not life.past_ceiling(session(created_at=None), T0 + 10**6)
    assert not life.roll_due(session(created_at=None, exp=T0), T0 + 10**6)


def test_the_upstream_ceiling_ends_a_session_its_leeway_early() -> None:
    life = lifetime()
    live = session(ceiling=T0 + 100)
    assert not Lifetime.past_ceiling(live, T0 + 100 - IPSIE_LEEWAY - 1)
    assert Lifetime.past_ceiling(live, T0 + 100 - IPSIE_LEEWAY)
    assert life.is_live(live, T0 + 100 - IPSIE_LEEWAY - 1)
    assert not life.is_live(live, T0 + 100 - IPSIE_LEEWAY)


def test_a_roll_is_due_once_it_moves_the_expiry_by_the_threshold() -> None:
    life = lifetime(inactivity_duration=1800, rolling_threshold=300)
    written = session(exp=T0 + 1800)
    assert not life.roll_due(written, T0 + 299)
    assert life.roll_due(written, T0 + 300)


def test_a_zero_threshold_still_needs_a_one_second_move() -> None:
    life = lifetime(inactivity_duration=1800, rolling_threshold=0)
    written = session(exp=T0 + 1800)
    assert not life.roll_due(written, T0 + 0.5)
    assert life.roll_due(written, T0 + 1)


def test_a_cookie_living_longer_than_the_configuration_allows_is_brought_back() -> None:
    life = lifetime(inactivity_duration=1800, absolute_duration=3600)
    assert life.roll_due(session(exp=T0 + 86400), T0)


def test_rolling_off_never_rolls() -> None:
    life = lifetime(rolling=False)
    assert not life.roll_due(session(exp=T0), T0 + 10_000)


@pytest.mark.parametrize(
    ("exp", "now", "expired"),
    [
        (None, 100, False),
        (100, 115, False),
        (100, 116, True),
        ("100", 0, True),
        (True, 0, True),
        (100.5, 110, False),
    ],
)
def test_is_expired_with_leeway(exp: object, now: float, expired: bool) -> None:
    assert is_expired(exp, now) is expired


@pytest.mark.parametrize(
    ("claim", "ceiling"),
    [
        (1_900_000_000, 1_900_000_000),
        (None, None),
        (True, None),  # a bool is not a time
        (1.9e9, None),  # the claim is an integer NumericDate here
        ("1900000000", None),
        (0, None),
        (-5, None),
        (10**10, None),  # implausible: after the year 2286
        (10**10 - 1, 10**10 - 1),
    ],
)
def test_upstream_ceiling_reads_only_a_plausible_integer(
    claim: object, ceiling: int | None
) -> None:
    assert upstream_ceiling(claim) == ceiling


def test_the_ceiling_is_reached_its_leeway_early() -> None:
    ceiling = 1_900_000_000
    assert not ceiling_reached(ceiling, ceiling - IPSIE_LEEWAY - 1)
    assert ceiling_reached(ceiling, ceiling - IPSIE_LEEWAY)
    assert ceiling_reached(ceiling, ceiling + 1)
