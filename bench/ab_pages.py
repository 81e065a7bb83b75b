"""The code before against this checkout, page by page, on the same database, interleaved.

Starts two servers with bench/run.py's start_gunicorn (one sync worker, DJANGO_PAGE_CACHE=0):
A on another checkout (`--before`, e.g. a worktree of main) and B on this one, both on the
database `--database-url` names (a copy of a benchmark database: neither writes to it).
Each round asks every page of A and of B, one request at a time, A first in odd rounds
and B first in even ones, so a burst of load elsewhere on the machine falls on both. After
the warm-ups each side's first answer is compared byte for byte (a speed-up must not
change a page) and p50 / p95 printed per page, with the load average before and after.

The pages: the council with most letters (its first page, and its last page of letters),
the councils list and the letter in the middle of the archive; `--path` adds others.

    git worktree add /work/before main   # the code before, once
    .venv/bin/python bench/ab_pages.py --before /work/before \\
        --database-url postgres://postgres@127.0.0.1:5432/copy_of_bench_100k [--rounds 30]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import psycopg
from run import HOST, REPO_ROOT, fetch, free_port, percentile, start_gunicorn, stop, wait_until_up


def default_paths(database_url: str) -> list[str]:
    """The largest council's first and last pages, the councils list, a middle letter."""
    with psycopg.connect(database_url) as connection:
        slug, letters = connection.execute(
            "SELECT a.slug, COUNT(*) FROM inspections_inspection i"
            " JOIN inspections_authority a ON a.id = i.authority_id"
            " GROUP BY a.slug ORDER BY COUNT(*) DESC, a.slug LIMIT 1"
        ).fetchone()
        (letter,) = connection.execute(
            "SELECT id FROM inspections_inspection ORDER BY id"
            " OFFSET (SELECT COUNT(*) / 2 FROM inspections_inspection) LIMIT 1"
        ).fetchone()
    last_page = -(-letters // 20)
    return [
        f"/authorities/{slug}/",
        f"/authorities/{slug}/?page={last_page}",
        "/authorities/",
        f"/letters/{letter}/",
    ]


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, required=True, help="checkout of the code before")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--path", action="append", default=[], help="another page to time")
    args = parser.parse_args()
    paths = default_paths(args.database_url) + args.path
    sides = {"A (before)": args.before.resolve(), "B (this)": REPO_ROOT}
    log = REPO_ROOT / "bench" / "out" / "ab_pages.log"
    log.parent.mkdir(exist_ok=True)
    ports = {side: free_port() for side in sides}
    servers = {
        side: start_gunicorn(args.database_url, ports[side], log, checkout=checkout)
        for side, checkout in sides.items()
    }
    try:
        for side, server in servers.items():
            wait_until_up(ports[side], "/", server)
        print(
            f"A: {sides['A (before)']}\nB: {sides['B (this)']}\nload average before: "
            f"{load_average()}",
            flush=True,
        )
        samples = {(side, path): [] for side in sides for path in paths}
        bodies: dict[tuple[str, str], bytes] = {}
        for number in range(args.warmup + args.rounds):
            order = list(sides) if number % 2 == 0 else list(reversed(sides))
            for path in paths:
                for side in order:
                    status, body, milliseconds = fetch(ports[side], path)
                    if status != 200:
                        raise SystemExit(f"{side} {path}: {status}")
                    if number < args.warmup:
                        # Absolute links name the server's own port: not a difference.
                        own = f"{HOST}:{ports[side]}".encode()
                        bodies.setdefault((side, path), body.replace(own, b"HOST"))
                    else:
                        samples[side, path].append(milliseconds)
        print(f"load average after: {load_average()}")
        print(f"{args.rounds} rounds after {args.warmup} warm-ups; ms")
        print(f"{'page':<44} {'A p50':>7} {'A p95':>7} {'B p50':>7} {'B p95':>7}  same bytes")
        for path in paths:
            a, b = (samples[side, path] for side in sides)
            same = "yes" if bodies["A (before)", path] == bodies["B (this)", path] else "NO"
            print(
                f"{path:<44} {percentile(a, 0.5):>7.1f} {percentile(a, 0.95):>7.1f}"
                f" {percentile(b, 0.5):>7.1f} {percentile(b, 0.95):>7.1f}  {same}"
            )
        for path in paths:
            before, after = bodies["A (before)", path], bodies["B (this)", path]
            if before != after:
                at = next(
                    (i for i, (x, y) in enumerate(zip(before, after, strict=False)) if x != y),
                    min(len(before), len(after)),
                )
                print(f"{path} differs at byte {at}:\n  A {before[at - 60 : at + 60]!r}")
                print(f"  B {after[at - 60 : at + 60]!r}")
    finally:
        for server in servers.values():
            stop(server)


if __name__ == "__main__":
    sys.exit(main())
