"""Reads from a PostgreSQL replica (DATABASE_REPLICA_URL), writes to the primary.

Only the archive's own tables (the `inspections` app) are read from the replica: they are
what the public pages, the API and the exports read, and what a replica is for. Everything
else reads from the primary, so that a reader always sees their own writes:

- Django's bookkeeping (sessions, users, django-axes' failed logins, the admin's log): a
  session written at login must exist on the next request, and a lock-out must count the
  failure written a moment ago, whatever the replica's lag.
- Reads inside a transaction on the primary (the importer's, the admin's, retagging's):
  they must see the rows the transaction has written and not committed.
- Reads under `reads_from_primary()`: the importer's look-ups of what is already stored,
  any request that is not a GET or HEAD, and signed-in editors' requests, who expect the
  page after an edit to show it (inspections.middleware.ReadYourWritesMiddleware).

Without a `replica` alias the router has no opinion and Django does what it always did.
Raw SQL that reads the archive takes its connection from `read_alias()`, so it follows
the same rules as the ORM's queries.
"""

from __future__ import annotations

import contextlib
from contextvars import ContextVar

from django.db import DEFAULT_DB_ALIAS, connections, router

REPLICA = "replica"
REPLICA_APPS = frozenset({"inspections"})

_primary_only: ContextVar[bool] = ContextVar("primary_only", default=False)


def replica_configured() -> bool:
    return REPLICA in connections.settings


@contextlib.contextmanager
def reads_from_primary():
    """Every read in this block (this thread's) goes to the primary. Also a decorator."""
    token = _primary_only.set(True)
    try:
        yield
    finally:
        _primary_only.reset(token)


def read_alias(model) -> str:
    """The database alias a read of `model`'s table goes to now: for raw SQL's cursors."""
    return router.db_for_read(model)


def in_write_transaction() -> bool:
    """Whether this thread is inside an atomic block on the primary.

    A test case's own wrapping block is not one (its reads would otherwise all go to the
    primary): Django's own check for a durable block skips it the same way.
    """
    return any(
        not block._from_testcase  # noqa: SLF001
        for block in connections[DEFAULT_DB_ALIAS].atomic_blocks
    )


def replica_has_replayed(wal_position: str | None) -> bool:
    """Whether the replica holds everything the primary had written at `wal_position`.

    A server that is not replaying (the primary itself, a test mirror) holds everything.
    """
    global _replayed_to
    if wal_position is None or not replica_configured():
        return True
    if _primary_only.get() or in_write_transaction():
        return True  # this thread reads the primary itself (an editor, the importer)
    position = _lsn(wal_position)
    if position <= _replayed_to:
        return True  # already seen replayed past it: replay only moves forward
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(pg_last_wal_replay_lsn() >= %s::pg_lsn, TRUE)", [wal_position]
        )
        replayed = cursor.fetchone()[0]
    if replayed:
        _replayed_to = max(_replayed_to, position)
    return replayed


_replayed_to = -1  # the furthest position this process has seen the replica hold


def _lsn(wal_position: str) -> int:
    """A WAL position ("3/91FEC000") as a number, to compare without asking the server."""
    high, low = wal_position.split("/")
    return (int(high, 16) << 32) | int(low, 16)


class ReplicaRouter:
    """The archive's reads to the replica, unless they must see the latest writes."""

    def db_for_read(self, model, **hints):
        if not replica_configured():
            return None
        if (
            model._meta.app_label not in REPLICA_APPS
            or _primary_only.get()
            or in_write_transaction()
        ):
            return DEFAULT_DB_ALIAS
        return REPLICA

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS if replica_configured() else None

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the primary's rows: a letter read from one is the same letter.
        return True if replica_configured() else None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica follows the primary's schema by replication, never by migrate.
        return db == DEFAULT_DB_ALIAS if replica_configured() else None
