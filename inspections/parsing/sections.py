"""Blocks to findings: which lines are headings, what each heading means, what is boilerplate.

A finding is one bullet item or one paragraph. Its category comes from the heading it stands
under ("Strengths", "Areas for development", "Main findings"...) or, in the older letters,
from the lead-in sentence before a list ("... were delivered satisfactorily in accordance
with national guidance, in particular:"). A heading we do not know (a JTAI subheading, a
monitoring visit's "1. Leadership and management") keeps the category of the section it
sits in and becomes the finding's heading.
"""

import re

from . import letter as L
from .layout import OPEN_END, SENTENCE_END, Block, Measure, build_blocks
from .text import Line

IGNORE = "ignore"  # a section that holds no findings ("Next steps", "Context")

_FOOTNOTE_MARK = re.compile(r"(?<=[a-z?:.’)])\d{1,2}$")
_NUMBERING = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2})*\.?|[a-z]\)|\([a-z0-9]+\))\s+", re.I)


def clean_heading(text: str) -> str:
    text = _FOOTNOTE_MARK.sub("", text.strip())
    return _NUMBERING.sub("", text).strip().rstrip(":.").strip()


# Headings in the order they are tried; a heading is cleaned and lowercased first.
_HEADING_CATEGORIES = (
    (
        L.PRIORITY_ACTION,
        r"^(?:areas?|cases?) for priority actions?$|^[\w ,’'-]{3,40}: .*priority action",
    ),
    (L.STRENGTH, r"^(?:[\w-]+ ){0,3}strengths?(?: identified)?$"),
    (
        L.STRENGTH,
        r"^[\w ,’'-]{3,40}: (?:areas? of )?(?:highly |very )?(?:effective|good|strong)"
        r" practice$",
    ),
    (
        L.SATISFACTORY,
        r"^satisfactory practice|meets? the requirements of statutory guidance"
        r"|delivered satisfactorily|^areas? of satisfactory",
    ),
    (
        L.DEVELOPMENT,
        r"^(?:key |main )?(?:areas?|matters?|aspects?) (?:for|of|requiring) (?:further )?"
        r"(?:development|improvement)|^what needs to improve|^priorities for (?:further )?"
        r"improvement|^(?:case|practice) stud(?:y|ies):? .*improvement|^recommendations$",
    ),
    (
        L.OVERVIEW,
        r"^(?:overview|headline findings?|summary(?: of (?:key |main )?findings)?)$",
    ),
    (
        L.NARRATIVE,
        r"^(?:(?:main|key|other|detailed|inspection) )?findings(?: and evaluation of progress)?$"
        r"|^evaluation of progress|^progress since the last",
    ),
    (
        IGNORE,
        r"^(?:next steps|context|contents|about (?:the|this) (?:inspection|visit)|evidence"
        r"|background|introduction|methodology|the inspection)$",
    ),
)
_HEADING_RULES = tuple((category, re.compile(pattern)) for category, pattern in _HEADING_CATEGORIES)
_DEFAULT_HEADINGS = {
    L.STRENGTH: "Strengths",
    L.SATISFACTORY: "Satisfactory practice",
    L.DEVELOPMENT: "Areas for development",
    L.PRIORITY_ACTION: "Areas for priority action",
    L.OVERVIEW: "Overview",
    L.NARRATIVE: "Findings",
}


def _is_known_heading(text: str, clean: str) -> bool:
    """A line that is one of the headings we know, whatever comes before and after it."""
    words = len(clean.split())
    if words > 14 or _FINITE_VERB.search(clean) or heading_category(clean) is None:
        return False
    end = _FOOTNOTE_MARK.sub("", text.rstrip())[-1:]
    return end not in ",;" and (end != "." or words <= 4)  # "Headline Findings."


def is_section_heading(text: str) -> bool:
    """Does this line read as one of the section headings letters use ("Overview",
    "What needs to improve...?", "Next steps"), whatever its type?"""
    clean = clean_heading(text)
    return bool(clean) and clean[0].isupper() and _is_known_heading(text, clean)


def heading_category(heading: str) -> str | None:
    """The category a cleaned heading announces, IGNORE, or None for a subheading."""
    key = heading.lower().replace("’", "'").rstrip("?").strip()
    for category, rule in _HEADING_RULES:
        if rule.search(key):
            return category
    return None


SIGN_OFF = re.compile(r"^(?:Yours|Your) (?:sincerely|faithfully|truly)\b", re.I)
SALUTATION = re.compile(r"^Dear\s+\S")
# Sentences that close a letter: nothing after them is a finding.
_CLOSING = re.compile(
    r"^(?:Any areas? for (?:development|improvement|priority action)"
    r"|In addition, it is considered by Ofsted"
    r"|Ofsted will (?:take|use|consider|return|monitor|continue|evaluate|publish|share)"
    r"|I am (?:copying|sending a copy of) this letter|A copy of this letter"
    r"|This letter will be published"
    r"|We have notified the (?:Department for Education|DfE)"
    r"|Where a focused visit results in"
    r"|You should (?:submit|send|prepare) an? (?:action plan|written statement)"
    r"|(?:The|Your) [\w’' ,&-]{2,80}? should (?:send|prepare|submit|coordinate) "
    r"(?:the |a )?(?:written statement|action plan|preparation)"
    r"|If you have any (?:questions|comments)"
    r"|There (?:are|were|is) no (?:additional |further |new )?(?:areas? for )?priority actions?"
    r"|We will (?:publish|be in touch))",
    re.I,
)
# How the letter describes its own method: never a finding.
_METHOD = re.compile(
    r"^(?:This letter,? (?:summarises|contains|sets out|outlines|to all|confirms|reports|is )"
    r"|(?:This|The) (?:joint targeted area inspection|JTAI)(?: \(JTAI\))? (?:includes?|included"
    r"|evaluated|considered|focused|looked)"
    r"|The Secretar(?:y|ies) of State|The inspectorates recognise the complexities"
    r"|(?:This|The) (?:monitoring |focused |joint )?(?:visit|inspection) (?:was|is) "
    r"(?:carried out|conducted|undertaken|led|part)"
    r"|(?:This|The) (?:monitoring |focused |joint )?(?:visit|inspection) "
    r"(?:took place|included|sampled|considered|looked|evaluated|focused|team)"
    r"|The inspection was carried out under"
    r"|(?:Her|His) Majesty[’']s (?:Chief )?Inspectors?\b"
    r"|(?:The )?(?:lead )?[Ii]nspectors? (?:(?:also )?(?:looked at|considered|sampled|reviewed"
    r"|tracked|spoke|met with|met|evaluated|used|held|observed|visited|scrutinised|read)"
    r"|(?:for this (?:visit|inspection) )?(?:were|was) [A-Z])"
    r"|During (?:the|this) (?:course of (?:the|this) )?(?:monitoring |focused )?"
    r"(?:visit|inspection)"
    r"|The methodology|In line with the|As part of (?:this|the) (?:visit|inspection)"
    r"|Between \d.*(?:undertook|carried out|conducted) a joint"
    r"|(?:The lead inspector|Throughout this letter|This was the \w+ monitoring visit)"
    r"|(?:I am|We are|I would like to|Inspectors would like to)"
    r" (?:grateful|thank|like to thank))",
)
_LEAD_IN = re.compile(
    r"^(?:From the evidence gathered|(?:This|The) (?:visit|inspection) (?:has )?identified"
    r" the following|The following (?:areas?|strengths|features))",
    re.I,
)
# "... needs to take swift and decisive action to address the following areas of weakness:"
_SHORT_LEAD_IN = re.compile(r"\bthe following\b[^.]{0,60}:$", re.I)
_LEAD_IN_CATEGORIES = (
    (L.SATISFACTORY, re.compile(r"satisfactor|meets? the requirements|in accordance with", re.I)),
    (L.STRENGTH, re.compile(r"\bstrengths?\b", re.I)),
    (L.DEVELOPMENT, re.compile(r"areas? for (?:development|improvement)|to improve", re.I)),
    (L.PRIORITY_ACTION, re.compile(r"priority action", re.I)),
)
RECURRING = re.compile(
    r"\b(?:was|were|had been|has been|is|are|remains?|remained)(?: also| still)?"
    r" (?:an?|one of the|the) (?:areas?|issues?|recommendations?|shortfalls?|weakness(?:es)?"
    r"|concerns?|findings?)\b[^.]{0,60}?\b(?:at|in|during|from|following|after|since)"
    r" (?:the|its|our) (?:last|previous|prior|earlier|most recent)\b"
    r"|\b(?:identified|raised|highlighted|noted|reported|found|recognised|seen|set|made)\b[^.]{0,40}?"
    r"\b(?:at|in|during|from|following) (?:the|its|our) (?:last|previous|prior|earlier"
    r"|most recent)\b[^.]{0,30}?\b(?:inspection|visit|review)"
    r"|\b(?:despite|following) (?:a|the) recommendations? (?:from|at|made at|in) the"
    r" (?:last|previous|prior)"
    r"|\b(?:remains?|remained|continues? to be) an? (?:area|issue) (?:for|of|requiring)"
    r" (?:further )?(?:development|improvement)",
    re.I,
)
_PRIORITY_STATEMENT = re.compile(
    r"\b(?:identified|identifies|has|have|made|set|resulted in|results in|with|requires?)"
    r" (?:an?|one|two|three|four|five|six|several|\d+|the following) (?:areas?|cases?)"
    r" for priority action",
    re.I,
)
_PRIORITY_ACTION = re.compile("priority action", re.I)
# Characters: the longest statement ("resulted in the following areas for priority action")
# is 52, unless its number has over 150 digits.
_PRIORITY_STATEMENT_REACH = 200
_NUMBERED_HEADING = re.compile(r"^\d{1,2}\.?\s+[A-Z]")
# A heading is a noun phrase: a line with a verb like these is the start of a sentence.
_FINITE_VERB = re.compile(
    r"\b(?:is|are|was|were|has|have|had|will|would|can|could|does|do|did|should|must)\b"
)


class HeadingRules:
    """Decides which lines are headings, for `layout.build_blocks`."""

    def __init__(self) -> None:
        self.after_salutation = False

    def __call__(
        self,
        line: Line,
        previous: Line | None,
        following: Line | None,
        measure: Measure,
        previous_kind: str | None,
    ) -> bool:
        text = line.text
        after_salutation, self.after_salutation = self.after_salutation, False
        if SALUTATION.match(text) and len(text) < 80:
            self.after_salutation = True
            return True
        if SIGN_OFF.match(text):
            return True
        if not (line.marked or after_salutation) and (text.count(" ") > 13 or text[:1].islower()):
            return False  # the common case, decided cheaply: a line of running text
        clean = clean_heading(text)
        if not clean:
            return False
        if after_salutation:
            # The letter's title, unless the letter starts straight away.
            return not (SENTENCE_END.search(clean) or _METHOD.match(clean))
        if line.marked:
            return len(text) <= 200
        if not (clean[0].isupper() or clean[0].isdigit()):
            return False
        if _is_known_heading(text, clean):
            # "Areas for improvement raised in the ILACS inspection in 2022 and considered
            # in this" / "visit have been advanced...": a sentence that starts like a heading
            # runs on into a line in lower case; a heading never does.
            runs_on = following is not None and following.text[:1].islower()
            return not (runs_on and text.rstrip()[-1:] not in ":?")
        if len(clean.split()) > 12 or not measure.is_short(text, 0.9) or OPEN_END.search(clean):
            return False
        if _FOOTNOTE_MARK.sub("", text)[-1] in ".,;:!)]–-" or _FINITE_VERB.search(clean):
            return False
        if previous is not None and previous_kind != "heading":
            if not SENTENCE_END.search(previous.text):
                return False
        if not measure.wrapped:
            # A converted document puts blank lines around a heading.
            return line.blank_before > 0 and (following is None or following.blank_before > 0)
        return following is None or not following.text[:1].islower()


def blocks_of(lines: list[Line]) -> list[Block]:
    return build_blocks(lines, HeadingRules(), forces_break=_CLOSING.match)


def extract_findings(blocks: list[Block], inspection_type: str) -> list[L.ParsedFinding]:
    """Walk the blocks after the title and collect the findings, in order."""
    findings: list[L.ParsedFinding] = []
    category: str | None = None
    heading = ""
    preamble = True  # before the first heading or lead-in that starts the findings
    skip_list = False  # the items of a scope list ("reviewed progress in the areas of:")
    overview_in_preamble = inspection_type in (L.MONITORING_VISIT, L.JTAI)

    def add(category: str, heading: str, text: str) -> None:
        findings.append(L.ParsedFinding(category, heading, text, recurring=is_recurring(text)))

    announced_before: set[str] = set()
    for block in _without_contents(blocks):
        text = _without_notes(block.text)
        if SIGN_OFF.match(text):
            break
        if not text:
            continue  # only a printer's note ("All names are pseudonyms.")
        if block.kind == "heading":
            skip_list = False
            cleaned = clean_heading(text)
            announced = heading_category(cleaned)
            if announced and cleaned.lower() in announced_before:
                continue  # a section's heading again (a running header): not a new section
            if announced:
                announced_before.add(cleaned.lower())
                category, heading, preamble = announced, cleaned, False
            elif category not in (None, IGNORE):
                heading = cleaned
            elif _NUMBERED_HEADING.match(text) and inspection_type != L.UNANNOUNCED_CRA:
                category, heading, preamble = L.NARRATIVE, cleaned, False
            continue
        if _CLOSING.match(text):
            category, skip_list = IGNORE, False
            continue
        if skip_list and block.kind == "bullet":
            continue
        skip_list = False
        if text.endswith(":") and _LEAD_IN.match(text):
            announced = [c for c, rule in _LEAD_IN_CATEGORIES if rule.search(text)]
            category = announced[0] if len(announced) == 1 else None
            heading = _DEFAULT_HEADINGS.get(category, "")
            preamble = False
            continue
        if len(text) < 160 and text.endswith(":") and _SHORT_LEAD_IN.search(text):
            continue  # introduces the list that follows; says nothing itself
        if preamble and _METHOD.match(text):
            skip_list = text.endswith(":")
            continue
        if category is None:
            if preamble and overview_in_preamble and block.kind == "paragraph":
                add(L.OVERVIEW, _DEFAULT_HEADINGS[L.OVERVIEW], text)
            continue
        if category == IGNORE:
            continue
        add(category, heading, text)
    return findings


# Notes about the letter's own wording, never findings: "All names are pseudonyms.",
# "*Pseudonym used to protect confidentiality." They may stand alone or end a paragraph.
_NOTE = re.compile(
    r"(?:^|(?<=[.!?’”)])\s+)\*?\s*(?:All (?:children[’']s )?names (?:are|have been)"
    r" (?:pseudonyms|changed)|(?:A )?pseudonyms? (?:is |are |has been |have been )?used"
    r"(?: to protect (?:confidentiality|anonymity))?)\.?\s*$",
    re.I,
)


def _without_notes(text: str) -> str:
    return _NOTE.sub("", text).strip() if "seudonym" in text or "names" in text else text


def _without_contents(blocks: list[Block]) -> list[Block]:
    """The blocks without a table of contents (a report's): its entries run from the
    "Contents" heading to where its first entry comes round again as a real heading."""
    headings = [clean_heading(b.text) if b.kind == "heading" else None for b in blocks]
    if "Contents" not in headings:
        return blocks
    start = headings.index("Contents")
    first = next((i for i in range(start + 1, len(blocks)) if headings[i]), None)
    if first is None:
        return blocks[:start]
    again = (i for i in range(first + 1, len(blocks)) if headings[i] == headings[first])
    return blocks[:start] + blocks[next(again, start + 1) :]


_RECURRING_HINTS = ("last", "previous", "prior", "earlier", "recent", "remain", "continue")


# A weakness raised before that is still there...
_PERSISTS = re.compile(
    r"\b(?:remains?|remained|still|continues? to|continued to|persists?|again|also noted)\b"
    r"|\bnot (?:yet |been |yet been |sufficiently |adequately |fully )*"
    r"(?:addressed|resolved|improved|embedded|realised|remedied)"
    r"|\bslow to improve|\btoo slow|\bhave not improved|\bhas not improved",
    re.I,
)
# ...and one the letter says was put right.
_FIXED = re.compile(
    r"\b(?:improved|strengthened|strengthening|stronger|addressed|addressing|resolved|delivered"
    r"|remedied|progress|secured|(?:is|was|an) improvements?"
    r"|improvements? (?:since|from|for|are|is|in)|now (?:more|better|consistently|effective)"
    r"|building on|built on)\b",
    re.I,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def is_recurring(text: str) -> bool:
    """Does the finding say a weakness raised before persists? (Words checked first: regexes
    are slow.)

    Not when it says an earlier concern was put right ("this is an area that has been
    strengthened since the last inspection"): a mention of the last inspection is read
    with its sentence, and the next one when its own says neither.
    """
    lower = text.lower()
    if not any(hint in lower for hint in _RECURRING_HINTS):
        return False
    sentences = _SENTENCE_END.split(text)
    for index, sentence in enumerate(sentences):
        # Every RECURRING branch holds a hint word: most sentences skip the regex.
        lower = sentence.lower()
        if not any(hint in lower for hint in _RECURRING_HINTS) or not RECURRING.search(sentence):
            continue
        if _PERSISTS.search(sentence):
            return True
        if _FIXED.search(sentence):
            continue
        following = sentences[index + 1] if index + 1 < len(sentences) else ""
        if not (_FIXED.search(following) and not _PERSISTS.search(following)):
            return True
    return False


def names_priority_action(findings: list[L.ParsedFinding], text: str) -> bool:
    if any(finding.category == L.PRIORITY_ACTION for finding in findings):
        return True
    if "priority action" not in text.lower():
        return False
    text = text.replace("\n", " ")
    # The statement ends in "priority action": looked for just before each mention, not
    # over the whole letter (a millisecond a letter: a case-blind regex at every position).
    for mention in _PRIORITY_ACTION.finditer(text):
        if _PRIORITY_STATEMENT.search(
            text, max(0, mention.end() - _PRIORITY_STATEMENT_REACH), mention.end()
        ):
            return True
    return False
