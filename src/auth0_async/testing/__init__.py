"""Helpers for testing apps that use auth0_async (no pytest dependency)."""

from __future__ import annotations

from ._clock import FrozenClock as FrozenClock
from ._conformance import check_session_store as check_session_store
from ._cookie import generate_session_cookie as generate_session_cookie

__all__ = ["FrozenClock", "check_session_store", "generate_session_cookie"]
