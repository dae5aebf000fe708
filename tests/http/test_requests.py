"""The explicit request/response forms (``_http/_requests``): Starlette responses and sinks."""

from __future__ import annotations

import msgspec
import pytest

from ..conftest import http_scope
from ..support.sessions import (
    cookie_for,
    decrypt_wire,
    make,
)

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
