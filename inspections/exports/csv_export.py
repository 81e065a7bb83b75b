"""The CSV export: PostgreSQL writes the lines (COPY ... TO STDOUT, FORMAT csv), Python only
changes their ends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import nullcontext

from django.db import connections
from django.http import QueryDict

from inspections.exports.rows import (
    EXPORT_COLUMNS,
    FORMULA_STARTS,
    Chosen,
    chosen_rows,
    rows_sql,
)
from inspections.models import Finding
from inspections.routers import read_alias

# Bytes handed to the server at a time: it copies each piece it sends (chunked encoding),
# and a copy of a whole 8 MB file would be 8 MB more for every export being sent.
SEND_PIECE = 256 * 1024


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
    starts = ", ".join(_sql_text(start) for start in FORMULA_STARTS)
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
    sql, params = rows_sql(", ".join(_CSV_CELLS), "string_agg(t.name, '; ')", chosen, base_url)
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
