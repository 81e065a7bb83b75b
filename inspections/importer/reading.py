"""Files to parsed letters: finding the files, reading them, and what names a letter.

No database here: a worker process can read while another stores.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from inspections import councils
from inspections.parsing import ParsedFinding, ParsedLetter, parse_letter

# C0 control characters but tab, newline and form feed (pdftotext's page break): never
# part of a letter's words, and \x02/\x03 are the search highlight's markers.
_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0d-\x1f]")


@dataclass(frozen=True)
class ParsedFile:
    """A parsed letter waiting to be stored, with what names it."""

    letter: ParsedLetter
    source_name: str
    digest: str  # content_hash of its text
    original: bytes | None = None  # the PDF, kept with the letter


def content_hash(text: str) -> str:
    """A letter's identity: the SHA-256 of its text with whitespace collapsed. The text is
    already decoded and normalised (NFC, LF line ends, no BOM) by the parser."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


def bytes_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_letter(data: bytes, *, source_name: str = "") -> ParsedLetter:
    """A letter's file (PDF or text) parsed with the council register, as it is stored:
    control characters taken out of every text. LetterParseError if it is not a letter."""
    letter = parse_letter(data, filename=source_name, match_council=councils.match_council)
    clean = functools.partial(_CONTROL_CHARACTERS.sub, "")
    return replace(
        letter,
        authority=clean(letter.authority),
        authority_spelling=clean(letter.authority_spelling),
        title=clean(letter.title),
        recipient=clean(letter.recipient),
        inspectors=tuple(clean(name) for name in letter.inspectors),
        findings=tuple(_clean_finding(finding) for finding in letter.findings),
        text=clean(letter.text),
    )


def _clean_finding(finding: ParsedFinding) -> ParsedFinding:
    # A finding with nothing to take out is kept as it is (re.sub then returns the same
    # string): a new dataclass for each of ~15 findings a letter cost more than the regex.
    heading = _CONTROL_CHARACTERS.sub("", finding.heading)
    text = _CONTROL_CHARACTERS.sub("", finding.text)
    if heading is finding.heading and text is finding.text:
        return finding
    return replace(finding, heading=heading, text=text)


def parsed_file(data: bytes, *, source_name: str, original: bytes | None = None) -> ParsedFile:
    """A file's letter with its identity; LetterParseError if it is not a letter."""
    letter = read_letter(data)
    return ParsedFile(letter, source_name, content_hash(letter.text), original)


def letter_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Every file named, and every file under every folder named, in a stable order.

    A folder that cannot be listed is handed on itself, to be reported when it is read
    (Path.rglob would skip it in silence, and the import would look complete). Found as
    they are imported, one folder's names held at a time: a list of 100,000 Paths is
    ~45 MB, which the import would carry to its end and its forked workers would inherit.
    """
    for path in paths:
        if path.is_dir():
            yield from _files_under(path)
        else:
            yield path


def _files_under(folder: Path) -> Iterator[Path]:
    # Names sorted folder by folder, each folder's files and folders in one order: the
    # order of sorting every path found (by its parts), without holding them all.
    try:
        with os.scandir(folder) as entries:
            names = sorted((entry.name, entry.is_dir(), entry.is_symlink()) for entry in entries)
    except OSError:
        yield folder
        return
    for name, is_folder, is_link in names:
        if is_folder:
            if not is_link:  # a link to a folder is not followed, as os.walk does not
                yield from _files_under(Path(folder, name))
        elif not name.startswith("."):
            yield Path(folder, name)


def read_file(path: Path) -> bytes:
    if path.is_dir():  # a folder letter_files could not list: say why
        with os.scandir(path):
            pass
    return path.read_bytes()
