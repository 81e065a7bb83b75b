"""FilterSets: what the findings and letters pages can be narrowed by, read from the URL.

Several values of one filter are ORed; different filters are ANDed. Every filter lives in
the query string, so any view is a permalink. Values that do not validate are ignored
rather than answered with an error page.
"""

import datetime

import django_filters
from django import forms
from django.db.models import Exists, Model, OuterRef
from django.http import QueryDict
from django_filters.fields import ModelMultipleChoiceField

from inspections.councils import all_councils
from inspections.models import Authority, Category, FindingTheme, Inspection, InspectionType, Theme
from inspections.selectors import LETTER_TEXT_FIELDS

FIRST_YEAR = 2005
LAST_YEAR = 2100
SORT_CHOICES = [("relevance", "Relevance"), ("newest", "Newest first"), ("oldest", "Oldest first")]


def year_choices() -> list[tuple[int, str]]:
    return [(year, str(year)) for year in range(FIRST_YEAR, datetime.date.today().year + 2)]


def region_choices() -> list[tuple[str, str]]:
    # From the reference data, not the database: no query each time a FilterSet is built.
    regions = {council.region for council in all_councils() if council.region}
    return [(region, region) for region in sorted(regions)]


# Lenient fields keep the values they know and drop the rest: one stale or mistyped value in
# a shared link narrows by the others, instead of switching the whole filter off.
class LenientMultipleChoiceField(forms.MultipleChoiceField):
    def clean(self, value):
        return super().clean([item for item in value or [] if self.valid_value(str(item))])


class LenientModelMultipleChoiceField(ModelMultipleChoiceField):
    def clean(self, value):
        value = [str(item) for item in value or []]
        known = set(
            self.queryset.filter(**{f"{self.to_field_name}__in": value}).values_list(
                self.to_field_name, flat=True
            )
        )
        return super().clean([item for item in value if item in known])


class MultipleChoiceFilter(django_filters.MultipleChoiceFilter):
    field_class = LenientMultipleChoiceField


class ModelMultipleChoiceFilter(django_filters.ModelMultipleChoiceFilter):
    field_class = LenientModelMultipleChoiceField


class YearFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=FIRST_YEAR, max_value=LAST_YEAR, **kwargs)


class ArchiveFilter(django_filters.FilterSet):
    """What findings and letters share: words, council, region, year and inspection type."""

    # Field paths from the model filtered to its letter; subclasses set it.
    letter_path = ""

    q = django_filters.CharFilter(method="filter_search", label="Search words")
    # distinct=False throughout: every filter follows foreign keys towards one row (a letter,
    # a council), so no result can repeat, and DISTINCT would cost a sort of every match.
    authority = ModelMultipleChoiceFilter(
        label="Council", to_field_name="slug", queryset=Authority.objects.all(), distinct=False
    )
    region = MultipleChoiceFilter(label="Region", choices=region_choices, distinct=False)
    year = MultipleChoiceFilter(label="Year", choices=year_choices, distinct=False)
    year_from = YearFilter(label="From year", method="filter_year_from")
    year_to = YearFilter(label="To year", method="filter_year_to")
    inspection_type = MultipleChoiceFilter(
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

    category = MultipleChoiceFilter(label="Category", choices=Category.choices, distinct=False)
    theme = ModelMultipleChoiceFilter(
        label="Theme",
        to_field_name="slug",
        queryset=Theme.objects.all(),
        method="filter_theme",
        distinct=False,
    )

    # One letter's findings: the council page links its counts here.
    letter = django_filters.ModelChoiceFilter(
        label="Letter",
        field_name="inspection",
        queryset=Inspection.objects.select_related("authority").defer(*LETTER_TEXT_FIELDS),
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


def canonical_query(filterset: ArchiveFilter, data: QueryDict) -> QueryDict:
    """The query string as the FilterSet understood it: values it dropped are gone.

    Facets, chips and links are built from this, so nothing shows as chosen that does not
    narrow the results.
    """
    cleaned = filterset.form.cleaned_data
    canonical = QueryDict(mutable=True)
    for name in data:
        if name == "page":
            canonical.setlist(name, data.getlist(name))
        elif name in filterset.form.fields:
            field = filterset.form.fields[name]
            values = _as_list(cleaned.get(name))
            canonical.setlist(name, [_as_param(value, field) for value in values])
    return canonical


def _as_list(value) -> list:
    if value is None or value == "":
        return []
    if isinstance(value, str | int | bool | Model):
        return [value]
    return list(value)  # a list of choices or a queryset of chosen objects


def _as_param(value, field) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Model):
        return str(getattr(value, getattr(field, "to_field_name", None) or "pk"))
    return str(value)
