"""Full inspection reports (ILACS, 2018 on): the council, dates, lead inspector, framework,
graded judgements and findings of a report, read from the same Document as a letter.

A report opens with its title ("Inspection of Bristol local authority children's
services", or before 2020 the council's name over "Inspection of children's social care
services"), "Inspection dates: ...", "Lead inspector: ..." and a table of judgements and
grades. Then the headline summary, "What needs to improve", and one section a judgement
area, its title giving the grade ("The experiences and progress of children in care:
good"), in numbered paragraphs. Running headers, page numbers and the back matter are
small print or page furniture, which the PDF reading already set aside.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from . import letter as L
from . import metadata
from .layout import SENTENCE_END, Block

# "Inspection of Bristol local authority children's services", "Inspection of
# Buckinghamshire Council children's services", "Inspection of Bradford Children and
# Families Trust"; before 2021 the council's name stood above a subtitle.
_TITLE = re.compile(
    r"^Inspection of (?:the )?(?P<name>.+?)(?: local authority)?(?: children[’']?s services"
    r"| Children(?:[’']s)?(?: and Families)? Trust)",
    re.I,
)
_OLD_SUBTITLE = re.compile(
    r"^Inspection of (?:local authority )?children[’']?s (?:social care|services)", re.I
)
_PUBLISHED = re.compile(r"^(?:Report )?published:?\s*(?P<date>.+)$", re.I)
_DATES = re.compile(r"^Inspection dates?:?\s*(?P<dates>.+)$", re.I)
_LEAD = re.compile(r"^Lead inspector:?\s*(?P<name>.*)$", re.I)
_HEAD_LINES = 14  # the title block: title, dates, lead inspector

_GRADE = (
    r"(?P<grade>outstanding|good|requires improvement(?: to be good)?|inadequate"
    r"|not (?:graded|judged))"
)
_GRADES = {
    "outstanding": "outstanding",
    "good": "good",
    "requires improvement": "requires_improvement",
    "requires improvement to be good": "requires_improvement",
    "inadequate": "inadequate",
    "not graded": "not_graded",
    "not judged": "not_graded",
}
# Where a table row or a section title starts, and which judgement it names.
_AREA_START = re.compile(
    r"The impact of leaders|The experiences and progress of|Overall effectiveness", re.I
)
_SECTION = re.compile(
    rf"^(?P<area>(?:The impact of leaders|The experiences and progress of).+?)"
    rf"(?:\s+is:?|:)?\s+{_GRADE}\.?$",
    re.I,
)
_TABLE_GRADE = re.compile(
    r"\b(?P<grade>Outstanding|Good|Requires improvement(?: to be good)?|Inadequate"
    r"|Not (?:graded|judged))\b"
)
_IMPROVE_HEADING = re.compile(r"^What needs to improve\b", re.I)
# "12. The local authority..." and, where the space was lost, "12.The local authority...".
_PARAGRAPH_NUMBER = re.compile(r"^\d{1,3}\.(?:\s+(?=\S)|(?=[A-Z‘“'\"(]))")
# A note on the report's own wording, not a finding: "Throughout this report, care
# leavers are referred to as care-experienced young people ...".
_WORDING_NOTE = re.compile(r"^(?:Throughout this report|In this report, )", re.I)
_BACK_MATTER = re.compile(
    r"^(?:The Office for Standards in Education|If you would like a copy|You may reuse this"
    r"|This report is available at|Interested in our work|©\s*Crown copyright|Piccadilly Gate)",
    re.I,
)


def is_report(lines: list[str]) -> bool:
    """Does this document open like a full inspection report?"""
    head = lines[:_HEAD_LINES]
    return any(_DATES.match(line) for line in head) and any(
        _OLD_SUBTITLE.match(line) or _TITLE.match(" ".join(head[i : i + 3]))
        for i, line in enumerate(head)
    )


def parse_report(
    lines: list[str], blocks: list[Block], text: str, match_council: Callable | None
) -> L.ParsedLetter:
    head = lines[:_HEAD_LINES]
    dates = next((m["dates"] for line in head if (m := _DATES.match(line))), "")
    visit_start, visit_end = metadata.visit_dates(f"from {dates}", date(2100, 1, 1))
    if visit_start is None or visit_end is None:
        raise L.LetterParseError("a full inspection report without its inspection dates")
    name, title = _council_name(head)
    authority, code, spelling = name, None, name
    if match_council is not None:
        council = match_council(name, on=visit_end)
        if council is not None:
            authority, code = council.name, council.code
    if not authority:
        raise L.LetterParseError("a full inspection report that names no council")
    judgements = _judgements(lines, blocks)
    findings = _findings(blocks)
    review = metadata.date_problems(visit_end, visit_start, visit_end, "\n".join(head))
    if not judgements:
        review.append("no graded judgements found")
    return L.ParsedLetter(
        authority=authority,
        council_code=code,
        authority_spelling=spelling,
        # Most reports print no publication date: then a report is dated by its
        # inspection's last day.
        letter_date=_published(head) or visit_end,
        inspection_type=L.ILACS,
        title=title,
        visit_start=visit_start,
        visit_end=visit_end,
        inspectors=_inspectors(head),
        recipient="",
        priority_action=False,
        findings=tuple(findings),
        text=text,
        format="pdf",
        review=tuple(review),
        framework=framework_of(dates),
        judgements=tuple(judgements),
    )


def _council_name(head: list[str]) -> tuple[str, str]:
    """(the council's name, the report's title)."""
    for i, line in enumerate(head):
        if _OLD_SUBTITLE.match(line) and i > 0:
            name = " ".join(head[:i]).strip()
            return metadata.bare_council_name(name), f"{name}: {line}"
    for i in range(len(head)):
        joined = " ".join(head[i : i + 3])
        if match := _TITLE.match(joined):
            title = joined[: match.end()]
            return metadata.bare_council_name(match["name"].strip()), title
    return "", ""


def _published(head: list[str]) -> date | None:
    for line in head:
        if match := _PUBLISHED.match(line):
            found = metadata.letter_date([match["date"]])
            return found[0] if found else None
    return None


def _inspectors(head: list[str]) -> tuple[str, ...]:
    for line in head:
        if match := _LEAD.match(line):
            name = metadata.person_name(match["name"].split(",")[0])
            return (name,) if name else ()
    return ()


def framework_of(dates: str) -> str:
    """A short inspection is a week on site; a standard one, two. Reports say which only by
    their dates; where inspectors came back later ("5 to 9 December 2022 and 14 to 15
    February 2023"), the first visit tells."""
    first_visit = re.split(r"\s+and\s+(?=\d)", dates)[0]
    start, end = metadata.visit_dates(f"from {first_visit}", date(2100, 1, 1))
    if start is None or end is None:
        start, end = metadata.visit_dates(f"from {dates}", date(2100, 1, 1))
    if start is None or end is None:
        return ""
    return "short" if (end - start).days <= 7 else "standard"


def _area_of(label: str) -> str | None:
    label = " ".join(label.lower().split())
    if "overall effectiveness" in label:
        return "overall_effectiveness"
    if "impact of leaders" in label:
        return "leadership"
    if "help and protection" in label:
        return "help_and_protection"
    if "children in care" in label:  # before 2023 this covered care leavers too
        return "children_in_care"
    if "care leavers" in label:
        return "care_leavers"
    return None


def _judgements(lines: list[str], blocks: list[Block]) -> list[tuple[str, str]]:
    """From the table on the first page, then from the section titles for any it missed."""
    found: dict[str, str] = {}
    table = _table_text(lines)
    starts = [m.start() for m in _AREA_START.finditer(table)] + [len(table)]
    for begin, end in zip(starts, starts[1:], strict=False):
        row = table[begin:end]
        grades = list(_TABLE_GRADE.finditer(row))
        area = _area_of(_TABLE_GRADE.sub(" ", row))
        if area and grades and area not in found:
            found[area] = _GRADES[grades[0]["grade"].lower()]
    for block in blocks:
        if block.kind == "heading" and (match := _SECTION.match(block.text)):
            area = _area_of(match["area"])
            if area and area not in found:
                found[area] = _GRADES[match["grade"].lower()]
    if found and "overall_effectiveness" not in found:
        # Reports since the 2026 reform grade each area but give no overall judgement.
        found["overall_effectiveness"] = "not_graded"
    order = list(L.JUDGEMENT_LABELS)
    return sorted(found.items(), key=lambda item: order.index(item[0]))


def _table_text(lines: list[str]) -> str:
    """The judgements table's words, from its "Judgement Grade" header to its last row."""
    start = next((i for i, line in enumerate(lines[:40]) if line.startswith("Judgement")), None)
    if start is None:
        return ""
    rows = []
    for line in lines[start + 1 : start + 30]:
        # The summary begins where a line runs longer than a table cell, or ends a sentence.
        if len(line) > 66 or (SENTENCE_END.search(line) and len(line.split()) > 6):
            break
        rows.append(line)
    return " ".join(rows)


def _findings(blocks: list[Block]) -> list[L.ParsedFinding]:
    findings: list[L.ParsedFinding] = []
    section = "summary"  # then "improve", then a judgement area's section
    heading = "Summary"
    for block in blocks:
        text = block.text.strip()
        if _BACK_MATTER.match(text):
            break
        if block.kind == "heading":
            if _IMPROVE_HEADING.match(text):
                section, heading = "improve", "What needs to improve"
            elif match := _SECTION.match(text):
                section, heading = "body", " ".join(match["area"].split())
            elif section == "body" and not _TITLE.match(text):
                heading = text
            continue
        if section == "summary":
            if _is_summary_paragraph(text):
                findings.append(L.ParsedFinding(L.OVERVIEW, heading, text))
        elif section == "improve":
            if not text.endswith(":"):  # a lead-in to the list says nothing itself
                findings.append(L.ParsedFinding(L.IMPROVEMENT, heading, text))
        else:
            text = _PARAGRAPH_NUMBER.sub("", text)
            if len(text.split()) >= 4:
                findings.append(L.ParsedFinding(L.NARRATIVE, heading, text))
    return findings


def _is_summary_paragraph(text: str) -> bool:
    """A paragraph of the headline summary, not the title block or the table's cells."""
    if _DATES.match(text) or _LEAD.match(text) or _WORDING_NOTE.match(text):
        return False
    if _AREA_START.match(text) and _TABLE_GRADE.search(text):
        return False  # rows of the judgements table run together
    return len(text.split()) >= 12 and bool(SENTENCE_END.search(text))
