"""Stop PostgreSQL under load and start it again: what users see, and how soon it is over.

    .venv/bin/python bench/fault.py [--connections 50] [--seconds 60] [--down-at 15]
                                    [--down-for 15] [--no-cache]

The server and load of bench/load.py (gunicorn with config/gunicorn.py, production
settings, `bench_load` as `make db` fills it, pages in turn on keep-alive connections),
for `--seconds`. At `--down-at` seconds PostgreSQL is stopped (`pg_ctl stop -m fast`,
which also ends the sessions in use), and `--down-for` seconds later started again. An
export and a page not yet cached are asked for while it is down. `--no-cache` runs the
server without its page cache, so every page needs the database. Loopback only; stops by
itself.

Which PostgreSQL: the embedded one under var/ (the project's default), with its own
pg_ctl. Nothing else may be using it meanwhile (a test run would fail). With
BENCH_SERVER_URL=postgres://postgres@127.0.0.1:5432 it is the machine's PostgreSQL 15
(`pg_ctlcluster 15 main stop` / `start`): everyone's, so only on a machine of your own.

Prints errors before, during and after the outage, what users saw (status codes), and
the seconds from PostgreSQL being back to the last failed request.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import serve  # noqa: E402

DATA_DIR = serve.REPO_ROOT / "var" / "pgdata"


def pg_ctl() -> str:
    import pgserver

    return str(Path(pgserver.__file__).parent / "pginstall" / "bin" / "pg_ctl")


def postmaster_options() -> str:
    """The options the embedded server was started with (its socket directory...)."""
    words = shlex.split((DATA_DIR / "postmaster.opts").read_text())
    options, skip = [], False
    for word in words[1:]:  # the binary first
        if skip:
            skip = False
        elif word == "-D":
            skip = True
        else:
            options.append(word)
    return shlex.join(options)


def stop_database() -> None:
    if serve.embedded():
        command = [pg_ctl(), "stop", "-D", str(DATA_DIR), "-m", "fast", "-w"]
    else:
        command = ["pg_ctlcluster", "15", "main", "stop", "-m", "fast"]
    _as_owner(command)


def start_database(options: str) -> None:
    if serve.embedded():
        log = DATA_DIR / "log"  # the file pgserver logs to
        command = [pg_ctl(), "start", "-D", str(DATA_DIR), "-w", "-l", str(log), "-o", options]
    else:
        command = ["pg_ctlcluster", "15", "main", "start"]
    _as_owner(command)


def _as_owner(command: list[str]) -> None:
    # pg_ctl refuses to run as root; pgserver, run as root, gives its data to a user of its
    # own, whom the server runs as.
    owner = DATA_DIR.stat().st_uid if serve.embedded() and os.geteuid() == 0 else None
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, user=owner)


def fetch_status(port: int, path: str) -> str:
    """What a client gets for `path`: its status and, for a 200, whether the body was whole."""
    connection = http.client.HTTPConnection(serve.HOST, port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        try:
            body = response.read()
        except http.client.IncompleteRead as error:
            return f"{response.status}, body cut after {len(error.partial):,} bytes"
        return f"{response.status}, {len(body):,} bytes"
    except OSError as error:
        return f"no answer ({type(error).__name__})"
    finally:
        connection.close()


async def outage(port: int, load: serve.Load, args, events: dict, options: str) -> None:
    await asyncio.sleep(args.down_at)
    events["stop begun"] = time.monotonic() - load.started
    await asyncio.to_thread(stop_database)
    events["stopped"] = time.monotonic() - load.started
    await asyncio.sleep(args.down_for / 2)
    events["export while down"] = await asyncio.to_thread(
        fetch_status, port, "/findings/export.csv?q=assessment"
    )
    events["new page while down"] = await asyncio.to_thread(
        fetch_status, port, "/findings/?q=supervision"
    )
    await asyncio.sleep(args.down_for / 2)
    events["start begun"] = time.monotonic() - load.started
    await asyncio.to_thread(start_database, options)
    events["back"] = time.monotonic() - load.started
    await asyncio.sleep(3)
    events["export after"] = await asyncio.to_thread(
        fetch_status, port, "/findings/export.csv?q=assessment"
    )


async def run(port: int, paths: dict[str, str], args, options: str) -> tuple[serve.Load, dict]:
    events: dict = {}
    load = serve.Load()
    await asyncio.gather(
        serve.run_load(port, paths, connections=args.connections, seconds=args.seconds, load=load),
        outage(port, load, args, events, options),
    )
    return load, events


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--down-at", type=float, default=15)
    parser.add_argument("--down-for", type=float, default=15)
    parser.add_argument(
        "--no-cache", action="store_true", help="without the page cache (DJANGO_PAGE_CACHE=0)"
    )
    args = parser.parse_args(argv)

    url = serve.ensure_corpus()
    paths = serve.sample_paths(url)
    options = postmaster_options() if serve.embedded() else ""
    serve.OUT_DIR.mkdir(exist_ok=True)
    port = serve.free_port()
    server = serve.start_server(
        url, port, serve.OUT_DIR / "fault-gunicorn.log", page_cache=not args.no_cache
    )
    try:
        serve.wait_until_up(port, "/", server)
        serve.say(
            f"gunicorn on 127.0.0.1:{port}, {args.connections} connections for"
            f" {args.seconds:.0f} s, pages in turn; PostgreSQL stopped at {args.down_at:.0f} s"
            f" for {args.down_for:.0f} s ({'embedded, var/' if serve.embedded() else url});"
            f" page cache {'off' if args.no_cache else 'on'}"
        )
        load, events = asyncio.run(run(port, paths, args, options))
    finally:
        try:
            if serve.embedded() and not (DATA_DIR / "postmaster.pid").exists():
                start_database(options)  # never leave the project's database down
        finally:
            serve.stop(server)
    report(load, events, list(paths))
    return 0


_DROPPED = {"ConnectionResetError", "ConnectionRefusedError", "IncompleteReadError"}


def report(load: serve.Load, events: dict, names: list[str]) -> None:
    down, back = events["stop begun"], events["back"]
    before = [r for r in load.results if r.ended < down]
    during = [r for r in load.results if down <= r.ended <= back]
    after = [r for r in load.results if r.ended > back]
    # What the outage leaves behind: 503s and refused or dropped connections. A request
    # timing out is the server being too busy, which the load alone can do (--no-cache).
    unavailable = [r for r in after if r.status == 503 or r.error in _DROPPED]
    recovered = (max(r.ended for r in unavailable) - back) if unavailable else 0.0
    serve.say(
        f"\nPostgreSQL: stop begun at {down:.1f} s, stopped at {events['stopped']:.1f} s;"
        f" start begun at {events['start begun']:.1f} s, accepting connections at {back:.1f} s"
    )
    for label, results in (
        ("before the outage", before),
        ("during the outage", during),
        ("after PostgreSQL was back", after),
    ):
        errors = [r for r in results if r.status != 200]
        serve.say(
            f"{label:27} {len(results):7,} requests, {len(errors):6,} errors;"
            f" users saw {serve.statuses(results)}"
        )
    if during:
        ms = [r.ms for r in during if r.status]
        if ms:
            serve.say(
                f"  answers during the outage: p50 {sorted(ms)[len(ms) // 2]:.0f} ms,"
                f" max {max(ms):.0f} ms"
            )
    serve.say(
        "seconds to recover (PostgreSQL back to the last 503 or dropped connection):"
        f" {recovered:.2f}"
    )
    serve.say(f"an export asked for while it was down: {events['export while down']}")
    serve.say(f"a page not in the cache, while it was down: {events['new page while down']}")
    serve.say(f"an export 3 s after it was back: {events['export after']}")
    serve.say("\nwhole run, per page:")
    for line in serve.table(load, names):
        serve.say(line)


if __name__ == "__main__":
    raise SystemExit(main())
