"""auth0_async: Auth0 sessions for ASGI apps, wire-compatible with nextjs-auth0 v4.

Quick start::

    from auth0_async import Auth0Client

    auth0 = Auth0Client()          # reads AUTH0_SECRET (and AUTH0_DOMAIN, ...) from the env
    app = auth0.middleware(app)    # any ASGI app

    async def handler(...):
        session = await auth0.get_session()
        if session is None:
            ...
"""

from ._client import Auth0Client as Auth0Client
from ._client import Auth0Middleware as Auth0Middleware
from ._core._access_tokens import AccessToken as AccessToken
from ._core._config import DEFAULT_ABSOLUTE_DURATION as DEFAULT_ABSOLUTE_DURATION
from ._core._config import DEFAULT_INACTIVITY_DURATION as DEFAULT_INACTIVITY_DURATION
from ._core._config import BeforeSessionRolled as BeforeSessionRolled
from ._core._config import CookieOptions as CookieOptions
from ._core._config import Routes as Routes
from ._core._config import Secret as Secret
from ._core._config import SessionConfig as SessionConfig
from ._core._config import TransactionCookieOptions as TransactionCookieOptions
from ._core._cookies import SameSite as SameSite
from ._core._models import AccessTokenSet as AccessTokenSet
from ._core._models import Internal as Internal
from ._core._models import SessionData as SessionData
from ._core._models import TokenSet as TokenSet
from ._core._models import User as User
from ._core._protocols import RefreshCoordinator as RefreshCoordinator
from ._core._protocols import ReplayCache as ReplayCache
from ._core._protocols import RequestSource as RequestSource
from ._core._protocols import ResponseSink as ResponseSink
from ._core._protocols import SecretValue as SecretValue
from ._core._protocols import SessionStore as SessionStore
from ._core._responses import RouteResponse as RouteResponse
from ._exceptions import AccessTokenError as AccessTokenError
from ._exceptions import Auth0Error as Auth0Error
from ._exceptions import AuthorizationError as AuthorizationError
from ._exceptions import BackchannelLogoutError as BackchannelLogoutError
from ._exceptions import ConfigurationError as ConfigurationError
from ._exceptions import DiscoveryError as DiscoveryError
from ._exceptions import InvalidRequestError as InvalidRequestError
from ._exceptions import InvalidStateError as InvalidStateError
from ._exceptions import MissingSessionError as MissingSessionError
from ._exceptions import MissingStateError as MissingStateError
from ._exceptions import OAuthError as OAuthError
from ._exceptions import RequestContextError as RequestContextError
from ._exceptions import SecurityWarning as SecurityWarning
from ._exceptions import SessionError as SessionError
from ._exceptions import SessionStoreError as SessionStoreError
from ._exceptions import TokenValidationError as TokenValidationError
from ._exceptions import TransactionError as TransactionError
from ._exceptions import TransportError as TransportError
from ._http._callback import CallbackContext as CallbackContext
from ._http._callback import OnCallback as OnCallback
from ._http._requests import HeadersResponse as HeadersResponse
from ._http._requests import MutableHeaders as MutableHeaders
from ._http._requests import RequestLike as RequestLike
from ._http._requests import ResponseLike as ResponseLike
from ._oidc import AuthorizationParameters as AuthorizationParameters
from ._service._claims import DEFAULT_ID_TOKEN_CLAIMS as DEFAULT_ID_TOKEN_CLAIMS
from ._service._claims import BeforeSessionSaved as BeforeSessionSaved
from ._service._claims import filter_default_id_token_claims as filter_default_id_token_claims
from ._service._login import LoginResult as LoginResult
from ._service._provider import TokenEndpointAuthMethod as TokenEndpointAuthMethod
from ._types import ASGIApp as ASGIApp
from ._types import Clock as Clock
from ._types import Message as Message
from ._types import Receive as Receive
from ._types import Scope as Scope
from ._types import Send as Send
from ._version import __version__ as __version__

__all__ = [
    "DEFAULT_ABSOLUTE_DURATION",
    "DEFAULT_ID_TOKEN_CLAIMS",
    "DEFAULT_INACTIVITY_DURATION",
    "ASGIApp",
    "AccessToken",
    "AccessTokenError",
    "AccessTokenSet",
    "Auth0Client",
    "Auth0Error",
    "Auth0Middleware",
    "AuthorizationError",
    "AuthorizationParameters",
    "BackchannelLogoutError",
    "BeforeSessionRolled",
    "BeforeSessionSaved",
    "CallbackContext",
    "Clock",
    "ConfigurationError",
    "CookieOptions",
    "DiscoveryError",
    "HeadersResponse",
    "Internal",
    "InvalidRequestError",
    "InvalidStateError",
    "LoginResult",
    "Message",
    "MissingSessionError",
    "MissingStateError",
    "MutableHeaders",
    "OAuthError",
    "OnCallback",
    "Receive",
    "RefreshCoordinator",
    "ReplayCache",
    "RequestContextError",
    "RequestLike",
    "RequestSource",
    "ResponseLike",
    "ResponseSink",
    "RouteResponse",
    "Routes",
    "SameSite",
    "Scope",
    "Secret",
    "SecretValue",
    "SecurityWarning",
    "Send",
    "SessionConfig",
    "SessionData",
    "SessionError",
    "SessionStore",
    "SessionStoreError",
    "TokenEndpointAuthMethod",
    "TokenSet",
    "TokenValidationError",
    "TransactionCookieOptions",
    "TransactionError",
    "TransportError",
    "User",
    "__version__",
    "filter_default_id_token_claims",
]

# Make reprs and docs say `auth0_async.X`, not the private module.
for _name in __all__:
    _obj = globals()[_name]
    if isinstance(_obj, type) and _obj.__module__.startswith("auth0_async._"):
        _obj.__module__ = "auth0_async"
del _name, _obj
