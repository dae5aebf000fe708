"""A test app in its own process: Auth0Client + Redis refresh coordinator behind uvicorn on loopback.

Configured by environment (see test_tokens_redis.py). Test-only route: ``POST /__clock?offset=N``
moves this process's clock, so a test can make the access token expire without waiting.
"""

from __future__ import annotations

import os
import time
import warnings
from typing import TYPE_CHECKING

import uvicorn
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from auth0_async import AccessTokenError, Auth0Client, SecurityWarning
from auth0_async.refresh.redis import RedisRefreshCoordinator

if TYPE_CHECKING:
    from starlette.requests import Request

OFFSET = {"value": 0.0}


def clock() -> float:
    return time.time() + OFFSET["value"]


def build() -> Starlette:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SecurityWarning)
        auth0 = Auth0Client(
            domain=os.environ["OP_ISSUER"],
            client_id=os.environ["CLIENT_ID"],
            client_secret=os.environ["CLIENT_SECRET"],
            secret=os.environ["AUTH0_SECRET"],
            app_base_url=os.environ["APP_BASE_URL"],
            allow_insecure_requests=True,
            clock=clock,
            refresh_coordinator=RedisRefreshCoordinator(Redis.from_url(os.environ["REDIS_URL"])),
        )

    async def api(request: Request) -> Response:
        try:
            token = await auth0.get_access_token()
        except AccessTokenError as exc:
            return JSONResponse({"code": exc.code, "message": exc.message}, 401)
        return JSONResponse({"token": token.token, "instance": os.environ["INSTANCE"]})

    async def move_clock(request: Request) -> Response:
        OFFSET["value"] = float(request.query_params["offset"])
        return JSONResponse({"offset": OFFSET["value"]})

    inner = Starlette(routes=[Route("/api", api), Route("/__clock", move_clock, methods=["POST"])])
    return auth0.middleware(inner)  # type: ignore[return-value]


if __name__ == "__main__":
    uvicorn.run(build(), host="127.0.0.1", port=int(os.environ["PORT"]), log_level="warning")
