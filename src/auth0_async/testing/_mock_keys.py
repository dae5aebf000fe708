"""The signing keys of :class:`~auth0_async.testing.MockAuth0`: RSA 2048, RS256, with rotation."""

from __future__ import annotations

import secrets
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey

__all__ = ["KeyRing"]

_ALG = "RS256"


def _new_key() -> RSAKey:
    kid = secrets.token_urlsafe(16)
    return RSAKey.generate_key(
        2048, parameters={"kid": kid, "alg": _ALG, "use": "sig"}, private=True
    )


class KeyRing:
    """The current signing key, plus the previous one while it is still published."""

    __slots__ = ("_keys",)

    def __init__(self) -> None:
        self._keys: list[RSAKey] = [_new_key()]

    @property
    def kid(self) -> str:
        """The ``kid`` of the key that signs new tokens."""
        kid = self._keys[0].kid
        assert kid is not None
        return kid

    def rotate(self, *, keep_previous: bool) -> None:
        """Sign with a new key from now on; keep publishing the current one if asked."""
        self._keys = [_new_key(), *self._keys[:1]] if keep_previous else [_new_key()]

    def jwks(self) -> dict[str, Any]:
        """Return the public JWK Set."""
        return {"keys": [key.as_dict(private=False) for key in self._keys]}

    def sign(self, claims: dict[str, Any], *, typ: str = "JWT") -> str:
        """Return ``claims`` as an RS256 JWT signed with the current key."""
        header = {"alg": _ALG, "typ": typ, "kid": self.kid}
        return jwt.encode(header, claims, self._keys[0], algorithms=[_ALG])

    def verify(self, token: str) -> dict[str, Any] | None:
        """Return the claims of a token one of the published keys signed, else ``None``.

        Time claims are not checked: an expired ``id_token_hint`` is still a hint.
        """
        try:
            return dict(jwt.decode(token, KeySet(list(self._keys)), algorithms=[_ALG]).claims)
        except (JoseError, ValueError, TypeError):
            return None
