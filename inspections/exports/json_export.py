"""The JSON export: an array of flat objects, written by Python from each row's text."""

from __future__ import annotations

from collections.abc import Iterator
from json.encoder import encode_basestring

from django.db import connections
from django.http import QueryDict

from inspections.exports.rows import EXPORT_COLUMNS, chosen_rows, rows_sql
from inspections.models import Finding
from inspections.routers import read_alias

EXPORT_CHUNK = 1000  # JSON objects made from rows at a time


def json_file(data: QueryDict, *, base_url: str) -> Iterator[bytes]:
    """The JSON file of the findings the page lists for this query string, in its order:
    an array of flat objects, one a line, the text as it is (JSON is data: never defused);
    written whole before this returns (ExportInvalid first, should the query string be
    unusable).
    """
    sql, params = rows_sql(
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
