"""Facets with values chosen, counted in one scan: the same counts as one query a facet.

Each chosen facet is counted ignoring its own choice. The one scan reads the rows meeting
every other filter once and keeps, for each count, the rows meeting the other facets'
choices; the older way asked one query a chosen facet. Both must agree, value for value.
"""

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from inspections.browse import browse_findings, browse_letters
from inspections.facets import counting, counting_sql, estimates
from inspections.importer import import_paths
from tests.conftest import SEED_DIR

pytestmark = pytest.mark.django_db

QUERIES = [
    "q=assessment&region=North+West&category=development",
    "q=children&inspection_type=unannounced_cra&year=2010",
    "q=children&year=2010&year=2014&category=strength&category=development",
    "q=theme&theme=caseloads",
    "q=social&theme=caseloads&theme=supervision&region=North+West",
    "q=social&grade_at_time=none&category=development",
    "q=plans&authority=leeds&authority=cheshire-west-and-chester&inspection_type=focused_visit",
    "q=children&priority_action=true&year=2016",
    "q=children&latest_overall_effectiveness=none&region=North+West",
]


@pytest.fixture
def seeds():
    import_paths([SEED_DIR])


def counts(result) -> tuple:
    by_facet = {
        facet.name: sorted((value.value, value.count, value.selected) for value in facet.values)
        for facet in result.facets
    }
    return result.total, by_facet


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("read", [browse_findings, browse_letters])
def test_one_scan_counts_as_one_query_a_facet(seeds, monkeypatch, query, read):
    one_scan = read(QueryDict(query))
    monkeypatch.setattr(counting, "_counts_in_one_scan", lambda *args: None)
    a_query_each = read(QueryDict(query))

    assert counts(one_scan) == counts(a_query_each)
    assert one_scan.total == a_query_each.total


def count_statements(query: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        browse_findings(QueryDict(query))
    return sum(1 for q in captured.captured_queries if "GROUPING" in q["sql"])


def test_with_words_two_chosen_facets_are_counted_in_one_statement(seeds):
    assert count_statements("q=assessment&region=North+West&category=development") == 1


def test_without_words_each_chosen_facet_is_counted_through_its_indexes(seeds):
    # One scan would read the whole table: a statement a group reads what its filters keep.
    assert count_statements("region=North+West&category=development") == 3


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("read", [browse_findings, browse_letters])
def test_sampled_in_one_scan_counts_as_the_exact_counts_on_a_whole_table_sample(
    seeds, settings, query, read
):
    # Every group too many to count exactly: the groups are counted together on one scan
    # of the sample, which here holds the whole (small) table, so it must count exactly.
    exact = read(QueryDict(query))
    settings.FACET_EXACT_COUNT_LIMIT = -1
    with CaptureQueriesContext(connection) as captured:
        sampled = read(QueryDict(query))

    assert counts(sampled) == counts(exact)
    assert sampled.estimated and all(facet.estimated for facet in sampled.facets)
    assert sum(1 for q in captured.captured_queries if "GROUPING" in q["sql"]) == 1


def test_a_sampled_group_found_few_is_counted_exactly(seeds, settings, monkeypatch):
    # The planner expects too many for every group, the sample finds few: each group is
    # counted exactly after all, and nothing is labelled an estimate.
    query = "q=assessment&region=North+West&category=development"
    exact = browse_findings(QueryDict(query))
    monkeypatch.setattr(estimates, "estimated_rows", lambda queryset: 10**9)

    result = browse_findings(QueryDict(query))

    assert counts(result) == counts(exact)
    assert not result.estimated and not any(facet.estimated for facet in result.facets)


@pytest.mark.parametrize("query", ["q=assessment", "q=children&region=North+West"])
def test_searched_letters_are_counted_from_the_search_index(seeds, monkeypatch, query):
    # A letter's search vector is stored out of line: its count reads the matches from the
    # search index rather than testing every letter's vector, and counts the same.
    with CaptureQueriesContext(connection) as queries:
        from_index = counts(browse_letters(QueryDict(query)))
    findings = CaptureQueriesContext(connection)
    with findings:
        browse_findings(QueryDict(query))

    assert any("enable_seqscan = off" in q["sql"] for q in queries.captured_queries)
    assert not any("enable_seqscan" in q["sql"] for q in findings.captured_queries)
    monkeypatch.setattr(counting_sql, "Inspection", None)  # as before: the planner's choice
    assert counts(browse_letters(QueryDict(query))) == from_index
