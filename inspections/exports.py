"""The findings exports (CSV and JSON): the rows the findings page lists, as a file.

Everything that can fail before the file starts is done first (`export_ids`): the query
string is validated (ExportInvalid) and the ids of every row, in the page's order, are read
in one query, so a bad filter or an unreachable database is an error page, not a 200 with
a truncated file. The rows are then read EXPORT_CHUNK at a time, two statements a chunk
(rows, their themes), as the client takes them: a slow download holds no statement open
between chunks.

For the CSV, PostgreSQL hands over each row's cells already as the text the file holds
(defused, labelled, linked) and Python only quotes and joins them (`csv_chunks`). It was a
dict a row, then csv.writer: 3-4 times the CPU. Having PostgreSQL write whole lines was
tried and dropped: it moved the cost into PostgreSQL rather than removing it.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator

from django.db import connections
from django.http import QueryDict
from django.urls import reverse

from inspections import browse
from inspections.best_of_newest import BestOfNewest
from inspections.facets import too_many_to_count
from inspections.filters import FindingFilter
from inspections.models import Category, Finding, FindingTheme, InspectionType, Theme
from inspections.routers import read_alias

EXPORT_ROW_LIMIT = 10_000
EXPORT_CHUNK = 1000  # rows read a statement
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
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """The text, with an apostrophe first where a spreadsheet would run it as a formula."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def export_ids(data: QueryDict) -> list[int]:
    """The ids of the findings the page lists for this query string, in its order, at most
    EXPORT_ROW_LIMIT; ExportInvalid if the query string cannot be used."""
    filterset = FindingFilter(data, queryset=Finding.objects.all())
    if not filterset.is_valid():
        raise ExportInvalid({name: list(texts) for name, texts in filterset.errors.items()})
    # The page's order, so the file holds what the page listed, however many match.
    estimated = too_many_to_count(filterset.qs.order_by())
    # The page's scale read from its module when asked, so the two cannot differ.
    scale = browse.FINDINGS_SCALE
    ordered = browse._in_order(filterset, filterset.qs, "letter_date", scale, estimated=estimated)
    if isinstance(ordered, BestOfNewest):
        return ordered.ids(0, EXPORT_ROW_LIMIT)
    return list(ordered.values_list("pk", flat=True)[:EXPORT_ROW_LIMIT])


def _chunks(ids: list[int]) -> Iterator[str]:
    """The ids EXPORT_CHUNK at a time, as one string parameter each: `pk__in` makes a
    placeholder of each id, and a list is quoted element by element, each costing more
    than the query itself."""
    for start in range(0, len(ids), EXPORT_CHUNK):
        yield ",".join(map(str, ids[start : start + EXPORT_CHUNK]))


def _letter_url_parts(base_url: str) -> tuple[str, str]:
    """A letter's absolute address, before and after its id: the URL conf stays the one
    place that knows it, asked once rather than a row."""
    path = reverse("inspections:letter-detail", args=[0])
    before, _, after = path.rpartition("/0/")
    return base_url.rstrip("/") + before + "/", "/" + after


# ---------------------------------------------------------------------------- CSV


def csv_chunks(ids: list[int], *, base_url: str) -> Iterator[str]:
    """The CSV file of these findings, in order: the header, then one string a chunk.

    PostgreSQL gives each row's cells as text, in column order: free text defused as
    `spreadsheet_safe` does, labels looked up, links built, booleans as "True"/"False".
    Python only quotes and joins them, as csv.writer's default (excel) dialect does, so
    the file is byte for byte what csv.writer wrote of the same cells before (tested
    against it). A row deleted since the ids were read is left out.
    """
    # A byte-order mark, so spreadsheet programs read the curly quotes as UTF-8.
    yield "\ufeff" + _csv_lines([EXPORT_COLUMNS])
    letter_before, letter_after = _letter_url_parts(base_url)
    for id_list in _chunks(ids):
        yield _csv_lines(_csv_chunk(id_list, letter_before, letter_after))


_NEEDS_QUOTES = re.compile('[",\r\n]').search


def _csv_lines(rows) -> str:
    """Rows of text cells as csv.writer writes them: a cell holding a comma, a double
    quote or a line break quoted, its quotes doubled; "\r\n" after each line.

    csv.writer looks at every character in a Python loop of its own: three times the
    time of this, which lets C's substring search find the few cells that need it.
    """
    return "".join(
        ",".join(
            ['"' + cell.replace('"', '""') + '"' if _NEEDS_QUOTES(cell) else cell for cell in row]
        )
        + "\r\n"
        for row in rows
    )


def _defused(expression: str) -> str:
    """SQL for spreadsheet_safe(): an apostrophe before what a spreadsheet would run."""
    starts = ", ".join(_sql_text(start) for start in _FORMULA_STARTS)
    return (
        f"CASE WHEN left({expression}, 1) IN ({starts})"
        f" THEN '''' || {expression} ELSE {expression} END"
    )


def _sql_text(text: str) -> str:
    """A PostgreSQL escape-string literal of plain characters, tabs and returns."""
    escaped = text.replace("\\", "\\\\").replace("'", "''")
    return "E'" + escaped.replace("\t", "\\t").replace("\r", "\\r") + "'"


def _csv_chunk(id_list: str, letter_before: str, letter_after: str) -> list[tuple]:
    """One chunk's rows as CSV cells, in order, in two statements: themes, then rows.

    The themes are a statement of their own: as a subquery a row, they were a thousand
    index scans a chunk and doubled the statement's time.
    """
    finding = Finding._meta.db_table
    authority = Finding._meta.get_field("authority").related_model._meta.db_table
    type_values, type_labels = zip(*InspectionType.choices, strict=True)
    category_values, category_labels = zip(*Category.choices, strict=True)
    with connections[read_alias(Finding)].cursor() as cursor:
        names = _theme_names(cursor, id_list)
        themes = {pk: spreadsheet_safe("; ".join(each)) for pk, each in names.items()}
        # Only free text can start like a formula: codes, labels, dates, booleans and our
        # own links never do.
        cursor.execute(
            f"SELECT f.id, {_defused('a.name')}, a.gss_code, a.la_code, {_defused('a.region')},"
            " f.letter_date::text, f.inspection_type,"
            " coalesce(type_label.label, f.inspection_type),"
            " f.category, coalesce(category_label.label, f.category),"
            f" {_defused('f.heading')},"
            " CASE WHEN f.recurring THEN 'True' ELSE 'False' END,"  # str() of a bool
            f" {_defused('f.text')},"
            " %s || f.inspection_id || %s, f.position"
            f" FROM {finding} f"
            # The letter's council, date and type as the finding carries them (kept in
            # step by migration 0014's trigger): no letter read a row.
            f" JOIN {authority} a ON a.id = f.authority_id"
            " LEFT JOIN unnest(%s::text[], %s::text[]) AS type_label(value, label)"
            " ON type_label.value = f.inspection_type"
            " LEFT JOIN unnest(%s::text[], %s::text[]) AS category_label(value, label)"
            " ON category_label.value = f.category"
            " WHERE f.id = ANY(string_to_array(%s, ',')::bigint[])",
            [
                letter_before,
                letter_after,
                list(type_values),
                [str(label) for label in type_labels],
                list(category_values),
                [str(label) for label in category_labels],
                id_list,
            ],
        )
        rows = {row[0]: row for row in cursor.fetchall()}
    # In the ids' order (an index scan by id; ordering in SQL made the planner hash the
    # whole table), in EXPORT_COLUMNS order, the themes put in after the heading.
    cells = []
    for pk in map(int, id_list.split(",")):
        row = rows.get(pk)
        if row is not None:  # else deleted since the ids were read
            url = row[13]
            cells.append((*row[1:11], themes.get(pk, ""), *row[11:14], f"{url}#finding-{row[14]}"))
    return cells


# --------------------------------------------------------------------------- JSON


def json_rows(ids: list[int], *, base_url: str) -> Iterator[dict]:
    """These findings as flat rows, in order, read EXPORT_CHUNK at a time as plain values
    (two statements a chunk: rows and their themes), no model instances."""
    letter_before, letter_after = _letter_url_parts(base_url)
    type_labels = dict(InspectionType.choices)
    category_labels = dict(Category.choices)
    for id_list in _chunks(ids):
        rows, themes = _json_chunk(id_list)
        for pk in map(int, id_list.split(",")):
            row = rows.get(pk)
            if row is None:  # deleted since the ids were read
                continue
            council, gss_code, la_code, region, letter_date, inspection_id = row[:6]
            inspection_type, position, category, heading, recurring, text = row[6:]
            url = f"{letter_before}{inspection_id}{letter_after}"
            yield {
                "council": council,
                "gss_code": gss_code or None,
                "dfe_la_code": la_code or None,
                "region": region,
                "letter_date": letter_date.isoformat(),
                "inspection_type": inspection_type,
                "inspection_type_label": type_labels.get(inspection_type, inspection_type),
                "category": category,
                "category_label": category_labels.get(category, category),
                "heading": heading,
                "themes": themes.get(pk, []),
                "recurring": recurring,
                "text": text,
                "letter_url": url,
                "finding_url": f"{url}#finding-{position}",
            }


def _json_chunk(id_list: str) -> tuple[dict[int, tuple], dict[int, list[str]]]:
    """These findings' export columns and their themes by name, in two queries."""
    finding = Finding._meta.db_table
    authority = Finding._meta.get_field("authority").related_model._meta.db_table
    with connections[read_alias(Finding)].cursor() as cursor:
        cursor.execute(
            "SELECT f.id, a.name, a.gss_code, a.la_code, a.region, f.letter_date,"
            " f.inspection_id, f.inspection_type,"
            f" f.position, f.category, f.heading, f.recurring, f.text"
            # The letter's council, date and type as the finding carries them.
            f" FROM {finding} f JOIN {authority} a ON a.id = f.authority_id"
            " WHERE f.id = ANY(string_to_array(%s, ',')::bigint[])",
            [id_list],
        )
        rows = {row[0]: row[1:] for row in cursor.fetchall()}
        themes = _theme_names(cursor, id_list)
    return rows, themes


def _theme_names(cursor, id_list: str) -> dict[int, list[str]]:
    """Each of these findings' theme names, by name. Joined here, not by string_agg(...
    ORDER BY): that sorts each finding's themes apart, a thousand sorts a chunk (35 of 44
    ms at 100,000 letters)."""
    finding_theme, theme = FindingTheme._meta.db_table, Theme._meta.db_table
    cursor.execute(
        f"SELECT ft.finding_id, t.name FROM {finding_theme} ft"
        f" JOIN {theme} t ON t.id = ft.theme_id"
        " WHERE ft.finding_id = ANY(string_to_array(%s, ',')::bigint[]) ORDER BY t.name",
        [id_list],
    )
    names: dict[int, list[str]] = {}
    for finding_id, name in cursor.fetchall():
        names.setdefault(finding_id, []).append(name)
    return names
