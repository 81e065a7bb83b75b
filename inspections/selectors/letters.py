"""Reads of letters and councils: the lists, a letter, the archive's counts, the data
version and the API's querysets."""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass

from django.db.models import (
    Count,
    Exists,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce

from inspections import caching, grades
from inspections.caching import cached_counts
from inspections.models import (
    Authority,
    Category,
    Finding,
    Inspection,
    JudgementArea,
    SourceDocument,
    Theme,
)
from inspections.search import marked_if_matched

# A letter's whole text and the vectors built from it: tens of KB a letter (megabytes for a
# long one), which no list shows. Every read of letters for a list leaves them behind.
LETTER_TEXT_FIELDS = ("source_text", "search_extra", "search_vector")
FINDING_TEXT_FIELDS = ("search_extra", "search_vector")


def latest_letters(limit: int = 10) -> QuerySet[Inspection]:
    """The newest letters, each with its number of findings.

    Counted by a subquery, which PostgreSQL runs for the `limit` rows kept only: a join
    and GROUP BY counted every letter's findings before the LIMIT (all 1.5 million of them
    at 100,000 letters).
    """
    findings = (
        Finding.objects.filter(inspection=OuterRef("pk"))
        .order_by()
        .values("inspection")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return letters().annotate(finding_count=Coalesce(Subquery(findings), 0))[:limit]


def letters() -> QuerySet[Inspection]:
    """Every letter, newest first, with what its list row shows."""
    return (
        Inspection.objects.select_related("authority")
        .defer(*LETTER_TEXT_FIELDS)
        .order_by("-letter_date", "authority__name")
    )


def letter_with_findings(pk: int, *, query: str | None = None) -> Inspection:
    """One letter with its findings; with a query, each finding's matches are marked."""
    findings = (
        Finding.objects.order_by("position")
        .defer(*FINDING_TEXT_FIELDS)
        .with_snippets(query, field="text", whole=True)
    )
    inspection = (
        Inspection.objects.select_related("authority")
        .defer(*LETTER_TEXT_FIELDS)
        .annotate(has_original=Exists(SourceDocument.objects.filter(inspection=OuterRef("pk"))))
        # Not the findings' themes: the page does not show them, and for a long letter they
        # were the most of its time (10,000 findings: 2 of 4.5 s).
        .prefetch_related(Prefetch("findings", queryset=findings), "judgements")
        .get(pk=pk)
    )
    for finding in inspection.findings.all():
        # Only findings that matched get marks; the rest show as they are.
        finding.highlighted = marked_if_matched(finding)
    return inspection


def authorities() -> QuerySet[Authority]:
    """Councils with letters, each with its number of letters, its latest letter date and
    its latest overall effectiveness grade (NO_GRADE where no report has graded it).

    Every figure is a subquery per council on its index of letters by date, with no join:
    a join counted with GROUP BY made Django group by the grade subquery too, which then
    ran once per letter (10,000 times at 10,000 letters) instead of once per council.
    """
    letters = Inspection.objects.filter(authority=OuterRef("pk")).order_by()
    latest = letters.order_by("-letter_date", "-pk")
    return (
        Authority.objects.filter(Exists(letters))
        .annotate(
            letter_count=Subquery(letters.values("authority").annotate(n=Count("pk")).values("n")),
            latest_date=Subquery(latest.values("letter_date")[:1]),
            latest_id=Subquery(latest.values("pk")[:1]),
            latest_grade=grades.latest_grade(JudgementArea.OVERALL_EFFECTIVENESS, authority="pk"),
        )
        .order_by("name")
    )


def findings_by_category(inspection: Inspection) -> list[tuple[str, str, list[Finding]]]:
    """The letter's findings grouped by category, as (category, heading, findings).

    Groups come in the order the letter first gives them, as a reader of the letter expects.
    """
    groups: dict[str, list[Finding]] = {}
    for finding in inspection.findings.all():  # in position order
        groups.setdefault(finding.category, []).append(finding)
    return [
        (category, CATEGORY_HEADINGS[category], findings) for category, findings in groups.items()
    ]


CATEGORY_HEADINGS = {
    Category.OVERVIEW: "Overview",
    Category.NARRATIVE: "Findings",
    Category.STRENGTH: "Strengths",
    Category.SATISFACTORY: "Satisfactory practice",
    Category.DEVELOPMENT: "Areas for development",
    Category.PRIORITY_ACTION: "Areas for priority action",
    Category.IMPROVEMENT: "What needs to improve",
}


def archive_counts() -> dict[str, int]:
    """How many letters, councils with letters and findings: counted once an import."""
    return cached_counts("archive_counts", _count_archive)


def _count_archive() -> dict[str, int]:
    return {
        "letters": Inspection.objects.count(),
        "authorities": Authority.objects.filter(inspections__isnull=False).distinct().count(),
        "findings": Finding.objects.count(),
    }


def authority_letters(authority: Authority) -> QuerySet[Inspection]:
    """An authority's letters and reports, newest first: what its page lists, a page at a
    time (with_finding_counts then reads the page's own)."""
    return authority.inspections.order_by("-letter_date", "-pk")


def with_finding_counts(letters: QuerySet[Inspection]) -> QuerySet[Inspection]:
    """`letters` (a page of them, sliced) in the same order, each with its counts by category
    and a report's overall effectiveness grade (NO_GRADE for a letter).

    The counts join only these letters' findings: annotating the whole council's list
    before its LIMIT grouped all ~700 letters' findings at 100,000 letters to show 20.
    """
    return (
        Inspection.objects.filter(pk__in=letters.values("pk"))
        .defer(*LETTER_TEXT_FIELDS)
        .order_by("-letter_date", "-pk")
        .annotate(
            strengths=Count("findings", filter=_category(Category.STRENGTH)),
            developments=Count("findings", filter=_category(Category.DEVELOPMENT)),
            priority_actions=Count("findings", filter=_category(Category.PRIORITY_ACTION)),
            improvements=Count("findings", filter=_category(Category.IMPROVEMENT)),
            finding_count=Count("findings"),
            overall_grade=grades.own_grade(JudgementArea.OVERALL_EFFECTIVENESS),
        )
    )


def _category(category: str) -> Q:
    return Q(findings__category=category)


ADVERSE = [Category.DEVELOPMENT, Category.PRIORITY_ACTION]


@dataclass(frozen=True)
class DataVersion:
    """The archive's version as HTTP validators: it changes whenever an answer might."""

    etag: str
    last_modified: datetime.datetime | None


def data_version() -> DataVersion:
    """The data version (caching.data_version) as an ETag, the latest import as Last-Modified.

    One version for the pages' caches, the counts and the API: every import, retag and
    admin edit advances it once it commits, so an edited finding changes the ETag too (the
    latest import and the numbers of letters and tags, used before, did not move then).
    """
    version = caching.data_version()
    latest = Inspection.objects.aggregate(latest=Max("imported_at"))["latest"]  # an index read
    key = f"{version}|{latest.isoformat() if latest else 'empty'}"
    return DataVersion(
        etag='"' + hashlib.sha256(key.encode()).hexdigest()[:20] + '"',
        last_modified=latest,
    )


# --- The API's reads ------------------------------------------------------------------------


def api_letters() -> QuerySet[Inspection]:
    """Letters with what the API shows of each: council, judgements, whether the PDF is kept."""
    return (
        Inspection.objects.select_related("authority")
        .defer("source_text", "search_vector", "search_extra")
        .annotate(has_original=Exists(SourceDocument.objects.filter(inspection=OuterRef("pk"))))
        .prefetch_related("judgements")
    )


def api_letters_with_findings() -> QuerySet[Inspection]:
    """Letters for the API, each with its findings in order and their themes."""
    findings = Finding.objects.order_by("position").defer("search_vector", "search_extra")
    return api_letters().prefetch_related(
        Prefetch("findings", queryset=findings),
        Prefetch("findings__themes", queryset=Theme.objects.order_by("name")),
    )


def api_findings() -> QuerySet[Finding]:
    """Findings with their letter, council and themes."""
    return (
        Finding.objects.select_related("inspection__authority")
        .defer(
            "search_vector",
            "search_extra",
            "inspection__source_text",
            "inspection__search_vector",
            "inspection__search_extra",
        )
        .prefetch_related(Prefetch("themes", queryset=Theme.objects.order_by("name")))
    )


def api_themes() -> QuerySet[Theme]:
    """Every theme with its number of findings."""
    return Theme.objects.annotate(finding_count=Count("findings")).order_by("name")
