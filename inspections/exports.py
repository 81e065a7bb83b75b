"""The findings exports (CSV and JSON): the rows the findings page lists, as a file.

Every row is read before the file's first byte, in one statement: the query string is
validated (ExportInvalid), then the statement picks the rows the page lists, in its order
(`chosen_rows`), and reads them with their themes. So a bad filter or an unreachable
database is an error page, never a 200 with a truncated file, and the file is one snapshot
of the archive. The file is then held in memory while the client takes it (~8 MB at
EXPORT_ROW_LIMIT rows): a slow download holds no statement open.

It was the ids first, then a statement a chunk of 1,000 rows as the client took them: each
row was found twice (its id, then its chunk's rows by id), and each chunk was planned and
joined its themes apart. For a common word at 100,000 letters (`q=assessment`, in one
process, caches warm): the ids 51-69 ms and ten chunks of 11-17 ms, 222-247 ms in all;
now one statement of 138-154 ms, 147-166 in all. The best of the newest carries each
row's fields through its window, which reads the row anyway (BestOfNewest.numbered).

The CSV's lines are written by PostgreSQL (COPY ... TO STDOUT, FORMAT csv), cells already
defused, labelled and linked; Python only changes the line ends (`csv_file`). The JSON's
objects are written by Python from the rows' text (`json_file`). Each format is byte for
byte what csv.writer / json.dumps wrote of the same values before (tested against them).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from json.encoder import encode_basestring

from django.db import connections
from django.db.models import Window
from django.db.models.functions import RowNumber
from django.http import QueryDict
from django.urls import reverse

from inspections import browse
from inspections.best_of_newest import BestOfNewest
from inspections.facets import too_many_to_count
from inspections.filters import FindingFilter, canonical_query
from inspections.models import Category, Finding, FindingTheme, InspectionType, Theme
from inspections.routers import read_alias

EXPORT_ROW_LIMIT = 10_000
EXPORT_CHUNK = 1000  # JSON objects made from rows at a time
# Bytes handed to the server at a time: it copies each piece it sends (chunked encoding),
# and a copy of a whole 8 MB file would be 8 MB more for every export being sent.
SEND_PIECE = 256 * 1024
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


# A finding's fields the cells are made of (`f` in `_rows`).
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
    ordered = browse._in_order(
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


def _rows(cells: str, theme_names: str, chosen: Chosen, base_url: str):
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
    finding_theme, theme = FindingTheme._meta.db_table, Theme._meta.db_table
    type_values, type_labels = zip(*InspectionType.choices, strict=True)
    category_values, category_labels = zip(*Category.choices, strict=True)
    letter_url = "(link.before || f.inspection_id || link.after)"
    cells = cells.format(
        letter_url=letter_url, finding_url=f"({letter_url} || '#finding-' || f.position)"
    )
    # The chosen findings' rows come with them (the best of the newest), or are read by
    # id, one index probe each, through a lateral subquery that OFFSET 0 keeps from being
    # merged into a join; so are their themes. As joins, the planner costs each probe as
    # a read from disk and, at 10,000 letters, reads the whole findings table (a merge
    # join) and the whole themes table (a hash) instead: 400 ms against 160.
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
        # Each finding's themes aggregated from rows sorted once, finding by finding, in
        # name order: an aggregate's own ORDER BY sorts each finding apart, a thousand
        # sorts a chunk (35 of 44 ms at 100,000 letters).
        f" themes AS (SELECT finding_id, {theme_names} AS names FROM ("
        f"SELECT ft.finding_id, t.name FROM chosen CROSS JOIN LATERAL ("
        f"SELECT finding_id, theme_id FROM {finding_theme}"
        f" WHERE finding_id = chosen.id OFFSET 0) AS ft JOIN {theme} t ON t.id = ft.theme_id"
        " ORDER BY ft.finding_id, t.name) AS t GROUP BY finding_id)"
        f" SELECT f.n, {cells}"
        # The letter's council, date and type as the finding carries them (kept in step
        # by migration 0014's trigger): no letter read a row.
        f" FROM {rows} JOIN {authority} a ON a.id = f.authority_id"
        " CROSS JOIN (SELECT %s::text, %s::text) AS link(before, after)"
        " LEFT JOIN themes ON themes.finding_id = f.id"
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


# ---------------------------------------------------------------------------- CSV


def csv_file(data: QueryDict, *, base_url: str) -> Iterator[bytes]:
    """The CSV file of the findings the page lists for this query string, in its order:
    the header, then every line, read before this returns (ExportInvalid first, should the
    query string be unusable).

    PostgreSQL writes the lines itself (COPY ... TO STDOUT WITH (FORMAT csv)): free text
    defused as `spreadsheet_safe` does, labels looked up, links built, booleans as
    "True"/"False", and a cell quoted where it holds a comma, a double quote or a line
    break, its quotes doubled, as csv.writer's default (excel) dialect does. So the file
    is byte for byte what csv.writer wrote of the same cells (tested against it).
    """
    copied, rows = _copied_lines(chosen_rows(data), base_url)
    # A byte-order mark, so spreadsheet programs read the curly quotes as UTF-8.
    header = ("\ufeff" + ",".join(EXPORT_COLUMNS) + "\r\n").encode()
    return _csv_pieces(header, copied, rows)


def _csv_pieces(header: bytes, copied: bytearray, rows: int) -> Iterator[bytes]:
    """The file SEND_PIECE at a time: the header, then COPY's `rows` lines with "\\r\\n" at
    their ends, as csv.writer ends them (COPY writes "\\n").

    A line break inside a quoted cell is the cell's own and stays. With as many "\\n" as
    lines there is none, the common case: each piece's line ends are changed as it is
    sent (4 ms for 10,000 lines), so the file is held once rather than twice.
    """
    yield header
    if copied.count(b"\n") != rows:
        copied = _crlf(bytes(copied))
        for start in range(0, len(copied), SEND_PIECE):
            yield copied[start : start + SEND_PIECE]
        return
    for start in range(0, len(copied), SEND_PIECE):
        yield bytes(copied[start : start + SEND_PIECE]).replace(b"\n", b"\r\n")


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


def _copied_lines(chosen: Chosen, base_url: str) -> tuple[bytearray, int]:
    """The CSV's lines for the chosen rows, in order, as COPY writes them, and how many:
    one COPY statement.

    Before, PostgreSQL gave the cells as text and Python quoted and joined them: twice
    the time, most of it Python's. (Building each line with SQL's string functions was
    tried before that, and cost PostgreSQL what it saved Python: COPY's quoting is C.)
    """
    names = [f"c{number}" for number in range(len(_CSV_CELLS))]
    sql, params = _rows(", ".join(_CSV_CELLS), "string_agg(t.name, '; ')", chosen, base_url)
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
            copied = bytearray()  # a row at a time: the rows and their join would be twice
            with cursor.cursor.copy(copy_sql, params) as copy:
                for row in copy:
                    copied += row
            return copied, cursor.cursor.rowcount


def _crlf(copied: bytes) -> bytes:
    """COPY's lines with "\\r\\n" at their ends, where a cell holds a line break of its own.

    An odd number of double quotes since a line began means a quoted cell is open: its
    own quotes come doubled, and its opening one is the odd one.
    """
    out = []
    inside = False
    for piece in copied.split(b"\n")[:-1]:
        out.append(piece)
        if piece.count(b'"') % 2:
            inside = not inside
        out.append(b"\n" if inside else b"\r\n")
    return b"".join(out)


# --------------------------------------------------------------------------- JSON


def json_file(data: QueryDict, *, base_url: str) -> Iterator[bytes]:
    """The JSON file of the findings the page lists for this query string, in its order:
    an array of flat objects, one a line, the text as it is (JSON is data: never defused);
    written whole before this returns (ExportInvalid first, should the query string be
    unusable).
    """
    sql, params = _rows(
        _JSON_CELLS,
        "'[' || string_agg(to_json(t.name)::text, ', ') || ']'",
        chosen_rows(data),
        base_url,
    )
    parts = [b"["]
    separator = "\n"
    with connections[read_alias(Finding)].cursor() as cursor:
        cursor.execute(f"{sql} ORDER BY n", params)
        # Made into text EXPORT_CHUNK rows at a time: all the rows as Python values at
        # once would be twice the file's size again.
        while rows := cursor.fetchmany(EXPORT_CHUNK):
            parts.append((separator + _json_objects(rows)).encode())
            separator = ",\n"
    parts.append(b"\n]\n")
    return iter(parts)


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


def _json_objects(rows: list[tuple]) -> str:
    """The rows' objects joined by ",\\n", as json.dumps(row, ensure_ascii=False) writes
    each (tested against it).

    They were dicts written by json.dumps: a dict a row and json.dumps's checks of each
    value were most of the time. (Having PostgreSQL write the objects was tried: its
    to_json costs it more than writing them costs Python.)
    """
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
