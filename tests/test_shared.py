"""What only ../shared/ holds: the PDFs, and the originals fixtures/real/ was copied from.

Marked `shared`: these run in CI (where ../shared/ is always beside the checkout) and fail
there if it is missing; elsewhere they are deselected (`CI=1 make test` runs them).
"""

import csv

import pytest

from inspections.parsing import parse_letter
from tests.conftest import REAL_DIR, SHARED_DIR, require_shared

pytestmark = pytest.mark.shared

SHARED_REAL = SHARED_DIR / "real"


@pytest.fixture(autouse=True)
def _shared_present():
    require_shared(SHARED_REAL / "MANIFEST.csv")


def manifest_rows() -> list[dict[str, str]]:
    with (SHARED_REAL / "MANIFEST.csv").open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_fixtures_are_byte_for_byte_copies_of_the_shared_letters():
    assert (REAL_DIR / "MANIFEST.csv").read_bytes() == (SHARED_REAL / "MANIFEST.csv").read_bytes()
    copies = sorted([*REAL_DIR.glob("*/*.txt"), *REAL_DIR.glob("*/*.pdf")])
    assert len(copies) == 326
    differ = [
        copy.name
        for copy in copies
        if copy.read_bytes() != (SHARED_REAL / copy.relative_to(REAL_DIR)).read_bytes()
    ]
    assert differ == []


def test_every_letter_has_its_pdf():
    rows = manifest_rows()
    not_pdfs = []
    for row in rows:
        path = SHARED_REAL / row["folder"] / row["file"]
        with path.open("rb") as handle:
            if handle.read(5) != b"%PDF-":
                not_pdfs.append(row["file"])
    assert len(rows) == 327
    assert not_pdfs == []


def test_the_letter_left_out_of_the_fixtures_has_no_date_and_is_dated_by_its_visit():
    folder = SHARED_REAL / "focused_visits"
    for suffix in (".txt", ".pdf"):
        data = (folder / f"80445_cambridgeshire_2025-08-29_fv{suffix}").read_bytes()

        letter = parse_letter(data)

        assert letter.undated, suffix
        assert (str(letter.visit_start), str(letter.letter_date)) == ("2025-07-29", "2025-07-30")
        assert letter.authority == "Cambridgeshire" and len(letter.findings) > 10
        assert letter.review[0].startswith("no date on the letter")
