"""The explicit request/response forms (``_http/_requests``): Starlette responses and sinks."""

from __future__ import annotations

import msgspec
import pytest

from auth0_async import RequestContextError
from auth0_async._core._context import RequestContext
from auth0_async._core._cookies import CookieAttributes
from auth0_async._http._requests import context_for, flush, sink_for, target

from ..conftest import http_scope
from ..support.sessions import RecordingSink, cookie_for, decrypt_wire, make

pytestmark = pytest.mark.anyio


async def test_explicit_update_session_writes_onto_a_starlette_response() -> None:
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse

    auth0 = make()
    request = Request(http_scope(f"__session={cookie_for()}"))
    response = PlainTextResponse("ok")
    session = await auth0.get_session(request)
    assert session is not None
    await auth0.update_session(request, response, msgspec.structs.replace(session, extra={"x": 1}))
    lines = response.headers.getlist("set-cookie")
    assert len(lines) == 1
    assert lines[0].startswith("__session=ey")
    assert response.headers["cache-control"].startswith("private, no-cache, no-store")
    assert decrypt_wire(lines[0].split(";")[0].split("=", 1)[1])["x"] == 1


# -- sinks and targets ---------------------------------------------------------------------------


class Headers:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []
        self.set: dict[str, str] = {}

    def append(self, key: str, value: str) -> None:
        self.lines.append((key, value))

    def __setitem__(self, key: str, value: str) -> None:
        self.set[key] = value


class HeadersResponse:
    def __init__(self) -> None:
        self.headers = Headers()


def test_sink_for_takes_a_sink_as_it_is_and_wraps_headers() -> None:
    sink = RecordingSink()
    assert sink_for(sink) is sink
    response = HeadersResponse()
    wrapped = sink_for(response)
    wrapped.add_header("set-cookie", "a=1")
    wrapped.add_header("set-cookie", "b=2")
    wrapped.set_header("cache-control", "no-store")
    assert response.headers.lines == [("set-cookie", "a=1"), ("set-cookie", "b=2")]
    assert response.headers.set == {"cache-control": "no-store"}
    with pytest.raises(TypeError, match="ResponseSink"):
        sink_for(object())


def test_flush_sends_the_pending_cookies_and_no_store_headers_once() -> None:
    ctx = RequestContext.from_scope(http_scope(None))
    response = HeadersResponse()
    flush(ctx, sink_for(response))
    assert response.headers.lines == []
    assert response.headers.set == {}
    ctx.set_cookie("a", "1", CookieAttributes(), 60, 0.0)
    ctx.no_store = True
    flush(ctx, sink_for(response))
    assert [name for name, _ in response.headers.lines] == ["set-cookie"]
    assert response.headers.set["cache-control"].startswith("private, no-cache, no-store")
    flush(ctx, sink_for(response))
    assert len(response.headers.lines) == 1  # taken: never sent twice


def test_target_checks_its_arguments() -> None:
    kernel = make()._kernel
    with pytest.raises(RequestContextError, match="middleware"):
        target(kernel, None, None)
    with pytest.raises(TypeError, match="together"):
        target(kernel, None, HeadersResponse())
    with pytest.raises(RequestContextError, match="pass the response"):
        target(kernel, http_scope(None), None)
    with pytest.raises(TypeError, match="RequestSource"):
        target(kernel, 42, HeadersResponse())
    ctx, sink = target(kernel, http_scope(None), HeadersResponse())
    assert not ctx.bound
    assert sink is not None


def test_the_bound_context_is_found_from_its_scope_or_its_request() -> None:
    kernel = make()._kernel
    scope = http_scope(None)
    bound = RequestContext.from_scope(scope)
    bound.bound = True
    scope[kernel.scope_key] = bound
    assert context_for(kernel, scope) is bound
    ctx, sink = target(kernel, scope, None)
    assert (ctx, sink) == (bound, None)
    other = make()._kernel  # another client never sees this client's binding
    assert context_for(other, scope) is not bound
