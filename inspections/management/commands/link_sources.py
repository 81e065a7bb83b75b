"""Link imported letters to where Ofsted publishes them, from the manifests of the files.

    python manage.py link_sources fixtures/reports/MANIFEST.csv [more.csv] [--dry-run]

A manifest is a CSV with the imported file's name (`file`, and `txt` for its text) and,
where known, Ofsted's link (`inspection_link`). Rows without a link change nothing.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from inspections.sources import link_sources


class Command(BaseCommand):
    help = "Set letters' published URLs from manifest CSV files."

    def add_arguments(self, parser):
        parser.add_argument("manifests", nargs="+", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Report; change nothing.")

    def handle(self, *args, manifests, dry_run, verbosity, **options):
        for manifest in manifests:
            if not manifest.is_file():
                raise CommandError(f"No such file: {manifest}")
            report = link_sources(manifest=manifest, dry_run=dry_run)
            prefix = "dry run, nothing written: would have " if dry_run else ""
            if verbosity >= 1:
                self.stdout.write(
                    f"{manifest}: {prefix}linked {report.linked}, unchanged {report.unchanged},"
                    f" no link known {report.without_link}, not imported {report.not_imported}"
                )
