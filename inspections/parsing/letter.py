"""The parser's results: plain frozen dataclasses, and the error it raises."""

from dataclasses import dataclass
from datetime import date

STRENGTH = "strength"
SATISFACTORY = "satisfactory"
DEVELOPMENT = "development"
PRIORITY_ACTION = "priority_action"
IMPROVEMENT = "improvement"  # a point of a full inspection report's "What needs to improve"
OVERVIEW = "overview"
NARRATIVE = "narrative"
# Each category and its label: the one definition (the models take their choices from it).
CATEGORY_LABELS = {
    STRENGTH: "Strength",
    SATISFACTORY: "Satisfactory practice",
    DEVELOPMENT: "Area for development",
    PRIORITY_ACTION: "Area for priority action",
    IMPROVEMENT: "What needs to improve (inspection report)",
    OVERVIEW: "Overview",
    NARRATIVE: "Narrative finding",
}
CATEGORIES = tuple(CATEGORY_LABELS)

UNANNOUNCED_CRA = "unannounced_cra"
MONITORING_VISIT = "monitoring_visit"
FOCUSED_VISIT = "focused_visit"
JTAI = "jtai"
ILACS = "ilacs"
SIF = "sif"
OTHER = "other"
INSPECTION_TYPE_LABELS = {
    UNANNOUNCED_CRA: "Unannounced inspection of contact, referral and assessment",
    MONITORING_VISIT: "Monitoring visit",
    FOCUSED_VISIT: "Focused visit",
    JTAI: "Joint targeted area inspection",
    ILACS: "Inspection of local authority children's services",
    SIF: "Single inspection framework",
    OTHER: "Other",
}
INSPECTION_TYPES = tuple(INSPECTION_TYPE_LABELS)

# A full inspection (ILACS): its framework, and the judgements it grades. Scripts outside
# the project read these names from `parse_letter`'s JSON: keep them.
FRAMEWORK_LABELS = {"standard": "Standard inspection", "short": "Short inspection"}
JUDGEMENT_LABELS = {
    "overall_effectiveness": "Overall effectiveness",
    "leadership": "The impact of leaders on social work practice with children and families",
    "help_and_protection": "The experiences and progress of children who need help and protection",
    "children_in_care": "The experiences and progress of children in care",
    "care_leavers": "The experiences and progress of care leavers",
}
GRADE_LABELS = {
    "outstanding": "Outstanding",
    "good": "Good",
    "requires_improvement": "Requires improvement to be good",
    "inadequate": "Inadequate",
    "not_graded": "Not graded",
}


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
    # The letter gives no date of its own: letter_date is the last day of its visit.
    undated: bool = False
    framework: str = ""  # a full inspection's: "standard" or "short"
    judgements: tuple[tuple[str, str], ...] = ()  # (judgement, grade), as the report gives them
