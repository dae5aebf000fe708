from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from typing import TYPE_CHECKING, Any

import anyio
import pytest

from auth0_async import ConfigurationError, SessionData, SessionStoreError
from auth0_async._core._models import Internal, TokenSet, User, encode_session
from auth0_async.testing import check_session_store

from ..support.fixtures import require_redis_server
from ..support.redis_server import RedisServer, client_options

redis_asyncio: Any = pytest.importorskip("redis.asyncio")
key_slot: Any = pytest.importorskip("redis.crc").key_slot

from auth0_async.stores.redis import RedisSessionStore

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable

    from ..support.redis_server import RedisClusterNodes

SLACK = 3600  # stores/redis.py: index entries outlive expires_at by an hour
OPTIONS = client_options()


@pytest.fixture
def anyio_backend() -> str:
    """redis.asyncio runs on asyncio only."""
    return "asyncio"


@pytest.fixture
def prefix() -> str:
    return f"test:{uuid.uuid4().hex}:"


@pytest.fixture
async def client(redis_server: RedisServer) -> AsyncIterator[Any]:
    async with redis_asyncio.Redis.from_url(redis_server.url, **OPTIONS) as redis:
        yield redis


def session(sub: str = "auth0|alice", sid: str | None = "sid-1", n: int = 0) -> SessionData:
    return SessionData(
        user=User(sub=sub, extra={"https://example.com/roles": ["admin"], "n": n}),
        token_set=TokenSet(access_token=f"at-{n}"),
        internal=Internal(created_at=1_700_000_000, sid=sid),
    )


@pytest.mark.anyio
async def test_conformance(client: Any, prefix: str) -> None:
    with anyio.fail_after(5):
        await check_session_store(lambda: RedisSessionStore(client, prefix=prefix))


@pytest.mark.anyio
async def test_conformance_on_a_cluster(
    redis_cluster_nodes: RedisClusterNodes, prefix: str
) -> None:
    async with redis_asyncio.RedisCluster.from_url(redis_cluster_nodes.url, **OPTIONS) as cluster:
        with anyio.fail_after(10):
            await check_session_store(lambda: RedisSessionStore(cluster, prefix=prefix))
        # The sessions and the indexes really were spread over the nodes.
        nodes_with_keys = 0
        for node in cluster.get_primaries():
            keys = await cluster.execute_command("KEYS", f"{prefix}*", target_nodes=node)
            nodes_with_keys += bool(keys)
        assert nodes_with_keys >= 2


@pytest.mark.anyio
async def test_key_layout(client: Any, prefix: str) -> None:
    store = RedisSessionStore(client, prefix=prefix)
    expires_at = int(time.time()) + 1000
    stored = session(sub="auth0|alice", sid="sid-1")
    await store.set("id-1", stored, expires_at=expires_at)

    record = f"{prefix}{{id-1}}"
    assert await client.type(record) == b"hash"
    assert await client.hgetall(record) == {
        b"d": encode_session(stored),
        b"sub": b"auth0|alice",
        b"sid": b"sid-1",
        b"ix": str(expires_at + SLACK).encode(),
    }
    assert await client.expiretime(record) == expires_at
    sid_index, sub_index = f"{prefix}sid:{{sid-1}}", f"{prefix}sub:{{auth0|alice}}"
    for index in (sid_index, sub_index):
        assert await client.zrange(index, 0, -1, withscores=True) == [(b"id-1", expires_at + SLACK)]
        assert await client.expiretime(index) == expires_at + SLACK
    # Hash tags: each key's slot is its id's, sid's or sub's alone.
    assert key_slot(record.encode()) == key_slot(b"id-1")
    assert key_slot(sid_index.encode()) == key_slot(b"sid-1")
    assert key_slot(sub_index.encode()) == key_slot(b"auth0|alice")

    # A second session of the user: the index key lives as long as its longest member.
    await store.set("id-2", session(sid=None), expires_at=expires_at + 5000)
    assert await client.expiretime(sub_index) == expires_at + 5000 + SLACK
    assert await client.hget(f"{prefix}{{id-2}}", "sid") is None
    assert await client.exists(f"{prefix}sid:{{}}") == 0


@pytest.mark.anyio
async def test_scripts_are_sent_by_sha_and_reloaded_after_a_flush(client: Any, prefix: str) -> None:
    async def calls() -> tuple[int, int]:
        stats = await client.info("commandstats")
        return tuple(stats.get(f"cmdstat_{c}", {}).get("calls", 0) for c in ("eval", "evalsha"))

    store = RedisSessionStore(client, prefix=prefix)
    expires_at = int(time.time()) + 1000
    await client.script_flush()
    evals, shas = await calls()
    # No sid: one index entry, so the scripts run one after the other (no race to load them).
    await store.set("id-1", session(sid=None), expires_at=expires_at)  # NOSCRIPT, then EVAL
    evals_after_flush, shas_after_flush = await calls()
    assert evals_after_flush - evals == 2  # the index script, then the write script
    assert shas_after_flush - shas == 2
    assert await store.update("id-1", session(sid=None, n=1), expires_at=expires_at)
    await store.set("id-2", session(sid="sid-2"), expires_at=expires_at)
    evals_later, shas_later = await calls()
    assert evals_later == evals_after_flush  # cached now: only their SHA-1 was sent
    assert shas_later - shas_after_flush == 4
    got = await store.get("id-1")
    assert got is not None
    assert got.user.extra["n"] == 1


@pytest.mark.anyio
async def test_rolling_updates_rewrite_the_indexes_only_when_needed(
    client: Any, prefix: str
) -> None:
    store = RedisSessionStore(client, prefix=prefix)
    expires_at = int(time.time()) + 1000
    await store.set("id-1", session(), expires_at=expires_at)
    sub_index = f"{prefix}sub:{{auth0|alice}}"

    # Within the indexed time: one script, the index entries stay as they are.
    assert await store.update("id-1", session(n=1), expires_at=expires_at + SLACK)
    assert await client.expiretime(f"{prefix}{{id-1}}") == expires_at + SLACK
    assert await client.zscore(sub_index, "id-1") == expires_at + SLACK
    assert await store.get("id-1") == session(n=1)

    # Beyond it: the index entries are raised first.
    assert await store.update("id-1", session(n=2), expires_at=expires_at + SLACK + 1)
    assert await client.zscore(sub_index, "id-1") == expires_at + 2 * SLACK + 1
    assert await client.zscore(f"{prefix}sid:{{sid-1}}", "id-1") == expires_at + 2 * SLACK + 1
    assert await client.hget(f"{prefix}{{id-1}}", "ix") == str(expires_at + 2 * SLACK + 1).encode()
    assert await store.get("id-1") == session(n=2)

    # A changed sid is indexed again too (the old entry goes stale, harmlessly).
    assert await store.update("id-1", session(sid="sid-2"), expires_at=expires_at)
    assert await client.zscore(f"{prefix}sid:{{sid-2}}", "id-1") is not None
    assert await store.delete_by_logout_token(sid="sid-1", sub=None, iss=None) == 0
    assert await store.delete_by_logout_token(sid="sid-2", sub=None, iss=None) == 1


@pytest.mark.anyio
async def test_passed_index_entries_are_dropped(client: Any, prefix: str) -> None:
    store = RedisSessionStore(client, prefix=prefix)
    sub_index = f"{prefix}sub:{{auth0|alice}}"
    now = int(time.time())
    await client.zadd(sub_index, {"gone": now - 10, "live": now + 100})
    await store.set("id-1", session(), expires_at=now + 1000)
    assert await client.zrange(sub_index, 0, -1) == [b"live", b"id-1"]
    await client.zadd(sub_index, {"gone": now - 10})
    assert await store.delete_by_logout_token(sid=None, sub="auth0|alice", iss=None) == 1
    assert await client.zrange(sub_index, 0, -1) == [b"live", b"id-1"]


@pytest.mark.anyio
async def test_forged_or_irrelevant_logout_claims_delete_nothing(client: Any, prefix: str) -> None:
    store = RedisSessionStore(client, prefix=prefix)
    expires_at = int(time.time()) + 1000
    await store.set("alice-1", session(sub="auth0|alice", sid="sid-a"), expires_at=expires_at)
    await store.set("bob-1", session(sub="auth0|bob", sid="sid-b"), expires_at=expires_at)
    # An index entry pointing at someone else's session (a bug, or a hand-edited
    # index) does not get that session deleted: the record's own sid/sub decide.
    await client.zadd(f"{prefix}sub:{{auth0|alice}}", {"bob-1": expires_at + SLACK})
    await client.zadd(f"{prefix}sid:{{sid-a}}", {"bob-1": expires_at + SLACK})
    claims: list[tuple[str | None, str | None]] = [
        ("sid-a", "auth0|bob"),
        ("sid-b", "auth0|alice"),
        ("sid-a", "auth0|alice "),
        ("", None),
        (None, ""),
        ("*", None),
        (None, "*"),
        (None, "auth0|alice}"),
        ("alice-1", None),
        (None, "alice-1"),
        (f"}}{prefix}{{alice-1", None),
        (None, None),
    ]
    for sid, sub in claims:
        for iss in (None, "https://evil.example.com/"):
            assert await store.delete_by_logout_token(sid=sid, sub=sub, iss=iss) == 0, (sid, sub)
    assert await store.get("alice-1") == session(sub="auth0|alice", sid="sid-a")
    assert await store.get("bob-1") == session(sub="auth0|bob", sid="sid-b")
    assert await store.delete_by_logout_token(sid="sid-a", sub=None, iss=None) == 1
    assert await store.get("bob-1") is not None


@pytest.mark.anyio
async def test_corrupt_record_is_a_store_error(client: Any, prefix: str) -> None:
    store = RedisSessionStore(client, prefix=prefix)
    await client.hset(f"{prefix}{{bad}}", "d", b"not json")
    with pytest.raises(SessionStoreError, match="corrupt") as caught:
        await store.get("bad")
    assert caught.value.__cause__ is not None
    await client.set(f"{prefix}{{string}}", b"{}")
    with pytest.raises(SessionStoreError, match="WRONGTYPE"):
        await store.get("string")


@pytest.mark.anyio
async def test_outage_is_a_store_error_fast_and_keeps_the_sessions(prefix: str) -> None:
    require_redis_server()
    with RedisServer() as server:
        async with redis_asyncio.Redis.from_url(server.url, **OPTIONS) as redis:
            store = RedisSessionStore(redis, prefix=prefix, command_timeout=0.5)
            expires_at = int(time.time()) + 1000
            for n in range(3):
                await store.set(f"id-{n}", session(n=n), expires_at=expires_at)

            # A hung server (paused process): every call fails within the timeout.
            # The calls leave the kept sessions alone: a paused Redis still runs
            # whatever was sent once it resumes.
            calls: list[Callable[[], Awaitable[object]]] = [
                lambda: store.get("id-0"),
                lambda: store.set("other", session(), expires_at=expires_at),
                lambda: store.update("other", session(), expires_at=expires_at),
                lambda: store.delete("other"),
                lambda: store.delete_by_logout_token(sid="unknown", sub=None, iss=None),
            ]
            os.kill(server.pid, signal.SIGSTOP)
            try:
                for call in calls:
                    started = anyio.current_time()
                    with (
                        anyio.fail_after(5),
                        pytest.raises(SessionStoreError, match="did not answer"),
                    ):
                        await call()
                    assert anyio.current_time() - started < 1.5
            finally:
                os.kill(server.pid, signal.SIGCONT)
            for n in range(3):
                assert await store.get(f"id-{n}") == session(n=n)

            # A stopped server: refused connections, also a store error, quickly.
            await anyio.to_thread.run_sync(server.stop)
            for call in calls:
                started = anyio.current_time()
                with anyio.fail_after(5), pytest.raises(SessionStoreError) as caught:
                    await call()
                assert anyio.current_time() - started < 1.5
                assert caught.value.__cause__ is not None
            await anyio.to_thread.run_sync(server.start)
            # Persistence is off in tests, so the restarted server is empty; the store works again.
            assert await store.get("id-0") is None
            await store.set("id-0", session(), expires_at=expires_at)
            assert await store.get("id-0") == session()


@pytest.mark.parametrize("anyio_backend", ["trio"])
@pytest.mark.anyio
async def test_refuses_trio() -> None:
    store = RedisSessionStore(redis_asyncio.Redis.from_url("redis://127.0.0.1:1", **OPTIONS))
    with pytest.raises(ConfigurationError, match="asyncio"):
        await store.get("id")
    with pytest.raises(ConfigurationError, match="asyncio"):
        await store.set("id", session(), expires_at=2_000_000_000)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"prefix": "a{b}:"},
        {"prefix": "a}"},
        {"prefix": b"bytes:"},
        {"command_timeout": 0},
        {"command_timeout": float("inf")},
        {"command_timeout": True},
    ],
)
def test_rejects_bad_options(kwargs: dict[str, Any]) -> None:
    client = redis_asyncio.Redis.from_url("redis://127.0.0.1:1", **OPTIONS)
    with pytest.raises(ConfigurationError):
        RedisSessionStore(client, **kwargs)


def test_rejects_a_decoding_client() -> None:
    decoding = redis_asyncio.Redis.from_url("redis://127.0.0.1:1", decode_responses=True)
    with pytest.raises(ConfigurationError, match="decode_responses"):
        RedisSessionStore(decoding)


def test_repr_names_no_secrets() -> None:
    client = redis_asyncio.Redis.from_url("redis://:hunter2@127.0.0.1:1", **OPTIONS)
    text = repr(RedisSessionStore(client, prefix="p:"))
    assert text == "RedisSessionStore(<Redis>, prefix='p:', command_timeout=3.0)"


def test_missing_extra_names_it() -> None:
    code = (
        "import sys; sys.modules['redis'] = None\n"
        "import auth0_async.stores\n"
        "try:\n"
        "    import auth0_async.stores.redis\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install 'auth0-async[redis]'" in out.stdout
