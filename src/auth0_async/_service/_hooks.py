"""Running user hooks: awaited when they return an awaitable, and never trusted to succeed."""

from __future__ import annotations

import inspect
import logging
from typing import TYPE_CHECKING, Any

from .._core._request import request_source

if TYPE_CHECKING:
    from .._core._config import BeforeSessionRolled
    from .._core._context import RequestContext

__all__ = ["allow_roll", "logger", "maybe_await"]

logger = logging.getLogger("auth0_async")


async def maybe_await(value: Any) -> Any:
    """Return ``value``, awaited first if a hook handed back an awaitable."""
    return await value if inspect.isawaitable(value) else value


async def allow_roll(hook: BeforeSessionRolled, ctx: RequestContext) -> bool:
    """Ask ``before_session_rolled``; a hook that raises lets the session roll (fail open)."""
    try:
        result = await maybe_await(hook(request_source(ctx)))
    except Exception:
        logger.warning(
            "before_session_rolled raised; rolling the session anyway",
            exc_info=True,
            extra={"event": "auth0_async.hook.failed", "hook": "before_session_rolled"},
        )
        return True
    return bool(result)
