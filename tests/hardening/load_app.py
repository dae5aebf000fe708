"""The app under load (tests/hardening/test_load.py), run by uvicorn in its own process on loopback.

Configured by environment: OP_ISSUER, CLIENT_ID, CLIENT_SECRET, AUTH0_SECRET, APP_BASE_URL, PORT.

* ``GET /whoami``: the session's ``sub`` and ``marker`` claim (401 without a session). With
  rolling on, every answer re-issues the session cookie.
* ``GET /refresh``: a forced refresh (``get_access_token(refresh=True)``) against the real
  provider, then the session's ``sub`` (401 with the error code if the refresh failed).
"""

from __future__ import annotations

import os
import warnings
from typing import Any

import uvicorn

from auth0_async import AccessTokenError, Auth0Client, RouteResponse, SecurityWarning, SessionConfig


def build() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SecurityWarning)  # the test OP is plain http on loopback
        auth0 = Auth0Client(
            domain=os.environ["OP_ISSUER"],
            client_id=os.environ["CLIENT_ID"],
            client_secret=os.environ["CLIENT_SECRET"],
            secret=os.environ["AUTH0_SECRET"],
            app_base_url=os.environ["APP_BASE_URL"],
            allow_insecure_requests=True,
            session=SessionConfig(rolling=True),
        )

    async def app(scope: Any, receive: Any, send: Any) -> None:
        path = scope["path"]
        if path == "/whoami":
            session = await auth0.get_session()
            if session is None:
                await RouteResponse.json({"sub": None}, 401).send(send)
                return
            body = {"sub": session.user.sub, "marker": session.user.get("marker")}
            await RouteResponse.json(body).send(send)
        elif path == "/refresh":
            try:
                token = await auth0.get_access_token(refresh=True)
            except AccessTokenError as exc:
                await RouteResponse.json({"code": exc.code}, 401).send(send)
                return
            session = await auth0.get_session()
            sub = session.user.sub if session is not None else None
            await RouteResponse.json({"sub": sub, "expires_at": token.expires_at}).send(send)
        else:
            await RouteResponse.empty(404).send(send)

    return auth0.middleware(app)


if __name__ == "__main__":
    uvicorn.run(
        build(),
        host="127.0.0.1",
        port=int(os.environ["PORT"]),
        log_level="warning",
        access_log=False,
        lifespan="off",
    )
