"""Client authentication at the token, PAR and revocation endpoints, as three small strategies.

Each strategy turns a request body into ``(form, headers)`` without I/O:

* :class:`ClientSecretPost`: ``client_id`` and ``client_secret`` in the body
  (what nextjs-auth0 uses with a secret);
* :class:`ClientSecretBasic`: HTTP Basic with both values form-urlencoded first,
  as RFC 6749 §2.3.1 requires (so ``:`` or ``%`` in a secret survive);
* :class:`PrivateKeyJwt`: an RFC 7523 client assertion signed with the
  client's private key.

No repr shows a secret or key material.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeAlias
from urllib.parse import quote_plus

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, RSAKey, import_key

from .._core._config import Secret
from .._exceptions import ConfigurationError

if TYPE_CHECKING:
    from joserfc.jwk import Key

__all__ = [
    "ASSERTION_ALGORITHMS",
    "ClientAuth",
    "ClientSecretBasic",
    "ClientSecretPost",
    "PrivateKeyJwt",
]

_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
_EC_CURVES = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}
ASSERTION_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}
)
"""Signing algorithms accepted for ``private_key_jwt`` assertions."""


def _as_secret(value: str | Secret) -> Secret:
    secret = value if isinstance(value, Secret) else Secret(value)
    if not secret.reveal():
        raise ConfigurationError("client_secret must not be empty")
    return secret


def _check_client_id(client_id: str) -> str:
    if not client_id:
        raise ConfigurationError("client_id must not be empty")
    return client_id


class ClientSecretPost:
    """``client_secret_post``: the credentials travel in the form body.

    Raises:
        ConfigurationError: ``client_id`` or ``client_secret`` is empty.

    """

    __slots__ = ("_secret", "client_id")

    method: Literal["client_secret_post"] = "client_secret_post"

    def __init__(self, client_id: str, client_secret: str | Secret) -> None:
        self.client_id = _check_client_id(client_id)
        self._secret = _as_secret(client_secret)

    def apply(
        self, form: Mapping[str, str], *, issuer: str, token_endpoint: str, now: float
    ) -> tuple[dict[str, str], dict[str, str]]:
        """Return the body with ``client_id`` and ``client_secret`` added, and no headers."""
        body = {**form, "client_id": self.client_id, "client_secret": self._secret.reveal()}
        return body, {}

    def __repr__(self) -> str:
        return f"ClientSecretPost(client_id={self.client_id!r}, client_secret='**********')"


class ClientSecretBasic:
    """``client_secret_basic``: ``Authorization: Basic`` over the form-urlencoded credentials.

    Raises:
        ConfigurationError: ``client_id`` or ``client_secret`` is empty.

    """

    __slots__ = ("_secret", "client_id")

    method: Literal["client_secret_basic"] = "client_secret_basic"

    def __init__(self, client_id: str, client_secret: str | Secret) -> None:
        self.client_id = _check_client_id(client_id)
        self._secret = _as_secret(client_secret)

    def authorization_header(self) -> str:
        """Return the ``Authorization`` header value (RFC 6749 §2.3.1 encoding)."""
        user = quote_plus(self.client_id, safe="")
        password = quote_plus(self._secret.reveal(), safe="")
        token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        return f"Basic {token}"

    def apply(
        self, form: Mapping[str, str], *, issuer: str, token_endpoint: str, now: float
    ) -> tuple[dict[str, str], dict[str, str]]:
        """Return the body unchanged and the ``Authorization`` header."""
        return dict(form), {"Authorization": self.authorization_header()}

    def __repr__(self) -> str:
        return f"ClientSecretBasic(client_id={self.client_id!r}, client_secret='**********')"


class PrivateKeyJwt:
    """``private_key_jwt``: a short-lived assertion signed with the client's private key.

    ``key`` is a PEM private key (RSA or EC, matching ``alg``), a private JWK
    as a mapping, or a joserfc key. A ``kid`` present in a JWK is sent in the
    assertion header. The assertion's ``aud`` is the issuer identifier by
    default, which Auth0 requires and which avoids the audience-injection
    weakness of endpoint audiences; ``audience="token_endpoint"`` sends the
    token endpoint URL instead, as RFC 7523 originally suggested.

    Raises:
        ConfigurationError: an empty ``client_id``, an unsupported ``alg``, a key
            that cannot be read, is public, or does not fit ``alg``.

    """

    __slots__ = ("_key", "alg", "audience", "client_id", "lifetime")

    method: Literal["private_key_jwt"] = "private_key_jwt"

    def __init__(
        self,
        client_id: str,
        key: str | bytes | Mapping[str, Any] | Key,
        *,
        alg: str = "RS256",
        audience: Literal["issuer", "token_endpoint"] = "issuer",
        lifetime: int = 60,
    ) -> None:
        self.client_id = _check_client_id(client_id)
        if alg not in ASSERTION_ALGORITHMS:
            raise ConfigurationError(f"unsupported client assertion algorithm {alg!r}")
        if lifetime <= 0:
            raise ConfigurationError("client assertion lifetime must be positive")
        self.alg = alg
        self.audience = audience
        self.lifetime = lifetime
        self._key = _load_private_key(key, alg)

    def assertion(self, *, audience: str, now: float) -> str:
        """Return a signed client assertion for ``audience``, issued at ``now``.

        Raises:
            ConfigurationError: signing failed (the key does not fit the algorithm).

        """
        issued_at = int(now)
        claims = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": audience,
            "jti": secrets.token_urlsafe(32),
            "iat": issued_at,
            "exp": issued_at + self.lifetime,
        }
        header: dict[str, Any] = {"alg": self.alg}
        if self._key.kid:
            header["kid"] = self._key.kid
        try:
            return jwt.encode(header, claims, self._key, algorithms=[self.alg])
        except (JoseError, ValueError) as exc:
            raise ConfigurationError(f"cannot sign the client assertion with {self.alg}") from exc

    def apply(
        self, form: Mapping[str, str], *, issuer: str, token_endpoint: str, now: float
    ) -> tuple[dict[str, str], dict[str, str]]:
        """Return the body with ``client_id``, ``client_assertion_type`` and the assertion.

        Raises:
            ConfigurationError: signing failed.

        """
        audience = issuer if self.audience == "issuer" else token_endpoint
        body = {
            **form,
            "client_id": self.client_id,
            "client_assertion_type": _ASSERTION_TYPE,
            "client_assertion": self.assertion(audience=audience, now=now),
        }
        return body, {}

    def __repr__(self) -> str:
        return f"PrivateKeyJwt(client_id={self.client_id!r}, alg={self.alg!r}, key=<private key>)"


ClientAuth: TypeAlias = ClientSecretPost | ClientSecretBasic | PrivateKeyJwt
"""Any client authentication strategy; each has ``client_id``, ``method`` and ``apply()``."""


def _load_private_key(key: str | bytes | Mapping[str, Any] | Key, alg: str) -> Key:
    key_type: Literal["RSA", "EC"] = "EC" if alg.startswith("ES") else "RSA"
    if isinstance(key, (RSAKey, ECKey)):
        loaded: Key = key
    elif isinstance(key, (str, bytes, Mapping)):
        data = dict(key) if isinstance(key, Mapping) else key
        try:
            loaded = import_key(data, key_type)
        except (JoseError, ValueError, TypeError) as exc:
            raise ConfigurationError(
                f"cannot read the client assertion signing key as {key_type}"
            ) from exc
    else:
        raise ConfigurationError(
            "the client assertion signing key must be a PEM, a JWK or a joserfc key"
        )
    if loaded.key_type != key_type or not loaded.is_private:
        raise ConfigurationError(
            f"the client assertion signing key must be a private {key_type} key for {alg}"
        )
    if isinstance(loaded, ECKey) and loaded.curve_name != _EC_CURVES[alg]:
        raise ConfigurationError(f"{alg} needs an EC key on {_EC_CURVES[alg]}")
    if isinstance(loaded, RSAKey) and loaded.raw_value.key_size < 2048:
        raise ConfigurationError("RSA client assertion keys must be at least 2048 bits")
    return loaded
