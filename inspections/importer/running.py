"""Running an import: one document, or files in batches, in this process or several."""

from __future__ import annotations

import functools
import itertools
import multiprocessing
import multiprocessing.util
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, connections

from inspections.importer import same_letter
from inspections.importer.reading import (
    ParsedFile,
    bytes_hash,
    letter_files,
    parsed_file,
    read_file,
)
from inspections.importer.results import ImportReport, ImportResult, Outcome
from inspections.importer.storing import (
    AuthorityCache,
    store_batch,
    store_one,
    stored_letters,
    stored_pdfs,
)
from inspections.models import Inspection
from inspections.parsing import LetterParseError
from inspections.parsing.pdf import is_pdf
from inspections.routers import reads_from_primary

BATCH_SIZE = 100  # letters a transaction in a bulk import
# A bulk import's session: commits that do not wait for the disk (see import_paths), and no
# JIT: the tagging statement's estimate of a batch's findings grows with the table, and
# past jit_above_cost it compiled for ~20 ms a batch a statement that runs in ~100.
_IMPORT_SETTINGS = "SET synchronous_commit TO off; SET jit TO off"
# And, where the server has it, LZ4 for the long values it compresses (a letter's text and
# search vector): pglz's compression was ~4.5% of the server's CPU in an import at 100,000
# letters, LZ4's a tenth of that; the values read back are the same.
_LZ4 = "SET default_toast_compression TO lz4"
_HAS_LZ4 = "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"


def _start_import_session() -> None:
    with connection.cursor() as cursor:
        cursor.execute(_IMPORT_SETTINGS)
        cursor.execute(_HAS_LZ4)
        if cursor.fetchone()[0]:
            cursor.execute(_LZ4)


# What is stored already is read from the primary: a replica a moment behind would miss the
# last batch's letters, and storing them again would be refused as duplicates.
@reads_from_primary()
def import_letter(*, data: bytes, source_name: str, dry_run: bool = False) -> ImportResult:
    """Parse one letter and store it with its findings, in one transaction.

    Returns what happened; never raises for bad input, so a batch can go on.
    """
    original = data if is_pdf(data) else None
    if original is not None:
        known = stored_pdfs([bytes_hash(original)])
        if known:
            return ImportResult(source_name, Outcome.UNCHANGED, inspection=known.popitem()[1])
    try:
        item = parsed_file(data, source_name=source_name, original=original)
    except LetterParseError as error:
        return ImportResult(source_name, Outcome.REJECTED, reason=str(error))
    existing = stored_letters([item.digest])
    if existing:
        return ImportResult(source_name, Outcome.UNCHANGED, inspection=existing.popitem()[1])
    readings = same_letter.stored_readings([item])
    if readings:
        return _another_reading(source_name, readings.popitem()[1])
    if dry_run:
        letter = item.letter
        return ImportResult(
            source_name, Outcome.CREATED, findings=len(letter.findings), letter=letter
        )
    return store_one(item)


def import_paths(
    paths: Iterable[Path],
    *,
    dry_run: bool = False,
    on_result: Callable[[ImportResult], None] | None = None,
    workers: int = 1,
    keep_results: bool = True,
) -> ImportReport:
    """Import every letter file under `paths`; one bad file never stops the rest.

    Letters are stored BATCH_SIZE to a transaction, a few statements a batch instead of a
    few a letter. If the database refuses a batch, nothing of it is kept and its letters are
    imported again one transaction each, so each still lands whole or not at all and the
    one at fault is reported with its own error. With `workers` above 1, batches are shared
    among that many processes (parsing is Python, so one process keeps one core busy);
    results still come back in file order.

    Commits do not wait for the WAL to reach disk: a server crash could lose the last batch
    committed, never part of a letter, and a re-run imports it again.

    Without `keep_results`, the report keeps counts and rejections only, so memory stays
    flat however many letters there are; `on_result` still sees every result.
    """
    report = ImportReport(keep_results=keep_results)
    batches = _batches(letter_files(paths), BATCH_SIZE)
    if workers > 1:
        results = _import_in_processes(batches, dry_run=dry_run, workers=workers)
    else:
        results = _import_here(batches, dry_run=dry_run)
    for result in results:
        report.add(result)
        if on_result is not None:
            on_result(result)
    return report


def default_workers(file_count: int) -> int:
    """Processes worth starting for this many files: one a core, once there is work to share."""
    return (os.cpu_count() or 1) if file_count > BATCH_SIZE else 1


def _import_here(batches: Iterable[tuple[Path, ...]], *, dry_run: bool) -> Iterator[ImportResult]:
    authorities = AuthorityCache()
    _start_import_session()
    try:
        # Two stages at once: while one batch is stored (this thread, mostly waiting on
        # PostgreSQL's tagging and writes), the next is parsed in a second thread (PDFium
        # lets go of the GIL while it reads a page). One batch ahead, never more.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-parse") as parser:
            parsing = None
            for paths in batches:
                ahead = parser.submit(_parse_batch, _open_batch(paths))
                if parsing is not None:
                    yield from _store_batch(
                        parsing.result(), dry_run=dry_run, authorities=authorities
                    )
                parsing = ahead
            if parsing is not None:
                yield from _store_batch(parsing.result(), dry_run=dry_run, authorities=authorities)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit; RESET jit; RESET default_toast_compression")


def _import_in_processes(
    batches: Iterable[tuple[Path, ...]], *, dry_run: bool, workers: int
) -> Iterator[ImportResult]:
    connections.close_all()  # a forked process must open its own connection, not share ours
    pool = multiprocessing.get_context("fork").Pool(workers, initializer=_start_worker)
    try:
        for results in pool.imap(functools.partial(_worker_batch, dry_run=dry_run), batches):
            yield from results
    except BaseException:  # an error, Ctrl-C, or the caller stopped reading
        pool.terminate()
        raise
    else:
        pool.close()
    finally:
        pool.join()


_worker_authorities: AuthorityCache | None = None  # one a worker process
_inherited_connections: list = []


def _start_worker() -> None:
    global _worker_authorities
    _worker_authorities = AuthorityCache()
    # A connection this process inherited from another thread of its parent (a test's live
    # server, say) shares that thread's socket: forget it, unclosed (closing it would end
    # the parent's session), and kept referenced so nothing finalises it.
    for wrapper in connections.all(initialized_only=True):
        if wrapper.connection is not None:
            _inherited_connections.append(wrapper.connection)
            wrapper.connection = None
    # Say goodbye to PostgreSQL when the pool ends this process, rather than just vanishing.
    multiprocessing.util.Finalize(None, connections.close_all, exitpriority=10)
    _start_import_session()


def _worker_batch(batch: tuple[Path, ...], *, dry_run: bool) -> list[ImportResult]:
    return _import_batch(batch, dry_run=dry_run, authorities=_worker_authorities)


def _batches(items: Iterable[Path], size: int) -> Iterator[tuple[Path, ...]]:
    iterator = iter(items)  # itertools.batched, which arrives in Python 3.12
    while batch := tuple(itertools.islice(iterator, size)):
        yield batch


@dataclass
class _Batch:
    """One batch of files on its way through the import: read, then parsed, then stored."""

    paths: tuple[Path, ...]
    results: dict[Path, ImportResult] = field(default_factory=dict)  # decided already
    unread: dict[Path, tuple[bytes, bytes | None]] = field(default_factory=dict)  # to parse
    parsed: dict[Path, ParsedFile] = field(default_factory=dict)


def _import_batch(
    paths: tuple[Path, ...], *, dry_run: bool, authorities: AuthorityCache
) -> list[ImportResult]:
    """Results for these files, in their order; what is new is stored in one transaction."""
    return _store_batch(_parse_batch(_open_batch(paths)), dry_run=dry_run, authorities=authorities)


@reads_from_primary()  # as import_letter; in a worker process too
def _open_batch(paths: tuple[Path, ...]) -> _Batch:
    """The files read, and the PDFs imported before known by their bytes (not parsed again)."""
    batch = _Batch(paths)
    read: dict[Path, bytes] = {}
    for path in paths:
        try:
            read[path] = read_file(path)
        except OSError as error:
            batch.results[path] = _rejected(path, f"cannot read: {error}")
    pdf_digests = {path: bytes_hash(data) for path, data in read.items() if is_pdf(data)}
    known_pdfs = stored_pdfs(list(pdf_digests.values()))
    for path, data in read.items():
        if pdf_digests.get(path) in known_pdfs:
            known = known_pdfs[pdf_digests[path]]
            batch.results[path] = ImportResult(str(path), Outcome.UNCHANGED, inspection=known)
        else:
            batch.unread[path] = (data, data if path in pdf_digests else None)
    return batch


def _parse_batch(batch: _Batch) -> _Batch:
    """The files' letters parsed. No database: it may run in a thread of its own."""
    for path, (data, original) in batch.unread.items():
        try:
            batch.parsed[path] = parsed_file(data, source_name=path.name, original=original)
        except LetterParseError as error:
            batch.results[path] = _rejected(path, str(error))
    batch.unread = {}  # the bytes are with the parsed letters now, or no longer needed
    return batch


@reads_from_primary()  # as import_letter; in a worker process too
def _store_batch(
    batch: _Batch, *, dry_run: bool, authorities: AuthorityCache
) -> list[ImportResult]:
    """What is new in a parsed batch stored in one transaction; every file's result."""
    results = batch.results
    stored = stored_letters([item.digest for item in batch.parsed.values()])
    pending: dict[Path, ParsedFile] = {}
    first_with: dict[str, Path] = {}
    repeats: dict[Path, Path] = {}  # a file with the same letter as one earlier in the batch
    for path, item in batch.parsed.items():
        if item.digest in stored:
            results[path] = ImportResult(
                str(path), Outcome.UNCHANGED, inspection=stored[item.digest]
            )
        elif item.digest in first_with:
            repeats[path] = first_with[item.digest]
        else:
            first_with[item.digest] = path
            pending[path] = item
    # The same letter read from its PDF and from its text: another reading of one stored
    # before, or of one earlier in this batch, is not stored again.
    readings = same_letter.stored_readings(pending.values())
    for path, item in list(pending.items()):
        if item.digest in readings:
            results[path] = _another_reading(str(path), readings[item.digest])
            del pending[path]
    other_readings = same_letter.earlier_readings(pending)
    for path in other_readings:
        del pending[path]
    if dry_run:
        for path, item in pending.items():
            results[path] = ImportResult(
                str(path), Outcome.CREATED, findings=len(item.letter.findings), letter=item.letter
            )
    elif pending:
        results.update(store_batch(pending, authorities=authorities))
    for path, first in [*repeats.items(), *other_readings.items()]:
        original = results[first]
        if original.outcome == Outcome.REJECTED:
            results[path] = ImportResult(str(path), Outcome.REJECTED, reason=original.reason)
        else:
            results[path] = ImportResult(
                str(path),
                Outcome.UNCHANGED,
                reason=same_letter.reason(first.name) if path in other_readings else "",
                inspection=original.inspection,
            )
    return [results[path] for path in batch.paths]


def _another_reading(source_name: str, kept: Inspection) -> ImportResult:
    """A file not stored: another reading (PDF or text) of the stored letter `kept`."""
    return ImportResult(
        source_name,
        Outcome.UNCHANGED,
        reason=same_letter.reason(kept.source_name),
        inspection=kept,
    )


def _rejected(path: Path, reason: str) -> ImportResult:
    # Reports name the path given, so a file in a large batch can be found again.
    return ImportResult(str(path), Outcome.REJECTED, reason=reason)
