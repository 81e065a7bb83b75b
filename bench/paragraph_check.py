"""Over every real letter: findings that run two PDF paragraphs together, and words that
lost their hyphen.

    .venv/bin/python bench/paragraph_check.py [--list]

The PDF itself is the judge, read here more simply than the parser reads it: on a page,
two consecutive lines of the text's size whose baselines lie more than 1.5 line spacings
apart have a paragraph gap between them. A finding spans a gap when it holds the last
three words before the gap and the first three after it, run together. A hyphen at a line
end (PDFium marks it) belongs to the word; a finding lost it when it holds the word joined
("multiagency") although the PDF breaks it at a hyphen ("multi-" / "agency") and never
writes it joined. Both are counted for the parser reading the PDF and reading the
pdftotext text of the same letter.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from inspections.councils import match_council  # noqa: E402
from inspections.parsing import LetterParseError, parse_letter  # noqa: E402
from inspections.parsing.pdf import read_pdf  # noqa: E402
from inspections.parsing.pdf_layout import _body_size, _reading_order  # noqa: E402

SHARED = ROOT.parent / "shared"
WORD = re.compile(r"[A-Za-z’']+")


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def gaps_and_hyphens(data: bytes) -> tuple[list[str], set[str]]:
    """(the six words around each paragraph gap, joined forms of words broken at a hyphen)"""
    pages = read_pdf(data)
    ordered = [_reading_order(page) for page in pages]
    lines = [line for page in ordered for line in page]
    size = _body_size(lines)
    steps = Counter(
        round(b.baseline - a.baseline)
        for a, b in zip(lines, lines[1:], strict=False)
        if a.page == b.page
        and abs(a.size - size) < 0.6
        and abs(b.size - size) < 0.6
        and 0.9 * size <= b.baseline - a.baseline <= 2.2 * size
    )
    step = steps.most_common(1)[0][0] if steps else 1.25 * size
    gaps, broken, whole = [], set(), set()
    for a, b in zip(lines, lines[1:], strict=False):
        whole.update(words(a.text)[:-1] if a.hyphen_end else words(a.text))
        if a.hyphen_end:
            head, tail = words(a.text), words(b.text)
            if head and tail:
                broken.add(head[-1] + tail[0])
            continue
        same_size = abs(a.size - size) < 0.6 and abs(b.size - size) < 0.6
        if a.page == b.page and same_size and b.baseline - a.baseline > 1.5 * step:
            before, after = words(a.text)[-3:], words(b.text)[:3]
            if len(before) == 3 and len(after) == 3:
                gaps.append(" ".join(before + after))
    return gaps, broken - whole


def check(source: str, listing: bool) -> None:
    findings = spanning = hyphenless = 0
    for pdf in sorted(SHARED.glob("real/**/*.pdf")):
        gaps, broken = gaps_and_hyphens(pdf.read_bytes())
        document = pdf if source == "pdf" else pdf.with_suffix(".txt")
        try:
            letter = parse_letter(document.read_bytes(), match_council=match_council)
        except LetterParseError:
            continue
        for finding in letter.findings:
            findings += 1
            text = " ".join(words(finding.text))
            if any(gap in text for gap in gaps):
                spanning += 1
                if listing:
                    print(f"  {document.name}: spans a gap: {finding.text[:120]}")
            lost = broken & set(text.split())
            if lost:
                hyphenless += 1
                if listing:
                    print(f"  {document.name}: lost a hyphen: {', '.join(sorted(lost))}")
    print(
        f"from {source}: {findings} findings; spanning a PDF paragraph gap: {spanning}"
        f" ({spanning / findings:.2%}, target <= 0.5%); with a word that lost its hyphen:"
        f" {hyphenless} ({hyphenless / findings:.2%}, target 0)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", action="store_true", help="name every finding counted")
    parser.add_argument("--source", choices=["pdf", "text"], action="append")
    args = parser.parse_args()
    for source in args.source or ["pdf", "text"]:
        check(source, args.list)


if __name__ == "__main__":
    main()
