"""Import letter files (or folders of them) into the archive.

    python manage.py import_letters fixtures/letters/ more/letter.txt [--dry-run]

Each letter is stored whole or not at all; files already imported (same bytes) are
reported as unchanged; a bad file is reported with its reason and the rest go on. The
exit status is 1 when any file was rejected.
"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from inspections.importer import ImportResult, Outcome, import_paths, letter_files


class Command(BaseCommand):
    help = "Import Ofsted letter text files or folders of them."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path)
        parser.add_argument(
            "--dry-run", action="store_true", help="Parse and report; write nothing."
        )

    def handle(self, *args, paths, dry_run, verbosity, **options):
        missing = [str(path) for path in paths if not path.exists()]
        if missing:
            raise CommandError(f"No such file or folder: {', '.join(missing)}")
        files = list(letter_files(paths))
        show_progress = verbosity >= 1 and sys.stderr.isatty()
        seen = 0

        def on_result(result: ImportResult) -> None:
            nonlocal seen
            seen += 1
            if result.outcome == Outcome.REJECTED:
                self.stderr.write(f"{result.source_name}: {result.reason}")
            elif verbosity >= 2:
                self.stdout.write(f"{result.source_name}: {result.outcome}")
            if show_progress:
                done = seen * 30 // len(files)
                sys.stderr.write(f"\r[{'#' * done}{'.' * (30 - done)}] {seen}/{len(files)} ")
                sys.stderr.flush()

        report = import_paths(files, dry_run=dry_run, on_result=on_result)
        if show_progress:
            sys.stderr.write("\n")
        prefix = "Dry run, nothing written: would have " if dry_run else ""
        self.stdout.write(
            f"{prefix}created {report.count(Outcome.CREATED)}, "
            f"unchanged {report.count(Outcome.UNCHANGED)}, "
            f"failed {report.count(Outcome.REJECTED)}"
        )
        for result in report.rejected:
            self.stdout.write(f"  failed: {result.source_name}: {result.reason}")
        if report.failed:
            raise CommandError(f"{report.count(Outcome.REJECTED)} file(s) could not be imported.")
