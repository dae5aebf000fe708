"""The adapters are leaf modules: auth0_async never imports them, and a missing extra says which."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys

import pytest

ADAPTERS = {
    "auth0_async.starlette": ("starlette", "auth0-async[starlette]"),
    "auth0_async.fastapi": ("fastapi", "auth0-async[fastapi]"),
    "auth0_async.litestar": ("litestar", "auth0-async[litestar]"),
    "auth0_async.django": ("django", "auth0-async[django]"),
}


def test_the_package_imports_no_framework() -> None:
    code = (
        "import sys, auth0_async, auth0_async.testing; "
        "print(sorted(m for m in ('starlette', 'fastapi', 'litestar', 'django') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("module", sorted(ADAPTERS))
def test_a_missing_framework_names_the_extra(module: str, monkeypatch: pytest.MonkeyPatch) -> None:
    framework, extra = ADAPTERS[module]
    for name in list(sys.modules):
        if name == framework or name.startswith(f"{framework}."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, framework, None)  # makes `import framework` fail
    monkeypatch.delitem(sys.modules, module, raising=False)
    with pytest.raises(ImportError, match=re.escape(f"pip install '{extra}'")):
        importlib.import_module(module)


@pytest.mark.parametrize("module", sorted(ADAPTERS))
def test_adapters_document_their_public_names(module: str) -> None:
    import inspect

    mod = importlib.import_module(module)
    assert mod.__doc__
    assert mod.__all__ == sorted(mod.__all__)
    for name in mod.__all__:
        obj = getattr(mod, name)
        assert obj.__doc__, f"{module}.{name}"
        if inspect.isclass(obj):
            for attr, member in vars(obj).items():
                if not attr.startswith("_") and callable(member):
                    assert member.__doc__, f"{module}.{name}.{attr}"
