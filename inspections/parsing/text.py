"""Bytes to text, and text to content lines with the page furniture taken out.

Letters reach us as text converted from PDF or Word: UTF-8 or Windows-1252, any line ends,
markdown or HTML residue from a converter, and the furniture of printed pages (form feeds,
page numbers, "Page 2 of 3", running headers, footnotes). This module removes all of that
but keeps, for every remaining line, what stood between it and the line before (blank lines,
a page break), because the paragraph unwrapping in `layout` needs it.
"""

import codecs
import re
import unicodedata
from dataclasses import dataclass

from .letter import LetterParseError

_MAGIC = (
    (b"\x89PNG", "a PNG image"),
    (b"%PDF", "a PDF, read by the PDF path"),
    (b"PK\x03\x04", "a ZIP archive or Word document"),
    (b"GIF8", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\xd0\xcf\x11\xe0", "an Office document"),
)
# C0 controls that never occur in text; tab, LF, VT, FF and CR do.
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1f]")


def _cp1252_fallback(error: UnicodeDecodeError) -> tuple[str, int]:
    # A stray Windows-1252 byte in an otherwise UTF-8 file (a pasted curly quote) should not
    # turn every real UTF-8 character of the letter into mojibake, so only the bad bytes are
    # read as Windows-1252. Bytes Windows-1252 leaves undefined still fail.
    bad = error.object[error.start : error.end]
    return bad.decode("cp1252"), error.end


codecs.register_error("letter-cp1252", _cp1252_fallback)


def decode_letter(data: bytes) -> str:
    """Decode a letter file to text with LF line ends, or raise LetterParseError."""
    if not data.strip():
        raise LetterParseError("empty file")
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise LetterParseError(f"not text (binary data: {what})")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise LetterParseError("cannot decode text (broken UTF-16)") from None
    else:
        sample = data[:8192]
        if b"\x00" in sample or len(_CONTROL_BYTES.findall(sample)) > len(sample) // 50:
            raise LetterParseError("not text (binary data)")
        if data.startswith(codecs.BOM_UTF8):
            data = data[len(codecs.BOM_UTF8) :]
        try:
            text = data.decode("utf-8", errors="letter-cp1252")
        except UnicodeDecodeError:
            raise LetterParseError("cannot decode text (neither UTF-8 nor Windows-1252)") from None
    text = normalise_text(text)
    if not text.strip():
        raise LetterParseError("empty file")
    return text


def normalise_text(text: str) -> str:
    """LF line ends, composed accents, no BOM or trailing spaces; form feeds are kept."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    text = unicodedata.normalize("NFC", text)
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n") + "\n"


@dataclass(slots=True)
class Line:
    """One line of content, stripped of markup, with what separated it from the previous one."""

    text: str
    indent: int = 0
    blank_before: int = 0
    page_before: bool = False
    marked: bool = False  # a markdown heading or a line entirely in bold


# Bullet glyphs: pdftotext gives Wingdings/Symbol bullets as private-use characters (U+F06E,
# U+F0B7, U+F0A7) or as a stray C1 control (U+0083). The ASCII ones need a space after them.
GLYPHS = "●◼■◾▪•◦‣⁃➢►▶✓\uf06e\uf0b7\uf0a7\uf0d8\uf076\x83−⎯"
BULLET = re.compile(rf"^(?:([{GLYPHS}])|([-*o])(?=\s))\s*")
_INLINE_GLYPH = re.compile(r"\s([▪•●◼\uf0b7\uf06e])\s")

_PAGE_NUMBER = re.compile(
    r"(?:page\s+)?\d{1,3}(?:\s*(?:of|/)\s*\d{1,3})?|[-–]\s*\d{1,3}\s*[-–]", re.I
)
_LONE_NUMBER = re.compile(r"\d{1,2}")
# Printer's notes and asterisked footnotes that sit on a page, outside the letter's text.
_PSEUDONYM_NOTE = re.compile(r"\*\s*pseudonyms?\b|Ofsted is proud to use recycled paper", re.I)
_MD_HEADING = re.compile(r"^#{1,6}\s*")
_HTML_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f]+")


def content_lines(text: str) -> list[Line]:
    """The letter's lines without page numbers, running headers, footnotes or markup."""
    pages = [page.split("\n") for page in text.split("\f")]
    headers = _running_headers(pages)
    notes = _Footnotes(text)
    lines: list[Line] = []
    blank = 0
    page_break = False
    for page_no, page in enumerate(pages):
        if page_no:
            page_break = True
        page_start = len(lines)
        i = 0
        while i < len(page):
            raw = page[i]
            stripped = raw.strip()
            i += 1
            if not stripped:
                blank += 1
                continue
            if _PAGE_NUMBER.fullmatch(stripped):
                if _LONE_NUMBER.fullmatch(stripped):
                    end = notes.text_after(page, i, stripped, lines)
                    if end:
                        i = end
                        continue
                    if notes.drop_text_before(page, i, stripped, lines, page_start):
                        continue
                page_break = True
                continue
            if stripped in headers or _PSEUDONYM_NOTE.match(stripped):
                page_break = True
                continue
            for piece in _clean(raw):
                piece.blank_before = blank
                piece.page_before = page_break
                lines.append(piece)
                blank = 0
                page_break = False
        notes.drop_unmarked(lines, page_start)
    return lines


_PLAIN = re.compile(r"[^#<*\t\u00a0\u2000-\u200b\u202f▪•●◼\uf0b7\uf06e]*")


def _clean(raw: str) -> list[Line]:
    """Strip markdown/HTML residue from one raw line; split bullets run together on one line."""
    if _PLAIN.fullmatch(raw) and "  " not in raw:  # the common case: nothing to clean
        text = raw.strip()
        return [Line(text, len(raw) - len(raw.lstrip()))] if text else []
    line = _SPACES.sub(" ", raw)
    indent = len(line) - len(line.lstrip())
    text = line.strip()
    marked = bool(_MD_HEADING.match(text))
    text = _MD_HEADING.sub("", text)
    if text.startswith("**") and text.endswith("**") and len(text) > 4:
        marked = True
    text = _HTML_TAG.sub(" ", text.replace("**", "")).strip()
    text = _SPACES.sub(" ", text)
    if not text:
        return []
    first = BULLET.match(text)
    if first and first.group(1) and _INLINE_GLYPH.search(text):
        # An HTML list converted onto one line: "▪ first item ▪ second item ▪ third".
        glyph = first.group(1)
        parts = re.split(rf"\s{re.escape(glyph)}\s", text[first.end() :])
        return [Line(f"{glyph} {part.strip()}", indent) for part in parts if part.strip()]
    return [Line(text, indent, marked=marked)]


def _running_headers(pages: list[list[str]]) -> set[str]:
    """Lines repeated at the top or bottom of several pages (a report's running header)."""
    if len(pages) < 3:
        return set()
    seen: dict[str, int] = {}
    for page in pages[1:]:
        content = [s for s in (line.strip() for line in page) if s]
        content = [s for s in content if not _PAGE_NUMBER.fullmatch(s)]
        for edge in {*content[:1], *content[-1:]}:
            seen[edge] = seen.get(edge, 0) + 1
    return {line for line, count in seen.items() if count >= 2 and len(line) > 3}


class _Footnotes:
    """Finds footnotes, which pdftotext puts among the text: the marker, then the note
    ("1" / "This joint inspection was conducted under..."), or the note, then its marker.

    A lone number is a footnote marker only if the letter refers to it: digits glued to a
    word or punctuation ("Borough.1", "practice?1", "THRIVE3"). Notes set in a smaller
    font have more characters to the line than the letter's text, which tells where a note
    that comes before its marker begins. The reference is taken out of the text.
    """

    # Digits straight after a lowercase word or an acronym, or after punctuation that ends
    # one; never after a single capital (postcodes: "M1 2WD") or a number ("£3.7").
    _REFERENCE = (
        r"(?:(?<=[a-z])|(?<=[a-z][.,;:?!’”)])|(?<=[A-Z]{3})|(?<=[A-Z]{3}[.,;:?!’”)]))"
        r"NUMBER(?=[\s.,;:)]|$)"
    )
    _DIGITS = re.compile(r"\d+")
    _BEFORE_REFERENCE = re.compile(r"(?:[a-z]|[A-Z]{3})[.,;:?!’”)]?$")

    def __init__(self, text: str):
        # Every run of digits, then the few glued to a word: faster than one regex search.
        self.referenced = {
            match.group()
            for match in self._DIGITS.finditer(text)
            if match.end() - match.start() <= 2
            and text[match.end() : match.end() + 1] in ("", " ", "\n", ".", ",", ";", ":", ")")
            and self._BEFORE_REFERENCE.search(text, max(0, match.start() - 4), match.start())
        }
        self.explained: set[str] = set()
        lengths = sorted(len(line) for line in text.split("\n") if len(line) > 50)
        self.wide = lengths[len(lengths) // 2] * 1.06 if lengths else 10**6

    def text_after(self, page: list[str], start: int, number: str, lines: list[Line]) -> int:
        """After a marker at `start - 1`: the index past its note (up to six lines running
        to a blank line, a number or the page end), or 0 if none follows."""
        if number not in self.referenced:
            return 0
        j = start
        while j < len(page) and not page[j].strip():
            j += 1
        k = j
        while k < len(page) and page[k].strip() and not _PAGE_NUMBER.fullmatch(page[k].strip()):
            k += 1
        if k == j or k - j > 6 or BULLET.match(page[j].strip()):
            return 0
        return k if self._unrefer(number, lines) else 0

    def drop_text_before(
        self, page: list[str], start: int, number: str, lines: list[Line], page_start: int
    ) -> bool:
        """A marker after its note: drop the note's lines (wide ones, bar its last line) from
        the end of `lines`, if they are there. Not for a page's last number (its page number)."""
        if number not in self.referenced or not any(line.strip() for line in page[start:]):
            return False
        k = len(lines)
        while k > page_start:
            text = lines[k - 1].text
            above_wide = k - 2 >= page_start and len(lines[k - 2].text) > self.wide
            if len(text) > self.wide or (k == len(lines) and above_wide):
                k -= 1
            else:
                break
        if k == len(lines) or not self._unrefer(number, lines[:k]):
            return False
        del lines[k:]
        return True

    def drop_unmarked(self, lines: list[Line], page_start: int) -> None:
        """A note whose marker pdftotext lost: wide lines set off by a blank line at the
        foot of a page, in a letter with a reference still unexplained."""
        unexplained = sorted(self.referenced - self.explained, key=int)
        if not unexplained:
            return
        k = len(lines) - 1
        while k > page_start and not lines[k].blank_before and len(lines) - k < 6:
            k -= 1
        note = lines[k:]
        if k <= page_start or not lines[k].blank_before or not note:
            return
        if all(len(line.text) > self.wide for line in note[:-1]) and len(note[0].text) > self.wide:
            if self._unrefer(unexplained[0], lines[:k]):
                del lines[k:]

    def _unrefer(self, number: str, lines: list[Line]) -> bool:
        reference = re.compile(self._REFERENCE.replace("NUMBER", number))
        for line in reversed(lines[-150:]):
            if reference.search(line.text):
                line.text = reference.sub("", line.text, count=1)
                self.explained.add(number)
                return True
        return False
