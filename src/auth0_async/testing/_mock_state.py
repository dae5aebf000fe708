"""The in-memory, bounded state of :class:`~auth0_async.testing.MockAuth0`."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "AccessTokenRecord",
    "AuthorizationCode",
    "Expiring",
    "Grant",
    "PendingAuthorization",
    "RefreshTokenRecord",
    "TenantSession",
    "token_key",
]

V = TypeVar("V")


class Expiring(Generic[V]):
    """A dict whose entries expire and which holds at most ``max_entries`` of them.

    Making room for a new entry first drops the expired ones, then the oldest
    insertion. Reads never return an expired entry.
    """

    __slots__ = ("_clock", "_entries", "max_entries")

    def __init__(self, max_entries: int, clock: Callable[[], float]) -> None:
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, V]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def put(self, key: str, value: V, *, expires_at: float) -> None:
        """Store ``value`` under ``key`` until ``expires_at``."""
        self._entries.pop(key, None)
        if len(self._entries) >= self.max_entries:
            now = self._clock()
            for stale in [k for k, (exp, _) in self._entries.items() if exp <= now]:
                del self._entries[stale]
            while len(self._entries) >= self.max_entries:
                self._entries.popitem(last=False)
        self._entries[key] = (expires_at, value)

    def get(self, key: str) -> V | None:
        """Return the live value under ``key``, if any."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] <= self._clock():
            del self._entries[key]
            return None
        return entry[1]

    def pop(self, key: str) -> V | None:
        """Remove and return the live value under ``key``, if any."""
        value = self.get(key)
        self._entries.pop(key, None)
        return value

    def remove_where(self, predicate: Callable[[V], bool]) -> int:
        """Remove every entry whose value satisfies ``predicate``; return how many."""
        doomed = [k for k, (_, value) in self._entries.items() if predicate(value)]
        for key in doomed:
            del self._entries[key]
        return len(doomed)


def token_key(token: str) -> str:
    """Return the key a token is stored under (its SHA-256, so memory holds no token)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True, slots=True)
class PendingAuthorization:
    """A validated ``/authorize`` request waiting for the user to pick a test user."""

    client_id: str
    redirect_uri: str
    state: str
    nonce: str
    scope: str
    code_challenge: str
    audience: str | None
    max_age: int | None


@dataclass(frozen=True, slots=True)
class TenantSession:
    """A login session at the tenant (what its SSO cookie points to)."""

    sid: str
    sub: str
    auth_time: int


@dataclass(slots=True)
class AuthorizationCode:
    """An issued authorization code; ``used`` once it was presented by its client."""

    request: PendingAuthorization
    session: TenantSession
    grant_id: str
    used: bool = False


@dataclass(slots=True)
class Grant:
    """What a user granted a client at one login; every token of the login points to it.

    Revoking the grant invalidates its whole token family.
    """

    client_id: str
    session: TenantSession
    scope: str
    audience: str | None
    expires_at: float
    revoked: bool = False


@dataclass(slots=True)
class RefreshTokenRecord:
    """An issued refresh token; ``used`` once rotation replaced it."""

    grant_id: str
    used: bool = False


@dataclass(frozen=True, slots=True)
class AccessTokenRecord:
    """An issued access token."""

    grant_id: str
    sub: str
    scope: str
    expires_at: int
