"""Logout at :class:`~auth0_async.testing.MockAuth0`: RP-initiated and back-channel.

Serves ``/oidc/logout`` (OpenID Connect RP-Initiated Logout, with
``id_token_hint`` and ``post_logout_redirect_uri``) and Auth0's ``/v2/logout``
(``returnTo``), and signs back-channel logout tokens and delivers them.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from .._exceptions import ConfigurationError
from .._oidc._logout_token import BACKCHANNEL_LOGOUT_EVENT
from ._mock_http import OAuthFailure, Reply, parse_params, with_query
from ._mock_pages import error_page, logged_out_page

if TYPE_CHECKING:
    import httpx

    from ._mock_http import Request
    from ._mock_keys import KeyRing
    from ._mock_sessions import TenantSessions
    from ._mock_tenant import Tenant

__all__ = ["LogoutService"]

_LOGOUT_TOKEN_TTL = 120


class LogoutService:
    """Ends tenant sessions from the browser, and tells applications through the back channel."""

    __slots__ = ("_keys", "_sessions", "_tenant")

    def __init__(self, tenant: Tenant, sessions: TenantSessions, keys: KeyRing) -> None:
        self._tenant = tenant
        self._sessions = sessions
        self._keys = keys

    # -- back channel ----------------------------------------------------------------------

    def logout_token(self, *, client_id: str, sub: str | None, sid: str | None) -> str:
        """Return a signed back-channel logout token (see :meth:`MockAuth0.logout_token`).

        Raises:
            ValueError: neither ``sub`` nor ``sid`` was given.

        """
        if not sub and not sid:
            raise ValueError("a logout token needs sub or sid")
        now = int(self._tenant.now())
        claims: dict[str, Any] = {
            "iss": self._tenant.issuer,
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
        self, *, sub: str, sid: str | None, http_client: httpx.AsyncClient
    ) -> None:
        """End ``sub``'s sessions and POST a logout token to every back-channel URI.

        Raises:
            ConfigurationError: no registered client has a ``backchannel_logout_uri``.
            httpx.HTTPStatusError: an application answered other than 2xx.
            httpx.HTTPError: an application could not be reached.

        """
        targets = [c for c in self._tenant.clients.values() if c.backchannel_logout_uri]
        if not targets:
            raise ConfigurationError("no registered client has a backchannel_logout_uri")
        self._sessions.end_all(sub, sid)
        for client in targets:
            assert client.backchannel_logout_uri is not None
            token = self.logout_token(client_id=client.client_id, sub=sub, sid=sid)
            response = await http_client.post(
                client.backchannel_logout_uri, data={"logout_token": token}
            )
            response.raise_for_status()

    # -- browser ---------------------------------------------------------------------------

    async def oidc_logout(self, request: Request) -> Reply:
        """Serve ``/oidc/logout`` (GET or form POST)."""
        params = await _logout_params(request)
        if params is None:
            return _logout_error("The logout request cannot be parsed.")
        tenant = self._tenant
        client_id = params.get("client_id")
        hint = params.get("id_token_hint")
        if hint is not None:
            claims = self._keys.verify(hint)
            if claims is None or claims.get("iss") != tenant.issuer:
                return _logout_error("id_token_hint is not an ID token of this tenant.")
            hinted = claims.get("aud")
            if not isinstance(hinted, str) or (client_id is not None and client_id != hinted):
                return _logout_error("client_id does not match the id_token_hint.")
            client_id = hinted
        client = None if client_id is None else tenant.clients.get(client_id)
        if client_id is not None and client is None:
            return _logout_error(f"Unknown client_id {client_id!r}.")
        target = params.get("post_logout_redirect_uri")
        if target is not None:
            if client is None:
                return _logout_error("post_logout_redirect_uri needs client_id or id_token_hint.")
            if not tenant.logout_target_allowed(client, target):
                return _logout_error(
                    f"{target!r} is not an allowed logout URL of {client.client_id!r}."
                )
        clear = self._sessions.end(request)
        if target is None:
            return Reply.html(logged_out_page(), headers=[clear])
        return Reply.redirect(with_query(target, {"state": params.get("state")}), headers=[clear])

    async def v2_logout(self, request: Request) -> Reply:
        """Serve Auth0's ``GET /v2/logout``."""
        params = await _logout_params(request)
        if params is None:
            return _logout_error("The logout request cannot be parsed.")
        tenant = self._tenant
        target = params.get("returnTo")
        client_id = params.get("client_id")
        candidates = list(tenant.clients.values())
        if client_id is not None:
            client = tenant.clients.get(client_id)
            if client is None:
                return _logout_error(f"Unknown client_id {client_id!r}.")
            candidates = [client]
        if target is not None and not any(
            tenant.logout_target_allowed(c, target) for c in candidates
        ):
            return _logout_error(f"{target!r} is not an allowed logout URL.")
        clear = self._sessions.end(request)
        if target is None:
            return Reply.html(logged_out_page(), headers=[clear])
        return Reply.redirect(target, headers=[clear])


async def _logout_params(request: Request) -> dict[str, str] | None:
    if request.method == "POST":
        try:
            return await request.form()
        except OAuthFailure:
            return None
    params, repeated = parse_params(request.query_string)
    return None if repeated else params


def _logout_error(message: str) -> Reply:
    return Reply.html(error_page("Invalid logout request", message), status=400)
