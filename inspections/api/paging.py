"""Cursor pagination in whatever order the FilterSet put the results, and the filter backend.

The FilterSet orders results (relevance, newest or oldest first); the cursor keys on every
field of that order, read back from each row, so a field of the letter
("inspection__letter_date") is read through an alias annotated on the finding, and the rank
through an exact one. A search too big to rank whole comes as the best of the newest
matches (inspections.best_of_newest), whose window is ranked and cut after the cursor in one
statement; its cursors hold the same values (rank, date, id).
"""

import json

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F, FloatField, Q
from django.db.models.functions import Cast
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import Cursor, CursorPagination

from inspections.best_of_newest import BestOfNewest, position_from
from inspections.filters import ignored_values
from inspections.result_order import api_results

# The exact (float8) alias of a float annotation, the rank, that the cursor keys on.
RANK_ALIAS = "cursor_exact_"
# Query parameters of the API that are not filters.
NOT_FILTERS = {"cursor", "page_size", "format"}


class ArchiveFilterBackend(DjangoFilterBackend):
    """The pages' FilterSet, strict: a value the page would ignore with a notice is a 400.

    A script that asks for a council that is not there should hear so, rather than get every
    council's letters.
    """

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        data = request.query_params.copy()
        for name in NOT_FILTERS:
            data.pop(name, None)
        ignored = ignored_values(filterset, data)
        if ignored:
            raise ValidationError({"detail": [f"Ignored: {reason}." for reason in ignored]})
        return api_results(filterset, newest_field=view.newest_field, scale=view.scale)


class ArchiveCursorPagination(CursorPagination):
    """Keyset pages: a cursor holds the ordering values of the row it follows (or precedes).

    DRF's own cursor keys on the first ordering field alone and steps through ties by
    offset, which repeats or skips rows where many share a value (a letter's findings share
    its date; equal ranks are common). Here the next page is the rows strictly after the
    last one in the whole ordering, which always ends with the primary key, so each row
    comes once, and a page costs an index range scan however deep it is.
    """

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def paginate_queryset(self, queryset, request, view=None):
        self.page_size = self.get_page_size(request)
        self.base_url = request.build_absolute_uri()
        self.cursor = self.decode_cursor(request)
        after = self.cursor is not None and self.cursor.position is not None
        backwards = bool(self.cursor and self.cursor.reverse)
        position = self._cursor_values() if after else None
        if isinstance(queryset, BestOfNewest):
            listed = self._window_page(queryset, position, backwards)
        else:
            listed = self._queryset_page(queryset, position, backwards)
        more = len(listed) > self.page_size
        listed = listed[: self.page_size]
        if backwards:
            listed.reverse()
            self.has_next, self.has_previous = after, more
        else:
            self.has_next, self.has_previous = more, after
        to_load = [pk for pk, _, row in listed if row is None]
        if to_load:
            loaded = view.get_queryset().in_bulk(to_load)
            # A row deleted between the two statements is left out.
            listed = [
                (pk, values, loaded.get(pk) if row is None else row) for pk, values, row in listed
            ]
            listed = [item for item in listed if item[2] is not None]
        self.page = [row for _, _, row in listed]
        self.positions = [values for _, values, _ in listed]
        return self.page

    def _queryset_page(self, queryset, position, backwards: bool) -> list[tuple]:
        """One more row than a page: (id, ordering values, row or None to load by id)."""
        queryset, self.ordering = _with_cursor_fields(queryset)
        if position is not None:
            if len(position) != len(self.ordering):
                raise NotFound(self.invalid_cursor_message)
            try:
                queryset = queryset.filter(self._beyond(position, backwards))
            except (TypeError, ValueError, DjangoValidationError):
                raise NotFound(self.invalid_cursor_message) from None
        ordering = [_flipped(field) for field in self.ordering] if backwards else self.ordering
        names = [field.lstrip("-") for field in self.ordering]  # the last is the id
        queryset = queryset.order_by(*ordering)
        if not _by_relevance(queryset):
            # Read in order from an index (a date, a name): the rows themselves, at once.
            rows = queryset[: self.page_size + 1]
            return [(row.pk, [getattr(row, name) for name in names], row) for row in rows]
        # Ranked: every match is ranked and sorted to find a page. As the page does, that
        # statement carries ids and ordering values only (not each match's text and letter
        # through the sort, nor its rank computed twice), and the page's rows are loaded
        # by id after it.
        rows = queryset.values_list(*names)[: self.page_size + 1]
        return [(values[-1], list(values), None) for values in rows]

    def _window_page(self, window: BestOfNewest, position, backwards: bool) -> list[tuple]:
        """The same from the best of the newest: the window found, ranked and cut after the
        cursor in one statement, as the page does (no ids sent back to be ranked again)."""
        if position is not None:
            try:
                position = position_from(position)
            except (TypeError, ValueError):
                raise NotFound(self.invalid_cursor_message) from None
        listed = window.keyset(position, backwards=backwards, limit=self.page_size + 1)
        return [(pk, list(values), None) for pk, values in listed]

    def get_next_link(self):
        if not (self.has_next and self.page):
            return None
        return self.encode_cursor(Cursor(0, False, _encoded(self.positions[-1])))

    def get_previous_link(self):
        if not (self.has_previous and self.page):
            return None
        return self.encode_cursor(Cursor(0, True, _encoded(self.positions[0])))

    def _cursor_values(self) -> list:
        """The ordering values of the row the cursor points at, as it holds them."""
        try:
            values = json.loads(self.cursor.position)
        except ValueError:
            values = None
        if not isinstance(values, list):
            raise NotFound(self.invalid_cursor_message)
        return values

    def _beyond(self, values: list, backwards: bool) -> Q:
        """Rows after (or before) the row whose ordering values are `values`."""
        condition = Q(pk__in=[])
        equal = Q()
        bound = Q()
        for index, (field, value) in enumerate(zip(self.ordering, values, strict=True)):
            name = field.lstrip("-")
            descending = field.startswith("-") != backwards
            condition |= equal & Q(**{f"{name}__{'lt' if descending else 'gt'}": value})
            equal &= Q(**{name: value})
            if index == 0:
                # Implied by the ORs, but only this form lets an index on the first field
                # (the letter date) start at the cursor instead of at the newest row.
                bound = Q(**{f"{name}__{'lte' if descending else 'gte'}": value})
        return bound & condition


def _encoded(values: list) -> str:
    return json.dumps(
        [value.isoformat() if hasattr(value, "isoformat") else value for value in values]
    )


def _flipped(field: str) -> str:
    return field[1:] if field.startswith("-") else f"-{field}"


def _by_relevance(queryset) -> bool:
    """Whether the queryset is ordered by its rank (an annotation), not by a column."""
    first = queryset.query.order_by[0].lstrip("-")
    return first.startswith(RANK_ALIAS)


def _with_cursor_fields(queryset):
    """The queryset with a local, exact alias for each ordering field that needs one, and
    its ordering in those names."""
    aliases, ordering = {}, []
    for field in queryset.query.order_by:
        sign, name = ("-", field[1:]) if field.startswith("-") else ("", field)
        if name == "pk" or name == queryset.model._meta.pk.name:
            ordering.append(f"{sign}pk")
            continue
        annotation = queryset.query.annotations.get(name)
        if "__" in name:  # a field across a relation, read through a local name
            alias = "cursor_" + name.replace("__", "_")
            aliases[alias] = F(name)
        elif annotation is not None and isinstance(annotation.output_field, FloatField):
            # The rank is a float4, which Python reads rounded: compared with that in the
            # next page's WHERE, rows would be skipped or repeated. As float8 it is exact.
            alias = f"{RANK_ALIAS}{name}"
            aliases[alias] = Cast(F(name), FloatField())
        else:
            alias = name
        ordering.append(sign + alias)
    if not ordering or ordering[-1].lstrip("-") != "pk":
        ordering.append("pk")  # a total order, whatever the queryset had
    return (queryset.annotate(**aliases) if aliases else queryset), ordering
