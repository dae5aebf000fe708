"""The callback's answer: the ``on_callback`` hook, or a redirect to where the user was going."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

from .._core._responses import RouteResponse
from .._service._hooks import logger, maybe_await
from .._service._origin import origin_of
from ._status import error_response

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from .._core._models import SessionData
    from .._exceptions import Auth0Error

__all__ = ["CallbackContext", "OnCallback", "answer_callback"]


@dataclass(frozen=True, slots=True)
class CallbackContext:
    """What ``on_callback`` learns about the login being completed.

    Attributes:
        return_to: the validated, same-origin path the user asked to return to.
        app_base_url: the application's base URL for this request.
        response_type: ``code``.

    """

    return_to: str | None
    app_base_url: str | None
    response_type: str = "code"


OnCallback: TypeAlias = (
    "Callable[[Auth0Error | None, CallbackContext, SessionData | None], "
    "RouteResponse | None | Awaitable[RouteResponse | None]]"
)
"""Hook deciding the callback's response; ``None`` keeps the default response."""

_FAILED = "An error occurred while completing the login."


async def answer_callback(
    hook: OnCallback | None,
    error: Auth0Error | None,
    context: CallbackContext,
    session: SessionData | None,
) -> RouteResponse:
    """Return the callback's response: the hook's, else an error text or a redirect."""
    if hook is not None:
        try:
            answer = await maybe_await(hook(error, context, session))
        except Exception:  # noqa: BLE001 (a failing hook gets a clean 500, never a traceback)
            logger.exception(
                "on_callback raised",
                extra={"event": "auth0_async.hook.failed", "hook": "on_callback"},
            )
            return RouteResponse.text(_FAILED, 500)
        if answer is not None:
            if not isinstance(answer, RouteResponse):
                logger.error(
                    "on_callback returned %s, not a RouteResponse",
                    type(answer).__name__,
                    extra={"event": "auth0_async.hook.failed", "hook": "on_callback"},
                )
                return RouteResponse.text(_FAILED, 500)
            return answer
    if error is not None:
        return error_response(error)
    base = context.app_base_url or ""
    return RouteResponse.redirect(origin_of(base) + (context.return_to or "/"))
