from __future__ import annotations

import inspect
import typing

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
        # typing.get_origin: on 3.10 inspect.isclass() is true of a generic alias such as ASGIApp.
        if inspect.isclass(obj) and typing.get_origin(obj) is None:
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


# -- every name in a public signature is public ------------------------------------------------

_PUBLIC_MODULES = (
    "auth0_async",
    "auth0_async.testing",
    "auth0_async.stores",
    "auth0_async.refresh",
)
_STANDARD_NAMES = frozenset(
    {
        # builtins and typing / collections.abc spellings used in annotations
        *("None", "str", "int", "float", "bool", "bytes", "object", "type", "list", "dict"),
        *("tuple", "set", "frozenset", "Any", "Literal", "Callable", "Awaitable", "Mapping"),
        *("MutableMapping", "Sequence", "Iterable", "Iterator", "AsyncIterator", "Self"),
        *("ClassVar", "Final", "TracebackType", "BaseException", "Exception", "Coroutine"),
        "Counter",
        # third-party types a caller hands in
        *("httpx", "AsyncClient"),
    }
)


def _exported() -> set[str]:
    import importlib

    names: set[str] = set()
    for module in _PUBLIC_MODULES:
        names |= set(importlib.import_module(module).__all__)
    return names


def _annotation_names(text: str) -> set[str]:
    import re

    text = re.sub(r"'[^']*'|\"[^\"]*\"", "", text)  # Literal["..."] values are not names
    return {part for name in re.findall(r"[A-Za-z_][\w.]*", text) for part in name.split(".")[:1]}


def _public_signatures() -> dict[str, str]:
    """``qualified name -> annotation text`` for every public callable and type alias."""
    import importlib

    found: dict[str, str] = {}
    for module_name in _PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            if isinstance(obj, str):  # a TypeAlias spelled as a string
                found[f"{module_name}.{name}"] = obj
                continue
            members = [(name, obj)]
            if inspect.isclass(obj):
                members = [
                    (f"{name}.{attr}", member)
                    for attr, member in vars(obj).items()
                    if (not attr.startswith("_") or attr == "__init__")
                    and (inspect.isfunction(member) or isinstance(member, property))
                ]
            for qualname, member in members:
                function = member.fget if isinstance(member, property) else member
                if not callable(function):
                    continue
                try:
                    signature = inspect.signature(function)
                except (TypeError, ValueError):
                    continue
                parts = [str(p.annotation) for p in signature.parameters.values()]
                parts.append(str(signature.return_annotation))
                found[f"{module_name}.{qualname}"] = " ".join(
                    p for p in parts if p not in ("<class 'inspect._empty'>",)
                )
    return found


def test_every_name_in_a_public_signature_is_exported() -> None:
    allowed = _exported() | _STANDARD_NAMES
    leaks = {
        where: sorted(_annotation_names(text) - allowed)
        for where, text in _public_signatures().items()
        if _annotation_names(text) - allowed
    }
    assert leaks == {}


def test_the_signature_check_sees_a_private_type() -> None:
    assert _annotation_names("RequestContext | None") - (_exported() | _STANDARD_NAMES) == {
        "RequestContext"
    }
    assert "RequestLike" in _exported()
    assert "Auth0Middleware" in _exported()
