"""Tests for inspections.councils: pure reference data, no database."""

import csv
import datetime as dt

import pytest

from inspections.councils import (
    Council,
    all_councils,
    council_by_slug,
    council_by_urn,
    match_council,
    name_words,
)
from tests.conftest import REAL_DIR

MANIFEST = REAL_DIR / "MANIFEST.csv"
ENGLISH_REGIONS = {
    "North East",
    "North West",
    "Yorkshire and The Humber",
    "East Midlands",
    "West Midlands",
    "East of England",
    "London",
    "South East",
    "South West",
}


def code_of(council: Council | None) -> str | None:
    return council.code if council else None


@pytest.mark.parametrize(
    ("phrase", "code"),
    [
        ("Liverpool children's services", "LIV"),
        ("Liverpool City Council", "LIV"),
        ("Halton Borough Council", "HAL"),
        ("Worcestershire County Council", "WOR"),
        ("Dorset children\u2019s services", "DST"),
        ("Barnsley Metropolitan Borough Council", "BNS"),
        ("the London Borough of Tower Hamlets", "TWH"),
        ("Bournemouth, Christchurch & Poole", "BPC"),
        ("Kingston upon Hull City Council", "KHL"),
        ("St. Helens", "SHN"),
        ("St Helens Council", "SHN"),
        ("Durham County Council", "DUR"),
        ("County Durham", "DUR"),
        ("Bristol City Council", "BST"),
        ("City of Bristol", "BST"),
        ("Herefordshire Council", "HEF"),
        ("County of Herefordshire", "HEF"),
        ("Telford & Wrekin", "TFW"),
        ("Telford and Wrekin Council", "TFW"),
        ("Hull", "KHL"),
        ("Southend", "SOS"),
        ("Southend-on-Sea Borough Council", "SOS"),
        ("Brighton and Hove City Council", "BNH"),
        ("Royal Borough of Windsor and Maidenhead", "WNM"),
        ("Royal Borough of Kensington and Chelsea", "KEC"),
        ("City of London Corporation", "LND"),
        ("Council of the Isles of Scilly", "IOS"),
        ("Isle of Wight Council", "IOW"),
        ("Stoke-on-Trent City Council", "STE"),
        ("Newcastle upon Tyne", "NET"),
    ],
)
def test_phrases_from_letters_name_their_council(phrase: str, code: str) -> None:
    assert code_of(match_council(phrase)) == code


@pytest.mark.parametrize(
    "phrase",
    [
        "LIVERPOOL CITY COUNCIL",
        "liverpool\u2019s children\u2019s services",
        "Inspection of\n  Liverpool   children's services",
        "(Liverpool)",
        "Liverpool1",  # a footnote mark glued on by the PDF
    ],
)
def test_case_punctuation_and_whitespace_do_not_matter(phrase: str) -> None:
    assert code_of(match_council(phrase)) == "LIV"


@pytest.mark.parametrize(
    ("phrase", "code"),
    [
        ("Bournemouth, Christchurch and Poole", "BPC"),
        ("North East Lincolnshire Council", "NEL"),
        ("North Lincolnshire", "NLN"),
        ("Lincolnshire County Council", "LIN"),
        ("East Riding of Yorkshire", "ERY"),
        ("North Somerset", "NSM"),
        ("Bath and North East Somerset", "BAS"),
        ("North Northamptonshire", "NNT"),
        ("Cheshire West and Chester", "CHW"),
        ("Kingston upon Thames", "KTT"),
    ],
)
def test_longest_name_wins(phrase: str, code: str) -> None:
    assert code_of(match_council(phrase)) == code


@pytest.mark.parametrize(
    "phrase",
    ["Liverpool City Region", "Greater Manchester", "West Lancashire", "North Dorset", ""],
)
def test_other_authorities_names_are_not_councils(phrase: str) -> None:
    assert match_council(phrase) is None


def test_a_council_named_beside_another_authority_is_still_found() -> None:
    assert code_of(match_council("Knowsley, in the Liverpool City Region")) == "KWL"


def test_words_must_be_whole() -> None:
    assert match_council("Kentish Town") is None
    assert code_of(match_council("Derbyshire")) == "DBY"
    assert code_of(match_council("Derby")) == "DER"


@pytest.mark.parametrize(
    ("phrase", "on", "code"),
    [
        ("Bournemouth Borough Council", dt.date(2015, 6, 1), "BMH"),
        ("Bournemouth, Christchurch and Poole", dt.date(2020, 6, 1), "BPC"),
        ("Borough of Poole", dt.date(2016, 1, 1), "POL"),
        ("Dorset children's services", dt.date(2017, 6, 1), "DOR"),
        ("Dorset children's services", dt.date(2020, 6, 1), "DST"),
        ("Dorset", dt.date(2019, 4, 1), "DST"),  # the unitary's first day
        ("Dorset", dt.date(2019, 3, 31), "DOR"),
        ("Dorset County Council", dt.date(2020, 6, 1), "DOR"),  # named outright
        ("Northamptonshire", dt.date(2019, 6, 1), "NTH"),
        ("North Northamptonshire", dt.date(2022, 6, 1), "NNT"),
        ("North Yorkshire", dt.date(2021, 7, 26), "NYK"),
        ("North Yorkshire", dt.date(2024, 1, 1), "NYE"),
        ("Somerset", dt.date(2019, 2, 21), "SOM"),
        ("Somerset", dt.date(2024, 7, 18), "SMT"),
        ("Buckinghamshire", dt.date(2018, 1, 1), "BKM"),
        ("Buckinghamshire", dt.date(2021, 4, 12), "BUC"),
        ("Cumbria", dt.date(2022, 1, 1), "CMA"),
    ],
)
def test_namesakes_are_told_apart_by_date(phrase: str, on: dt.date, code: str) -> None:
    assert code_of(match_council(phrase, on=on)) == code


def test_without_a_date_a_shared_name_gives_the_current_council() -> None:
    assert code_of(match_council("Dorset")) == "DST"
    assert code_of(match_council("North Yorkshire")) == "NYE"


def test_a_datetime_works_as_the_date() -> None:
    assert code_of(match_council("Dorset", on=dt.datetime(2017, 6, 1, 9, 30))) == "DOR"


def test_abolished_councils_keep_their_dates() -> None:
    bournemouth = council_by_slug("bournemouth")
    assert bournemouth is not None
    assert bournemouth.end_date == dt.date(2019, 4, 1)
    assert not bournemouth.is_current
    bcp = council_by_slug("bournemouth-christchurch-and-poole")
    assert bcp is not None
    assert bcp.start_date == dt.date(2019, 4, 1)
    assert bcp.is_current


def test_slugs_are_unique() -> None:
    slugs = [council.slug for council in all_councils()]
    assert len(slugs) == len(set(slugs))


def test_abolished_namesakes_take_their_official_names_slug() -> None:
    assert code_of(council_by_slug("dorset")) == "DST"
    assert code_of(council_by_slug("dorset-county-council")) == "DOR"
    assert code_of(council_by_slug("north-yorkshire-county-council")) == "NYK"
    assert code_of(council_by_slug("cumbria")) == "CMA"  # nobody took its name
    assert council_by_slug("no-such-council") is None


def test_every_slug_finds_its_council() -> None:
    for council in all_councils():
        assert council_by_slug(council.slug) == council


def test_council_by_urn() -> None:
    assert code_of(council_by_urn("80485")) == "LIV"
    assert code_of(council_by_urn(" 2532287 ")) == "BPC"
    assert council_by_urn("1") is None


def test_a_urn_kept_by_a_new_unitary_is_told_apart_by_date() -> None:
    assert code_of(council_by_urn("80530", on=dt.date(2021, 7, 26))) == "NYK"
    assert code_of(council_by_urn("80530", on=dt.date(2024, 1, 1))) == "NYE"
    assert code_of(council_by_urn("80530")) == "NYE"


def test_every_current_council_has_its_codes_and_region() -> None:
    current = [council for council in all_councils() if council.is_current]
    assert len(current) == 153
    for council in current:
        assert council.ofsted_urn, council
        assert council.la_code and len(council.la_code) == 3, council
        assert council.gss_code.startswith("E"), council
        assert council.region in ENGLISH_REGIONS, council


def test_every_council_answers_to_its_own_names() -> None:
    for council in all_councils():
        day = council.end_date - dt.timedelta(days=1) if council.end_date else None
        assert match_council(council.name, on=day) == council
        assert match_council(council.official_name, on=day) == council


def test_name_words() -> None:
    assert name_words("Telford & Wrekin") == ("telford", "and", "wrekin")
    assert name_words("St. Helens\u2019") == name_words("Saint Helens") == ("st", "helens")
    assert name_words("Stoke-on-Trent") == ("stoke", "on", "trent")


def manifest_rows() -> list[dict[str, str]]:
    with MANIFEST.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_manifest_urn_is_a_council() -> None:
    missing = {row["urn"] for row in manifest_rows() if council_by_urn(row["urn"]) is None}
    assert missing == set()


def test_every_manifest_folder_names_the_council_its_urn_does() -> None:
    wrong = []
    for row in manifest_rows():
        published = dt.date.fromisoformat(row["publication_date_filename"])
        by_urn = council_by_urn(row["urn"], on=published)
        by_name = match_council(row["authority_source_folder"], on=published)
        if by_name is None or by_name != by_urn:
            wrong.append((row["txt"], row["authority_source_folder"], code_of(by_name)))
    assert wrong == []
