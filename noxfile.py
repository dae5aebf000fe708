"""Developer tasks. CI runs the sessions named in README.md's test command."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import nox
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

nox.options.sessions = ["lint", "typecheck", "tests", "unit", "tests_lowest"]
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True  # a missing interpreter fails, never skips

ROOT = Path(__file__).parent
PEERS = ROOT / "tests" / "peers"
PYTEST_NO_TESTS = 5
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
PYTHONS = nox.project.python_versions(PYPROJECT)  # from the classifiers: 3.10 ... 3.13
EXTRAS = "redis,starlette,fastapi,litestar,django,otel"
UNIT = ["-m", "not e2e"]  # no real peers, browser or app processes: those run once, in `tests`


def _install(session: nox.Session, *groups: str, extras: str = "") -> None:
    """Install the package (editable) plus PEP 735 dependency groups from pyproject.toml."""
    args = ["-e", f".[{extras}]" if extras else "."]
    for group in groups:
        args += ["--group", group]
    session.install("pip>=25.1")  # --group needs pip 25.1
    session.run("python", "-m", "pip", "install", "--quiet", *args)


def _install_group(session: nox.Session, group: str) -> None:
    """Install one PEP 735 dependency group alone (no package)."""
    session.install("pip>=25.1")  # --group needs pip 25.1
    session.run("python", "-m", "pip", "install", "--quiet", "--group", group)


def _pytest(session: nox.Session, *args: str) -> None:
    code = session.run("python", "-m", "pytest", *args, success_codes=[0, PYTEST_NO_TESTS])
    if code == PYTEST_NO_TESTS:  # never let "collected nothing" pass as green
        session.error("pytest collected no tests")


def _floor(requirement: Requirement) -> str:
    """Return ``name==V`` for a requirement's ``>=V`` lower bound; every dependency needs one."""
    floors = [spec.version for spec in requirement.specifier if spec.operator == ">="]
    if len(floors) != 1:
        raise ValueError(f"{requirement} needs exactly one >= lower bound for tests_lowest")
    return f"{requirement.name}=={floors[0]}"


def lowest_constraints(pyproject: dict[str, Any]) -> list[str]:
    """``name==floor`` for every runtime dependency and every extra's, read from pyproject."""
    project = pyproject["project"]
    requirements = [Requirement(text) for text in project["dependencies"]]
    for extra in project["optional-dependencies"].values():
        requirements += [Requirement(text) for text in extra]
    return sorted({_floor(requirement) for requirement in requirements})


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
    _install(session, "test", extras=EXTRAS)
    _npm_ci(session, PEERS)
    _pytest(session, *(session.posargs or ["-q"]))


@nox.session(python=PYTHONS)
def unit(session: nox.Session) -> None:
    """The unit tests (everything but the e2e suites) on every Python version the package claims."""
    _install(session, "test", extras=EXTRAS)
    _pytest(session, *UNIT, *(session.posargs or ["-q"]))


@nox.session(python=PYTHONS[0])
def tests_lowest(session: nox.Session) -> None:
    """The unit tests on the oldest Python with every dependency at its declared floor.

    pip has no lowest-resolution mode, so the floors are read from pyproject's
    ``dependencies`` and extras and pinned as ``==`` constraints; the test tools
    come from the ``test`` group, less its pins of those same packages.
    """
    constraints = lowest_constraints(PYPROJECT)
    pinned = {canonicalize_name(text.split("==")[0]) for text in constraints}
    tools = [
        text
        for text in nox.project.dependency_groups(PYPROJECT, "test")
        if canonicalize_name(Requirement(text).name) not in pinned
    ]
    # The OpenTelemetry SDK pins the API to its own version: test the API's floor with its twin.
    twins: dict[str, str] = {"opentelemetry-sdk": "opentelemetry-api"}
    floors = {
        str(canonicalize_name(text.split("==")[0])): text.split("==")[1] for text in constraints
    }
    tools = [
        f"{name}=={floors[twins[name]]}"
        if (name := canonicalize_name(Requirement(t).name)) in twins
        else t
        for t in tools
    ]
    constraints_file = Path(session.create_tmp()) / "lowest.txt"
    constraints_file.write_text("\n".join(constraints) + "\n")
    session.install("pip>=25.1")
    session.run(
        "python", "-m", "pip", "install", "--quiet", "-c", str(constraints_file),
        "-e", f".[{EXTRAS}]", *tools,
    )  # fmt: skip
    session.run("python", "-m", "pip", "list", "--format=freeze")  # the versions tested, in the log
    # bench/ is a developer tool with its own pinned group, not part of the package.
    bench = "--ignore=tests/test_bench_smoke.py"
    _pytest(session, *UNIT, bench, *(session.posargs or ["-q"]))


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check, ruff format --check, and the import-linter layer contracts."""
    _install_group(session, "lint")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    # The layer contracts in pyproject.toml ([tool.importlinter]): a broken one fails CI.
    session.run("lint-imports", env={"PYTHONPATH": str(ROOT / "src")})


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on src, tests, examples, bench and this file."""
    _install(session, "typecheck", extras=EXTRAS)
    session.run("mypy")


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation site (mkdocs.yml) with --strict: a broken link or docstring fails.

    The API reference is read from src/ statically (griffe), so the package is not installed.
    The build is offline; the site goes to a temporary folder unless a path is given.
    """
    _install_group(session, "docs")
    site = session.posargs[0] if session.posargs else str(Path(session.create_tmp()) / "site")
    session.run(
        "mkdocs", "build", "--strict", "--site-dir", site,
        env={"NO_MKDOCS_2_WARNING": "1"},  # Material's notice about MkDocs 2.0, not a warning
    )  # fmt: skip


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
    "_core/_crypto",
    "_core/_cookies",
    "_core/_lifetime",
    "_oidc/_redirects",
    "_oidc/_id_token",
    "_oidc/_logout_token",
)


@nox.session
def mutants(session: nox.Session) -> None:
    """Mutation testing of the security modules: mutmut, then the hand-written mutants.

    Slow (about an hour on two cores); not part of CI. ``nox -s mutants -- _core/_cookies``
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
