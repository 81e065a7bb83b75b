"""The councils list (`/authorities/`): every council with letters, read once a data version.

Its figures change only with an import or an edit, and counting them was most of its SQL:
a COUNT per council walked all of its letters (~700 each at 100,000 letters). The letters
are counted once for every council (selectors.letters_per_authority), the latest letter
and grade read through their indexes, and the rows kept with the counts.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from inspections import selectors
from inspections.caching import cached_counts


@dataclass(frozen=True)
class CouncilRow:
    """What the list shows of a council: plain values, cheap to keep and to read back."""

    name: str
    slug: str
    region: str
    needs_review: bool
    end_date: datetime.date | None
    letter_count: int
    latest_date: datetime.date
    latest_id: int
    latest_grade: str  # grades.NO_GRADE where no report has graded it


def council_rows() -> list[CouncilRow]:
    """Every council with letters, by name: selectors.authorities' figures."""
    return cached_counts("council_rows", _read_council_rows)


def _read_council_rows() -> list[CouncilRow]:
    letters = selectors.letters_per_authority()
    # Only the columns shown: the per-council COUNT of selectors.authorities is left out.
    rows = selectors.authorities().values(
        "pk",
        "name",
        "slug",
        "region",
        "needs_review",
        "end_date",
        "latest_date",
        "latest_id",
        "latest_grade",
    )
    return [CouncilRow(letter_count=letters[row.pop("pk")], **row) for row in rows]
