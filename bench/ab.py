"""A/B: the same pages from two checkouts of the project, on the same database, interleaved.

Two gunicorns (one sync worker each, page cache off, as bench/run.py serves "ours as
deployed"), one per checkout; every round asks each path of each server in turn, so both
see the same machine load. Prints p50/p95 (ms) for each path and server, and the load
average at start and end.

    .venv/bin/python bench/ab.py --database-url postgres://postgres@127.0.0.1:5432/copy \\
        --a /work/checkout_of_main --b . --rounds 30 --warmup 3 \\
        '/findings/?theme=supervision' '/findings/?q=assessment&page=50'
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402  (bench/run.py: how the benchmark serves the project)

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start(checkout: Path, database_url: str, port: int, exact: bool) -> subprocess.Popen:
    # Each server its own counts store, in memory: two checkouts' entries never mix.
    os.environ.pop("REDIS_URL", None)
    log = run.OUT_DIR / f"ab-{port}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    return run.start_gunicorn(database_url, port, log, exact_counts=exact, checkout=checkout)


def get(port: int, path: str) -> tuple[float, int, bytes]:
    started = time.perf_counter()
    connection = http.client.HTTPConnection(HOST, port, timeout=600)
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return (time.perf_counter() - started) * 1000, response.status, body


def wait_up(port: int) -> None:
    for _ in range(300):
        try:
            get(port, "/robots.txt")
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"no server on port {port}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--a", type=Path, required=True, help="checkout A (e.g. main)")
    parser.add_argument("--b", type=Path, required=True, help="checkout B (the change)")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--exact", action="store_true", help="FACET_EXACT_COUNT_LIMIT=none")
    parser.add_argument("--compare", action="store_true", help="check A and B answer the same")
    args = parser.parse_args(argv)

    servers = {}
    for name, checkout in (("A", args.a), ("B", args.b)):
        port = free_port()
        servers[name] = (start(checkout.resolve(), args.database_url, port, args.exact), port)
    try:
        for _, port in servers.values():
            wait_up(port)
        load_start = os.getloadavg()
        for path in args.paths:  # cold: each server's first request for the path
            for name, (_, port) in servers.items():
                ms, status, _ = get(port, path)
                print(f"cold {name} {ms:8.1f} ms  {status}  {path}", flush=True)
        if args.compare:
            for path in args.paths:
                # Absolute links name the server's own port: not a difference.
                bodies = {
                    name: get(port, path)[2].replace(f":{port}/".encode(), b":PORT/")
                    for name, (_, port) in servers.items()
                }
                same = bodies["A"] == bodies["B"]
                print(f"same body: {same}  {path}", flush=True)
        times = {(name, path): [] for name in servers for path in args.paths}
        for number in range(args.warmup + args.rounds):
            # Alternate which server goes first, so neither always follows the other.
            order = list(servers.items()) if number % 2 == 0 else list(servers.items())[::-1]
            for path in args.paths:
                for name, (_, port) in order:
                    ms, status, _ = get(port, path)
                    if status != 200:
                        raise SystemExit(f"{name} {path}: {status}")
                    if number >= args.warmup:
                        times[(name, path)].append(ms)
        load_end = os.getloadavg()
    finally:
        for process, _ in servers.values():
            process.terminate()
            process.wait()
    print(f"\n{args.rounds} rounds after {args.warmup} warm-ups; A = {args.a}, B = {args.b}")
    print(f"load average (1, 5, 15 min) at start {load_start}, at end {load_end}")
    print(f"{'path':<50} {'A p50':>8} {'A p95':>8} {'B p50':>8} {'B p95':>8}")
    for path in args.paths:
        row = []
        for name in servers:
            values = sorted(times[(name, path)])
            p95 = statistics.quantiles(values, n=20, method="inclusive")[-1]
            row += [statistics.median(values), p95]
        print(f"{path:<50} " + " ".join(f"{value:8.1f}" for value in row))


if __name__ == "__main__":
    main()
