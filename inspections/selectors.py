"""Reads: what the pages show, in one place."""

import datetime
import hashlib
from dataclasses import dataclass

from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q, QuerySet, Subquery

from inspections.models import (
    Authority,
    Category,
    Finding,
    FindingTheme,
    Inspection,
    SourceDocument,
    Theme,
)
from inspections.search import marked_if_matched


def latest_letters(limit: int = 10) -> QuerySet[Inspection]:
    """The newest letters, each with its number of findings."""
    return letters().annotate(finding_count=Count("findings"))[:limit]


def letters() -> QuerySet[Inspection]:
    """Every letter, newest first, with what its list row shows."""
    return Inspection.objects.select_related("authority").order_by(
        "-letter_date", "authority__name"
    )


def letter_with_findings(pk: int, *, query: str | None = None) -> Inspection:
    """One letter with its findings; with a query, each finding's matches are marked."""
    findings = Finding.objects.order_by("position").with_snippets(query, field="text", whole=True)
    inspection = (
        Inspection.objects.select_related("authority")
        .defer("source_text", "search_vector")
        .annotate(has_original=Exists(SourceDocument.objects.filter(inspection=OuterRef("pk"))))
        .prefetch_related(
            Prefetch("findings", queryset=findings),
            Prefetch("findings__themes", queryset=Theme.objects.order_by("name")),
        )
        .get(pk=pk)
    )
    for finding in inspection.findings.all():
        # Only findings that matched get marks; the rest show as they are.
        finding.highlighted = marked_if_matched(finding)
    return inspection


def authorities() -> QuerySet[Authority]:
    """Councils with letters, each with its number of letters and its latest letter date."""
    latest = Inspection.objects.filter(authority=OuterRef("pk")).order_by("-letter_date", "-pk")
    return (
        Authority.objects.annotate(
            letter_count=Count("inspections"),
            latest_date=Subquery(latest.values("letter_date")[:1]),
            latest_id=Subquery(latest.values("pk")[:1]),
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
}


def archive_counts() -> dict[str, int]:
    return {
        "letters": Inspection.objects.count(),
        "authorities": Authority.objects.filter(inspections__isnull=False).distinct().count(),
        "findings": Finding.objects.count(),
    }


def authority_letters(authority: Authority) -> QuerySet[Inspection]:
    """An authority's letters, oldest first, each with its counts by category."""
    return authority.inspections.order_by("letter_date").annotate(
        strengths=Count("findings", filter=_category(Category.STRENGTH)),
        developments=Count("findings", filter=_category(Category.DEVELOPMENT)),
        priority_actions=Count("findings", filter=_category(Category.PRIORITY_ACTION)),
        finding_count=Count("findings"),
    )


def _category(category: str) -> Q:
    return Q(findings__category=category)


@dataclass(frozen=True)
class DataVersion:
    """What the archive holds, in two cheap numbers: it changes whenever an answer might."""

    etag: str
    last_modified: datetime.datetime | None


def data_version() -> DataVersion:
    """The archive's version: the latest import, how many letters, the latest theme tag.

    A letter imported or deleted, or a theme given to a finding, changes it; the feeds and
    the API answer conditional requests with it (index reads: about 10 ms at 100,000
    letters, most of it the count).
    """
    # Three statements, each answered from an index: one aggregate of the three would scan.
    latest = Inspection.objects.aggregate(latest=Max("imported_at"))["latest"]
    count = Inspection.objects.count()
    tags = FindingTheme.objects.aggregate(latest=Max("pk"))
    stamp = latest.isoformat() if latest else "empty"
    key = f"{stamp}|{count}|{tags['latest'] or 0}"
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
