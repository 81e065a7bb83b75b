"""Benchmark the archive at scale: import a generated corpus, then time every page.

    .venv/bin/python bench/run.py --letters 10000 [--db bench_10k] [--skip-import]
                                  [--datasette] [--explain] [--workers 2] [--repeat 30]

Steps: generate the corpus (bench/generate.py, from the real letters' findings, reused
when already there); drop, create and migrate the database; import every letter through the
real `import_paths`, 100 a batch (the last `--single` letters in this one process, the rest
in `--workers` processes, each rate reported, with the importer's peak memory); tag themes
if the import left that undone; ANALYZE; then serve the project with two gunicorns (one
sync worker each, DEBUG off, no page cache): "ours sampled" as deployed (counts estimated
above 10,000 results) and "ours exact" (FACET_EXACT_COUNT_LIMIT=none: every count exact).
Over real HTTP, the findings page is timed for a fixed set of queries on both, and every
other page of the site on the deployed one, `--warmup` untimed then `--repeat` rounds of
each. `--datasette` exports the same findings to SQLite with FTS5 and times Datasette's
equivalent search-with-facets JSON in the same rounds, on two servers: "Datasette exact"
(time limits raised, every count finished) and "Datasette default limits" (1 s a query,
200 ms a facet; what timed out is noted). The workers' memory is read after the rounds.
`--explain` captures the SQL each findings query runs on the deployed settings and writes
EXPLAIN (ANALYZE, BUFFERS) of each statement, under the page's own SET LOCAL settings, to
bench/out/.

Only 127.0.0.1 is ever contacted. Databases are dropped only when their name starts with
"bench". See bench/README.md for what each number means.
"""

from __future__ import annotations

import argparse
import fcntl
import http.client
import itertools
import json
import os
import platform
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlencode

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
OUT_DIR = BENCH_DIR / "out"
DATASETTE_VENV = BENCH_DIR / ".venv-datasette"
PROJECT_BIN = Path(sys.executable).parent
for path in (REPO_ROOT, BENCH_DIR):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import generate  # noqa: E402

SERVER_URL = os.environ.get("BENCH_SERVER_URL", "postgres://postgres@127.0.0.1:5432")
HOST = "127.0.0.1"
FACETS = ("council", "region", "year", "inspection_type", "category")
# Datasette counts a finding's themes, a JSON array of their names, as an array facet: the
# findings page counts themes too, so both sides do that work.
ARRAY_FACETS = ("themes",)
# Issue 13's targets at 100,000 letters on this 2-core machine.
TARGET_IMPORT_RATE = 300.0
TARGET_PAGE_MS = 300.0  # every page, the findings page as deployed included
TARGET_SMALL_PAGE_MS = 50.0  # a letter and a council
TARGET_RARE_WORD_MS = 15.0  # the findings page searching a rare word
TARGET_WORKER_RSS_MB = 150.0
# And the findings page faster than Datasette on every query, exact against exact.
THEME = "supervision"  # the theme page and the theme filter


@dataclass(frozen=True)
class Query:
    label: str
    ours: tuple[tuple[str, str], ...]  # GET parameters of /findings/
    datasette: tuple[tuple[str, str], ...]  # the equivalent filters of /db/findings.json


COMMON_WORD = "assessment"
# The archive's question: which councils were told their caseloads are too high.
THEME_AND_WORD = ("caseloads-and-capacity", "high")
RARE_WORD = "Rutland"  # a council's name: only its own letters' findings say it
PHRASE = '"management oversight"'
TWO_FACETS = (("region", "London"), ("category", "development"))
QUERIES = (
    Query("common word", (("q", COMMON_WORD),), (("_search", COMMON_WORD),)),
    Query("rare word", (("q", RARE_WORD),), (("_search", RARE_WORD),)),
    Query("phrase", (("q", PHRASE),), (("_search", PHRASE),)),
    Query("two facets", TWO_FACETS, TWO_FACETS),
    Query(
        "word + two facets",
        (("q", COMMON_WORD), *TWO_FACETS),
        (("_search", COMMON_WORD), *TWO_FACETS),
    ),
    Query("no query", (), ()),
)
# p95 of the findings page as deployed (ours sampled).
TARGETS_MS = {query.label: TARGET_PAGE_MS for query in QUERIES} | {"rare word": TARGET_RARE_WORD_MS}

# The servers timed, in the table's order: key (in the results file) and label. Ours
# twice, exact (no estimation) and as deployed; Datasette twice, with its time limits
# raised so that every count finishes and with its defaults, as shipped.
OURS_EXACT, DATASETTE_EXACT = "ours_exact", "datasette"
# Datasette lists a search's matches in rowid order, ranking none of them; ours exact is
# asked for the order nearest that (newest first, read through an index) so both do the
# same work. Ranking every match by relevance costs ours exact one more pass over the
# matches (~0.5 s for a common word at 100,000 letters); ours sampled ranks, as deployed.
EXACT_ORDER = ("sort", "newest")
OURS_SAMPLED, DATASETTE_DEFAULT = "ours", "datasette_default_limits"
SIDES = {
    OURS_EXACT: "ours exact",
    DATASETTE_EXACT: "Datasette exact",
    OURS_SAMPLED: "ours sampled",
    DATASETTE_DEFAULT: "Datasette default limits",
}


# ----------------------------------------------------------------------------- helpers


def say(message: str = "") -> None:
    print(message, flush=True)


def short_count(count: int) -> str:
    if count % 1000 == 0 and count >= 1000:
        return f"{count // 1000}k"
    return str(count)


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile: the value at or below which `fraction` of samples fall."""
    ordered = sorted(samples)
    rank = max(1, round(fraction * len(ordered) + 0.4999))
    return ordered[min(rank, len(ordered)) - 1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def memory_kb(pid: int | str = "self", field_name: str = "VmRSS") -> int:
    """A process's resident memory (VmRSS) or its peak (VmHWM) in KB; 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(f"{field_name}:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def children(pid: int | str = "self") -> list[int]:
    """The child processes of `pid` (gunicorn's workers, the importer's)."""
    if pid == "self":
        pid = os.getpid()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == int(pid):
            found.append(int(entry.name))
    return found


class MemoryWatch:
    """The largest RSS seen of this process and of each of its children, sampled."""

    def __init__(self) -> None:
        self.parent_kb = 0
        self.child_kb = 0
        self.last = 0.0

    def sample(self, *, every: float = 1.0) -> None:
        now = time.monotonic()
        if now - self.last < every:
            return
        self.last = now
        self.parent_kb = max(self.parent_kb, memory_kb())
        for pid in children():
            self.child_kb = max(self.child_kb, memory_kb(pid))


def fetch(port: int, path: str, *, timeout: float = 300.0) -> tuple[int, bytes, float]:
    """GET http://127.0.0.1:port/path on a new connection; (status, body, milliseconds)."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Connection": "close"})
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    return response.status, body, (time.perf_counter() - started) * 1000


def wait_until_up(port: int, path: str, process: subprocess.Popen, *, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server on port {port} exited with {process.returncode}")
        try:
            fetch(port, path, timeout=5)
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"server on port {port} did not answer {path} within {seconds:.0f} s")


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# ----------------------------------------------------------------------------- database


def admin_connection():
    import psycopg

    return psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True)


def recreate_database(name: str) -> None:
    if not name.startswith("bench"):
        raise SystemExit(f"refusing to drop {name!r}: benchmark databases are named bench_*")
    from psycopg import sql

    with admin_connection() as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def database_exists(name: str) -> bool:
    with admin_connection() as connection:
        row = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    return row is not None


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ["DJANGO_PAGE_CACHE"] = "0"  # the pages' own work, not the cache's
    os.environ.pop("FACET_EXACT_COUNT_LIMIT", None)  # --explain: the page as deployed
    # The in-process test Client (for --explain) calls itself "testserver".
    os.environ["DJANGO_ALLOWED_HOSTS"] = "127.0.0.1,localhost,testserver"
    import django

    django.setup()


def server_settings() -> dict[str, str]:
    from django.db import connection

    names = [
        "server_version",
        "shared_buffers",
        "work_mem",
        "effective_cache_size",
        "max_parallel_workers_per_gather",
        "jit",
        "synchronous_commit",
        "random_page_cost",
        "autovacuum",
    ]
    with connection.cursor() as cursor:
        settings = {}
        for name in names:
            cursor.execute(f"SHOW {name}")
            settings[name] = cursor.fetchone()[0]
    return settings


# ----------------------------------------------------------------------------- import


@dataclass
class ImportRun:
    mode: str
    letters: int = 0
    created: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: int = 0  # letters of a chunk for which import_paths raised (it should never)
    findings: int = 0
    seconds: float = 0.0
    reasons: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.letters / self.seconds if self.seconds else 0.0


def import_files(paths: Iterable[str], *, mode: str, workers: int = 1, on_letter=None) -> ImportRun:
    """Import files through the real importer's bulk path (`import_paths`); count what happened."""
    from inspections.importer import ImportResult, Outcome, import_paths

    run = ImportRun(mode=mode)

    def count(result: ImportResult) -> None:
        run.letters += 1
        run.findings += result.findings
        if result.outcome == Outcome.CREATED:
            run.created += 1
        elif result.outcome == Outcome.UNCHANGED:
            run.unchanged += 1
        else:
            run.rejected += 1
            if len(run.reasons) < 10:
                run.reasons.append(f"{result.source_name}: rejected: {result.reason}")
        if on_letter is not None:
            on_letter(run.letters)

    paths = list(paths)
    try:
        # Counted here as they come: the report need not keep every result. Paths made as
        # they are imported: a list of 100,000 is ~30 MB more than their names.
        files = (Path(name) for name in paths)
        import_paths(files, workers=workers, on_result=count, keep_results=False)
    except Exception as error:  # the importer should never raise; count it and go on
        run.errors = len(paths) - run.letters
        run.letters = len(paths)
        run.reasons.append(f"raised {type(error).__name__}: {error}")
    return run


class AutoAnalyze:
    """ANALYZE the tables the import fills each time they grow by a tenth, as autovacuum would.

    Autovacuum is off on some servers (it is on the shared one here); without fresh
    statistics the planner goes on costing the import's own statements for empty tables.
    """

    def __init__(self) -> None:
        self.enabled = _autovacuum_off()
        self.next_at = 500
        self.runs = 0
        self.seconds = 0.0

    def maybe(self, imported: int) -> None:
        if not self.enabled or imported < self.next_at:
            return
        started = time.perf_counter()
        from django.db import connection

        from inspections.models import Finding, FindingTheme, Inspection

        with connection.cursor() as cursor:
            for model in (Inspection, Finding, FindingTheme):
                cursor.execute(f'ANALYZE "{model._meta.db_table}"')
        self.runs += 1
        self.seconds += time.perf_counter() - started
        self.next_at = int(imported * 1.1) + 50


def _autovacuum_off() -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        return cursor.fetchone()[0] == "off"


def import_corpus(
    paths: list[str], *, workers: int, single: int, analyzer: AutoAnalyze, memory: MemoryWatch
) -> list[ImportRun]:
    """The first files with `workers` processes, the last `single` in this process alone.

    The single-process part runs last, so its rate is measured against a nearly full
    database, as a new letter arriving in a big archive would be.
    """

    single = len(paths) if workers <= 1 else min(single, len(paths))
    parallel_paths, single_paths = paths[: len(paths) - single], paths[len(paths) - single :]
    runs = []
    if parallel_paths:
        started = time.perf_counter()

        def progress(done: int) -> None:
            analyzer.maybe(done)
            memory.sample()
            if done % 5_000 == 0:
                elapsed = time.perf_counter() - started
                say(f"  imported {done:,}/{len(parallel_paths):,} ({done / elapsed:.0f}/s)")

        run = import_files(
            parallel_paths, mode=f"{workers} worker processes", workers=workers, on_letter=progress
        )
        run.seconds = time.perf_counter() - started
        runs.append(run)
    if single_paths:
        started = time.perf_counter()
        done = len(parallel_paths)
        run = import_files(
            single_paths,
            mode="single process",
            on_letter=lambda count: (analyzer.maybe(done + count), memory.sample()),
        )
        run.seconds = time.perf_counter() - started
        runs.append(run)
    return runs


def tag_themes_if_needed() -> tuple[str, float]:
    """Apply the theme rules when the import did not, so the theme facet has its rows."""
    from inspections.models import FindingTheme, Theme

    if not Theme.objects.exists():
        return "no themes defined", 0.0
    if FindingTheme.objects.exists():
        return "tagged by the import", 0.0
    from inspections.themes.tagging import retag_all

    started = time.perf_counter()
    retag_all()
    return "retag_all() after the import", time.perf_counter() - started


def analyze() -> float:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        # Autovacuum is off on this shared server; a production server's autovacuum would
        # have vacuumed after a bulk import (visibility map, the GIN index's pending list).
        cursor.execute("VACUUM (ANALYZE)")
        # And its writes on disk before the timing: the checkpoint after a VACUUM of a
        # freshly imported table writes gigabytes, which otherwise fall, as a read stalling
        # every server for a round, in the timed rounds.
        cursor.execute("CHECKPOINT")
    return time.perf_counter() - started


def corpus_size(database: str) -> dict[str, int | str]:
    from django.db import connection

    from inspections.models import Finding, FindingTheme, Inspection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(%s))", [database])
        size = cursor.fetchone()[0]
        cursor.execute(
            "SELECT pg_size_pretty(pg_relation_size(%s)), pg_size_pretty(pg_indexes_size(%s))",
            [Finding._meta.db_table, Finding._meta.db_table],
        )
        table, indexes = cursor.fetchone()
    return {
        "letters": Inspection.objects.count(),
        "findings": Finding.objects.count(),
        "finding_themes": FindingTheme.objects.count(),
        "database_size": size,
        "finding_table": table,
        "finding_indexes": indexes,
    }


def match_counts() -> dict[str, int]:
    """How many findings each query matches, by the page's own FilterSet."""
    from django.http import QueryDict

    from inspections.filters import FindingFilter
    from inspections.models import Finding

    counts = {}
    for query in QUERIES:
        data = QueryDict(urlencode(query.ours))
        counts[query.label] = FindingFilter(data, queryset=Finding.objects.all()).qs.count()
    return counts


# ----------------------------------------------------------------------------- timing


@dataclass
class Timing:
    label: str
    path: str
    port: int = 0
    side: str = OURS_SAMPLED  # a key of SIDES
    samples: list[float] = field(default_factory=list)
    cold: float | None = None  # ms: the first request after the data version moved
    status: int = 0
    bytes: int = 0
    matches: int | None = None
    matches_estimated: bool = False  # the page said "About N"
    note: str = ""
    # Datasette: what timed out in how many of the timed requests ("council", "count", ...).
    timed_out: Counter = field(default_factory=Counter)
    last_body: bytes = field(default=b"", repr=False)  # of the last request answered 200

    @property
    def is_datasette(self) -> bool:
        return self.side in (DATASETTE_EXACT, DATASETTE_DEFAULT)

    @property
    def p50(self) -> float:
        return statistics.median(self.samples) if self.samples else float("nan")

    @property
    def p95(self) -> float:
        return percentile(self.samples, 0.95) if self.samples else float("nan")


def time_paths(timings: list[Timing], *, warmup: int, repeat: int) -> None:
    """Warm each path up, time each of ours cold, then time `repeat` rounds, each round
    every path once in turn (a query's servers starting one further on each round).

    Cold: the data version is advanced just before the path's request, as an import does,
    so the counts the pages keep under it (inspections.caching.cached_counts, on even with
    the page cache off) are computed by that request, as the first reader after an import
    computes them; after the warm-ups, so that it is not also the process's first look at
    the page. One more untimed round then refills what the later advances made stale. Every
    server's paths are in the same rounds, so a burst of load elsewhere on the machine
    falls on all of them rather than on whichever was being timed then.
    """
    from inspections.caching import bump_data_version

    for timing in timings:
        for _ in range(warmup):
            status, body, _ = fetch(timing.port, timing.path)
            answered(timing, status, body)
    for timing in timings:
        if timing.side in (OURS_SAMPLED, OURS_EXACT):
            bump_data_version()  # outside a transaction: advanced at once
            status, body, timing.cold = fetch(timing.port, timing.path)
            answered(timing, status, body)
    for timing in timings:
        status, body, _ = fetch(timing.port, timing.path)
        answered(timing, status, body)
    # A query's servers, one after the other: the first to ask after another query finds
    # colder caches (PostgreSQL's buffers, the OS's) than the one after it, which reads
    # what it read. So each round starts one server further on: no side is always first.
    by_query = [list(group) for _, group in itertools.groupby(timings, key=lambda t: t.label)]
    for number in range(repeat):
        for group in by_query:
            shift = number % len(group)
            for timing in group[shift:] + group[:shift]:
                time_one(timing)
        if (number + 1) % 10 == 0:
            say(f"  {number + 1}/{repeat} rounds")


def time_one(timing: Timing) -> None:
    """One timed request of `timing`'s path, its answer checked and noted."""
    status, body, ms = fetch(timing.port, timing.path)
    timing.samples.append(ms)  # an interrupted query too: its reader waited as long
    if answered(timing, status, body):
        timing.status, timing.bytes = status, len(body)
        timing.last_body = body
        if timing.is_datasette:
            count, timed_out = datasette_outcome(body)
            timing.timed_out.update(timed_out + (["count"] if count is None else []))
    else:
        timing.timed_out["query"] += 1


def answered(timing: Timing, status: int, body: bytes) -> bool:
    """Whether the request got its page; False for a query Datasette interrupted at its
    time limit (a 400, "SQL Interrupted"), which only its default limits allow."""
    if status == 200:
        return True
    if timing.side == DATASETTE_DEFAULT and status == 400 and b"SQL Interrupted" in body:
        return False
    raise SystemExit(f"GET {timing.path} answered {status}: {body[:300]!r}")


# "About <strong>7,300</strong> findings" (estimated) or "<strong>7,164</strong> findings".
RESULT_COUNT = re.compile(rb'class="result-count"[^>]*>(About )?<strong>([\d,]+)</strong>')


def page_count(body: bytes) -> tuple[int | None, bool]:
    """The findings page's count of its results, and whether it said it was an estimate."""
    found = RESULT_COUNT.search(body)
    if not found:
        return None, False
    return int(found.group(2).replace(b",", b"")), found.group(1) is not None


@dataclass(frozen=True)
class Page:
    label: str
    path: str
    target_ms: float = TARGET_PAGE_MS


def site_pages() -> list[Page]:
    """Every page of the site, at the corpus's heaviest: the council with most letters."""
    from django.db.models import Count

    from inspections.models import Authority, Inspection, Theme

    largest = (
        Authority.objects.annotate(letters=Count("inspections"))
        .order_by("-letters", "slug")
        .values("slug", "letters")
        .first()
    )
    ids = list(Inspection.objects.order_by("pk").values_list("pk", flat=True))
    letter = ids[len(ids) // 2]  # the middle letter, as /letters/50000/ at 100,000
    theme = THEME if Theme.objects.filter(slug=THEME).exists() else Theme.objects.first().slug
    return [
        Page("home", "/"),
        Page("themes", "/themes/"),
        Page(f"theme ({theme})", f"/themes/{theme}/"),
        Page("councils", "/authorities/"),
        Page(
            f"largest council ({largest['slug']}, {largest['letters']} letters)",
            f"/authorities/{largest['slug']}/",
            TARGET_SMALL_PAGE_MS,
        ),
        Page("a letter", f"/letters/{letter}/", TARGET_SMALL_PAGE_MS),
        Page("letters", "/letters/"),
        Page("letters page, a common word", f"/letters/?{urlencode({'q': COMMON_WORD})}"),
        Page(f"theme filter ({theme})", f"/findings/?{urlencode({'theme': theme})}"),
        Page(
            f"a theme and a word ({THEME_AND_WORD[0]}, {THEME_AND_WORD[1]})",
            f"/findings/?{urlencode({'theme': THEME_AND_WORD[0], 'q': THEME_AND_WORD[1]})}",
        ),
        Page(
            "page 50 of a common word",
            f"/findings/?{urlencode({'q': COMMON_WORD, 'page': 50})}",
        ),
        Page(
            "CSV export of a common word",
            f"/findings/export.csv?{urlencode({'q': COMMON_WORD})}",
        ),
        Page("grades", "/grades/"),
    ]


def worker_memory(master: subprocess.Popen) -> dict[str, int]:
    """Gunicorn's worker's VmRSS and VmHWM (KB), read while it still runs."""
    workers = children(master.pid)
    if not workers:
        return {}
    return {"VmRSS": memory_kb(workers[0]), "VmHWM": memory_kb(workers[0], "VmHWM")}


def start_gunicorn(
    database_url: str,
    port: int,
    log: Path,
    *,
    exact_counts: bool = False,
    checkout: Path = REPO_ROOT,
) -> subprocess.Popen:
    """The project (of `checkout`) on one sync worker: as deployed, or with `exact_counts`
    never estimating."""
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        # Repeated requests would be served from the page cache: time the pages themselves.
        "DJANGO_PAGE_CACHE": "0",
    }
    environment.pop("FACET_EXACT_COUNT_LIMIT", None)  # as deployed: the default limit
    if exact_counts:
        environment["FACET_EXACT_COUNT_LIMIT"] = "none"
    command = [
        str(PROJECT_BIN / "gunicorn"),
        "config.wsgi:application",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        "1",
        "--timeout",
        "600",
    ]
    handle = log.open("ab")
    return subprocess.Popen(
        command, cwd=checkout, env=environment, stdout=handle, stderr=subprocess.STDOUT
    )


def findings_path(params: Iterable[tuple[str, str]]) -> str:
    query = urlencode(list(params))
    return f"/findings/?{query}" if query else "/findings/"


# ----------------------------------------------------------------------------- datasette


def datasette_path(params: Iterable[tuple[str, str]]) -> str:
    facets = [("_facet", name) for name in FACETS]
    facets += [("_facet_array", name) for name in ARRAY_FACETS]
    return "/db/findings.json?" + urlencode([*params, *facets, ("_size", "20")])


def export_sqlite(database_file: Path, expected_findings: int) -> float:
    """Write the findings with their letter's fields to SQLite, with FTS5 and facet indexes."""
    from django.db import connection, transaction

    from inspections.models import Authority, Finding, FindingTheme, Inspection, Theme

    if database_file.exists() and _sqlite_findings(database_file) == expected_findings:
        say(f"  reusing {database_file} ({expected_findings:,} findings)")
        return 0.0
    started = time.perf_counter()
    database_file.parent.mkdir(parents=True, exist_ok=True)
    database_file.unlink(missing_ok=True)
    target = sqlite3.connect(database_file)
    target.executescript(
        "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
        "CREATE TABLE findings (id INTEGER PRIMARY KEY, text TEXT, heading TEXT, category TEXT,"
        " council TEXT, region TEXT, year INTEGER, inspection_type TEXT, themes TEXT);"
    )
    themes = (
        "(SELECT coalesce(json_agg(t.name ORDER BY t.name), '[]')::text"
        f" FROM {FindingTheme._meta.db_table} ft JOIN {Theme._meta.db_table} t"
        " ON t.id = ft.theme_id WHERE ft.finding_id = f.id)"
    )
    select = (
        "SELECT f.id, f.text, f.heading, f.category, a.name, a.region,"
        f" EXTRACT(YEAR FROM i.letter_date)::int, i.inspection_type, {themes}"
        f" FROM {Finding._meta.db_table} f"
        f" JOIN {Inspection._meta.db_table} i ON i.id = f.inspection_id"
        f" JOIN {Authority._meta.db_table} a ON a.id = i.authority_id ORDER BY f.id"
    )
    with transaction.atomic():  # a server-side cursor lives in a transaction
        with connection.connection.cursor(name="export") as cursor:  # streamed, not loaded
            cursor.execute(select)
            while rows := cursor.fetchmany(20_000):
                target.executemany("INSERT INTO findings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    target.commit()
    target.close()
    sqlite_utils = str(DATASETTE_VENV / "bin" / "sqlite-utils")
    db = str(database_file)
    subprocess.run(
        [
            sqlite_utils,
            "enable-fts",
            db,
            "findings",
            "text",
            "heading",
            "--fts5",
            "--tokenize",
            "porter",
        ],
        check=True,
    )
    for column in FACETS:
        subprocess.run([sqlite_utils, "create-index", db, "findings", column], check=True)
    subprocess.run([sqlite_utils, "optimize", db, "--no-vacuum"], check=True)
    subprocess.run([sqlite_utils, "analyze", db], check=True)
    return time.perf_counter() - started


def _sqlite_findings(database_file: Path) -> int | None:
    try:
        with sqlite3.connect(database_file) as connection:
            has_fts = connection.execute(
                "SELECT 1 FROM sqlite_master WHERE name = 'findings_fts'"
            ).fetchone()
            columns = {row[1] for row in connection.execute("PRAGMA table_info(findings)")}
            if not columns.issuperset(ARRAY_FACETS):  # written before they were counted
                return None
            count = connection.execute("SELECT count(*) FROM findings").fetchone()[0]
        return count if has_fts else None
    except sqlite3.Error:
        return None


def ensure_datasette_venv() -> None:
    if (DATASETTE_VENV / "bin" / "datasette").exists():
        return
    say(f"  creating {DATASETTE_VENV} with datasette and sqlite-utils")
    # A venv of its own: Datasette and its dependencies never enter the project's venv.
    subprocess.run([sys.executable, "-m", "venv", str(DATASETTE_VENV)], check=True)
    pip = str(DATASETTE_VENV / "bin" / "pip")
    subprocess.run([pip, "install", "--quiet", "datasette", "sqlite-utils"], check=True)


def start_datasette(
    database_file: Path, port: int, log: Path, *, limits_raised: bool
) -> subprocess.Popen:
    """Datasette on the export: with `limits_raised` every count and facet finishes; without,
    its default time limits (1 s a query, 200 ms a facet) cut them short, as shipped."""
    command = [
        str(DATASETTE_VENV / "bin" / "datasette"),
        "serve",
        "--immutable",
        str(database_file),
        "--host",
        HOST,
        "--port",
        str(port),
    ]
    if limits_raised:
        command += [
            "--setting",
            "sql_time_limit_ms",
            "600000",
            "--setting",
            "facet_time_limit_ms",
            "600000",
        ]
    # The same otherwise, so the time limits are the one difference between the two.
    command += [
        "--setting",
        "suggest_facets",
        "off",
        "--setting",
        "default_facet_size",
        "200",
    ]
    handle = log.open("ab")
    return subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT)


def datasette_outcome(body: bytes) -> tuple[int | None, list[str]]:
    """Datasette's count (None when counting timed out) and the facets that timed out, from
    its JSON.

    Datasette 1.0 names them (`facets_timed_out`, or `facet_results.timed_out`); 0.65
    leaves a facet that timed out out of `facet_results` and says so only in its HTML, so
    a requested facet missing from the JSON's results is one that timed out.
    """
    data = json.loads(body)
    facet_results = data.get("facet_results") or {}
    if "facets_timed_out" in data:
        timed_out = list(data["facets_timed_out"] or [])
    elif isinstance(facet_results.get("timed_out"), list):
        timed_out = list(facet_results["timed_out"])
    else:
        shown = facet_results.get("results", facet_results)
        timed_out = [name for name in (*FACETS, *ARRAY_FACETS) if name not in shown]
    return data.get("filtered_table_rows_count"), timed_out


def timed_out_note(timed_out: Counter, requests: int) -> str:
    """What Datasette cut short in how many of the timed requests: "council 30/30, count
    2/30" ("query": the whole answer was an error page)."""
    return ", ".join(f"{name} {times}/{requests}" for name, times in timed_out.most_common())


# ----------------------------------------------------------------------------- explain


class StatementLog:
    """Every statement a request runs, with its parameters, its time and the `SET LOCAL`
    settings in force when it ran (a page sets some inside a transaction for one query).

    A connection execute wrapper, so the statement is kept as sent (SQL and parameters
    apart), and a setting is forgotten when its outermost atomic block ends.
    """

    def __init__(self, connection) -> None:
        self.connection = connection
        self.statements: list[dict] = []
        self._settings: list[str] = []
        self._block = None

    def __call__(self, execute, sql, params, many, context):
        blocks = self.connection.atomic_blocks
        block = blocks[0] if self.connection.in_atomic_block and blocks else None
        if block is not self._block:  # a new transaction: nothing set locally yet
            self._settings, self._block = [], block
        in_force = list(self._settings)
        if sql.lstrip().upper().startswith("SET LOCAL"):
            self._settings.append(sql)
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.statements.append(
                {
                    "sql": sql,
                    "params": params,
                    "ms": (time.perf_counter() - started) * 1000,
                    "settings": in_force,
                }
            )


def explain_queries(out: Path) -> list[dict]:
    """Request each query in-process, log its SQL, EXPLAIN ANALYZE every SELECT again in a
    transaction of its own with the SET LOCAL settings the page had when it ran it."""
    from django.db import connection, transaction
    from django.test import Client

    client = Client()
    summary = []
    with out.open("w") as report:
        for query in QUERIES:
            path = findings_path(query.ours)
            client.get(path)  # warm
            log = StatementLog(connection)
            with connection.execute_wrapper(log):
                started = time.perf_counter()
                response = client.get(path)
                total = (time.perf_counter() - started) * 1000
            sql_ms = sum(item["ms"] for item in log.statements)
            report.write(f"\n{'=' * 100}\n{query.label}: GET {path} -> {response.status_code}\n")
            report.write(
                f"{len(log.statements)} statements, {sql_ms:.1f} ms in SQL, {total:.1f} ms in all\n"
            )
            slow = []
            for number, item in enumerate(log.statements, start=1):
                sql, params = item["sql"], item["params"]
                report.write(f"\n--- statement {number}: {item['ms']:.1f} ms\n")
                for setting in item["settings"]:
                    report.write(f"{setting};\n")
                report.write(f"{sql}\nparameters: {params!r}\n")
                if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                    continue
                with transaction.atomic(), connection.cursor() as cursor:
                    for setting in item["settings"]:
                        cursor.execute(setting)
                    cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
                    plan = "\n".join(row[0] for row in cursor.fetchall())
                report.write(plan + "\n")
                slow.append({"number": number, "ms": round(item["ms"], 1), "sql": sql[:300]})
            slow.sort(key=lambda item: -item["ms"])
            summary.append(
                {
                    "query": query.label,
                    "statements": len(log.statements),
                    "sql_ms": round(sql_ms, 1),
                    "total_ms": round(total, 1),
                    "slowest": slow[:4],
                }
            )
    return summary


# ----------------------------------------------------------------------------- report


def render_findings(by_side: dict[str, dict[str, Timing]]) -> str:
    """The findings page's table: a column group (matched, p50, p95) for each server timed,
    in SIDES order, and what Datasette cut short."""
    sides = [side for side in SIDES if side in by_side]
    header = ["query"]
    ours = (OURS_SAMPLED, OURS_EXACT)
    for side in sides:
        header += [f"{SIDES[side]} matched"]
        header += [f"{SIDES[side]} cold"] if side in ours else []
        header += [f"{SIDES[side]} p50", f"{SIDES[side]} p95"]
    datasettes = [side for side in sides if side in (DATASETTE_EXACT, DATASETTE_DEFAULT)]
    if datasettes:
        header.append("Datasette timed out")
    rows = [header]
    for query in QUERIES:
        row = [query.label]
        for side in sides:
            timing = by_side[side][query.label]
            row += [matched_cell(timing)]
            row += [_cold(timing)] if side in ours else []
            row += [f"{timing.p50:,.1f}", f"{timing.p95:,.1f}"]
        if datasettes:
            notes = [
                f"{SIDES[side].removeprefix('Datasette ')}: {by_side[side][query.label].note}"
                for side in datasettes
                if by_side[side][query.label].note
            ]
            row.append("; ".join(notes) or "nothing")
        rows.append(row)
    return markdown_table(rows)


def matched_cell(timing: Timing) -> str:
    if timing.matches is None:
        return "?"
    return f"{'~' if timing.matches_estimated else ''}{timing.matches:,}"


def findings_verdicts(by_side: dict[str, dict[str, Timing]]) -> tuple[str, list[str]]:
    """Per query, ours exact against Datasette exact (p95) and the deployed page's target;
    and the lines summing them up."""
    compared = DATASETTE_EXACT in by_side
    header = ["query", "ours sampled p95 target"]
    if compared:
        header += ["ours exact p95 / Datasette exact p95", "exact against exact"]
    rows = [header]
    faster = 0
    for query in QUERIES:
        target = TARGETS_MS[query.label]
        sampled = by_side[OURS_SAMPLED][query.label]
        row = [query.label, f"<= {target:.0f} {'ok' if sampled.p95 <= target else 'MISSED'}"]
        if compared:
            ours, theirs = by_side[OURS_EXACT][query.label], by_side[DATASETTE_EXACT][query.label]
            faster += ours.p95 < theirs.p95
            row += [
                f"{ours.p95 / theirs.p95:.2f}",
                "faster" if ours.p95 < theirs.p95 else "SLOWER",
            ]
        rows.append(row)
    lines = []
    if compared:
        verdict = "met" if faster == len(QUERIES) else "MISSED"
        lines.append(
            f"exact against exact (p95): ours faster than Datasette on {faster} of "
            f"{len(QUERIES)} queries (target: all {len(QUERIES)}): {verdict}"
        )
    rare = by_side[OURS_SAMPLED]["rare word"].p95
    verdict = "met" if rare <= TARGET_RARE_WORD_MS else "MISSED"
    lines.append(f"rare word p95 {rare:,.1f} ms (target <= {TARGET_RARE_WORD_MS:.0f}): {verdict}")
    return markdown_table(rows), lines


def render_pages(pages: list[Page], timings: dict[str, Timing]) -> str:
    rows = [["page", "path", "KB", "cold ms", "p50 ms", "p95 ms", "target p95 (at 100k)"]]
    for page in pages:
        timing = timings[page.label]
        verdict = "ok" if timing.p95 <= page.target_ms else "MISSED"
        rows.append(
            [
                page.label,
                f"`{page.path}`",
                f"{timing.bytes / 1024:,.0f}",
                _cold(timing),
                f"{timing.p50:,.1f}",
                f"{timing.p95:,.1f}",
                f"<= {page.target_ms:.0f} {verdict}",
            ]
        )
    return markdown_table(rows)


def _cold(timing: Timing) -> str:
    return "" if timing.cold is None else f"{timing.cold:,.1f}"


def markdown_table(rows: list[list[str]]) -> str:
    header = rows[0]
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    lines = []
    for index, row in enumerate(rows):
        cells = [
            cell.ljust(width) if column == 0 else cell.rjust(width)
            for column, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("| " + " | ".join(cells) + " |")
        if index == 0:
            lines.append("|" + "|".join("-" * (width + 2) for width in widths) + "|")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--letters", type=int, default=10_000, help="corpus size (10,000)")
    parser.add_argument("--db", help="database name (default bench_<letters>, e.g. bench_10k)")
    parser.add_argument("--corpus", type=Path, help="letters folder (default bench/out/corpus-<n>)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed")
    parser.add_argument(
        "--source",
        choices=generate.SOURCES,
        default="real",
        help="the corpus's findings: from the real letters (default) or the five seeds only",
    )
    parser.add_argument("--skip-import", action="store_true", help="use the database as it is")
    parser.add_argument("--workers", type=int, default=2, help="import processes")
    parser.add_argument(
        "--single", type=int, default=2000, help="letters imported last by one process alone"
    )
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--datasette", action="store_true", help="time Datasette side by side")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the page's SQL")
    parser.add_argument(
        "--pg-options",
        default="",
        metavar="OPTIONS",
        help="PostgreSQL settings for the timed connections, e.g. '-c parallel_setup_cost=10000'",
    )
    parser.add_argument("--tag", default="", help="suffix for this run's output files")
    args = parser.parse_args(argv)

    label = short_count(args.letters)
    database = args.db or f"bench_{label}"
    database_url = f"{SERVER_URL}/{database}"
    corpus = args.corpus or OUT_DIR / f"corpus-{label}"
    run_name = f"{label}-{args.tag}" if args.tag else label
    if args.pg_options:
        # The settings read DATABASE_OPTIONS (libpq's PGOPTIONS would be overridden by the
        # project's own `options`): every connection of this process, the import's workers,
        # gunicorn's and the EXPLAIN's gets these settings.
        os.environ["DATABASE_OPTIONS"] = args.pg_options
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    # Two runs at once share the 2 cores and spoil each other's numbers: take turns.
    lock = (OUT_DIR / ".run.lock").open("w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        say("another bench/run.py is running: waiting for it to finish ...")
        fcntl.flock(lock, fcntl.LOCK_EX)
    results: dict = {
        "letters_requested": args.letters,
        "database": database,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "load_average_start": os.getloadavg(),
        "client": "real HTTP (http.client, one new connection per request) to gunicorn",
        "pg_options": args.pg_options,
    }
    say(f"benchmark: {args.letters:,} letters, database {database}, corpus {corpus}")

    if not args.skip_import:
        manifest = generate.read_manifest(corpus)
        if (
            not manifest
            or manifest.get("letters") != args.letters
            or manifest.get("seed") != args.seed
            or manifest.get("source", "seeds") != args.source
        ):
            shutil.rmtree(corpus, ignore_errors=True)
            say("generating the corpus ...")
            manifest = generate.generate(args.letters, corpus, seed=args.seed, source=args.source)
        say(
            f"  corpus: {manifest['letters']:,} files, {manifest['findings']:,} findings written "
            f"(from the {manifest.get('source', 'seeds')} letters)"
        )
        results["generation_seconds"] = manifest["seconds"]
        recreate_database(database)
    elif not database_exists(database):
        raise SystemExit(f"--skip-import: database {database} does not exist")

    setup_django(database_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    results["server_settings"] = server_settings()

    if not args.skip_import:
        paths = [str(path) for path in generate.iter_letter_paths(corpus, args.letters)]
        say(f"importing {len(paths):,} letters ...")
        analyzer = AutoAnalyze()
        memory = MemoryWatch()
        before_kb = memory_kb()
        runs = import_corpus(
            paths, workers=args.workers, single=args.single, analyzer=analyzer, memory=memory
        )
        results["import_memory_kb"] = {
            "parent_before": before_kb,
            "parent_peak": max(memory.parent_kb, memory_kb("self", "VmHWM")),
            "child_peak": memory.child_kb,
        }
        for run in runs:
            say(
                f"  {run.mode}: {run.letters:,} letters in {run.seconds:.1f} s = {run.rate:.0f} "
                f"letters/s (created {run.created:,}, unchanged {run.unchanged:,}, "
                f"rejected {run.rejected:,}, raised {run.errors:,})"
            )
            for reason in run.reasons:
                say(f"    {reason}")
        results["import"] = [{**asdict(run), "rate": run.rate} for run in runs]
        if analyzer.enabled:
            results["import_analyze"] = {"runs": analyzer.runs, "seconds": analyzer.seconds}
            say(
                f"  autovacuum is off: ANALYZE run {analyzer.runs} times during the import "
                f"({analyzer.seconds:.1f} s, inside the import times)"
            )
        how, seconds = tag_themes_if_needed()
        results["themes"] = {"how": how, "seconds": seconds}
        say(f"  themes: {how}" + (f" ({seconds:.1f} s)" if seconds else ""))
    results["analyze_seconds"] = analyze()
    size = corpus_size(database)
    results["corpus"] = size
    say(
        f"corpus: {size['letters']:,} letters, {size['findings']:,} findings, "
        f"{size['finding_themes']:,} finding themes; database {size['database_size']} "
        f"(findings table {size['finding_table']} + indexes {size['finding_indexes']})"
    )
    counts = match_counts()
    results["matches"] = counts

    from django.urls import reverse

    reverse("inspections:finding-list")  # fails early if the page is not there
    pages = site_pages()

    if args.datasette:
        ensure_datasette_venv()
        sqlite_file = OUT_DIR / f"datasette-{label}" / "db.db"
        say(f"exporting findings to {sqlite_file} ...")
        results["datasette_export_seconds"] = export_sqlite(sqlite_file, size["findings"])
    servers: dict[str, tuple[subprocess.Popen, int]] = {}
    workers: dict[str, dict[str, int]] = {}
    try:
        for side, exact in ((OURS_SAMPLED, False), (OURS_EXACT, True)):
            port = free_port()
            log = OUT_DIR / f"gunicorn-{run_name}{'-exact' if exact else ''}.log"
            servers[side] = (start_gunicorn(database_url, port, log, exact_counts=exact), port)
        if args.datasette:
            for side, raised in ((DATASETTE_EXACT, True), (DATASETTE_DEFAULT, False)):
                port = free_port()
                log = OUT_DIR / f"datasette-{label}{'' if raised else '-default-limits'}.log"
                servers[side] = (
                    start_datasette(sqlite_file, port, log, limits_raised=raised),
                    port,
                )
        for side, (process, port) in servers.items():
            probe = "/db/findings.json?_size=1" if "datasette" in side else "/findings/"
            wait_until_up(port, probe, process)
        # Each query on every server in turn, then the other pages on the deployed one.
        timings = []
        for query in QUERIES:
            for side, (_, port) in servers.items():
                params = query.datasette if "datasette" in side else query.ours
                if side == OURS_EXACT and any(name == "q" for name, _ in params):
                    params = (*params, EXACT_ORDER)
                path = datasette_path(params) if "datasette" in side else findings_path(params)
                timings.append(Timing(query.label, path, port, side))
        deployed_port = servers[OURS_SAMPLED][1]
        timings += [Timing(page.label, page.path, deployed_port) for page in pages]
        say(
            f"timing {len(QUERIES)} findings queries on "
            + ", ".join(f"{SIDES[side]} ({HOST}:{port})" for side, (_, port) in servers.items())
            + f" and {len(pages)} pages on ours sampled, in the same rounds "
            f"({args.warmup} warm-ups, {args.repeat} rounds) ..."
        )
        time_paths(timings, warmup=args.warmup, repeat=args.repeat)
        workers = {
            side: worker_memory(process)
            for side, (process, _) in servers.items()
            if "datasette" not in side
        }
    finally:
        for process, _ in servers.values():
            stop(process)
    by_side: dict[str, dict[str, Timing]] = {}
    for timing in timings:
        by_side.setdefault(timing.side, {})[timing.label] = timing
        if timing.is_datasette:
            timing.matches, _ = (
                datasette_outcome(timing.last_body) if timing.last_body else (None, [])
            )
            timing.note = timed_out_note(timing.timed_out, len(timing.samples))
        elif timing.path.startswith("/findings/?") or timing.path == "/findings/":
            timing.matches, timing.matches_estimated = page_count(timing.last_body)
    ours = by_side[OURS_SAMPLED]
    worker = workers.get(OURS_SAMPLED, {})
    results["worker_memory_kb"] = worker
    results["worker_memory_kb_exact"] = workers.get(OURS_EXACT, {})
    results["sides"] = {
        OURS_SAMPLED: "gunicorn, settings as deployed: counts estimated above 10,000 results",
        OURS_EXACT: (
            "gunicorn, FACET_EXACT_COUNT_LIMIT=none: every count exact; searches newest first"
            " (sort=newest), as Datasette lists in rowid order without ranking"
        ),
        DATASETTE_EXACT: "Datasette, sql_time_limit_ms and facet_time_limit_ms 600,000",
        DATASETTE_DEFAULT: "Datasette, its default time limits (1,000 ms a query, 200 ms a facet)",
    }
    # Exact means exact: the page without estimation must count what the FilterSet counts.
    for query in QUERIES:
        shown = by_side[OURS_EXACT][query.label].matches
        if shown != counts[query.label]:
            say(
                f"WARNING: ours exact shows {shown} findings for {query.label}, the FilterSet "
                f"counts {counts[query.label]:,}"
            )

    if args.explain:
        explain_file = OUT_DIR / f"explain-{run_name}.txt"
        say(f"EXPLAIN ANALYZE of the page's SQL -> {explain_file}")
        results["explain"] = explain_queries(explain_file)
        for item in results["explain"]:
            say(
                f"  {item['query']}: {item['statements']} statements, {item['sql_ms']} ms SQL "
                f"of {item['total_ms']} ms; slowest: "
                + ", ".join(f"#{slow['number']} {slow['ms']} ms" for slow in item["slowest"])
            )

    results["load_average_end"] = os.getloadavg()
    results["timings"] = {
        side: {
            timing.label: {
                "path": timing.path,
                "cold_ms": None if timing.cold is None else round(timing.cold, 2),
                "p50_ms": round(timing.p50, 2),
                "p95_ms": round(timing.p95, 2),
                "samples_ms": [round(sample, 2) for sample in timing.samples],
                "bytes": timing.bytes,
                "matches": timing.matches,
                "matches_estimated": timing.matches_estimated,
                "note": timing.note,
                "timed_out": dict(timing.timed_out),
            }
            for timing in side_timings.values()
        }
        for side, side_timings in by_side.items()
    }
    results_file = OUT_DIR / f"results-{run_name}.json"
    results_file.write_text(json.dumps(results, indent=2, default=str) + "\n")

    say()
    say(f"## {size['letters']:,} letters, {size['findings']:,} findings ({database})")
    server = results["server_settings"]
    say(
        "PostgreSQL "
        + ", ".join(f"{name} {value}" for name, value in server.items() if name != "server_version")
        + f" ({server['server_version']})"
    )
    if "import" in results:
        overall_letters = sum(run["letters"] for run in results["import"])
        overall_seconds = sum(run["seconds"] for run in results["import"])
        for run in results["import"]:
            verdict = "ok" if run["rate"] >= TARGET_IMPORT_RATE else "MISSED"
            say(
                f"import, {run['mode']}: {run['rate']:.0f} letters/s "
                f"({run['letters']:,} letters in {run['seconds']:.1f} s; target >= "
                f"{TARGET_IMPORT_RATE:.0f}: {verdict})"
            )
        say(f"import, overall: {overall_letters / overall_seconds:.0f} letters/s")
    say(f"VACUUM (ANALYZE): {results['analyze_seconds']:.1f} s")
    say(
        f"page: GET /findings/ with facets, p50/p95 ms of {args.repeat} runs after "
        f"{args.warmup} warm-ups on each server, in the same rounds (matched: the count the "
        "page or Datasette gave; ~ an estimate, ? none); cold: ours, the first request after the "
        "data version moved"
    )
    say(render_findings(by_side))
    say()
    verdicts, summary = findings_verdicts(by_side)
    say(verdicts)
    for line in summary:
        say(line)
    say()
    say(f"pages: p50/p95 of the same {args.repeat} rounds")
    say(render_pages(pages, ours))
    say()
    if "import_memory_kb" in results:
        memory = results["import_memory_kb"]
        say(
            f"importer memory: this process's peak RSS {memory['parent_peak'] / 1024:.0f} MB "
            f"({memory['parent_before'] / 1024:.0f} MB before the import); largest worker "
            f"process seen {memory['child_peak'] / 1024:.0f} MB"
        )
    if worker:
        verdict = "ok" if worker["VmRSS"] / 1024 <= TARGET_WORKER_RSS_MB else "MISSED"
        say(
            f"gunicorn worker (ours sampled) after the rounds: VmRSS "
            f"{worker['VmRSS'] / 1024:.0f} MB, peak (VmHWM) {worker['VmHWM'] / 1024:.0f} MB "
            f"(target <= {TARGET_WORKER_RSS_MB:.0f}: {verdict})"
        )
    if exact_worker := results["worker_memory_kb_exact"]:
        say(
            f"gunicorn worker (ours exact, findings page only): VmRSS "
            f"{exact_worker['VmRSS'] / 1024:.0f} MB, peak {exact_worker['VmHWM'] / 1024:.0f} MB"
        )
    start, end = results["load_average_start"][0], results["load_average_end"][0]
    say(f"load average (1 min) at start {start:.2f}, at end {end:.2f} on {os.cpu_count()} cores")
    say(f"results: {results_file}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
