"""The tracer slot every traced service shares: empty (free) until tracing is switched on.

``assemble_kernel`` makes one :class:`Tracing` per client and hands it to the
services that open spans (login, tokens, logout, the provider client, the
stateful store). ``auth0_async.otel.instrument`` puts a tracer in it later;
until then :meth:`Tracing.span` returns one shared no-op context manager, so
an untraced client pays an attribute read and a call per traced operation,
and nothing at all on the session read path, which opens no span.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping
    from contextlib import AbstractContextManager
    from types import TracebackType

    from typing_extensions import Self

    from ._protocols import Span, SpanValue, Tracer

__all__ = ["Tracing"]


class _NoSpan:
    """A span that records nothing; one instance serves every untraced ``with``."""

    __slots__ = ()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def set_attribute(self, key: str, value: SpanValue) -> None:
        """Record nothing."""


_NO_SPAN = _NoSpan()
_NO_ATTRIBUTES: Mapping[str, SpanValue] = {}


class Tracing:
    """Holds the client's :class:`Tracer`, or ``None`` (the default: no spans)."""

    __slots__ = ("tracer",)

    def __init__(self, tracer: Tracer | None = None) -> None:
        self.tracer = tracer

    def span(
        self, name: str, attributes: Mapping[str, SpanValue] | None = None
    ) -> AbstractContextManager[Span]:
        """Open the span ``name`` with the tracer in the slot, or do nothing when it is empty."""
        tracer = self.tracer
        if tracer is None:
            return _NO_SPAN
        return tracer.span(name, _NO_ATTRIBUTES if attributes is None else attributes)
