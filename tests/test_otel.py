"""auth0_async.otel: spans for login, callback, refresh, logout, provider requests and store writes.

The real OpenTelemetry SDK with an in-memory exporter; the tenant is the shipped MockAuth0.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from auth0_async.otel import instrument, uninstrument
from auth0_async.stores import MemorySessionStore

from .conftest import SECRET, http_scope
from .support.asgi_driver import call
from .support.routes import jar, not_found
from .support.tenant import tenant, tenant_client, tenant_login

if TYPE_CHECKING:
    from collections.abc import Iterator

    from opentelemetry.sdk.trace import ReadableSpan

    from auth0_async import Auth0Client

pytestmark = pytest.mark.anyio


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def provider(exporter: InMemorySpanExporter) -> Iterator[TracerProvider]:
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield tracer_provider
    tracer_provider.shutdown()


def names(spans: tuple[ReadableSpan, ...] | list[ReadableSpan]) -> list[str]:
    return [span.name for span in spans]


def by_name(spans: Any, name: str) -> list[ReadableSpan]:
    return [span for span in spans if span.name == name]


def assert_nothing_secret(spans: Any, *secrets: str) -> None:
    for span in spans:
        text = repr(dict(span.attributes or {})) + repr(
            [(e.name, dict(e.attributes or {})) for e in span.events]
        )
        for secret in (SECRET, "csecret", *secrets):
            assert secret not in text, (span.name, secret)


def session_cookie(response: Any) -> str:
    cookies = jar(response)
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


async def test_a_login_is_traced_from_login_to_the_stored_session(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    mock = tenant()
    auth0 = tenant_client(mock, session_store=MemorySessionStore())
    instrument(auth0, tracer_provider=provider)
    callback = await tenant_login(mock, auth0)
    assert callback.status == 307
    spans = exporter.get_finished_spans()
    assert set(names(spans)) == {
        "auth0_async.login",
        "auth0_async.callback",
        "auth0_async.provider",
        "auth0_async.store.set",
    }
    [login], [back] = by_name(spans, "auth0_async.login"), by_name(spans, "auth0_async.callback")
    requests = by_name(spans, "auth0_async.provider")
    assert sorted(str(dict(r.attributes or {})["auth0_async.request"]) for r in requests) == [
        "JWKS request",
        "discovery",
        "token request",
    ]
    discovery = next(
        r for r in requests if dict(r.attributes or {})["auth0_async.request"] == "discovery"
    )
    assert discovery.parent is not None
    assert discovery.parent.span_id == login.context.span_id
    assert discovery.kind is SpanKind.CLIENT
    attributes = dict(discovery.attributes or {})
    assert attributes["http.request.method"] == "GET"
    assert attributes["http.response.status_code"] == 200
    assert urlsplit(str(attributes["url.full"])).path == "/.well-known/openid-configuration"
    [store] = by_name(spans, "auth0_async.store.set")
    assert store.parent is not None
    assert store.parent.span_id == back.context.span_id
    assert all(span.status.status_code is not StatusCode.ERROR for span in spans)
    location = callback.header("location") or ""
    assert_nothing_secret(spans, session_cookie(callback), location)


async def test_reading_a_session_opens_no_span_and_runs_no_tracing_code(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    mock = tenant()
    for store in (None, MemorySessionStore()):
        auth0 = tenant_client(mock, session_store=store)
        instrument(auth0, tracer_provider=provider)
        cookie = session_cookie(await tenant_login(mock, auth0))
        exporter.clear()
        seen: list[str] = []

        async def app(
            scope: Any, receive: Any, send: Any, auth0: Auth0Client = auth0, seen: list[str] = seen
        ) -> None:
            def profile(frame: Any, event: str, arg: Any) -> None:
                if event == "call":
                    seen.append(frame.f_code.co_filename)

            sys.setprofile(profile)
            try:
                session = await auth0.get_session()
            finally:
                sys.setprofile(None)
            assert session is not None
            await not_found(scope, receive, send)

        await call(auth0.middleware(app), http_scope(cookie, scheme="https"))
        assert exporter.get_finished_spans() == ()
        traced = [f for f in seen if f.endswith(("_tracing.py", "otel.py")) or "opentelemetry" in f]
        assert traced == []


async def test_a_refresh_is_traced_with_its_grant_and_its_store_write(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    mock = tenant()
    auth0 = tenant_client(
        mock,
        session_store=MemorySessionStore(),
        authorization_parameters={"scope": "openid profile offline_access"},
        clock=mock.now,
    )
    instrument(auth0, tracer_provider=provider)
    cookie = session_cookie(await tenant_login(mock, auth0))
    exporter.clear()
    mock.advance(3601)
    response = await call(
        auth0.middleware(not_found),
        http_scope(cookie, path="/auth/access-token", scheme="https"),
    )
    assert response.status == 200, response.body
    spans = exporter.get_finished_spans()
    [refresh] = by_name(spans, "auth0_async.refresh")
    grants = [
        s
        for s in by_name(spans, "auth0_async.provider")
        if dict(s.attributes or {})["auth0_async.request"] == "token request"
    ]
    assert len(grants) == 1
    assert grants[0].parent is not None
    assert by_name(spans, "auth0_async.store.update")
    assert refresh.status.status_code is not StatusCode.ERROR
    token = response.body.decode()
    assert_nothing_secret(spans, cookie, token.split('"token":"', 1)[1].split('"', 1)[0])


async def test_a_failed_login_marks_its_span_failed(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    mock = tenant()
    import httpx

    async def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("down", request=request)

    auth0 = tenant_client(mock, http_client=httpx.AsyncClient(transport=httpx.MockTransport(down)))
    instrument(auth0, tracer_provider=provider)
    response = await call(
        auth0.middleware(not_found), http_scope(None, path="/auth/login", scheme="https")
    )
    assert response.status == 500
    spans = exporter.get_finished_spans()
    [login] = by_name(spans, "auth0_async.login")
    assert login.status.status_code is StatusCode.ERROR
    assert any(event.name == "exception" for event in login.events)
    attempts = by_name(spans, "auth0_async.provider")
    assert len(attempts) == 2  # the GET and its one retry, each a span
    assert all(a.status.status_code is StatusCode.ERROR for a in attempts)


async def test_logout_and_uninstrument(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    mock = tenant()
    auth0 = tenant_client(mock, session_store=MemorySessionStore())
    instrument(auth0, tracer_provider=provider)
    cookie = session_cookie(await tenant_login(mock, auth0))
    exporter.clear()
    response = await call(
        auth0.middleware(not_found), http_scope(cookie, path="/auth/logout", scheme="https")
    )
    assert response.status == 307
    spans = exporter.get_finished_spans()
    assert by_name(spans, "auth0_async.logout")
    assert by_name(spans, "auth0_async.store.delete")
    uninstrument(auth0)
    exporter.clear()
    await tenant_login(mock, auth0)
    assert exporter.get_finished_spans() == ()


async def test_without_instrument_nothing_is_traced(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    from opentelemetry import trace

    mock = tenant()
    auth0 = tenant_client(mock)
    tracer = trace.get_tracer("other", tracer_provider=provider)
    with tracer.start_as_current_span("app"):
        await tenant_login(mock, auth0)
    assert names(exporter.get_finished_spans()) == ["app"]
