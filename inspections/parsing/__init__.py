"""Ofsted letters as text in, structured letters out. Pure: no database, no files.

    letter = parse_letter(path.read_bytes(), filename=path.name)

`text` decodes and strips page furniture, `layout` joins wrapped lines into headings,
bullets and paragraphs, `sections` turns those into findings, `metadata` reads the date,
type, people and council from their usual places in the letter, and `parse` runs the steps
in order. The results are the frozen dataclasses in `letter`.
"""

from .letter import LetterParseError, ParsedFinding, ParsedLetter
from .parse import letter_as_dict, parse_letter
from .text import decode_letter

__all__ = [
    "LetterParseError",
    "ParsedFinding",
    "ParsedLetter",
    "decode_letter",
    "letter_as_dict",
    "parse_letter",
]
