"""Parsed letters to rows: a batch of letters in a few statements, whole or not at all.

Letters and their findings go in with COPY, a few statements a batch whatever its size:
a model instance and an INSERT parameter for every value of ~15 findings a letter cost
about a millisecond of Python a letter, an eighth of the import. The rows are built in one
function a table (`inspection_row`, `finding_rows`): a new column is one line there.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from inspections import councils
from inspections.caching import bump_data_version
from inspections.importer.reading import ParsedFile, bytes_hash
from inspections.importer.results import ImportResult, Outcome
from inspections.models import (
    Authority,
    Finding,
    FindingTheme,
    Inspection,
    Judgement,
    SourceDocument,
)
from inspections.parsing import ParsedLetter
from inspections.parsing.hyphens import compound_forms
from inspections.themes.tagging import add_new_finding_themes, new_finding_themes

# A letter with this many findings has fresh statistics taken after it is stored: real
# letters have under a hundred, so only an outlier pays for it.
ANALYZE_AFTER_FINDINGS = 2_000
# Left out of the Inspection a result hands back (read when asked for): a worker process
# would otherwise send every letter's text back to its parent, and a kept report hold it.
_LEFT_UNREAD = frozenset({"source_text", "search_extra"})


def stored_pdfs(digests: list[str]) -> dict[str, Inspection]:
    """Letters already imported from PDFs with these bytes, by the bytes' SHA-256."""
    if not digests:
        return {}
    documents = SourceDocument.objects.filter(sha256__in=digests).select_related("inspection")
    return {
        document.sha256: document.inspection
        for document in documents.defer("data", "inspection__source_text")
    }


def stored_letters(digests: list[str]) -> dict[str, Inspection]:
    """Letters already imported with these texts, by content hash."""
    if not digests:
        return {}
    return Inspection.objects.defer("source_text", "search_extra", "search_vector").in_bulk(
        digests, field_name="content_hash"
    )


def store_one(item: ParsedFile) -> ImportResult:
    """One parsed letter stored in its own transaction; a refusal is reported, not raised."""
    try:
        with transaction.atomic():
            [inspection] = store_letters([item], authorities=AuthorityCache())
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


def store_batch(
    pending: dict[Path, ParsedFile], *, authorities: AuthorityCache
) -> dict[Path, ImportResult]:
    """These letters in one transaction; if the database refuses it, one transaction each,
    so that each still lands whole or not at all and the one at fault is named."""
    try:
        with transaction.atomic():
            inspections = store_letters(list(pending.values()), authorities=authorities)
    except DatabaseError:
        # Authorities created in the rolled-back transaction are gone with it.
        authorities.clear()
        # Reports name the path given, so a file in a large batch can be found again.
        return {
            path: replace(store_one(item), source_name=str(path)) for path, item in pending.items()
        }
    return {
        path: ImportResult(
            str(path), Outcome.CREATED, inspection=inspection, findings=len(item.letter.findings)
        )
        for (path, item), inspection in zip(pending.items(), inspections, strict=True)
    }


def store_letters(pending: list[ParsedFile], *, authorities: AuthorityCache) -> list[Inspection]:
    """Store these letters, their findings and their themes: a few statements for the lot.

    The caller holds the transaction; if any letter fails, none of them is kept.
    """
    now = timezone.now()
    rows = [
        inspection_row(item, pk=pk, authority=authorities.get(item.letter), imported_at=now)
        for item, pk in zip(pending, _new_ids(Inspection, len(pending)), strict=True)
    ]
    _copy(Inspection, rows)
    inspections = [
        _inspection(row, authorities.get(item.letter))
        for item, row in zip(pending, rows, strict=True)
    ]
    findings = [
        row
        for item, inspection in zip(pending, inspections, strict=True)
        for row in finding_rows(inspection, item.letter)
    ]
    finding_ids = _new_ids(Finding, len(findings))
    # Tagged before they are stored, and each one's search vector made from the same
    # stemming: each row carries its themes and its vector (models.Finding), and the
    # FindingTheme rows added after them leave the rows as they are.
    theme_ids, vectors = new_finding_themes(
        [row["text"] for row in findings],
        extras=[row["search_extra"] for row in findings],
        headings=[row["heading"] for row in findings],
    )
    _copy(
        Finding,
        [
            {"id": pk, **row, "theme_ids": ids, "search_vector": vector}
            for pk, row, ids, vector in zip(finding_ids, findings, theme_ids, vectors, strict=True)
        ],
    )
    Judgement.objects.bulk_create(
        Judgement(inspection=inspection, area=area, grade=grade)
        for item, inspection in zip(pending, inspections, strict=True)
        for area, grade in item.letter.judgements
    )
    # By COPY too: a statement's parameters would carry each PDF as quoted hex, twice its
    # size, made in Python.
    _copy(
        SourceDocument,
        [
            {
                "inspection_id": inspection.pk,
                "media_type": SourceDocument._meta.get_field("media_type").default,
                "sha256": bytes_hash(item.original),
                "size": len(item.original),
                "data": item.original,
            }
            for item, inspection in zip(pending, inspections, strict=True)
            if item.original is not None
        ],
    )
    add_new_finding_themes(finding_ids, theme_ids)
    bump_data_version()
    if any(len(item.letter.findings) >= ANALYZE_AFTER_FINDINGS for item in pending):
        transaction.on_commit(_analyze, robust=True)  # statistics are no reason to fail
    return inspections


def inspection_row(
    item: ParsedFile, *, pk: int, authority: Authority, imported_at
) -> dict[str, object]:
    """One letter's Inspection row, column by column."""
    letter = item.letter
    return {
        "id": pk,
        "authority_id": authority.pk,
        "inspection_type": letter.inspection_type,
        "title": letter.title[:500],
        "letter_date": letter.letter_date,
        "undated": letter.undated,
        "visit_start": letter.visit_start,
        "visit_end": letter.visit_end,
        "inspectors": list(letter.inspectors),
        "recipient": letter.recipient[:500],
        "priority_action": letter.priority_action,
        "framework": letter.framework,
        "review_notes": "\n".join(letter.review),
        "source_name": item.source_name[:255],
        "published_url": "",
        "content_hash": item.digest,
        "source_text": letter.text,
        "imported_at": imported_at,
        "search_extra": compound_forms(letter.text),
    }


def finding_rows(inspection: Inspection, letter: ParsedLetter) -> Iterator[dict[str, object]]:
    """A letter's Finding rows, column by column: the one place a finding's columns are set."""
    for position, finding in enumerate(letter.findings, start=1):
        yield {
            "inspection_id": inspection.pk,
            # The letter's, copied (models.Finding): set here, so the trigger that fills
            # them for other writers never fires on an import.
            "authority_id": inspection.authority_id,
            "letter_date": inspection.letter_date,
            "inspection_type": inspection.inspection_type,
            "category": finding.category,
            "heading": finding.heading[:300],
            "position": position,
            "text": finding.text,
            "recurring": finding.recurring,
            "search_extra": compound_forms(finding.text),
        }


def _inspection(row: dict[str, object], authority: Authority) -> Inspection:
    """The stored row as a model instance, its long texts left to be read when asked for."""
    names = [
        field.attname
        for field in Inspection._meta.concrete_fields
        if field.attname in row and field.attname not in _LEFT_UNREAD
    ]
    inspection = Inspection.from_db(connection.alias, names, [row[name] for name in names])
    inspection.authority = authority
    return inspection


def _new_ids(model, count: int) -> list[int]:
    """`count` primary keys from the table's own sequence, so that COPY can give them (and
    what follows find the rows by primary key, whatever the planner's statistics say)."""
    if not count:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, count],
        )
        return [pk for (pk,) in cursor.fetchall()]


def _copy(model, rows: list[dict[str, object]]) -> None:
    """These rows into the model's table with one COPY (every row with the same columns)."""
    if not rows:
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(name) for name in rows[0])
    statement = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
    # Django wraps its own execute(); a COPY's errors are made Django's here, so that a
    # refused batch is handled like any other DatabaseError.
    with connection.cursor() as cursor, connection.wrap_database_errors:
        with cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(tuple(row.values()))


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
    council = _council(letter)
    if council is not None:
        authority, _ = Authority.objects.get_or_create(
            slug=authority_slug(letter),
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
            slug=authority_slug(letter),
            defaults={"name": letter.authority[:200], "needs_review": True},
        )
    spelling = letter.authority_spelling.strip()
    if spelling and spelling not in authority.aliases:
        authority.aliases = sorted({*authority.aliases, spelling})
        authority.save(update_fields=["aliases"])
    return authority


def authority_slug(letter: ParsedLetter) -> str:
    """The slug of the Authority row a letter is stored under (authority_for's)."""
    council = _council(letter)
    if council is not None:
        return council.slug
    return slugify(letter.authority)[:200] or "unknown"


def _council(letter: ParsedLetter) -> councils.Council | None:
    """The council of the reference data a letter names by its code, if any."""
    return councils.council_by_code(letter.council_code) if letter.council_code else None


def display_name(council: councils.Council) -> str:
    """The council's short name; an abolished one says so, to stand apart from a successor."""
    if council.end_date is None:
        return council.name
    return f"{council.name} (until {council.end_date.year})"
