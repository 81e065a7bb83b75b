"""PDF bytes to positioned lines: what each line says, where it sits and in what font.

PDFium (through pypdfium2: BSD/Apache licensed, the library ships in its wheel, no system
binary) reads the text layer. It gives the text in content order, split into lines, and for
each character its box, baseline, font size and weight. We keep, for every line, its left
and right edges, its baseline, its font size and whether it is bold; the layout module
(`pdf_layout`) turns those into headings, paragraphs and bullets. Nothing here knows about
letters: it reads any PDF's text layer, or says why it cannot.

A line-end hyphen comes back from PDFium as U+FFFE (it cannot tell a soft break from a real
hyphen either) with the next line run on; we split the line there again and keep the mark,
so the layout module can decide with the words around it.
"""

from __future__ import annotations

import ctypes
import re
from dataclasses import dataclass, field

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw

from .letter import LetterParseError

LINE_END_HYPHEN = "\ufffe"  # PDFium's mark for a hyphen that ends a line
_BOLD_NAME = re.compile(r"bold|black|heavy|semibold|demi", re.I)
_FORCE_BOLD_FLAG = 1 << 18
# PDF error codes from PDFium's FPDF_GetLastError.
# A gap this many font sizes wide inside one of PDFium's lines is between two columns (a
# signature table's cells set on one baseline), never between two words of a sentence.
_COLUMN_GAP = 4
_ERR_PASSWORD = 4
_ERR_SECURITY = 5


@dataclass(slots=True)
class PdfLine:
    """One line of text on a page, in PDF points, measured from the page's top-left."""

    text: str
    page: int
    x0: float  # left edge of the first character
    x1: float  # right edge of the last character
    baseline: float  # distance of the baseline from the top of the page
    size: float  # font size of the line's body characters
    bold: bool  # every sampled character is bold
    first_word_width: float = 0.0  # width of the text up to the first space
    hyphen_end: bool = False  # the line ended in a hyphen PDFium marked as a line break
    small_chars: list[int] = field(default_factory=list)  # indices of superscript digits


@dataclass(slots=True)
class PdfPage:
    number: int  # from 0
    width: float
    height: float
    lines: list[PdfLine]


def is_pdf(data: bytes) -> bool:
    return data[:1024].lstrip().startswith(b"%PDF")


def read_pdf(data: bytes) -> list[PdfPage]:
    """Every page's lines, in content order; raise LetterParseError when there is no text
    to read (not a PDF, encrypted, damaged, or only images)."""
    if b"%%EOF" not in data[-2048:]:
        raise LetterParseError("truncated PDF (it has no end-of-file marker): download it again")
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        if getattr(error, "err_code", None) in (_ERR_PASSWORD, _ERR_SECURITY):
            raise LetterParseError("encrypted PDF: it needs a password to be read") from None
        raise LetterParseError(f"damaged PDF: {error}") from None
    try:
        pages = [_read_page(document, number) for number in range(len(document))]
    finally:
        document.close()
    if not pages:
        raise LetterParseError("the PDF has no pages")
    if sum(len(line.text) for page in pages for line in page.lines) < 200:
        raise LetterParseError("no text layer: scanned? (the PDF holds only images)")
    return pages


class _Chars:
    """Per-character queries on one PDFium text page, with reusable out-parameters."""

    def __init__(self, textpage, page_height: float):
        self.handle = textpage.raw
        self.height = page_height
        self._l, self._r, self._b, self._t = (ctypes.c_double() for _ in range(4))
        self._x, self._y = ctypes.c_double(), ctypes.c_double()
        self._flags = ctypes.c_int()
        self._matrix = pdfium_raw.FS_MATRIX()
        self._bold_by_font: dict[bytes, bool] = {}

    def box(self, index: int) -> tuple[float, float]:
        """(left, right) of a character."""
        pdfium_raw.FPDFText_GetCharBox(self.handle, index, self._l, self._r, self._b, self._t)
        return self._l.value, self._r.value

    def baseline(self, index: int) -> float:
        pdfium_raw.FPDFText_GetCharOrigin(self.handle, index, self._x, self._y)
        return self.height - self._y.value

    def size(self, index: int) -> float:
        """The size the character is printed at: its font size scaled by its text matrix
        (some PDFs set every font at size 1 and scale it)."""
        nominal = pdfium_raw.FPDFText_GetFontSize(self.handle, index)
        if not pdfium_raw.FPDFText_GetMatrix(self.handle, index, self._matrix):
            return nominal
        m = self._matrix
        scale = abs(m.a * m.d - m.b * m.c) ** 0.5
        return nominal * scale if scale > 0 else nominal

    def bold(self, index: int) -> bool:
        weight = pdfium_raw.FPDFText_GetFontWeight(self.handle, index)
        if weight >= 600:
            return True
        # Some fonts report no weight: their name ("Arial-BoldMT") or flags say it.
        length = pdfium_raw.FPDFText_GetFontInfo(self.handle, index, None, 0, self._flags)
        name = ctypes.create_string_buffer(max(length, 1))
        pdfium_raw.FPDFText_GetFontInfo(self.handle, index, name, length, self._flags)
        key = name.value
        if key not in self._bold_by_font:
            self._bold_by_font[key] = bool(
                _BOLD_NAME.search(key.decode("latin-1")) or self._flags.value & _FORCE_BOLD_FLAG
            )
        return self._bold_by_font[key]


def _read_page(document, number: int) -> PdfPage:
    page = document[number]
    try:
        width, height = page.get_size()
        textpage = page.get_textpage()
        try:
            text = textpage.get_text_range()
            chars = _Chars(textpage, height)
            lines = [
                line
                for span in _line_spans(text)
                for start, end, hyphen in _columns(text, *span, chars)
                if (line := _line(text, start, end, hyphen, chars, number)) is not None
            ]
        finally:
            textpage.close()
    finally:
        page.close()
    return PdfPage(number, width, height, lines)


def _line_spans(text: str):
    """(start, end, ends_in_hyphen) of each line in PDFium's text, where the text index is
    the character index (PDFium's text range has one entry per character, its generated
    spaces and line breaks included)."""
    start = 0
    for index, char in enumerate(text):
        if char in "\r\n":
            if index > start:
                yield start, index, False
            start = index + 1
        elif char == LINE_END_HYPHEN:
            yield start, index, True
            start = index + 1
    if start < len(text):
        yield start, len(text), False


def _columns(text: str, start: int, end: int, hyphen: bool, chars: _Chars):
    """One PDFium line cut where it jumps a column: PDFium runs the cells of a table row
    set on one baseline into one line ("Nick Hudson Sue McMillan"), where pdftotext keeps
    them apart. A bullet glyph or a footnote number before its text is not a column.

    Only the edges of the spaces are measured (a character's box is a call into PDFium:
    every character's was a quarter of the time a page takes)."""
    cut = start
    for space in _SPACES.finditer(text, start, end):
        before, after = space.start() - 1, space.end()
        if before < start or len(text[cut:after].strip()) < 3:
            continue
        gap = chars.box(after)[0] - chars.box(before)[1]
        if gap > _COLUMN_GAP * _SMALLEST_TYPE and gap > _COLUMN_GAP * chars.size(after):
            yield cut, after, False
            cut = after
    yield cut, end, hyphen


# A run of spaces with a character after it; and no letter's type is smaller than this
# (points), so a narrower gap needs no look at the size.
_SPACES = re.compile(r"\s+(?=\S)")
_SMALLEST_TYPE = 3.0


def _line(text: str, start: int, end: int, hyphen: bool, chars: _Chars, page: int):
    raw = text[start:end]
    stripped = raw.strip()
    if not stripped:
        return None
    first = start + (len(raw) - len(raw.lstrip()))
    last = start + len(raw.rstrip()) - 1
    x0, _ = chars.box(first)
    _, x1 = chars.box(last)
    # Three characters tell the line's font: enough to tell a bold line from a bold word.
    middle = (first + last) // 2
    while text[middle].isspace():
        middle += 1
    samples = (first, middle, last)
    sizes = sorted(chars.size(i) for i in samples)
    size = sizes[1]
    bold = all(chars.bold(i) for i in samples)
    space = text.find(" ", first, last + 1)
    first_word_width = (chars.box(space - 1)[1] if space > first else x1) - x0
    # Superscript digits (footnote markers): a smaller size than the line's text.
    small = [
        i - first
        for i in range(first, last + 1)
        if text[i].isdigit() and chars.size(i) < 0.8 * size
    ]
    return PdfLine(
        text=stripped,
        page=page,
        x0=x0,
        x1=x1,
        baseline=chars.baseline(first),
        size=size,
        bold=bold,
        first_word_width=first_word_width,
        hyphen_end=hyphen,
        small_chars=small,
    )
