"""FilterSets: what the findings and letters pages can be narrowed by, read from the URL.

Several values of one filter are ORed; different filters are ANDed. Every filter lives in
the query string, so any view is a permalink. Values that do not validate are ignored
rather than answered with an error page, and `ignored_values()` names them for the page.
"""

import datetime
from functools import partial

import django_filters
from django import forms
from django.db.models import Model
from django.http import QueryDict
from django_filters.fields import ModelMultipleChoiceField
from drf_spectacular.utils import extend_schema_field

from inspections import grades
from inspections.councils import all_councils
from inspections.facets import councils_by_region
from inspections.models import (
    Authority,
    Category,
    Inspection,
    InspectionType,
    JudgementArea,
    Theme,
)
from inspections.parsing import letter
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
        if not value and not self.required:
            # Nothing chosen: nothing to look up, and an empty list where Django gives
            # queryset.none(), which the filter's `if not value` would compile and run
            # (~0.5 ms a page for the council and theme filters).
            return []
        if not value:
            return super().clean(value)
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


# The API's schema: a grade code (the choices are read when a form is built, which the
# schema generator cannot see).
@extend_schema_field({"type": "string", "enum": list(letter.GRADE_LABELS)})
class GradeFilter(MultipleChoiceFilter):
    """Rows whose council's grade is one chosen: the rows whose `expression()` (the one the
    facet counts group by, from inspections.grades) is a chosen value, or, where given, the
    condition `narrowing(chosen)` that picks the same rows faster. Either way a facet's count
    is what choosing its value gives.
    """

    def __init__(self, *args, expression, narrowing=None, **kwargs):
        self.expression = expression
        self.narrowing = narrowing
        super().__init__(*args, choices=grades.grade_choices, distinct=False, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        if self.narrowing:
            return qs.filter(self.narrowing(value))
        name = f"{self.field_name}_value"
        return qs.alias(**{name: self.expression()}).filter(**{f"{name}__in": value})


def latest_grade_filter(area: str, name: str) -> GradeFilter:
    """Letters whose council's latest report graded `area` as chosen."""
    return GradeFilter(
        label=f"{name} (council's latest report)",
        expression=partial(grades.latest_grade, area),
        narrowing=partial(grades.councils_graded, area),
    )


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
    region = MultipleChoiceFilter(
        label="Region", choices=region_choices, method="filter_region", distinct=False
    )
    year = MultipleChoiceFilter(label="Year", choices=year_choices, distinct=False)
    year_from = YearFilter(label="From year", method="filter_year_from")
    year_to = YearFilter(label="To year", method="filter_year_to")
    inspection_type = MultipleChoiceFilter(
        label="Inspection type", choices=InspectionType.choices, distinct=False
    )
    sort = django_filters.ChoiceFilter(
        label="Sort by", choices=SORT_CHOICES, method="filter_nothing", empty_label=None
    )

    # The form class of each FilterSet class, built from its filters once: django-filter
    # builds it, and every filter's form field, for each FilterSet made (a page makes one or
    # more). Its fields read their choices when used (callables, querysets), and each form
    # copies its class's fields, so nothing is shared between requests.
    _form_classes: dict[type, type] = {}

    def get_form_class(self):
        form_class = ArchiveFilter._form_classes.get(type(self))
        if form_class is None:
            form_class = ArchiveFilter._form_classes[type(self)] = super().get_form_class()
        return form_class

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

    def filter_region(self, queryset, name, value):
        if not value:
            return queryset
        # By the region's councils' ids, not a join to the councils: an index of the rows'
        # own columns (council, category, date) then narrows a search with other filters,
        # where the join left the planner every row of the words' matches to read (a
        # common word, London and a category: 88,000 rows read to keep 15,000).
        councils = [pk for pk, (region, _) in councils_by_region().items() if region in value]
        if not councils:  # a region of England with no council in the archive: nothing
            return queryset.filter(**{f"{self.letter_path}authority__region__in": value})
        return queryset.filter(**{f"{self.letter_path}authority_id__in": councils})

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
        sort = cleaned.get("sort") or "relevance"
        queryset = queryset.search(
            query, newest_field=f"{self.letter_path}letter_date", ranked=sort == "relevance"
        )
        if sort == "newest":
            queryset = queryset.order_by(f"-{self.letter_path}letter_date", "-pk")
        elif sort == "oldest":
            queryset = queryset.order_by(f"{self.letter_path}letter_date", "pk")
        return queryset


class FindingFilter(ArchiveFilter):
    # A finding carries its letter's council, date and type (models.Finding): filtering on
    # them needs no join to the letters.
    letter_path = ""

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

    # The council's overall effectiveness when the letter was written.
    grade_at_time = GradeFilter(
        label="Council's overall grade at the time", expression=grades.grade_at_time_of_finding
    )

    def filter_theme(self, queryset, name, value):
        if not value:
            return queryset
        # Any of the chosen themes among those the finding carries (models.Finding): its own
        # index, which a word search's is ANDed with.
        return queryset.filter(theme_ids__overlap=[theme.pk for theme in value])


class LetterFilter(ArchiveFilter):
    letter_path = ""

    priority_action = django_filters.BooleanFilter(
        label="Names an area for priority action",
        widget=forms.Select(choices=[("", "Any"), ("true", "Yes"), ("false", "No")]),
    )
    # The council's grades now: each from its latest report to grade that judgement, whatever
    # the letter's own date (the findings page has the grade at the time).
    latest_overall_effectiveness = latest_grade_filter(
        JudgementArea.OVERALL_EFFECTIVENESS, "Overall effectiveness"
    )
    latest_leadership = latest_grade_filter(JudgementArea.LEADERSHIP, "Leaders")
    latest_help_and_protection = latest_grade_filter(
        JudgementArea.HELP_AND_PROTECTION, "Help and protection"
    )
    latest_children_in_care = latest_grade_filter(
        JudgementArea.CHILDREN_IN_CARE, "Children in care"
    )
    latest_care_leavers = latest_grade_filter(JudgementArea.CARE_LEAVERS, "Care leavers")


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


# What a filter is called in a notice, and why a value of it was ignored:
# "council ‘narnia’ is not in the archive".
_IGNORED = {
    "authority": ("council", "is not in the archive"),
    "region": ("region", "is not a region of England"),
    "year": ("year", "is not a year of the archive"),
    "year_from": ("from year", f"is not a year from {FIRST_YEAR} to {LAST_YEAR}"),
    "year_to": ("to year", f"is not a year from {FIRST_YEAR} to {LAST_YEAR}"),
    "inspection_type": ("inspection type", "is not an inspection type"),
    "category": ("category", "is not a category of finding"),
    "theme": ("theme", "is not a theme"),
    "letter": ("letter", "is not a letter in the archive"),
    "sort": ("sort", "is not a way to sort"),
    "priority_action": ("priority action", "is not yes or no"),
    "grade_at_time": ("grade at the time", "is not a grade"),
    **{
        f"latest_{area}": (f"latest {grades.AREA_SHORT[area].lower()} grade", "is not a grade")
        for area in grades.AREAS
    },
}
# Parameters that are no filter but belong in the query string: the page, and the text
# typed to narrow a long facet's list (facets.narrow_param).
_NOT_FILTERS = {"page", "find_authority", "find_theme"}


def ignored_values(filterset: ArchiveFilter, data: QueryDict) -> list[str]:
    """Each value in the query string that the FilterSet dropped, and why, in words."""
    cleaned = filterset.form.cleaned_data
    canonical = canonical_query(filterset, data)
    fields = filterset.form.fields
    ignored = []
    for name in data:
        given = [value for value in dict.fromkeys(data.getlist(name)) if value.strip()]
        if name == "q" or name in _NOT_FILTERS or not given:
            continue  # any text is a query; an empty box is no choice
        if name not in fields:
            ignored.append(f"‘{_shown(name)}’ is not something this page can be narrowed by")
            continue
        if isinstance(fields[name], forms.MultipleChoiceField | ModelMultipleChoiceField):
            kept = set(canonical.getlist(name))
            dropped = [value for value in given if value not in kept]
        else:  # one value, the last given, as QueryDict.get() reads it
            dropped = [] if cleaned.get(name) not in (None, "") else given[-1:]
        noun, reason = _IGNORED.get(name, (name, "is not understood"))
        ignored += [f"{noun} ‘{_shown(value)}’ {reason}" for value in dropped]
    return ignored


def _shown(value: str) -> str:
    return value if len(value) <= 40 else value[:40] + "…"
