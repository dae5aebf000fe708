"""The test users and registered applications of :class:`~auth0_async.testing.MockAuth0`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import quote, urlsplit

import msgspec

from .._exceptions import ConfigurationError

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "MockClient",
    "MockUser",
    "default_users",
    "is_loopback_url",
]

DEFAULT_CLIENT_ID = "dev-client"
"""The client id of the application a :class:`MockAuth0` without ``clients`` registers."""
DEFAULT_CLIENT_SECRET = "dev-client-secret"
"""Its client secret."""

# Claims the tenant sets itself; a user claim must not override them.
_PROTOCOL_CLAIMS = frozenset(
    {
        "iss",
        "sub",
        "aud",
        "azp",
        "exp",
        "iat",
        "nbf",
        "jti",
        "nonce",
        "sid",
        "auth_time",
        "at_hash",
        "c_hash",
        "scope",
        "client_id",
        "events",
        "cnf",
        "typ",
    }
)
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class MockUser:
    """A test user the :class:`MockAuth0` login page offers.

    Immutable. ``claims`` become ID-token and ``/userinfo`` claims: the
    standard profile claims (``nickname``, ``picture``, ``given_name``, ...)
    with the ``profile`` scope, ``email_verified`` with ``email``, and any
    other claim (say ``**{"https://example.com/roles": ["admin"]}``) always.

    Args:
        sub: the subject identifier, such as ``"auth0|alice"``.
        name: the display name (shown on the login page, escaped).
        email: the email address.
        **claims: further claims; each must be JSON-encodable and must not be
            a claim the tenant sets itself (``iss``, ``aud``, ``sid``, ``nonce``, ...).

    Raises:
        ConfigurationError: an empty ``sub``, a reserved claim, or claims that
            are not JSON-encodable.

    """

    __slots__ = ("_claims", "email", "name", "sub")

    sub: str
    name: str
    email: str
    _claims: bytes

    def __init__(self, sub: str, name: str, email: str, **claims: Any) -> None:
        if not all(isinstance(value, str) for value in (sub, name, email)) or not sub:
            raise ConfigurationError("MockUser sub, name and email must be strings, sub non-empty")
        reserved = sorted(_PROTOCOL_CLAIMS.intersection(claims))
        if reserved:
            raise ConfigurationError(f"MockUser claims must not set {', '.join(reserved)}")
        try:
            encoded = msgspec.json.encode(claims)
        except (TypeError, msgspec.EncodeError) as exc:
            raise ConfigurationError(f"MockUser claims must be JSON-encodable: {exc}") from None
        object.__setattr__(self, "sub", sub)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "email", email)
        object.__setattr__(self, "_claims", encoded)

    @property
    def claims(self) -> dict[str, Any]:
        """The extra claims given at construction (a fresh copy on every read)."""
        claims: dict[str, Any] = msgspec.json.decode(self._claims)
        return claims

    def to_claims(self) -> dict[str, Any]:
        """Return every claim of the user: ``sub``, ``name``, ``email`` and the extra ones."""
        return {"sub": self.sub, "name": self.name, "email": self.email, **self.claims}

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError("MockUser is immutable")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError("MockUser is immutable")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MockUser):
            return NotImplemented
        return self.to_claims() == other.to_claims()

    def __hash__(self) -> int:
        return hash(self.sub)

    def __repr__(self) -> str:
        extra = "".join(f", {k}={v!r}" for k, v in self.claims.items() if k.isidentifier())
        return f"MockUser({self.sub!r}, {self.name!r}, {self.email!r}{extra})"


@dataclass(frozen=True, slots=True)
class MockClient:
    """An application registered with :class:`MockAuth0`.

    ``redirect_uris`` and ``post_logout_redirect_uris`` are compared exactly,
    as Auth0 compares its allowed callback and logout URLs. The secret never
    shows in the repr.

    Args:
        client_id: the application's client id.
        client_secret: its secret (``client_secret_post`` or ``client_secret_basic``).
        redirect_uris: the allowed callback URLs.
        post_logout_redirect_uris: the allowed logout return URLs (for
            ``/oidc/logout`` and ``/v2/logout``).
        backchannel_logout_uri: where :meth:`MockAuth0.backchannel_logout` posts
            logout tokens, if anywhere.

    Raises:
        ConfigurationError: an empty id or secret, or a URL that is not an
            absolute http(s) URL without a fragment.

    """

    client_id: str
    client_secret: str = field(repr=False)
    redirect_uris: Sequence[str]
    post_logout_redirect_uris: Sequence[str] = ()
    backchannel_logout_uri: str | None = None

    def __post_init__(self) -> None:
        if not self.client_id or not self.client_secret:
            raise ConfigurationError("MockClient client_id and client_secret must not be empty")
        for name in ("redirect_uris", "post_logout_redirect_uris"):
            value = getattr(self, name)
            if isinstance(value, str):
                raise ConfigurationError(f"MockClient {name} must be a sequence of URLs")
            uris = tuple(value)
            for uri in uris:
                _check_url(uri, name)
            object.__setattr__(self, name, uris)
        if self.backchannel_logout_uri is not None:
            _check_url(self.backchannel_logout_uri, "backchannel_logout_uri")


def _check_url(url: object, what: str) -> None:
    if not isinstance(url, str):
        raise ConfigurationError(f"MockClient {what}: {url!r} is not a string")
    if not url.isascii() or any(c <= " " or c == "\x7f" for c in url):
        raise ConfigurationError(f"MockClient {what}: {url!r} has spaces or non-ASCII characters")
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(f"MockClient {what}: {url!r} is not an absolute http(s) URL")
    if parts.fragment or "#" in url:
        raise ConfigurationError(f"MockClient {what}: {url!r} must not have a fragment")


def is_loopback_url(url: str) -> bool:
    """Whether ``url`` is an http(s) URL on 127.0.0.1, ``localhost`` or ``[::1]`` (no fragment)."""
    # urlsplit silently drops tabs and newlines: refuse them (and spaces) first.
    if not url.isascii() or any(c <= " " or c == "\x7f" for c in url):
        return False
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
        _ = parts.port  # raises ValueError on a malformed port
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and hostname in _LOOPBACK_HOSTS
        and not parts.username
        and not parts.password
        and "#" not in url
    )


def _avatar(initial: str, colour: str) -> str:
    svg = (
        "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 64 64'>"
        f"<circle cx='32' cy='32' r='32' fill='{colour}'/>"
        "<text x='32' y='42' font-family='sans-serif' font-size='30' fill='white' "
        f"text-anchor='middle'>{initial}</text></svg>"
    )
    return "data:image/svg+xml," + quote(svg, safe=" :/='")


def default_users() -> tuple[MockUser, ...]:
    """Return the users a :class:`MockAuth0` without ``users`` offers: Alice and Bob."""
    return (
        MockUser(
            "auth0|alice",
            "Alice Example",
            "alice@example.com",
            email_verified=True,
            nickname="alice",
            given_name="Alice",
            family_name="Example",
            picture=_avatar("A", "#6d28d9"),
        ),
        MockUser(
            "auth0|bob",
            "Bob Example",
            "bob@example.com",
            email_verified=False,
            nickname="bob",
            given_name="Bob",
            family_name="Example",
            picture=_avatar("B", "#0f766e"),
        ),
    )
