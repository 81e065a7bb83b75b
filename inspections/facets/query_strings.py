"""Facets' query strings: whether one narrows the results, a value's link (the query with
that value chosen or unchosen), the query without some parameters, a value as a parameter.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import QueryDict


def narrows(data: QueryDict) -> bool:
    """Whether the (canonical) query string `data` leaves out any row: any filter but the
    order and the page."""
    return any(
        value for name in data if name not in ("sort", "page") for value in data.getlist(name)
    )


def as_param(value) -> str:
    """A counted value as the query string writes it (a boolean as true or false)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def toggle_query(data: QueryDict, name: str, value: str) -> str:
    """The query string with `value` of `name` added if absent, removed if present."""
    return toggler(data, name)(value)


def toggler(data: QueryDict, name: str) -> Callable[[str], str]:
    """toggle_query() for one facet's many values: the rest of the query encoded once.

    A facet lists up to 160 values, each with its link: copying the QueryDict for each
    (a deep copy) was a tenth of a rare word's page. Same string as QueryDict.urlencode():
    parameters in their order, the facet's own where it was or else last.
    """
    before: list[tuple[str, str]] = []
    after: list[tuple[str, str]] = []
    chosen = data.getlist(name) if name != "page" else []
    seen = False
    for key, values in data.lists():
        if key == "page":
            continue  # a new choice starts from page 1
        if key == name:
            seen = True
        else:
            (after if seen else before).extend((key, value) for value in values)
    head, tail = urlencode(before), urlencode(after)

    def toggled(value: str) -> str:
        own = [v for v in chosen if v != value] if value in chosen else [*chosen, value]
        middle = urlencode([(name, v) for v in own])
        return "&".join(part for part in (head, middle, tail) if part)

    return toggled


def without_query(data: QueryDict, *names: str) -> str:
    """The query string without the named parameters (and without the page number)."""
    query = data.copy()
    for name in (*names, "page"):
        query.pop(name, None)
    return query.urlencode()
