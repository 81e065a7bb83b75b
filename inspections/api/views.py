"""The API's views: thin read-only viewsets over the selectors and the pages' FilterSets."""

from django.conf import settings
from django.utils.decorators import method_decorator
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from inspections import browse, selectors
from inspections.api import serializers
from inspections.filters import FindingFilter, LetterFilter
from inspections.freshness import conditional

LARGE_SEARCHES = (
    f"A search by relevance that matches more than {settings.FACET_EXACT_COUNT_LIMIT:,} "
    "{noun} ranks the newest "
    "{listed:,} matches, as the page does (ranking every match would read most of the "
    "archive); `sort=newest` or `sort=oldest` lists every match. "
    if settings.FACET_EXACT_COUNT_LIMIT is not None
    else ""  # every match is ranked, however many
)
CURSOR_HELP = (
    "Pages come by cursor: follow `next` and `previous` as given. `page_size` (1-100, "
    "default 20) sets how many results a page holds."
)


@method_decorator(conditional, name="dispatch")
class ArchiveViewSet(viewsets.ReadOnlyModelViewSet):
    """Every endpoint: read-only, answered 304 while the archive has not changed."""

    def filter_queryset(self, queryset):
        # One object is found by its id or slug alone: the list's filters do not apply.
        if self.action == "retrieve":
            return queryset
        return super().filter_queryset(queryset)


@extend_schema_view(
    list=extend_schema(
        summary="Councils",
        description="Every council with letters in the archive, by name. " + CURSOR_HELP,
    ),
    retrieve=extend_schema(summary="A council", description="One council, by its slug."),
)
class CouncilViewSet(ArchiveViewSet):
    serializer_class = serializers.CouncilSerializer
    lookup_field = "slug"
    filter_backends = []

    def get_queryset(self):
        return selectors.authorities()


@extend_schema_view(
    list=extend_schema(
        summary="Letters and reports",
        description=(
            'Letters and full inspection reports (`inspection_type` "ilacs", with their '
            "`framework` and graded `judgements`), filtered and searched as on the Letters "
            "page: the same parameters give the same results in the same order. `q` takes "
            'web-search syntax: `"management oversight"`, `caseloads OR workload`, '
            "`supervision -police`. Several values of one filter are ORed, different "
            "filters ANDed. A value the page would ignore (a council not in the archive) is "
            "answered 400 with the reason. "
            + LARGE_SEARCHES.format(noun="letters", listed=browse.LETTERS_SCALE.listed)
            + CURSOR_HELP
        ),
    ),
    retrieve=extend_schema(
        summary="A letter or report",
        description="One letter or report, with its findings in the letter's order.",
    ),
)
class LetterViewSet(ArchiveViewSet):
    filterset_class = LetterFilter
    newest_field = "letter_date"
    scale = browse.LETTERS_SCALE

    def get_queryset(self):
        if self.action == "retrieve":
            return selectors.api_letters_with_findings()
        return selectors.api_letters()

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.LetterDetailSerializer
        return serializers.LetterSerializer


@extend_schema_view(
    list=extend_schema(
        summary="Findings",
        description=(
            "Every finding of every letter and report, filtered and searched as on the "
            "Findings page: the same parameters give the same results in the same order "
            "(`letter` narrows to one letter's findings). "
            + LARGE_SEARCHES.format(noun="findings", listed=browse.FINDINGS_SCALE.listed)
            + CURSOR_HELP
        ),
    ),
    retrieve=extend_schema(summary="A finding", description="One finding, by its id."),
)
class FindingViewSet(ArchiveViewSet):
    serializer_class = serializers.FindingSerializer
    filterset_class = FindingFilter
    newest_field = "letter_date"
    scale = browse.FINDINGS_SCALE

    def get_queryset(self):
        return selectors.api_findings()


@extend_schema_view(
    list=extend_schema(
        summary="Themes",
        description="The themes findings are tagged with, by name, each with its count.",
    ),
    retrieve=extend_schema(summary="A theme", description="One theme, by its slug."),
)
class ThemeViewSet(ArchiveViewSet):
    serializer_class = serializers.ThemeSerializer
    lookup_field = "slug"
    filter_backends = []

    def get_queryset(self):
        return selectors.api_themes()
