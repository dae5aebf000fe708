"""A tiny ASGI driver for tests: one request in, status/headers/body out, on any anyio backend."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from auth0_async._types import ASGIApp, Message


@dataclass
class Response:
    status: int = 0
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key == name:
                return value
        return None

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k == name]

    @property
    def set_cookies(self) -> dict[str, str]:
        """name -> whole Set-Cookie line."""
        return {line.split("=", 1)[0]: line for line in self.all("set-cookie")}

    def cookie_value(self, name: str) -> str | None:
        line = self.set_cookies.get(name)
        return None if line is None else line.split(";", 1)[0].split("=", 1)[1]


async def call(app: ASGIApp, scope: dict[str, Any], body: bytes = b"") -> Response:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    response = Response()

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            response.status = message["status"]
            response.headers = [
                (k.decode("latin-1").lower(), v.decode("latin-1"))
                for k, v in message.get("headers", [])
            ]
        elif message["type"] == "http.response.body":
            response.body += message.get("body", b"")

    await app(scope, receive, send)
    return response
