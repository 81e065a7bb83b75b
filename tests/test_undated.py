"""A letter with no date of its own (Cambridgeshire's focused visit of July 2025 is one):
dated by the last day of its visit, flagged, and said so wherever a reader sees the date."""

from pathlib import Path

import pytest

from inspections.importer import Outcome, import_letter
from inspections.parsing import LetterParseError, parse_letter

LETTERS = Path(__file__).resolve().parent / "letters"
# Dated 31 October 2019; the visit was "on 8 and 9 October 2019".
NORFOLK_TEXT = (LETTERS / "norfolk_2019-10-31_fv_pdftotext.txt").read_text(encoding="utf-8")
DATE_LINE = "\n31 October 2019\n"


def without_date(text: str = NORFOLK_TEXT) -> str:
    assert DATE_LINE in text
    return text.replace(DATE_LINE, "\n", 1)


def test_an_undated_letter_is_dated_by_the_last_day_of_its_visit_and_flagged():
    dated = parse_letter(NORFOLK_TEXT.encode())
    undated = parse_letter(without_date().encode())

    assert not dated.undated and dated.review == ()
    assert undated.undated
    assert str(undated.letter_date) == str(undated.visit_end) == "2019-10-09"
    assert str(undated.visit_start) == "2019-10-08"
    assert undated.review == (
        "no date on the letter: dated by the last day of its visit, 9 October 2019"
        " (it was sent later)",
    )
    # Everything else is read as from the dated letter: the address below Ofsted's own.
    assert undated.recipient == dated.recipient and "Sara Tough" in undated.recipient
    assert (undated.authority, undated.inspection_type) == (dated.authority, dated.inspection_type)
    assert undated.findings == dated.findings


def test_an_undated_letter_whose_visit_names_no_year_is_refused():
    text = without_date().replace("on 8 and 9 October 2019", "on 8 and 9 October")

    with pytest.raises(LetterParseError, match="no letter date found"):
        parse_letter(text.encode())


@pytest.mark.django_db
def test_the_letter_page_and_the_api_say_the_letter_gives_no_date(client):
    result = import_letter(data=without_date().encode(), source_name="norfolk-undated.txt")
    assert result.outcome == Outcome.CREATED
    letter = result.inspection

    page = client.get(letter.get_absolute_url()).content.decode()
    api = client.get(f"/api/v1/letters/{letter.pk}/").json()

    assert "None given in the letter: listed by the last day of its visit" in page
    assert '<time datetime="2019-10-09">9 October 2019</time>' in page
    assert "citation_publication_date" not in page and "citation_date" not in page
    assert api["undated"] is True and api["letter_date"] == "2019-10-09"


@pytest.mark.django_db
def test_a_dated_letters_page_gives_its_date_for_citation(client):
    letter = import_letter(data=NORFOLK_TEXT.encode(), source_name="norfolk.txt").inspection

    page = client.get(letter.get_absolute_url()).content.decode()

    assert '<meta name="citation_publication_date" content="2019/10/31">' in page
    assert "None given in the letter" not in page
