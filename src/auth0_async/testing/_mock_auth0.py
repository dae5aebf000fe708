"""MockAuth0: an in-process Auth0 development tenant, as a plain ASGI app.

It speaks the parts of Auth0's OpenID Connect surface that auth0_async uses
(discovery, JWKS, ``/authorize`` with a test-user picker, the token endpoint
with PKCE and rotating refresh tokens, ``/userinfo``, revocation, OIDC and
``/v2`` logout, back-channel logout tokens), strictly enough that the real
SDK, with signature verification on, logs in against it. It is a
development and test convenience, not a conformance oracle: the project's
end-to-end suite runs the ``oidc-provider`` npm package for that.
"""

from __future__ import annotations

import secrets
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

from .._exceptions import ConfigurationError
from .._oidc._logout_token import BACKCHANNEL_LOGOUT_EVENT
from ._clock import FrozenClock
from ._mock_authorize import (
    PROMPTS,
    BadAuthorizationRequest,
    ErrorRedirect,
    parse_authorization_request,
)
from ._mock_grants import OIDC_SCOPES, SCOPED_CLAIMS, TokenService
from ._mock_http import OAuthFailure, Reply, Request, parse_params, with_query
from ._mock_keys import KeyRing
from ._mock_pages import error_page, logged_out_page, login_page
from ._mock_state import Expiring, PendingAuthorization, TenantSession, token_key
from ._mock_users import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    MockClient,
    MockUser,
    default_users,
    is_loopback_url,
)

if TYPE_CHECKING:
    from collections import Counter
    from collections.abc import Awaitable, Callable, Mapping, Sequence

    from .._types import Receive, Scope, Send

__all__ = ["MockAuth0"]

SESSION_COOKIE = "mock_auth0_session"
_PENDING_TTL = 600
_SESSION_TTL = 3 * 24 * 3600
_LOGOUT_TOKEN_TTL = 120
_MAX_PENDING = 1_000
_MAX_SESSIONS = 1_000


class MockAuth0:
    """An in-process Auth0 development tenant: a plain ASGI app, state in memory.

    Use it in tests through :meth:`transport`, or serve it next to your app
    (``uvicorn`` is not a dependency of auth0_async)::

        mock = MockAuth0()  # issuer http://127.0.0.1:3001, users alice and bob
        auth0 = Auth0Client(
            domain=mock.issuer, client_id="dev-client", client_secret="dev-client-secret",
            secret=..., app_base_url="http://127.0.0.1:3000",
            allow_insecure_requests=True,  # http issuer: emits a SecurityWarning
            http_client=httpx.AsyncClient(transport=mock.transport()),
        )
        # or: uvicorn.run(mock, host="127.0.0.1", port=3001)

    It serves, under the issuer's origin: ``/.well-known/openid-configuration``
    (``issuer`` with a trailing ``/`` as Auth0's), ``/.well-known/jwks.json``
    (one RSA 2048 key, RS256), ``/authorize`` (code flow with PKCE S256,
    ``state`` and ``nonce`` required, ``scope`` must include ``openid``; a login
    page listing the test users; ``prompt=none``; SSO through a tenant session
    cookie; ``iss`` in every response), ``/oauth/token`` (``authorization_code``
    and ``refresh_token`` grants, ``client_secret_post`` or
    ``client_secret_basic``; one-time codes valid 60 s; refresh tokens only with
    ``offline_access``, rotated, and reuse of a rotated-out token revokes the
    whole token family), ``/userinfo``, ``/oauth/revoke`` (RFC 7009),
    ``/oidc/logout`` and ``/v2/logout``.

    Without ``clients`` one application is registered, ``dev-client`` with
    secret ``dev-client-secret``, which accepts any callback and logout URL on
    ``127.0.0.1``, ``localhost`` or ``[::1]``; given clients accept only their
    registered URLs. Pending logins, codes, sessions and tokens are kept in
    memory, each kind capped in number and expiring.

    Args:
        issuer: the tenant's origin (``http(s)://host[:port]``, no path). Tokens
            carry ``iss`` = this origin plus ``/``.
        users: the test users (default: Alice, ``auth0|alice``, and Bob, ``auth0|bob``).
        clients: the registered applications (default: the dev client).
        access_token_ttl: access token lifetime in seconds (``expires_in``).
        id_token_ttl: ID token lifetime in seconds.
        refresh_token_rotation: issue a new refresh token on every refresh
            grant and refuse the old one; without rotation a refresh grant
            returns no refresh token and the old one stays valid.
        clock: the tenant's time in epoch seconds; pass the
            :class:`~auth0_async.testing.FrozenClock` your ``Auth0Client`` uses
            so that :meth:`advance` moves both.

    Attributes:
        issuer: the issuer identifier (the origin with a trailing ``/``); pass
            it as ``Auth0Client(domain=...)``.

    Raises:
        ConfigurationError: an issuer that is not an http(s) origin, no users,
            duplicate user ``sub`` or ``client_id`` values, or a lifetime that is
            not a positive integer.

    """

    def __init__(
        self,
        *,
        issuer: str = "http://127.0.0.1:3001",
        users: Sequence[MockUser] | None = None,
        clients: Sequence[MockClient] | None = None,
        access_token_ttl: int = 3600,
        id_token_ttl: int = 3600,
        refresh_token_rotation: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._base = _issuer_origin(issuer)
        self.issuer = self._base + "/"
        self._users = tuple(default_users() if users is None else users)
        if not self._users or not all(isinstance(u, MockUser) for u in self._users):
            raise ConfigurationError("users must be a non-empty sequence of MockUser")
        self._users_by_sub = {user.sub: user for user in self._users}
        if len(self._users_by_sub) != len(self._users):
            raise ConfigurationError("two users have the same sub")
        self._dev = clients is None
        if clients is None:
            clients = (MockClient(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, ()),)
        self._clients = {client.client_id: client for client in clients}
        if len(self._clients) != len(clients) or not all(
            isinstance(c, MockClient) for c in clients
        ):
            raise ConfigurationError("clients must be MockClient objects with distinct client_id")
        for name, ttl in (("access_token_ttl", access_token_ttl), ("id_token_ttl", id_token_ttl)):
            if type(ttl) is not int or ttl <= 0:
                raise ConfigurationError(f"{name} must be a positive integer number of seconds")
        if not callable(clock):
            raise ConfigurationError("clock must be a callable returning epoch seconds")
        self._clock = clock
        self._offset = 0.0
        self._keys = KeyRing()
        self._pending: Expiring[PendingAuthorization] = Expiring(_MAX_PENDING, self._now)
        self._sessions: Expiring[TenantSession] = Expiring(_MAX_SESSIONS, self._now)
        self._tokens = TokenService(
            issuer=self.issuer,
            userinfo_url=self._url("/userinfo"),
            keys=self._keys,
            users=self._users_by_sub,
            clients=self._clients,
            access_ttl=access_token_ttl,
            id_ttl=id_token_ttl,
            rotation=refresh_token_rotation,
            now=self._now,
        )
        self._routes: dict[str, tuple[tuple[str, ...], Callable[[Request], Awaitable[Reply]]]] = {
            "/.well-known/openid-configuration": (("GET",), self._discovery),
            "/.well-known/jwks.json": (("GET",), self._jwks),
            "/authorize": (("GET",), self._authorize),
            "/authorize/login": (("POST",), self._login),
            "/oauth/token": (("POST",), self._tokens.token),
            "/userinfo": (("GET", "POST"), self._tokens.userinfo),
            "/oauth/revoke": (("POST",), self._tokens.revoke),
            "/oidc/logout": (("GET", "POST"), self._oidc_logout),
            "/v2/logout": (("GET",), self._v2_logout),
        }

    def __repr__(self) -> str:
        return f"MockAuth0(issuer={self._base!r}, users={len(self._users)})"

    @property
    def grant_counts(self) -> Counter[str]:
        """Successful token-endpoint grants by ``grant_type``, and refused ones.

        Keys are ``"authorization_code"`` and ``"refresh_token"`` for grants
        that succeeded, ``"<grant_type>:failed"`` for refused ones
        (``"other:failed"`` for a missing or unsupported grant type). A
        ``Counter``: absent keys read 0, and ``clear()`` resets it.
        """
        return self._tokens.grant_counts

    @property
    def users(self) -> tuple[MockUser, ...]:
        """The test users."""
        return self._users

    @property
    def clients(self) -> tuple[MockClient, ...]:
        """The registered applications."""
        return tuple(self._clients.values())

    # -- test controls ---------------------------------------------------------------------

    def transport(self) -> httpx.ASGITransport:
        """Return an httpx transport that sends requests to this tenant in-process.

        Use it as ``httpx.AsyncClient(transport=mock.transport())`` for
        ``Auth0Client(http_client=...)``; any URL reaches this tenant.
        """
        return httpx.ASGITransport(app=self)

    def now(self) -> float:
        """Return the tenant's current time in epoch seconds."""
        return self._now()

    def _now(self) -> float:
        return self._clock() + self._offset

    def advance(self, seconds: float) -> None:
        """Move the tenant's time forward by ``seconds`` (access tokens expire, ...).

        With a :class:`~auth0_async.testing.FrozenClock` as ``clock`` the clock
        itself is advanced, so an ``Auth0Client`` sharing it sees the same time
        (and refreshes its expired access token). With any other clock only the
        tenant's time moves.
        """
        if isinstance(self._clock, FrozenClock):
            self._clock.advance(seconds)
        else:
            self._offset += seconds

    def rotate_keys(self, *, keep_previous: bool = True) -> None:
        """Sign with a new RSA key (new ``kid``) from now on.

        With ``keep_previous`` the JWKS keeps publishing the old key, so tokens
        already issued still verify (Auth0's rotation); without it they no
        longer do (Auth0's revocation of a signing key).
        """
        self._keys.rotate(keep_previous=keep_previous)

    def authorize_url_to_callback(self, authorize_url: str, *, user: str = "alice") -> str:
        """Play the browser: open ``authorize_url``, pick ``user``, return the redirect back.

        The result is the application's callback URL with ``code``, ``state``
        and ``iss`` (or ``error``, ``error_description``, ``state`` and ``iss``
        when the request is refused at the redirect URI, or with
        ``prompt=none``: this browser has no tenant session). ``user`` is a
        test user's ``sub``, or the part of it after the last ``|``
        (``"alice"`` for ``"auth0|alice"``).

        Raises:
            ValueError: ``authorize_url`` is not this tenant's authorization
                endpoint, names an unknown client or a redirect URI the client
                does not allow, or ``user`` is no test user.

        """
        parts = urlsplit(authorize_url)
        if f"{parts.scheme}://{parts.netloc}".lower() != self._base or parts.path != "/authorize":
            raise ValueError(f"not the authorization endpoint of {self.issuer}: {authorize_url}")
        picked = self._find_user(user)
        params, repeated = parse_params(parts.query)
        try:
            request, prompts = self._authorization_request(params, repeated)
        except BadAuthorizationRequest as exc:
            raise ValueError(f"invalid authorization request: {exc}") from None
        except ErrorRedirect as exc:
            return exc.location
        if "none" in prompts:
            return self._error_location(request, "login_required", "the user is not logged in")
        session, _ = self._start_session(picked.sub)
        return self._issue_code(request, session)

    def logout_token(
        self, *, client_id: str, sub: str | None = None, sid: str | None = None
    ) -> str:
        """Return a signed back-channel logout token for ``client_id``.

        It carries ``typ: logout+jwt``, ``iss``, ``aud``, ``iat``, ``exp`` (two
        minutes), a fresh ``jti``, the back-channel logout ``events`` member,
        and ``sub`` and/or ``sid``.

        Raises:
            ValueError: neither ``sub`` nor ``sid`` was given.

        """
        if not sub and not sid:
            raise ValueError("a logout token needs sub or sid")
        now = int(self._now())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": client_id,
            "iat": now,
            "exp": now + _LOGOUT_TOKEN_TTL,
            "jti": secrets.token_urlsafe(16),
            "events": {BACKCHANNEL_LOGOUT_EVENT: {}},
        }
        if sub:
            claims["sub"] = sub
        if sid:
            claims["sid"] = sid
        return self._keys.sign(claims, typ="logout+jwt")

    async def backchannel_logout(
        self, *, sub: str, sid: str | None = None, http_client: httpx.AsyncClient
    ) -> None:
        """End ``sub``'s tenant sessions and tell every application, as Auth0 does.

        The tenant sessions of ``sub`` (only the one with ``sid``, when given)
        end; then a fresh logout token (see :meth:`logout_token`) is POSTed,
        form-encoded, to each client's ``backchannel_logout_uri`` through
        ``http_client`` (say ``httpx.AsyncClient(transport=httpx.ASGITransport(app))``).

        Raises:
            ConfigurationError: no registered client has a ``backchannel_logout_uri``.
            httpx.HTTPStatusError: an application answered other than 2xx.
            httpx.HTTPError: an application could not be reached.

        """
        targets = [c for c in self._clients.values() if c.backchannel_logout_uri]
        if not targets:
            raise ConfigurationError("no registered client has a backchannel_logout_uri")
        self._sessions.remove_where(lambda s: s.sub == sub and (sid is None or s.sid == sid))
        for client in targets:
            assert client.backchannel_logout_uri is not None
            token = self.logout_token(client_id=client.client_id, sub=sub, sid=sid)
            response = await http_client.post(
                client.backchannel_logout_uri, data={"logout_token": token}
            )
            response.raise_for_status()

    # -- ASGI ------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one ASGI connection (``http``; ``lifespan`` is acknowledged)."""
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1000})
            return
        if scope["type"] != "http":
            return
        request = Request.from_scope(scope, receive)
        route = self._routes.get(request.path)
        if route is None:
            reply = Reply(404, [("content-type", "text/plain; charset=utf-8")], b"Not Found")
        elif request.method not in route[0]:
            reply = Reply(405, [("allow", ", ".join(route[0]))], b"")
        else:
            reply = await route[1](request)
        await reply.send(send)

    # -- discovery -------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return self._base + path

    async def _discovery(self, request: Request) -> Reply:
        methods = ["client_secret_basic", "client_secret_post"]
        return Reply.json(
            {
                "issuer": self.issuer,
                "authorization_endpoint": self._url("/authorize"),
                "token_endpoint": self._url("/oauth/token"),
                "userinfo_endpoint": self._url("/userinfo"),
                "jwks_uri": self._url("/.well-known/jwks.json"),
                "end_session_endpoint": self._url("/oidc/logout"),
                "revocation_endpoint": self._url("/oauth/revoke"),
                "scopes_supported": sorted(OIDC_SCOPES),
                "response_types_supported": ["code"],
                "response_modes_supported": ["query"],
                "grant_types_supported": ["authorization_code", "refresh_token"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": methods,
                "revocation_endpoint_auth_methods_supported": methods,
                "code_challenge_methods_supported": ["S256"],
                "prompt_values_supported": sorted(PROMPTS),
                "claims_supported": sorted(
                    {"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "sid"}.union(
                        *SCOPED_CLAIMS.values()
                    )
                ),
                "request_parameter_supported": False,
                "request_uri_parameter_supported": False,
                "authorization_response_iss_parameter_supported": True,
                "backchannel_logout_supported": True,
                "backchannel_logout_session_supported": True,
                "frontchannel_logout_supported": False,
            }
        )

    async def _jwks(self, request: Request) -> Reply:
        return Reply.json(self._keys.jwks())

    # -- authorization ---------------------------------------------------------------------

    def _redirect_allowed(self, client: MockClient, uri: str) -> bool:
        return uri in client.redirect_uris or (self._dev and is_loopback_url(uri))

    def _logout_target_allowed(self, client: MockClient, uri: str) -> bool:
        return uri in client.post_logout_redirect_uris or (self._dev and is_loopback_url(uri))

    def _authorization_request(
        self, params: Mapping[str, str] | None, repeated: set[str]
    ) -> tuple[PendingAuthorization, frozenset[str]]:
        return parse_authorization_request(
            params,
            repeated,
            clients=self._clients,
            allowed=self._redirect_allowed,
            issuer=self.issuer,
        )

    def _error_location(self, request: PendingAuthorization, error: str, description: str) -> str:
        return with_query(
            request.redirect_uri,
            {
                "error": error,
                "error_description": description,
                "state": request.state,
                "iss": self.issuer,
            },
        )

    def _find_user(self, key: str) -> MockUser:
        user = self._users_by_sub.get(key)
        if user is not None:
            return user
        found = [u for u in self._users if u.sub.rpartition("|")[2] == key]
        if len(found) != 1:
            subs = ", ".join(repr(u.sub) for u in self._users)
            raise ValueError(f"no single test user {key!r}; the users are {subs}")
        return found[0]

    def _start_session(self, sub: str) -> tuple[TenantSession, str]:
        now = int(self._now())
        cookie = secrets.token_urlsafe(32)
        session = TenantSession(sid=secrets.token_urlsafe(16), sub=sub, auth_time=now)
        self._sessions.put(token_key(cookie), session, expires_at=now + _SESSION_TTL)
        return session, cookie

    def _session_of(self, request: Request) -> TenantSession | None:
        cookie = request.cookie(SESSION_COOKIE)
        return None if cookie is None else self._sessions.get(token_key(cookie))

    def _end_session(self, request: Request) -> tuple[str, str]:
        cookie = request.cookie(SESSION_COOKIE)
        if cookie is not None:
            self._sessions.pop(token_key(cookie))
        return ("set-cookie", f"{SESSION_COOKIE}=; Max-Age=0; {self._cookie_attributes()}")

    def _cookie_attributes(self) -> str:
        secure = "; Secure" if self._base.startswith("https:") else ""
        return f"Path=/; HttpOnly; SameSite=Lax{secure}"

    def _issue_code(self, request: PendingAuthorization, session: TenantSession) -> str:
        code = self._tokens.issue_code(request, session)
        return with_query(
            request.redirect_uri, {"code": code, "state": request.state, "iss": self.issuer}
        )

    async def _authorize(self, request: Request) -> Reply:
        params, repeated = parse_params(request.query_string)
        try:
            pending, prompts = self._authorization_request(params, repeated)
        except BadAuthorizationRequest as exc:
            return Reply.html(error_page("Invalid authorization request", str(exc)), status=400)
        except ErrorRedirect as exc:
            return Reply.redirect(exc.location)
        session = self._session_of(request)
        fresh = session is not None and (
            pending.max_age is None or self._now() - session.auth_time <= pending.max_age
        )
        if "none" in prompts and not fresh:
            return Reply.redirect(
                self._error_location(pending, "login_required", "the user is not logged in")
            )
        if session is not None and fresh and not prompts & {"login", "select_account"}:
            return Reply.redirect(self._issue_code(pending, session))
        request_id = secrets.token_urlsafe(24)
        self._pending.put(request_id, pending, expires_at=self._now() + _PENDING_TTL)
        page = login_page(
            action="/authorize/login",
            request_id=request_id,
            users=self._users,
            client_id=pending.client_id,
            redirect_uri=pending.redirect_uri,
            scope=pending.scope,
            issuer=self.issuer,
        )
        return Reply.html(page)

    async def _login(self, request: Request) -> Reply:
        try:
            form = await request.form()
        except OAuthFailure as exc:
            return Reply.html(error_page("Invalid login request", exc.description), status=400)
        pending = self._pending.pop(form.get("request", ""))
        if pending is None:
            return Reply.html(
                error_page(
                    "Login request expired",
                    "This login request is unknown, was already used or has expired. "
                    "Start the login again from the application.",
                ),
                status=400,
            )
        if "cancel" in form:
            return Reply.redirect(
                self._error_location(pending, "access_denied", "the user cancelled the login"),
                status=303,
            )
        user = self._users_by_sub.get(form.get("user", ""))
        if user is None:
            return Reply.html(error_page("Unknown user", "Pick one of the test users."), status=400)
        session, cookie = self._start_session(user.sub)
        set_cookie = (
            f"{SESSION_COOKIE}={cookie}; Max-Age={_SESSION_TTL}; {self._cookie_attributes()}"
        )
        return Reply.redirect(
            self._issue_code(pending, session), status=303, headers=[("set-cookie", set_cookie)]
        )

    # -- logout ----------------------------------------------------------------------------

    async def _logout_params(self, request: Request) -> dict[str, str] | None:
        if request.method == "POST":
            try:
                return await request.form()
            except OAuthFailure:
                return None
        params, repeated = parse_params(request.query_string)
        return None if repeated else params

    async def _oidc_logout(self, request: Request) -> Reply:
        params = await self._logout_params(request)
        if params is None:
            return _logout_error("The logout request cannot be parsed.")
        client_id = params.get("client_id")
        hint = params.get("id_token_hint")
        if hint is not None:
            claims = self._keys.verify(hint)
            if claims is None or claims.get("iss") != self.issuer:
                return _logout_error("id_token_hint is not an ID token of this tenant.")
            hinted = claims.get("aud")
            if not isinstance(hinted, str) or (client_id is not None and client_id != hinted):
                return _logout_error("client_id does not match the id_token_hint.")
            client_id = hinted
        client = None if client_id is None else self._clients.get(client_id)
        if client_id is not None and client is None:
            return _logout_error(f"Unknown client_id {client_id!r}.")
        target = params.get("post_logout_redirect_uri")
        if target is not None:
            if client is None:
                return _logout_error("post_logout_redirect_uri needs client_id or id_token_hint.")
            if not self._logout_target_allowed(client, target):
                return _logout_error(
                    f"{target!r} is not an allowed logout URL of {client.client_id!r}."
                )
        clear = self._end_session(request)
        if target is None:
            return Reply.html(logged_out_page(), headers=[clear])
        return Reply.redirect(with_query(target, {"state": params.get("state")}), headers=[clear])

    async def _v2_logout(self, request: Request) -> Reply:
        params = await self._logout_params(request)
        if params is None:
            return _logout_error("The logout request cannot be parsed.")
        target = params.get("returnTo")
        client_id = params.get("client_id")
        candidates = list(self._clients.values())
        if client_id is not None:
            client = self._clients.get(client_id)
            if client is None:
                return _logout_error(f"Unknown client_id {client_id!r}.")
            candidates = [client]
        if target is not None and not any(
            self._logout_target_allowed(c, target) for c in candidates
        ):
            return _logout_error(f"{target!r} is not an allowed logout URL.")
        clear = self._end_session(request)
        if target is None:
            return Reply.html(logged_out_page(), headers=[clear])
        return Reply.redirect(target, headers=[clear])


def _logout_error(message: str) -> Reply:
    return Reply.html(error_page("Invalid logout request", message), status=400)


def _issuer_origin(issuer: str) -> str:
    try:
        parts = urlsplit(issuer)
        _ = parts.port
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.query
        or parts.fragment
        or parts.username is not None
        or parts.path not in ("", "/")
    ):
        raise ConfigurationError(
            "issuer must be an http(s) origin such as 'http://127.0.0.1:3001' (no path)"
        )
    return f"{parts.scheme}://{parts.netloc.lower()}"
