"""The findings exports (CSV and JSON): the rows the findings page lists, as a file.

Everything that can fail before the file starts is done first (`export_ids`): the query
string is validated (ExportInvalid) and the ids of every row, in the page's order, are read
in one query, so a bad filter or an unreachable database is an error page, not a 200 with
a truncated file. The rows are then read EXPORT_CHUNK at a time, one statement a chunk
(rows with their themes), as the client takes them: a slow download holds no statement
open between chunks.

The CSV's lines are written by PostgreSQL (COPY ... TO STDOUT, FORMAT csv), cells already
defused, labelled and linked; Python only changes the line ends (`csv_chunks`). The JSON's
objects are written by Python from the rows' text (`json_chunks`). Each format is byte for
byte what csv.writer / json.dumps wrote of the same values before (tested against them).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import nullcontext
from json.encoder import encode_basestring

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


# ---------------------------------------------------------------------- the rows


def _chunk_rows(cells: str, theme_names: str, id_list: str, letter_before: str, letter_after: str):
    """SQL and parameters selecting `cells` for these findings, one row each, with their
    place in the ids' order first (`n`); a row deleted since the ids were read is left out.

    In `cells`, `f` is the finding, `a` its council, `themes.names` its themes' names as
    `theme_names` aggregates `t.name` in name order (NULL for none), `type_label.label`
    and `category_label.label` the labels (NULL for an unknown value), and `{letter_url}`
    and `{finding_url}` the finding's links. Parameters are named (pyformat).
    """
    finding = Finding._meta.db_table
    authority = Finding._meta.get_field("authority").related_model._meta.db_table
    finding_theme, theme = FindingTheme._meta.db_table, Theme._meta.db_table
    type_values, type_labels = zip(*InspectionType.choices, strict=True)
    category_values, category_labels = zip(*Category.choices, strict=True)
    letter_url = "(%(letter_before)s || f.inspection_id || %(letter_after)s)"
    cells = cells.format(
        letter_url=letter_url, finding_url=f"({letter_url} || '#finding-' || f.position)"
    )
    sql = (
        "WITH chosen AS (SELECT id, n FROM"
        " unnest(string_to_array(%(ids)s, ',')::bigint[]) WITH ORDINALITY AS chosen(id, n)),"
        # Each finding's themes aggregated from rows sorted once, finding by finding, in
        # name order: an aggregate's own ORDER BY sorts each finding apart, a thousand
        # sorts a chunk (35 of 44 ms at 100,000 letters).
        f" themes AS (SELECT finding_id, {theme_names} AS names FROM ("
        f"SELECT ft.finding_id, t.name FROM {finding_theme} ft"
        f" JOIN {theme} t ON t.id = ft.theme_id JOIN chosen ON chosen.id = ft.finding_id"
        " ORDER BY ft.finding_id, t.name) AS t GROUP BY finding_id)"
        f" SELECT chosen.n, {cells}"
        # The letter's council, date and type as the finding carries them (kept in step
        # by migration 0014's trigger): no letter read a row.
        f" FROM chosen JOIN {finding} f ON f.id = chosen.id"
        f" JOIN {authority} a ON a.id = f.authority_id"
        " LEFT JOIN themes ON themes.finding_id = f.id"
        " LEFT JOIN unnest(%(type_values)s::text[], %(type_labels)s::text[])"
        " AS type_label(value, label) ON type_label.value = f.inspection_type"
        " LEFT JOIN unnest(%(category_values)s::text[], %(category_labels)s::text[])"
        " AS category_label(value, label) ON category_label.value = f.category"
    )
    params = {
        "ids": id_list,
        "letter_before": letter_before,
        "letter_after": letter_after,
        "type_values": list(type_values),
        "type_labels": [str(label) for label in type_labels],
        "category_values": list(category_values),
        "category_labels": [str(label) for label in category_labels],
    }
    return sql, params


# ---------------------------------------------------------------------------- CSV


def csv_chunks(ids: list[int], *, base_url: str) -> Iterator[str]:
    """The CSV file of these findings, in order: the header, then one string a chunk.

    PostgreSQL writes each chunk's lines itself (COPY ... TO STDOUT WITH (FORMAT csv)):
    free text defused as `spreadsheet_safe` does, labels looked up, links built, booleans
    as "True"/"False", and a cell quoted where it holds a comma, a double quote or a line
    break, its quotes doubled, as csv.writer's default (excel) dialect does. So the file
    is byte for byte what csv.writer wrote of the same cells (tested against it). A row
    deleted since the ids were read is left out.
    """
    # A byte-order mark, so spreadsheet programs read the curly quotes as UTF-8.
    yield "\ufeff" + ",".join(EXPORT_COLUMNS) + "\r\n"
    letter_before, letter_after = _letter_url_parts(base_url)
    for id_list in _chunks(ids):
        yield _csv_chunk(id_list, letter_before, letter_after)


def _csv_cell(expression: str) -> str:
    """A text cell: COPY writes an empty string quoted ("", to tell it from NULL) and NULL
    as nothing, which is how csv.writer writes an empty string."""
    return f"nullif({expression}, '')"


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


# In EXPORT_COLUMNS order. Only free text can start like a formula: codes, labels, dates,
# booleans and our own links never do.
_CSV_CELLS = [
    _csv_cell(_defused("a.name")),
    _csv_cell("a.gss_code"),
    _csv_cell("a.la_code"),
    _csv_cell(_defused("a.region")),
    "f.letter_date::text",
    _csv_cell("f.inspection_type"),
    _csv_cell("coalesce(type_label.label, f.inspection_type)"),
    _csv_cell("f.category"),
    _csv_cell("coalesce(category_label.label, f.category)"),
    _csv_cell(_defused("f.heading")),
    _csv_cell(_defused("themes.names")),
    "CASE WHEN f.recurring THEN 'True' ELSE 'False' END",  # str() of a bool
    _csv_cell(_defused("f.text")),
    "{letter_url}",
    "{finding_url}",
]


def _csv_chunk(id_list: str, letter_before: str, letter_after: str) -> str:
    """One chunk of the CSV's lines, in the ids' order: one COPY statement.

    Before, PostgreSQL gave the cells as text and Python quoted and joined them: twice
    the time, most of it Python's. (Building each line with SQL's string functions was
    tried before that, and cost PostgreSQL what it saved Python: COPY's quoting is C.)
    """
    names = [f"c{number}" for number in range(len(_CSV_CELLS))]
    sql, params = _chunk_rows(
        ", ".join(_CSV_CELLS), "string_agg(t.name, '; ')", id_list, letter_before, letter_after
    )
    # COPY takes no bound parameters: Django's cursors bind on the client, so psycopg
    # writes them into the statement.
    copy_sql = (
        f"COPY (SELECT {', '.join(names)} FROM ({sql}) AS cells (n, {', '.join(names)})"
        " ORDER BY n) TO STDOUT WITH (FORMAT csv)"
    )
    connection = connections[read_alias(Finding)]
    with connection.cursor() as cursor:
        # Logged where Django logs its own statements (DEBUG's query log, tests' counts).
        logged = cursor.debug_sql(copy_sql, params) if hasattr(cursor, "debug_sql") else None
        with logged or nullcontext(), connection.wrap_database_errors:
            with cursor.cursor.copy(copy_sql, params) as copy:
                data = b"".join(copy)
    return _crlf(data).decode()


def _crlf(data: bytes) -> bytes:
    """COPY's lines with "\\r\\n" at their ends, as csv.writer ends them; COPY writes "\\n".

    A line break inside a quoted cell is the cell's own and stays. An odd number of double
    quotes since a line began means a quoted cell is open: its own quotes come doubled,
    and its opening one is the odd one.
    """
    if b'"' not in data:
        return data.replace(b"\n", b"\r\n")
    out = []
    inside = False
    for piece in data.split(b"\n")[:-1]:
        out.append(piece)
        if piece.count(b'"') % 2:
            inside = not inside
        out.append(b"\n" if inside else b"\r\n")
    return b"".join(out)


# --------------------------------------------------------------------------- JSON


def json_chunks(ids: list[int], *, base_url: str) -> Iterator[str]:
    """The JSON file of these findings, in order: an array of flat objects, one a line,
    the text as it is (JSON is data: never defused). The closing bracket comes only after
    every row, so a file broken off midway never looks complete.
    """
    letter_before, letter_after = _letter_url_parts(base_url)
    yield "["
    separator = "\n"
    for id_list in _chunks(ids):
        objects = _json_chunk(id_list, letter_before, letter_after)
        if objects:
            yield separator + objects
            separator = ",\n"
    yield "\n]\n"


# In EXPORT_COLUMNS order, as text, or None for JSON's null; themes and recurring as JSON.
_JSON_CELLS = ", ".join(
    [
        "a.name",
        "nullif(a.gss_code, '')",
        "nullif(a.la_code, '')",
        "a.region",
        "f.letter_date::text",
        "f.inspection_type",
        "coalesce(type_label.label, f.inspection_type)",
        "f.category",
        "coalesce(category_label.label, f.category)",
        "f.heading",
        "coalesce(themes.names, '[]')",
        "CASE WHEN f.recurring THEN 'true' ELSE 'false' END",
        "f.text",
        "{letter_url}",
        "{finding_url}",
    ]
)
_JSON_OBJECT = "{" + ", ".join(f'"{column}": %s' for column in EXPORT_COLUMNS) + "}"
# json.dumps(text, ensure_ascii=False) for a string, without its checks and dispatch.
_json_text = encode_basestring


def _json_chunk(id_list: str, letter_before: str, letter_after: str) -> str:
    """One chunk's objects in the ids' order, joined by ",\\n", as json.dumps(row,
    ensure_ascii=False) writes each (tested against it): one statement.

    They were dicts written by json.dumps: a dict a row and json.dumps's checks of each
    value were most of the time. (Having PostgreSQL write the objects was tried: its
    to_json costs it more than this saves Python.)
    """
    sql, params = _chunk_rows(
        _JSON_CELLS,
        "'[' || string_agg(to_json(t.name)::text, ', ') || ']'",
        id_list,
        letter_before,
        letter_after,
    )
    with connections[read_alias(Finding)].cursor() as cursor:
        cursor.execute(f"{sql} ORDER BY n", params)
        rows = cursor.fetchall()
    text = _json_text
    return ",\n".join(
        _JSON_OBJECT
        % (
            text(council),
            "null" if gss_code is None else text(gss_code),
            "null" if la_code is None else text(la_code),
            text(region),
            text(letter_date),
            text(inspection_type),
            text(inspection_type_label),
            text(category),
            text(category_label),
            text(heading),
            themes,
            recurring,
            text(finding_text),
            text(letter_url),
            text(finding_url),
        )
        for (
            _,
            council,
            gss_code,
            la_code,
            region,
            letter_date,
            inspection_type,
            inspection_type_label,
            category,
            category_label,
            heading,
            themes,
            recurring,
            finding_text,
            letter_url,
            finding_url,
        ) in rows
    )
