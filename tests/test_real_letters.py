"""The parser over the real letters in fixtures/real/ (copied from ../shared/real/).

Every letter is checked against what its MANIFEST row says: the council, the type of letter,
a letter date read from the text that fits the publication date, and some findings. A few
letters are also held to exact finding counts, counted by reading them.
"""

import csv
import functools
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

from inspections.councils import council_by_urn, match_council
from inspections.parsing import LetterParseError, parse_letter
from tests.conftest import REAL_DIR, SHARED_DIR, require_shared

REQUIRED_PASS_RATE = 0.95

# The parser with the council register, as the importer calls it.
parse = functools.partial(parse_letter, match_council=match_council)
# In the manifest but not copied to fixtures/real/: it has no letter date, so the importer
# refuses it (tests/test_shared.py, in CI, holds the parser to that).
LEFT_OUT = "focused_visits/80445_cambridgeshire_2025-08-29_fv.txt"


@dataclass(frozen=True)
class Entry:
    path: str
    urn: str
    folder_name: str  # the council as the source folder spells it
    published: date
    expected_type: str


def manifest() -> list[Entry]:
    with (REAL_DIR / "MANIFEST.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [
        Entry(
            path=f"{row['folder']}/{row['txt']}",
            urn=row["urn"],
            folder_name=row["authority_source_folder"],
            published=date.fromisoformat(row["publication_date_filename"]),
            expected_type=_expected_type(row),
        )
        for row in rows
    ]


def _expected_type(row: dict[str, str]) -> str:
    if row["folder"] == "focused_visits":
        return "focused_visit"
    if "joint area review" in row["doc_type"].lower():
        return "other"  # the 2009 progress letter in jtai/
    return "jtai"


def problems(entry: Entry, path: Path) -> list[str]:
    """What is wrong with the parse of one real letter, from its text or its PDF at `path`
    (nothing, if it is right)."""
    try:
        letter = parse(path.read_bytes())
    except LetterParseError as error:
        return [str(error)]
    expected = council_by_urn(entry.urn, on=letter.letter_date) or match_council(
        entry.folder_name, on=letter.letter_date
    )
    found = []
    if expected is None or letter.council_code != expected.code:
        found.append(f"council {letter.authority!r} ({letter.council_code}), expected {expected}")
    if letter.inspection_type != entry.expected_type:
        found.append(f"type {letter.inspection_type}, expected {entry.expected_type}")
    # Letters are published within weeks of their date; file names can be days off.
    earliest, latest = entry.published - timedelta(days=60), entry.published + timedelta(days=7)
    if not earliest <= letter.letter_date <= latest:
        found.append(f"letter date {letter.letter_date}, published {entry.published}")
    if len(letter.findings) < 3:
        found.append(f"only {len(letter.findings)} findings")
    return found


def fixture(entry: Entry) -> Path:
    """A letter in fixtures/real/: its text, or for a few dozen letters the PDF instead."""
    text = REAL_DIR / entry.path
    return text if text.exists() else text.with_suffix(".pdf")


def test_every_manifest_letter_but_one_is_in_the_fixtures():
    missing = [entry.path for entry in manifest() if not fixture(entry).exists()]
    assert missing == [LEFT_OUT]
    assert len(list(REAL_DIR.glob("*/*.pdf"))) >= 24  # a few dozen as Ofsted publishes them


def test_real_letters_parse_right():
    entries = [entry for entry in manifest() if entry.path != LEFT_OUT]
    failures = {
        entry.path: found for entry in entries if (found := problems(entry, fixture(entry)))
    }

    rate = 1 - len(failures) / len(entries)
    right = len(entries) - len(failures)
    print(f"\nreal letters: {right}/{len(entries)} right ({rate:.1%})")
    for path, found in failures.items():
        print(f"  {path}: {'; '.join(found)}")
    assert rate >= REQUIRED_PASS_RATE, failures


@pytest.mark.shared
@pytest.mark.parametrize("suffix", [".txt", ".pdf"])
def test_all_327_real_letters_from_their_pdf_and_their_text(suffix):
    shared = SHARED_DIR / "real"
    require_shared(shared / "MANIFEST.csv")
    entries = manifest()
    failures = {
        entry.path: found
        for entry in entries
        if (found := problems(entry, (shared / entry.path).with_suffix(suffix)))
    }

    assert len(entries) == 327
    # Only the letter with no date in it (tests/test_shared.py) may fail.
    assert set(failures) <= {LEFT_OUT}, failures


# Counted by reading each letter: bullets are unambiguous, and these letters' paragraphs
# end on lines short enough to tell.
EXACT_COUNTS = [
    (
        "focused_visits/80430_blackburn-with-darwen_2018-11-30_fv.txt",
        {"overview": 4, "development": 5, "narrative": 17},
    ),
    (
        "focused_visits/80521_manchester_2020-01-21_fv.txt",
        {"overview": 4, "development": 3, "narrative": 18},
    ),
    (
        "focused_visits/80541_redcar-and-cleveland_2021-04-09_fv.txt",
        {"development": 3, "narrative": 21},
    ),
    (
        "focused_visits/80575_warrington_2018-02-23_fv.txt",
        {"overview": 1, "narrative": 10, "development": 4},
    ),
    (
        "jtai/80447_cheshire-east_2022-09-26_jtai.txt",
        {"overview": 1, "priority_action": 4, "development": 12, "strength": 6},
    ),
]


@pytest.mark.parametrize("path, expected", EXACT_COUNTS)
def test_real_letter_counts(path, expected):
    letter = parse((REAL_DIR / path).read_bytes())
    found = Counter(finding.category for finding in letter.findings)

    # Cheshire East's "Main findings" paragraphs include two whose ends cannot be told
    # from the line widths; only its other sections are counted.
    if "narrative" not in expected:
        found.pop("narrative", None)
    assert dict(found) == expected


def test_real_letter_details():
    manchester = parse(
        (REAL_DIR / "focused_visits/80521_manchester_2020-01-21_fv.txt").read_bytes()
    )
    warrington = parse(
        (REAL_DIR / "focused_visits/80575_warrington_2018-02-23_fv.txt").read_bytes()
    )
    durham = parse((REAL_DIR / "focused_visits/80465_durham_2021-08-23_fv.txt").read_bytes())

    assert manchester.inspectors == ("Mandy Nightingale", "Diane Partridge")
    assert manchester.visit_start == date(2019, 12, 10)
    assert manchester.visit_end == date(2019, 12, 11)
    # The "⎯" sub-list folds into its "◼" item.
    assert manchester.findings[5].text == (
        "The quality of children’s written records, including: the child’s written plan the"
        " rationale for decision-making the records of social workers’ supervision the"
        " purpose of visits and next steps."
    )
    # "Areas for priority action" / "There are no priority actions following this visit."
    assert warrington.priority_action is False
    assert warrington.inspectors == ("Lorna Schlechte", "Neil Penswick")
    # "on 13 and 14 July." has no year: the letter's own year.
    assert (durham.visit_start, durham.visit_end) == (date(2021, 7, 13), date(2021, 7, 14))
    assert durham.priority_action is True
    assert [f.text[:40] for f in durham.findings if f.category == "priority_action"] == [
        "The quality of plans and arrangements fo",
        "The sufficiency of suitable placements t",
    ]
