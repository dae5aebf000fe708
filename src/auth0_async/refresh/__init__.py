"""Refresh coordinators: one refresh-token grant per refresh token, shared by every caller.

When an access token has expired, several requests of one session often arrive
together, each wanting to refresh it. With rotating refresh tokens, a second
grant made with an already-used refresh token looks like token theft to the
provider, which then revokes the whole grant and logs the user out. A
*coordinator* prevents this: :class:`~auth0_async.Auth0Client` hands it each
refresh as ``await coordinator.coordinate(key, fetch)``, where ``key`` is a
SHA-256 digest of the refresh token (plus audience and scope) and ``fetch``
performs one grant and returns its outcome as opaque, already-encrypted bytes.
Callers with the same key share one ``fetch``; its result stays available for
a short while so that requests still carrying the old refresh token get the
new tokens instead of replaying the old one.

Any object with that ``coordinate`` method works (see
:class:`auth0_async.RefreshCoordinator` for the full contract). Two ship:

* :class:`LocalRefreshCoordinator` (the default) coordinates inside one
  process, on asyncio or trio.
* :class:`auth0_async.refresh.redis.RedisRefreshCoordinator` (extra ``redis``)
  coordinates across processes and hosts through a shared Redis; use it when
  an app runs as several instances and the tenant rotates refresh tokens.
"""

from __future__ import annotations

from .._service._refresh import LocalRefreshCoordinator as LocalRefreshCoordinator

__all__ = ["LocalRefreshCoordinator"]

# Reprs say auth0_async.refresh.X (unless the top-level package already re-exports it).
if LocalRefreshCoordinator.__module__ == "auth0_async._service._refresh":
    LocalRefreshCoordinator.__module__ = __name__
