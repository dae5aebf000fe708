"""Helpers for testing apps that use auth0_async (no pytest dependency)."""

from __future__ import annotations

from ._clock import FrozenClock as FrozenClock
from ._cookie import generate_session_cookie as generate_session_cookie

__all__ = ["FrozenClock", "generate_session_cookie"]
