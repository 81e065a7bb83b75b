"""Hyphenated words: the letters' own vocabulary, and mending what pdftotext broke.

`data/hyphenated.tsv` lists the words Ofsted's letters write with a hyphen, counted from
the PDFs' text layer (scripts/build_hyphenation.py). pdftotext, when a line ends in a
hyphen, drops the hyphen and runs the whole next line onto that one: "multi-" / "agency
meetings are" becomes "multiagency meetings are" on one overlong line. Such a line is the
sign; the word in it that the list knows, about where the line would have ended, is the
word that lost its hyphen.
"""

from __future__ import annotations

import re
import statistics
from functools import cache
from itertools import pairwise
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "hyphenated.tsv"
_WORD = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")
# A line this much longer than the letter's usual long line holds two lines run together.
_OVERLONG = 1.3
# Where a full line of the letter ends, as a share of its usual long line: a word broken
# there lost its hyphen; one that ends well before the margin was never broken.
_LINE_END_FROM, _LINE_END_TO = 0.8, 1.15


def _counted_words():
    """(hyphenated word, times written with hyphens, times written as one word) a line."""
    for line in DATA.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        word, with_hyphens, as_one_word = line.split("\t")[:3]
        yield word, int(with_hyphens), int(as_one_word)


@cache
def hyphenated_words() -> dict[str, str]:
    """Each hyphenated word by its letters alone: {"multiagency": "multi-agency"}."""
    words: dict[str, str] = {}
    for word, _, _ in _counted_words():
        words.setdefault(word.replace("-", ""), word)
    return words


@cache
def mostly_hyphenated_words() -> dict[str, str]:
    """The hyphenated words the letters write with their hyphen more often than as one word
    ("decision-making" 1,498 times, never "decisionmaking"): {"decisionmaking": ...}."""
    words: dict[str, str] = {}
    for word, with_hyphens, as_one_word in _counted_words():
        if with_hyphens > as_one_word:
            words.setdefault(word.replace("-", ""), word)
    return words


def mend_joined_lines(text: str) -> str:
    """Put back the hyphens, and the line ends, that pdftotext took out."""
    lines = text.split("\n")
    lengths = [len(line) for line in lines if len(line) > 40]
    if len(lengths) < 10:
        return text
    usual = statistics.median(lengths)
    if usual > 130:  # not hard-wrapped: one paragraph a line
        return text
    mended = []
    for line in lines:
        # Three lines can be run together ("multi-" / "agency ... decision-" / "making."):
        # the rest of a mended line is read again as a line of its own.
        while True:
            if len(line) > _OVERLONG * usual:
                head, _, rest = _mend(line, usual).partition("\n")
            else:
                head, _, rest = _mend_at_line_end(line, usual).partition("\n")
            mended.append(head)
            if not rest:
                break
            line = rest
    return "\n".join(mended)


def _mend(line: str, usual: float) -> str:
    """An overlong line: break it again at the join nearest where a full line ends."""
    best = min(
        _joins(line, hyphenated_words(), inner_capitals=True),
        key=lambda join: abs(join[0] - usual),
        default=None,
    )
    if best is None or abs(best[0] - usual) > 30:
        return line
    return best[1]


def _mend_at_line_end(line: str, usual: float) -> str:
    """A line that is not overlong can still hold a join: the last line of a paragraph,
    "decision-" / "making." read as "... to inform decisionmaking.". Only a word the letters
    mostly hyphenate is mended, and only where its hyphen falls where a full line ends: a
    word that fitted on a line was never broken."""
    for line_end, mended in _joins(line, mostly_hyphenated_words(), inner_capitals=False):
        if _LINE_END_FROM * usual <= line_end <= _LINE_END_TO * usual:
            return mended
    return line


def _joins(line: str, vocabulary: dict[str, str], inner_capitals: bool):
    """Each place `line` may hold two lines joined at a dropped hyphen: (where the first
    line ended, `line` broken there again with the hyphen put back). A word with a capital
    inside ("midNovember") is one only in a line known to hold a join: names are written
    so too ("SafeLives")."""
    for match in _WORD.finditer(line):
        word = match.group()
        hyphenated = vocabulary.get(word.replace("-", "").lower())
        if hyphenated is not None and hyphenated != word.lower():
            restored = _same_case(word, hyphenated)
            new_hyphen = _new_hyphen(word, restored)
        elif inner_capitals and (inner_capital := _INNER_CAPITAL.search(word)):
            # "mid-" / "November" read as "midNovember": no word is written so.
            new_hyphen = inner_capital.start() + 1
            restored = f"{word[:new_hyphen]}-{word[new_hyphen:]}"
        else:
            continue
        head = line[: match.start()] + restored[: new_hyphen + 1]
        yield len(head), f"{head}\n{restored[new_hyphen + 1 :]}{line[match.end() :]}"


# A small letter followed by a capital inside a word, after at least two small letters.
_INNER_CAPITAL = re.compile(r"(?<=[a-z][a-z])[a-z](?=[A-Z][a-z])")


def _new_hyphen(word: str, restored: str) -> int:
    """Index in `restored` of the hyphen that `word` lacks (the last, if several do)."""
    i = j = 0
    missing = len(restored) - 1
    while i < len(restored):
        if j < len(word) and restored[i].lower() == word[j].lower():
            i += 1
            j += 1
        elif restored[i] == "-":
            missing = i
            i += 1
        else:
            break
    return missing


def _same_case(word: str, hyphenated: str) -> str:
    """`hyphenated` spelled with the capitals of `word` ("Multiagency" -> "Multi-agency")."""
    letters = iter(word.replace("-", ""))
    return "".join(c if c == "-" else next(letters, c) for c in hyphenated)


# Words as `compound_forms` reads them: runs of ASCII letters, single hyphens inside a word
# kept. Read with bytes.translate and str.split rather than a regex's findall, three times
# faster on a letter: every imported letter and finding is read this way.
_LETTERS_AND_HYPHENS = bytes(
    byte if chr(byte) in "abcdefghijklmnopqrstuvwxyz-" else ord(" ") for byte in range(256)
)
# A hyphen that does not join two letters ("- ", "--", "a-" at a word's end).
_LOOSE_HYPHEN = re.compile(r"-(?:(?<![a-z]-)|(?![a-z]))")


def _words_without_hyphens(text: str) -> list[str]:
    """The words of `text`, lowercased, each hyphenated word with its hyphens taken out:
    "Multi-agency, well being" -> ["multiagency", "well", "being"]."""
    # Any other character, accented letters too, separates words, as [A-Za-z] would.
    letters = text.lower().encode("ascii", "replace").translate(_LETTERS_AND_HYPHENS)
    return _LOOSE_HYPHEN.sub(" ", letters.decode("ascii")).replace("-", "").split()


@cache
def _vocabulary_splits() -> frozenset[tuple[str, str]]:
    """Every way to cut each hyphenated word in two: ("multi", "agency"), ("mul", "tiagency")..."""
    return frozenset(
        (whole[:cut], whole[cut:]) for whole in hyphenated_words() for cut in range(1, len(whole))
    )


def compound_forms(text: str) -> str:
    """Every other spelling of the hyphenated words in `text`, for its search index.

    A letter may write "multi-agency", "multiagency" or "multi agency". For each word the
    letters write with a hyphen, found here in any of those forms, this gives its whole form
    and its spaced form ("multiagency multi agency"), so a search for any of the three finds
    any of the three. Empty when the text has none."""
    vocabulary = hyphenated_words()
    words = _words_without_hyphens(text)
    # Set operations first, so that only the few places where a form can start are visited.
    singles = vocabulary.keys() & set(words)
    heads = {head for head, _ in _vocabulary_splits().intersection(pairwise(words))}
    if not singles and not heads:
        return ""
    starts = singles | heads
    found: dict[str, str] = {}
    for index in [index for index, word in enumerate(words) if word in starts]:
        word = words[index]
        if word in singles:
            found.setdefault(word, vocabulary[word])
        if index + 1 < len(words):
            pair = word + words[index + 1]
            if pair in vocabulary:
                found.setdefault(pair, vocabulary[pair])
    return " ".join(
        f"{whole} {hyphenated.replace('-', ' ')}" for whole, hyphenated in found.items()
    )


def query_with_compounds(query: str) -> str:
    """A web-search query in which every spelling of a hyphenated word the letters use reads
    as its whole form ("multi-agency", "multi agency" -> "multiagency"), which
    `compound_forms` puts in every finding that has the word in any spelling. Another
    hyphenated word reads as its parts ("care-leavers" -> "care leavers"), as the search
    would take them typed apart; inside a quoted phrase, hyphens become spaces."""
    vocabulary = hyphenated_words()
    out: list[str] = []
    words = _QUERY_PART.findall(query)
    index = 0
    while index < len(words):
        word = words[index]
        following = words[index + 1] if index + 1 < len(words) else ""
        if word.startswith('"'):
            out.append(_HYPHEN_BETWEEN_LETTERS.sub(" ", word))
        elif _HYPHEN_BETWEEN_LETTERS.search(word):
            sign = "-" if word.startswith("-") else ""  # "-multi-agency" excludes it
            bare = word[len(sign) :]
            whole = bare.replace("-", "")
            if whole.lower() in vocabulary:
                out.append(sign + whole)
            elif sign:
                out.append(f'-"{_HYPHEN_BETWEEN_LETTERS.sub(" ", bare)}"')
            else:
                out.append(_HYPHEN_BETWEEN_LETTERS.sub(" ", bare))
        elif word.isalpha() and following.isalpha() and (word + following).lower() in vocabulary:
            out.append(word + following)
            index += 1
        else:
            out.append(word)
        index += 1
    return " ".join(out)


_QUERY_PART = re.compile(r'"[^"]*"?|\S+')
_HYPHEN_BETWEEN_LETTERS = re.compile(r"(?<=[A-Za-z])-(?=[A-Za-z])")
