"""Authorization and logout URLs (nextjs-auth0 v4 §5.1 and §5.4), as pure functions."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal, TypeAlias
from urllib.parse import urlencode

from .._exceptions import ConfigurationError, InvalidRequestError

if TYPE_CHECKING:
    from ._discovery import ProviderMetadata

__all__ = [
    "DEFAULT_SCOPE",
    "AuthorizationParameters",
    "LogoutStrategy",
    "authorization_url",
    "build_authorization_params",
    "build_logout_url",
    "par_authorization_url",
]

DEFAULT_SCOPE = "openid profile email offline_access"
"""The scope sent when none is configured or requested (nextjs-auth0 ``DEFAULT_SCOPES``)."""

LogoutStrategy: TypeAlias = Literal["auto", "oidc", "v2"]
AuthorizationParameters: TypeAlias = Mapping[str, "str | int | Mapping[str, str] | None"]
"""Configured parameters; ``scope`` may map an audience to its scope."""

# The SDK sets these itself; `request`/`request_uri` could smuggle a whole
# request object past them, so they are never taken from outside either.
_RESERVED = frozenset(
    {
        "client_id",
        "redirect_uri",
        "response_type",
        "code_challenge",
        "code_challenge_method",
        "state",
        "nonce",
        "request",
        "request_uri",
    }
)
_NOT_FORWARDED = frozenset({"returnTo", "challengeMode"})
_DIGITS = re.compile(r"[0-9]+")


def build_authorization_params(
    *,
    client_id: str,
    redirect_uri: str,
    state: str,
    nonce: str,
    code_challenge: str,
    configured: AuthorizationParameters | None = None,
    query: Mapping[str, str | None] | None = None,
) -> dict[str, str]:
    """Merge configured and per-request parameters into the /authorize parameters.

    Query parameters (from ``/auth/login``) override configured ones, ``scope``
    included (replaced, not merged); ``None`` values are skipped; ``returnTo``
    and ``challengeMode`` are never forwarded. The SDK's own parameters
    (``client_id``, ``redirect_uri``, ``response_type=code``, ``state``,
    ``nonce``, the S256 ``code_challenge``) always win, and ``request`` /
    ``request_uri`` are dropped. The scope defaults to :data:`DEFAULT_SCOPE`;
    a configured scope mapping is looked up by the effective ``audience``.

    The result's ``scope``, ``audience`` and ``max_age`` entries are what the
    transaction should record.

    Raises:
        InvalidRequestError: a query ``max_age`` that is not ``^[0-9]+$``, or a
            query ``scope`` without ``openid``.
        ConfigurationError: the same problems in ``configured``, or a
            configured value that is not a string or an integer.

    """
    params: dict[str, str] = {}
    scope_map: Mapping[str, str] | None = None
    for name, value in (configured or {}).items():
        if value is None or name in _RESERVED or name in _NOT_FORWARDED:
            continue
        if name == "scope" and isinstance(value, Mapping):
            scope_map = value
        elif isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
            params[name] = str(value)
        else:
            raise ConfigurationError(f"authorization parameter {name!r} must be a string")
    _check_params(params, ConfigurationError, "configured authorization parameters")

    requested = {
        name: value
        for name, value in (query or {}).items()
        if value is not None and name not in _RESERVED and name not in _NOT_FORWARDED
    }
    _check_params(requested, InvalidRequestError, "the login request")
    params.update(requested)

    if "scope" not in params:
        audience = params.get("audience")
        scope = scope_map.get(audience) if scope_map is not None and audience else None
        params["scope"] = scope or DEFAULT_SCOPE
        _check_params(params, ConfigurationError, "configured authorization parameters")

    params.update(
        client_id=client_id,
        redirect_uri=redirect_uri,
        response_type="code",
        code_challenge=code_challenge,
        code_challenge_method="S256",
        state=state,
        nonce=nonce,
    )
    return params


def _check_params(
    params: Mapping[str, str],
    error: type[InvalidRequestError | ConfigurationError],
    where: str,
) -> None:
    max_age = params.get("max_age")
    if max_age is not None and not _DIGITS.fullmatch(max_age):
        raise error(f"max_age in {where} must be a non-negative integer")
    scope = params.get("scope")
    if scope is not None and "openid" not in scope.split():
        raise error(f"scope in {where} must include 'openid'")


def authorization_url(metadata: ProviderMetadata, params: Mapping[str, str]) -> str:
    """Return the ``authorization_endpoint`` URL carrying ``params`` in its query."""
    return _with_query(metadata.authorization_endpoint, params)


def par_authorization_url(metadata: ProviderMetadata, *, client_id: str, request_uri: str) -> str:
    """Return the authorization URL after a pushed authorization request (RFC 9126 §4)."""
    return _with_query(
        metadata.authorization_endpoint, {"client_id": client_id, "request_uri": request_uri}
    )


def build_logout_url(
    *,
    strategy: LogoutStrategy,
    metadata: ProviderMetadata,
    client_id: str,
    return_to: str | None,
    id_token_hint: str | None = None,
    logout_hint: str | None = None,
    state: str | None = None,
    federated: bool = False,
) -> str:
    """Return the provider's logout URL for a logout strategy.

    * ``oidc``: RP-Initiated Logout at ``end_session_endpoint`` with
      ``client_id``, ``post_logout_redirect_uri``, ``state``, ``logout_hint``
      (the session's ``sid``), ``id_token_hint`` and ``federated``.
    * ``v2``: Auth0's ``<issuer>/v2/logout?returnTo=…&client_id=…[&federated=]``.
    * ``auto``: ``oidc`` when discovery advertises ``end_session_endpoint``,
      else ``v2``.

    ``return_to`` is not validated here: the provider checks it against the
    application's allowed logout URLs. ``None`` arguments are left out.

    Raises:
        ConfigurationError: ``oidc`` was chosen but the provider has no
            ``end_session_endpoint``, or ``strategy`` is unknown.

    """
    if strategy not in ("auto", "oidc", "v2"):
        raise ConfigurationError(f"unknown logout strategy {strategy!r}")
    endpoint = metadata.end_session_endpoint
    if strategy == "v2" or (strategy == "auto" and endpoint is None):
        params = {"returnTo": return_to, "client_id": client_id}
        if federated:
            params["federated"] = ""
        return _with_query(metadata.issuer.rstrip("/") + "/v2/logout", params)
    if endpoint is None:
        raise ConfigurationError(
            "OIDC RP-Initiated Logout is not supported by the authorization server. "
            "Enable it or use a different logout strategy."
        )
    oidc_params = {
        "client_id": client_id,
        "post_logout_redirect_uri": return_to,
        "state": state,
        "logout_hint": logout_hint,
        "id_token_hint": id_token_hint,
    }
    if federated:
        oidc_params["federated"] = ""
    return _with_query(endpoint, oidc_params)


def _with_query(endpoint: str, params: Mapping[str, str | None]) -> str:
    query = urlencode([(k, v) for k, v in params.items() if v is not None])
    if not query:
        return endpoint
    base, _, fragment = endpoint.partition("#")
    separator = "&" if "?" in base else "?"
    if base.endswith(("?", "&")):
        separator = ""
    return f"{base}{separator}{query}" + (f"#{fragment}" if fragment else "")
