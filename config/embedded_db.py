"""The embedded PostgreSQL used when DATABASE_URL is not set.

A newcomer with only Python gets a real PostgreSQL (the ``pgserver`` wheel ships the
server binaries) whose data lives under ``var/``. The server keeps running between
commands so ``make run`` and ``make test`` start quickly the second time.
"""

from pathlib import Path
from urllib.parse import quote


def embedded_database_url(data_dir: Path) -> str:
    import pgserver  # Imported here: production never needs it.

    data_dir.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(data_dir, cleanup_mode=None)
    # pgserver listens on a Unix socket inside its data directory; dj-database-url
    # reads a percent-encoded socket path in the host position.
    return f"postgresql://postgres@{quote(str(server.pgdata), safe='')}/postgres"
