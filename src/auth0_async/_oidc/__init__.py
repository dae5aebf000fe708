"""The OpenID Connect layer: pure protocol functions plus one async client.

Only :class:`OIDCClient` (``_client``) performs I/O, with two helpers that
work on what it fetches: ``_provider_cache`` (discovery, JWKS and revocation
endpoint, cached) and ``_reading`` (the capped body read); every other module
is pure and synchronous. The facade imports from here.
"""

from __future__ import annotations

from ._authorize import (
    DEFAULT_SCOPE,
    AuthorizationParameters,
    LogoutStrategy,
    authorization_url,
    build_authorization_params,
    build_logout_url,
    par_authorization_url,
)
from ._client import DEFAULT_MAX_RESPONSE_BYTES, OIDCClient
from ._client_auth import ClientAuth, ClientSecretBasic, ClientSecretPost, PrivateKeyJwt
from ._discovery import ProviderMetadata, discovery_url, parse_jwks, parse_metadata
from ._id_token import DEFAULT_LEEWAY, validate_id_token
from ._jws import DEFAULT_ALGORITHMS, MIN_HS256_SECRET_BYTES, peek_header
from ._logout_token import BACKCHANNEL_LOGOUT_EVENT, JtiCache, validate_logout_token
from ._pkce import code_challenge_s256, new_code_verifier, new_nonce, new_state
from ._redirects import safe_return_to
from ._tokens import (
    TokenResponse,
    authorization_code_form,
    parse_token_response,
    refresh_token_form,
)

__all__ = [
    "BACKCHANNEL_LOGOUT_EVENT",
    "DEFAULT_ALGORITHMS",
    "DEFAULT_LEEWAY",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_SCOPE",
    "MIN_HS256_SECRET_BYTES",
    "AuthorizationParameters",
    "ClientAuth",
    "ClientSecretBasic",
    "ClientSecretPost",
    "JtiCache",
    "LogoutStrategy",
    "OIDCClient",
    "PrivateKeyJwt",
    "ProviderMetadata",
    "TokenResponse",
    "authorization_code_form",
    "authorization_url",
    "build_authorization_params",
    "build_logout_url",
    "code_challenge_s256",
    "discovery_url",
    "new_code_verifier",
    "new_nonce",
    "new_state",
    "par_authorization_url",
    "parse_jwks",
    "parse_metadata",
    "parse_token_response",
    "peek_header",
    "refresh_token_form",
    "safe_return_to",
    "validate_id_token",
    "validate_logout_token",
]
