"""Letters stored twice before the importer knew a PDF and its text are one letter: found,
and the later reading removed.

Until 1 December, importing a folder that holds a letter's PDF and pdftotext's text of it
stored both (same_letter.py says how they are told apart now). `remove_other_readings`
finds such letters already stored and removes each later reading, keeping the first
imported, as the importer now would. A reading an editor has worked on (themes given or
rejected by hand on its findings) is never removed: it is listed, to be merged by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection, transaction

from inspections.caching import bump_data_version
from inspections.importer.same_letter import first_readings
from inspections.models import FindingTheme, Inspection, ThemeRejection


@dataclass(frozen=True)
class OtherReading:
    kept: Inspection
    other: Inspection
    edited: bool  # an editor has given or rejected themes on its findings: left in place


@dataclass
class OtherReadingsReport:
    readings: list[OtherReading] = field(default_factory=list)
    removed: int = 0

    @property
    def left(self) -> list[OtherReading]:
        return [reading for reading in self.readings if reading.edited]


def other_readings() -> list[OtherReading]:
    """Every stored letter that is another reading of one imported before it.

    Letters sharing a council, type and day are few (none in a folder with nothing twice),
    so only their texts are read.
    """
    table = Inspection._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT array_agg(id ORDER BY imported_at, id) FROM {table}"
            " GROUP BY authority_id, letter_date, inspection_type HAVING COUNT(*) > 1"
        )
        groups = [ids for (ids,) in cursor.fetchall()]
    if not groups:
        return []
    texts = dict(
        Inspection.objects.filter(pk__in=[pk for ids in groups for pk in ids]).values_list(
            "pk", "source_text"
        )
    )
    pairs = [  # (kept, other)
        (first, other)
        for ids in groups
        for other, first in first_readings(ids, texts.__getitem__).items()
    ]
    if not pairs:
        return []
    letters = (
        Inspection.objects.select_related("authority")
        .defer("source_text", "search_extra", "search_vector")
        .in_bulk({pk for pair in pairs for pk in pair})
    )
    others = [other for _, other in pairs]
    edited = set(
        FindingTheme.objects.filter(
            finding__inspection__in=others, assigned_by=FindingTheme.AssignedBy.EDITOR
        ).values_list("finding__inspection", flat=True)
    ) | set(
        ThemeRejection.objects.filter(finding__inspection__in=others).values_list(
            "finding__inspection", flat=True
        )
    )
    return [
        OtherReading(kept=letters[kept], other=letters[other], edited=other in edited)
        for kept, other in pairs
    ]


def remove_other_readings(*, dry_run: bool = False) -> OtherReadingsReport:
    """Remove every later reading of a stored letter that no editor has worked on, in one
    transaction (its findings, themes and PDF go with it); report them all."""
    with transaction.atomic():
        report = OtherReadingsReport(other_readings())
        removable = [reading.other.pk for reading in report.readings if not reading.edited]
        if removable and not dry_run:
            Inspection.objects.filter(pk__in=removable).delete()
            report.removed = len(removable)
            bump_data_version()  # every list and count that held them
    return report
