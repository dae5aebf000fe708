"""What :class:`~auth0_async._oidc.OIDCClient` remembers about its provider.

The discovery document, the JWKS (refetched, rate limited, when a token
names an unknown ``kid``) and the RFC 8414 revocation endpoint, each a
:class:`CachedFetch` whose concurrent misses share one request. The HTTP
exchange itself is the client's: this module only decides what to fetch
and when, and parses the answers with the pure ``_discovery`` functions.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Protocol

from .._exceptions import DiscoveryError, KeyNotFoundError
from ._cache import CachedFetch
from ._discovery import (
    ProviderMetadata,
    authorization_server_metadata_url,
    discovery_url,
    parse_jwks,
    parse_metadata,
    parse_revocation_endpoint,
)
from ._jws import select_keys, signing_algorithms

if TYPE_CHECKING:
    from collections.abc import Callable

    from joserfc.jwk import Key, KeySet

    from .._types import Clock

__all__ = ["Get", "ProviderCache"]

logger = logging.getLogger("auth0_async")


class Get(Protocol):
    """GET ``url`` and return its status and body; failures raise :class:`DiscoveryError`."""

    async def __call__(self, url: str, *, what: str) -> tuple[int, bytes]: ...


class ProviderCache:
    """Discovery, JWKS and revocation-endpoint lookups, cached in ``clock`` time.

    When a refetch fails, the last good copy is served (see :class:`CachedFetch`).
    The JWKS is refetched for an unknown ``kid`` at most once per
    ``jwks_refetch_cooldown`` seconds (a refetch already in flight is joined,
    not counted), so key rotation works while random ``kid`` values cannot
    make us hammer the provider.

    Raises:
        ValueError: ``metadata_ttl`` or ``jwks_ttl`` is negative.

    """

    __slots__ = (
        "_clock",
        "_get",
        "_issuer_base",
        "_jwks",
        "_last_forced_refetch",
        "_metadata",
        "_refetch_cooldown",
        "_rfc8414",
    )

    def __init__(
        self,
        issuer_base: str,
        get: Get,
        *,
        clock: Clock,
        metadata_ttl: float,
        jwks_ttl: float,
        jwks_refetch_cooldown: float,
    ) -> None:
        self._issuer_base = issuer_base
        self._get = get
        self._clock = clock
        self._refetch_cooldown = jwks_refetch_cooldown
        self._last_forced_refetch: float | None = None
        self._metadata = CachedFetch(
            self._fetch_metadata, ttl=metadata_ttl, clock=clock, name="discovery document"
        )
        self._jwks = CachedFetch(self._fetch_jwks, ttl=jwks_ttl, clock=clock, name="JWKS")
        # (endpoint,): a tuple, because the cache treats None as "nothing cached".
        self._rfc8414 = CachedFetch(
            self._fetch_revocation_endpoint,
            ttl=metadata_ttl,
            clock=clock,
            name="authorization server metadata",
        )

    async def metadata(self) -> ProviderMetadata:
        """Return the discovery document (see :meth:`OIDCClient.metadata`)."""
        return await self._metadata.get()

    async def jwks(self) -> KeySet:
        """Return the signing keys (see :meth:`OIDCClient.jwks`)."""
        return await self._jwks.get()

    async def key_for(self, kid: str | None, alg: str) -> Key:
        """Return the key for ``kid`` and ``alg`` (see :meth:`OIDCClient.key_for`)."""
        signing_algorithms((alg,))
        keys = await self.jwks()
        generation = self._jwks.generation
        found = select_keys(keys, alg, kid)
        if not found and await self._refetch_jwks(generation):
            found = select_keys(await self.jwks(), alg, kid)
        if not found:
            raise KeyNotFoundError(f"no {alg} key with kid {kid!r} in the provider's JWKS")
        return found[0]

    async def with_key_retry(self, validate: Callable[[KeySet], dict[str, Any]]) -> dict[str, Any]:
        """Run ``validate`` on the JWKS; on :class:`KeyNotFoundError` refetch it once and retry.

        Raises:
            KeyNotFoundError: no key fits, even after a refetch (or the refetch
                was rate limited).
            TokenValidationError: whatever else ``validate`` raises.
            DiscoveryError: discovery or the JWKS cannot be fetched.

        """
        keys = await self.jwks()
        generation = self._jwks.generation
        try:
            return validate(keys)
        except KeyNotFoundError:
            if not await self._refetch_jwks(generation):
                raise
        return validate(await self.jwks())

    async def revocation_endpoint(self) -> str | None:
        """Return the revocation endpoint or ``None`` (see :meth:`OIDCClient.revocation_endpoint`)."""
        try:
            metadata = await self.metadata()
            if metadata.revocation_endpoint is not None:
                return metadata.revocation_endpoint
            return (await self._rfc8414.get())[0]
        except DiscoveryError as exc:
            logger.warning(
                "could not look up the revocation endpoint: %s",
                exc,
                extra={"event": "auth0_async.provider.error", "what": "revocation endpoint"},
            )
            return None

    async def _refetch_jwks(self, seen_generation: int) -> bool:
        """Refetch the JWKS for an unknown ``kid``; return whether newer keys are available."""
        if self._jwks.generation != seen_generation:
            return True
        if not self._jwks.in_flight:
            now = self._clock()
            last = self._last_forced_refetch
            if last is not None and now - last < self._refetch_cooldown:
                return False
            self._last_forced_refetch = now
        await self._jwks.refresh()
        return True

    async def _fetch_metadata(self) -> ProviderMetadata:
        url = discovery_url(self._issuer_base)
        status, body = await self._get(url, what="discovery")
        if status != 200:
            raise DiscoveryError(f"discovery at {url} answered HTTP {status}")
        return parse_metadata(body, self._issuer_base)

    async def _fetch_revocation_endpoint(self) -> tuple[str | None]:
        issuer = (await self.metadata()).issuer
        url = authorization_server_metadata_url(issuer)
        status, body = await self._get(url, what="authorization server metadata request")
        if status != 200:
            return (None,)
        try:
            return (parse_revocation_endpoint(body, issuer),)
        except DiscoveryError as exc:
            logger.warning(
                "ignored the authorization server metadata at %s: %s",
                url,
                exc,
                extra={"event": "auth0_async.provider.error", "what": "RFC 8414 metadata"},
            )
            return (None,)

    async def _fetch_jwks(self) -> KeySet:
        url = (await self.metadata()).jwks_uri
        status, body = await self._get(url, what="JWKS request")
        if status != 200:
            raise DiscoveryError(f"JWKS at {url} answered HTTP {status}")
        return parse_jwks(body)
