"""The importer's memory as an import grows: RSS of this process and of each worker.

    .venv/bin/python bench/import_memory.py --letters 100000 --workers 2 --db bench_import_memory
    .venv/bin/python bench/import_memory.py --letters 4000 --workers 1 --tracemalloc

Imports a generated corpus (bench/out/corpus-<N>, made when missing) into a database of its
own (dropped and created) through `import_paths`, as `manage.py import_letters` does, and
prints at each checkpoint (every tenth of the letters, and 10,000 / 50,000 / 100,000) the
resident memory of this process (it gathers the results) and of each worker process. With
`--tracemalloc` (this process; with `--workers 1` it runs the workers' own code) it also
prints what Python allocated and kept between the first checkpoint and the last, by line.

Autovacuum's ANALYZE is done as bench/run.py does it (each time the tables grow by a tenth)
when the server's autovacuum is off; the database is dropped at the end unless `--keep`.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import tracemalloc
from pathlib import Path

BENCH = Path(__file__).resolve().parent
for path in (BENCH, BENCH.parent):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import generate  # noqa: E402
import run  # noqa: E402


def cpu_seconds(pid: int | str = "self") -> float:
    """User and system CPU time a process has used (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_pids(database: str) -> list[int]:
    """The PostgreSQL backends serving this database (the import's connections)."""
    with run.admin_connection() as connection:
        rows = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", [database]
        ).fetchall()
    return [pid for (pid,) in rows]


def checkpoints(letters: int) -> list[int]:
    marks = {letters * tenth // 10 for tenth in range(1, 11)}
    marks |= {mark for mark in (10_000, 50_000, 100_000) if mark <= letters}
    return sorted(mark for mark in marks if mark)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=10_000)
    parser.add_argument("--corpus", type=Path, help="default bench/out/corpus-<letters>")
    parser.add_argument("--db", default="bench_import_memory")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()

    corpus = args.corpus or BENCH / "out" / f"corpus-{args.letters}"
    manifest = generate.read_manifest(corpus)
    if not manifest or manifest.get("letters", 0) < args.letters:
        generate.generate(args.letters, corpus, seed=1, source="real")
    run.recreate_database(args.db)
    run.setup_django(f"{run.SERVER_URL}/{args.db}")
    from django.core.management import call_command

    from inspections.importer import import_paths

    call_command("migrate", verbosity=0)
    paths = [Path(name) for name in generate.iter_letter_paths(corpus, args.letters)]
    marks = checkpoints(len(paths))
    analyzer = run.AutoAnalyze()
    if args.tracemalloc:
        tracemalloc.start(5)
    snapshots: list[tuple[int, tracemalloc.Snapshot]] = []
    done = 0
    started = time.perf_counter()
    print(f"{len(paths):,} letters, {args.workers} worker process(es); RSS in MB")
    print(
        f"{'letters':>8} {'letters/s':>9} {'this process':>12} {'workers':>16}"
        f" {'CPU ms a letter since the first mark: Python, PostgreSQL':>58}"
    )
    first_cpu: list[float] = []

    def on_result(result) -> None:
        nonlocal done
        done += 1
        analyzer.maybe(done)
        if done in marks:
            elapsed = time.perf_counter() - started
            workers = " ".join(f"{run.memory_kb(pid) / 1024:.0f}" for pid in run.children())
            parent = run.memory_kb() / 1024
            # CPU time, not wall time: what a letter costs whatever else the machine runs.
            python = cpu_seconds() + sum(cpu_seconds(pid) for pid in run.children())
            server = sum(cpu_seconds(pid) for pid in server_pids(args.db))
            cpu = ""
            if first_cpu:
                letters = done - first_cpu[0]
                cpu = (
                    f"{(python - first_cpu[1]) * 1000 / letters:>29.2f}"
                    f" {(server - first_cpu[2]) * 1000 / letters:>28.2f}"
                )
            else:
                first_cpu[:] = [done, python, server]
            print(
                f"{done:>8,} {done / elapsed:>9.0f} {parent:>12.0f} {workers:>16} {cpu}",
                flush=True,
            )
            if args.tracemalloc:  # the first and the latest: a snapshot holds every trace
                snapshots[1:] = [(done, tracemalloc.take_snapshot())]

    report = import_paths(paths, workers=args.workers, on_result=on_result, keep_results=False)
    print(
        f"created {report.count('created'):,}, unchanged {report.count('unchanged'):,},"
        f" rejected {report.count('rejected'):,}; ANALYZE {analyzer.runs} times,"
        f" {analyzer.seconds:.1f} s"
    )
    if len(snapshots) >= 2:
        (first_at, first), (last_at, last) = snapshots[0], snapshots[-1]
        filters = [tracemalloc.Filter(False, tracemalloc.__file__)]
        stats = last.filter_traces(filters).compare_to(first.filter_traces(filters), "traceback")
        grown = sum(stat.size_diff for stat in stats)
        print(f"Python memory kept from letter {first_at:,} to {last_at:,}: {grown / 1024:+.0f} KB")
        for stat in stats[:8]:
            print(f"  {stat.size_diff / 1024:+.1f} KB in {stat.count_diff:+} blocks:")
            for line in stat.traceback.format()[-6:]:
                print(f"    {line}")
    if not args.keep:
        from django.db import connections

        connections.close_all()
        with run.admin_connection() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')


if __name__ == "__main__":
    main()
