"""Load the production server set-up with 50 connections for 60 s; loopback only.

    .venv/bin/python bench/load.py [--connections 50] [--seconds 60] [--each]
                                   [--page NAME] [--slow-downloads N] [--no-cache]

Fills `bench_load` as `make db` fills the default database (once; see bench/serve.py),
starts gunicorn with config/gunicorn.py and the production settings (a throwaway strong
secret key, plain http on 127.0.0.1), waits for it, then opens `--connections` keep-alive
connections, each asking in turn for a common-word search (/findings/?q=assessment), the
letters list, the letter with most findings and the council with most letters (`--page
NAME` for only some), for `--seconds`. Prints requests per second, p50/p99 latency and
errors per page, then stops the server.

`--each`: each page gets a run of its own (`--seconds` each) instead.
`--slow-downloads N`: N clients read a CSV export at 2 KB/s throughout each run, holding
a server thread each (two such downloads took every sync worker of the old set-up).
`--no-cache`: the server runs without its page cache; every request does the work.

Errors are requests not answered 200 (a status, or no answer within 10 s). Targets on this
2-core machine: no errors, p99 <= 1 s, >= 100 requests/s for the repeated search.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import serve  # noqa: E402


async def with_downloads(port: int, paths: dict[str, str], args) -> tuple[serve.Load, list]:
    """The load, with `--slow-downloads` clients holding an export open all along."""
    downloads = [
        serve.slow_download(port, "/findings/export.csv", args.seconds)
        for _ in range(args.slow_downloads)
    ]
    load, *results = await asyncio.gather(
        serve.run_load(port, paths, connections=args.connections, seconds=args.seconds),
        *downloads,
    )
    return load, results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--each", action="store_true", help="one run per page")
    parser.add_argument(
        "--page",
        action="append",
        choices=["search", "letters", "letter", "council"],
        help="only this page (repeat for more)",
    )
    parser.add_argument(
        "--no-cache", action="store_true", help="without the page cache (DJANGO_PAGE_CACHE=0)"
    )
    parser.add_argument(
        "--slow-downloads",
        type=int,
        default=0,
        help="clients reading a CSV export at 2 KB/s throughout each run",
    )
    args = parser.parse_args(argv)

    url = serve.ensure_corpus()
    paths = serve.sample_paths(url)
    if args.page:
        paths = {name: path for name, path in paths.items() if name in args.page}
    serve.OUT_DIR.mkdir(exist_ok=True)
    port = serve.free_port()
    server = serve.start_server(
        url, port, serve.OUT_DIR / "load-gunicorn.log", page_cache=not args.no_cache
    )
    try:
        serve.wait_until_up(port, "/", server)
        serve.say(
            f"gunicorn (config/gunicorn.py) on 127.0.0.1:{port},"
            f" page cache {'off' if args.no_cache else 'on'}; load {serve.load_average()}"
        )
        for name, path in paths.items():
            serve.say(f"  {name:8} {path}")
        runs = [{name: path} for name, path in paths.items()] if args.each else [paths]
        for run in runs:
            load, downloads = asyncio.run(with_downloads(port, run, args))
            serve.say(
                f"\n{args.connections} connections, {load.seconds:.0f} s"
                f"{' on ' + next(iter(run)) if args.each else ', pages in turn'}:"
            )
            for line in serve.table(load, list(run)):
                serve.say(line)
            for download in downloads:
                serve.say(f"slow download: {download}")
        serve.say(f"\nload average at the end: {serve.load_average()}")
    finally:
        serve.stop(server)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
