"""Reads: what the pages show, in one place."""

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery

from inspections import grades
from inspections.models import (
    Authority,
    Category,
    Finding,
    Inspection,
    JudgementArea,
    SourceDocument,
)
from inspections.search import marked_if_matched

# A letter's whole text and the vectors built from it: tens of KB a letter (megabytes for a
# long one), which no list shows. Every read of letters for a list leaves them behind.
LETTER_TEXT_FIELDS = ("source_text", "search_extra", "search_vector")
FINDING_TEXT_FIELDS = ("search_extra", "search_vector")


def latest_letters(limit: int = 10) -> QuerySet[Inspection]:
    """The newest letters, each with its number of findings."""
    return letters().annotate(finding_count=Count("findings"))[:limit]


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
    its latest overall effectiveness grade (NO_GRADE where no report has graded it)."""
    latest = Inspection.objects.filter(authority=OuterRef("pk")).order_by("-letter_date", "-pk")
    return (
        Authority.objects.annotate(
            letter_count=Count("inspections"),
            latest_date=Subquery(latest.values("letter_date")[:1]),
            latest_id=Subquery(latest.values("pk")[:1]),
            latest_grade=grades.latest_grade(JudgementArea.OVERALL_EFFECTIVENESS, authority="pk"),
        )
        .filter(letter_count__gt=0)
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
    return {
        "letters": Inspection.objects.count(),
        "authorities": Authority.objects.filter(inspections__isnull=False).distinct().count(),
        "findings": Finding.objects.count(),
    }


def authority_letters(authority: Authority) -> QuerySet[Inspection]:
    """An authority's letters and reports, oldest first, each with its counts by category
    (and a report with its judgements)."""
    return (
        authority.inspections.defer(*LETTER_TEXT_FIELDS)
        .order_by("letter_date")
        .annotate(
            strengths=Count("findings", filter=_category(Category.STRENGTH)),
            developments=Count("findings", filter=_category(Category.DEVELOPMENT)),
            priority_actions=Count("findings", filter=_category(Category.PRIORITY_ACTION)),
            improvements=Count("findings", filter=_category(Category.IMPROVEMENT)),
            finding_count=Count("findings"),
        )
        .prefetch_related("judgements")
    )


def _category(category: str) -> Q:
    return Q(findings__category=category)
