"""The package's shape: no import cycles, small modules, the layer rules import-linter enforces.

import-linter (``nox -s lint``) checks the layer contracts in pyproject.toml; these tests
check what a contract cannot express, and that the contracts themselves are in force.
"""

from __future__ import annotations

from pathlib import Path

import grimp
import pytest

import auth0_async

SRC = Path(auth0_async.__file__).resolve().parent
ROOT = SRC.parent.parent
MAX_MODULE_LINES = 500


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    # TYPE_CHECKING and function-level (lazy) imports count: a cycle through them is a cycle.
    return grimp.build_graph("auth0_async", exclude_type_checking_imports=False)


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(edges[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges.get(child, ()))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycles(graph: grimp.ImportGraph) -> None:
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for name in ("pkg", "pkg.a", "pkg.b", "pkg.c"):
        graph.add_module(name)
    graph.add_import(importer="pkg.a", imported="pkg.b")
    graph.add_import(importer="pkg.b", imported="pkg.c")
    graph.add_import(importer="pkg.c", imported="pkg.a")
    assert _cycles(graph) == [["pkg.a", "pkg.b", "pkg.c"]]


def test_no_module_over_500_lines() -> None:
    sizes = {
        str(path.relative_to(SRC)): len(path.read_text(encoding="utf-8").splitlines())
        for path in SRC.rglob("*.py")
    }
    assert {name: n for name, n in sizes.items() if n > MAX_MODULE_LINES} == {}


def test_the_client_is_a_thin_shell() -> None:
    lines = (SRC / "_client.py").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 350


def test_the_service_layer_never_reaches_up(graph: grimp.ImportGraph) -> None:
    # Also a layer contract; kept as a test so `pytest` alone reports it.
    for upper in ("auth0_async._client", "auth0_async._http"):
        assert not graph.chain_exists(
            importer="auth0_async._service", imported=upper, as_packages=True
        )


def test_the_core_imports_no_io_library(graph: grimp.ImportGraph) -> None:
    external = grimp.build_graph(
        "auth0_async", include_external_packages=True, exclude_type_checking_imports=False
    )
    for library in (
        "httpx",
        "anyio",
        "trio",
        "redis",
        "starlette",
        "fastapi",
        "litestar",
        "django",
    ):
        if library in external.modules:
            assert not external.chain_exists(
                importer="auth0_async._core", imported=library, as_packages=True
            ), library


def test_the_layer_contracts_are_configured() -> None:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = {c["id"]: c for c in config["tool"]["importlinter"]["contracts"]}
    assert config["tool"]["importlinter"]["exclude_type_checking_imports"] is False
    layers = [layer.split(" | ") for layer in contracts["layers"]["layers"]]
    order = [name for layer in layers for name in layer]
    for upper, lower in [
        ("auth0_async._client", "auth0_async._http"),
        ("auth0_async._http", "auth0_async._service"),
        ("auth0_async._service", "auth0_async._sessions"),
        ("auth0_async._service", "auth0_async._oidc"),
        ("auth0_async._sessions", "auth0_async._core"),
        ("auth0_async._oidc", "auth0_async._core"),
    ]:
        assert order.index(upper) < order.index(lower)
    assert ["auth0_async._sessions", "auth0_async._oidc", "auth0_async._redis"] in layers
    assert {"httpx", "anyio", "redis"} <= set(contracts["pure-core"]["forbidden_modules"])
