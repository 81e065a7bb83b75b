"""FilterSets: what the findings and letters pages can be narrowed by, read from the URL.

Several values of one filter are ORed; different filters are ANDed. Every filter lives in
the query string, so any view is a permalink. Values that do not validate are ignored
rather than answered with an error page.
"""

import datetime

import django_filters
from django import forms
from django.db.models import Exists, OuterRef

from inspections.models import Authority, Category, FindingTheme, InspectionType, Theme

FIRST_YEAR = 2005
SORT_CHOICES = [("relevance", "Relevance"), ("newest", "Newest first"), ("oldest", "Oldest first")]


def year_choices() -> list[tuple[int, str]]:
    return [(year, str(year)) for year in range(FIRST_YEAR, datetime.date.today().year + 2)]


def region_choices() -> list[tuple[str, str]]:
    regions = Authority.objects.exclude(region="").values_list("region", flat=True).distinct()
    return [(region, region) for region in sorted(regions)]


class ArchiveFilter(django_filters.FilterSet):
    """What findings and letters share: words, council, region, year and inspection type."""

    # Field paths from the model filtered to its letter; subclasses set it.
    letter_path = ""

    q = django_filters.CharFilter(method="filter_search", label="Search words")
    # distinct=False throughout: every filter follows foreign keys towards one row (a letter,
    # a council), so no result can repeat, and DISTINCT would cost a sort of every match.
    authority = django_filters.ModelMultipleChoiceFilter(
        label="Council", to_field_name="slug", queryset=Authority.objects.all(), distinct=False
    )
    region = django_filters.MultipleChoiceFilter(
        label="Region", choices=region_choices, distinct=False
    )
    year = django_filters.MultipleChoiceFilter(label="Year", choices=year_choices, distinct=False)
    year_from = django_filters.NumberFilter(label="From year", method="filter_year_from")
    year_to = django_filters.NumberFilter(label="To year", method="filter_year_to")
    inspection_type = django_filters.MultipleChoiceFilter(
        label="Inspection type", choices=InspectionType.choices, distinct=False
    )
    sort = django_filters.ChoiceFilter(
        label="Sort by", choices=SORT_CHOICES, method="filter_nothing", empty_label=None
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        prefix = self.letter_path
        self.filters["authority"].field_name = f"{prefix}authority__slug"
        self.filters["region"].field_name = f"{prefix}authority__region"
        self.filters["year"].field_name = f"{prefix}letter_date__year"
        self.filters["inspection_type"].field_name = f"{prefix}inspection_type"
        self.form.fields["year_from"].widget = forms.NumberInput(attrs={"min": FIRST_YEAR})
        self.form.fields["year_to"].widget = forms.NumberInput(attrs={"min": FIRST_YEAR})

    def filter_search(self, queryset, name, value):
        # Ranking and ordering are applied once, in filter_queryset, after every filter.
        return queryset

    def filter_nothing(self, queryset, name, value):
        return queryset

    def filter_year_from(self, queryset, name, value):
        return queryset.filter(**{f"{self.letter_path}letter_date__year__gte": value})

    def filter_year_to(self, queryset, name, value):
        return queryset.filter(**{f"{self.letter_path}letter_date__year__lte": value})

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        cleaned = self.form.cleaned_data
        query = cleaned.get("q") or ""
        queryset = queryset.search(query, newest_field=f"{self.letter_path}letter_date")
        sort = cleaned.get("sort") or "relevance"
        if sort == "newest":
            queryset = queryset.order_by(f"-{self.letter_path}letter_date", "-pk")
        elif sort == "oldest":
            queryset = queryset.order_by(f"{self.letter_path}letter_date", "pk")
        return queryset


class FindingFilter(ArchiveFilter):
    letter_path = "inspection__"

    category = django_filters.MultipleChoiceFilter(
        label="Category", choices=Category.choices, distinct=False
    )
    theme = django_filters.ModelMultipleChoiceFilter(
        label="Theme",
        to_field_name="slug",
        queryset=Theme.objects.all(),
        method="filter_theme",
        distinct=False,
    )

    def filter_theme(self, queryset, name, value):
        if not value:
            return queryset
        # EXISTS, not a join: a finding with two chosen themes is still one result.
        tagged = FindingTheme.objects.filter(finding=OuterRef("pk"), theme__in=value)
        return queryset.filter(Exists(tagged))


class LetterFilter(ArchiveFilter):
    letter_path = ""

    priority_action = django_filters.BooleanFilter(
        label="Names an area for priority action",
        widget=forms.Select(choices=[("", "Any"), ("true", "Yes"), ("false", "No")]),
    )
