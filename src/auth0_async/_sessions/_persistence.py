"""The one interface the service kernel uses to keep sessions, whichever mode (cookie or store) is on."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from .._core._context import RequestContext
    from .._core._models import SessionData

__all__ = ["SessionPersistence"]


class SessionPersistence(Protocol):
    """Implemented by the stateless cookie store and the stateful store driver."""

    @property
    def stateful(self) -> bool:
        """Whether sessions live server-side (back-channel logout can delete them)."""
        ...

    async def read(self, ctx: RequestContext) -> SessionData | None:
        """Return the request's live session, or ``None``; read once per request.

        The result is kept on ``ctx.session`` (writes update it), so every later
        read in the same request, the kernel's or the application's, is free.
        """
        ...

    async def write(
        self, ctx: RequestContext, session: SessionData, *, is_new: bool = False
    ) -> SessionData | None:
        """Save ``session`` for this request's response; ``None`` when nothing was saved."""
        ...

    async def delete(self, ctx: RequestContext) -> None:
        """Delete the request's session."""
        ...
