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
_ERR_PASSWORD = 4
_ERR_SECURITY = 5
# A gap this many font sizes wide inside one of PDFium's lines is between two columns (a
# signature table's cells set on one baseline), never between two words of a sentence.
_COLUMN_GAP = 4
_FONT_NAME_BYTES = 128  # a buffer for a font's name, kept for a page; longer ones get their own
# A digit that may be a footnote marker: decimal digits, and the superscript and subscript
# ones (what str.isdigit() also counts beyond those is circled and the like).
_DIGIT = re.compile(r"[\d\u00b2\u00b3\u00b9\u2070-\u2079\u2080-\u2089]")
# PDFium's functions, looked up once rather than on each of some 300,000 calls a letter.
_get_char_box = pdfium_raw.FPDFText_GetCharBox
_get_char_origin = pdfium_raw.FPDFText_GetCharOrigin
_get_font_size = pdfium_raw.FPDFText_GetFontSize
_get_matrix = pdfium_raw.FPDFText_GetMatrix
_get_font_weight = pdfium_raw.FPDFText_GetFontWeight
_get_font_info = pdfium_raw.FPDFText_GetFontInfo


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
        self._font_name = ctypes.create_string_buffer(_FONT_NAME_BYTES)
        self._bold_by_font: dict[bytes, bool] = {}
        # The out-parameters passed by reference, made once: a character's box is asked for
        # some 200 times a page, and ctypes would make each reference again on each call.
        self._box_refs = tuple(ctypes.byref(v) for v in (self._l, self._r, self._b, self._t))
        self._origin_refs = (ctypes.byref(self._x), ctypes.byref(self._y))
        self._matrix_ref = ctypes.byref(self._matrix)
        self._flags_ref = ctypes.byref(self._flags)

    def box(self, index: int) -> tuple[float, float]:
        """(left, right) of a character."""
        _get_char_box(self.handle, index, *self._box_refs)
        return self._l.value, self._r.value

    def baseline(self, index: int) -> float:
        _get_char_origin(self.handle, index, *self._origin_refs)
        return self.height - self._y.value

    def size(self, index: int) -> float:
        """The size the character is printed at: its font size scaled by its text matrix
        (some PDFs set every font at size 1 and scale it)."""
        nominal = _get_font_size(self.handle, index)
        if not _get_matrix(self.handle, index, self._matrix_ref):
            return nominal
        m = self._matrix
        scale = abs(m.a * m.d - m.b * m.c) ** 0.5
        return nominal * scale if scale > 0 else nominal

    def bold(self, index: int) -> bool:
        weight = _get_font_weight(self.handle, index)
        if weight >= 600:
            return True
        # Some fonts report no weight: their name ("Arial-BoldMT") or flags say it. One
        # call into a buffer kept for the page; a longer name than it holds, a second.
        name = self._font_name
        length = _get_font_info(self.handle, index, name, _FONT_NAME_BYTES, self._flags_ref)
        if length > _FONT_NAME_BYTES:
            name = ctypes.create_string_buffer(length)
            _get_font_info(self.handle, index, name, length, self._flags_ref)
        # No name read (0): not the last font's name, still in the kept buffer.
        key = name.value if length else b""
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
        match.start() - first
        for match in _DIGIT.finditer(text, first, last + 1)
        if chars.size(match.start()) < 0.8 * size
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
