"""parse_letter: the steps in order, and the JSON shape of a parsed letter."""

from datetime import date

from . import metadata
from .layout import Block
from .letter import LetterParseError, ParsedLetter
from .sections import (
    SALUTATION,
    SIGN_OFF,
    blocks_of,
    clean_heading,
    extract_findings,
    heading_category,
    names_priority_action,
)
from .text import content_lines, decode_letter

# The opening paragraphs (after the title) that carry the visit dates and inspectors' names.
_INTRO_BLOCKS = 6


def parse_letter(data: bytes, *, filename: str = "") -> ParsedLetter:
    """Parse one letter file's bytes; raise LetterParseError if it is not a letter we can read.

    `filename` only makes error messages clearer.
    """
    try:
        return _parse(data)
    except LetterParseError as error:
        if filename:
            raise LetterParseError(f"{filename}: {error}") from None
        raise


def _parse(data: bytes) -> ParsedLetter:
    text = decode_letter(data)
    lines = content_lines(text)
    texts = [line.text for line in lines]
    salutation = next((i for i, t in enumerate(texts) if SALUTATION.match(t)), None)
    # Above "Dear ...": Ofsted's address, the date line, then the recipient's address.
    header = texts[:salutation] if salutation is not None else texts[:40]
    found = metadata.letter_date(header)
    if found is None:
        raise LetterParseError("no letter date found")
    letter_date, date_line = found
    address = header[date_line + 1 :] if salutation is not None else []

    title, body = _title_and_body(blocks_of(lines), text)
    intro = _intro(body)
    inspection_type = metadata.inspection_type(title, intro)
    findings = extract_findings(body, inspection_type)
    visit_start, visit_end = metadata.visit_dates(intro, letter_date)
    sign_off = next((i for i, t in enumerate(texts) if SIGN_OFF.match(t)), len(texts))
    inspectors = metadata.unique(
        metadata.inspectors_named(intro) + metadata.signatories(texts[sign_off + 1 :])
    )
    authority, code, spelling = _council(title, intro, address, letter_date)
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
        text=text,
    )


def _title_and_body(blocks: list[Block], text: str) -> tuple[str, list[Block]]:
    """The title (the heading after "Dear ...") and the blocks after it."""
    salutation = next((i for i, b in enumerate(blocks) if SALUTATION.match(b.text)), None)
    if salutation is None:
        return _untitled(text), blocks
    start = salutation + 1
    if start < len(blocks) and blocks[start].kind == "heading":
        return blocks[start].text, blocks[start + 1 :]
    return "", blocks[start:]


def _intro(body: list[Block]) -> str:
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
    return " ".join(paragraphs)


def _untitled(text: str) -> str:
    """A letter without "Dear ...": its first lines, up to the first blank line."""
    lines = []
    for line in text.lstrip().split("\n"):
        if not line.strip():
            break
        lines.append(line.strip())
    return " ".join(lines)[:300]


def _council(title: str, intro: str, address: list[str], on: date) -> tuple[str, str | None, str]:
    """(authority, council code or None, the letter's own spelling)."""
    names, contexts = metadata.authority_phrases(title, intro, address)
    match_council = _matcher()
    if match_council is not None:
        for phrase in names + contexts:
            council = match_council(phrase, on=on)
            if council is not None:
                return council.name, council.code, phrase if phrase in names else council.name
    if not names:
        raise LetterParseError("no council found")
    return metadata.bare_council_name(names[0]), None, names[0]


def _matcher():
    try:
        from inspections.councils import match_council
    except ImportError:  # the council register is optional for parsing
        return None
    return match_council


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
        "findings": [
            {"category": f.category, "heading": f.heading, "text": f.text} for f in letter.findings
        ],
    }
