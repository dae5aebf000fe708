"""pytest fixtures for real Redis servers; import them from ``tests/conftest.py``.

Without ``redis-server`` the tests that need it are skipped locally, but fail
in CI (``CI`` set), where a missing server means a broken install step.
"""

from __future__ import annotations

import os
import shutil
from typing import TYPE_CHECKING

import pytest

from .redis_server import RedisClusterNodes, RedisServer, redis_cluster

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["redis_cluster_nodes", "redis_server", "require_redis_server"]


def require_redis_server() -> None:
    """Skip without ``redis-server``/``redis-cli`` locally; fail in CI."""
    missing = [name for name in ("redis-server", "redis-cli") if shutil.which(name) is None]
    if missing:
        message = f"{' and '.join(missing)} not installed (apt-get install redis-server)"
        if os.environ.get("CI"):
            pytest.fail(f"{message}: required in CI")
        pytest.skip(message)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """One real redis-server for the whole run; tests isolate themselves by key prefix."""
    require_redis_server()
    with RedisServer() as server:
        yield server


@pytest.fixture(scope="session")
def redis_cluster_nodes() -> Iterator[RedisClusterNodes]:
    """A real 3-node Redis Cluster (no replicas) for the whole run."""
    require_redis_server()
    with redis_cluster() as cluster:
        yield cluster
