"""Framework-neutral request and response handles for the explicit API forms.

``get_session(request)``, ``update_session(request, response, session)`` and
friends accept a Starlette ``Request``, an ASGI scope or any
:class:`~auth0_async.RequestSource`, and a Starlette-style ``Response`` or any
:class:`~auth0_async.ResponseSink`. This module turns those into the kernel's
request context and writes the queued cookies onto the response.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

from .._core._context import CACHE_HEADERS, RequestContext, scope_of
from .._core._models import SessionData
from .._exceptions import RequestContextError, SessionError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .._core._protocols import RequestSource, ResponseSink
    from .._service._kernel import Kernel

__all__ = [
    "HeadersResponse",
    "MutableHeaders",
    "RequestLike",
    "ResponseLike",
    "bound_context",
    "context_for",
    "flush",
    "sink_for",
    "target",
    "update_target",
    "writes_to",
]


class MutableHeaders(Protocol):
    """Response headers that can be appended to and set (Starlette's ``MutableHeaders``)."""

    def append(self, key: str, value: str) -> None:
        """Add a header line, keeping any others of the same name."""
        ...

    def __setitem__(self, key: str, value: str) -> None: ...


class HeadersResponse(Protocol):
    """A response whose headers can be changed (a Starlette or FastAPI ``Response``)."""

    @property
    def headers(self) -> MutableHeaders:
        """The response's headers."""
        ...


RequestLike: TypeAlias = "RequestSource | Mapping[str, Any]"
"""A Starlette ``Request``, an ASGI scope, or any :class:`RequestSource`."""
ResponseLike: TypeAlias = "ResponseSink | HeadersResponse"
"""A Starlette ``Response`` (anything with ``headers.append``), or any :class:`ResponseSink`."""


class _HeadersSink:
    __slots__ = ("_headers",)

    def __init__(self, headers: MutableHeaders) -> None:
        self._headers = headers

    def add_header(self, name: str, value: str) -> None:
        self._headers.append(name, value)

    def set_header(self, name: str, value: str) -> None:
        self._headers[name] = value


def sink_for(response: object) -> ResponseSink:
    """Return a :class:`ResponseSink` writing onto ``response``.

    Raises:
        TypeError: ``response`` has neither ``headers.append`` nor the sink methods.

    """
    if hasattr(response, "add_header") and hasattr(response, "set_header"):
        return response
    headers = getattr(response, "headers", None)
    if headers is not None and hasattr(headers, "append"):
        return _HeadersSink(headers)
    raise TypeError("response must be a Starlette-style Response or implement ResponseSink")


def flush(ctx: RequestContext, sink: ResponseSink) -> None:
    """Write the context's queued cookies (and no-store headers) onto ``sink``."""
    for line in ctx.take_pending():
        sink.add_header("set-cookie", line)
    if ctx.no_store:
        for name, value in CACHE_HEADERS:
            sink.set_header(name, value)


def bound_context(kernel: Kernel) -> RequestContext:
    """Return the request the middleware bound.

    Raises:
        RequestContextError: no request is bound.

    """
    ctx = kernel.context.get()
    if ctx is None:
        raise RequestContextError(
            "no request is bound: wrap your ASGI app with auth0.middleware(app) (or "
            "app.add_middleware(Auth0Middleware, client=auth0)), or pass the request "
            "explicitly, e.g. await auth0.get_session(request)"
        )
    return ctx


def context_for(kernel: Kernel, request: object) -> RequestContext:
    """Return the request context for an explicit request (the bound one when it is that request).

    Raises:
        TypeError: ``request`` is not a request auth0_async can read.

    """
    scope = scope_of(request)
    if scope is not None:
        bound = scope.get(kernel.scope_key)
        if isinstance(bound, RequestContext):
            return bound
        return RequestContext.from_scope(scope, request)
    ctx = kernel.context.get()
    if ctx is not None and ctx.request is request:
        return ctx
    if hasattr(request, "headers") and hasattr(request, "url"):
        return RequestContext.from_source(request)
    raise TypeError(
        "request must be a Starlette Request, an ASGI scope, or implement RequestSource"
    )


def target(
    kernel: Kernel, request: object | None, response: object | None
) -> tuple[RequestContext, ResponseSink | None]:
    """Return the context to act on and where its cookies go (``None``: the middleware sends them).

    Raises:
        TypeError: a response without a request, or an unreadable request or response.
        RequestContextError: no request is bound and none was given, or a request
            the middleware did not bind was given without a response.

    """
    if request is None:
        if response is not None:
            raise TypeError("pass the request together with the response")
        return bound_context(kernel), None
    ctx = context_for(kernel, request)
    if response is None:
        if not ctx.bound:
            raise RequestContextError(
                "this request is not bound by auth0.middleware: pass the response too, "
                "so that the session cookies can be written"
            )
        return ctx, None
    return ctx, sink_for(response)


def update_target(
    kernel: Kernel, args: tuple[Any, ...]
) -> tuple[RequestContext, ResponseSink | None, SessionData]:
    """Sort out ``update_session``'s two forms: ``(session)`` and ``(request, response, session)``.

    Raises:
        TypeError: another number of arguments, or ``session`` is not a SessionData.
        SessionError: ``session`` is ``None``.
        RequestContextError: the bound form outside a bound request.

    """
    if len(args) == 1:
        ctx, sink, session = bound_context(kernel), None, args[0]
    elif len(args) == 3:
        ctx, sink, session = context_for(kernel, args[0]), sink_for(args[1]), args[2]
    else:
        raise TypeError("use update_session(session) or update_session(request, response, session)")
    if session is None:
        raise SessionError("The session data is missing.")
    if not isinstance(session, SessionData):
        raise TypeError("session must be an auth0_async.SessionData")
    return ctx, sink, session


class writes_to:
    """Write the cookies queued inside the block onto ``sink`` (if any), even when it raises.

    A failed callback still deletes its transaction cookie, a failed refresh still
    sends what was written before the failure. A class, not ``@contextmanager``: this
    wraps every explicit ``update_session``, and a generator costs about a microsecond.
    """

    __slots__ = ("_ctx", "_sink")

    def __init__(self, ctx: RequestContext, sink: ResponseSink | None) -> None:
        self._ctx = ctx
        self._sink = sink

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc_info: object) -> None:
        if self._sink is not None:
            flush(self._ctx, self._sink)
