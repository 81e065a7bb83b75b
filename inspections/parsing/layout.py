"""Content lines to blocks: headings, bullets and paragraphs, with wrapped lines joined.

Two layouts reach us. Converted documents put each paragraph on one long line, with blank
lines between paragraphs and runs of blank lines where a page broke. pdftotext hard-wraps
every line and leaves no blank line between paragraphs, so a paragraph ends only where a
line ends a sentence and the next line's first word would have fitted on it. Characters in
the PDF are proportional, so line lengths are measured in Helvetica/Arial advance widths
rather than characters, and the column width is estimated per letter from its own lines.
"""

import math
import re
import statistics
from dataclasses import dataclass, field

from .text import BULLET, Line


class _Widths(dict):
    """Helvetica/Arial advance widths in 1/1000 em (the two share metrics). Ofsted letters
    are set in Arial or Tahoma, whose relative widths are close enough to decide whether a
    word would have fitted on a line."""

    def __missing__(self, char: str) -> int:
        return 556  # a digit's width: as good a guess as any for a rare character


_WIDTHS = _Widths()
for _chars, _width in (
    ("il", 222),
    (" !,./:;I[\\]fjt‘’", 278),
    ("r-()`", 333),
    ('“”"', 355),
    ("'", 191),
    ("#$0123456789?Labdeghnopqu_£–", 556),
    ("ckvsxyzJ", 500),
    ("*", 389),
    ("ABEKPSVXY&", 667),
    ("CDHNRUw", 722),
    ("FTZ", 611),
    ("GOQ", 778),
    ("Mm%", 833),
    ("W", 944),
    ("+<=>~", 584),
    ("@", 1015),
    ("—", 1000),
):
    for _char in _chars:
        _WIDTHS[_char] = _width


def text_width(text: str) -> int:
    return sum(map(_WIDTHS.__getitem__, text))


# A line is a paragraph's last line when the next line's first word would have fitted on it:
# (width of the line + a space + that word) below a ratio of the column width (the median
# width of the lines around it). Each letter's ratio is taken where its certain continuations
# (lines followed by one starting in lower case) begin, their 3rd percentile, as fonts and
# margins differ; across the real letters that gives the fewest wrong joins and splits
# together. Even so, about one paragraph end in ten cannot be told from a wrap (its last
# line is nearly full) and is joined to the next paragraph.
_FITS = 1.03
_FITS_BOUNDS = (1.0, 1.07)
# Sentences that lean on the one before rarely open a paragraph; near the threshold, they
# stay with it.
_FOLLOW_ON = re.compile(
    r"(?:This|These|That|Those|They|Their|It|Its|He|She|His|Her|Such|Both|However|Also|But"
    r"|And|Consequently|Therefore|Similarly|Despite this|As a result|For example|In addition"
    r"|Additionally|Furthermore|Moreover|In turn|Instead|Nevertheless)\b"
)
_FOLLOW_ON_MARGIN = 0.02
# A bullet item is one paragraph but for the rare one whose line is far from full.
_ITEM_SLACK = 0.15
# Lines longer than this many characters (the median of a letter's long lines) have not
# been hard-wrapped: the letter puts a paragraph on each line.
_UNWRAPPED = 130
# A heading or title line ending on one of these needs the next line.
OPEN_END = re.compile(
    r"\b(?:and|of|in|to|the|for|with|within|on|at|by|from|into|a|an|or|that)$|[&,–-]$", re.I
)

SENTENCE_END = re.compile(r"[.!?:][’”'\")\]]*$")
_CONNECTIVE_END = re.compile(r"[,;(–—-]$")


@dataclass(slots=True)
class Block:
    kind: str  # "heading", "bullet" or "paragraph"
    lines: list[str] = field(default_factory=list)
    glyph: str = ""
    marked: bool = False
    page_before: bool = False
    first: int = 0  # index of its first line, for measuring the column around it
    sub_glyph: str = ""  # the glyph of a sub-list folded into this item
    text: str = ""  # the lines joined, once the block is complete


def join_lines(lines: list[str]) -> str:
    """Join wrapped lines with single spaces, mending words hyphenated at a line end."""
    out = ""
    for line in lines:
        line = line.strip()
        if not out:
            out = line
        elif out.endswith("-") and out[-2:-1].isalpha() and line[:1].islower():
            out += line  # "decision-" + "making": pdftotext kept the real hyphen
        else:
            out += " " + line
    return " ".join(out.split())


class Measure:
    """The letter's line widths, for the would-the-next-word-have-fitted test."""

    def __init__(self, lines: list[Line]):
        # Widths of the text without its bullet glyph: an item's first line starts at the
        # same indent as the rest of it.
        self.texts = [BULLET.sub("", line.text, count=1) for line in lines]
        self.widths = [text_width(text) for text in self.texts]
        lengths = [len(line.text) for line in lines if len(line.text) > 40]
        self.wrapped = bool(lengths) and statistics.median(lengths) <= _UNWRAPPED
        body = [w for w, text in zip(self.widths, self.texts, strict=True) if len(text) > 50]
        self.body = statistics.median(body) if body else 0
        self.fits = _FITS
        if self.wrapped and self.body:
            sums = sorted(
                self.widths[i] + text_width(" " + lines[i + 1].text.split(" ", 1)[0])
                for i in range(len(lines) - 1)
                if len(lines[i].text) > 40
                and lines[i + 1].text[:1].islower()
                and not lines[i].text.endswith("-")
            )
            if len(sums) >= 20:
                low, high = _FITS_BOUNDS
                self.fits = min(max(sums[len(sums) * 3 // 100] / self.body, low), high)

    def column(self, i: int, first: int) -> float:
        """The column width around line i: bullet items are indented and case-study boxes
        narrower, so it is the median of the full-looking lines near it (those of the same
        block before it, and the few after it), capped at the body's."""
        near = [*range(max(first, i - 4), i - 1), *range(i, min(i + 3, len(self.widths)))]
        samples = [
            self.widths[j]
            for j in near
            if len(self.texts[j]) > 40 and 0.7 * self.body < self.widths[j] < 1.15 * self.body
        ]
        if len(samples) < 3:
            return self.body
        return min(self.body, statistics.median(samples))

    def ends_paragraph(self, i: int, first: int, slack: float = 0.0) -> bool:
        """Would the first word of line i have fitted on line i - 1 (of a block from `first`),
        with `slack` of the column to spare?"""
        if not self.body:
            return True
        following = self.texts[i]
        fits = self.fits - slack
        if _FOLLOW_ON.match(following):
            fits -= _FOLLOW_ON_MARGIN  # "This...", "However, ...": likely the same paragraph
        word = following.split(" ", 1)[0]
        return self.widths[i - 1] + text_width(" " + word) < fits * self.column(i, first)

    def is_short(self, text: str, share: float = 0.75) -> bool:
        if not self.wrapped:
            return len(text) <= 100
        return text_width(text) < share * self.body


def build_blocks(lines: list[Line], is_heading, forces_break) -> list[Block]:
    """Group lines into blocks.

    `is_heading(line, previous, following, measure, previous_kind)` decides which lines are
    headings; everything else is a bullet item or a paragraph. `forces_break(text)` names
    lines that always start a paragraph after a finished sentence (closing boilerplate), so
    that it is never glued onto the finding before it.
    """
    measure = Measure(lines)
    blocks: list[Block] = []
    current: Block | None = None
    pending_glyph = ""
    previous: Line | None = None
    for i, line in enumerate(lines):
        text = line.text
        following = lines[i + 1] if i + 1 < len(lines) else None
        bullet = BULLET.match(text)
        if bullet and not bullet.end() < len(text):
            pending_glyph = text.strip()  # a glyph alone: its item starts on the next line
            continue
        if bullet or pending_glyph:
            glyph = (bullet.group(1) or bullet.group(2)) if bullet else pending_glyph
            body = text[bullet.end() :] if bullet else text
            current = Block("bullet", [body], glyph=glyph, page_before=line.page_before, first=i)
            blocks.append(current)
            pending_glyph = ""
        elif current is not None and current.kind == "heading" and _wraps(current, line, measure):
            current.lines.append(text)
        elif is_heading(line, previous, following, measure, current.kind if current else None):
            current = Block(
                "heading", [text], marked=line.marked, page_before=line.page_before, first=i
            )
            blocks.append(current)
        elif current is not None and _continues(current, i, line, measure, forces_break):
            current.lines.append(text)
        else:
            current = Block("paragraph", [text], page_before=line.page_before, first=i)
            blocks.append(current)
        previous = line
    if measure.wrapped:
        blocks = _split_run_together(blocks, measure)
    return _merge_sublists(blocks)


def _continues(block: Block, i: int, line: Line, measure: Measure, forces_break) -> bool:
    """Does `line` carry on the paragraph or bullet item `block`?"""
    text = line.text
    last = block.lines[-1]
    if block.kind == "heading":
        return False
    if forces_break(text) and SENTENCE_END.search(last):
        return False
    if line.indent and not line.page_before and not measure.wrapped:
        return True  # an indented continuation line in a converted document
    if text[:1].islower() or text[:1] in ",;:()" or _CONNECTIVE_END.search(last):
        return True
    if not SENTENCE_END.search(last):
        return True  # the previous piece has no final punctuation: a sentence runs on
    if not measure.wrapped:
        return False
    if line.blank_before and not line.page_before:
        return False  # an explicit blank line between paragraphs
    if block.kind == "bullet" and not line.page_before:
        # An item rarely holds two paragraphs: only a line far from full ends it.
        return not measure.ends_paragraph(i, block.first, _ITEM_SLACK)
    if line.page_before:
        # Across a page break a finished sentence followed by a capital starts a new
        # paragraph, unless the new page's sentence leans on the last ("This means...") and
        # could not have fitted on the last line anyway.
        return bool(_FOLLOW_ON.match(text)) and not measure.ends_paragraph(i, block.first)
    return not measure.ends_paragraph(i, block.first)


# A paragraph run together with the next (pdftotext dropped the blank line, the first ended
# on a nearly full line) is told by what a reader would notice: it is long for this letter,
# one of its sentence ends falls on a nearly full line, and the sentence after it does not
# lean on the one before. Each weight scores one cue of a possible break; the break with
# the best score above zero is taken, and each half is looked at again. The weights are a
# logistic fit on the real letters' text against their PDFs' paragraphs (the held-out
# letters left out; `bench/text_vs_pdf.py`), rounded.
_RUN_ON_LENGTH = 1.2  # per unit of log(lines / the letter's median paragraph lines)
_RUN_ON_REACH = 4.6  # against: per column width the next word overshoots the fit ratio
_RUN_ON_FOLLOW_ON = 2.7  # against: the next sentence starts "This...", "However, ..."
_RUN_ON_SENTENCES = 0.25  # per sentence in the shorter half (up to 4)
_RUN_ON_LINES = 0.6  # per line in the shorter half (up to 6)
_RUN_ON_BIAS = 3.6
_SENTENCE = re.compile(r"[.!?][’”'\")\]]*\s")
_CASE_STUDY = re.compile(r"\b(?:case|practice) stud(?:y|ies)\b", re.I)


def _split_run_together(blocks: list[Block], measure: Measure) -> list[Block]:
    """Paragraphs split where two were run together (see _RUN_ON_LENGTH)."""
    paragraphs = sorted(len(b.lines) for b in blocks if b.kind == "paragraph" and len(b.lines) > 1)
    if len(paragraphs) < 4:
        return blocks
    typical = paragraphs[len(paragraphs) // 2]
    out: list[Block] = []
    in_case_study = False
    for block in blocks:
        if block.kind == "heading":
            in_case_study = bool(_CASE_STUDY.search(" ".join(block.lines)))
        # A case study tells one child's story in long paragraphs of its own measure.
        out.extend([block] if in_case_study else _split_block(block, measure, typical))
    return out


def _split_block(block: Block, measure: Measure, typical: int) -> list[Block]:
    """`block` as the paragraphs it holds: split at its best-scoring sentence end, if any
    scores above zero, and each half again (`typical`: the letter's median paragraph lines)."""
    n = len(block.lines)
    if block.kind != "paragraph" or n < 4:
        return [block]
    best = None
    for j in range(1, n):
        last, text = block.lines[j - 1], block.lines[j]
        if not SENTENCE_END.search(last) or last.endswith(":") or not text[:1].isupper():
            continue
        i = block.first + j
        word = measure.texts[i].split(" ", 1)[0]
        reach = (measure.widths[i - 1] + text_width(" " + word)) / measure.column(i, block.first)
        head = " ".join(block.lines[:j]) + " "
        tail = " ".join(block.lines[j:]) + " "
        sentences = min(len(_SENTENCE.findall(head)), len(_SENTENCE.findall(tail)), 4)
        score = (
            _RUN_ON_LENGTH * math.log(n / typical)
            - _RUN_ON_REACH * (reach - measure.fits)
            - _RUN_ON_FOLLOW_ON * bool(_FOLLOW_ON.match(text))
            + _RUN_ON_SENTENCES * sentences
            + _RUN_ON_LINES * min(j, n - j, 6)
            - _RUN_ON_BIAS
        )
        if score > 0 and (best is None or score > best[0]):
            best = (score, j)
    if best is None:
        return [block]
    j = best[1]
    head = Block("paragraph", block.lines[:j], page_before=block.page_before, first=block.first)
    tail = Block("paragraph", block.lines[j:], first=block.first + j)
    return _split_block(head, measure, typical) + _split_block(tail, measure, typical)


def _wraps(heading: Block, line: Line, measure: Measure) -> bool:
    """Does a long heading (a title) run on to `line`? ("... of Windsor and" / "Maidenhead")"""
    last = heading.lines[-1]
    if len(heading.lines) > 4 or measure.is_short(last, 0.5) or SENTENCE_END.search(last):
        return False
    return line.text[:1].islower() or bool(OPEN_END.search(last))


def _merge_sublists(blocks: list[Block]) -> list[Block]:
    """Fold a sub-list into the item or paragraph that introduces it ("including:"): items
    with another glyph under a bullet item, or fragments in lower case under a paragraph."""
    merged: list[Block] = []
    for block in blocks:
        parent = merged[-1] if merged else None
        if block.kind == "bullet" and parent is not None and _is_sublist(parent, block):
            # The items' words as printed, nothing added (as a reader copies them).
            parent.lines.extend(block.lines)
            parent.sub_glyph = block.glyph
            continue
        merged.append(block)
    for block in merged:
        block.text = join_lines(block.lines)
    return merged


def _is_sublist(parent: Block, item: Block) -> bool:
    opens = parent.lines[-1].endswith(":")
    if parent.kind == "bullet":
        return parent.glyph != item.glyph and (opens or parent.sub_glyph == item.glyph)
    if parent.kind == "paragraph" and item.lines[0][:1].islower():
        # Not under "... the following areas for improvement:": each of those is a finding.
        if opens and _ANNOUNCES_ITEMS.search(" ".join(parent.lines[-3:])):
            return False
        return opens or parent.sub_glyph == item.glyph
    return False


_ANNOUNCES_ITEMS = re.compile(
    r"(?:\bthe following\b[^.:]*|\bensure that|\bin particular|\bidentified\b[^.:]*):$"
)
