"""Parsed letters to rows: each letter whole or not at all, and never twice.

The command line (`import_letters`), the admin upload and the benchmark all come through
here, PDF or text alike: `import_letter` for one document, `import_paths` for files and
folders. A letter is known by its text (whitespace collapsed), so the same letter saved
with another encoding or other line endings is not imported twice; a PDF is also known by
its bytes, so re-importing it needs no reading at all. The PDF itself is kept with its
letter.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import multiprocessing
import multiprocessing.util
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path

from django.db import DatabaseError, connection, connections, transaction
from django.utils.text import slugify

from inspections import councils
from inspections.caching import bump_data_version
from inspections.models import (
    Authority,
    Finding,
    FindingTheme,
    Inspection,
    Judgement,
    SourceDocument,
)
from inspections.parsing import LetterParseError, ParsedLetter, parse_letter
from inspections.parsing.hyphens import compound_forms
from inspections.parsing.letter import INSPECTION_TYPE_LABELS
from inspections.parsing.pdf import is_pdf
from inspections.routers import reads_from_primary
from inspections.themes.tagging import tag_findings

BATCH_SIZE = 100  # letters a transaction in a bulk import
# A letter with this many findings has fresh statistics taken after it is stored: real
# letters have under a hundred, so only an outlier pays for it.
ANALYZE_AFTER_FINDINGS = 2_000


class Outcome(StrEnum):
    CREATED = "created"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"


@dataclass(frozen=True)
class ImportResult:
    source_name: str
    outcome: Outcome
    reason: str = ""
    inspection: Inspection | None = None
    findings: int = 0
    letter: ParsedLetter | None = None  # what a dry run would have stored

    @property
    def description(self) -> str:
        """The letter in words, as a dry run and a real import both report it: its council,
        its type's label (never its code), date and findings."""
        findings = f"{self.findings} finding{'' if self.findings == 1 else 's'}"
        if self.inspection is not None:
            return f"{self.inspection}: {findings}" if self.findings else str(self.inspection)
        if self.letter is not None:
            letter = self.letter
            kind = INSPECTION_TYPE_LABELS.get(letter.inspection_type, letter.inspection_type)
            return f"{letter.authority}: {kind}, {letter.letter_date:%d %B %Y}: {findings}"
        return findings


@dataclass
class ImportReport:
    """What an import did: how many letters of each outcome, the rejected ones with their
    reasons, and every result in file order unless the import was told not to keep them.

    A kept result holds its letter's Inspection with its source text (~17 KB a letter):
    a command importing 100,000 letters keeps only the counts and the rejections.
    """

    keep_results: bool = True
    results: list[ImportResult] = field(default_factory=list)
    rejected: list[ImportResult] = field(default_factory=list)
    counts: Counter[Outcome] = field(default_factory=Counter)

    def add(self, result: ImportResult) -> None:
        self.counts[result.outcome] += 1
        if result.outcome == Outcome.REJECTED:
            self.rejected.append(result)  # a rejected result holds no inspection
        if self.keep_results:
            self.results.append(result)

    def count(self, outcome: Outcome) -> int:
        return self.counts[outcome]

    @property
    def failed(self) -> bool:
        return bool(self.rejected)


# C0 control characters but tab, newline and form feed (pdftotext's page break): never
# part of a letter's words, and \x02/\x03 are the search highlight's markers.
_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0d-\x1f]")


def content_hash(text: str) -> str:
    """A letter's identity: the SHA-256 of its text with whitespace collapsed. The text is
    already decoded and normalised (NFC, LF line ends, no BOM) by the parser."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


def bytes_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_letter(data: bytes, *, source_name: str = "") -> ParsedLetter:
    """A letter's file (PDF or text) parsed with the council register, as it is stored:
    control characters taken out of every text. LetterParseError if it is not a letter."""
    letter = parse_letter(data, filename=source_name, match_council=councils.match_council)
    clean = functools.partial(_CONTROL_CHARACTERS.sub, "")
    return replace(
        letter,
        authority=clean(letter.authority),
        authority_spelling=clean(letter.authority_spelling),
        title=clean(letter.title),
        recipient=clean(letter.recipient),
        inspectors=tuple(clean(name) for name in letter.inspectors),
        findings=tuple(
            replace(finding, heading=clean(finding.heading), text=clean(finding.text))
            for finding in letter.findings
        ),
        text=clean(letter.text),
    )


# What is stored already is read from the primary: a replica a moment behind would miss the
# last batch's letters, and storing them again would be refused as duplicates.
@reads_from_primary()
def import_letter(*, data: bytes, source_name: str, dry_run: bool = False) -> ImportResult:
    """Parse one letter and store it with its findings, in one transaction.

    Returns what happened; never raises for bad input, so a batch can go on.
    """
    original = data if is_pdf(data) else None
    if original is not None:
        known = _stored_pdfs([bytes_hash(original)])
        if known:
            return ImportResult(source_name, Outcome.UNCHANGED, inspection=known.popitem()[1])
    try:
        letter = read_letter(data)
    except LetterParseError as error:
        return ImportResult(source_name, Outcome.REJECTED, reason=str(error))
    digest = content_hash(letter.text)
    existing = Inspection.objects.filter(content_hash=digest).first()
    if existing is not None:
        return ImportResult(source_name, Outcome.UNCHANGED, inspection=existing)
    if dry_run:
        return ImportResult(
            source_name, Outcome.CREATED, findings=len(letter.findings), letter=letter
        )
    return _store_one(_Pending(letter, source_name, digest, original))


def _stored_pdfs(digests: list[str]) -> dict[str, Inspection]:
    """Letters already imported from PDFs with these bytes, by the bytes' SHA-256."""
    documents = SourceDocument.objects.filter(sha256__in=digests).select_related("inspection")
    return {
        document.sha256: document.inspection
        for document in documents.defer("data", "inspection__source_text")
    }


def _store_one(item: _Pending) -> ImportResult:
    """One parsed letter stored in its own transaction; a refusal is reported, not raised."""
    try:
        with transaction.atomic():
            [inspection] = _store_many([item], authorities=AuthorityCache())
    except DatabaseError as error:
        # Another import may have stored the same bytes between our check and our insert.
        existing = Inspection.objects.filter(content_hash=item.digest).first()
        if existing is not None:
            return ImportResult(item.source_name, Outcome.UNCHANGED, inspection=existing)
        # Anything else the database refused: nothing of this letter was kept.
        return ImportResult(
            item.source_name, Outcome.REJECTED, reason=f"could not be stored: {error}"
        )
    return ImportResult(
        item.source_name, Outcome.CREATED, inspection=inspection, findings=len(item.letter.findings)
    )


@dataclass(frozen=True)
class _Pending:
    """A parsed letter waiting to be stored, with what names it."""

    letter: ParsedLetter
    source_name: str
    digest: str
    original: bytes | None = None  # the PDF, kept with the letter


def _store_many(pending: list[_Pending], *, authorities: AuthorityCache) -> list[Inspection]:
    """Store these letters, their findings and their themes: three statements for the lot.

    The caller holds the transaction; if any letter fails, none of them is kept.
    """
    inspections = Inspection.objects.bulk_create(
        Inspection(
            authority=authorities.get(item.letter),
            inspection_type=item.letter.inspection_type,
            title=item.letter.title[:500],
            letter_date=item.letter.letter_date,
            visit_start=item.letter.visit_start,
            visit_end=item.letter.visit_end,
            inspectors=list(item.letter.inspectors),
            recipient=item.letter.recipient[:500],
            priority_action=item.letter.priority_action,
            framework=item.letter.framework,
            review_notes="\n".join(item.letter.review),
            source_name=item.source_name[:255],
            content_hash=item.digest,
            source_text=item.letter.text,
            search_extra=compound_forms(item.letter.text),
        )
        for item in pending
    )
    Finding.objects.bulk_create(
        Finding(
            inspection=inspection,
            authority_id=inspection.authority_id,
            letter_date=inspection.letter_date,
            inspection_type=inspection.inspection_type,
            category=finding.category,
            heading=finding.heading[:300],
            position=position,
            text=finding.text,
            recurring=finding.recurring,
            search_extra=compound_forms(finding.text),
        )
        for item, inspection in zip(pending, inspections, strict=True)
        for position, finding in enumerate(item.letter.findings, start=1)
    )
    Judgement.objects.bulk_create(
        Judgement(inspection=inspection, area=area, grade=grade)
        for item, inspection in zip(pending, inspections, strict=True)
        for area, grade in item.letter.judgements
    )
    SourceDocument.objects.bulk_create(
        SourceDocument(
            inspection=inspection,
            sha256=bytes_hash(item.original),
            size=len(item.original),
            data=item.original,
        )
        for item, inspection in zip(pending, inspections, strict=True)
        if item.original is not None
    )
    tag_findings(inspection_ids=[inspection.pk for inspection in inspections])
    bump_data_version()
    if any(len(item.letter.findings) >= ANALYZE_AFTER_FINDINGS for item in pending):
        transaction.on_commit(_analyze, robust=True)  # statistics are no reason to fail
    return inspections


def _analyze() -> None:
    """Fresh planner statistics for the tables a very long letter just grew.

    Until autovacuum gets to it, the planner would take a council's thousands of new
    finding-theme rows for one and pick a nested loop costing seconds per page (measured:
    24 s for the council page of a 10,000-finding letter in a new database).
    """
    with connection.cursor() as cursor:
        for model in (Inspection, Finding, FindingTheme):
            cursor.execute(f'ANALYZE "{model._meta.db_table}"')


class AuthorityCache:
    """`authority_for` once per council and spelling, for a run that imports many letters.

    Rows it hands out may belong to a transaction that is later rolled back: `clear()` then.
    """

    def __init__(self) -> None:
        self._authorities: dict[tuple[str, str, str], Authority] = {}

    def get(self, letter: ParsedLetter) -> Authority:
        key = (letter.council_code or "", letter.authority, letter.authority_spelling)
        if key not in self._authorities:
            self._authorities[key] = authority_for(letter)
        return self._authorities[key]

    def clear(self) -> None:
        self._authorities.clear()


def authority_for(letter: ParsedLetter) -> Authority:
    """The one Authority row for the council a letter names, created on first sight.

    Councils in the reference data get their codes and region; others are kept, flagged
    for an admin to confirm. The letter's own spelling is remembered as an alias.
    """
    council = councils.council_by_code(letter.council_code) if letter.council_code else None
    if council is not None:
        authority, _ = Authority.objects.get_or_create(
            slug=council.slug,
            defaults={
                "name": display_name(council),
                "official_name": council.official_name,
                "aliases": sorted(set(council.aliases)),
                "code": council.code,
                "la_code": council.la_code or "",
                "gss_code": council.gss_code or "",
                "ofsted_urn": council.ofsted_urn or "",
                "region": council.region or "",
                "authority_type": council.authority_type or "",
                "start_date": council.start_date,
                "end_date": council.end_date,
            },
        )
    else:
        authority, _ = Authority.objects.get_or_create(
            slug=slugify(letter.authority)[:200] or "unknown",
            defaults={"name": letter.authority[:200], "needs_review": True},
        )
    spelling = letter.authority_spelling.strip()
    if spelling and spelling not in authority.aliases:
        authority.aliases = sorted({*authority.aliases, spelling})
        authority.save(update_fields=["aliases"])
    return authority


def display_name(council: councils.Council) -> str:
    """The council's short name; an abolished one says so, to stand apart from a successor."""
    if council.end_date is None:
        return council.name
    return f"{council.name} (until {council.end_date.year})"


def letter_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Every file named, and every file under every folder named, in a stable order.

    A folder that cannot be listed is handed on itself, to be reported when it is read
    (Path.rglob would skip it in silence, and the import would look complete).
    """
    for path in paths:
        if path.is_dir():
            yield from sorted(_files_under(path))
        else:
            yield path


def _files_under(folder: Path) -> list[Path]:
    unreadable: list[Path] = []
    found = [
        Path(parent, name)
        for parent, _, names in os.walk(
            folder, onerror=lambda error: unreadable.append(Path(error.filename))
        )
        for name in names
        if not name.startswith(".")
    ]
    return found + unreadable


def _read_file(path: Path) -> bytes:
    if path.is_dir():  # a folder letter_files could not list: say why
        with os.scandir(path):
            pass
    return path.read_bytes()


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
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    try:
        for batch in batches:
            yield from _import_batch(batch, dry_run=dry_run, authorities=authorities)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


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
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")


def _worker_batch(batch: tuple[Path, ...], *, dry_run: bool) -> list[ImportResult]:
    return _import_batch(batch, dry_run=dry_run, authorities=_worker_authorities)


def _batches(items: Iterable[Path], size: int) -> Iterator[tuple[Path, ...]]:
    iterator = iter(items)  # itertools.batched, which arrives in Python 3.12
    while batch := tuple(itertools.islice(iterator, size)):
        yield batch


@reads_from_primary()  # as import_letter; in a worker process too
def _import_batch(
    paths: tuple[Path, ...], *, dry_run: bool, authorities: AuthorityCache
) -> list[ImportResult]:
    """Results for these files, in their order; what is new is stored in one transaction."""
    results: dict[Path, ImportResult] = {}
    read: dict[Path, bytes] = {}
    for path in paths:
        try:
            read[path] = _read_file(path)
        except OSError as error:
            results[path] = _rejected(path, f"cannot read: {error}")
    # A PDF imported before is known by its bytes, without reading it again.
    pdf_digests = {path: bytes_hash(data) for path, data in read.items() if is_pdf(data)}
    stored_pdfs = _stored_pdfs(list(pdf_digests.values()))
    parsed: dict[Path, _Pending] = {}
    for path, data in read.items():
        if pdf_digests.get(path) in stored_pdfs:
            known = stored_pdfs[pdf_digests[path]]
            results[path] = ImportResult(str(path), Outcome.UNCHANGED, inspection=known)
            continue
        try:
            letter = read_letter(data)
        except LetterParseError as error:
            results[path] = _rejected(path, str(error))
            continue
        original = data if path in pdf_digests else None
        parsed[path] = _Pending(letter, path.name, content_hash(letter.text), original)
    stored = Inspection.objects.defer("source_text", "search_vector").in_bulk(
        [item.digest for item in parsed.values()], field_name="content_hash"
    )
    pending: dict[Path, _Pending] = {}
    first_with: dict[str, Path] = {}
    repeats: dict[Path, Path] = {}  # a file with the same letter as one earlier in the batch
    for path, item in parsed.items():
        if item.digest in stored:
            results[path] = ImportResult(
                str(path), Outcome.UNCHANGED, inspection=stored[item.digest]
            )
        elif item.digest in first_with:
            repeats[path] = first_with[item.digest]
        else:
            first_with[item.digest] = path
            pending[path] = item
    if dry_run:
        for path, item in pending.items():
            results[path] = ImportResult(
                str(path), Outcome.CREATED, findings=len(item.letter.findings), letter=item.letter
            )
    elif pending:
        results.update(_store_batch(pending, authorities=authorities))
    for path, first in repeats.items():
        original = results[first]
        if original.outcome == Outcome.REJECTED:
            results[path] = replace(original, source_name=str(path))
        else:
            results[path] = ImportResult(
                str(path), Outcome.UNCHANGED, inspection=original.inspection
            )
    return [results[path] for path in paths]


def _rejected(path: Path, reason: str) -> ImportResult:
    # Reports name the path given, so a file in a large batch can be found again.
    return ImportResult(str(path), Outcome.REJECTED, reason=reason)


def _store_batch(
    pending: dict[Path, _Pending], *, authorities: AuthorityCache
) -> dict[Path, ImportResult]:
    try:
        with transaction.atomic():
            inspections = _store_many(list(pending.values()), authorities=authorities)
    except DatabaseError:
        # Authorities created in the rolled-back transaction are gone with it.
        authorities.clear()
        return {
            path: replace(_store_one(item), source_name=str(path)) for path, item in pending.items()
        }
    return {
        path: ImportResult(
            str(path), Outcome.CREATED, inspection=inspection, findings=len(item.letter.findings)
        )
        for (path, item), inspection in zip(pending.items(), inspections, strict=True)
    }
