"""Reading an auth route's request body from ASGI ``receive``, bounded (``_http/_body``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from auth0_async._http._body import MAX_FORM_BYTES, read_body

if TYPE_CHECKING:
    from auth0_async._types import Message, Receive

pytestmark = pytest.mark.anyio


def receiver(*messages: Message) -> tuple[Receive, list[Message]]:
    queue = list(messages)
    taken: list[Message] = []

    async def receive() -> Message:
        message = queue.pop(0) if queue else {"type": "http.disconnect"}
        taken.append(message)
        return message

    return receive, taken


def chunk(body: bytes, *, more: bool) -> Message:
    return {"type": "http.request", "body": body, "more_body": more}


async def test_one_message() -> None:
    receive, _ = receiver(chunk(b"a=1", more=False))
    assert await read_body(receive) == b"a=1"


async def test_chunks_are_joined_and_reading_stops_at_the_last() -> None:
    receive, taken = receiver(
        chunk(b"a=", more=True),
        chunk(b"", more=True),
        chunk(b"1", more=False),
        chunk(b"x", more=False),
    )
    assert await read_body(receive) == b"a=1"
    assert len(taken) == 3


async def test_a_message_without_body_or_more_body_is_an_empty_body() -> None:
    receive, _ = receiver({"type": "http.request"})
    assert await read_body(receive) == b""


async def test_a_disconnect_ends_the_body() -> None:
    receive, _ = receiver(chunk(b"a=", more=True))
    assert await read_body(receive) == b"a="


async def test_the_limit_is_inclusive_and_a_larger_body_is_none() -> None:
    receive, _ = receiver(chunk(b"x" * 10, more=False))
    assert await read_body(receive, limit=10) == b"x" * 10
    receive, taken = receiver(
        chunk(b"x" * 6, more=True), chunk(b"x" * 5, more=True), chunk(b"x", more=False)
    )
    assert await read_body(receive, limit=10) is None
    assert len(taken) == 2  # stops reading as soon as the limit is passed


async def test_the_default_limit() -> None:
    receive, _ = receiver(chunk(b"x" * (MAX_FORM_BYTES + 1), more=False))
    assert await read_body(receive) is None
