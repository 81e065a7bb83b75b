"""The findings exports (CSV and JSON): the rows the findings page lists, as a file.

Modules: `rows` (what a file holds: the rows chosen, in order, and the SQL reading their
cells), `csv_export` and `json_export` (each format).

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

from inspections.exports.csv_export import csv_file
from inspections.exports.json_export import json_file
from inspections.exports.rows import (
    EXPORT_COLUMNS,
    EXPORT_ROW_LIMIT,
    ExportInvalid,
    export_name,
    spreadsheet_safe,
)

__all__ = [
    "EXPORT_COLUMNS",
    "EXPORT_ROW_LIMIT",
    "ExportInvalid",
    "csv_file",
    "export_name",
    "json_file",
    "spreadsheet_safe",
]
