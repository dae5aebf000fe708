"""A bounded HTTP/1.1 load generator, used when `wrk` is not installed; run as its own process.

    python bench/bench_loadgen.py --port P --connections C --seconds S [--cookie HEADER]

Keeps C keep-alive connections to 127.0.0.1:P busy with `GET /` for S seconds
(and at most --max-requests requests), then prints one JSON line:
{"requests", "seconds", "rps", "p50_ms", "p99_ms", "errors", "set_cookie"}.
Loopback only; every loop is bounded in count and time. Being Python, it tops
out far below wrk: its numbers are comparable with each other, not with wrk's.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import statistics
import sys
import time


async def _connection(
    port: int,
    request: bytes,
    deadline: float,
    budget: list[int],
    latencies: list[float],
    counters: dict[str, int],
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < deadline and budget[0] > 0:
            budget[0] -= 1
            start = time.perf_counter()
            writer.write(request)
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                lowered = name.strip().lower()
                if lowered == b"content-length":
                    length = int(value)
                elif lowered == b"set-cookie":
                    counters["set_cookie"] += 1
            if length:
                await asyncio.wait_for(reader.readexactly(length), 10)
            latencies.append(time.perf_counter() - start)
            if not head.startswith(b"HTTP/1.1 200"):
                counters["errors"] += 1
    except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError):
        counters["errors"] += 1
    finally:
        writer.close()


async def run(
    port: int, connections: int, seconds: float, cookie: str | None, limit: int
) -> dict[str, float]:
    lines = [b"GET / HTTP/1.1", b"Host: 127.0.0.1:%d" % port]
    if cookie:
        lines.append(b"Cookie: " + cookie.encode("latin-1"))
    request = b"\r\n".join([*lines, b"", b""])
    latencies: list[float] = []
    counters = {"errors": 0, "set_cookie": 0}
    budget = [limit]
    start = time.perf_counter()
    deadline = start + seconds
    await asyncio.gather(
        *(
            _connection(port, request, deadline, budget, latencies, counters)
            for _ in range(connections)
        )
    )
    elapsed = time.perf_counter() - start
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] if latencies else 0.0
    return {
        "requests": len(latencies),
        "seconds": elapsed,
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1e3 if latencies else 0.0,
        "p99_ms": p99 * 1e3,
        "errors": counters["errors"],
        "set_cookie": counters["set_cookie"],
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--cookie")
    parser.add_argument("--max-requests", type=int, default=2_000_000)
    args = parser.parse_args()
    if not 0 < args.seconds <= 120 or not 0 < args.connections <= 1024:
        parser.error("--seconds must be in (0, 120] and --connections in (0, 1024]")
    coro = run(args.port, args.connections, args.seconds, args.cookie, args.max_requests)
    if importlib.util.find_spec("uvloop"):
        result = importlib.import_module("uvloop").run(coro)
    else:
        result = asyncio.run(coro)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
