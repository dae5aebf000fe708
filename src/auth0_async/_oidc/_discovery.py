"""Provider metadata (OIDC Discovery 1.0 / RFC 8414) and JWKS documents: decoding and checks."""

from __future__ import annotations

import binascii
from urllib.parse import urlsplit

import msgspec
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, import_key

from .._core._crypto import b64url_decode
from .._exceptions import DiscoveryError

__all__ = [
    "ProviderMetadata",
    "authorization_server_metadata_url",
    "discovery_url",
    "issuer_matches",
    "parse_jwks",
    "parse_metadata",
    "parse_revocation_endpoint",
]

# Public JWK members worth reading; private members ("d", "p", ...) from the
# network are dropped so a misconfigured provider cannot hand us secrets.
_JWK_MEMBERS = ("kty", "kid", "use", "alg", "key_ops", "n", "e", "crv", "x", "y")
_MIN_RSA_BYTES = 256


class ProviderMetadata(msgspec.Struct, frozen=True, kw_only=True):
    """The discovery members auth0_async uses; unknown members are ignored."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None = None
    end_session_endpoint: str | None = None
    revocation_endpoint: str | None = None
    pushed_authorization_request_endpoint: str | None = None
    id_token_signing_alg_values_supported: tuple[str, ...] | None = None
    token_endpoint_auth_methods_supported: tuple[str, ...] | None = None
    code_challenge_methods_supported: tuple[str, ...] | None = None
    backchannel_logout_supported: bool = False
    authorization_response_iss_parameter_supported: bool = False


_decoder = msgspec.json.Decoder(ProviderMetadata)
_ENDPOINTS = (
    "authorization_endpoint",
    "token_endpoint",
    "jwks_uri",
    "userinfo_endpoint",
    "end_session_endpoint",
    "revocation_endpoint",
    "pushed_authorization_request_endpoint",
)


def discovery_url(issuer_base: str) -> str:
    """Return the discovery document's URL for an issuer (``/.well-known/...`` after its path)."""
    return issuer_base.rstrip("/") + "/.well-known/openid-configuration"


class _AuthorizationServerMetadata(msgspec.Struct, frozen=True, kw_only=True):
    """The RFC 8414 members read when OIDC discovery lacks a revocation endpoint."""

    issuer: str
    revocation_endpoint: str | None = None


_as_decoder = msgspec.json.Decoder(_AuthorizationServerMetadata)


def authorization_server_metadata_url(issuer: str) -> str:
    """Return the RFC 8414 metadata URL of an issuer (§3.1: the well-known part before the path).

    ``https://as.example/tenant/`` gives
    ``https://as.example/.well-known/oauth-authorization-server/tenant``.
    """
    parts = urlsplit(issuer)
    path = parts.path.rstrip("/")
    return f"{parts.scheme}://{parts.netloc}/.well-known/oauth-authorization-server{path}"


def parse_revocation_endpoint(response_bytes: bytes, issuer: str) -> str | None:
    """Return the ``revocation_endpoint`` of an RFC 8414 metadata document, if it lists one.

    The document's ``issuer`` must be identical to ``issuer`` (RFC 8414 §3.3:
    no trailing-slash allowance here), and the endpoint must be an absolute
    URL, https when the issuer is.

    Raises:
        DiscoveryError: the body is not a JSON object of the expected shape,
            the issuer differs, or the endpoint is not an acceptable URL.

    """
    try:
        document = _as_decoder.decode(response_bytes)
    except msgspec.ValidationError as exc:
        raise DiscoveryError(f"invalid authorization server metadata: {exc}") from exc
    except (msgspec.DecodeError, RecursionError) as exc:
        raise DiscoveryError("authorization server metadata is not valid JSON") from exc
    if document.issuer != issuer:
        raise DiscoveryError(
            f"authorization server metadata names issuer {document.issuer!r}, not {issuer!r}"
        )
    endpoint = document.revocation_endpoint
    schemes = ("https",) if issuer.startswith("https:") else ("https", "http")
    if endpoint is not None and not _is_url(endpoint, schemes):
        raise DiscoveryError(
            f"authorization server metadata: revocation_endpoint is not an absolute "
            f"{'/'.join(schemes)} URL"
        )
    return endpoint


def issuer_matches(discovered: str, expected: str) -> bool:
    """Whether two issuer identifiers are equal, allowing one trailing-slash difference.

    Auth0's issuer is ``https://<domain>/`` while a configured domain usually
    has no slash; a generic provider's issuer often has none at all. Nothing
    else is normalised: no case folding, no default ports.
    """
    if discovered == expected:
        return True
    return discovered == expected + "/" or discovered + "/" == expected


def parse_metadata(response_bytes: bytes, expected_issuer: str) -> ProviderMetadata:
    """Decode and check a discovery document.

    ``expected_issuer`` is the configured issuer base (for Auth0,
    ``https://<domain>`` or ``https://<domain>/``). The document's ``issuer``
    must equal it up to one trailing slash (OIDC Discovery §4.3: this stops a
    provider from impersonating another). Every endpoint must be an absolute
    http(s) URL, and an https issuer may only list https endpoints (a
    document served over TLS must not downgrade the token endpoint).

    Raises:
        DiscoveryError: the body is not a JSON object of the expected shape,
            the issuer differs, or an endpoint is not an acceptable URL.

    """
    try:
        metadata = _decoder.decode(response_bytes)
    except msgspec.ValidationError as exc:
        raise DiscoveryError(f"invalid discovery document: {exc}") from exc
    except (msgspec.DecodeError, RecursionError) as exc:
        raise DiscoveryError("discovery document is not valid JSON") from exc
    if not issuer_matches(metadata.issuer, expected_issuer):
        raise DiscoveryError(
            f"discovered issuer {metadata.issuer!r} does not match the configured "
            f"issuer {expected_issuer!r}"
        )
    schemes = ("https",) if metadata.issuer.startswith("https:") else ("https", "http")
    for name in _ENDPOINTS:
        url = getattr(metadata, name)
        if url is not None and not _is_url(url, schemes):
            raise DiscoveryError(
                f"discovery document: {name} is not an absolute {'/'.join(schemes)} URL"
            )
    return metadata


def _is_url(url: str, schemes: tuple[str, ...]) -> bool:
    if not (url.isascii() and url.isprintable()) or " " in url:
        return False  # urlsplit drops some controls; they must never reach a Location header
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in schemes and bool(parts.hostname)


def parse_jwks(response_bytes: bytes) -> KeySet:
    """Decode a JWK Set into the RSA and EC signing keys it holds.

    Keys that cannot be used to verify a signature (other key types, ``use``
    other than ``sig``, RSA keys under 2048 bits, malformed members) are
    skipped rather than failing the whole set, as RFC 7517 §5 suggests.
    Private members are dropped.

    Raises:
        DiscoveryError: the body is not a JSON object with a ``keys`` array, or
            holds no usable signing key.

    """
    try:
        document = msgspec.json.decode(response_bytes)
    except (msgspec.DecodeError, RecursionError) as exc:
        raise DiscoveryError("JWKS is not valid JSON") from exc
    entries = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise DiscoveryError("JWKS is not a JSON object with a keys array")
    keys = []
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("kty") not in ("RSA", "EC"):
            continue
        if entry.get("use", "sig") != "sig":
            continue
        public = {name: entry[name] for name in _JWK_MEMBERS if name in entry}
        try:
            if public["kty"] == "RSA" and len(b64url_decode(public["n"])) < _MIN_RSA_BYTES:
                continue
            keys.append(import_key(public))
        except (JoseError, ValueError, TypeError, KeyError, AttributeError, binascii.Error):
            continue
    if not keys:
        raise DiscoveryError("JWKS holds no usable signing key")
    return KeySet(keys)
