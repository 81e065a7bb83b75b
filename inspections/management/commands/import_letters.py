"""Import letter files (or folders of them) into the archive.

    python manage.py import_letters fixtures/letters/ more/letter.txt [--dry-run] [--workers 2]

Each letter is stored whole or not at all; files already imported (same bytes) are
reported as unchanged; a bad file is reported with its reason and the rest go on. The
exit status is 1 when any file was rejected.
"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from inspections.importer import (
    ImportResult,
    Outcome,
    default_workers,
    import_paths,
    letter_files,
)


class Command(BaseCommand):
    help = "Import Ofsted letter text files or folders of them."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path)
        parser.add_argument(
            "--dry-run", action="store_true", help="Parse and report; write nothing."
        )
        parser.add_argument(
            "--workers",
            type=int,
            help="Processes to import with (default: one a CPU core when there are more"
            " files than one batch of 100, else 1).",
        )

    def handle(self, *args, paths, dry_run, workers, verbosity, **options):
        if workers is not None and workers < 1:
            raise CommandError("--workers must be 1 or more.")
        missing = [str(path) for path in paths if not path.exists()]
        if missing:
            raise CommandError(f"No such file or folder: {', '.join(missing)}")
        # Counted, not listed: the import finds the files again as it goes (a listing of
        # 100,000 is ~45 MB this process and its workers would carry to the end).
        file_count = sum(1 for _ in letter_files(paths))
        workers = workers or default_workers(file_count)
        # A progress bar on a terminal only; logs and pipes get the summary alone.
        with tqdm(total=file_count, unit="letter", disable=verbosity < 1 or None) as bar:

            def on_result(result: ImportResult) -> None:
                bar.update()
                if result.outcome == Outcome.REJECTED and not bar.disable:
                    bar.write(f"{result.source_name}: {result.reason}", file=sys.stderr)
                elif verbosity >= 2:
                    outcome = "would be created" if dry_run and result.letter else result.outcome
                    line = f"{result.source_name}: {outcome}: {result.description}"
                    if result.outcome == Outcome.UNCHANGED and result.reason:
                        line += f" ({result.reason})"
                    bar.write(line, file=sys.stdout)

            # Counts and rejections only: every letter's result kept would grow this process
            # by its Inspection and source text, ~17 KB a letter.
            report = import_paths(
                paths,
                dry_run=dry_run,
                on_result=on_result,
                workers=workers,
                keep_results=False,
            )
        prefix = "Dry run, nothing written: would have " if dry_run else ""
        readings = (
            f" ({report.other_readings} of them the other reading, PDF or text, of a letter"
            " imported from its other file: each letter is kept once)"
            if report.other_readings
            else ""
        )
        self.stdout.write(
            f"{prefix}created {report.count(Outcome.CREATED)}, "
            f"unchanged {report.count(Outcome.UNCHANGED)}{readings}, "
            f"failed {report.count(Outcome.REJECTED)}"
        )
        for result in report.rejected:
            self.stdout.write(f"  failed: {result.source_name}: {result.reason}")
        if report.failed:
            raise CommandError(f"{report.count(Outcome.REJECTED)} file(s) could not be imported.")
