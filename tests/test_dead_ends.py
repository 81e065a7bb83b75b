"""Every dead end explains itself: the findings and letters pages say what they ignored and why."""

import datetime

import pytest
from django.urls import reverse

from tests.factories import AuthorityFactory, FindingFactory, InspectionFactory

pytestmark = pytest.mark.django_db

FINDINGS_URL = reverse("inspections:finding-list")
LETTERS_URL = reverse("inspections:letter-list")


@pytest.fixture
def archive():
    """45 findings of Kent, 2019 to 2023: three pages of twenty."""
    kent = AuthorityFactory(name="Kent", slug="kent", region="South East")
    for year in range(2019, 2024):
        letter = InspectionFactory(authority=kent, letter_date=datetime.date(year, 5, 1))
        FindingFactory.create_batch(9, inspection=letter, text="Caseloads are too high.")


def notices(response) -> list[str]:
    return [notice.text for notice in response.context["browse"].notices]


def test_unknown_values_are_named_and_the_rest_still_narrows(client, archive):
    response = client.get(
        FINDINGS_URL, {"authority": ["narnia", "kent"], "category": "foo", "year": "abc"}
    )

    assert response.status_code == 200
    assert notices(response) == [
        "Ignored: council ‘narnia’ is not in the archive.",
        "Ignored: category ‘foo’ is not a category of finding.",
        "Ignored: year ‘abc’ is not a year of the archive.",
    ]
    html = response.content.decode()
    assert "Ignored: council ‘narnia’ is not in the archive." in html
    assert response.context["browse"].total == 45  # narrowed by Kent, the one it knows


def test_a_filter_the_page_does_not_have_is_named(client, archive):
    response = client.get(LETTERS_URL, {"category": "strength", "year_from": "abc"})

    assert notices(response) == [
        "Ignored: ‘category’ is not something this page can be narrowed by.",
        "Ignored: from year ‘abc’ is not a year from 2005 to 2100.",
    ]


def test_empty_boxes_and_known_values_give_no_notice(client, archive):
    response = client.get(
        FINDINGS_URL, {"q": "", "year_from": "", "year_to": "2022", "authority": "kent"}
    )

    assert notices(response) == []
    assert 'class="notices"' not in response.content.decode()


def test_a_backwards_year_range_is_explained_with_the_range_swapped(client, archive):
    response = client.get(FINDINGS_URL, {"year_from": "2022", "year_to": "2019"})

    browse = response.context["browse"]
    assert browse.total == 0
    assert notices(response) == [
        "From 2022 to 2019 is an empty range: no letter is dated both 2022 or later "
        "and 2019 or earlier."
    ]
    html = response.content.decode()
    assert '<a href="?year_from=2019&amp;year_to=2022">From 2019 to 2022 instead</a>' in html
    swapped = client.get(FINDINGS_URL, {"year_from": "2019", "year_to": "2022"})
    assert swapped.context["browse"].total == 36


@pytest.mark.parametrize(
    ("asked", "shown", "notice"),
    [
        ("0", 1, "There is no page 0: this is the first page."),
        ("-1", 1, "There is no page -1: this is the first page."),
        ("99999", 3, "There is no page 99,999: this is the last page, 3."),
        ("abc", 1, "‘abc’ is not a page number: this is page 1."),
        ("2", 2, None),
    ],
)
def test_out_of_range_pages_go_to_the_nearest_page_there_is(client, archive, asked, shown, notice):
    response = client.get(FINDINGS_URL, {"page": asked})

    assert response.status_code == 200
    assert response.context["browse"].page.number == shown
    assert notices(response) == ([notice] if notice else [])
    if notice:
        assert notice in response.content.decode()


def test_letters_page_clamps_pages_too(client, archive):
    response = client.get(LETTERS_URL, {"page": "0"})

    assert response.context["browse"].page.number == 1
    assert notices(response) == ["There is no page 0: this is the first page."]


@pytest.mark.parametrize("query", ["the", "and or not", "The AND of"])
def test_a_query_of_only_common_words_is_told_why_nothing_matches(client, archive, query):
    for url in (FINDINGS_URL, LETTERS_URL):
        response = client.get(url, {"q": query})

        assert response.context["browse"].total == 0
        [notice] = notices(response)
        assert notice.startswith(f"Every word of “{query}” is too common to search for")
        assert "match (see above)" in response.content.decode()


def test_punctuation_alone_is_told_it_has_no_words(client, archive):
    response = client.get(FINDINGS_URL, {"q": "!!! ---"})

    assert notices(response) == [
        "“!!! ---” has no words to search for: search for letters or digits."
    ]


def test_a_query_with_one_real_word_searches_normally(client, archive):
    response = client.get(FINDINGS_URL, {"q": "the caseloads"})

    assert response.context["browse"].total == 45
    assert notices(response) == []
