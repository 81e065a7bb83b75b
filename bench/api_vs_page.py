"""The API's list endpoints against the pages that show the same data, and the 304.

Serves the development database (the `make run` corpus: run `make db` first), or the one
`--database-url` names (a copy of a benchmark database), on a loopback port of its own,
asks each pair of addresses in turn, one request at a time, and prints p50 and p95 per
address. Bounded: ROUNDS rounds or TIME_LIMIT seconds, whichever comes first; every
request times out after 30 s. The page cache is off (DJANGO_PAGE_CACHE=0): after the
warm-up every page would otherwise come from it, and the API has no such cache, so the
pages' own work is what is compared.

    .venv/bin/python bench/api_vs_page.py [--rounds 40] [--time-limit 120] [--database-url URL]
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# (what, page, API): each API address lists what its page lists (the API by 100 a page where
# the page shows every council).
PAIRS = [
    ("findings, no filter", "/findings/", "/api/v1/findings/"),
    ("findings, q=caseloads", "/findings/?q=caseloads", "/api/v1/findings/?q=caseloads"),
    # Matches over 10,000 findings from 10,000 letters on: ranked as the best of the newest.
    ("findings, q=assessment", "/findings/?q=assessment", "/api/v1/findings/?q=assessment"),
    (
        "findings, council + category",
        "/findings/?authority=leeds&category=development",
        "/api/v1/findings/?authority=leeds&category=development",
    ),
    ("letters, no filter", "/letters/", "/api/v1/letters/"),
    (
        'letters, q="social workers"',
        "/letters/?q=%22social+workers%22",
        "/api/v1/letters/?q=%22social+workers%22",
    ),
    (
        "reports (ilacs)",
        "/letters/?inspection_type=ilacs",
        "/api/v1/letters/?inspection_type=ilacs",
    ),
    ("councils", "/authorities/", "/api/v1/councils/?page_size=100"),
]
CONDITIONAL = [
    ("API, q=caseloads", "/api/v1/findings/?q=caseloads"),
    ("feed, q=caseloads", "/findings/feed/?q=caseloads"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str, headers: dict | None = None) -> tuple[float, int, dict]:
    request = urllib.request.Request(url, headers=headers or {})
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            status, answer_headers = response.status, dict(response.headers)
    except urllib.error.HTTPError as error:  # 304 arrives as an "error"
        error.read()
        status, answer_headers = error.code, dict(error.headers)
    return (time.perf_counter() - start) * 1000, status, answer_headers


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def wait_for(base: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit("the server stopped: is the database there (make db)?")
        try:
            fetch(base + "/api/v1/")
            return
        except OSError:
            time.sleep(0.3)
    sys.exit("the server did not answer within 60 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--time-limit", type=float, default=120.0)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", ""),
        help="the database to serve (default: DATABASE_URL, else the embedded one of make db)",
    )
    args = parser.parse_args()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "API_RATE_LIMIT": "1000000/minute",  # the benchmark is one address asking a lot
        "DJANGO_PAGE_CACHE": "0",  # the pages' own work, as the API's
    }
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(base, server)
        for _, page, api in PAIRS:  # warm up: connections, caches, the schema
            for path in (page, api):
                assert fetch(base + path)[1] == 200, path
        times: dict[str, list[float]] = {path: [] for pair in PAIRS for path in pair[1:]}
        not_modified: dict[str, list[float]] = {path: [] for _, path in CONDITIONAL}
        etags = {path: fetch(base + path)[2]["ETag"] for _, path in CONDITIONAL}
        load_before = os.getloadavg()[0]
        started = time.monotonic()
        rounds = 0
        while rounds < args.rounds and time.monotonic() - started < args.time_limit:
            for _, page, api in PAIRS:
                for path in (page, api):
                    times[path].append(fetch(base + path)[0])
            for _, path in CONDITIONAL:
                elapsed, status, _ = fetch(base + path, {"If-None-Match": etags[path]})
                assert status == 304, (path, status)
                not_modified[path].append(elapsed)
            rounds += 1
    finally:
        server.terminate()
        server.wait(timeout=10)

    print(
        f"{rounds} rounds, one request at a time, loopback, runserver (ms); load average"
        f" (1 min) {load_before:.1f} at start, {os.getloadavg()[0]:.1f} at end"
    )
    print(f"{'':32} {'page p50':>9} {'page p95':>9} {'API p50':>9} {'API p95':>9}")
    for what, page, api in PAIRS:
        print(
            f"{what:32} {statistics.median(times[page]):9.1f} {percentile(times[page], 0.95):9.1f}"
            f" {statistics.median(times[api]):9.1f} {percentile(times[api], 0.95):9.1f}"
        )
    print("304 Not Modified (If-None-Match):")
    for what, path in CONDITIONAL:
        values = not_modified[path]
        print(
            f"  {what:30} p50 {statistics.median(values):6.1f}  p95 {percentile(values, 0.95):6.1f}"
        )


if __name__ == "__main__":
    main()
