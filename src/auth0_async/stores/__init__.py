"""Session stores for stateful sessions: the cookie then carries only an encrypted session id.

By default :class:`~auth0_async.Auth0Client` keeps the whole session in an
encrypted cookie (stateless). A *session store* keeps it on the server
instead, which makes sessions independent of cookie size limits and lets a
back-channel logout end them wherever they are used. Any object with the
methods of :class:`auth0_async.SessionStore` works; two ship:

* :class:`MemorySessionStore` keeps sessions in this process, bounded and
  expiring; for development, tests and single-instance apps (asyncio or trio).
* :class:`auth0_async.stores.redis.RedisSessionStore` (extra ``redis``) keeps
  them in a shared Redis or Redis Cluster, for apps running as several
  instances.

To write your own (SQL, DynamoDB, ...), implement the five methods of
:class:`auth0_async.SessionStore` and check it with
:func:`auth0_async.testing.check_session_store`.
"""

from __future__ import annotations

from ._memory import MemorySessionStore as MemorySessionStore

__all__ = ["MemorySessionStore"]

# Reprs say auth0_async.stores.X (unless the top-level package already re-exports it).
if MemorySessionStore.__module__ == "auth0_async.stores._memory":
    MemorySessionStore.__module__ = __name__
