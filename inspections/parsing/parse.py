"""parse_letter: the steps in order, and the JSON shape of a parsed letter."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from . import kinds, metadata, report
from .hyphens import mend_joined_lines
from .layout import Block
from .letter import ILACS, LetterParseError, ParsedLetter
from .pdf import is_pdf, read_pdf
from .pdf_layout import pdf_document
from .sections import (
    SALUTATION,
    SIGN_OFF,
    blocks_of,
    clean_heading,
    extract_findings,
    heading_category,
    is_section_heading,
    names_priority_action,
)
from .text import content_lines, decode_letter

# The opening paragraphs (after the title) that carry the visit dates and inspectors' names.
_INTRO_BLOCKS = 6


# Finds the council a phrase names on a day: (name, code) or None. The register is the
# caller's (inspections.councils.match_council in the app), so parsing stays pure.
CouncilMatcher = Callable[..., object]


@dataclass(frozen=True)
class Document:
    """A letter read from its file, before the letter is read from it: its lines in reading
    order, its blocks (headings, paragraphs, bullet items) and its readable text."""

    format: str  # "pdf" or "text"
    lines: list[str]
    blocks: list[Block]
    text: str


def read_document(data: bytes) -> Document:
    """A PDF or a text file's bytes to a Document; LetterParseError if neither can be read."""
    if is_pdf(data):
        pdf = pdf_document(read_pdf(data), known_heading=is_section_heading)
        return Document("pdf", pdf.lines, pdf.blocks, pdf.text)
    if kinds.html_page(data[:500].decode("utf-8", "replace")):
        raise LetterParseError(
            "this is an HTML page (a web page saved in place of the document?), not a letter"
        )
    text = decode_letter(data)
    lines = content_lines(mend_joined_lines(text))
    return Document("text", [line.text for line in lines], blocks_of(lines), text)


def parse_letter(
    data: bytes, *, filename: str = "", match_council: CouncilMatcher | None = None
) -> ParsedLetter:
    """Parse one letter file's bytes (PDF or text); raise LetterParseError if it is not a
    letter we can read.

    `match_council(phrase, on=date)` finds the council a phrase names (without it, the
    council is the name the letter gives). `filename` only makes error messages clearer.
    """
    try:
        return _parse(read_document(data), match_council)
    except LetterParseError as error:
        if filename:
            raise LetterParseError(f"{filename}: {error}") from None
        raise


def _parse(document: Document, match_council: CouncilMatcher | None) -> ParsedLetter:
    texts = document.lines
    refused = kinds.refusal(texts)
    if refused:
        raise LetterParseError(refused)
    if report.is_report(texts):
        if document.format != "pdf":
            raise LetterParseError("a full inspection report is read from its PDF, not its text")
        return report.parse_report(texts, document.blocks, document.text, match_council)
    salutation = next((i for i, t in enumerate(texts) if SALUTATION.match(t)), None)
    # Above "Dear ...": Ofsted's address, the date line, then the recipient's address.
    header = texts[:salutation] if salutation is not None else texts[:40]
    title, body = _title_and_body(document.blocks, document.text)
    intro_paragraphs = _intro(body)
    intro = " ".join(intro_paragraphs)
    found = metadata.letter_date(header)
    if found is not None:
        letter_date, date_line = found
        visit_start, visit_end = metadata.visit_dates(intro, letter_date)
        review = metadata.date_problems(
            letter_date, visit_start, visit_end, "\n".join([*header, intro])
        )
    else:
        letter_date, date_line, visit_start, visit_end = _dated_by_visit(header, intro)
        review = [
            f"no date on the letter: dated by the last day of its visit,"
            f" {letter_date:%-d %B %Y} (it was sent later)"
        ]
    address = header[date_line + 1 :] if salutation is not None else []
    inspection_type = metadata.inspection_type(title, intro)
    findings = extract_findings(body, inspection_type)
    sign_off = next((i for i, t in enumerate(texts) if SIGN_OFF.match(t)), len(texts))
    if sign_off == len(texts):
        review.append("no sign-off (“Yours sincerely”): the letter may be cut short")
    if "\ufffd" in document.text[-200:]:
        review.append("the text ends in a broken character: the file may be cut short")
    inspectors = metadata.unique(
        metadata.inspectors_named("\n".join(intro_paragraphs))
        + metadata.signatories(texts[sign_off + 1 :])
    )
    authority, code, spelling = _council(title, intro, address, letter_date, match_council)
    return ParsedLetter(
        authority=authority,
        council_code=code,
        authority_spelling=spelling,
        letter_date=letter_date,
        inspection_type=inspection_type,
        title=title,
        visit_start=visit_start,
        visit_end=visit_end,
        inspectors=inspectors,
        recipient=metadata.recipient(address, texts[salutation] if address else ""),
        priority_action=names_priority_action(findings, "\n".join(b.text for b in body)),
        findings=tuple(findings),
        text=document.text,
        format=document.format,
        review=tuple(review),
        undated=found is None,
    )


def _dated_by_visit(header: list[str], intro: str) -> tuple[date, int, date, date]:
    """A letter with no date of its own (Ofsted has sent a few): dated by the last day of
    the visit its opening names, with a year ("on 29 and 30 July 2025"), as (that day, the
    index of the header's last line of Ofsted's own address, the visit's first and last
    day). LetterParseError if it names none: a letter is never dated by a guess at a year."""
    visit_start, visit_end = metadata.visit_dates(intro, None)
    if visit_start is None or visit_end is None:
        raise LetterParseError("no letter date found")
    # The recipient's address starts after Ofsted's (its web address, its email).
    ofsted = [index for index, line in enumerate(header) if "ofsted" in line.lower()]
    return visit_end, (ofsted[-1] if ofsted else -1), visit_start, visit_end


def _title_and_body(blocks: list[Block], text: str) -> tuple[str, list[Block]]:
    """The title (the heading after "Dear ...") and the blocks after it."""
    salutation = next((i for i, b in enumerate(blocks) if SALUTATION.match(b.text)), None)
    if salutation is None:
        return _untitled(text), blocks
    start = salutation + 1
    if start < len(blocks) and blocks[start].kind == "heading":
        return blocks[start].text, blocks[start + 1 :]
    return "", blocks[start:]


def _intro(body: list[Block]) -> list[str]:
    """The opening paragraphs, up to the first section heading: where the visit dates and
    the inspectors' names are."""
    paragraphs = []
    for block in body:
        if len(paragraphs) == _INTRO_BLOCKS:
            break
        if block.kind == "heading":
            if heading_category(clean_heading(block.text)):
                break
            continue
        paragraphs.append(block.text)
    return paragraphs


def _untitled(text: str) -> str:
    """A letter without "Dear ...": its first lines, up to the first blank line."""
    lines = []
    for line in text.lstrip().split("\n"):
        if not line.strip():
            break
        lines.append(line.strip())
    return " ".join(lines)[:300]


def _council(
    title: str, intro: str, address: list[str], on: date, match_council: CouncilMatcher | None
) -> tuple[str, str | None, str]:
    """(authority, council code or None, the letter's own spelling)."""
    names, contexts = metadata.authority_phrases(title, intro, address)
    if match_council is not None:
        for phrase in names + contexts:
            council = match_council(phrase, on=on)
            if council is not None:
                return council.name, council.code, phrase if phrase in names else council.name
    if not names:
        raise LetterParseError("no council found")
    return metadata.bare_council_name(names[0]), None, names[0]


def letter_as_dict(letter: ParsedLetter, *, file: str) -> dict:
    """The JSON shape `parse_letter` prints: dates as YYYY-MM-DD or None."""
    return {
        "file": file,
        "authority": letter.authority,
        "letter_date": letter.letter_date.isoformat(),
        "inspection_type": letter.inspection_type,
        "title": letter.title,
        "visit_start": letter.visit_start.isoformat() if letter.visit_start else None,
        "visit_end": letter.visit_end.isoformat() if letter.visit_end else None,
        "inspectors": list(letter.inspectors),
        "priority_action": letter.priority_action,
        "needs_review": list(letter.review),
        **(
            {"framework": letter.framework, "judgements": dict(letter.judgements)}
            if letter.inspection_type == ILACS
            else {}
        ),
        "findings": [
            {"category": f.category, "heading": f.heading, "text": f.text} for f in letter.findings
        ],
    }
