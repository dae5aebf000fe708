"""Serve an ASGI app with uvicorn on 127.0.0.1 in a background thread (bounded start and stop)."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

import uvicorn

if TYPE_CHECKING:
    from typing_extensions import Self

    from auth0_async._types import ASGIApp


class AppServer:
    """``with AppServer(app, port) as server:`` — the app answers on ``server.url`` until the block ends."""

    def __init__(self, app: ASGIApp, port: int) -> None:
        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, name=f"uvicorn:{port}", daemon=True
        )
        self.url = f"http://127.0.0.1:{port}"

    def __enter__(self) -> Self:
        self._thread.start()
        deadline = time.monotonic() + 60
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn did not start on {self.url}")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
