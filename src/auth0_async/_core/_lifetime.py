"""Session lifetime math on an injected clock: one place decides when a session ends.

With ``rolling`` on, a session written at ``now`` expires at
``min(now + inactivity_duration, created_at + absolute_duration)``. With it off,
it expires at ``created_at + absolute_duration``: unlike nextjs-auth0, a re-save
does not restart the absolute lifetime, so "absolute" stays absolute.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._config import SessionConfig
    from ._models import SessionData

__all__ = [
    "EXP_LEEWAY",
    "IPSIE_LEEWAY",
    "Lifetime",
    "ceiling_reached",
    "is_expired",
    "upstream_ceiling",
]

EXP_LEEWAY = 15
"""Seconds of clock tolerance when checking a cookie's ``exp`` (as nextjs-auth0)."""

IPSIE_LEEWAY = 30
"""Seconds before an upstream ``session_expiry`` ceiling at which the session ends."""


class Lifetime:
    """Expiry decisions for one :class:`SessionConfig`."""

    __slots__ = ("_absolute", "_inactivity", "_rolling", "_threshold")

    def __init__(self, config: SessionConfig) -> None:
        self._rolling = config.rolling
        self._absolute = config.absolute_duration
        self._inactivity = config.inactivity_duration
        self._threshold = max(config.rolling_threshold, 1)

    def expires_at(self, created_at: int, now: float) -> int:
        """Epoch second at which a session created at ``created_at`` and saved now ends."""
        end = created_at + self._absolute
        if self._rolling:
            return min(int(now) + self._inactivity, end)
        return end

    def is_live(self, session: SessionData, now: float) -> bool:
        """Whether a decrypted session is still valid at ``now``.

        The cookie's ``exp`` (with the JWE leeway) is checked by the caller; this
        adds the absolute lifetime (defence in depth against a long-lived cookie
        minted elsewhere) and the upstream ``session_expiry`` ceiling.
        """
        internal = session.internal
        if internal is None:
            return True
        if now > internal.created_at + self._absolute + EXP_LEEWAY:
            return False
        return not self.past_ceiling(session, now)

    @staticmethod
    def past_ceiling(session: SessionData, now: float) -> bool:
        """Whether the upstream ``session_expiry`` ceiling (less its leeway) has been reached."""
        internal = session.internal
        ceiling = internal.session_expires_at if internal is not None else None
        return ceiling is not None and ceiling_reached(ceiling, now)

    def roll_due(self, session: SessionData, now: float) -> bool:
        """Whether re-issuing the cookie now would move its expiry by at least the threshold.

        Usually that extends it; a cookie minted with a longer lifetime than this
        configuration allows (by a test helper, or another app sharing the
        cookie) is brought back in line once.
        """
        if not self._rolling or session.internal is None:
            return False
        new_exp = self.expires_at(session.internal.created_at, now)
        return abs(new_exp - (session.exp or 0)) >= self._threshold


def is_expired(exp: Any, now: float) -> bool:
    """Whether a token's ``exp`` has passed, allowing :data:`EXP_LEEWAY` seconds.

    A missing ``exp`` is not expired (nextjs-auth0 accepts such tokens); a
    malformed one is.
    """
    if exp is None:
        return False
    if not isinstance(exp, (int, float)) or isinstance(exp, bool):
        return True
    return now > exp + EXP_LEEWAY


# A plausible epoch-seconds ceiling (before the year 2286): anything else is ignored.
_MAX_EPOCH = 10**10


def upstream_ceiling(claim: Any) -> int | None:
    """Read an ID token's ``session_expiry`` claim: epoch seconds, or ``None`` (absent or implausible)."""
    if isinstance(claim, int) and not isinstance(claim, bool) and 0 < claim < _MAX_EPOCH:
        return claim
    return None


def ceiling_reached(ceiling: int, now: float) -> bool:
    """Whether an upstream ``session_expiry`` ceiling, less :data:`IPSIE_LEEWAY`, has been reached."""
    return now >= ceiling - IPSIE_LEEWAY
