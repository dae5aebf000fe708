"""OpenTelemetry tracing for an :class:`~auth0_async.Auth0Client` (extra ``otel``).

::

    from auth0_async.otel import instrument

    auth0 = Auth0Client(...)
    instrument(auth0)  # spans go to the global tracer provider, or pass tracer_provider=

Spans, each under the instrumentation scope ``auth0_async``:

* ``auth0_async.login`` (``/auth/login``, ``start_interactive_login``),
  ``auth0_async.callback`` (``/auth/callback``, ``complete_interactive_login``),
  ``auth0_async.refresh`` (a refresh-token grant, waiting included) and
  ``auth0_async.logout``;
* ``auth0_async.provider``: each HTTP request to the identity provider, with
  ``http.request.method``, ``url.full``, ``http.response.status_code`` and
  ``auth0_async.request`` (``discovery``, ``JWKS request``, ``token request``, ...);
* ``auth0_async.store.<operation>``: each session-store write (``set``,
  ``update``, ``delete``, ``delete_by_logout_token``), with
  ``auth0_async.store.operation``.

Reading a session (``get_session``, the middleware) opens no span: it runs on
every request, and an uninstrumented client pays nothing for tracing there.
A failed operation's span records the exception and has status ``ERROR``;
attributes never hold a token, a cookie value, a session id or a secret.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

try:
    from opentelemetry import trace
except ImportError as exc:  # pragma: no cover - exercised without the extra
    raise ImportError(
        "auth0_async.otel needs the opentelemetry-api package: pip install 'auth0-async[otel]'"
    ) from exc

from ._version import __version__

if TYPE_CHECKING:
    from collections.abc import Mapping
    from contextlib import AbstractContextManager

    from opentelemetry.trace import TracerProvider

    from ._client import Auth0Client
    from ._core._protocols import Span, SpanValue

__all__ = ["instrument", "uninstrument"]


class _OpenTelemetryTracer:
    """The :class:`~auth0_async._core._protocols.Tracer` seam over an OpenTelemetry tracer."""

    __slots__ = ("_tracer",)

    def __init__(self, tracer: trace.Tracer) -> None:
        self._tracer = tracer

    def span(self, name: str, attributes: Mapping[str, SpanValue]) -> AbstractContextManager[Span]:
        # start_as_current_span records an escaping exception and sets the ERROR status.
        spans: AbstractContextManager[Span] = self._tracer.start_as_current_span(
            name, attributes=dict(attributes), kind=_kind(name)
        )
        return spans


def _kind(name: str) -> trace.SpanKind:
    return trace.SpanKind.CLIENT if name == "auth0_async.provider" else trace.SpanKind.INTERNAL


def instrument(client: Auth0Client, *, tracer_provider: TracerProvider | None = None) -> None:
    """Trace ``client``'s logins, callbacks, refreshes, logouts, provider requests and store writes.

    Spans go to ``tracer_provider``, or to OpenTelemetry's global provider
    (``opentelemetry.trace.set_tracer_provider``) when it is ``None``. Calling it
    again replaces the tracer; :func:`uninstrument` removes it.
    """
    tracer = trace.get_tracer("auth0_async", __version__, tracer_provider=tracer_provider)
    client._kernel.tracing.tracer = _OpenTelemetryTracer(tracer)


def uninstrument(client: Auth0Client) -> None:
    """Stop tracing ``client`` (spans already open finish normally)."""
    client._kernel.tracing.tracer = None
