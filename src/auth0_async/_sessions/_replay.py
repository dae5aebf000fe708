"""Back-channel logout replay protection: the seam that remembers accepted ``jti`` values.

A captured logout token must not be accepted twice. Each accepted token's
``jti`` is remembered for as long as the token itself would still be accepted
(``LOGOUT_TOKEN_MAX_AGE`` after its ``iat``, plus twice the leeway); to refuse
a replay on *any* instance of an app, that memory has to be shared.

* The default is :class:`~auth0_async._oidc.JtiCache`: bounded, in this
  process only.
* A session store that also has :meth:`ReplayCache.remember_jti` (an atomic
  insert-if-absent with expiry) is used instead, under the store's timeout:
  :class:`auth0_async.stores.redis.RedisSessionStore` has it (``SET NX PX`` on
  the store's own Redis connection).
* A session store without it keeps the per-process default. The five
  :class:`~auth0_async.SessionStore` methods cannot do this safely: ``set``
  replaces, so "look, then set" lets two instances both accept one token, and
  parking markers among the sessions would let them count against (and evict)
  real sessions in a bounded store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._exceptions import SessionStoreError

if TYPE_CHECKING:
    from .._core._protocols import ReplayCache
    from ._stateful import StatefulSessionStore

__all__ = ["StoreReplayCache", "replay_cache_of"]


class StoreReplayCache:
    """A session store's ``remember_jti``, bounded by the store's timeout like its other calls."""

    __slots__ = ("_driver",)

    def __init__(self, driver: StatefulSessionStore) -> None:
        self._driver = driver

    async def remember_jti(self, issuer: str, jti: str, *, now: float, until: float) -> bool:
        """Ask the store (see :meth:`ReplayCache.remember_jti`).

        Raises:
            SessionStoreError: the store failed, did not answer in time, or
                answered something other than a bool.

        """
        store: ReplayCache = self._driver.store  # type: ignore[assignment]
        first = await self._driver.call(
            "remember_jti", store.remember_jti(issuer, jti, now=now, until=until)
        )
        if not isinstance(first, bool):
            raise SessionStoreError("the session store's remember_jti did not return a bool")
        return first


def replay_cache_of(driver: StatefulSessionStore) -> ReplayCache | None:
    """Return the shared replay memory a session store offers, or ``None`` if it has none."""
    if callable(getattr(driver.store, "remember_jti", None)):
        return StoreReplayCache(driver)
    return None
