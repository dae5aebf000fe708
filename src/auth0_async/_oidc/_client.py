"""The one place in auth0_async that awaits the identity provider.

Everything here is a thin shell over the pure modules: it sends a request
under a deadline, reads at most ``max_response_bytes`` of the answer
(``_reading``), and hands the bytes to a parser. What is cached about the
provider (discovery, JWKS, the RFC 8414 revocation endpoint) lives in
``_provider_cache``, which fetches through this client. httpx errors and
timeouts are translated once, here, into :class:`TransportError` (or
:class:`DiscoveryError` for discovery and JWKS); nothing above this layer
sees an httpx exception.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import anyio
import httpx

from .._core._tracing import Tracing
from .._exceptions import ConfigurationError, DiscoveryError, TokenValidationError, TransportError
from ._id_token import DEFAULT_LEEWAY, validate_id_token
from ._jws import DEFAULT_ALGORITHMS, MIN_HS256_SECRET_BYTES
from ._logout_token import LOGOUT_TOKEN_MAX_AGE, check_logout_token, retain_until
from ._provider_cache import ProviderCache
from ._reading import read_capped
from ._tokens import json_answer

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from types import TracebackType

    from joserfc.jwk import Key, KeySet
    from typing_extensions import Self

    from .._core._config import Secret
    from .._core._protocols import ReplayCache
    from .._types import Clock
    from ._client_auth import ClientAuth
    from ._discovery import ProviderMetadata

__all__ = ["DEFAULT_MAX_RESPONSE_BYTES", "OIDCClient"]


DEFAULT_MAX_RESPONSE_BYTES = 1 << 20
"""Largest provider response read (1 MiB, as nextjs-auth0)."""
GET_ATTEMPTS = 2
"""Attempts at an idempotent GET (discovery, JWKS, RFC 8414 metadata); POSTs are sent once."""
_RETRY_STATUSES = frozenset({500, 502, 503, 504})

logger = logging.getLogger("auth0_async")


class OIDCClient:
    """Async access to one OpenID provider: discovery, JWKS, token, PAR and revocation.

    ``issuer_base`` is the provider's issuer URL (for Auth0 ``https://<domain>``,
    with or without the trailing slash). Discovery and the JWKS are cached for
    ``metadata_ttl`` / ``jwks_ttl`` seconds of ``clock`` time, and concurrent
    misses share one request. A token signed with an unknown ``kid`` triggers
    at most one JWKS refetch per ``jwks_refetch_cooldown`` seconds, so key
    rotation works while random ``kid`` values cannot make us hammer the
    provider.

    Each request is traced as an ``auth0_async.provider`` span when ``tracing``
    holds a tracer. Every request runs under ``timeout`` seconds (both an anyio deadline and
    httpx's own timeout), follows no redirects, and reads at most
    ``max_response_bytes``. A GET (discovery, JWKS, RFC 8414 metadata) that
    fails on the network or answers 500/502/503/504 is tried once more after
    ``retry_backoff`` seconds, within the same ``timeout``; a POST never is. If ``http_client`` is ``None`` one is created on
    first use and closed by :meth:`aclose`; a given client is never closed.

    ``hs256_secret`` (the client secret) makes ID and logout tokens signed
    ``HS256`` with it acceptable too (OpenID Connect Core §3.1.3.7 step 8);
    without it only the pinned asymmetric algorithms are.

    Raises:
        ConfigurationError: ``issuer_base`` is not an absolute http(s) URL, the
            timeout or size is not positive, a cache duration is negative, or
            ``hs256_secret`` is shorter than 32 bytes (RFC 7518 §3.2).

    """

    def __init__(
        self,
        issuer_base: str,
        *,
        http_client: httpx.AsyncClient | None = None,
        timeout: float = 5.0,
        clock: Clock = time.time,
        metadata_ttl: float = 600.0,
        jwks_ttl: float = 600.0,
        jwks_refetch_cooldown: float = 30.0,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        headers: Mapping[str, str] | None = None,
        hs256_secret: Secret | None = None,
        retry_backoff: float = 0.1,
        tracing: Tracing | None = None,
    ) -> None:
        parts = urlsplit(issuer_base)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ConfigurationError("issuer_base must be an absolute http(s) URL")
        if timeout <= 0 or max_response_bytes <= 0:
            raise ConfigurationError("timeout and max_response_bytes must be positive")
        if min(metadata_ttl, jwks_ttl, jwks_refetch_cooldown, retry_backoff) < 0:
            raise ConfigurationError("cache durations must not be negative")
        if (
            hs256_secret is not None
            and len(hs256_secret.reveal().encode("utf-8")) < MIN_HS256_SECRET_BYTES
        ):
            raise ConfigurationError(
                f"an HS256 client secret must be at least {MIN_HS256_SECRET_BYTES} bytes "
                "(RFC 7518 §3.2)"
            )
        self._hs256_secret = hs256_secret
        self.issuer_base = issuer_base
        self._http = http_client
        self._owns_http = http_client is None
        self._timeout = timeout
        self._retry_backoff = retry_backoff
        self._tracing = tracing if tracing is not None else Tracing()
        self._clock = clock
        self._max_bytes = max_response_bytes
        self._headers = {"Accept": "application/json", **(headers or {})}
        self._provider = ProviderCache(
            issuer_base,
            self._get,
            clock=clock,
            metadata_ttl=metadata_ttl,
            jwks_ttl=jwks_ttl,
            jwks_refetch_cooldown=jwks_refetch_cooldown,
        )

    def __repr__(self) -> str:
        return f"OIDCClient({self.issuer_base!r})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP client if this object created it."""
        if self._owns_http and self._http is not None:
            client, self._http = self._http, None
            await client.aclose()

    # -- discovery and keys ------------------------------------------------------------

    async def metadata(self) -> ProviderMetadata:
        """Return the provider's discovery document (cached).

        Raises:
            DiscoveryError: it cannot be fetched, is malformed, or names another issuer.

        """
        return await self._provider.metadata()

    async def jwks(self) -> KeySet:
        """Return the provider's signing keys (cached).

        Raises:
            DiscoveryError: discovery or the JWKS cannot be fetched or is malformed.

        """
        return await self._provider.jwks()

    async def key_for(self, kid: str | None, alg: str) -> Key:
        """Return the JWKS key for ``kid`` and ``alg``, refetching the JWKS once if unknown.

        Raises:
            KeyNotFoundError: no key fits, even after a refetch (or the refetch
                was rate limited).
            ConfigurationError: ``alg`` is not an asymmetric algorithm this package verifies.
            DiscoveryError: discovery or the JWKS cannot be fetched.

        """
        return await self._provider.key_for(kid, alg)

    async def verify_id_token(
        self,
        token: str,
        *,
        client_id: str,
        nonce: str | None,
        max_age: int | None = None,
        leeway: int = DEFAULT_LEEWAY,
        algorithms: Iterable[str] = DEFAULT_ALGORITHMS,
    ) -> dict[str, Any]:
        """Validate an ID token against the discovered issuer and JWKS (see ``validate_id_token``).

        An unknown ``kid`` refetches the JWKS once (rate limited) and retries.

        Raises:
            TokenValidationError: the token is invalid (``KeyNotFoundError`` if
                no key fits even after the refetch).
            DiscoveryError: discovery or the JWKS cannot be fetched.

        """
        metadata = await self.metadata()

        def validate(keys: KeySet) -> dict[str, Any]:
            return validate_id_token(
                token,
                keys=keys,
                issuer=metadata.issuer,
                client_id=client_id,
                nonce=nonce,
                max_age=max_age,
                now=self._clock(),
                leeway=leeway,
                algorithms=algorithms,
                supported_algorithms=metadata.id_token_signing_alg_values_supported,
                hs256_secret=self._hs256_key(),
            )

        return await self._provider.with_key_retry(validate)

    async def verify_logout_token(
        self,
        token: str,
        *,
        client_id: str,
        seen_jti: ReplayCache,
        max_age: float = LOGOUT_TOKEN_MAX_AGE,
        leeway: int = DEFAULT_LEEWAY,
        algorithms: Iterable[str] = DEFAULT_ALGORITHMS,
    ) -> dict[str, Any]:
        """Validate a back-channel logout token (see ``check_logout_token``), refusing replays.

        Once every other check passed, the token's ``jti`` is remembered in
        ``seen_jti`` until ``retain_until(now, max_age, leeway)``; a ``jti``
        it already holds (accepted here, or by another instance sharing it)
        is a replay.

        Raises:
            TokenValidationError: the token is invalid or replayed.
            DiscoveryError: discovery or the JWKS cannot be fetched.
            SessionStoreError: a shared ``seen_jti`` failed or did not answer.

        """
        metadata = await self.metadata()

        def validate(keys: KeySet) -> dict[str, Any]:
            return check_logout_token(
                token,
                keys=keys,
                issuer=metadata.issuer,
                client_id=client_id,
                now=self._clock(),
                max_age=max_age,
                leeway=leeway,
                algorithms=algorithms,
                supported_algorithms=metadata.id_token_signing_alg_values_supported,
                hs256_secret=self._hs256_key(),
            )

        claims = await self._provider.with_key_retry(validate)
        now = self._clock()
        if not await seen_jti.remember_jti(
            metadata.issuer, claims["jti"], now=now, until=retain_until(now, max_age, leeway)
        ):
            raise TokenValidationError("logout token jti was already used (replay)")
        return claims

    def _hs256_key(self) -> bytes | None:
        secret = self._hs256_secret
        return None if secret is None else secret.reveal().encode("utf-8")

    # -- token, PAR, revocation --------------------------------------------------------

    async def token_request(self, form: Mapping[str, str], auth: ClientAuth) -> dict[str, Any]:
        """POST a grant to the token endpoint and return the JSON object it answers.

        Parse the result with ``parse_token_response``.

        Raises:
            OAuthError: the endpoint answered an OAuth error body.
            TransportError: network failure, timeout, an oversized or non-JSON
                answer, or an error status without an OAuth error body.
            DiscoveryError: discovery failed.
            ConfigurationError: the client assertion could not be signed.

        """
        metadata = await self.metadata()
        status, body = await self._post(
            metadata, metadata.token_endpoint, form, auth, "token request"
        )
        return json_answer(status, body, "token endpoint", ok=(200,))

    async def pushed_authorization_request(
        self, params: Mapping[str, str], auth: ClientAuth
    ) -> str:
        """Push authorization parameters (RFC 9126) and return the ``request_uri``.

        Raises:
            ConfigurationError: the provider has no PAR endpoint, or the client
                assertion could not be signed.
            OAuthError: the endpoint answered an OAuth error body.
            TransportError: network failure, timeout, or a malformed answer.
            DiscoveryError: discovery failed.

        """
        metadata = await self.metadata()
        endpoint = metadata.pushed_authorization_request_endpoint
        if endpoint is None:
            raise ConfigurationError(
                "the authorization server does not support pushed authorization requests"
            )
        status, body = await self._post(
            metadata, endpoint, params, auth, "pushed authorization request"
        )
        answer = json_answer(status, body, "PAR endpoint", ok=(200, 201))
        request_uri = answer.get("request_uri")
        if not isinstance(request_uri, str) or not request_uri:
            raise TransportError("PAR endpoint answered without a request_uri")
        return request_uri

    async def revocation_endpoint(self) -> str | None:
        """Return the revocation endpoint, or ``None`` when there is none (never raises).

        OIDC discovery's ``revocation_endpoint`` first; a provider that lists it
        only in its RFC 8414 metadata (``/.well-known/oauth-authorization-server``)
        has that fetched on first need and cached like discovery. A missing or
        unacceptable document is remembered as "none"; a network failure is
        logged and retried next time.
        """
        return await self._provider.revocation_endpoint()

    async def revoke(
        self, token: str, auth: ClientAuth, *, token_type_hint: str | None = "refresh_token"
    ) -> None:
        """Revoke a token (RFC 7009); success means the token is no longer usable.

        The endpoint is :meth:`revocation_endpoint`'s.

        Raises:
            ConfigurationError: the provider has no revocation endpoint, or the
                client assertion could not be signed.
            OAuthError: the endpoint answered an OAuth error body.
            TransportError: network failure, timeout, or an error status.
            DiscoveryError: discovery failed.

        """
        metadata = await self.metadata()
        endpoint = await self.revocation_endpoint()
        if endpoint is None:
            raise ConfigurationError(
                "the authorization server does not advertise a revocation endpoint"
            )
        form = {"token": token}
        if token_type_hint is not None:
            form["token_type_hint"] = token_type_hint
        status, body = await self._post(metadata, endpoint, form, auth, "token revocation")
        if status != 200:
            json_answer(status, body, "revocation endpoint", ok=())

    # -- transport ---------------------------------------------------------------------

    async def _get(self, url: str, *, what: str) -> tuple[int, bytes]:
        # Idempotent, so worth a second try; both tries fit in one timeout.
        give_up_at = anyio.current_time() + self._timeout
        attempt = 1
        while True:
            remaining = give_up_at - anyio.current_time()
            try:
                status, body = await self._send(
                    "GET", url, what=what, error=DiscoveryError, budget=remaining
                )
            except DiscoveryError as exc:
                if not isinstance(exc.__cause__, httpx.TransportError):
                    raise  # our deadline passed, or the answer was too large: no retry helps
                failure: DiscoveryError | None = exc
                reason = exc.message
            else:
                if status not in _RETRY_STATUSES:
                    return status, body
                failure, reason = None, f"HTTP {status}"
            pause = self._retry_backoff * attempt
            if attempt >= GET_ATTEMPTS or give_up_at - anyio.current_time() - pause <= 0:
                if failure is not None:
                    raise failure
                return status, body
            logger.info(
                "retrying the %s: %s",
                what,
                reason,
                extra={"event": "auth0_async.provider.retry", "what": what},
            )
            await anyio.sleep(pause)
            attempt += 1

    async def _post(
        self,
        metadata: ProviderMetadata,
        url: str,
        form: Mapping[str, str],
        auth: ClientAuth,
        what: str,
    ) -> tuple[int, bytes]:
        body, headers = auth.apply(
            form, issuer=metadata.issuer, token_endpoint=metadata.token_endpoint, now=self._clock()
        )
        return await self._send(
            "POST", url, what=what, error=TransportError, data=body, headers=headers
        )

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=self._timeout, follow_redirects=False)
        return self._http

    async def _send(
        self,
        method: str,
        url: str,
        *,
        what: str,
        error: type[TransportError],
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        budget: float | None = None,
    ) -> tuple[int, bytes]:
        # Only the URL goes into messages: bodies and headers may hold secrets.
        # identity encoding keeps the size cap honest (no decompression bombs).
        request_headers = {**self._headers, "Accept-Encoding": "identity", **(headers or {})}
        limit = self._timeout if budget is None else max(budget, 0.0)
        attributes = {"http.request.method": method, "url.full": url, "auth0_async.request": what}
        try:
            with (
                self._tracing.span("auth0_async.provider", attributes) as span,
                anyio.fail_after(limit),
            ):
                async with self._client().stream(
                    method,
                    url,
                    data=data,
                    headers=request_headers,
                    timeout=limit,
                    follow_redirects=False,
                ) as response:
                    span.set_attribute("http.response.status_code", response.status_code)
                    return response.status_code, await read_capped(
                        response, limit=self._max_bytes, what=what, error=error
                    )
        except TimeoutError as exc:
            raise error(f"{what} to {url} timed out after {self._timeout:g}s") from exc
        except httpx.TimeoutException as exc:
            raise error(f"{what} to {url} timed out after {self._timeout:g}s") from exc
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise error(f"{what} to {url} failed: {type(exc).__name__}") from exc
