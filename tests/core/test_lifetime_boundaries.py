"""Session lifetime decisions at their exact boundaries (the leeways are part of the contract)."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from auth0_async import SessionConfig
from auth0_async._core._lifetime import IPSIE_LEEWAY, Lifetime
from auth0_async._core._models import SessionData, session_from_wire

CREATED = 1_000_000


def session(
    *, exp: int | None = None, internal: bool = True, ceiling: int | None = None
) -> SessionData:
    wire: dict[str, Any] = {"user": {"sub": "auth0|alice"}, "tokenSet": {"accessToken": "at"}}
    if internal:
        wire["internal"] = {"sid": "s", "createdAt": CREATED}
        if ceiling is not None:
            wire["internal"]["sessionExpiresAt"] = ceiling
    made = session_from_wire(wire)
    return msgspec.structs.replace(made, exp=exp)


def lifetime(**config: Any) -> Lifetime:
    return Lifetime(
        SessionConfig(**{"absolute_duration": 100, "inactivity_duration": 30, **config})
    )


def test_the_constants() -> None:
    assert IPSIE_LEEWAY == 30


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (CREATED, CREATED + 30),
        (CREATED + 50.9, CREATED + 80),  # whole seconds: the fraction is dropped
        (CREATED + 69, CREATED + 99),
        (CREATED + 70, CREATED + 100),  # the absolute end caps the inactivity window
        (CREATED + 71, CREATED + 100),
        (CREATED + 500, CREATED + 100),
    ],
)
def test_rolling_expiry_is_the_earlier_of_inactivity_and_absolute(
    now: float, expected: int
) -> None:
    assert lifetime().expires_at(CREATED, now) == expected


@pytest.mark.parametrize("now", [CREATED, CREATED + 50, CREATED + 500])
def test_without_rolling_the_expiry_is_absolute(now: float) -> None:
    assert lifetime(rolling=False).expires_at(CREATED, now) == CREATED + 100


def test_a_session_without_internal_data_is_live() -> None:
    assert lifetime().is_live(session(internal=False), CREATED + 10**9)


@pytest.mark.parametrize(
    ("now", "live"),
    [
        (CREATED, True),
        (CREATED + 100 + 15, True),  # the cookie's exp leeway applies to the absolute end too
        (CREATED + 100 + 15.5, False),
        (CREATED + 100 + 16, False),
    ],
)
def test_the_absolute_lifetime_is_enforced_with_the_exp_leeway(now: float, live: bool) -> None:
    assert lifetime().is_live(session(), now) is live


@pytest.mark.parametrize(
    ("now", "live"),
    [
        (CREATED, True),
        (CREATED + 50 - IPSIE_LEEWAY - 0.5, True),
        (CREATED + 50 - IPSIE_LEEWAY, False),  # ends IPSIE_LEEWAY seconds before the ceiling
        (CREATED + 50, False),
    ],
)
def test_the_upstream_ceiling_ends_the_session_early(now: float, live: bool) -> None:
    long = lifetime(absolute_duration=10_000)
    assert long.is_live(session(ceiling=CREATED + 50), now) is live


def test_no_ceiling_means_only_the_absolute_lifetime() -> None:
    assert lifetime(absolute_duration=10_000).is_live(session(), CREATED + 9_000)


def test_nothing_rolls_without_rolling_or_without_internal_data() -> None:
    assert not lifetime(rolling=False).roll_due(session(exp=CREATED), CREATED + 10)
    assert not lifetime().roll_due(session(exp=CREATED, internal=False), CREATED + 10)


# At CREATED + 10 a re-issued cookie would expire at CREATED + 40.
@pytest.mark.parametrize(
    ("exp", "threshold", "due"),
    [
        (CREATED + 40, 0, False),  # no move at all: nothing to re-issue, even at threshold 0
        (CREATED + 39, 0, True),  # a one-second move is enough at the default threshold
        (CREATED + 39, 1, True),
        (CREATED + 30, 10, True),  # exactly the threshold
        (CREATED + 31, 10, False),
        (CREATED + 50, 10, True),  # minted with a longer life: brought back in line
        (CREATED + 49, 10, False),
        (None, 10, True),
        (None, CREATED + 40, True),  # a cookie without exp counts as expiring at 0
    ],
)
def test_rolling_is_due_when_the_expiry_moves_by_the_threshold(
    exp: int | None, threshold: int, due: bool
) -> None:
    assert lifetime(rolling_threshold=threshold).roll_due(session(exp=exp), CREATED + 10) is due
