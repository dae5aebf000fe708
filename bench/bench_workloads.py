"""What the benchmark times: session shapes, cookies, and one callable per contender.

Every contender is a zero-argument callable doing one full read (or write) of one
session, built once per cookie so that set-up (key derivation, client construction)
stays out of the timed loop. Peers that are not installed are reported as
unavailable instead of failing the run.
"""

from __future__ import annotations

import base64
import importlib
import json
import os
import statistics
import time
from typing import TYPE_CHECKING, Any

import msgspec
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from auth0_async import Auth0Client, SessionConfig, SessionData
from auth0_async._core._context import RequestContext
from auth0_async._sessions._stateless import CookieSessionStore
from auth0_async.testing import generate_session_cookie

if TYPE_CHECKING:
    from collections.abc import Callable

SECRET = "0123456789abcdef" * 4
"""A 64-character secret, like `openssl rand -hex 32` gives."""
COOKIE_NAME = "__session"
CHUNK_SIZE = 3500
"""nextjs-auth0 v4 (and auth0_async) chunk cookie values longer than this."""
OTHER_COOKIES = "_ga=GA1.1.123456789.1700000000; theme=dark"
"""What else a browser sends: the session cookie is never alone."""
JWE_HEADER_B64 = "eyJlbmMiOiJBMjU2R0NNIiwiYWxnIjoiZGlyIn0"  # {"enc":"A256GCM","alg":"dir"}


class Unavailable(Exception):
    """A peer that cannot be measured here (not installed, or it failed); the message says why."""


# -- session shapes and cookies -----------------------------------------------------------


def _fake_token(n: int) -> str:
    return base64.urlsafe_b64encode(os.urandom(n)).decode().rstrip("=")[:n]


def _wire(pad: int, now: int) -> dict[str, Any]:
    """A session shaped like a real Auth0 one; `pad` characters of token grow it."""
    access = min(pad // 2, 1200)
    return {
        "user": {
            "sub": "auth0|65f1c2d3e4b5a6978899aabb",
            "name": "Ada Lovelace",
            "nickname": "ada",
            "picture": "https://s.gravatar.com/avatar/0123456789abcdef?s=480&r=pg&d=mp",
            "email": "ada@example.com",
            "email_verified": True,
        },
        "tokenSet": {
            "accessToken": _fake_token(access),
            "idToken": _fake_token(pad - access),
            "refreshToken": _fake_token(40),
            "expiresAt": now + 86400,
            "scope": "openid profile email offline_access",
        },
        "internal": {"sid": _fake_token(24), "createdAt": now},
    }


def realistic_session(size: int) -> dict[str, Any]:
    """A wire-shape session whose cookie value is `size` characters (or the smallest one above)."""
    now = int(time.time())

    def length(pad: int) -> int:
        return len(generate_session_cookie(_wire(pad, now), secret=SECRET, expires_in=86400))

    low, high = 0, max(size, 64)
    if length(low) >= size:
        return _wire(low, now)
    while length(high) < size:
        high *= 2
    while high - low > 1:  # AES-GCM and base64 are monotonic in the payload length
        mid = (low + high) // 2
        if length(mid) >= size:
            high = mid
        else:
            low = mid
    return _wire(high, now)


def session_cookie(wire: dict[str, Any], *, expires_in: int = 86400) -> str:
    """The encrypted cookie value (one JWE) for a wire-shape session.

    A day (the default inactivity duration) makes a cookie that is not due for
    rolling; an hour makes one that every request re-issues.
    """
    return generate_session_cookie(wire, secret=SECRET, expires_in=expires_in)


def cookie_header(value: str, name: str = COOKIE_NAME) -> str:
    """A browser's Cookie header carrying `value`, chunked as nextjs-auth0 v4 writes it."""
    if len(value) <= CHUNK_SIZE:
        pieces = [f"{name}={value}"]
    else:
        chunks = [value[i : i + CHUNK_SIZE] for i in range(0, len(value), CHUNK_SIZE)]
        pieces = [f"{name}__{i}={chunk}" for i, chunk in enumerate(chunks)]
    return "; ".join([OTHER_COOKIES, *pieces])


def derive_key(secret: str = SECRET) -> bytes:
    """nextjs-auth0 v4's content key: HKDF-SHA256, empty salt, info "JWE CEK"."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"", info=b"JWE CEK")
    return hkdf.derive(secret.encode())


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def jwe_encrypt(payload: bytes, key: bytes | None = None) -> str:
    """A compact `dir`/`A256GCM` JWE, as nextjs-auth0 v4 (and auth0_async) write it."""
    iv = os.urandom(12)
    sealed = AESGCM(key or derive_key()).encrypt(iv, payload, JWE_HEADER_B64.encode())
    return ".".join((JWE_HEADER_B64, "", b64url(iv), b64url(sealed[:-16]), b64url(sealed[-16:])))


def stateful_id_cookie(session_id: str, exp: int) -> str:
    """The stateful-mode cookie value: a JWE of {"id", "exp"} (nextjs-auth0 v4's shape)."""
    return jwe_encrypt(json.dumps({"id": session_id, "exp": exp}).encode())


# -- timing ---------------------------------------------------------------------------------


def measure(
    fn: Callable[[], object], *, rounds: int, batch_seconds: float = 0.02, max_seconds: float = 5.0
) -> float:
    """Median seconds per call over `rounds` batches, each about `batch_seconds` long.

    Bounded: at most `max_seconds` in all (fewer rounds are taken past that).
    """
    fn()
    start = time.perf_counter()
    calls = 0
    while time.perf_counter() - start < 0.005:  # calibrate the batch size
        fn()
        calls += 1
    per_call = (time.perf_counter() - start) / calls
    number = max(1, int(batch_seconds / per_call))
    samples: list[float] = []
    deadline = time.perf_counter() + max_seconds
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        samples.append((time.perf_counter() - t0) / number)
        if time.perf_counter() > deadline:
            break
    return statistics.median(samples)


def drive(coro: Any) -> Any:
    """Run a coroutine that never suspends (the stateless paths do no I/O), without a loop."""
    try:
        coro.send(None)
    except StopIteration as done:
        return done.value
    coro.close()
    raise RuntimeError("the coroutine awaited I/O on a path that should not do any")


# -- read path ------------------------------------------------------------------------------


def _scope(header: str) -> dict[str, Any]:
    return {
        "type": "http",
        "scheme": "https",
        "path": "/",
        "headers": [(b"host", b"app.example"), (b"cookie", header.encode("latin-1"))],
    }


def limit_read(header: str, *, warm: bool = False) -> Callable[[], object]:
    """The practical limit: split the header, join chunks, base64, one AES-GCM, one Struct decode.

    With ``warm``, a payload already decrypted is remembered by the cookie value (found by
    its GCM tag, confirmed against the whole value) and only decoded again: the least a
    reader with a payload cache does on a repeat visit.
    """
    aes = AESGCM(derive_key())
    decoder = msgspec.json.Decoder(SessionData)
    chunk_prefix = COOKIE_NAME + "__"
    remembered: dict[str, tuple[str, bytes]] = {}

    def b64(s: str) -> bytes:
        return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))

    def run() -> object:
        value = ""
        chunks: list[str] = []
        for part in header.split(";"):
            name, _, v = part.strip().partition("=")
            if name == COOKIE_NAME:
                value = v
                break
            if name.startswith(chunk_prefix):
                chunks.append(v)  # written in order; a real reader sorts by index
        if not value:
            value = "".join(chunks)
        if warm:
            entry = remembered.get(value[-22:])
            if entry is not None and entry[0] == value:
                return decoder.decode(entry[1])
        head, _, iv, ct, tag = value.split(".")
        plain = aes.decrypt(b64(iv), b64(ct) + b64(tag), head.encode())
        if warm:
            remembered[tag] = (value, plain)
        return decoder.decode(plain)

    return run


class _ColdStore(CookieSessionStore):
    """The stateless store with its caches off: every read decrypts, every write encrypts."""

    __slots__ = ()
    cache_size = 0
    reuse_size = 0


def _bind(auth0: Auth0Client, scope: dict[str, Any]) -> None:
    """Bind `scope` as the middleware does, so explicit calls reuse one request context."""
    ctx = RequestContext.from_scope(scope)
    ctx.bound = True
    scope[auth0._kernel.scope_key] = ctx


def cold(auth0: Auth0Client) -> Auth0Client:
    """Turn `auth0`'s stateless store caches off (measurements comparable with the limit)."""
    store = auth0._kernel.sessions
    if type(store) is not CookieSessionStore:
        raise TypeError("cold() applies to the stateless store")
    store.__class__ = _ColdStore
    return auth0


def ours_read(
    header: str, client: Auth0Client | None = None, *, warm: bool = False
) -> Callable[[], object]:
    """`await auth0.get_session(scope)`: a fresh ASGI scope in, a SessionData out.

    Measured cold unless `warm`: the store's cache of decrypted payloads (which makes a
    browser's repeat visits skip base64 and AES-GCM) is turned off, so every call does the
    full read. Warm, every call after the first is such a repeat visit.
    """
    auth0 = client or Auth0Client(secret=SECRET)
    if not warm:
        cold(auth0)
    raw = header.encode("latin-1")

    def run() -> object:
        scope = {"type": "http", "headers": [(b"host", b"app.example"), (b"cookie", raw)]}
        return drive(auth0.get_session(scope))

    if run() is None:
        raise RuntimeError("auth0_async did not read the benchmark cookie")
    return run


def joserfc_read(value: str) -> Callable[[], object]:
    """joserfc `jwt.decode` (dir/A256GCM, key derived once) with its json claims parsing."""
    from joserfc import jwt
    from joserfc.jwe import JWERegistry
    from joserfc.jwk import OctKey

    key = OctKey.import_key(derive_key())
    registry = JWERegistry(algorithms=["dir", "A256GCM"])

    def run() -> object:
        return jwt.decode(value, key, registry=registry).claims

    run()
    return run


def starlette_cookie(wire: dict[str, Any]) -> str:
    """The same session as Starlette's SessionMiddleware stores it: base64 JSON, signed."""
    try:
        itsdangerous = importlib.import_module("itsdangerous")
    except ImportError:
        raise Unavailable("itsdangerous not installed") from None
    data = base64.b64encode(json.dumps(wire).encode())
    return str(itsdangerous.TimestampSigner(SECRET).sign(data).decode())


def starlette_read(value: str) -> Callable[[], object]:
    """Starlette's SessionMiddleware driven with a scope: signature check + JSON (no encryption)."""
    try:
        sessions = importlib.import_module("starlette.middleware.sessions")
    except ImportError as exc:
        raise Unavailable(f"{exc.name} not installed") from None
    raw = f"{OTHER_COOKIES}; session={value}".encode("latin-1")

    async def inner(scope: dict[str, Any], receive: Any, send: Any) -> None:
        scope["out"] = scope["session"]

    middleware = sessions.SessionMiddleware(inner, secret_key=SECRET)

    def run() -> object:
        scope: dict[str, Any] = {
            "type": "http",
            "headers": [(b"host", b"app.example"), (b"cookie", raw)],
        }
        drive(middleware(scope, None, None))
        return scope["out"]

    if not run():
        raise RuntimeError("Starlette did not read the benchmark cookie")
    return run


ASP_COOKIE = "_a0_session"


def asp_state(wire: dict[str, Any]) -> dict[str, Any]:
    """The same session in auth0-server-python's own StateData shape."""
    token_set = wire["tokenSet"]
    return {
        "user": wire["user"],
        "id_token": token_set["idToken"],
        "refresh_token": token_set["refreshToken"],
        "token_sets": [
            {
                "audience": "default",
                "access_token": token_set["accessToken"],
                "scope": token_set["scope"],
                "expires_at": token_set["expiresAt"],
            }
        ],
        "internal": {"sid": wire["internal"]["sid"], "created_at": wire["internal"]["createdAt"]},
    }


def _asp_modules() -> tuple[Any, Any]:
    try:
        encryption = importlib.import_module("auth0_server_python.encryption")
        types = importlib.import_module("auth0_server_python.auth_types")
    except ImportError as exc:
        raise Unavailable(f"{exc.name} not installed") from None
    return encryption, types


def asp_cookie(wire: dict[str, Any]) -> str:
    """auth0-server-python's cookie value: a dir/A256CBC-HS512 JWE salted by the cookie name."""
    encryption, _ = _asp_modules()
    return str(encryption.encrypt(asp_state(wire), SECRET, ASP_COOKIE))


def asp_read(value: str) -> Callable[[], object]:
    """auth0-server-python's stateless read, as auth0-fastapi's StatelessStateStore.get does it.

    Find `_a0_session` (or join its `_a0_session_<n>` chunks), `StateStore.decrypt`
    (HKDF per call, jwcrypto JWE), then `StateData.model_validate` (pydantic).
    """
    encryption, types = _asp_modules()
    size = 4000  # auth0-fastapi chunks above ~4 KB
    if len(value) <= size:
        pieces = [f"{ASP_COOKIE}={value}"]
    else:
        parts = [value[i : i + size] for i in range(0, len(value), size)]
        pieces = [f"{ASP_COOKIE}_{i}={p}" for i, p in enumerate(parts)]
    header = "; ".join([OTHER_COOKIES, *pieces])
    decrypt = encryption.decrypt
    state_data = types.StateData
    prefix = ASP_COOKIE + "_"

    def run() -> object:
        cookies = {}
        for part in header.split(";"):
            name, _, v = part.strip().partition("=")
            cookies[name] = v
        raw = cookies.get(ASP_COOKIE)
        if raw is None:
            chunks = sorted(
                (int(k[len(prefix) :]), v) for k, v in cookies.items() if k.startswith(prefix)
            )
            raw = "".join(v for _, v in chunks)
        return state_data.model_validate(decrypt(raw, SECRET, ASP_COOKIE))

    run()
    return run


# -- write path -----------------------------------------------------------------------------


class HeaderSink:
    """A ResponseSink collecting Set-Cookie lines (what a framework response would carry)."""

    __slots__ = ("lines",)

    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def add_header(self, name: str, value: str) -> None:
        self.lines.append((name, value))

    def set_header(self, name: str, value: str) -> None:
        self.lines.append((name, value))


def limit_encrypt(session: SessionData) -> Callable[[], str]:
    """The crypto alone: one msgspec encode, one AES-GCM encrypt, base64url, join."""
    aes = AESGCM(derive_key())
    encoder = msgspec.json.Encoder()
    aad = JWE_HEADER_B64.encode()
    exp = int(time.time()) + 86400

    def run() -> str:
        payload = encoder.encode(msgspec.structs.replace(session, exp=exp))
        iv = os.urandom(12)
        sealed = aes.encrypt(iv, payload, aad)
        return ".".join(
            (JWE_HEADER_B64, "", b64url(iv), b64url(sealed[:-16]), b64url(sealed[-16:]))
        )

    return run


def limit_write(session: SessionData) -> Callable[[], object]:
    """The limit's write, from a session to `Set-Cookie` values (the read limit's mirror).

    The crypto above, then the token cut in 3500-character chunks, one `Set-Cookie` value
    each with constant attributes (the date precomputed). Nothing less writes the cookie.
    """
    encrypt = limit_encrypt(session)
    tail = "; Path=/; Expires=Sat, 28 Nov 2026 12:00:00 GMT; Max-Age=86400; HttpOnly; SameSite=lax"

    def run() -> object:
        value = encrypt()
        if len(value) <= CHUNK_SIZE:
            return [f"{COOKIE_NAME}={value}{tail}"]
        return [
            f"{COOKIE_NAME}__{n}={value[i : i + CHUNK_SIZE]}{tail}"
            for n, i in enumerate(range(0, len(value), CHUNK_SIZE))
        ]

    return run


def ours_write(header: str, *, warm: bool = False) -> Callable[[], object]:
    """`update_session(scope, response, session)` on a request whose session was already read.

    The handler has called `get_session` first (it needs the session to change it),
    so each call is the write alone: new expiry, encode, encrypt, chunk, Set-Cookie lines.
    Cold unless `warm`: with the store's caches on, writing the same session again within
    the same second sends the token made for it (no AES-GCM, no base64).
    """
    auth0 = Auth0Client(secret=SECRET)
    if not warm:
        cold(auth0)
    scope = _scope(header)
    _bind(auth0, scope)
    session = drive(auth0.get_session(scope))
    if session is None:
        raise RuntimeError("auth0_async did not read the benchmark cookie")
    sink = HeaderSink()

    def run() -> object:
        sink.lines.clear()
        drive(auth0.update_session(scope, sink, session))
        return sink.lines

    run()
    return run


def ours_roll(
    header: str, *, rolling_threshold: int = 0, warm: bool = False
) -> Callable[[], object]:
    """One request through `auth0.middleware` (no event loop): bind, read, roll, Set-Cookie.

    With `rolling_threshold=0` every request re-issues the cookie (read + write);
    with a threshold the cookie is only read. Cold unless `warm` (see `ours_write`).
    """
    auth0 = Auth0Client(secret=SECRET, session=SessionConfig(rolling_threshold=rolling_threshold))
    if not warm:
        cold(auth0)
    start = {
        "type": "http.response.start",
        "status": 200,
        "headers": [(b"content-type", b"text/plain"), (b"content-length", b"2")],
    }
    body = {"type": "http.response.body", "body": b"ok"}

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        await auth0.get_session()
        await send(start)
        await send(body)

    app = auth0.middleware(inner)
    raw = header.encode("latin-1")
    out: list[Any] = []

    async def send(message: Any) -> None:
        out.append(message)

    def run() -> object:
        out.clear()
        scope = {
            "type": "http",
            "method": "GET",
            "path": "/",
            "scheme": "https",
            "headers": [(b"host", b"app.example"), (b"cookie", raw)],
        }
        drive(app(scope, _receive, send))
        return out[0]

    run()
    return run


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


def bare_request(header: str | None) -> Callable[[], object]:
    """The same ASGI request through a bare app (the middleware's in-process baseline)."""
    start = {
        "type": "http.response.start",
        "status": 200,
        "headers": [(b"content-type", b"text/plain"), (b"content-length", b"2")],
    }
    body = {"type": "http.response.body", "body": b"ok"}
    headers = [(b"host", b"app.example")]
    if header is not None:
        headers.append((b"cookie", header.encode("latin-1")))
    out: list[Any] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send(start)
        await send(body)

    async def send(message: Any) -> None:
        out.append(message)

    def run() -> object:
        out.clear()
        scope = {"type": "http", "method": "GET", "path": "/", "headers": list(headers)}
        drive(app(scope, None, send))
        return out[0]

    return run
