"""Cursor pagination in whatever order the FilterSet put the results, and the filter backend.

The FilterSet orders results (relevance, newest or oldest first); the cursor keys on every
field of that order, read back from each row, so a field of the letter
("inspection__letter_date") is read through an alias annotated on the finding, and the rank
through an exact one.
"""

import json

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F, FloatField, Q
from django.db.models.functions import Cast
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import Cursor, CursorPagination

from inspections.browse import api_results
from inspections.filters import ignored_values

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
        queryset, self.ordering = _with_cursor_fields(queryset)
        self.cursor = self.decode_cursor(request)
        after = self.cursor is not None and self.cursor.position is not None
        backwards = bool(self.cursor and self.cursor.reverse)
        if after:
            try:
                queryset = queryset.filter(self._beyond(self.cursor.position, backwards))
            except (TypeError, ValueError, DjangoValidationError):
                raise NotFound(self.invalid_cursor_message) from None
        ordering = [_flipped(field) for field in self.ordering] if backwards else self.ordering
        rows = list(queryset.order_by(*ordering)[: self.page_size + 1])
        more = len(rows) > self.page_size
        rows = rows[: self.page_size]
        if backwards:
            rows.reverse()
            self.has_next, self.has_previous = after, more
        else:
            self.has_next, self.has_previous = more, after
        self.page = rows
        return rows

    def get_next_link(self):
        if not (self.has_next and self.page):
            return None
        return self.encode_cursor(Cursor(0, False, self._position(self.page[-1])))

    def get_previous_link(self):
        if not (self.has_previous and self.page):
            return None
        return self.encode_cursor(Cursor(0, True, self._position(self.page[0])))

    def _position(self, row) -> str:
        values = [getattr(row, field.lstrip("-")) for field in self.ordering]
        return json.dumps(
            [value.isoformat() if hasattr(value, "isoformat") else value for value in values]
        )

    def _beyond(self, position: str, backwards: bool) -> Q:
        """Rows after (or before) the row whose ordering values `position` holds."""
        try:
            values = json.loads(position)
        except ValueError:
            values = None
        if not isinstance(values, list) or len(values) != len(self.ordering):
            raise NotFound(self.invalid_cursor_message)
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


def _flipped(field: str) -> str:
    return field[1:] if field.startswith("-") else f"-{field}"


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
            alias = f"cursor_{name}"
            aliases[alias] = Cast(F(name), FloatField())
        else:
            alias = name
        ordering.append(sign + alias)
    if not ordering or ordering[-1].lstrip("-") != "pk":
        ordering.append("pk")  # a total order, whatever the queryset had
    return (queryset.annotate(**aliases) if aliases else queryset), ordering
