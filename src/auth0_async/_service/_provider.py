"""The identity provider as the kernel sees it: where it is, who we are to it, how we prove it.

One :class:`Provider` per client. It resolves the client credentials (a
secret or a private key for ``private_key_jwt``) and builds the
:class:`~auth0_async._oidc.OIDCClient` lazily, so that an app which only reads
sessions never needs a domain, a client id or a network.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from .._core._config import Secret
from .._exceptions import ConfigurationError
from .._oidc import (
    MIN_HS256_SECRET_BYTES,
    ClientSecretBasic,
    ClientSecretPost,
    OIDCClient,
    PrivateKeyJwt,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    import httpx

    from .._core._tracing import Tracing
    from .._oidc import ClientAuth
    from .._types import Clock

__all__ = ["AUTH_METHODS", "Provider", "TokenEndpointAuthMethod"]

TokenEndpointAuthMethod: TypeAlias = Literal[
    "client_secret_post", "client_secret_basic", "private_key_jwt"
]
"""How the client authenticates at the token endpoint."""
AUTH_METHODS: tuple[TokenEndpointAuthMethod, ...] = (
    "client_secret_post",
    "client_secret_basic",
    "private_key_jwt",
)


class Provider:
    """The provider's location and this client's credentials, checked when first needed.

    Raises:
        ConfigurationError: an unknown ``auth_method``, an out-of-range ``timeout``,
            or ``allow_hs256`` without a usable client secret.

    """

    __slots__ = (
        "_auth",
        "_auth_method",
        "_cache_ttl",
        "_client_id",
        "_client_secret",
        "_clock",
        "_domain",
        "_hs256_secret",
        "_http_client",
        "_oidc",
        "_signing_alg",
        "_signing_key",
        "_timeout",
        "_tracing",
    )

    def __init__(
        self,
        *,
        domain: str | None,
        client_id: str | None,
        client_secret: str | None,
        signing_key: str | bytes | Mapping[str, Any] | None,
        signing_alg: str,
        auth_method: TokenEndpointAuthMethod | None,
        allow_hs256: bool,
        http_client: httpx.AsyncClient | None,
        timeout: float,
        clock: Clock,
        cache_ttl: float = 600.0,
        tracing: Tracing | None = None,
    ) -> None:
        if auth_method not in (None, *AUTH_METHODS):
            raise ConfigurationError(
                f"token_endpoint_auth_method must be one of {', '.join(AUTH_METHODS)}"
            )
        if isinstance(timeout, bool) or not 0 < timeout <= 300:
            raise ConfigurationError("http_timeout must be a number of seconds in (0, 300]")
        self._domain = domain
        self._client_id = client_id
        self._client_secret = client_secret
        self._signing_key = signing_key
        self._signing_alg = signing_alg
        self._auth_method = auth_method
        self._http_client = http_client
        self._timeout = float(timeout)
        self._cache_ttl = cache_ttl
        self._tracing = tracing
        self._clock = clock
        self._oidc: OIDCClient | None = None
        self._auth: ClientAuth | None = None
        self._hs256_secret = self._hs256_key() if allow_hs256 else None

    @property
    def domain(self) -> str:
        """The identity provider's base URL.

        Raises:
            ConfigurationError: no domain was configured.

        """
        if self._domain is None:
            raise ConfigurationError(
                "domain is required for this operation: pass Auth0Client(domain=...) "
                "or set AUTH0_DOMAIN"
            )
        return self._domain

    @property
    def configured_domain(self) -> str | None:
        """The domain, or ``None`` when none was configured (never raises)."""
        return self._domain

    @property
    def configured_client_id(self) -> str | None:
        """The client id, or ``None`` when none was configured (never raises)."""
        return self._client_id

    @property
    def client_id(self) -> str:
        """The application's client id.

        Raises:
            ConfigurationError: no client id was configured.

        """
        if not self._client_id:
            raise ConfigurationError(
                "client_id is required for this operation: pass Auth0Client(client_id=...) "
                "or set AUTH0_CLIENT_ID"
            )
        return self._client_id

    def oidc(self) -> OIDCClient:
        """Return the OIDC client, creating it on first use.

        Raises:
            ConfigurationError: no domain was configured.

        """
        if self._oidc is None:
            self._oidc = OIDCClient(
                self.domain,
                http_client=self._http_client,
                timeout=self._timeout,
                clock=self._clock,
                metadata_ttl=self._cache_ttl,
                jwks_ttl=self._cache_ttl,
                tracing=self._tracing,
                hs256_secret=self._hs256_secret,
            )
        return self._oidc

    def client_auth(self) -> ClientAuth:
        """Return how this client authenticates at the token endpoint (built once).

        Raises:
            ConfigurationError: the client id, or the secret or key the method needs, is missing.

        """
        if self._auth is not None:
            return self._auth
        client_id = self.client_id
        method = self._auth_method
        if method is None:
            method = "private_key_jwt" if self._signing_key is not None else "client_secret_post"
        if method == "private_key_jwt":
            if self._signing_key is None:
                raise ConfigurationError(
                    "private_key_jwt needs client_assertion_signing_key "
                    "(or AUTH0_CLIENT_ASSERTION_SIGNING_KEY)"
                )
            auth: ClientAuth = PrivateKeyJwt(client_id, self._signing_key, alg=self._signing_alg)
        else:
            if not self._client_secret:
                raise ConfigurationError(
                    "client_secret is required for this operation: pass "
                    "Auth0Client(client_secret=...) or set AUTH0_CLIENT_SECRET "
                    "(or configure client_assertion_signing_key)"
                )
            cls = ClientSecretBasic if method == "client_secret_basic" else ClientSecretPost
            auth = cls(client_id, Secret(self._client_secret))
        self._auth = auth
        return auth

    async def aclose(self) -> None:
        """Close the HTTP client the OIDC client created (one passed in is left open)."""
        if self._oidc is not None:
            await self._oidc.aclose()

    def _hs256_key(self) -> Secret:
        method = self._auth_method
        if method == "private_key_jwt" or (method is None and self._signing_key is not None):
            raise ConfigurationError(
                "allow_hs256_id_tokens needs client secret authentication: with "
                "private_key_jwt there is no shared secret to verify HS256 tokens with"
            )
        if not self._client_secret:
            raise ConfigurationError(
                "allow_hs256_id_tokens needs the client secret: pass "
                "Auth0Client(client_secret=...) or set AUTH0_CLIENT_SECRET"
            )
        if len(self._client_secret.encode("utf-8")) < MIN_HS256_SECRET_BYTES:
            raise ConfigurationError(
                f"allow_hs256_id_tokens needs a client secret of at least "
                f"{MIN_HS256_SECRET_BYTES} bytes (RFC 7518 §3.2)"
            )
        return Secret(self._client_secret)
