"""MockAuth0: an in-process Auth0 development tenant, as a plain ASGI app.

It speaks the parts of Auth0's OpenID Connect surface that auth0_async uses
(discovery, JWKS, ``/authorize`` with a test-user picker, the token endpoint
with PKCE and rotating refresh tokens, ``/userinfo``, revocation, OIDC and
``/v2`` logout, back-channel logout tokens), strictly enough that the real
SDK, with signature verification on, logs in against it. It is a
development and test convenience, not a conformance oracle: the project's
end-to-end suite runs the ``oidc-provider`` npm package for that.

This module wires the parts and routes requests to them: the tenant's
identity and metadata (``_mock_tenant``), its SSO sessions (``_mock_sessions``),
``/authorize`` and the login page (``_mock_login``), the token side
(``_mock_grants``) and logout (``_mock_logout``).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import httpx

from .._exceptions import ConfigurationError
from ._mock_grants import TokenService
from ._mock_http import Reply, Request
from ._mock_keys import KeyRing
from ._mock_login import LOGIN_PATH, LoginService
from ._mock_logout import LogoutService
from ._mock_sessions import TenantSessions
from ._mock_tenant import Tenant, discovery_document

if TYPE_CHECKING:
    from collections import Counter
    from collections.abc import Awaitable, Callable, Sequence

    from .._types import Receive, Scope, Send
    from ._mock_users import MockClient, MockUser

__all__ = ["MockAuth0"]


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
        self._tenant = tenant = Tenant(issuer=issuer, users=users, clients=clients, clock=clock)
        self.issuer = tenant.issuer
        for name, ttl in (("access_token_ttl", access_token_ttl), ("id_token_ttl", id_token_ttl)):
            if type(ttl) is not int or ttl <= 0:
                raise ConfigurationError(f"{name} must be a positive integer number of seconds")
        if not callable(clock):
            raise ConfigurationError("clock must be a callable returning epoch seconds")
        self._keys = KeyRing()
        sessions = TenantSessions(secure=tenant.base.startswith("https:"), now=tenant.now)
        self._tokens = TokenService(
            issuer=tenant.issuer,
            userinfo_url=tenant.url("/userinfo"),
            keys=self._keys,
            users=tenant.users_by_sub,
            clients=tenant.clients,
            access_ttl=access_token_ttl,
            id_ttl=id_token_ttl,
            rotation=refresh_token_rotation,
            now=tenant.now,
        )
        self._login = LoginService(tenant, sessions, self._tokens)
        self._logout = LogoutService(tenant, sessions, self._keys)
        self._routes: dict[str, tuple[tuple[str, ...], Callable[[Request], Awaitable[Reply]]]] = {
            "/.well-known/openid-configuration": (("GET",), self._discovery),
            "/.well-known/jwks.json": (("GET",), self._jwks),
            "/authorize": (("GET",), self._login.authorize),
            LOGIN_PATH: (("POST",), self._login.login),
            "/oauth/token": (("POST",), self._tokens.token),
            "/userinfo": (("GET", "POST"), self._tokens.userinfo),
            "/oauth/revoke": (("POST",), self._tokens.revoke),
            "/oidc/logout": (("GET", "POST"), self._logout.oidc_logout),
            "/v2/logout": (("GET",), self._logout.v2_logout),
        }

    def __repr__(self) -> str:
        return f"MockAuth0(issuer={self._tenant.base!r}, users={len(self._tenant.users)})"

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
        return self._tenant.users

    @property
    def clients(self) -> tuple[MockClient, ...]:
        """The registered applications."""
        return tuple(self._tenant.clients.values())

    # -- test controls ---------------------------------------------------------------------

    def transport(self) -> httpx.ASGITransport:
        """Return an httpx transport that sends requests to this tenant in-process.

        Use it as ``httpx.AsyncClient(transport=mock.transport())`` for
        ``Auth0Client(http_client=...)``; any URL reaches this tenant.
        """
        return httpx.ASGITransport(app=self)

    def now(self) -> float:
        """Return the tenant's current time in epoch seconds."""
        return self._tenant.now()

    def advance(self, seconds: float) -> None:
        """Move the tenant's time forward by ``seconds`` (access tokens expire, ...).

        With a :class:`~auth0_async.testing.FrozenClock` as ``clock`` the clock
        itself is advanced, so an ``Auth0Client`` sharing it sees the same time
        (and refreshes its expired access token). With any other clock only the
        tenant's time moves.
        """
        self._tenant.advance(seconds)

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
        return self._login.callback_for(authorize_url, user=user)

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
        return self._logout.logout_token(client_id=client_id, sub=sub, sid=sid)

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
        await self._logout.backchannel_logout(sub=sub, sid=sid, http_client=http_client)

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

    async def _discovery(self, request: Request) -> Reply:
        return Reply.json(discovery_document(self._tenant))

    async def _jwks(self, request: Request) -> Reply:
        return Reply.json(self._keys.jwks())
