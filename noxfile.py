"""Developer tasks. `nox -s tests` is what CI runs (see README.md)."""

from __future__ import annotations

import shutil
from pathlib import Path

import nox

nox.options.sessions = ["lint", "typecheck", "tests"]
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True

ROOT = Path(__file__).parent
PEERS = ROOT / "tests" / "peers"
PYTEST_NO_TESTS = 5


def _install(session: nox.Session, *groups: str, extras: str = "") -> None:
    """Install the package (editable) plus PEP 735 dependency groups from pyproject.toml."""
    args = ["-e", f".[{extras}]" if extras else "."]
    for group in groups:
        args += ["--group", group]
    session.install("pip>=25.1")  # --group needs pip 25.1
    session.run("python", "-m", "pip", "install", "--quiet", *args)


def _npm_ci(session: nox.Session, folder: Path) -> None:
    if shutil.which("npm") is None:
        session.error("npm (Node.js >= 20) is required for the end-to-end tests")
    session.run(
        "npm",
        "ci",
        "--prefix",
        str(folder),
        "--no-audit",
        "--no-fund",
        "--loglevel=error",
        external=True,
    )


@nox.session
def tests(session: nox.Session) -> None:
    """The full test suite on asyncio and trio, including the end-to-end suites with real peers."""
    _install(session, "test", extras="redis,starlette,fastapi,litestar,django")
    _npm_ci(session, PEERS)
    args = session.posargs or ["-q"]
    code = session.run("python", "-m", "pytest", *args, success_codes=[0, PYTEST_NO_TESTS])
    if code == PYTEST_NO_TESTS:  # never let "collected nothing" pass as green
        session.error("pytest collected no tests")


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    session.install("ruff==0.17.6")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on src, tests, examples, bench and this file."""
    _install(session, "typecheck", extras="redis,starlette,fastapi,litestar,django")
    session.run("mypy")


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks against the practical limit and the peers (bench/run.py; docs/benchmarks.md)."""
    _install(session, "bench", extras="redis,starlette")
    _npm_ci(session, ROOT / "bench")
    session.run("python", "bench/run.py", *session.posargs)


@nox.session
def demo(session: nox.Session) -> None:
    """The demo: FastAPI on http://127.0.0.1:3000 with the embedded development tenant."""
    _install(session, extras="fastapi")
    session.install("uvicorn==0.54.0")
    session.run("python", "examples/demo_app.py", *session.posargs)


# -- mutation testing (docs/mutation.md) ------------------------------------------------------

MUTATED_MODULES = (
    "_crypto",
    "_cookies",
    "_lifetime",
    "_oidc/_redirects",
    "_oidc/_id_token",
    "_oidc/_logout_token",
)


@nox.session
def mutants(session: nox.Session) -> None:
    """Mutation testing of the security modules: mutmut, then the hand-written mutants.

    Slow (about an hour on two cores); not part of CI. ``nox -s mutants -- _cookies``
    runs one module. MUTMUT_MAX_CHILDREN (default 2) caps the parallel workers. Fails
    when a module scores under 95% with the equivalent mutants set aside.
    """
    import os

    _install(session, "mutants", extras="redis,starlette,fastapi,litestar,django")
    modules = session.posargs or list(MUTATED_MODULES)
    unknown = sorted(set(modules) - set(MUTATED_MODULES))
    if unknown:
        session.error(f"not a mutated module: {', '.join(unknown)} (one of {MUTATED_MODULES})")
    # Start clean: mutmut's cached test-to-function map goes stale when tests change.
    shutil.rmtree(ROOT / "mutants", ignore_errors=True)
    children = os.environ.get("MUTMUT_MAX_CHILDREN", "2")
    for module in modules:  # one module at a time: each run starts a fresh fork server
        dotted = "auth0_async." + module.replace("/", ".")
        session.run("mutmut", "run", "--max-children", children, f"{dotted}.*")
    session.run("python", "-m", "tests.mutation", "hand", *modules)
    session.run("python", "-m", "tests.mutation", "score", *modules)
