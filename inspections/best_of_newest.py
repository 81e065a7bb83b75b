"""The best matches among the newest: how a search too big to rank whole is listed.

Ranking a common word's 700,000 matches would read them all, so the findings and letters
pages, their exports and the API list the best matches among the newest `window` instead:
the newest matches are found through the letter date index, a few letters at a time, and
only they are ranked. Each read of it is one statement, which finds, ranks and cuts the
window together: the page asks for a slice by offset, the API for the rows after a cursor.
"""

from __future__ import annotations

import datetime

from django.db import connections
from django.db.models import F

# The window's order, every column descending: relevance, then newest, then id.
_ORDER = "window_rank DESC, window_date DESC, window_pk DESC"
# The same in reverse, for a cursor that goes back.
_REVERSED = "window_rank, window_date, window_pk"


class BestOfNewest:
    """The best matches among the newest `window` of a ranked queryset, sliced for a page."""

    def __init__(self, ranked, newest_field: str, window: int, *, rows=None):
        self.candidates = ranked.order_by(f"-{newest_field}", "-pk").values(
            window_pk=F("pk"), window_rank=F("rank"), window_date=F(newest_field)
        )[:window]
        # What a slice loads for each result listed (the page's paginator slices it).
        self.rows = rows.order_by() if rows is not None else None
        self.window = window

    def __getitem__(self, key: slice) -> list:
        start, stop, _ = key.indices(self.window)
        ids = self.ids(start, stop)
        by_id = self.rows.in_bulk(ids)
        return [by_id[pk] for pk in ids]

    def ids(self, start: int, stop: int) -> list[int]:
        """The ids of results start to stop (at most the window), in order."""
        stop = min(stop, self.window)
        rows = self._select(
            "window_pk", "", [], _ORDER, "LIMIT %s OFFSET %s", [max(stop - start, 0), start]
        )
        return [pk for (pk,) in rows]

    def keyset(
        self, position: Position | None, *, backwards: bool, limit: int
    ) -> list[tuple[int, Position]]:
        """Up to `limit` results after the one at `position` (before it, `backwards`), each
        as its id and position, in the order listed (nearest `position` first backwards).

        A position is (rank, date, id): the rank as float8, since ts_rank's float4 read
        into Python and sent back would no longer equal itself, and a cursor's own row
        would come again.
        """
        where, params = "", []
        if position is not None:
            rank, date, pk = position
            beyond = ">" if backwards else "<"
            # A row comparison: compares column by column, as the descending order does.
            where = f"WHERE (window_rank::float8, window_date, window_pk) {beyond} (%s, %s, %s)"
            params = [rank, date, pk]
        rows = self._select(
            "window_pk, window_rank::float8, window_date",
            where,
            params,
            _REVERSED if backwards else _ORDER,
            "LIMIT %s",
            [limit],
        )
        return [(pk, (rank, date, pk)) for pk, rank, date in rows]

    def _select(self, columns, where, where_params, order, limit, limit_params) -> list[tuple]:
        sql, params = self.candidates.query.sql_with_params()
        with connections[self.candidates.db].cursor() as cursor:
            cursor.execute(
                f"SELECT {columns} FROM ({sql}) AS window_rows {where} ORDER BY {order} {limit}",
                [*params, *where_params, *limit_params],
            )
            return cursor.fetchall()


Position = tuple[float, datetime.date, int]


def position_from(values) -> Position:
    """A position from a cursor's JSON values; ValueError or TypeError if it is not one."""
    rank, date, pk = values
    if isinstance(rank, bool) or isinstance(pk, bool):
        raise TypeError("not a number")
    return float(rank), datetime.date.fromisoformat(date), int(pk)
