from __future__ import annotations

import inspect

import auth0_async
import auth0_async.testing


def test_all_is_sorted_and_complete() -> None:
    names = auth0_async.__all__
    assert list(names) == sorted(
        names, key=lambda n: (not n.isupper(), n)
    )  # constants first, then sorted
    public = {
        n
        for n in dir(auth0_async)
        if not n.startswith("_") and not inspect.ismodule(getattr(auth0_async, n))
    }
    assert public == set(names) - {"__version__"}


def test_exports_say_auth0_async_and_have_docstrings() -> None:
    for name in auth0_async.__all__:
        obj = getattr(auth0_async, name)
        if inspect.isclass(obj):
            assert obj.__module__ == "auth0_async", name
            assert obj.__doc__, name
            for attr, member in vars(obj).items():
                if not attr.startswith("_") and inspect.isfunction(member):
                    assert member.__doc__, f"{name}.{attr}"


def test_contract_names() -> None:
    from auth0_async import Auth0Client, Auth0Error, SessionData  # noqa: F401
    from auth0_async.refresh import LocalRefreshCoordinator  # noqa: F401
    from auth0_async.stores import MemorySessionStore  # noqa: F401
    from auth0_async.testing import (  # noqa: F401
        FrozenClock,
        check_session_store,
        generate_session_cookie,
    )

    assert issubclass(auth0_async.ConfigurationError, auth0_async.Auth0Error)
    assert issubclass(auth0_async.MissingSessionError, auth0_async.SessionError)


def test_every_error_has_a_stable_code() -> None:
    codes = set()
    for name in auth0_async.__all__:
        obj = getattr(auth0_async, name)
        if inspect.isclass(obj) and issubclass(obj, auth0_async.Auth0Error):
            assert isinstance(obj.code, str)
            assert obj.code
            codes.add(obj.code)
    assert len(codes) >= 10


def test_core_import_pulls_no_framework() -> None:
    import subprocess
    import sys

    code = "import sys, auth0_async; print(sorted(m for m in ('starlette','fastapi','redis','django','litestar') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
