"""Where Ofsted publishes each letter: links read from a manifest of the files imported."""

import csv
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction

from inspections.caching import bump_data_version
from inspections.models import Inspection

# The manifest's columns naming an imported file (a letter's PDF and its text share a row),
# and the one holding Ofsted's link (reports' manifests have it; letters' do not).
FILE_COLUMNS = ("file", "txt")
LINK_COLUMN = "inspection_link"


@dataclass(frozen=True)
class ManifestRow:
    names: tuple[str, ...]
    link: str


@dataclass
class LinkReport:
    linked: int = 0
    unchanged: int = 0
    without_link: int = 0  # rows that name no published document
    not_imported: int = 0  # rows whose file is not in the archive


def manifest_rows(manifest: Path) -> list[ManifestRow]:
    with manifest.open(newline="", encoding="utf-8-sig") as handle:
        return [
            ManifestRow(
                names=tuple(row[c].strip() for c in FILE_COLUMNS if (row.get(c) or "").strip()),
                link=(row.get(LINK_COLUMN) or "").strip(),
            )
            for row in csv.DictReader(handle)
        ]


def link_sources(*, manifest: Path, dry_run: bool = False) -> LinkReport:
    """Set each imported letter's published URL from `manifest`, matched by file name.

    Only https links are taken; a row without one leaves the letter's URL as it was.
    """
    validate = URLValidator(schemes=["https"])
    report = LinkReport()
    with transaction.atomic():
        for row in manifest_rows(manifest):
            inspections = list(Inspection.objects.filter(source_name__in=row.names))
            if not inspections:
                report.not_imported += 1
                continue
            try:
                validate(row.link)
            except ValidationError:
                report.without_link += 1
                continue
            for inspection in inspections:
                if inspection.published_url == row.link:
                    report.unchanged += 1
                    continue
                report.linked += 1
                if not dry_run:
                    inspection.published_url = row.link
                    inspection.save(update_fields=["published_url"])
        if report.linked and not dry_run:
            bump_data_version()  # letter pages link to the published document
    return report
