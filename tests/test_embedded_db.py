"""The embedded PostgreSQL's start and stop (config/embedded_db.py)."""

import os
import subprocess
import sys

import pytest

from config import embedded_db
from tests.conftest import REPO_ROOT


def test_data_of_another_major_version_is_refused_with_what_to_do(tmp_path):
    (tmp_path / "PG_VERSION").write_text("16\n")

    with pytest.raises(RuntimeError, match=r"holds PostgreSQL 16 data.*`make stop clean`"):
        embedded_db.embedded_database_url(tmp_path)


def test_stop_without_a_server_says_so(tmp_path):
    assert embedded_db.stop(tmp_path) is False


def test_stop_leaves_a_process_alone_that_is_not_postgres(tmp_path):
    # A stale pid file whose number now belongs to another process: this test's own.
    (tmp_path / "postmaster.pid").write_text(f"{os.getpid()}\n{tmp_path}\n")

    assert embedded_db.stop(tmp_path) is False


def test_commands_print_no_runtime_dir_warning():
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"XDG_RUNTIME_DIR", "DJANGO_SETTINGS_MODULE"}
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
