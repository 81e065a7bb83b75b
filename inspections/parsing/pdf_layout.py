"""Positioned PDF lines to the blocks a reader sees: headings, paragraphs and bullet items.

Everything is decided from the page, never from how long a line happens to be:
- page furniture by position: page numbers and lines repeated at the same place on several
  pages (running headers and footers) in the top or bottom band of a page;
- small print by font size: the letterhead, footnotes and their markers (superscript digits)
  are set smaller than the text, so they stay out of the findings;
- headings by font: a line set wholly in bold, or larger than the text, and short;
- paragraphs by vertical gaps: a paragraph ends where the space to the next line is larger
  than the letter's line spacing. Where a page ends, the next page's first line tells:
  it starts lower than the pages' usual first line when a gap came before it, and a page
  that stops well short of the usual last line ended its paragraph there. A sentence that
  ends where the next line's first word would have fitted is also a paragraph end (a line
  break the writer made);
- bullets by their glyph, sub-items by a glyph further in, continuation by indentation;
- a word broken across lines keeps its hyphen unless the letter itself writes the word
  whole and never with the hyphen (then the hyphen was only a line break).
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from .hyphens import hyphenated_words
from .layout import SENTENCE_END, Block
from .pdf import PdfLine, PdfPage
from .text import BULLET, GLYPHS

# Bands at the top and bottom of a page where running headers and page numbers sit.
_FURNITURE_BAND = 0.11
_PAGE_NUMBER = re.compile(r"(?:page\s+)?\d{1,3}(?:\s*(?:of|/)\s*\d{1,3})?", re.I)
_DIGITS = re.compile(r"\d+")
_SMALL_PRINT = 0.88  # a line smaller than this share of the text's size is small print
_HEADING_WORDS = 25
_SALUTATION = re.compile(r"^Dear\s+\S")
_SIGN_OFF = re.compile(r"^(?:Yours|Your) (?:sincerely|faithfully|truly)\b", re.I)
_WORD = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")
# Glyphs that mark a bullet when the text starts a little to their right.
_GLYPH_CHARS = set(GLYPHS) | {"o", "-", "–", "*", "·"}


@dataclass(frozen=True)
class PdfDocument:
    """A PDF letter as the parser needs it."""

    lines: list[str]  # lines in reading order, for the date, address and signature
    blocks: list[Block]  # headings, paragraphs and bullet items, in order
    text: str  # the readable text: blocks separated by blank lines, furniture left out


def pdf_document(
    pages: list[PdfPage], *, known_heading: Callable[[str], bool] = lambda text: False
) -> PdfDocument:
    """The letter in `pages` as lines, blocks and text. `known_heading(text)` says whether a
    line reads as one of the section headings letters use, for headings set in plain type."""
    ordered = [_reading_order(page) for page in pages]
    lines = [line for page in ordered for line in page]
    body_size = _body_size(lines)
    furniture = _furniture(ordered, pages, body_size)
    text_lines = [
        line
        for line in lines
        if id(line) not in furniture and line.size >= _SMALL_PRINT * body_size
    ]
    small_print = [
        line for line in lines if id(line) not in furniture and line.size < _SMALL_PRINT * body_size
    ]
    for line in text_lines:
        _drop_markers(line)
    vocabulary = _vocabulary(text_lines)
    builder = _BlockBuilder(text_lines, pages, body_size, vocabulary, known_heading)
    blocks = builder.build()
    text = _readable_text(blocks, small_print, vocabulary)
    # The metadata reads lines in reading order, small print included (a report's cover
    # sets its publication date small); the furniture stays out.
    read = [line.text for line in lines if id(line) not in furniture]
    return PdfDocument(read, blocks, text)


def _reading_order(page: PdfPage) -> list[PdfLine]:
    """The page's lines top to bottom, and left to right within a row (a signature table's
    columns); pieces of one line (split at a superscript or a change of font) joined again."""
    by_baseline = sorted(page.lines, key=lambda line: line.baseline)
    rows: list[list[PdfLine]] = []
    for line in by_baseline:
        # Half a line's height apart is still one row (a signature table's cells are
        # offset by a few points); lines of text are a whole line apart.
        if rows and line.baseline - rows[-1][0].baseline < 0.6 * line.size:
            rows[-1].append(line)
        else:
            rows.append([line])
    merged: list[PdfLine] = []
    for row in rows:
        row.sort(key=lambda line: line.x0)
        for line in row:
            previous = merged[-1] if merged else None
            if (
                previous is not None
                and previous in row
                and -1 <= line.x0 - previous.x1 < 0.8 * max(line.size, previous.size)
            ):
                offset = len(previous.text) + 1
                previous.small_chars.extend(offset + i for i in line.small_chars)
                previous.text = f"{previous.text} {line.text}"
                previous.x1 = line.x1
                previous.bold = previous.bold and line.bold
                previous.hyphen_end = line.hyphen_end
                continue
            merged.append(line)
    return merged


def _body_size(lines: list[PdfLine]) -> float:
    """The text's font size: the size most characters are set in."""
    sizes: Counter[float] = Counter()
    for line in lines:
        sizes[round(line.size, 1)] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 12.0


def _furniture(ordered: list[list[PdfLine]], pages: list[PdfPage], body_size: float) -> set[int]:
    """ids of page numbers and running headers and footers. A heading (bold, at the text's
    size or larger) is never furniture, even where two pages start with the same one
    ("Practice study: highly effective practice")."""
    found: set[int] = set()
    repeated: Counter[tuple[str, int]] = Counter()
    banded: list[tuple[PdfLine, tuple[str, int]]] = []
    for lines, page in zip(ordered, pages, strict=True):
        band = _FURNITURE_BAND * page.height
        for line in lines:
            if band < line.baseline < page.height - band:
                continue
            if _PAGE_NUMBER.fullmatch(line.text):
                found.add(id(line))
                continue
            if line.bold and line.size >= 0.95 * body_size:
                continue
            key = (_DIGITS.sub("#", line.text.lower()), round(line.baseline / 6))
            banded.append((line, key))
            repeated[key] += 1
    found.update(id(line) for line, key in banded if repeated[key] >= 2 and len(pages) > 1)
    return found


def _drop_markers(line: PdfLine) -> None:
    """Take out footnote markers: superscript digits glued to a word ("Borough.1")."""
    if not line.small_chars:
        return
    marks = set(line.small_chars)
    line.text = "".join(c for i, c in enumerate(line.text) if i not in marks).rstrip()
    line.small_chars = []


def _vocabulary(lines: list[PdfLine]) -> set[str]:
    """Words the letter writes within a line (lower case), hyphenated or whole."""
    words: set[str] = set()
    for line in lines:
        found = _WORD.findall(line.text.lower())
        if line.hyphen_end and found:
            found.pop()  # the broken word's first half
        words.update(found)
    return words


def join_hyphenated(first: str, second: str, vocabulary: set[str]) -> str:
    """Join a word broken at a line-end hyphen. The hyphen stays ("multi-agency",
    "co-produced"), unless the part after it is no word of its own, the letter writes the
    whole word elsewhere and the letters never hyphenate it ("practi-" + "tioners"): then
    it was only a line break."""
    head = _WORD.findall(first.lower())
    tail = _WORD.findall(second.lower())
    if head and tail:
        whole = head[-1] + tail[0]
        known = hyphenated_words().get(whole.replace("-", ""))  # the letters' own spelling
        if whole in vocabulary and tail[0] not in vocabulary and known is None:
            return first + second
    return f"{first}-{second}"


def _glyph(line: PdfLine) -> str | None:
    """The bullet glyph that starts this line, if any."""
    text = line.text
    match = BULLET.match(text)
    if match and match.end() < len(text):
        return match.group(1) or match.group(2)
    if len(text) > 2 and text[0] in _GLYPH_CHARS and text[1] in " \t":
        return text[0]
    return None


@dataclass
class _Open:
    """The block being built, with the geometry needed to decide whether the next line
    carries it on."""

    block: Block
    left: float  # where its text lines start (after a bullet glyph: where the text starts)
    glyph_x: float  # the x of its bullet glyph (bullets only)
    last: PdfLine
    style: tuple[bool, float]  # (bold, size) of a heading


class _BlockBuilder:
    def __init__(
        self,
        lines: list[PdfLine],
        pages: list[PdfPage],
        body_size: float,
        vocabulary: set[str],
        known_heading: Callable[[str], bool],
    ):
        self.lines = lines
        self.known_heading = known_heading
        self.pages = pages
        self.body_size = body_size
        self.vocabulary = vocabulary
        self.step = self._line_step()
        self.gap = self.step * 1.2
        tops, bottoms = self._page_edges()
        self.usual_top = statistics.median(tops) if tops else 0.0
        self.usual_bottom = statistics.median(bottoms) if bottoms else 0.0
        self.blocks: list[Block] = []
        self.open: _Open | None = None
        self.pieces: dict[int, list[str]] = {}  # block id -> its lines, hyphen marks kept

    def _line_step(self) -> float:
        """The letter's line spacing: the most common distance between baselines of
        consecutive text lines on a page."""
        steps: Counter[float] = Counter()
        for previous, line in zip(self.lines, self.lines[1:], strict=False):
            if line.page == previous.page and abs(line.size - self.body_size) < 0.6:
                step = round(line.baseline - previous.baseline, 0)
                if 0.9 * self.body_size <= step <= 2.2 * self.body_size:
                    steps[step] += 1
        return steps.most_common(1)[0][0] if steps else 1.25 * self.body_size

    def _page_edges(self) -> tuple[list[float], list[float]]:
        """Baselines of each page's first and last text line (pages after the first)."""
        tops, bottoms = [], []
        by_page: dict[int, list[PdfLine]] = {}
        for line in self.lines:
            by_page.setdefault(line.page, []).append(line)
        last_page = max(by_page) if by_page else 0
        for number, lines in by_page.items():
            if number > 0:
                tops.append(lines[0].baseline)
            if number < last_page:
                bottoms.append(lines[-1].baseline)
        return tops, bottoms

    def build(self) -> list[Block]:
        for index, line in enumerate(self.lines):
            self._add(index, line)
        for block in self.blocks:
            block.text = self._joined(block)
        return self.blocks

    # Deciding what a line is.

    def _is_heading(self, index: int, line: PdfLine) -> bool:
        words = len(line.text.split())
        if words > _HEADING_WORDS or _glyph(line) is not None:
            return False
        larger = line.size >= 1.12 * self.body_size
        if (line.bold or larger) and any(c.isalpha() for c in line.text):
            return True
        # A few letters set their headings in the text's own font ("Overview"): a line that
        # is one of the headings a letter uses, standing alone between gaps.
        return self.known_heading(line.text) and self._stands_alone(index, line)

    def _stands_alone(self, index: int, line: PdfLine) -> bool:
        before = self.lines[index - 1] if index else None
        after = self.lines[index + 1] if index + 1 < len(self.lines) else None
        gap_before = (
            before is None
            or before.page != line.page
            or (line.baseline - before.baseline > self.gap)
        )
        gap_after = (
            after is None or after.page != line.page or (after.baseline - line.baseline > self.gap)
        )
        return gap_before and gap_after

    def _add(self, index: int, line: PdfLine) -> None:  # noqa: C901 (one decision table)
        text = line.text
        if _SALUTATION.match(text) and len(text) < 80 or _SIGN_OFF.match(text):
            self._start("heading", line, left=line.x0)
            self.open = None  # nothing runs on from a salutation or a sign-off
            return
        glyph = _glyph(line)
        if glyph is not None:
            self._bullet(line, glyph)
            return
        current = self.open
        if self._is_heading(index, line):
            style = (line.bold, round(line.size))
            if (
                current is not None
                and current.block.kind == "heading"
                and current.style == style
                and line.page == current.last.page
                and line.baseline - current.last.baseline <= max(self.gap, 1.45 * line.size)
                and (
                    not SENTENCE_END.search(current.last.text)
                    # "...help and protection:" / "inadequate": a title and its grade
                    or (current.last.text.endswith(":") and line.text[:1].islower())
                )
            ):
                self._extend(line)  # a heading that wraps onto a second line
            else:
                self._start("heading", line, left=line.x0, style=style)
            return
        if current is not None and current.block.kind != "heading" and self._continues(line):
            self._extend(line)
            return
        self._start("paragraph", line, left=line.x0)

    def _bullet(self, line: PdfLine, glyph: str) -> None:
        current = self.open
        body = line.text[1:].lstrip() if not BULLET.match(line.text) else BULLET.sub("", line.text)
        if (
            current is not None
            and current.block.kind == "bullet"
            and line.x0 > current.glyph_x + 5
            and glyph != current.block.glyph
        ):
            # A sub-item (further in, another glyph): part of the item above it.
            current.block.sub_glyph = glyph
            self._extend(line, text=body)
            return
        # Where the item's text lines start is known from its second line.
        self._start("bullet", line, left=-1.0, glyph=glyph, text=body)

    def _continues(self, line: PdfLine) -> bool:
        """Does `line` carry on the open paragraph or bullet item?"""
        current = self.open
        previous = current.last
        ends_sentence = bool(SENTENCE_END.search(previous.text))
        if line.page != previous.page:
            return self._continues_over_page(previous, line, ends_sentence)
        if line.baseline - previous.baseline > self.gap:
            return False
        if current.block.kind == "bullet":
            if current.left < 0:
                current.left = line.x0
            if line.x0 < current.glyph_x + 2 and line.x0 < current.left - 4:
                return False  # back at the glyph's margin: a paragraph after the list
            return True
        if line.x0 < current.left - 8:
            return False
        if ends_sentence and line.text[:1].isupper() and self._would_have_fitted(previous, line):
            return False
        return True

    def _continues_over_page(self, previous: PdfLine, line: PdfLine, ends_sentence: bool) -> bool:
        if not ends_sentence or line.text[:1].islower():
            return True
        if line.baseline > self.usual_top + 0.5 * (self.gap - self.step) + 2:
            return False  # the page starts lower than usual: a gap came first
        if previous.baseline < self.usual_bottom - 1.5 * self.step:
            return False  # the last page stopped short: its paragraph ended there
        current = self.open
        if current.block.kind == "bullet" and line.x0 < current.glyph_x + 2:
            return False
        return not self._would_have_fitted(previous, line)

    def _would_have_fitted(self, previous: PdfLine, line: PdfLine) -> bool:
        """Would the first word of `line` have fitted at the end of `previous`? Then the
        writer broke the line: the paragraph ended."""
        right = self._right_edge(previous)
        space = 0.28 * previous.size
        return previous.x1 + space + line.first_word_width < right - 1

    def _right_edge(self, line: PdfLine) -> float:
        """Where lines of this column end: the furthest right edge among the lines near
        it that start where it starts."""
        index = self._index[id(line)]
        near = self.lines[max(0, index - 6) : index + 7]
        edges = [
            other.x1
            for other in near
            if other.page == line.page and abs(other.x0 - line.x0) < 25 and not other.bold
        ]
        return max(edges) if edges else line.x1

    @property
    def _index(self) -> dict[int, int]:
        if not hasattr(self, "_index_cache"):
            self._index_cache = {id(line): i for i, line in enumerate(self.lines)}
        return self._index_cache

    # Building blocks.

    def _start(
        self,
        kind: str,
        line: PdfLine,
        *,
        left: float,
        glyph: str = "",
        style: tuple[bool, float] = (False, 0.0),
        text: str | None = None,
    ) -> None:
        block = Block(kind, glyph=glyph, page_before=False, first=0)
        block.marked = kind == "heading"
        self.blocks.append(block)
        self.pieces[id(block)] = []
        self.open = _Open(block, left, line.x0, line, style)
        self._extend(line, text=text)

    def _extend(self, line: PdfLine, *, text: str | None = None) -> None:
        current = self.open
        pieces = self.pieces[id(current.block)]
        piece = line.text if text is None else text
        pieces.append(piece + ("\ufffe" if line.hyphen_end else ""))
        current.block.lines.append(piece)
        current.last = line

    def _joined(self, block: Block) -> str:
        return join_pieces(self.pieces[id(block)], self.vocabulary)


def join_pieces(pieces: list[str], vocabulary: set[str]) -> str:
    """Lines joined with single spaces; a line ending in a hyphen mark joins the next word."""
    out = ""
    for piece in pieces:
        if out.endswith("\ufffe"):
            out = join_hyphenated(out[:-1], piece.strip(), vocabulary)
        elif out:
            out = f"{out} {piece.strip()}"
        else:
            out = piece.strip()
    if out.endswith("\ufffe"):
        out = out[:-1] + "-"
    return " ".join(out.split())


def _readable_text(blocks: list[Block], small_print: list[PdfLine], vocabulary) -> str:
    """The letter as plain text: one block a paragraph, small print (letterhead, footnotes)
    after it, so search finds every word and nothing of the page furniture."""
    parts = []
    for block in blocks:
        prefix = "• " if block.kind == "bullet" else ""
        parts.append(prefix + block.text)
    if small_print:
        parts.append("\n".join(line.text.replace("\ufffe", "-") for line in small_print))
    return "\n\n".join(parts) + "\n"
