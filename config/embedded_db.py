"""The embedded PostgreSQL used when DATABASE_URL is not set.

A newcomer with only Python gets a real PostgreSQL (the ``pgserver`` wheel ships the
server binaries) whose data lives under ``var/``. The server keeps running between
commands so ``make run`` and ``make test`` start quickly the second time.
"""

import warnings
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit


def embedded_database_url(data_dir: Path) -> str:
    import pgserver  # Imported here: production never needs it.

    data_dir.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        # platformdirs warns that XDG_RUNTIME_DIR is unset (as in CI); pgserver copes.
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
        server = pgserver.get_server(data_dir, cleanup_mode=None)
    # pgserver listens on a Unix socket, in its data directory or, where that path is too
    # long for a socket, a shorter one it picks; its URI names it as ?host=. dj-database-url
    # reads a percent-encoded socket path in the host position.
    socket_dir = parse_qs(urlsplit(server.get_uri()).query)["host"][0]
    return f"postgresql://postgres@{quote(socket_dir, safe='')}/postgres"
