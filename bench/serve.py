"""What bench/load.py and bench/fault.py share: the corpus database, the production server
as config/gunicorn.py runs it, and an HTTP/1.1 load client. Loopback only.

The database is `bench_load` on the embedded PostgreSQL under var/ (the one `make run`
starts; or on BENCH_SERVER_URL, e.g. postgres://postgres@127.0.0.1:5432), holding what
`make db` imports: the five seed letters and the 326 real ones.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
OUT_DIR = BENCH_DIR / "out"
PROJECT_BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
DATABASE = "bench_load"
CORPUS = ["fixtures/letters/", "fixtures/real/focused_visits/", "fixtures/real/jtai/"]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))


def say(message: str = "") -> None:
    print(message, flush=True)


# ----------------------------------------------------------------------------- database


def server_url() -> str:
    """postgres://... of the PostgreSQL to use, without a database name."""
    if os.environ.get("BENCH_SERVER_URL"):
        return os.environ["BENCH_SERVER_URL"].rstrip("/")
    from config.embedded_db import embedded_database_url

    return embedded_database_url(REPO_ROOT / "var" / "pgdata").rsplit("/", 1)[0]


def database_url(name: str = DATABASE) -> str:
    return f"{server_url()}/{quote(name)}"


def embedded() -> bool:
    return not os.environ.get("BENCH_SERVER_URL")


def ensure_corpus() -> str:
    """The database URL, the database created and filled as `make db` fills the default one."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(database_url("postgres"), autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]
        ).fetchone()
        if not exists:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
    url = database_url()
    environment = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
    }
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "--no-input", "-v", "0"], ["import_letters", *CORPUS]):
        subprocess.run(
            manage + command, cwd=REPO_ROOT, env=environment, check=True, stdout=subprocess.DEVNULL
        )
    return url


def sample_paths(url: str) -> dict[str, str]:
    """The pages the load runs on: a common word, the letters list, a letter, a council."""
    import psycopg

    with psycopg.connect(url) as connection:
        letter = connection.execute(
            "SELECT i.id FROM inspections_inspection i ORDER BY"
            " (SELECT count(*) FROM inspections_finding f WHERE f.inspection_id = i.id) DESC,"
            " i.id LIMIT 1"
        ).fetchone()[0]
        council = connection.execute(
            "SELECT a.slug FROM inspections_authority a JOIN inspections_inspection i"
            " ON i.authority_id = a.id GROUP BY a.slug ORDER BY count(*) DESC, a.slug LIMIT 1"
        ).fetchone()[0]
    return {
        "search": "/findings/?q=assessment",
        "letters": "/letters/",
        "letter": f"/letters/{letter}/",
        "council": f"/authorities/{council}/",
    }


# ----------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_server(url: str, port: int, log: Path, *, page_cache: bool = True) -> subprocess.Popen:
    """gunicorn with config/gunicorn.py and the production settings, on plain http."""
    if not (REPO_ROOT / "staticfiles" / "staticfiles.json").exists():
        collect_static()
    environment = {
        **os.environ,
        **production_environment(url),
        "GUNICORN_BIND": f"{HOST}:{port}",
        "GUNICORN_ACCESS_LOG": "",  # 100s of lines a second would cost the server CPU
        "DJANGO_PAGE_CACHE": "1" if page_cache else "0",
    }
    command = [str(PROJECT_BIN / "gunicorn"), "-c", "config/gunicorn.py", "config.wsgi:application"]
    handle = log.open("ab")
    return subprocess.Popen(
        command, cwd=REPO_ROOT, env=environment, stdout=handle, stderr=subprocess.STDOUT
    )


def production_environment(url: str) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),  # throwaway, strong
        "DATABASE_URL": url,
        "DJANGO_ALLOWED_HOSTS": HOST,
        # Plain http on the loopback, as docker-compose.yml's defaults do.
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_SECURE_HSTS_SECONDS": "0",
    }


def collect_static() -> None:
    environment = {**os.environ, **production_environment("postgres://unused/unused")}
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=REPO_ROOT,
        env=environment,
        check=True,
    )


def wait_until_up(port: int, path: str, process: subprocess.Popen, *, seconds: float = 60) -> None:
    import http.client

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}: see its log")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=10)
            connection.request("GET", path)
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer {path} within {seconds:.0f} s")


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# ----------------------------------------------------------------------------- client


@dataclass
class Result:
    """One request: when it ended (seconds from the start), its status (0: no answer), ms."""

    name: str
    ended: float
    status: int
    ms: float
    error: str = ""


@dataclass
class Load:
    results: list[Result] = field(default_factory=list)
    started: float = 0.0
    seconds: float = 0.0


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """(status, keep the connection) after reading a whole response."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding") == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    else:
        await reader.read()  # to the end of the connection
        return status, False
    return status, headers.get("connection", "").lower() != "close"


async def _connection(
    index: int, port: int, paths: list[tuple[str, str]], load: Load, deadline: float, timeout: float
) -> None:
    reader = writer = None
    turn = index
    while time.monotonic() < deadline:
        name, path = paths[turn % len(paths)]
        turn += 1
        started = time.monotonic()
        try:
            if writer is None:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(HOST, port), timeout
                )
            request = f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nConnection: keep-alive\r\n\r\n"
            writer.write(request.encode())
            status, keep = await asyncio.wait_for(_read_response(reader), timeout)
            error = ""
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
            status, keep, error = 0, False, type(exc).__name__
        ended = time.monotonic()
        load.results.append(
            Result(name, ended - load.started, status, (ended - started) * 1000, error)
        )
        if not keep and writer is not None:
            writer.close()
            reader = writer = None
        if status == 0:
            await asyncio.sleep(0.05)  # no server: do not spin
    if writer is not None:
        writer.close()


async def run_load(
    port: int,
    paths: dict[str, str],
    *,
    connections: int,
    seconds: float,
    timeout: float = 10.0,
    load: Load | None = None,
) -> Load:
    """`connections` keep-alive connections, each cycling through `paths`, for `seconds`.

    Results go to `load` (a new one unless given), timed from its `started`.
    """
    load = load or Load()
    load.started = time.monotonic()
    deadline = load.started + seconds
    items = list(paths.items())
    await asyncio.gather(
        *(_connection(i, port, items, load, deadline, timeout) for i in range(connections))
    )
    load.seconds = time.monotonic() - load.started
    return load


async def slow_download(port: int, path: str, seconds: float) -> str:
    """A client reading an export at 2 KB/s for `seconds`, then going away: what it got."""
    reader, writer = await asyncio.open_connection(HOST, port, limit=4096)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode())
    head = (await reader.readuntil(b"\r\n\r\n")).split(b"\r\n")[0].decode()
    received, deadline = 0, time.monotonic() + seconds
    while time.monotonic() < deadline:
        chunk = await reader.read(1024)
        if not chunk:
            break
        received += len(chunk)
        await asyncio.sleep(0.5)
    writer.close()
    return f"{head}, {received:,} bytes read in {seconds:.0f} s"


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    rank = max(1, round(fraction * len(ordered) + 0.4999))
    return ordered[min(rank, len(ordered)) - 1]


def table(load: Load, names: list[str], *, seconds: float | None = None) -> list[str]:
    """Per page: requests/s, p50/p99/max of answered requests, errors (not a 200)."""
    seconds = seconds or load.seconds
    rows = [
        f"{'page':10} {'requests':>9} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7}"
        f" {'errors':>7}  statuses"
    ]
    for name in [*names, "all"]:
        results = [r for r in load.results if name in (r.name, "all")]
        if not results:
            continue
        ms = [r.ms for r in results]
        errors = [r for r in results if r.status != 200]
        rows.append(
            f"{name:10} {len(results):9,} {len(results) / seconds:7.1f}"
            f" {statistics.median(ms):7.0f} {percentile(ms, 0.99):7.0f} {max(ms):7.0f}"
            f" {len(errors):7,}  {statuses(results)}"
        )
    return rows


def statuses(results: list[Result]) -> str:
    counts: dict[str, int] = {}
    for result in results:
        key = str(result.status) if result.status else f"no answer ({result.error})"
        counts[key] = counts.get(key, 0) + 1
    return ", ".join(f"{key}: {count:,}" for key, count in sorted(counts.items()))


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())
