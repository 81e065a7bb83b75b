"""English councils with children's services duties, and finding the council a phrase names.

Pure reference data, no database: rows come from ``data/councils.csv``, which
``scripts/build_councils.py`` generates from mySociety's and Ofsted's lists (sources and
licence in ``data/README.md``). Abolished councils (Dorset County Council, Cumbria,
Northamptonshire...) are kept as they were, with their dates, apart from their successors,
so a letter is filed under the council it was written to.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils.text import slugify

DATA_DIR = Path(__file__).resolve().parent / "data"
COUNCILS_CSV = DATA_DIR / "councils.csv"
# Names of districts and combined authorities that contain a council's name ("West
# Lancashire", "Liverpool City Region"): they name no council with children's services.
OTHER_AUTHORITIES_CSV = DATA_DIR / "other_authorities.csv"
ALIAS_SEPARATOR = "|"


@dataclass(frozen=True)
class Council:
    code: str  # mySociety's three-letter code, e.g. "LIV"
    name: str  # short name, e.g. "Liverpool"
    official_name: str  # e.g. "Liverpool City Council"
    la_code: str | None  # DfE local authority code, e.g. "341"
    gss_code: str  # ONS code, e.g. "E08000012"
    ofsted_urn: str | None
    region: str  # English region, e.g. "North West"
    authority_type: str  # e.g. "Metropolitan district"
    start_date: dt.date | None  # None: before our sources' records begin
    end_date: dt.date | None  # first day it no longer existed; None: current
    aliases: tuple[str, ...]  # every spelling we know, including the names above

    @property
    def slug(self) -> str:
        # An abolished council whose name a current council took goes by its official
        # name: "dorset-county-council" then "dorset". Others keep their name's slug.
        if self.end_date is not None and self.name in _current_names():
            return slugify(self.official_name)
        return slugify(self.name)

    @property
    def is_current(self) -> bool:
        return self.end_date is None

    def in_force_on(self, day: dt.date) -> bool:
        starts_by = self.start_date is None or self.start_date <= day
        return starts_by and (self.end_date is None or day < self.end_date)


@cache
def all_councils() -> tuple[Council, ...]:
    """Every council in the data file, current and abolished, read once."""
    with COUNCILS_CSV.open(encoding="utf-8", newline="") as handle:
        return tuple(_council_from_row(row) for row in csv.DictReader(handle))


def match_council(phrase: str, *, on: dt.date | None = None) -> Council | None:
    """The council that ``phrase`` names, e.g. "Liverpool City Council" or "the London
    Borough of Tower Hamlets", or None.

    Names are compared as whole words, ignoring case, punctuation, curly quotes and "&"
    for "and". The longest name found wins, so "Bournemouth, Christchurch and Poole" is not
    Poole and "North East Lincolnshire" is not Lincolnshire; the name of another kind of
    authority claims its words too, so "Liverpool City Region" is not Liverpool. A name
    shared by a council and its namesake successor ("Dorset") gives the one in force
    ``on`` that day, otherwise the current one.
    """
    index = _name_index()
    claimed: set[int] = set()
    for start, length, owners in _matches_longest_first(name_words(phrase), index):
        words = range(start, start + length)
        if claimed.intersection(words):
            continue
        if owners:
            return _in_force_or_current(owners, on)
        claimed.update(words)
    return None


def council_by_urn(urn: str, *, on: dt.date | None = None) -> Council | None:
    """The council with this Ofsted URN.

    Some URNs passed to a new council with the old one's LA code (North Yorkshire's 80530
    names the county council until 2023, then North Yorkshire Council): ``on`` picks.
    """
    councils = _by_urn().get(str(urn).strip())
    return _in_force_or_current(councils, on) if councils else None


def council_by_code(code: str) -> Council | None:
    """The council with this three-letter register code (unique, past or present)."""
    return _by_code().get(code)


@cache
def _by_code() -> dict[str, Council]:
    return {council.code: council for council in all_councils()}


def council_by_slug(slug: str) -> Council | None:
    return _by_slug().get(slug)


def name_words(text: str) -> tuple[str, ...]:
    """The words names are compared by: "St. Helens’" and "st helens" agree.

    Lower case; curly quotes straightened; "&" read as "and"; possessive "'s" dropped, so
    "Liverpool's" is Liverpool; other punctuation, hyphens and digits split words; "saint" is "st".
    """
    text = text.translate(_QUOTES).casefold().replace("&", " and ")
    text = _POSSESSIVE.sub("", text).replace("'", "")
    return tuple(_WORD_SYNONYMS.get(word, word) for word in _WORD.findall(text))


_QUOTES = str.maketrans(dict.fromkeys("\u2018\u2019\u201b\u02bc\u2032`", "'"))
_POSSESSIVE = re.compile(r"'s\b")
# Runs of letters or of digits: PDF text glues footnote marks to names ("Durham1").
_WORD = re.compile(r"[^\W\d_]+|\d+")
_WORD_SYNONYMS = {"saint": "st"}


@dataclass(frozen=True)
class _NameIndex:
    # Words of a name -> the councils that go by it; () for another authority's name.
    owners: dict[tuple[str, ...], tuple[Council, ...]]
    # First word -> lengths (in words) of the names starting with it, longest first. Lets
    # the matcher try only the few lengths that can match at each word.
    lengths: dict[str, tuple[int, ...]]


@cache
def _name_index() -> _NameIndex:
    owners: dict[tuple[str, ...], list[Council]] = defaultdict(list)
    for council in all_councils():
        for words in {name_words(alias) for alias in council.aliases}:
            owners[words].append(council)
    for name in _other_authority_names():
        # A council's own name is never blocked by another authority using it too.
        owners.setdefault(name_words(name), [])
    lengths: dict[str, set[int]] = defaultdict(set)
    for words in owners:
        if words:
            lengths[words[0]].add(len(words))
    return _NameIndex(
        owners={words: tuple(councils) for words, councils in owners.items()},
        lengths={first: tuple(sorted(ns, reverse=True)) for first, ns in lengths.items()},
    )


def _matches_longest_first(
    words: tuple[str, ...], index: _NameIndex
) -> Iterator[tuple[int, int, tuple[Council, ...]]]:
    """(start, length, owners) of every known name in ``words``: longest, then leftmost."""
    found = []
    for start, word in enumerate(words):
        for length in index.lengths.get(word, ()):
            owners = index.owners.get(words[start : start + length])
            if owners is not None:
                found.append((start, length, owners))
    yield from sorted(found, key=lambda match: (-match[1], match[0]))


def _in_force_or_current(councils: Iterable[Council], on: dt.date | None) -> Council:
    councils = tuple(councils)
    if isinstance(on, dt.datetime):
        on = on.date()  # a datetime does not compare with a date
    if on is not None:
        in_force = [council for council in councils if council.in_force_on(on)]
        if in_force:
            return in_force[0]
    current = [council for council in councils if council.is_current]
    if current:
        return current[0]
    return max(councils, key=lambda council: council.end_date or dt.date.max)


@cache
def _current_names() -> frozenset[str]:
    return frozenset(council.name for council in all_councils() if council.is_current)


@cache
def _by_urn() -> dict[str, tuple[Council, ...]]:
    councils: dict[str, list[Council]] = defaultdict(list)
    for council in all_councils():
        if council.ofsted_urn:
            councils[council.ofsted_urn].append(council)
    return {urn: tuple(found) for urn, found in councils.items()}


@cache
def _by_slug() -> dict[str, Council]:
    return {council.slug: council for council in all_councils()}


def _other_authority_names() -> list[str]:
    with OTHER_AUTHORITIES_CSV.open(encoding="utf-8", newline="") as handle:
        return [row["name"] for row in csv.DictReader(handle)]


def _council_from_row(row: dict[str, str]) -> Council:
    return Council(
        code=row["code"],
        name=row["name"],
        official_name=row["official_name"],
        la_code=row["la_code"] or None,
        gss_code=row["gss_code"],
        ofsted_urn=row["ofsted_urn"] or None,
        region=row["region"],
        authority_type=row["authority_type"],
        start_date=_date_or_none(row["start_date"]),
        end_date=_date_or_none(row["end_date"]),
        aliases=tuple(row["aliases"].split(ALIAS_SEPARATOR)),
    )


def _date_or_none(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None
