"""Parsed letters to rows: each letter whole or not at all, and never twice.

The command line (`import_letters`) and the admin upload both call `import_letter`, so a
letter is checked and stored the same way whichever door it came in by.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path

from django.db import DatabaseError, connection, transaction
from django.utils.text import slugify

from inspections import councils
from inspections.models import Authority, Finding, Inspection
from inspections.parsing import LetterParseError, ParsedLetter, parse_letter
from inspections.themes import tag_findings


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


@dataclass
class ImportReport:
    results: list[ImportResult] = field(default_factory=list)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for result in self.results if result.outcome == outcome)

    @property
    def rejected(self) -> list[ImportResult]:
        return [result for result in self.results if result.outcome == Outcome.REJECTED]

    @property
    def failed(self) -> bool:
        return bool(self.rejected)


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def import_letter(*, data: bytes, source_name: str, dry_run: bool = False) -> ImportResult:
    """Parse one letter and store it with its findings, in one transaction.

    Returns what happened; never raises for bad input, so a batch can go on.
    """
    digest = content_hash(data)
    existing = Inspection.objects.filter(content_hash=digest).first()
    if existing is not None:
        return ImportResult(source_name, Outcome.UNCHANGED, inspection=existing)
    try:
        letter = parse_letter(data)
    except LetterParseError as error:
        return ImportResult(source_name, Outcome.REJECTED, reason=str(error))
    if dry_run:
        return ImportResult(
            source_name, Outcome.CREATED, findings=len(letter.findings), letter=letter
        )
    try:
        with transaction.atomic():
            inspection = _store(letter, source_name=source_name, digest=digest)
    except DatabaseError as error:
        # Another import may have stored the same bytes between our check and our insert.
        existing = Inspection.objects.filter(content_hash=digest).first()
        if existing is not None:
            return ImportResult(source_name, Outcome.UNCHANGED, inspection=existing)
        # Anything else the database refused: nothing of this letter was kept.
        return ImportResult(source_name, Outcome.REJECTED, reason=f"could not be stored: {error}")
    return ImportResult(
        source_name, Outcome.CREATED, inspection=inspection, findings=len(letter.findings)
    )


def _store(letter: ParsedLetter, *, source_name: str, digest: str) -> Inspection:
    authority = authority_for(letter)
    inspection = Inspection.objects.create(
        authority=authority,
        inspection_type=letter.inspection_type,
        title=letter.title[:500],
        letter_date=letter.letter_date,
        visit_start=letter.visit_start,
        visit_end=letter.visit_end,
        inspectors=list(letter.inspectors),
        recipient=letter.recipient[:500],
        priority_action=letter.priority_action,
        source_name=source_name[:255],
        content_hash=digest,
        source_text=letter.text,
    )
    Finding.objects.bulk_create(
        Finding(
            inspection=inspection,
            category=finding.category,
            heading=finding.heading[:300],
            position=position,
            text=finding.text,
            recurring=finding.recurring,
        )
        for position, finding in enumerate(letter.findings, start=1)
    )
    tag_findings(inspection_ids=[inspection.pk])
    return inspection


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
    """Every file named, and every file under every folder named, in a stable order."""
    for path in paths:
        if path.is_dir():
            yield from sorted(
                child
                for child in path.rglob("*")
                if child.is_file() and not child.name.startswith(".")
            )
        else:
            yield path


def import_paths(
    paths: Iterable[Path],
    *,
    dry_run: bool = False,
    on_result: Callable[[ImportResult], None] | None = None,
) -> ImportReport:
    """Import every letter file under `paths`; one bad file never stops the rest.

    Each letter still commits on its own, but without waiting for the WAL to reach disk:
    a server crash could lose the last few letters committed, never half of one, and a
    re-run imports them again. That is what lets a bulk import keep up hundreds a second.
    """
    report = ImportReport()
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    try:
        for path in letter_files(paths):
            report.results.append(_import_file(path, dry_run=dry_run))
            if on_result is not None:
                on_result(report.results[-1])
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")
    return report


def _import_file(path: Path, *, dry_run: bool) -> ImportResult:
    try:
        data = path.read_bytes()
    except OSError as error:
        return ImportResult(str(path), Outcome.REJECTED, reason=f"cannot read: {error}")
    result = import_letter(data=data, source_name=path.name, dry_run=dry_run)
    # Reports name the path given, so a file in a large batch can be found again.
    return replace(result, source_name=str(path))
