"""Time the findings export (CSV and JSON) in rows per second, in this process.

    .venv/bin/python bench/export_speed.py [--letters 1000] [--repeat 3] [--recreate]
    .venv/bin/python bench/export_speed.py --servers http://127.0.0.1:8001 http://127.0.0.1:8002

With `--servers`, it times instead over HTTP the exports of servers already running (say
main's checkout and a branch's, on the same database), one request to each in turn in
every round, so both see the same load: p50 and p95 by the clock, and rows a second.

Imports `--letters` generated letters (bench/generate.py, through the real importer) into a
database of its own, `bench_export` on the embedded PostgreSQL under var/ (or on the server
of BENCH_SERVER_URL, e.g. postgres://postgres@127.0.0.1:5432), once; later runs reuse it
unless `--recreate`. Then it calls the export views as a request would (no HTTP, so the
figure is the view's own cost), reads every byte, and prints the best of `--repeat` runs
for each format, with no query (10,000 rows, the cap) and with a common word, and the
least CPU time this process and its PostgreSQL backend (a server on this machine) spent
on one.

To compare with an earlier commit without touching the checkout, run this same script
from an archive of it, on the same database:

    git archive <commit> | tar -x -C /tmp/before && cp bench/export_speed.py /tmp/before/bench/
    (cd /tmp/before && BENCH_SERVER_URL=<the URL this prints> ../path/.venv/bin/python \
        bench/export_speed.py)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
OUT_DIR = BENCH_DIR / "out"
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

DATABASE = "bench_export"
QUERIES = {"everything (capped at 10,000)": {}, "q=assessment": {"q": "assessment"}}


def server_url() -> str:
    """postgres://... of the server to use, without a database name."""
    if os.environ.get("BENCH_SERVER_URL"):
        return os.environ["BENCH_SERVER_URL"].rstrip("/")
    from config.embedded_db import embedded_database_url

    url = embedded_database_url(REPO_ROOT / "var" / "pgdata")
    return url.rsplit("/", 1)[0]


def database_url(server: str, name: str) -> str:
    parts = urlsplit(f"{server}/{quote(name)}")
    return urlunsplit(parts)


def create_database(server: str, name: str, *, recreate: bool) -> bool:
    """Create `name` (dropping it first with `recreate`); True when it is new."""
    import psycopg
    from psycopg import sql

    if not name.startswith("bench"):
        raise SystemExit(f"refusing to drop {name!r}: benchmark databases are named bench_*")
    with psycopg.connect(database_url(server, "postgres"), autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if exists and not recreate:
            return False
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return True


def fill(letters: int) -> None:
    from django.core.management import call_command

    from inspections.importer import import_paths

    call_command("migrate", verbosity=0)
    corpus = OUT_DIR / f"corpus-export-{letters}"
    if not (corpus / "manifest.json").exists():
        subprocess.run(
            [
                sys.executable,
                str(BENCH_DIR / "generate.py"),
                str(letters),
                str(corpus),
                "--seed",
                "1",
            ],
            check=True,
        )
    started = time.perf_counter()
    import_paths([corpus])
    print(f"imported {letters} letters in {time.perf_counter() - started:.1f} s", flush=True)


def backend_cpu() -> float | None:
    """CPU seconds so far of this process's PostgreSQL backend, where the server runs on
    this machine (read from /proc); None elsewhere.

    An export can move work between Django and PostgreSQL (building the CSV in SQL was
    tried): only both CPU figures together say whether it got cheaper.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def time_export(view, params: dict) -> tuple[int, float, float, float | None]:
    """(rows, seconds, CPU seconds of this process, of its PostgreSQL backend) for one
    export, every byte read.

    The CPU times leave out anything else on the machine: on a busy shared machine they
    are the steadier figures of what the export costs.
    """
    from django.test import RequestFactory

    request = RequestFactory().get("/findings/export", params)
    backend_started = backend_cpu()
    started, cpu_started = time.perf_counter(), time.process_time()
    response = view(request)
    body = b"".join(response.streaming_content)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    backend_ended = backend_cpu()
    backend = None if backend_started is None else backend_ended - backend_started
    if view.__name__.endswith("csv"):
        import csv
        import io

        rows = sum(1 for _ in csv.reader(io.StringIO(body.decode("utf-8-sig")))) - 1
    else:
        import json

        rows = len(json.loads(body))
    return rows, seconds, cpu, backend


def time_servers(servers: list[str], *, rounds: int, warmup: int) -> None:
    """Each export of each query from each server, interleaved: p50/p95 ms and rows/s."""
    import statistics
    import urllib.request
    from urllib.parse import urlencode

    for label, params in QUERIES.items():
        for extension in ("csv", "json"):
            path = f"/findings/export.{extension}?{urlencode(params)}"
            times: dict[str, list[float]] = {server: [] for server in servers}
            rows: dict[str, int] = {}
            for round_number in range(warmup + rounds):
                for server in servers:
                    started = time.perf_counter()
                    with urllib.request.urlopen(server + path, timeout=600) as response:
                        body = response.read()
                    seconds = time.perf_counter() - started
                    if round_number >= warmup:
                        times[server].append(seconds)
                    text = body.decode("utf-8-sig")
                    if extension == "csv":
                        import csv
                        import io

                        rows[server] = sum(1 for _ in csv.reader(io.StringIO(text))) - 1
                    else:
                        import json

                        rows[server] = len(json.loads(text))
            for server in servers:
                runs = sorted(times[server])
                p50 = statistics.median(runs)
                p95 = runs[min(len(runs) - 1, round(0.95 * (len(runs) - 1)))]
                print(
                    f"{extension:4} {label:30} {server:26} {rows[server]:6,} rows"
                    f"  p50 {p50 * 1000:6.0f} ms  p95 {p95 * 1000:6.0f} ms"
                    f"  {rows[server] / p50:8,.0f} rows/s (p50)",
                    flush=True,
                )
    print(f"load average (1, 5, 15 min) at the end: {os.getloadavg()}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--recreate", action="store_true")
    parser.add_argument("--servers", nargs="+", help="time these running servers over HTTP")
    parser.add_argument("--warmup", type=int, default=2, help="untimed rounds (--servers)")
    args = parser.parse_args(argv)
    if args.servers:
        print(f"load average (1, 5, 15 min) at the start: {os.getloadavg()}")
        time_servers(args.servers, rounds=args.repeat, warmup=args.warmup)
        return 0

    server = server_url()
    new = create_database(server, DATABASE, recreate=args.recreate)
    os.environ["DATABASE_URL"] = database_url(server, DATABASE)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ["DJANGO_DEBUG"] = "false"  # no query log
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"
    import django

    django.setup()
    if new:
        fill(args.letters)

    from inspections import views
    from inspections.models import Finding

    print(
        f"{Finding.objects.count():,} findings in {DATABASE} ({server}); best of {args.repeat} runs"
    )
    for label, params in QUERIES.items():
        for view in (views.findings_csv, views.findings_json):
            runs = [time_export(view, params) for _ in range(args.repeat)]
            rows, seconds, _, _ = min(runs, key=lambda run: run[1])
            cpu = min(run[2] for run in runs)
            backends = [run[3] for run in runs if run[3] is not None]
            backend = f"{min(backends) * 1000:6.0f} ms" if backends else "     -"
            print(
                f"{view.__name__:14} {label:30} {rows:6,} rows  {seconds * 1000:7.0f} ms"
                f"  {rows / seconds:9,.0f} rows/s  CPU here {cpu * 1000:6.0f} ms"
                f"  PostgreSQL {backend}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
