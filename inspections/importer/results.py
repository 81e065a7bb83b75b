"""What an import did: one result a file, and the report of a whole run."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum

from inspections.models import Inspection
from inspections.parsing import ParsedLetter
from inspections.parsing.letter import INSPECTION_TYPE_LABELS


class Outcome(StrEnum):
    CREATED = "created"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"


@dataclass(frozen=True)
class ImportResult:
    source_name: str
    outcome: Outcome
    reason: str = ""  # why it was rejected; why it was not stored again, if it was not
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

    A kept result holds its letter's Inspection (its text left to be read when asked for):
    a command importing 100,000 letters keeps only the counts and the rejections.
    """

    keep_results: bool = True
    results: list[ImportResult] = field(default_factory=list)
    rejected: list[ImportResult] = field(default_factory=list)
    counts: Counter[Outcome] = field(default_factory=Counter)
    # Of the unchanged, files that were another reading (PDF or text) of a letter imported
    # from its other file (importer/same_letter.py).
    other_readings: int = 0

    def add(self, result: ImportResult) -> None:
        self.counts[result.outcome] += 1
        if result.outcome == Outcome.UNCHANGED and result.reason:
            self.other_readings += 1
        if result.outcome == Outcome.REJECTED:
            self.rejected.append(result)  # a rejected result holds no inspection
        if self.keep_results:
            self.results.append(result)

    def count(self, outcome: Outcome) -> int:
        return self.counts[outcome]

    @property
    def failed(self) -> bool:
        return bool(self.rejected)
