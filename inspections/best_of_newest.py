"""The best matches among the newest: how a search too big to rank whole is listed.

Ranking a common word's 700,000 matches would read them all, so the findings and letters
pages, their exports and the API list the best matches among the newest `window` instead:
the newest matches are found through the letter date index, a few letters at a time, and
only they are ranked. Each read of it is one statement, which finds, ranks and cuts the
window together: the page asks for a slice by offset, the API for the rows after a cursor,
an export for the whole window numbered, with the fields it needs of each row (`numbered`)
inside its own statement that reads the rows.

Finding the newest matches means testing every match for the words (a phrase's positions
are in each row's search vector): 70,000 rows read from 73,000 pages for a phrase at
100,000 letters, to keep 10,000. Told a date from which there are likely enough (`since`,
from the page's estimated counts by year), the statement first reads only the matches
dated then or later, an index's date range ANDed with the search index's matches (a fifth
of the pages); only if they are fewer than the window does it read them all. Either way
the window holds the same rows: the newest `window` matches.
"""

from __future__ import annotations

import datetime
from array import array
from collections.abc import Sequence

from django.db import connections
from django.db.models import F

from inspections.caching import cached_counts, kept_counts

# The window's order, every column descending: relevance, then newest, then id.
_ORDER = "window_rank DESC, window_date DESC, window_pk DESC"
# The same in reverse, for a cursor that goes back.
_REVERSED = "window_rank, window_date, window_pk"


class BestOfNewest:
    """The best matches among the newest `window` of a ranked queryset, sliced for a page."""

    def __init__(
        self,
        ranked,
        newest_field: str,
        window: int,
        *,
        rows=None,
        since: datetime.date | None = None,
        kept_as: str = "",
    ):
        self.newest = ranked.order_by(f"-{newest_field}", "-pk")
        self.newest_field = newest_field
        # Where the newest matches likely start: the window is read from the matches dated
        # then or later, if they fill it.
        self.since = since
        # What a slice loads for each result listed (the page's paginator slices it).
        self.rows = rows.order_by() if rows is not None else None
        self.window = window
        # What names these results (model and query): past the first page, the window's
        # ids are kept under it once a data version.
        self.kept_as = kept_as

    def __getitem__(self, key: slice) -> list:
        start, stop, _ = key.indices(self.window)
        ids = self.ids(start, stop)
        by_id = self.rows.in_bulk(ids)
        return [by_id[pk] for pk in ids]

    def ids(self, start: int, stop: int) -> list[int]:
        """The ids of results start to stop (at most the window), in order."""
        stop = min(stop, self.window)
        if self.kept_as and start > 0:
            # Every page of the window costs what the whole window does (each match of its
            # newest found, ranked and sorted: 0.3 s for a common word at 100,000 letters),
            # whichever 20 it keeps. A reader past the first page pages on: the window's
            # order is kept, 4 bytes a result, and each further page is a slice of it.
            typecode, kept = cached_counts(self._kept_name, self._every_id)
            return array(typecode, kept)[start:stop].tolist()
        rows = self._select(
            "window_pk", "", [], _ORDER, "LIMIT %s OFFSET %s", [max(stop - start, 0), start]
        )
        return [pk for (pk,) in rows]

    def numbered(self, stop: int, *, carrying: Sequence[str] = ()) -> tuple[str, list]:
        """SQL selecting results 0 to stop (at most the window) as rows (id, n, *carrying),
        n their place in order from 1, then the fields named, and its parameters: for a
        statement that reads the results themselves (the exports), not their ids first.

        The fields come with the window: each match's row is read anyway, to test it for
        the words, rather than read again by id. The window is found afresh (see
        `kept_ids` for one a reader kept).
        """
        sql, params = self._window(carrying)
        carried = "".join(f", window_{name}" for name in carrying)
        return (
            f"{sql} SELECT window_pk, row_number() OVER (ORDER BY {_ORDER}){carried}"
            f" FROM window_rows ORDER BY {_ORDER} LIMIT %s",
            [*params, min(stop, self.window)],
        )

    def kept_ids(self, stop: int) -> list[int] | None:
        """The ids of results 0 to stop (at most the window), in order, if a reader paging
        on has kept the window (see `ids`); None if not: never found here."""
        kept = kept_counts(self._kept_name) if self.kept_as else None
        if kept is None:
            return None
        typecode, packed = kept
        return array(typecode, packed)[: min(stop, self.window)].tolist()

    @property
    def _kept_name(self) -> str:
        return f"window:{self.window}:{self.kept_as}"

    def _every_id(self) -> tuple[str, bytes]:
        """The window's ids in order, packed: 4 bytes an id where they fit, else 8."""
        ids = [pk for (pk,) in self._select("window_pk", "", [], _ORDER, "LIMIT %s", [self.window])]
        typecode = "i" if max(ids, default=0) < 2**31 else "q"
        return typecode, array(typecode, ids).tobytes()

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
        sql, params = self._window()
        with connections[self.newest.db].cursor() as cursor:
            cursor.execute(
                f"{sql} SELECT {columns} FROM window_rows {where} ORDER BY {order} {limit}",
                [*params, *where_params, *limit_params],
            )
            return cursor.fetchall()

    def _window(self, carrying: Sequence[str] = ()) -> tuple[str, list]:
        """A WITH clause naming the window `window_rows`: window_pk, window_rank and
        window_date, and each field of `carrying` as window_<field>."""
        columns = {
            "window_pk": F("pk"),
            "window_rank": F("rank"),
            "window_date": F(self.newest_field),
            **{f"window_{name}": F(name) for name in carrying},
        }
        every = self.newest.values(**columns)[: self.window]
        every_sql, every_params = every.query.sql_with_params()
        if self.since is None:
            return f"WITH window_rows AS ({every_sql})", list(every_params)
        recent = self.newest.filter(**{f"{self.newest_field}__gte": self.since})
        recent_sql, recent_params = recent.values(**columns)[: self.window].query.sql_with_params()
        # The count is an InitPlan, run once: the branch whose condition is false is a
        # one-time filter, never read.
        full = "(SELECT COUNT(*) FROM recent) >= %s"
        return (
            f"WITH recent AS MATERIALIZED ({recent_sql}), window_rows AS ("
            f"SELECT * FROM recent WHERE {full} UNION ALL "
            f"SELECT * FROM ({every_sql}) AS every_match WHERE NOT {full})",
            [*recent_params, self.window, *every_params, self.window],
        )


Position = tuple[float, datetime.date, int]


def position_from(values) -> Position:
    """A position from a cursor's JSON values; ValueError or TypeError if it is not one."""
    rank, date, pk = values
    if isinstance(rank, bool) or isinstance(pk, bool):
        raise TypeError("not a number")
    return float(rank), datetime.date.fromisoformat(date), int(pk)
