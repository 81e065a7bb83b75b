"""The facets: what each one counts and how its values are named, and what a page shows.

`FacetSpec` says what a facet groups by (a column, an array of values, a council's grade
periods) and how its values are named;
`FINDING_FACETS` and `LETTER_FACETS` are the two pages' lists. `Facet` and `FacetValue`
are a facet as a page shows it, with a long facet's values narrowed by typed text. The
names of councils and themes, by id, are read once a data version.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from inspections import grades
from inspections.caching import cached_counts
from inspections.models import (
    Authority,
    Category,
    InspectionType,
    JudgementArea,
    Theme,
)


@dataclass(frozen=True)
class FacetSpec:
    name: str  # the query-string parameter it filters
    label: str
    value_path: str  # what to group by, from the model listed
    label_path: str | None = None  # a second column that names the value, if any
    labels: dict | None = None  # fixed names for fixed values
    by_value: bool = False  # list in value order (years) rather than by count
    is_year: bool = False
    # A result may have several values: `value_path` is then an array of them (a finding's
    # theme ids), each counted.
    array: bool = False
    # A council's grade at each row's date, counted by joining these periods (a queryset of
    # authority_id, since, until, grade: grades.grade_periods) on the row's council and
    # date: one hash probe a row, where the filter's expression is a subquery a row.
    periods: Callable[[], object] | None = None
    # Joined on the period still current, whatever the row's date: the council's latest
    # grade, one hash probe a row where the filter's expression is a subquery a row (five
    # of them for each of the letters page's 10,000 sampled letters).
    latest_period: bool = False
    in_order: tuple[str, ...] | None = None  # list values in this order (a scale)
    narrowable: bool = False  # long enough to offer a box that narrows its values by name
    # Counted by an id (`value_path`: a council's, a theme's), a number hashed once a row,
    # and named afterwards from the few rows it stands for: each id's (value, label). Ids
    # that give one value (the councils of a region) add up.
    named: Callable[[], dict[int, tuple[str, str]]] | None = None


def _councils_by_slug() -> dict[int, tuple[str, str]]:
    return {
        pk: (slug, name)
        for pk, slug, name in Authority.objects.order_by().values_list("pk", "slug", "name")
    }


def _councils_by_region() -> dict[int, tuple[str, str]]:
    return {
        pk: (region, region)
        for pk, region in Authority.objects.order_by().values_list("pk", "region")
    }


def councils_by_region() -> dict[int, tuple[str, str]]:
    """Each council's id: its region (twice, as a facet's value and label), read once a
    data version."""
    return cached_counts(f"names:{_councils_by_region.__name__}", _councils_by_region)


def _themes_by_slug() -> dict[int, tuple[str, str]]:
    return {
        pk: (slug, name)
        for pk, slug, name in Theme.objects.order_by().values_list("pk", "slug", "name")
    }


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool
    toggle_query: str  # the query string with this value chosen or unchosen


@dataclass
class Facet:
    name: str
    label: str
    values: list[FacetValue] = field(default_factory=list)
    estimated: bool = False  # counted on a sample of the table, scaled up
    narrowable: bool = False
    narrowed_by: str = ""  # the text its values were narrowed by (`find_<name>=`)
    hidden: int = 0  # values left out by that text

    @property
    def selected(self) -> list[FacetValue]:
        return [value for value in self.values if value.selected]

    @property
    def narrow_param(self) -> str:
        return narrow_param(self.name)

    def narrow(self, text: str) -> None:
        """Keep the values whose name holds `text` (any case, any accents), and every chosen
        value: what a reader typed to find one council among 150. Counts are untouched."""
        wanted = _folded(text)[:NARROW_MAX_CHARACTERS]
        if not self.narrowable or not wanted:
            return
        kept = [v for v in self.values if v.selected or wanted in _folded(v.label)]
        self.narrowed_by = text.strip()[:NARROW_MAX_CHARACTERS]
        self.hidden = len(self.values) - len(kept)
        self.values = kept


NARROW_MAX_CHARACTERS = 100


def narrow_param(name: str) -> str:
    """The query-string parameter that narrows facet `name`'s list (not the results)."""
    return f"find_{name}"


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def letter_facets() -> list[FacetSpec]:
    """The facets of a letter's council, date and type: on a letter, or on a finding, which
    carries its letter's (models.Finding)."""
    return [
        FacetSpec("authority", "Council", "authority_id", named=_councils_by_slug, narrowable=True),
        FacetSpec("region", "Region", "authority_id", named=_councils_by_region),
        FacetSpec("year", "Year", "letter_date", by_value=True, is_year=True),
        FacetSpec(
            "inspection_type",
            "Inspection type",
            "inspection_type",
            labels=dict(InspectionType.choices),
        ),
    ]


GRADE_LABELS = dict(grades.grade_choices())
GRADE_ORDER = tuple(GRADE_LABELS)  # best first, as the scale reads

FINDING_FACETS = [
    *letter_facets(),
    FacetSpec("category", "Category", "category", labels=dict(Category.choices)),
    FacetSpec(
        "theme",
        "Theme",
        "theme_ids",
        array=True,
        named=_themes_by_slug,
        narrowable=True,
    ),
    FacetSpec(
        "grade_at_time",
        "Council's overall grade at the time",
        "grade_at_time",
        labels=GRADE_LABELS,
        periods=partial(grades.grade_periods, JudgementArea.OVERALL_EFFECTIVENESS),
        in_order=GRADE_ORDER,
    ),
]
LETTER_FACETS = [
    *letter_facets(),
    FacetSpec(
        "priority_action",
        "Area for priority action",
        "priority_action",
        labels={"true": "Yes", "false": "No"},
    ),
    *(
        FacetSpec(
            f"latest_{area}",
            f"{grades.AREA_SHORT[area]} (council's latest report)",
            f"latest_{area}",
            labels=GRADE_LABELS,
            periods=partial(grades.grade_periods, area),
            latest_period=True,
            in_order=GRADE_ORDER,
        )
        for area in grades.AREAS
    ),
]


def names_by_id(spec: FacetSpec) -> dict[int, tuple[str, str]]:
    """Each id's (value, label) for a facet counted by id, kept under the data version like
    the counts (an editor's renaming moves it): no read of the councils or themes on most
    pages."""
    return cached_counts(f"names:{spec.named.__name__}", spec.named)
