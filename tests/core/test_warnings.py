"""Every ``SecurityWarning`` names the user's ``Auth0Client(...)`` line, however deep the check runs."""

from __future__ import annotations

import sys
import types
import warnings
from typing import TYPE_CHECKING, Any

import pytest

from auth0_async import Auth0Client, CookieOptions, SecurityWarning, SessionConfig
from auth0_async import TransactionCookieOptions as TxnOptions
from auth0_async._core import _warnings

from ..conftest import SECRET

if TYPE_CHECKING:
    from collections.abc import Callable

HTTPS = "https://app.example"


def _short_secret() -> int:
    line = sys._getframe().f_lineno + 1
    Auth0Client(secret="short", env={"AUTH0_DEV_ALLOW_SHORT_SECRET": "true"})
    return line


def _http_domain() -> int:
    line = sys._getframe().f_lineno + 1
    Auth0Client(secret=SECRET, domain="http://127.0.0.1:9", allow_insecure_requests=True, env={})
    return line


def _insecure_session_cookie() -> int:
    session = SessionConfig(cookie=CookieOptions(secure=False))
    line = sys._getframe().f_lineno + 1
    Auth0Client(secret=SECRET, app_base_url=HTTPS, session=session, env={})
    return line


def _insecure_transaction_cookie() -> int:  # one frame deeper inside the package
    txn = TxnOptions(secure=False)
    line = sys._getframe().f_lineno + 1
    Auth0Client(secret=SECRET, app_base_url=HTTPS, transaction_cookie=txn, env={})
    return line


CASES = [_short_secret, _http_domain, _insecure_session_cookie, _insecure_transaction_cookie]


def _check_points_here(make: Callable[[], int]) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        line = make()
    security = [w for w in caught if issubclass(w.category, SecurityWarning)]
    assert security, "no SecurityWarning"
    for warning in security:
        assert (warning.filename, warning.lineno) == (__file__, line), str(warning.message)


@pytest.mark.parametrize("make", CASES, ids=lambda f: f.__name__.strip("_"))
def test_security_warnings_point_at_the_auth0client_call(make: Callable[[], int]) -> None:
    _check_points_here(make)


@pytest.mark.parametrize("make", CASES, ids=lambda f: f.__name__.strip("_"))
def test_the_stack_walk_before_python_312_points_there_too(
    make: Callable[[], int], monkeypatch: pytest.MonkeyPatch
) -> None:
    old: Any = types.SimpleNamespace(version_info=(3, 11), _getframe=sys._getframe)
    monkeypatch.setattr(_warnings, "sys", old)
    _check_points_here(make)


def test_the_package_directory_is_where_the_code_lives() -> None:
    assert _warnings.__file__.startswith(_warnings.PACKAGE_DIR)
    assert not __file__.startswith(_warnings.PACKAGE_DIR)
