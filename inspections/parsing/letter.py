"""The parser's results: plain frozen dataclasses, and the error it raises."""

from dataclasses import dataclass
from datetime import date

STRENGTH = "strength"
SATISFACTORY = "satisfactory"
DEVELOPMENT = "development"
PRIORITY_ACTION = "priority_action"
OVERVIEW = "overview"
NARRATIVE = "narrative"
CATEGORIES = (STRENGTH, SATISFACTORY, DEVELOPMENT, PRIORITY_ACTION, OVERVIEW, NARRATIVE)

UNANNOUNCED_CRA = "unannounced_cra"
MONITORING_VISIT = "monitoring_visit"
FOCUSED_VISIT = "focused_visit"
JTAI = "jtai"
ILACS = "ilacs"
SIF = "sif"
OTHER = "other"
INSPECTION_TYPES = (UNANNOUNCED_CRA, MONITORING_VISIT, FOCUSED_VISIT, JTAI, ILACS, SIF, OTHER)


class LetterParseError(ValueError):
    """The data is not a letter we can read; the message says what is wrong."""


@dataclass(frozen=True)
class ParsedFinding:
    category: str
    heading: str
    text: str
    recurring: bool = False


@dataclass(frozen=True)
class ParsedLetter:
    authority: str
    council_code: str | None
    authority_spelling: str
    letter_date: date
    inspection_type: str
    title: str
    visit_start: date | None
    visit_end: date | None
    inspectors: tuple[str, ...]
    recipient: str
    priority_action: bool
    findings: tuple[ParsedFinding, ...]
    text: str
    format: str = "text"  # what it was read from: "pdf" or "text"
    review: tuple[str, ...] = ()  # why a person should check it (dates that cannot be right)
