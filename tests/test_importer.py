"""Importing: whole letters or nothing, never twice, bad files named and skipped."""

import datetime
import gc
import os
import shutil
import tracemalloc

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from inspections.importer import Outcome, import_letter, import_paths, letter_files
from inspections.models import Authority, Finding, FindingTheme, Inspection
from inspections.themes.tagging import retag_all
from tests.conftest import REAL_FIXTURES, SEED_DIR, seed_path

pytestmark = pytest.mark.django_db

PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
)


def test_seed_letter_is_stored_with_its_findings():
    result = import_letter(data=seed_path(4).read_bytes(), source_name="004.txt")

    assert result.outcome == Outcome.CREATED
    inspection = result.inspection
    assert inspection.authority.name == "Worcestershire"
    assert inspection.letter_date == datetime.date(2010, 8, 4)
    assert inspection.visit_start == datetime.date(2010, 7, 6)
    assert inspection.priority_action is True
    assert inspection.inspectors == ["Karen McKeown"]
    assert list(inspection.findings.values_list("position", flat=True)) == list(range(1, 16))
    assert inspection.findings.filter(category="priority_action").count() == 1
    assert (
        "Similarly managerial oversight"
        in inspection.findings.get(text__startswith="Recording is not undertaken").text
    )


def test_a_bulk_import_compresses_letters_with_lz4_where_the_server_has_it():
    from django.db import connection

    from inspections.importer import running

    with connection.cursor() as cursor:
        cursor.execute(running._HAS_LZ4)
        if not cursor.fetchone()[0]:
            pytest.skip("this PostgreSQL was built without LZ4")
        cursor.execute("SHOW default_toast_compression")
        [(before,)] = cursor.fetchall()

    import_paths([SEED_DIR])

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_column_compression(source_text), pg_column_compression(search_vector)"
            " FROM inspections_inspection"
        )
        methods = {method for row in cursor.fetchall() for method in row if method}
        cursor.execute("SHOW default_toast_compression")
        [(after,)] = cursor.fetchall()
    assert methods == {"lz4"}
    assert after == before  # the session's own setting back for whatever it does next
    assert (
        "Similarly managerial oversight"
        in Inspection.objects.get(source_name=seed_path(4).name).source_text
    )


def test_importing_the_seeds_twice_creates_nothing_the_second_time():
    first = import_paths([SEED_DIR])
    counts = (Inspection.objects.count(), Finding.objects.count(), Authority.objects.count())
    second = import_paths([SEED_DIR])

    assert first.count(Outcome.CREATED) == 5
    assert second.count(Outcome.UNCHANGED) == 5
    assert second.count(Outcome.CREATED) == 0
    assert (
        Inspection.objects.count(),
        Finding.objects.count(),
        Authority.objects.count(),
    ) == counts


def test_one_liverpool_for_all_its_spellings():
    import_paths([seed_path(0), seed_path(2)])

    liverpool = Authority.objects.get(name="Liverpool")
    assert liverpool.inspections.count() == 2
    assert liverpool.region == "North West"
    assert liverpool.la_code == "341"
    assert "Liverpool City Council" in liverpool.aliases
    assert not liverpool.needs_review


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (PNG_BYTES, "binary"),
        (b"\xff\xfe\x00\xd8\x00\xdc broken", "decode"),
        (b"Minutes of the parish council meeting.\n\nThe hall roof needs repair.\n", "date"),
        (
            b"17 February 2010\n\nDear Sir\n\nThank you for asking about our opening hours.\n",
            "council",
        ),
    ],
)
def test_bad_input_is_rejected_with_a_reason_and_writes_nothing(data, reason):
    result = import_letter(data=data, source_name="bad.txt")

    assert result.outcome == Outcome.REJECTED
    assert reason in result.reason
    assert not Inspection.objects.exists()
    assert not Authority.objects.exists()


def test_a_failure_while_storing_rolls_the_whole_letter_back(monkeypatch):
    from inspections.importer import storing

    real_copy = storing._copy

    def broken_copy(model, rows):
        if model is storing.Finding:  # the letter's row is in: its findings fail
            raise RuntimeError("disk full")
        real_copy(model, rows)

    monkeypatch.setattr(storing, "_copy", broken_copy)
    with pytest.raises(RuntimeError):
        import_letter(data=seed_path(1).read_bytes(), source_name="001.txt")

    assert not Inspection.objects.exists()
    assert not Authority.objects.exists()


def test_dry_run_writes_nothing():
    report = import_paths([SEED_DIR], dry_run=True)

    assert report.count(Outcome.CREATED) == 5
    assert not Inspection.objects.exists()


def test_command_imports_good_files_rejects_bad_ones_and_exits_1(tmp_path, capsys):
    for seed in SEED_DIR.glob("*.txt"):
        shutil.copy(seed, tmp_path / seed.name)
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "picture.png").write_bytes(PNG_BYTES)

    with pytest.raises(CommandError):
        call_command("import_letters", str(tmp_path))
    out, _ = capsys.readouterr()

    assert "created 5, unchanged 0, failed 2" in out
    assert "empty.txt: empty file" in out
    assert "picture.png: not text" in out
    assert Inspection.objects.count() == 5

    with pytest.raises(CommandError):
        call_command("import_letters", str(tmp_path))
    out, _ = capsys.readouterr()
    assert "created 0, unchanged 5, failed 2" in out


def test_a_letter_the_database_refuses_is_named_and_the_rest_of_its_batch_is_kept():
    from django.db import connection

    # A real refusal from PostgreSQL, for the Worcestershire letter alone (rolled back
    # with the test's transaction).
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE inspections_inspection ADD CONSTRAINT refuse_one_letter"
            " CHECK (letter_date <> '2010-08-04')"
        )

    report = import_paths([SEED_DIR])

    [refused] = report.rejected
    assert refused.source_name == str(seed_path(4))
    assert "could not be stored" in refused.reason and "refuse_one_letter" in refused.reason
    assert report.count(Outcome.CREATED) == 4
    assert Inspection.objects.count() == 4
    assert not Finding.objects.filter(inspection__letter_date=datetime.date(2010, 8, 4)).exists()
    # The four letters of the refused batch that were stored again one by one got their themes.
    assert Finding.objects.filter(themes__isnull=False).exists()


def test_the_same_bytes_twice_in_one_batch_are_stored_once(tmp_path):
    shutil.copy(seed_path(1), tmp_path / "a.txt")
    shutil.copy(seed_path(1), tmp_path / "b.txt")

    report = import_paths([tmp_path])

    assert [result.outcome for result in report.results] == [Outcome.CREATED, Outcome.UNCHANGED]
    assert report.results[1].inspection == report.results[0].inspection
    assert Inspection.objects.count() == 1


# Committed for real, so that the worker processes see the themes and each other's rows.
@pytest.mark.django_db(transaction=True)
def test_a_report_without_results_keeps_counts_and_rejections_only(tmp_path):
    shutil.copy(seed_path(1), tmp_path / "a.txt")
    shutil.copy(seed_path(1), tmp_path / "b.txt")
    (tmp_path / "c.txt").write_text("Not a letter at all.")
    seen = []

    report = import_paths([tmp_path], keep_results=False, on_result=seen.append)

    assert report.results == []
    assert [report.count(outcome) for outcome in Outcome] == [1, 1, 1]
    [rejected] = report.rejected
    assert rejected.source_name == str(tmp_path / "c.txt") and rejected.reason
    assert [result.outcome for result in seen] == [
        Outcome.CREATED,
        Outcome.UNCHANGED,
        Outcome.REJECTED,
    ]


# Worker processes commit on connections of their own: outside the test's transaction.
@pytest.mark.django_db(transaction=True)
def test_worker_processes_import_every_batch_and_report_in_file_order(tmp_path, monkeypatch):
    from inspections.importer import running
    from inspections.themes.services import load_taxonomy

    load_taxonomy()  # an earlier transactional test may have flushed the themes

    monkeypatch.setattr(running, "BATCH_SIZE", 2)  # seven files: four batches over two workers
    for seed in SEED_DIR.glob("*.txt"):
        shutil.copy(seed, tmp_path / seed.name)
    (tmp_path / "empty.txt").write_bytes(b"")
    shutil.copy(seed_path(3), tmp_path / "zz-repeat.txt")
    files = sorted(tmp_path.iterdir())

    report = import_paths([tmp_path], workers=2)

    assert [result.source_name for result in report.results] == [str(path) for path in files]
    assert report.count(Outcome.CREATED) == 5
    # Seed 3 and its copy are in batches that two workers may commit in either order:
    # whichever lands first is created, the other unchanged, the same letter.
    original = report.results[[path.name for path in files].index(seed_path(3).name)]
    repeat = report.results[-1]
    assert {original.outcome, repeat.outcome} == {Outcome.CREATED, Outcome.UNCHANGED}
    assert original.inspection == repeat.inspection
    assert [r.reason for r in report.rejected] == ["empty file"]
    assert Inspection.objects.count() == 5
    assert Finding.objects.count() == sum(r.findings for r in report.results)
    assert Finding.objects.filter(themes__isnull=False).exists()


def test_in_one_process_the_next_batch_is_parsed_in_a_thread_while_one_is_stored(
    tmp_path, monkeypatch
):
    import threading

    from inspections.importer import running

    monkeypatch.setattr(running, "BATCH_SIZE", 2)  # eight files: four batches
    pdf = sorted(REAL_FIXTURES.rglob("*.pdf"))[0]
    for seed in SEED_DIR.glob("*.txt"):
        shutil.copy(seed, tmp_path / seed.name)
    shutil.copy(pdf, tmp_path / "pdf-1.pdf")
    # The same bytes in the next batch, opened before pdf-1's is stored: known by its text.
    shutil.copy(pdf, tmp_path / "zz-pdf-again.pdf")
    shutil.copy(seed_path(0), tmp_path / "zz-repeat.txt")  # seed 0's text, batches later
    files = sorted(tmp_path.iterdir())
    steps, parsed_in = [], set()

    def logged(name, function):
        def run(batch, **kwargs):
            if name == "parse":
                parsed_in.add(threading.current_thread().name)
            else:
                steps.append((name, batch[0].name if name == "open" else batch.paths[0].name))
            return function(batch, **kwargs)

        return run

    monkeypatch.setattr(running, "_open_batch", logged("open", running._open_batch))
    monkeypatch.setattr(running, "_parse_batch", logged("parse", running._parse_batch))
    monkeypatch.setattr(running, "_store_batch", logged("store", running._store_batch))

    report = import_paths([tmp_path])

    # Each batch is opened (files read, known PDFs looked up) before the one before it is
    # stored, and parsed in a thread of its own: one batch ahead, never more.
    firsts = [path.name for path in files[::2]]
    assert steps == [
        ("open", firsts[0]),
        ("open", firsts[1]),
        ("store", firsts[0]),
        ("open", firsts[2]),
        ("store", firsts[1]),
        ("open", firsts[3]),
        ("store", firsts[2]),
        ("store", firsts[3]),
    ]
    assert parsed_in and threading.current_thread().name not in parsed_in
    # Results as without the thread: in file order, each letter once.
    assert [result.source_name for result in report.results] == [str(path) for path in files]
    by_name = {path.name: result for path, result in zip(files, report.results, strict=True)}
    outcomes = {name: result.outcome for name, result in by_name.items()}
    assert outcomes.pop("zz-pdf-again.pdf") == outcomes.pop("zz-repeat.txt") == Outcome.UNCHANGED
    assert set(outcomes.values()) == {Outcome.CREATED}
    assert by_name["zz-pdf-again.pdf"].inspection == by_name["pdf-1.pdf"].inspection
    assert by_name["zz-repeat.txt"].inspection == by_name[seed_path(0).name].inspection
    assert Inspection.objects.count() == len(files) - 2


def test_command_refuses_no_workers(tmp_path):
    with pytest.raises(CommandError, match="--workers"):
        call_command("import_letters", str(tmp_path), "--workers", "0")


def test_a_batch_or_less_is_imported_in_this_process_more_with_one_process_a_core(monkeypatch):
    from inspections.importer import running

    monkeypatch.setattr(running.os, "cpu_count", lambda: 2)

    assert running.default_workers(running.BATCH_SIZE) == 1
    assert running.default_workers(running.BATCH_SIZE + 1) == 2


def real_letter_files(count: int) -> list:
    return sorted(REAL_FIXTURES.rglob("*.txt"))[:count]


def test_imported_letters_are_tagged_as_retagging_would_tag_them():
    # Tagging on import is the model's scoring (and rules for themes it does not know),
    # not the rules alone: re-tagging everything afterwards changes nothing.
    report = import_paths(real_letter_files(40))

    assert report.count(Outcome.CREATED) == 40
    assert FindingTheme.objects.count() > 100
    changes = retag_all(dry_run=True)
    assert {slug: (change.added, change.removed) for slug, change in changes.items()} == {
        slug: ([], []) for slug in changes
    }


def test_an_import_keeps_no_memory_for_the_letters_it_has_done():
    # Python memory still held after an import, measured after each of two runs of as many
    # letters: the second run must not keep more than the first for the letters it did. A
    # result kept for each letter (its Inspection, ~17 KB) would be ~1 MB here.
    first, second, third = (real_letter_files(180)[n : n + 60] for n in (0, 60, 120))
    import_paths(first, keep_results=False)  # caches filled: councils, themes, the model
    gc.collect()
    tracemalloc.start()
    try:
        import_paths(second, keep_results=False)
        gc.collect()
        after_one = tracemalloc.get_traced_memory()[0]
        import_paths(third, keep_results=False)
        gc.collect()
        after_two = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()

    assert Inspection.objects.count() == 180
    assert after_two - after_one < 60 * 2048  # under 2 KB a letter


def test_files_under_folders_come_in_sorted_order_without_hidden_files(tmp_path):
    for name in ["b/2.txt", "b/10.txt", "a.txt", "c/d/e.pdf", "c/.hidden", "B.txt", "c.txt"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    os.symlink(tmp_path / "c", tmp_path / "link-to-c")  # a link to a folder is not followed

    found = list(letter_files([tmp_path / "b" / "2.txt", tmp_path]))

    assert found == [tmp_path / "b" / "2.txt"] + sorted(
        path for path in tmp_path.rglob("*") if path.is_file() and path.name != ".hidden"
    )
    assert tmp_path / "c" / "d" / "e.pdf" in found
