"""One "app instance" for the cross-process refresh test (run as a script).

Usage: ``python refresh_worker.py URL PREFIX KEY START_AT``. Waits until the
wall clock reaches ``START_AT``, then makes 10 concurrent ``coordinate()``
calls whose fetch increments ``<PREFIX>counter`` and sleeps 0.3 s. Prints the
distinct results as a JSON list.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time

from redis.asyncio import Redis

from auth0_async.refresh.redis import RedisRefreshCoordinator

CALLERS = 10


async def main(url: str, prefix: str, key: str, start_at: float) -> list[str]:
    async with Redis.from_url(url) as client:
        coordinator = RedisRefreshCoordinator(client, prefix=prefix)

        async def fetch() -> bytes:
            count = await client.incr(f"{prefix}counter")
            await asyncio.sleep(0.3)
            return f"tokens-from-{os.getpid()}-{count}".encode()

        await asyncio.sleep(max(0.0, start_at - time.time()))
        results = await asyncio.gather(
            *(coordinator.coordinate(key, fetch) for _ in range(CALLERS))
        )
    return sorted({result.decode() for result in results})


if __name__ == "__main__":
    url, prefix, key, start_at = sys.argv[1:5]
    print(json.dumps(asyncio.run(main(url, prefix, key, float(start_at)))))
