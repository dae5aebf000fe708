"""A clock that only moves when told to."""

from __future__ import annotations

import time

__all__ = ["FrozenClock"]


class FrozenClock:
    """A callable clock for ``Auth0Client(clock=...)``; starts at ``start`` (default: now).

    Example::

        clock = FrozenClock()
        auth0 = Auth0Client(secret=..., clock=clock)
        clock.advance(3600)
    """

    __slots__ = ("now",)

    def __init__(self, start: float | None = None) -> None:
        self.now = time.time() if start is None else float(start)

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds`` (which may be negative)."""
        self.now += seconds

    def __repr__(self) -> str:
        return f"FrozenClock({self.now!r})"
