"""The findings exports (CSV and JSON): the rows the findings page lists, as a file.

Everything that can fail before the file starts is done first (`export_ids`): the query
string is validated (ExportInvalid) and the ids of every row, in the page's order, are read
in one query, so a bad filter or an unreachable database is an error page, not a 200 with
a truncated file. The rows are then read EXPORT_CHUNK at a time, each chunk one statement,
as the client takes them: a slow download holds no statement open between chunks.

The CSV is written by PostgreSQL: each chunk is one text value, its lines quoted, defused
and joined in SQL (`csv_chunks`), so Python handles one string per thousand rows. It was
csv.writer over a dict a row, which was most of an export's time once the rows were read.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterator

from django.db import connections
from django.http import QueryDict
from django.urls import reverse

from inspections.best_of_newest import BestOfNewest
from inspections.browse import FINDINGS_SCALE, _in_order
from inspections.facets import too_many_to_count
from inspections.filters import FindingFilter
from inspections.models import Category, Finding, FindingTheme, Inspection, InspectionType, Theme
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
    ordered = _in_order(filterset, filterset.qs, "letter_date", FINDINGS_SCALE, estimated=estimated)
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

    Byte for byte what csv.writer (the excel dialect: "\\r\\n" after each line, a cell
    quoted only if it holds a comma, a double quote, "\\r" or "\\n", quotes doubled) wrote of
    the cells before; free text defused with an apostrophe as `spreadsheet_safe` does.
    A row deleted since the ids were read is left out.
    """
    header = io.StringIO()
    csv.writer(header).writerow(EXPORT_COLUMNS)
    # A byte-order mark, so spreadsheet programs read the curly quotes as UTF-8.
    yield "\ufeff" + header.getvalue()
    letter_before, letter_after = _letter_url_parts(base_url)
    for id_list in _chunks(ids):
        yield _csv_chunk(id_list, letter_before, letter_after)


def _quoted(expression: str) -> str:
    """SQL for the CSV cell of a text expression, quoted where csv.writer quotes it."""
    return (
        f"CASE WHEN {expression} ~ E'[\",\\r\\n]'"
        f" THEN '\"' || replace({expression}, '\"', '\"\"') || '\"' ELSE {expression} END"
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


def _csv_chunk(id_list: str, letter_before: str, letter_after: str) -> str:
    """One chunk's CSV lines, built by PostgreSQL in one statement (see csv_chunks)."""
    finding = Finding._meta.db_table
    inspection = Inspection._meta.db_table
    authority = Inspection._meta.get_field("authority").related_model._meta.db_table
    finding_theme = FindingTheme._meta.db_table
    theme = Theme._meta.db_table
    cells = [
        _quoted(_defused("council")),  # only free text can start like a formula
        _quoted("gss_code"),
        _quoted("la_code"),
        _quoted(_defused("region")),
        "letter_date::text",  # ISO 8601, as date.isoformat()
        _quoted("inspection_type"),
        _quoted("inspection_type_label"),
        _quoted("category"),
        _quoted("category_label"),
        _quoted(_defused("heading")),
        _quoted(_defused("theme_names")),
        "CASE WHEN recurring THEN 'True' ELSE 'False' END",  # str() of a bool
        _quoted(_defused("finding_text")),
        _quoted("letter_url"),
        _quoted("letter_url || '#finding-' || finding_position"),
    ]
    line = " || ',' || ".join(f"({cell})" for cell in cells)
    type_values, type_labels = zip(*InspectionType.choices, strict=True)
    category_values, category_labels = zip(*Category.choices, strict=True)
    with connections[read_alias(Finding)].cursor() as cursor:
        cursor.execute(
            f"SELECT string_agg({line} || E'\\r\\n', '' ORDER BY n) FROM ("
            " SELECT chunk.n, a.name AS council, a.gss_code, a.la_code, a.region,"
            " i.letter_date, i.inspection_type,"
            " coalesce(type_label.label, i.inspection_type) AS inspection_type_label,"
            " f.category, coalesce(category_label.label, f.category) AS category_label,"
            " f.heading, coalesce(themes.names, '') AS theme_names, f.recurring,"
            " f.text AS finding_text,"
            " %s || i.id || %s AS letter_url, f.position AS finding_position"
            " FROM unnest(string_to_array(%s, ',')::bigint[]) WITH ORDINALITY AS chunk(id, n)"
            f" JOIN {finding} f ON f.id = chunk.id"
            f" JOIN {inspection} i ON i.id = f.inspection_id"
            f" JOIN {authority} a ON a.id = i.authority_id"
            " LEFT JOIN unnest(%s::text[], %s::text[]) AS type_label(value, label)"
            " ON type_label.value = i.inspection_type"
            " LEFT JOIN unnest(%s::text[], %s::text[]) AS category_label(value, label)"
            " ON category_label.value = f.category"
            " LEFT JOIN LATERAL ("
            "  SELECT string_agg(t.name, '; ' ORDER BY t.name) AS names"
            f"  FROM {finding_theme} ft JOIN {theme} t ON t.id = ft.theme_id"
            "  WHERE ft.finding_id = f.id"
            " ) themes ON true"
            ") export_row",
            [
                letter_before,
                letter_after,
                id_list,
                list(type_values),
                [str(label) for label in type_labels],
                list(category_values),
                [str(label) for label in category_labels],
            ],
        )
        (text,) = cursor.fetchone()
    return text or ""


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
    inspection = Inspection._meta.db_table
    authority = Inspection._meta.get_field("authority").related_model._meta.db_table
    finding_theme = FindingTheme._meta.db_table
    theme = Theme._meta.db_table
    with connections[read_alias(Finding)].cursor() as cursor:
        cursor.execute(
            f"SELECT f.id, a.name, a.gss_code, a.la_code, a.region, i.letter_date, i.id,"
            f" i.inspection_type,"
            f" f.position, f.category, f.heading, f.recurring, f.text"
            f" FROM {finding} f JOIN {inspection} i ON i.id = f.inspection_id"
            f" JOIN {authority} a ON a.id = i.authority_id"
            " WHERE f.id = ANY(string_to_array(%s, ',')::bigint[])",
            [id_list],
        )
        rows = {row[0]: row[1:] for row in cursor.fetchall()}
        cursor.execute(
            f"SELECT ft.finding_id, t.name FROM {finding_theme} ft"
            f" JOIN {theme} t ON t.id = ft.theme_id"
            " WHERE ft.finding_id = ANY(string_to_array(%s, ',')::bigint[]) ORDER BY t.name",
            [id_list],
        )
        themes: dict[int, list[str]] = {}
        for finding_id, name in cursor.fetchall():
            themes.setdefault(finding_id, []).append(name)
    return rows, themes
