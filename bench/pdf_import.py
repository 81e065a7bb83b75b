"""How fast PDF letters are read and imported, in one process.

    .venv/bin/python bench/pdf_import.py [--reports] [--db bench_pdf] [--limit N]

Reads every PDF under ../shared/real/ (327 letters), or with --reports under
../shared/reports/ilacs/ (241 full inspection reports): first the parser alone (PDF bytes
to a parsed letter, no database: milliseconds a page), then the whole import through the
real `import_paths` in one process into a fresh database `bench_pdf` on the PostgreSQL at
127.0.0.1 (documents and pages a second, everything included: reading, parsing, tagging,
storing the document, its findings, its judgements and its PDF). Only databases named
bench_* are dropped.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR.parent))
sys.path.insert(0, str(BENCH_DIR))

import run as bench  # noqa: E402

SHARED = BENCH_DIR.parent.parent / "shared"
TARGET_RATE = 20.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="bench_pdf")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--reports", action="store_true", help="the full inspection reports")
    args = parser.parse_args()
    folder = "reports/ilacs" if args.reports else "real"
    files = sorted(SHARED.glob(f"{folder}/**/*.pdf"))[: args.limit]
    if not files:
        raise SystemExit(f"no PDFs under {SHARED}/real")
    bench.recreate_database(args.db)
    bench.setup_django(f"{bench.SERVER_URL}/{args.db}")
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from inspections.importer import read_letter
    from inspections.parsing import LetterParseError
    from inspections.parsing.pdf import read_pdf

    datas = [path.read_bytes() for path in files]
    pages = sum(len(read_pdf(data)) for data in datas)
    started = time.perf_counter()
    for data in datas:
        try:
            read_letter(data)
        except LetterParseError:
            pass
    parse_seconds = time.perf_counter() - started
    print(
        f"parse only: {len(files)} PDFs, {pages} pages in {parse_seconds:.2f} s: "
        f"{1000 * parse_seconds / pages:.1f} ms a page, {len(files) / parse_seconds:.1f} a second"
    )
    started = time.perf_counter()
    result = bench.import_files([str(path) for path in files], mode="pdf", workers=1)
    result.seconds = time.perf_counter() - started
    verdict = "met" if result.rate >= TARGET_RATE else "MISSED"
    target = "" if args.reports else f" (target {TARGET_RATE:.0f}: {verdict})"
    print(
        f"import, one process: {result.letters} PDFs ({result.created} created,"
        f" {result.rejected} refused) in {result.seconds:.2f} s: {result.rate:.1f} a second,"
        f" {pages / result.seconds:.0f} pages a second{target}"
    )
    for reason in result.reasons:
        print(f"  {reason}")


if __name__ == "__main__":
    main()
