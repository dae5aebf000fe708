"""Shared tools of the hardening suite.

* :class:`StrictProvider`: a fake OpenID provider (httpx.MockTransport, async) that checks
  what a real one checks (PKCE, single-use codes, single-use rotating refresh tokens), can
  rotate its signing key, and can hang or gate any endpoint.
* :func:`stepping`: run a coroutine and call back at each suspension point (to inject a
  cancellation at every await).
* :func:`count_work`: count the Python lines auth0_async executes for a call (a measure of
  work that does not depend on wall-clock time).
* :func:`bad_headers`: the ``Location``/``Set-Cookie`` headers of a response that carry a
  control character, or a ``Set-Cookie`` whose name is not an RFC 9110 token.
"""

from __future__ import annotations

import base64
import hashlib
import re
import sys
import time
import types
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import parse_qs, urlsplit

import anyio
import anyio.lowlevel
import httpx
import msgspec
from joserfc.jwk import RSAKey

import auth0_async
from auth0_async import Auth0Client, RouteResponse

from ..conftest import SECRET, http_scope
from ..support.asgi_driver import Response, call
from ..support.fakes import APP, ISSUER, RSA, FakeProvider, header, jar

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Coroutine, Generator

T = TypeVar("T")

CONTROLS = [chr(c) for c in range(0x20)] + ["\x7f"]
"""C0 controls and DEL: none may reach a Location or Set-Cookie header."""
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
SRC = str(Path(auth0_async.__file__).resolve().parent)
NEW_RSA = RSAKey.generate_key(
    2048, parameters={"kid": "k2", "alg": "RS256", "use": "sig"}, private=True
)


def bad_headers(response: Response) -> list[tuple[str, str]]:
    """Location/Set-Cookie headers with a control character, or a Set-Cookie name that is no token."""
    found = []
    for name, value in response.headers:
        if name not in ("location", "set-cookie"):
            continue
        cookie_name = value.split("=", 1)[0]
        if _CONTROL.search(value) or (name == "set-cookie" and not _TOKEN.match(cookie_name)):
            found.append((name, value[:120]))
    return found


async def app_ok(scope: Any, receive: Any, send: Any) -> None:
    """An app that answers 200 (the pass-through branch of the middleware)."""
    await RouteResponse.text("ok", 200).send(send)


# -- a strict fake provider -------------------------------------------------------------------


@dataclass
class Grant:
    """One authorization request the provider answered with a code."""

    challenge: str
    nonce: str
    redirect_uri: str
    sub: str
    used: bool = False


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class StrictProvider(FakeProvider):
    """A FakeProvider whose token endpoint behaves like a real provider's, served async.

    * Codes come from :meth:`authorize`, are single use, and are bound to the request's
      PKCE challenge, nonce and redirect_uri.
    * Refresh tokens rotate on every use and are single use: a reused one is refused
      with ``invalid_grant`` (and recorded in ``reused``), as Auth0 and oidc-provider do.
    * :meth:`rotate_keys` makes a new key sign; ``published`` is what the JWKS serves.
    * ``hang`` lists paths that never answer until :meth:`release` (a watchdog's job);
      ``jwks_gate`` holds JWKS answers (each serves the keys published when it arrived).
    * Every request awaits ``checkpoints`` times, as a real network round trip would.
    """

    def __init__(self, *, first_refresh_token: str = "rt-1") -> None:
        super().__init__()
        self.codes: dict[str, Grant] = {}
        self.live_refresh_tokens: set[str] = {first_refresh_token}
        # Whose grant each refresh token continues: a refreshed ID token names that user.
        self.refresh_owner: dict[str, str] = {}
        self.last_refresh_token = first_refresh_token
        self.minted = 0
        self.reused: list[str] = []
        self.require_pkce = True
        self.refresh_id_token = False
        self.published: list[RSAKey] = [RSA]
        self.hang: set[str] = set()
        self.jwks_gate: anyio.Event | None = None
        self.checkpoints = 2
        self.hits: Counter[str] = Counter()
        self._released: anyio.Event | None = None
        self._arrivals: dict[str, anyio.Event] = {}

    # -- test controls

    def authorize(self, location: str, *, sub: str = "auth0|1") -> tuple[str, str]:
        """Play the user at the authorization endpoint: return ``(code, state)``."""
        params = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
        code = f"code-{len(self.codes) + 1}"
        self.codes[code] = Grant(
            challenge=params["code_challenge"],
            nonce=params["nonce"],
            redirect_uri=params["redirect_uri"],
            sub=sub,
        )
        return code, params["state"]

    def rotate_keys(self, *, keep_old: bool = False) -> None:
        """Sign with NEW_RSA (kid k2) from now on; publish it (and the old key if asked)."""
        self.key = NEW_RSA
        self.header = {"alg": "RS256", "kid": "k2"}
        self.published = [RSA, NEW_RSA] if keep_old else [NEW_RSA]

    def release(self) -> None:
        """Let every hanging request answer."""
        self._event().set()

    def arrived(self, path: str) -> anyio.Event:
        """An event set when the first request for ``path`` arrives."""
        return self._arrivals.setdefault(path, anyio.Event())

    def _event(self) -> anyio.Event:
        if self._released is None:
            self._released = anyio.Event()
        return self._released

    def next_refresh_token(self) -> str:
        self.minted += 1
        token = f"rt-issued-{self.minted}"
        self.live_refresh_tokens.add(token)
        self.last_refresh_token = token
        return token

    # -- the endpoints

    async def serve(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        self.hits[path] += 1
        self.arrived(path).set()
        for _ in range(self.checkpoints):
            await anyio.lowlevel.checkpoint()
        if path in self.hang:
            await self._event().wait()
        if path == "/.well-known/openid-configuration":
            return httpx.Response(200, json=self.metadata)
        if path == "/.well-known/jwks.json":
            keys = [key.as_dict(private=False) for key in self.published]
            if self.jwks_gate is not None:
                await self.jwks_gate.wait()
            return httpx.Response(200, json={"keys": keys})
        if path == "/oauth/token":
            form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
            if form.get("grant_type") == "authorization_code":
                return self._code_grant(form)
            return self._refresh_grant(form)
        if path == "/oauth/revoke":
            return httpx.Response(200)
        return httpx.Response(404)

    @staticmethod
    def _invalid_grant(description: str) -> httpx.Response:
        return httpx.Response(
            400, json={"error": "invalid_grant", "error_description": description}
        )

    def _code_grant(self, form: dict[str, str]) -> httpx.Response:
        grant = self.codes.get(form.get("code", ""))
        if grant is None or grant.used:
            return self._invalid_grant("unknown or used code")
        grant.used = True  # consumed by any attempt, as real providers do
        if self.require_pkce and s256(form.get("code_verifier", "")) != grant.challenge:
            return self._invalid_grant("PKCE verification failed")
        if form.get("redirect_uri") != grant.redirect_uri:
            return self._invalid_grant("redirect_uri mismatch")
        self.nonce = grant.nonce
        self.claims["sub"] = grant.sub
        refresh_token = self.next_refresh_token()
        self.refresh_owner[refresh_token] = grant.sub
        return httpx.Response(
            200,
            json={
                "access_token": f"at-code-{len(self.codes)}",
                "token_type": "Bearer",
                "expires_in": 60,
                "refresh_token": refresh_token,
                "id_token": self.id_token(),
                "scope": "openid profile offline_access",
            },
        )

    def _refresh_grant(self, form: dict[str, str]) -> httpx.Response:
        token = form.get("refresh_token", "")
        if token not in self.live_refresh_tokens:
            self.reused.append(token)
            return self._invalid_grant("refresh token reused or unknown")
        self.live_refresh_tokens.discard(token)
        owner = self.refresh_owner.get(token, "auth0|1")
        rotated = self.next_refresh_token()
        self.refresh_owner[rotated] = owner
        body: dict[str, Any] = {
            "access_token": f"at-{self.minted}",
            "token_type": "Bearer",
            "expires_in": 3600,
            "refresh_token": rotated,
            "scope": form.get("scope", "openid profile offline_access"),
        }
        if self.refresh_id_token:
            self.nonce = ""
            self.claims.update({"sub": owner, "nonce": None})
            body["id_token"] = self.id_token()
        return httpx.Response(200, json=body)

    # -- wiring

    def client(self, **options: Any) -> Auth0Client:
        """An Auth0Client talking to this provider (options override the defaults)."""
        settings: dict[str, Any] = {
            "domain": "tenant.example.com",
            "client_id": "cid",
            "client_secret": "csecret",
            "secret": SECRET,
            "app_base_url": APP,
            "http_client": httpx.AsyncClient(transport=httpx.MockTransport(self.serve)),
        }
        settings.update(options)
        return Auth0Client(**settings)


async def begin_login(auth0: Auth0Client, query: str = "") -> tuple[dict[str, str], str]:
    """GET /auth/login: return the transaction cookies and the provider URL."""
    response = await call(
        auth0.middleware(app_ok),
        http_scope(None, path="/auth/login", scheme="https", query_string=query.encode()),
    )
    assert response.status == 307, response.body
    return jar(response), response.header("location") or ""


async def finish_login(
    auth0: Auth0Client, cookies: dict[str, str], params: dict[str, str] | bytes
) -> Response:
    """GET /auth/callback with ``params`` (a dict, or a raw query string)."""
    from urllib.parse import urlencode

    query = params if isinstance(params, bytes) else urlencode(params).encode()
    return await call(
        auth0.middleware(app_ok),
        http_scope(header(cookies), path="/auth/callback", scheme="https", query_string=query),
    )


async def full_login(
    auth0: Auth0Client, provider: StrictProvider, *, sub: str = "auth0|1"
) -> dict[str, str]:
    """A complete login through the routes; return the browser's cookies afterwards."""
    cookies, location = await begin_login(auth0)
    code, state = provider.authorize(location, sub=sub)
    response = await finish_login(auth0, cookies, {"code": code, "state": state})
    assert response.status == 307, response.body
    return jar(response, cookies)


def session_wire(
    *, sub: str = "auth0|1", refresh_token: str = "rt-1", **extra: Any
) -> dict[str, Any]:
    """A session whose access token has expired (so any get_access_token refreshes)."""
    return {
        "user": {"sub": sub, "name": "One"},
        "tokenSet": {
            "accessToken": "at-old",
            "expiresAt": 1,
            "refreshToken": refresh_token,
            "scope": "openid profile offline_access",
        },
        "internal": {"sid": "s1", "createdAt": int(time.time()) - 10},
        **extra,
    }


def decrypt_cookie(value: str) -> dict[str, Any]:
    """The JSON payload of one of our cookies (asserting that it opens)."""
    from auth0_async._core._crypto import CookieCipher

    opened = CookieCipher([SECRET]).decrypt(value)
    assert opened is not None
    payload: dict[str, Any] = msgspec.json.decode(opened[1])
    return payload


# -- cancellation at every suspension point ----------------------------------------------------


@types.coroutine
def _stepping(coro: Coroutine[Any, Any, T], on_step: Callable[[], None]) -> Generator[Any, Any, T]:
    send_value: Any = None
    error: BaseException | None = None
    while True:
        try:
            yielded = coro.send(send_value) if error is None else coro.throw(error)
        except StopIteration as stop:
            result: T = stop.value
            return result
        on_step()
        try:
            send_value = yield yielded
            error = None
        except GeneratorExit:
            coro.close()
            raise
        except BaseException as exc:  # noqa: BLE001 (handed to the coroutine, as an await would)
            send_value, error = None, exc


async def stepping(coro: Coroutine[Any, Any, T], on_step: Callable[[], None]) -> T:
    """Await ``coro``, calling ``on_step()`` each time it suspends (before the event loop runs).

    Cancelling an enclosing scope from ``on_step`` delivers the cancellation at exactly
    that suspension point, on asyncio and trio alike.
    """
    result: T = await _stepping(coro, on_step)
    return result


# -- counting work without a clock -------------------------------------------------------------


def count_work(fn: Callable[[], object]) -> int:
    """Return how many lines of auth0_async's own code ``fn()`` executes.

    Linear-time C helpers (``str.split``, AES-GCM, msgspec) count as one line each, so
    this measures the Python-level work a hostile input can make auth0_async do.
    """
    counter = 0

    def local(frame: types.FrameType, event: str, arg: object) -> Any:
        nonlocal counter
        if event == "line":
            counter += 1
        return local

    def scope(frame: types.FrameType, event: str, arg: object) -> Any:
        return local if frame.f_code.co_filename.startswith(SRC) else None

    previous = sys.gettrace()
    sys.settrace(scope)
    try:
        fn()
    finally:
        sys.settrace(previous)
    return counter


def run_sync(coro: Awaitable[T]) -> T:
    """Drive a coroutine that never suspends (the stateless read path) to its result."""
    assert isinstance(coro, types.CoroutineType)
    try:
        coro.send(None)
    except StopIteration as done:
        result: T = done.value
        return result
    coro.close()
    raise AssertionError("the coroutine awaited I/O")


__all__ = [
    "APP",
    "CONTROLS",
    "ISSUER",
    "NEW_RSA",
    "RSA",
    "StrictProvider",
    "app_ok",
    "bad_headers",
    "begin_login",
    "count_work",
    "decrypt_cookie",
    "finish_login",
    "full_login",
    "run_sync",
    "session_wire",
    "stepping",
]
