"""Re-tag every finding: the theme model and the current rules (inspections.themes.tagging).

    python manage.py retag [--dry-run] [-v 2]

Set-based SQL, one statement for every theme, in one transaction. Editor-assigned themes
are kept and rejected ones are never added back (see inspections.themes.tagging). Prints
each theme's changes; -v 2 names the findings added and removed.
"""

import time

from django.core.management.base import BaseCommand

from inspections.themes.tagging import retag_all


class Command(BaseCommand):
    help = "Re-tag every finding (model and rules), keeping editors' corrections."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Report; change nothing.")

    def handle(self, *args, dry_run, verbosity, **options):
        def progress(theme, change) -> None:
            added, removed = len(change.added), len(change.removed)
            if verbosity >= 1:
                self.stdout.write(f"{theme.slug}: +{added} -{removed}, {change.total} findings")
            if verbosity >= 2 and (added or removed):
                self.stdout.write(f"  added {change.added}, removed {change.removed}")

        started = time.perf_counter()
        changes = retag_all(progress=progress, dry_run=dry_run)
        added = sum(len(change.added) for change in changes.values())
        removed = sum(len(change.removed) for change in changes.values())
        prefix = "Dry run, nothing written: would have " if dry_run else ""
        seconds = time.perf_counter() - started
        self.stdout.write(f"{prefix}added {added}, removed {removed} in {seconds:.2f}s")
