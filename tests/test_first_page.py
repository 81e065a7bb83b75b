"""The first page of results read with the exact counts (facets.FirstPage) is the page
that reading it on its own gives: the same results in the same order, one statement fewer."""

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from inspections import browse
from inspections.facets import FirstPage, estimates
from inspections.filters import FindingFilter
from inspections.models import Finding, FindingTheme, Theme
from tests.factories import AuthorityFactory, FindingFactory, InspectionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def archive():
    """More than a page of matches, over two regions and several years, with equal ranks
    (ties broken by date, then id) and unequal ones."""
    north = AuthorityFactory(name="Halton", slug="halton", region="North West")
    south = AuthorityFactory(name="Kent", slug="kent", region="South East")
    caseloads = Theme.objects.get(slug="caseloads-and-capacity")
    for number in range(14):
        council = north if number % 3 else south
        letter = InspectionFactory(
            authority=council,
            letter_date=datetime.date(2012 + number % 7, 1 + number % 12, 1 + number),
            inspection_type="focused_visit" if number % 2 else "monitoring_visit",
        )
        for position in range(3):
            finding = FindingFactory(
                inspection=letter,
                position=position + 1,
                category=("development", "strength", "narrative")[position],
                text=" ".join(["Caseloads are high."] * (1 + (number + position) % 3))
                + (" Supervision is regular." if position == 1 else ""),
            )
            if (number + position) % 2:
                FindingTheme.objects.create(finding=finding, theme=caseloads)


FINDING_QUERIES = [
    "q=caseloads",
    "q=caseloads&sort=newest",
    "q=caseloads&sort=oldest",
    "q=caseloads&region=North+West",  # one facet chosen: every facet in one scan
    "q=caseloads&region=North+West&category=development&category=strength",
    "q=caseloads&theme=caseloads-and-capacity",
    "q=supervision&sort=newest",
    "region=North+West&category=development",  # no words: a statement a group
    "year_from=2014&sort=oldest",
    "q=nomatchatall",
]


def page_ids(read, query_string: str) -> list[int]:
    return [row.pk for row in read(QueryDict(query_string)).page.object_list]


def read_alone(monkeypatch, read, query_string: str) -> list[int]:
    """The page as read without its counts' help."""
    with monkeypatch.context() as patched:
        patched.setattr(browse.FirstPage, "of", classmethod(lambda cls, *args: None))
        return page_ids(read, query_string)


@pytest.mark.parametrize("query_string", FINDING_QUERIES)
def test_the_findings_first_page_is_the_one_read_alone(archive, monkeypatch, query_string):
    # The planner, on tables this small and never analysed, guesses anything: told few.
    monkeypatch.setattr(estimates, "estimated_rows", lambda queryset: 10)
    with CaptureQueriesContext(connection) as with_counts:
        together = page_ids(browse.browse_findings, query_string)
    with CaptureQueriesContext(connection) as alone_queries:
        alone = read_alone(monkeypatch, browse.browse_findings, query_string)

    assert together == alone
    total = browse.browse_findings(QueryDict(query_string)).total
    assert len(together) == min(total, browse.RESULTS_PER_PAGE)
    # The page's ids came with the counts: no statement of its own.
    assert len(with_counts) < len(alone_queries)
    assert not any("SET LOCAL max_parallel" in q["sql"] for q in with_counts.captured_queries)


@pytest.mark.parametrize(
    "query_string", ["q=caseloads&sort=newest", "q=caseloads&region=South+East&sort=oldest"]
)
def test_results_expected_to_be_many_read_their_page_alone(archive, monkeypatch, query_string):
    # Sorting every counted row for a page by date would cost more than reading the page
    # alone, which stops at its twentieth.
    monkeypatch.setattr(estimates, "estimated_rows", lambda queryset: FirstPage.MOST_ROWS + 1)
    monkeypatch.setattr(settings, "FACET_EXACT_COUNT_LIMIT", None)  # counted exactly still
    with CaptureQueriesContext(connection) as queries:
        listed = page_ids(browse.browse_findings, query_string)

    assert listed == read_alone(monkeypatch, browse.browse_findings, query_string)
    assert any("SET LOCAL max_parallel" in q["sql"] for q in queries.captured_queries)


@pytest.mark.parametrize(
    "query_string",
    ["q=caseloads", "q=caseloads&region=South+East", "q=caseloads&theme=caseloads-and-capacity"],
)
def test_a_page_by_relevance_comes_with_the_counts_however_many_are_expected(
    archive, monkeypatch, query_string
):
    # Read alone, it would rank every result before its first twenty all the same.
    monkeypatch.setattr(estimates, "estimated_rows", lambda queryset: FirstPage.MOST_ROWS + 1)
    monkeypatch.setattr(settings, "FACET_EXACT_COUNT_LIMIT", None)  # counted exactly still
    with CaptureQueriesContext(connection) as queries:
        listed = page_ids(browse.browse_findings, query_string)

    assert listed == read_alone(monkeypatch, browse.browse_findings, query_string)
    assert len(listed) == min(
        browse.browse_findings(QueryDict(query_string)).total, browse.RESULTS_PER_PAGE
    )
    assert not any("SET LOCAL max_parallel" in q["sql"] for q in queries.captured_queries)


def test_a_page_whose_total_is_estimated_lists_the_best_of_the_newest(archive, monkeypatch):
    # The page's own results (a category chosen) are few and counted exactly, with their
    # first page; the category facet's group (every category) is sampled, and the total
    # comes from it. The page then lists the best of the newest, as its next pages will,
    # not the first page that came with the exact counts.
    query_string = "q=caseloads&category=strength"
    monkeypatch.setattr(
        estimates,
        "estimated_rows",
        lambda queryset: 3 if "strength" in str(queryset.query) else 10**6,
    )
    monkeypatch.setattr(settings, "FACET_EXACT_COUNT_LIMIT", 5)
    monkeypatch.setattr(browse, "FINDINGS_SCALE", browse.Scale(sample_rows=40_000, listed=6))

    result = browse.browse_findings(QueryDict(query_string))

    assert result.estimated
    assert result.total > 6
    listed = [row.pk for row in result.page.object_list]
    assert len(listed) == 6
    assert listed == read_alone(monkeypatch, browse.browse_findings, query_string)


def test_more_than_a_page_matches(archive):
    """So that the tests above compare a page cut from more results, not every result."""
    assert browse.browse_findings(QueryDict("q=caseloads")).total > browse.RESULTS_PER_PAGE


@pytest.mark.parametrize(
    "query_string", ["q=caseloads", "q=caseloads&sort=oldest&region=South+East"]
)
def test_the_letters_first_page_is_the_one_read_alone(archive, monkeypatch, query_string):
    assert page_ids(browse.browse_letters, query_string) == read_alone(
        monkeypatch, browse.browse_letters, query_string
    )


def test_past_the_first_page_the_page_is_read_alone(archive):
    first = page_ids(browse.browse_findings, "q=caseloads")
    second = page_ids(browse.browse_findings, "q=caseloads&page=2")

    ordered = FindingFilter(QueryDict("q=caseloads"), queryset=Finding.objects.all()).qs
    assert first + second == [finding.pk for finding in ordered[: 2 * browse.RESULTS_PER_PAGE]]
