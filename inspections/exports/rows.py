"""What an export holds: the findings the page lists, in its order (`chosen_rows`), and the
SQL reading their cells with their themes in one statement (`rows_sql`)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Window
from django.db.models.functions import RowNumber
from django.http import QueryDict
from django.urls import reverse

from inspections import browse
from inspections.best_of_newest import BestOfNewest
from inspections.facets import too_many_to_count
from inspections.filters import FindingFilter, canonical_query
from inspections.models import Category, Finding, InspectionType, Theme
from inspections.result_order import in_order

EXPORT_ROW_LIMIT = 10_000
EXPORT_COLUMNS = [
    "council",
    # The council's codes, to join with other data: ONS's GSS code (E08000012) and the DfE's
    # three-digit LA code (341); empty (null in JSON) for a council not in the reference data.
    "gss_code",
    "dfe_la_code",
    "region",
    "letter_date",
    "inspection_type",
    "inspection_type_label",
    "category",
    "category_label",
    "heading",
    "themes",
    "recurring",
    "text",
    "letter_url",
    "finding_url",
]


class ExportInvalid(ValueError):
    """The query string asks for something the export cannot give: said before any byte."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{name}: {' '.join(texts)}" for name, texts in errors.items()))
        self.errors = errors


def export_name(extension: str) -> str:
    return f"findings-{datetime.date.today():%Y-%m-%d}.{extension}"


# A spreadsheet reads a cell starting with one of these as a formula (OWASP's list): a
# letter's "=HYPERLINK(...)" would run on the reader's machine, so it gets a leading
# apostrophe, which spreadsheets take as "text" and do not show.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """The text, with an apostrophe first where a spreadsheet would run it as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


# A finding's fields the cells are made of (`f` in `rows_sql`).
ROW_FIELDS = (
    "category",
    "heading",
    "position",
    "text",
    "recurring",
    "inspection_id",
    "authority_id",
    "letter_date",
    "inspection_type",
    "theme_ids",
)


@dataclass(frozen=True)
class Chosen:
    """SQL selecting the findings an export holds, numbered in order from 1: rows (id, n),
    or with `carries_rows` (id, n, *ROW_FIELDS); and its parameters (positional)."""

    sql: str
    params: list
    carries_rows: bool = False


def chosen_rows(data: QueryDict) -> Chosen:
    """The findings the page lists for this query string, at most EXPORT_ROW_LIMIT, in its
    order; ExportInvalid if the query string cannot be used."""
    filterset = FindingFilter(data, queryset=Finding.objects.all())
    if not filterset.is_valid():
        raise ExportInvalid({name: list(texts) for name, texts in filterset.errors.items()})
    # The page's order, so the file holds what the page listed, however many match.
    estimated = too_many_to_count(filterset.qs.order_by())
    # The page's scale read from its module when asked, so the two cannot differ; the state
    # as the page understands it, which names a window a reader paging on has kept.
    scale = browse.FINDINGS_SCALE
    ordered = in_order(
        filterset,
        filterset.qs,
        "letter_date",
        scale,
        estimated=estimated,
        data=canonical_query(filterset, data),
    )
    if isinstance(ordered, BestOfNewest):
        kept = ordered.kept_ids(EXPORT_ROW_LIMIT)
        if kept is not None:
            # One string of ids: a list is quoted element by element, costing more than
            # the statement's own work.
            return Chosen(
                "SELECT id, n FROM unnest(string_to_array(%s, ',')::bigint[])"
                " WITH ORDINALITY AS kept (id, n)",
                [",".join(map(str, kept))],
            )
        # Each row comes with the window (its row is read anyway, to test it for the
        # words), not read again by id: ~25 of ~190 ms at 100,000 letters, caches cold.
        sql, params = ordered.numbered(EXPORT_ROW_LIMIT, carrying=ROW_FIELDS)
        return Chosen(sql, params, carries_rows=True)
    # Numbered by the order itself, which ends with the id, so no two rows share a place;
    # read in that order, the numbering costs no sort of its own. Only the ids: a walk
    # of the date index that filters (a theme's findings) reads no row it leaves out.
    numbered = ordered.annotate(
        export_place=Window(RowNumber(), order_by=ordered.query.order_by)
    ).values_list("pk", "export_place")[:EXPORT_ROW_LIMIT]
    sql, params = numbered.query.sql_with_params()
    return Chosen(sql, list(params))


def _letter_url_parts(base_url: str) -> tuple[str, str]:
    """A letter's absolute address, before and after its id: the URL conf stays the one
    place that knows it, asked once rather than a row."""
    path = reverse("inspections:letter-detail", args=[0])
    before, _, after = path.rpartition("/0/")
    return base_url.rstrip("/") + before + "/", "/" + after


# ---------------------------------------------------------------------- the rows


def rows_sql(cells: str, theme_names: str, chosen: Chosen, base_url: str):
    """SQL and parameters selecting `cells` for the chosen findings (`chosen_rows`), one
    row each, with their place in order first (`n`); unordered.

    In `cells`, `f` is the finding, `a` its council, `themes.names` its themes' names as
    `theme_names` aggregates `t.name` in name order (NULL for none), `type_label.label`
    and `category_label.label` the labels (NULL for an unknown value), and `{letter_url}`
    and `{finding_url}` the finding's links. Parameters are positional, in the order
    their placeholders come in the statement: the chosen rows' first.
    """
    finding = Finding._meta.db_table
    authority = Finding._meta.get_field("authority").related_model._meta.db_table
    theme = Theme._meta.db_table
    type_values, type_labels = zip(*InspectionType.choices, strict=True)
    category_values, category_labels = zip(*Category.choices, strict=True)
    letter_url = "(link.before || f.inspection_id || link.after)"
    cells = cells.format(
        letter_url=letter_url, finding_url=f"({letter_url} || '#finding-' || f.position)"
    )
    # The chosen findings' rows come with them (the best of the newest), or are read by
    # id, one index probe each, through a lateral subquery that OFFSET 0 keeps from being
    # merged into a join. As a join, the planner costs each probe as a read from disk and,
    # at 10,000 letters, reads the whole findings table (a merge join) instead.
    if chosen.carries_rows:
        columns, rows = ", ".join(("id", "n", *ROW_FIELDS)), "chosen AS f"
    else:
        columns = "id, n"
        rows = (
            f"chosen CROSS JOIN LATERAL (SELECT chosen.n, * FROM {finding}"
            " WHERE id = chosen.id OFFSET 0) AS f"
        )
    sql = (
        # Referred to twice, so computed once (materialized).
        f"WITH chosen ({columns}) AS ({chosen.sql}),"
        # The names of each set of themes the rows carry (models.Finding), in name order,
        # from rows sorted once and aggregated once a set (1,138 sets among a common
        # word's newest 10,000 findings at 100,000 letters), not looked up finding by
        # finding. An aggregate's own ORDER BY would sort each set apart. Materialized:
        # left to be inlined, PostgreSQL 18 planned an aggregate like it inside a nested
        # loop over the rows (a letter of 10,000 findings: minutes).
        f" themes AS MATERIALIZED (SELECT ids, {theme_names} AS names FROM ("
        f"SELECT sets.ids, t.name FROM (SELECT DISTINCT f.theme_ids AS ids FROM {rows}) AS sets"
        f" CROSS JOIN unnest(sets.ids) AS tagged(id) JOIN {theme} t ON t.id = tagged.id"
        " ORDER BY sets.ids, t.name) AS t GROUP BY ids)"
        f" SELECT f.n, {cells}"
        # The letter's council, date and type as the finding carries them (kept in step
        # by migration 0014's trigger): no letter read a row.
        f" FROM {rows} JOIN {authority} a ON a.id = f.authority_id"
        " CROSS JOIN (SELECT %s::text, %s::text) AS link(before, after)"
        " LEFT JOIN themes ON themes.ids = f.theme_ids"
        " LEFT JOIN unnest(%s::text[], %s::text[])"
        " AS type_label(value, label) ON type_label.value = f.inspection_type"
        " LEFT JOIN unnest(%s::text[], %s::text[])"
        " AS category_label(value, label) ON category_label.value = f.category"
    )
    params = [
        *chosen.params,
        *_letter_url_parts(base_url),
        list(type_values),
        [str(label) for label in type_labels],
        list(category_values),
        [str(label) for label in category_labels],
    ]
    return sql, params
