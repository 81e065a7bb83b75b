"""Parse letter files (PDF or text) and print what the parser reads, as one JSON array.

    python manage.py parse_letter fixtures/letters/000_32760eb96af16688.txt [more.pdf ...]

Nothing is written to the database. A file that cannot be read or parsed gives
{"file", "error"} in its place; the others still print, and the exit status is 1.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from inspections.importer import read_letter
from inspections.parsing import LetterParseError, letter_as_dict


class Command(BaseCommand):
    help = "Parse Ofsted letters (PDF or text) and print them as JSON, without importing them."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+")

    def handle(self, *args, paths, **options):
        results = []
        for path in paths:
            try:
                results.append(letter_as_dict(read_letter(Path(path).read_bytes()), file=path))
            except OSError as error:
                results.append({"file": path, "error": f"cannot read file: {error.strerror}"})
            except LetterParseError as error:
                results.append({"file": path, "error": str(error)})
        self.stdout.write(json.dumps(results, indent=2, ensure_ascii=False))
        failed = sum("error" in result for result in results)
        if failed:
            raise CommandError(f"{failed} of {len(results)} file(s) could not be parsed.")
