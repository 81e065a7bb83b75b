"""Remove letters stored twice, as a PDF and as its text, before the importer knew better.

    python manage.py remove_other_readings [--dry-run]

Keeps the reading imported first and removes the others, with their findings and themes;
a reading an editor has worked on is listed and left, to be merged by hand. Lists every
pair it finds either way.
"""

from django.core.management.base import BaseCommand

from inspections.importer.other_readings import remove_other_readings


class Command(BaseCommand):
    help = "Remove later readings (PDF or text) of letters stored twice."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List them; remove nothing.")

    def handle(self, *args, dry_run, verbosity, **options):
        report = remove_other_readings(dry_run=dry_run)
        if verbosity >= 1:
            for reading in report.readings:
                kept, other = reading.kept, reading.other
                action = "left: an editor has worked on it" if reading.edited else "removed"
                if dry_run and not reading.edited:
                    action = "would be removed"
                self.stdout.write(
                    f"{other}: letter {other.pk} ({other.source_name}) is another reading of"
                    f" letter {kept.pk} ({kept.source_name}): {action}"
                )
        prefix = "Dry run, nothing removed: would have " if dry_run else ""
        count = len(report.readings) - len(report.left)
        self.stdout.write(
            f"{prefix}removed {count} of {len(report.readings)} other reading(s);"
            f" {len(report.left)} left for an editor to merge by hand"
        )
