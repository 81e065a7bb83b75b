"""Result sets too big to count exactly: sampled counts and the best of the newest.

The seed letters are tiny, so the limits are lowered here: every search then takes the
estimating path, on a sample that holds the whole (small) table. Its counts and its order
must then agree with the exact path's, which is what proves the sampled SQL counts and
ranks the right rows.
"""

import datetime

import pytest
from django.db import connection
from django.http import QueryDict
from django.urls import reverse

from inspections import browse, result_order
from inspections.best_of_newest import BestOfNewest
from inspections.browse import browse_findings, browse_letters
from inspections.facets import estimates
from inspections.facets.specs import Facet, FacetValue
from inspections.importer import import_paths
from inspections.models import Finding
from tests.conftest import SEED_DIR
from tests.test_exports import _python_csv, _python_json

pytestmark = pytest.mark.django_db

QUERIES = [
    "q=assessment",
    'q="management oversight"',
    "q=supervision -police",
    "region=North+West&category=development",
    "q=children&inspection_type=unannounced_cra&year=2010",
    "q=theme&theme=caseloads",
    "",
    "q=assessment&sort=oldest",
]


@pytest.fixture
def seeds():
    import_paths([SEED_DIR])


@pytest.fixture
def estimating(settings):
    """Every result set counts as too big to count exactly."""
    settings.FACET_EXACT_COUNT_LIMIT = -1


def snapshot(result) -> tuple:
    counts = {
        facet.name: {value.value: value.count for value in facet.values} for facet in result.facets
    }
    return result.total, counts, [row.pk for row in result.page.object_list]


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("read", [browse_findings, browse_letters])
def test_estimates_on_a_whole_table_sample_equal_the_exact_counts(seeds, settings, query, read):
    exact = read(QueryDict(query))
    settings.FACET_EXACT_COUNT_LIMIT = -1
    estimated = read(QueryDict(query))

    assert not exact.estimated
    assert estimated.estimated
    assert all(facet.estimated for facet in estimated.facets)
    assert snapshot(estimated) == snapshot(exact)


def test_only_the_best_of_the_newest_are_listed(seeds, estimating, monkeypatch):
    monkeypatch.setattr(browse, "FINDINGS_SCALE", browse.Scale(sample_rows=40_000, listed=6))

    result = browse_findings(QueryDict("q=assessment"))

    matches = Finding.objects.search("assessment", newest_field="inspection__letter_date")
    newest = matches.order_by("-inspection__letter_date", "-pk")[:6]
    best_of_newest = sorted(
        newest, key=lambda row: (-row.rank, -row.inspection.letter_date.toordinal(), -row.pk)
    )
    assert result.total > 6
    assert result.listed == 6
    assert result.page.paginator.num_pages == 1
    assert [row.pk for row in result.page.object_list] == [row.pk for row in best_of_newest]


def test_the_page_says_the_counts_are_estimates(client, seeds, estimating, monkeypatch):
    monkeypatch.setattr(browse, "FINDINGS_SCALE", browse.Scale(sample_rows=40_000, listed=6))

    html = client.get(reverse("inspections:finding-list"), {"q": "assessment"}).content.decode()

    assert "About <strong>" in html
    assert "counts are estimated from a sample" in html
    assert "best matches among the 6 newest" in html
    assert '<span class="visually-hidden"> (estimate)</span>' in html


@pytest.mark.parametrize("query", ["q=assessment", 'q="management oversight"', "q=children"])
def test_the_exports_are_the_estimated_page_s_rows_byte_for_byte(
    client, seeds, estimating, monkeypatch, query
):
    monkeypatch.setattr(browse, "FINDINGS_SCALE", browse.Scale(sample_rows=40_000, listed=6))

    listed = [finding.pk for finding in browse_findings(QueryDict(query)).page.object_list]
    csv_file = client.get(f"{reverse('inspections:finding-export-csv')}?{query}")
    json_file = client.get(f"{reverse('inspections:finding-export-json')}?{query}")

    assert listed  # 6, or fewer where fewer match
    assert b"".join(csv_file.streaming_content).decode() == _python_csv(listed)
    assert b"".join(json_file.streaming_content).decode() == _python_json(listed)


def test_an_overestimate_falls_back_to_exact_counts(seeds, monkeypatch):
    # The planner guesses many, the sample finds few: count them exactly after all.
    monkeypatch.setattr(estimates, "estimated_rows", lambda queryset: 10**9)

    result = browse_findings(QueryDict("q=Worcestershire"))

    assert not result.estimated
    assert result.total == Finding.objects.filter(search_vector="worcestershire").count()


def test_with_no_limit_every_count_is_exact_and_every_result_listed(
    client, seeds, settings, monkeypatch
):
    # The planner expects more than any limit, as for a common word at 100,000 letters.
    monkeypatch.setattr(estimates, "estimated_rows", lambda queryset: 10**9)
    monkeypatch.setattr(browse, "FINDINGS_SCALE", browse.Scale(sample_rows=40_000, listed=6))
    settings.FACET_EXACT_COUNT_LIMIT = 10**12
    counted_exactly = browse_findings(QueryDict("q=assessment"))
    settings.FACET_EXACT_COUNT_LIMIT = None  # what FACET_EXACT_COUNT_LIMIT=none sets

    result = browse_findings(QueryDict("q=assessment"))
    html = client.get(reverse("inspections:finding-list"), {"q": "assessment"}).content.decode()

    matches = Finding.objects.search("assessment", newest_field="inspection__letter_date")
    assert not result.estimated
    assert not any(facet.estimated for facet in result.facets)
    assert result.total == matches.count() > 6
    # Every match listed and paginated, ranked whole: not the best of the newest six.
    assert result.listed == result.total
    assert result.page.paginator.num_pages == -(-result.total // browse.RESULTS_PER_PAGE)
    assert snapshot(result) == snapshot(counted_exactly)
    assert "About <strong>" not in html
    assert "counts are estimated from a sample" not in html


def test_sampled_counts_are_scaled_by_the_tables_rows_over_the_samples():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE sample_me (n int)")
        cursor.execute("INSERT INTO sample_me SELECT generate_series(1, 100000)")
        cursor.execute("ANALYZE sample_me")

    sample = estimates.table_sample("sample_me", sample_rows=5_000)

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM sample_me {sample.clause}")
        sampled = cursor.fetchone()[0]
    assert sample.percent == pytest.approx(5.0, rel=0.02)
    assert sampled * sample.scale == pytest.approx(100_000, rel=0.001)
    assert 2_500 < sampled < 7_500


@pytest.mark.parametrize(
    ("count", "shown"),
    [(0, 0), (7, 7), (99, 99), (1_234, 1_200), (39_648, 40_000), (726_113, 730_000)],
)
def test_estimates_are_rounded_to_two_significant_figures(count, shown):
    assert estimates.about(count) == shown


@pytest.mark.parametrize("window", [3, 8, 30])
def test_a_window_start_hint_never_changes_the_window(seeds, window):
    # The hint only says where to read first: too late (the newest letter's day and after
    # holds fewer than the window), early enough, or before every letter, the same rows
    # come in the same order, on the page's slices and the API's cursor alike.
    matches = Finding.objects.search("assessment", newest_field="letter_date")
    dates = sorted(set(matches.values_list("letter_date", flat=True)), reverse=True)
    unhinted = BestOfNewest(matches, "letter_date", window)
    expected = unhinted.ids(0, window)
    assert 3 <= len(expected) < matches.count()

    for since in [dates[0], dates[len(dates) // 2], dates[-1], dates[0].replace(year=1990)]:
        hinted = BestOfNewest(matches, "letter_date", window, since=since)
        assert hinted.ids(0, window) == expected
        assert hinted.ids(1, 3) == expected[1:3]
        assert hinted.keyset(None, backwards=False, limit=window) == unhinted.keyset(
            None, backwards=False, limit=window
        )


def test_the_page_hints_the_newest_years_that_likely_fill_the_window():
    def year_facet(counts: dict[int, int]) -> Facet:
        values = [
            FacetValue(str(year), str(year), count, False, "") for year, count in counts.items()
        ]
        return Facet("year", "Year", values, estimated=True)

    counts = {2021: 9_000, 2025: 4_000, 2024: 5_000, 2023: 6_000, 2022: 7_000}

    # 4,000 + 5,000 + 6,000 >= 1.5 x 10,000: from 2023 on.
    assert result_order.window_start([year_facet(counts)], 10_000) == datetime.date(2023, 1, 1)
    assert result_order.window_start([year_facet(counts)], 2_000) == datetime.date(2025, 1, 1)
    # All of them could not fill it: no hint, every match read.
    assert result_order.window_start([year_facet(counts)], 30_000) is None
    assert result_order.window_start([], 10) is None
