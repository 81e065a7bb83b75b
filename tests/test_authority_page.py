"""A council's page stays the same size however many letters it has: its letters a page at
a time, its recurring weaknesses with their latest letters, a fixed number of queries."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inspections import authority_page, routers, selectors
from inspections.models import Category
from inspections.themes import tagging
from tests.factories import AuthorityFactory, FindingFactory, InspectionFactory, ReportFactory
from tests.test_bounds import count_store  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

PER_PAGE = authority_page.LETTERS_PER_PAGE


def council_with_letters(slug: str, count: int):
    """`count` focused visits, one a month from January 2015 to December 2019 and round
    again (on a later day), each told to improve its supervision (so the theme recurs in
    every one), and one report in the middle."""
    council = AuthorityFactory(name=slug.title(), slug=slug)
    for number in range(count):
        month = number % 60
        day = 1 + number // 60
        letter = InspectionFactory(
            authority=council,
            letter_date=datetime.date(2015 + month // 12, month % 12 + 1, day),
        )
        FindingFactory(inspection=letter, text="Supervision is irregular.")
        FindingFactory(inspection=letter, category=Category.STRENGTH, text="Leaders are visible.")
    ReportFactory(authority=council, letter_date=datetime.date(2016, 6, 20))
    tagging.tag_findings()
    return council


def letter_dates(html: str) -> list[str]:
    return re.findall(r'<p class="timeline-date"><time datetime="([\d-]+)">', html)


def test_a_council_of_60_letters_lists_them_a_page_at_a_time_newest_first(client):
    council = council_with_letters("sixty", 60)  # 61 with the report
    url = council.get_absolute_url()

    first = client.get(url).content.decode()
    second = client.get(url, {"page": 2}).content.decode()
    last = client.get(url, {"page": 4}).content.decode()

    assert len(letter_dates(first)) == len(letter_dates(second)) == PER_PAGE
    every = letter_dates(first) + letter_dates(second)
    every += letter_dates(client.get(url, {"page": 3}).content.decode()) + letter_dates(last)
    assert len(every) == len(set(every)) == 61
    assert every == sorted(every, reverse=True)
    assert "Page 1 of 4" in first and 'rel="next" href="?page=2"' in first
    assert "Page 2 of 4" in second and 'rel="prev" href="?page=1"' in second
    # The years table counts all of them, with links to the letters page.
    assert "61 letters and reports in the archive" in first
    assert "?authority=sixty&amp;year=2015" in first


@pytest.mark.parametrize(
    ("asked", "shown", "notice"),
    [
        ("99", 4, "There is no page 99: this is the last page, 4."),
        ("0", 1, "There is no page 0: this is the first page."),
        ("-3", 1, "There is no page -3: this is the first page."),
        ("abc", 1, "‘abc’ is not a page number: this is page 1."),
    ],
)
def test_a_page_number_out_of_range_shows_the_nearest_page_and_says_so(
    client, asked, shown, notice
):
    council = council_with_letters("paged", 60)

    response = client.get(council.get_absolute_url(), {"page": asked})

    assert response.status_code == 200
    html = response.content.decode()
    assert f"Page {shown} of 4" in html
    assert notice.replace("‘", "&lsquo;").replace("’", "&rsquo;") in html or notice in html


def test_a_recurring_weakness_shows_its_latest_letters_and_links_to_all(client):
    council = council_with_letters("recurring", 60)

    html = client.get(council.get_absolute_url()).content.decode()

    section = html[html.index('class="recurring-themes"') :]
    assert "60 letters, the latest 3 below" in section
    assert section.count('<li><a href="/letters/') == 3
    assert "?authority=recurring&amp;theme=supervision&amp;category=development" in section
    assert "2015–2019" in section  # the years as a run, not 5 numbers


def test_the_council_page_costs_the_same_queries_at_5_and_150_letters(client):
    small, large = council_with_letters("small", 5), council_with_letters("large", 150)

    queries = []
    for council in (small, large):
        routers._replayed_to = -1  # the replica's replay is checked again for each, as new
        with CaptureQueriesContext(connection) as captured:
            response = client.get(council.get_absolute_url())
        assert response.status_code == 200
        queries.append(len(captured))

    # 10 for the page, and one replay check of the replica the tests configure (a mirror).
    assert queries[0] == queries[1] <= 11


def test_once_counted_a_council_page_reads_its_page_of_letters_in_one_statement(
    client,
    count_store,  # noqa: F811
):
    council = council_with_letters("counted", 45)
    client.get(council.get_absolute_url())  # counts its overview, letters included

    with CaptureQueriesContext(connection) as captured:
        html = client.get(council.get_absolute_url(), {"page": 3}).content.decode()

    letters = [query for query in captured if '"inspections_inspection"' in query["sql"]]
    assert len(letters) == 1 and "COUNT(*) AS" not in letters[0]["sql"]
    # The pages still number the council's 46 letters, from the overview's count.
    assert "Page 3 of 3" in html and len(letter_dates(html)) == 6


def test_the_council_page_weighs_the_same_at_60_and_150_letters_over_the_same_years(client):
    sizes = {
        count: len(client.get(council_with_letters(f"c{count}", count).get_absolute_url()).content)
        for count in (60, 150)
    }

    # Two and a half times the letters in the same five years: the same page, give or take
    # a few digits (it once listed every letter, twice under a recurring theme).
    assert abs(sizes[150] - sizes[60]) < 500


def test_a_council_without_letters_says_so(client):
    council = AuthorityFactory(name="Empty", slug="empty")

    html = client.get(council.get_absolute_url()).content.decode()

    assert "No letters yet." in html
    assert "Page 1 of" not in html


def test_the_councils_list_counts_each_councils_letters_and_links_its_latest():
    busy = council_with_letters("busy", 12)  # 13 with the report
    quiet = AuthorityFactory(name="Quiet", slug="quiet")
    first = InspectionFactory(authority=quiet, letter_date=datetime.date(2021, 3, 1))
    same_day = InspectionFactory(authority=quiet, letter_date=datetime.date(2021, 3, 1))
    AuthorityFactory(name="Lettered nowhere", slug="nowhere")

    rows = {row.slug: row for row in selectors.authorities()}

    assert set(rows) == {"busy", "quiet"}  # a council without letters is left out
    assert rows["busy"].letter_count == 13
    assert rows["busy"].latest_date == datetime.date(2016, 6, 20)
    assert rows["busy"].latest_id == busy.inspections.get(inspection_type="ilacs").pk
    assert rows["quiet"].letter_count == 2
    assert rows["quiet"].latest_id == max(first.pk, same_day.pk)  # same day: the later one


def test_the_councils_list_reads_in_the_same_queries_however_many_councils(
    client,
    count_store,  # noqa: F811
    django_assert_max_num_queries,
):
    for number in range(30):
        council = AuthorityFactory(name=f"Council {number}", slug=f"council-{number}")
        InspectionFactory(authority=council)

    # The data version, every council's letters counted at once, the rows, and the check
    # that the replica the tests configure has replayed the version.
    with django_assert_max_num_queries(4):
        response = client.get(reverse("inspections:authority-list"))

    assert response.content.decode().count('<td><a href="/letters/') == 30
    # Kept with the counts until the data changes: then only the data version is read (and
    # perhaps the replica's replay checked), never a council or a letter.
    with CaptureQueriesContext(connection) as captured:
        again = client.get(reverse("inspections:authority-list"))
    assert again.content == response.content
    read = [query["sql"] for query in captured if "inspections_data_version" not in query["sql"]]
    assert not [sql for sql in read if "inspections_" in sql]
