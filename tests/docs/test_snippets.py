"""Every Python block in docs/ compiles; blocks marked ``<!-- snippet: run -->`` run and pass.

A page marks a block that is a whole program (its imports included) with the line
``<!-- snippet: run -->`` just above the fence. Such a block runs in a fresh namespace with a
made-up Auth0 configuration in the environment (no network: blocks that log in use
``MockAuth0`` in process), and any ``assert`` in it must hold. Other blocks are fragments
(``await`` at the top level, names defined elsewhere): they must compile.
"""

from __future__ import annotations

import ast
import warnings

import pytest

from auth0_async import SecurityWarning

from ..conftest import SECRET
from .pages import Block, code_blocks, pages

PYTHON = [block for page in pages() for block in code_blocks(page) if block.language == "python"]
RUN = [block for block in PYTHON if block.mode == "run"]
MODES = {"compile", "run"}
ENV = {
    "AUTH0_DOMAIN": "tenant.example.com",
    "AUTH0_CLIENT_ID": "docs-client",
    "AUTH0_CLIENT_SECRET": "docs-client-secret",
    "AUTH0_SECRET": SECRET,
    "APP_BASE_URL": "http://localhost:3000",
}

# The pages written to be followed step by step: each has at least one block that runs.
RUNNABLE_PAGES = {
    "index.md",
    "configuration.md",
    "local-development.md",
    "testing.md",
    "access-tokens.md",
    "stateful-sessions.md",
}


def test_there_are_snippets_to_check() -> None:
    assert len(PYTHON) >= 15
    assert {block.page for block in RUN} >= RUNNABLE_PAGES


@pytest.mark.parametrize("block", PYTHON, ids=lambda block: block.name)
def test_python_blocks_compile(block: Block) -> None:
    assert block.mode in MODES, f"{block.name}: unknown snippet mode {block.mode!r}"
    compile(block.source, block.name, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)


@pytest.mark.parametrize("block", RUN, ids=lambda block: block.name)
def test_runnable_blocks_run(block: Block, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    code = compile(block.source, block.name, "exec")  # a program: no top-level await
    namespace = {"__name__": f"docs_snippet_{block.line}"}
    with warnings.catch_warnings():
        # MockAuth0's plain-http issuer warns; a page that shows it says how to silence it.
        warnings.simplefilter("ignore", SecurityWarning)
        exec(code, namespace)  # noqa: S102 (the docs' own examples, from this repository)
