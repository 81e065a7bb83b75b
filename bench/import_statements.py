"""Where an import's PostgreSQL time goes: the server's CPU by statement, for one import.

    createdb -h 127.0.0.1 -U postgres wt_mine
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/wt_mine
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/import_statements.py bench/out/corpus-10k/005/

Imports the files in this process (`--workers 1`, as `manage.py import_letters` does) into
the database of DATABASE_URL (one of your own: it is written to), and prints for each kind
of statement (its first 70 characters; COPY by table) the CPU its PostgreSQL backend used,
read from /proc before and after it (the server must run on this machine). The backend's
CPU, not the statement's wall time: in one process the next batch is parsed in a second
thread meanwhile, so a statement's wall time also holds its wait for the GIL, and the
machine's other work moves it more.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from inspections.importer import import_paths, storing  # noqa: E402


def backend_cpu() -> float:
    """CPU seconds (user and system) the connection's backend has used so far."""
    fields = (
        Path(f"/proc/{connection.connection.info.backend_pid}/stat")
        .read_text()
        .rsplit(")", 1)[1]
        .split()
    )
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args()
    seconds: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)

    def measured(key: str, run):
        before = backend_cpu()
        try:
            return run()
        finally:
            seconds[key] += backend_cpu() - before
            counts[key] += 1

    def wrapper(execute, sql, params, many, context):
        key = re.sub(r"\s+", " ", sql)[:70]
        return measured(key, lambda: execute(sql, params, many, context))

    copy = storing._copy

    def measured_copy(model, rows):
        return measured(f"COPY {model._meta.db_table}", lambda: copy(model, rows))

    storing._copy = measured_copy
    connection.ensure_connection()
    started = time.perf_counter()
    with connection.execute_wrapper(wrapper):
        report = import_paths(args.paths, workers=1, keep_results=False)
    elapsed = time.perf_counter() - started
    letters = report.count("created")
    total = sum(seconds.values())
    print(
        f"created {letters:,} letters in {elapsed:.1f} s; PostgreSQL CPU in statements"
        f" {total:.2f} s, {total * 1000 / max(letters, 1):.2f} ms a letter;"
        f" load average {os.getloadavg()[0]:.2f}"
    )
    for key, cpu in sorted(seconds.items(), key=lambda item: -item[1])[: args.top]:
        print(
            f"{cpu:8.2f} s {cpu * 1000 / max(letters, 1):6.2f} ms a letter {counts[key]:6} x  {key}"
        )


if __name__ == "__main__":
    main()
