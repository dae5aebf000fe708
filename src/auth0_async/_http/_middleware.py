"""The pure-ASGI middleware: binds each request, serves the auth routes, turns cookie writes into headers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._core._context import CACHE_HEADERS, RequestContext
from .._core._request import request_host
from .._core._responses import RouteResponse
from .._exceptions import InvalidRequestError, SessionStoreError
from .._service._hooks import logger
from ._body import read_body
from ._status import UNAVAILABLE

if TYPE_CHECKING:
    from .._service._kernel import Kernel
    from .._types import ASGIApp, Message, Receive, Scope, Send
    from ._routes import AuthRoutes

__all__ = ["SessionMiddleware"]

_CACHE_NAMES = frozenset(name.encode() for name, _ in CACHE_HEADERS)
_ENCODED_CACHE_HEADERS = [(name.encode(), value.encode()) for name, value in CACHE_HEADERS]


class SessionMiddleware:
    """The pure-ASGI middleware behind :class:`auth0_async.Auth0Middleware`.

    For every HTTP (and websocket) connection it binds a request context that
    ``get_session()`` and friends use, and serves the auth routes. At
    ``http.response.start`` it re-issues the session cookie when rolling is due
    (and nothing else wrote it), appends the queued ``Set-Cookie`` headers, and
    marks responses that write a session cookie as not cacheable.
    """

    def __init__(self, app: ASGIApp, kernel: Kernel, routes: AuthRoutes) -> None:
        self.app = app
        self._kernel = kernel
        self._routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind != "http" and kind != "websocket":
            await self.app(scope, receive, send)
            return
        kernel = self._kernel
        # The binding: the one place a request context is made and bound for a request.
        ctx = RequestContext.from_scope(scope)
        ctx.bound = True
        if isinstance(scope, dict):
            scope[kernel.scope_key] = ctx
        token = kernel.context.set(ctx)
        try:
            if kind == "websocket":
                ctx.closed = "a websocket cannot set cookies: change the session over HTTP"
                await self.app(scope, receive, send)
                return

            started = False

            async def send_with_cookies(message: Message) -> None:
                nonlocal started
                if message["type"] == "http.response.start":
                    started = True
                    if (
                        ctx.pending
                        or ctx.no_store
                        or (ctx.session is not None and kernel.may_roll(ctx))
                    ):
                        message = await self._finish(ctx, message)
                    ctx.closed = (
                        "the response has already started: the session can no longer be "
                        "written for this request (write it before returning the response)"
                    )
                await send(message)

            handler = self._routes.for_scope(scope)
            if handler is None:
                try:
                    if kernel.sessions.stateful and ctx.cookie(kernel.cookie.name):
                        # Load a stored session up front: if the store is down, the answer is
                        # a 503 before the app runs, whatever the app's own error handling does.
                        await kernel.read(ctx)
                    await self.app(scope, receive, send_with_cookies)
                except SessionStoreError as exc:
                    # The store is down: say so (503) rather than treat the user as logged out.
                    if started:
                        raise
                    logger.error(
                        "session store unavailable: %s",
                        exc,
                        extra={"event": "auth0_async.store.unavailable"},
                    )
                    ctx.take_pending()
                    ctx.session_written = True
                    await UNAVAILABLE.send(send_with_cookies)
                return
            ctx.session_written = True  # auth routes write what they mean to; no rolling touch
            try:
                request_host(scope)  # a repeated or malformed Host is a 400 (RFC 9112 §3.2)
                response = await handler(ctx, lambda: read_body(receive))
                response.check()  # an on_callback hook may have changed it after construction
            except InvalidRequestError as exc:
                ctx.take_pending()
                response = RouteResponse.text(exc.message, 400)
            except SessionStoreError as exc:
                logger.error(
                    "session store unavailable on %s: %s",
                    scope.get("path"),
                    exc,
                    extra={"event": "auth0_async.store.unavailable"},
                )
                ctx.take_pending()
                response = UNAVAILABLE
            except Exception:  # noqa: BLE001 (an auth route must answer, never crash the server)
                logger.exception(
                    "auth route %s failed",
                    scope.get("path"),
                    extra={"event": "auth0_async.route.failed"},
                )
                ctx.take_pending()
                response = RouteResponse.text("An unexpected error occurred.", 500)
            await response.send(send_with_cookies)
        finally:
            kernel.context.reset(token)
            if isinstance(scope, dict):
                # The context refers to the scope (its request): leaving it in the scope would
                # make a reference cycle, freed only by the cyclic GC with the whole session.
                scope.pop(kernel.scope_key, None)

    async def _finish(self, ctx: RequestContext, message: Message) -> Message:
        try:
            await self._kernel.roll(ctx)
        except SessionStoreError as exc:  # a missed rolling touch is harmless; a 500 is not
            logger.warning(
                "rolling session touch skipped: %s",
                exc,
                extra={"event": "auth0_async.session.roll_skipped"},
            )
        lines = ctx.take_pending()
        if not lines and not ctx.no_store:
            return message
        headers = list(message.get("headers", ()))
        if ctx.no_store:
            headers = [(k, v) for k, v in headers if k.lower() not in _CACHE_NAMES]
            headers.extend(_ENCODED_CACHE_HEADERS)
        headers.extend((b"set-cookie", line.encode("latin-1")) for line in lines)
        return {**message, "headers": headers}
