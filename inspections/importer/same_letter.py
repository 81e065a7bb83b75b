"""The same letter in another reading: kept once.

Ofsted publishes each letter as a PDF, and a folder of letters often holds pdftotext's text
of each beside it (as `../shared/real/` does). The two readings of one letter differ in
their text (page furniture, hyphens, line breaks), so their content hashes differ, and
importing the folder stored every letter twice: twice in every list, its findings counted
twice in every facet and chart.

A letter is another reading of one already stored (or of one earlier in the same batch)
when it is of the same council and type, dated the same day, and says the same: at least
SAME_TEXT of the word pairs of the shorter text are also the other's. Measured over the real
letters and reports (the 326 letters in `../shared/real/` as both PDF and text, 240 reports,
the 5 seeds): the two readings of a letter share 0.984 of their word pairs or more; two
different letters of one council and type, 1,174 pairs of them, at most 0.354. No two
different documents there share a council, type and date.

The first reading imported is kept (in a folder, the PDF: its name sorts first); another
is reported unchanged, naming the one kept.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from django.db import connection

from inspections.importer.reading import ParsedFile
from inspections.importer.storing import authority_slug
from inspections.models import Authority, Inspection

# Of the shorter text's word pairs, the share the other must have (see above: 0.984 and
# over for one letter's two readings, 0.354 at most for two letters).
SAME_TEXT = 0.8

_WORD = re.compile(r"[a-z]+")

LetterKey = tuple[str, datetime.date, str]
K = TypeVar("K")


def word_pairs(text: str) -> frozenset[tuple[str, str]]:
    """Each two words that follow each other in `text`, lowercased, letters only."""
    words = _WORD.findall(text.lower())
    return frozenset(zip(words, words[1:], strict=False))


def same_text(first: str, second: str) -> bool:
    """Whether two texts are readings of one letter: SAME_TEXT of the shorter's word pairs
    are the other's."""
    return _same_pairs(word_pairs(first), word_pairs(second))


def _same_pairs(one: frozenset, other: frozenset) -> bool:
    if not one or not other:
        return False
    return len(one & other) >= SAME_TEXT * min(len(one), len(other))


def first_readings(members: Iterable[K], text_of: Callable[[K], str]) -> dict[K, K]:
    """Of letters known to share a council, type and day, in the order they came, each that
    is another reading of an earlier one: {later: the first reading}. Each text's word
    pairs are made once."""
    firsts: list[tuple[K, frozenset]] = []
    earlier: dict[K, K] = {}
    for member in members:
        pairs = word_pairs(text_of(member))
        first = next((seen for seen, seen_pairs in firsts if _same_pairs(seen_pairs, pairs)), None)
        if first is None:
            firsts.append((member, pairs))
        else:
            earlier[member] = first
    return earlier


def letter_key(item: ParsedFile) -> LetterKey:
    """What two readings of one letter have in common for certain: its council (as its
    Authority row is named), its date and its type."""
    letter = item.letter
    return authority_slug(letter), letter.letter_date, letter.inspection_type


def reason(kept_name: str) -> str:
    """Why a reading was not stored: the reading kept, by its file's name."""
    return (
        f"another reading (PDF or text) of a letter already imported from {kept_name}: "
        "each letter is kept once"
    )


def stored_readings(items: Iterable[ParsedFile]) -> dict[str, Inspection]:
    """The letters already stored that these are other readings of, by the item's digest.

    One statement finds the letters of the same council, type and day (the batch's keys
    as arrays, joined; an OR of a condition a key took ~38 ms a batch of 100, under
    cProfile); a letter's text is read only when there is one, which a folder with no
    letter twice never has.
    """
    by_key: dict[LetterKey, list[ParsedFile]] = defaultdict(list)
    for item in items:
        by_key[letter_key(item)].append(item)
    if not by_key:
        return {}
    slugs, dates, kinds = (list(column) for column in zip(*by_key, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.id, a.slug, i.letter_date, i.inspection_type"
            " FROM unnest(%s::text[], %s::date[], %s::text[]) AS k(slug, day, kind)"
            f" JOIN {Authority._meta.db_table} a ON a.slug = k.slug"
            f" JOIN {Inspection._meta.db_table} i ON i.authority_id = a.id"
            "  AND i.letter_date = k.day AND i.inspection_type = k.kind",
            [slugs, dates, kinds],
        )
        candidates = {pk: (slug, date, kind) for pk, slug, date, kind in cursor.fetchall()}
    if not candidates:
        return {}
    matched: dict[str, int] = {}
    texts = Inspection.objects.filter(pk__in=candidates).values_list("pk", "source_text")
    for pk, text in texts:
        for item in by_key[candidates[pk]]:
            if item.digest not in matched and same_text(item.letter.text, text):
                matched[item.digest] = pk
    if not matched:
        return {}
    # Without their long texts, as every result an import hands back (storing._LEFT_UNREAD).
    found = Inspection.objects.defer("source_text", "search_extra", "search_vector").in_bulk(
        set(matched.values())
    )
    return {digest: found[pk] for digest, pk in matched.items() if pk in found}


def earlier_readings(pending: dict[Path, ParsedFile]) -> dict[Path, Path]:
    """Files of a batch that are other readings of a letter earlier in it: {later: first}."""
    by_key: dict[LetterKey, list[Path]] = defaultdict(list)
    for path, item in pending.items():
        by_key[letter_key(item)].append(path)
    earlier: dict[Path, Path] = {}
    for paths in by_key.values():
        if len(paths) > 1:
            earlier.update(first_readings(paths, lambda path: pending[path].letter.text))
    return earlier
