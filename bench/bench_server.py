"""One uvicorn server (one worker, loopback) running one benchmark app; started by run.py.

    python bench/bench_server.py --app APP --port P [--rolling-threshold N]
                                 [--redis-url URL] [--max-seconds S]

Every app answers `200 ok` (2 bytes). The auth0 app is the same app behind
`auth0.middleware`, reading `await auth0.get_session()` on every request. The
controls: `passthrough` (the bare app behind a middleware that only wraps `send`),
`bare-set-cookie` (the bare app sending what a re-issue adds to a response: one
3.3 KB session `Set-Cookie` and the three no-store headers, with no session logic),
`bare-limit-read` / `bare-limit-read-warm` (the bare app reading its session cookie the
practical limit's way, cold or with the payload remembered), and `starlette` /
`starlette-auth0` (one Starlette route, without and with `auth0.middleware`). The
server exits by itself after `--max-seconds` (a bound, in case its parent dies).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import signal
import sys
import threading
from typing import TYPE_CHECKING, Any

import uvicorn

from auth0_async import Auth0Client, SessionConfig

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterator, MutableMapping

    Scope = MutableMapping[str, Any]
    Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
    Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
    ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SECRET = "0123456789abcdef" * 4

_START = {
    "type": "http.response.start",
    "status": 200,
    "headers": [(b"content-type", b"text/plain"), (b"content-length", b"2")],
}
_BODY = {"type": "http.response.body", "body": b"ok"}


async def bare(scope: Scope, receive: Receive, send: Send) -> None:
    await send(_START)
    await send(_BODY)


def _reissue_headers() -> list[tuple[bytes, bytes]]:
    # What a rolling re-issue adds to a response, made by the SDK itself once at start-up.
    import bench_workloads as w

    auth0 = Auth0Client(secret=SECRET)
    value = w.session_cookie(w.realistic_session(3300), expires_in=3600)
    scope = {
        "type": "http",
        "scheme": "http",
        "headers": [(b"cookie", f"__session={value}".encode())],
    }
    sink = w.HeaderSink()

    async def write() -> None:
        session = await auth0.get_session(scope)
        assert session is not None
        await auth0.update_session(scope, sink, session)

    w.drive(write())
    return [(k.encode(), v.encode("latin-1")) for k, v in sink.lines]


def bare_set_cookie() -> ASGIApp:
    headers: list[tuple[bytes, bytes]] = [
        (b"content-type", b"text/plain"),
        (b"content-length", b"2"),
        *_reissue_headers(),
    ]
    start = {**_START, "headers": headers}

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send(start)
        await send(_BODY)

    return app


def bare_limit_read(*, warm: bool) -> ASGIApp:
    """The bare app reading the request's session the practical limit's way, no SDK.

    Cold: split, base64, one AES-GCM, one Struct decode on every request (what any
    correct cookie reader costs). Warm: the payload remembered by cookie value, so only
    the split and the Struct decode (a reader with a payload cache, on a repeat visit).
    """
    import bench_workloads as w

    last: tuple[str, Callable[[], object]] | None = None

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        nonlocal last
        for name, value in scope["headers"]:
            if name == b"cookie":
                header = value.decode("latin-1")
                if last is None or last[0] != header:  # key and decoder, once per header
                    last = (header, w.limit_read(header, warm=warm))
                last[1]()
        await send(_START)
        await send(_BODY)

    return app


def starlette_app(auth0: Auth0Client | None) -> ASGIApp:
    from starlette.applications import Starlette
    from starlette.requests import Request  # noqa: TC002 (Starlette reads the annotation)
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def home(request: Request) -> PlainTextResponse:
        if auth0 is not None:
            await auth0.get_session()
        return PlainTextResponse("ok")

    app = Starlette(routes=[Route("/", home)])
    return app if auth0 is None else auth0.middleware(app)


async def passthrough(scope: Scope, receive: Receive, send: Send) -> None:
    """The least a send-wrapping ASGI middleware does: the bare app behind a send wrapper."""

    async def wrapped(message: MutableMapping[str, Any]) -> None:
        await send(message)

    await bare(scope, receive, wrapped)


def client(rolling_threshold: int, redis_url: str | None) -> Auth0Client:
    store = None
    if redis_url is not None:
        from redis.asyncio import Redis

        from auth0_async.stores.redis import RedisSessionStore

        store = RedisSessionStore(Redis.from_url(redis_url))
    return Auth0Client(
        secret=SECRET,
        session=SessionConfig(rolling_threshold=rolling_threshold),
        session_store=store,
    )


def with_auth0(auth0: Auth0Client) -> ASGIApp:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await auth0.get_session()
        await send(_START)
        await send(_BODY)

    return auth0.middleware(app)


class _ProfiledServer(uvicorn.Server):
    """Leaves SIGTERM to us: uvicorn re-raises it after shutdown, which would lose the profile."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--app",
        choices=[
            "bare",
            "passthrough",
            "auth0",
            "bare-set-cookie",
            "bare-limit-read",
            "bare-limit-read-warm",
            "starlette",
            "starlette-auth0",
        ],
        required=True,
    )
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--rolling-threshold", type=int, default=0)
    parser.add_argument("--redis-url")
    parser.add_argument("--max-seconds", type=float, default=600.0)
    parser.add_argument("--profile", help="run under cProfile and write the stats here on exit")
    args = parser.parse_args()

    apps: dict[str, Callable[[], ASGIApp]] = {
        "bare": lambda: bare,
        "passthrough": lambda: passthrough,
        "bare-set-cookie": bare_set_cookie,
        "bare-limit-read": lambda: bare_limit_read(warm=False),
        "bare-limit-read-warm": lambda: bare_limit_read(warm=True),
        "starlette": lambda: starlette_app(None),
        "auth0": lambda: with_auth0(client(args.rolling_threshold, args.redis_url)),
        "starlette-auth0": lambda: starlette_app(client(args.rolling_threshold, args.redis_url)),
    }
    app: Any = apps[args.app]()
    # A bound on the server's life, whatever happens to the parent.
    timer = threading.Timer(args.max_seconds, lambda: os.kill(os.getpid(), signal.SIGTERM))
    timer.daemon = True
    timer.start()
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=args.port,
        workers=1,
        loop=loop,
        http=http,
        lifespan="off",
        access_log=False,
        log_level="warning",
        server_header=False,
        date_header=False,
    )
    if not args.profile:
        uvicorn.Server(config).run()
        return 0
    import cProfile

    server = _ProfiledServer(config)
    signal.signal(signal.SIGTERM, lambda *_: setattr(server, "should_exit", True))
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        server.run()
    finally:
        profiler.disable()
        profiler.dump_stats(args.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
