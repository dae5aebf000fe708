"""Who a :class:`~auth0_async.testing.MockAuth0` is: issuer, users, clients, time, metadata."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .._exceptions import ConfigurationError
from ._clock import FrozenClock
from ._mock_authorize import PROMPTS
from ._mock_grants import OIDC_SCOPES, SCOPED_CLAIMS
from ._mock_users import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    MockClient,
    MockUser,
    default_users,
    is_loopback_url,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

__all__ = ["Tenant", "discovery_document", "issuer_origin"]


class Tenant:
    """The tenant's identity and registry: its origin, test users, applications and clock.

    Without ``clients`` the dev client is registered, and it accepts any
    loopback callback or logout URL.

    Raises:
        ConfigurationError: an issuer that is not an http(s) origin, no users,
            or duplicate user ``sub`` or ``client_id`` values.

    """

    __slots__ = ("_clock", "_offset", "base", "clients", "dev", "issuer", "users", "users_by_sub")

    def __init__(
        self,
        *,
        issuer: str,
        users: Sequence[MockUser] | None,
        clients: Sequence[MockClient] | None,
        clock: Callable[[], float],
    ) -> None:
        self.base = issuer_origin(issuer)
        self.issuer = self.base + "/"
        self.users = tuple(default_users() if users is None else users)
        if not self.users or not all(isinstance(u, MockUser) for u in self.users):
            raise ConfigurationError("users must be a non-empty sequence of MockUser")
        self.users_by_sub = {user.sub: user for user in self.users}
        if len(self.users_by_sub) != len(self.users):
            raise ConfigurationError("two users have the same sub")
        self.dev = clients is None
        if clients is None:
            clients = (MockClient(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, ()),)
        self.clients = {client.client_id: client for client in clients}
        if len(self.clients) != len(clients) or not all(isinstance(c, MockClient) for c in clients):
            raise ConfigurationError("clients must be MockClient objects with distinct client_id")
        self._clock = clock
        self._offset = 0.0

    # -- time ------------------------------------------------------------------------------

    def now(self) -> float:
        """Return the tenant's current time in epoch seconds."""
        return self._clock() + self._offset

    def advance(self, seconds: float) -> None:
        """Move the tenant's time (and a shared :class:`FrozenClock`) forward by ``seconds``."""
        if isinstance(self._clock, FrozenClock):
            self._clock.advance(seconds)
        else:
            self._offset += seconds

    # -- registry --------------------------------------------------------------------------

    def url(self, path: str) -> str:
        """Return the absolute URL of ``path`` under the tenant's origin."""
        return self.base + path

    def find_user(self, key: str) -> MockUser:
        """Return the test user whose ``sub``, or ``sub`` after the last ``|``, is ``key``.

        Raises:
            ValueError: no single test user matches.

        """
        user = self.users_by_sub.get(key)
        if user is not None:
            return user
        found = [u for u in self.users if u.sub.rpartition("|")[2] == key]
        if len(found) != 1:
            subs = ", ".join(repr(u.sub) for u in self.users)
            raise ValueError(f"no single test user {key!r}; the users are {subs}")
        return found[0]

    def redirect_allowed(self, client: MockClient, uri: str) -> bool:
        """Whether ``client`` may receive authorization responses at ``uri``."""
        return uri in client.redirect_uris or (self.dev and is_loopback_url(uri))

    def logout_target_allowed(self, client: MockClient, uri: str) -> bool:
        """Whether ``client`` may send the browser to ``uri`` after logout."""
        return uri in client.post_logout_redirect_uris or (self.dev and is_loopback_url(uri))


def discovery_document(tenant: Tenant) -> dict[str, Any]:
    """Return the tenant's OpenID Provider metadata (``/.well-known/openid-configuration``)."""
    methods = ["client_secret_basic", "client_secret_post"]
    return {
        "issuer": tenant.issuer,
        "authorization_endpoint": tenant.url("/authorize"),
        "token_endpoint": tenant.url("/oauth/token"),
        "userinfo_endpoint": tenant.url("/userinfo"),
        "jwks_uri": tenant.url("/.well-known/jwks.json"),
        "end_session_endpoint": tenant.url("/oidc/logout"),
        "revocation_endpoint": tenant.url("/oauth/revoke"),
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


def issuer_origin(issuer: str) -> str:
    """Return ``issuer`` as a lower-cased ``scheme://host[:port]`` origin.

    Raises:
        ConfigurationError: ``issuer`` is not an http(s) origin (a path, query,
            fragment or user info, or a bad port).

    """
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
