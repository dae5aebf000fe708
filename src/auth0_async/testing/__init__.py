"""Helpers for testing apps that use auth0_async (no pytest dependency)."""

from __future__ import annotations

from ._clock import FrozenClock as FrozenClock
from ._conformance import check_session_store as check_session_store
from ._cookie import generate_session_cookie as generate_session_cookie
from ._mock_auth0 import MockAuth0 as MockAuth0
from ._mock_users import MockClient as MockClient
from ._mock_users import MockUser as MockUser

__all__ = [
    "FrozenClock",
    "MockAuth0",
    "MockClient",
    "MockUser",
    "check_session_store",
    "generate_session_cookie",
]
