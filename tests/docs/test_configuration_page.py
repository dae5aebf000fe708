"""docs/configuration.md cannot drift from ``Auth0Client``: its parameters and the variables it reads."""

from __future__ import annotations

import ast
import inspect
import re
import warnings
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from auth0_async import Auth0Client, CookieOptions, SessionConfig

from ..conftest import SECRET
from .pages import DOCS, table_rows

PAGE = DOCS / "configuration.md"
SRC = Path(__file__).resolve().parents[2] / "src" / "auth0_async"
_CODE = re.compile(r"`([^`]+)`")
_VARIABLE = re.compile(r"^(AUTH0_[A-Z0-9_]+|APP_BASE_URL)$")


class RecordingEnv(dict[str, str]):
    """An environment that remembers every variable looked up in it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.read: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.read.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> str:
        self.read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str):
            self.read.add(key)
        return super().__contains__(key)


def documented() -> dict[str, set[str]]:
    """The page's table: parameter -> the environment variables named for it."""
    table: dict[str, set[str]] = {}
    for row in table_rows(PAGE, "Every parameter"):
        names = _CODE.findall(row[0])
        assert len(names) == 1, f"one parameter per row: {row[0]!r}"
        table[names[0]] = {v for v in _CODE.findall(row[1]) if _VARIABLE.match(v)}
    return table


def other_variables() -> set[str]:
    """Variables under ``## Other environment variables``: read whatever the arguments are."""
    if "## Other environment variables" not in PAGE.read_text(encoding="utf-8"):
        return set()
    found = set()
    for row in table_rows(PAGE, "Other environment variables"):
        names = [name for name in _CODE.findall(row[0]) if _VARIABLE.match(name)]
        assert len(names) == 1, f"one variable per row: {row[0]!r}"
        found.add(names[0])
    return found


def every_variable() -> set[str]:
    return set().union(*documented().values(), other_variables())


def signature_parameters() -> list[str]:
    return list(inspect.signature(Auth0Client.__init__).parameters)[1:]  # past self


def client(env: RecordingEnv, **options: Any) -> Auth0Client:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a short test value may warn; irrelevant here
        return Auth0Client(env=env, **options)


def _signing_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return pem.decode()


# An explicit value for each parameter that has a variable: given it, the variable is not read.
EXPLICIT: dict[str, Any] = {
    "domain": "tenant.example.com",
    "client_id": "client",
    "client_secret": "client-secret",
    "secret": SECRET,
    "app_base_url": "https://app.example.com",
    "session": SessionConfig(
        cookie=CookieOptions(
            same_site="lax", secure=True, path="/", domain="example.com", transient=False
        )
    ),
    "client_assertion_signing_key": _signing_key(),
    "client_assertion_signing_alg": "RS256",
}


def test_the_table_lists_every_parameter_in_signature_order() -> None:
    assert list(documented()) == signature_parameters()


def test_env_is_documented() -> None:
    assert "env" in documented()
    assert "os.environ" in PAGE.read_text(encoding="utf-8")


def test_the_client_reads_exactly_the_documented_variables() -> None:
    env = RecordingEnv(AUTH0_SECRET=SECRET)
    client(env)
    assert env.read == every_variable()


def test_the_package_names_no_undocumented_variable() -> None:
    """A variable read lazily (not at construction) would escape the recording test.

    Only the private modules resolve ``Auth0Client``'s options; the public leaves may name
    other things alike (Django's ``settings.AUTH0_*``), which are not environment variables.
    """
    found: set[str] = set()
    for path in SRC.rglob("*.py"):
        if not path.relative_to(SRC).parts[0].startswith("_"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and _VARIABLE.match(node.value)
            ):
                found.add(node.value)
    assert found == every_variable()


@pytest.mark.parametrize(
    "parameter", sorted(name for name, variables in documented().items() if variables)
)
def test_each_variable_belongs_to_its_parameter(parameter: str) -> None:
    variables = documented()[parameter]
    assert parameter in EXPLICIT, f"add an explicit value for {parameter} to EXPLICIT"
    env = RecordingEnv(AUTH0_SECRET=SECRET)
    client(env, **{parameter: EXPLICIT[parameter]})
    assert not variables & env.read, f"{parameter} given, yet {variables & env.read} read"
    env = RecordingEnv(AUTH0_SECRET=SECRET)
    client(env)
    assert variables <= env.read


def test_variables_take_effect() -> None:
    env = RecordingEnv(
        AUTH0_SECRET=SECRET, AUTH0_DOMAIN="tenant.example.com", AUTH0_CLIENT_ID="from-env"
    )
    auth0 = client(env)
    assert auth0.domain == "https://tenant.example.com"
    assert auth0.client_id == "from-env"
