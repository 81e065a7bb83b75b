"""Facet counts: how many results each value of each facet would give, exact or estimated.

By job:
- `specs`: the facets (what each counts, how its values are named) and a facet as a page
  shows it (`Facet`, `FacetValue`), its values narrowed by typed text;
- `counting`: `facet_counts`, which decides what is counted together, and how;
- `counting_sql`: the statements that count;
- `estimates`: whether results are too many to count exactly, the sample counted instead,
  estimates rounded;
- `query_strings`: a value's link, the query without some parameters, whether it narrows.

Callers use `inspections.facets.<name>` for the names here. A test replacing a function
replaces it in the module that calls it (`estimates.estimated_rows`,
`counting._counts_in_one_scan`): a name re-exported here is only another reference.
"""

from inspections.facets.counting import facet_counts
from inspections.facets.counting_sql import FirstPage
from inspections.facets.estimates import about, too_many_to_count
from inspections.facets.query_strings import narrows, toggle_query, without_query
from inspections.facets.specs import (
    FINDING_FACETS,
    LETTER_FACETS,
    Facet,
    FacetSpec,
    FacetValue,
    councils_by_region,
)

__all__ = [
    "FINDING_FACETS",
    "LETTER_FACETS",
    "Facet",
    "FacetSpec",
    "FacetValue",
    "FirstPage",
    "about",
    "councils_by_region",
    "facet_counts",
    "narrows",
    "too_many_to_count",
    "toggle_query",
    "without_query",
]
