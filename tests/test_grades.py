"""Grades on the pages: a council's grade history, the grade facets of the letters and
findings pages, the national table, its chart and its CSV, and a report's judgements."""

import csv
import datetime
import io
import re

import pytest
from django.http import QueryDict
from django.urls import reverse

from inspections import grades
from inspections.browse import browse_findings, browse_letters
from inspections.importer import import_paths
from inspections.models import Authority
from tests.conftest import REPO_ROOT
from tests.factories import (
    AuthorityFactory,
    FindingFactory,
    InspectionFactory,
    JudgementFactory,
    ReportFactory,
)

pytestmark = pytest.mark.django_db

REPORTS_DIR = REPO_ROOT / "fixtures" / "reports" / "ilacs"


def report(authority, date, **grades_by_area):
    inspection = ReportFactory(authority=authority, letter_date=date)
    for area, grade in grades_by_area.items():
        JudgementFactory(inspection=inspection, area=area, grade=grade)
    FindingFactory(inspection=inspection, category="improvement", text="Improve planning.")
    return inspection


def letter(authority, date, text="Caseloads are too high."):
    inspection = InspectionFactory(authority=authority, letter_date=date, source_text=text)
    FindingFactory(inspection=inspection, text=text)
    return inspection


@pytest.fixture
def story():
    """Anywhere: inadequate in 2019, good in 2022 (its first report to grade care leavers
    apart); letters before, between and after. Elsewhere: letters and no report."""
    anywhere = AuthorityFactory(name="Anywhere", slug="anywhere", region="North West")
    elsewhere = AuthorityFactory(name="Elsewhere", slug="elsewhere", region="London")
    letter(anywhere, datetime.date(2018, 5, 1))
    report(
        anywhere,
        datetime.date(2019, 3, 1),
        overall_effectiveness="inadequate",
        leadership="inadequate",
        help_and_protection="inadequate",
        children_in_care="requires_improvement",
    )
    letter(anywhere, datetime.date(2020, 6, 1))
    report(
        anywhere,
        datetime.date(2022, 9, 1),
        overall_effectiveness="good",
        leadership="good",
        help_and_protection="requires_improvement",
        children_in_care="good",
        care_leavers="outstanding",
    )
    letter(anywhere, datetime.date(2023, 2, 1))
    letter(elsewhere, datetime.date(2021, 1, 1))
    letter(elsewhere, datetime.date(2024, 1, 1))
    return anywhere, elsewhere


def counts(result, name):
    facet = next(facet for facet in result.facets if facet.name == name)
    return {value.value: value.count for value in facet.values}


def test_letters_facet_by_the_councils_latest_overall_grade(story):
    result = browse_letters(QueryDict(""))
    # Anywhere's five (its letters and reports) under its latest grade, whatever their dates.
    assert counts(result, "latest_overall_effectiveness") == {"good": 5, "none": 2}
    assert counts(result, "latest_care_leavers") == {"outstanding": 5, "none": 2}

    chosen = browse_letters(QueryDict("latest_overall_effectiveness=good"))
    assert chosen.total == 5
    assert {row.authority.slug for row in chosen.page.object_list} == {"anywhere"}
    # Its own facet ignores its choice, so the other value can still be added.
    assert counts(chosen, "latest_overall_effectiveness") == {"good": 5, "none": 2}
    assert chosen.chips[0].label == "Overall effectiveness (council's latest report): Good"

    none = browse_letters(QueryDict("latest_overall_effectiveness=none"))
    assert {row.authority.slug for row in none.page.object_list} == {"elsewhere"}


def test_judgement_facets_combine_with_each_other_and_with_search(story):
    result = browse_letters(
        QueryDict("latest_help_and_protection=requires_improvement&q=caseloads")
    )
    assert result.total == 3  # Anywhere's three letters; its reports do not say caseloads
    assert counts(result, "latest_help_and_protection") == {"requires_improvement": 3, "none": 2}
    nothing = browse_letters(QueryDict("latest_help_and_protection=inadequate"))
    assert nothing.total == 0


def test_findings_narrowed_by_the_councils_grade_at_the_time(story):
    result = browse_findings(QueryDict(""))
    # 2018 letter: no report yet; 2019 report and 2020 letter: inadequate; 2022 report and
    # 2023 letter: good; Elsewhere never graded.
    assert counts(result, "grade_at_time") == {"inadequate": 2, "good": 2, "none": 3}

    inadequate = browse_findings(QueryDict("grade_at_time=inadequate"))
    dates = sorted(finding.inspection.letter_date.year for finding in inadequate.page.object_list)
    assert dates == [2019, 2020]

    both = browse_findings(QueryDict("grade_at_time=inadequate&grade_at_time=good&q=caseloads"))
    assert sorted(f.inspection.letter_date.year for f in both.page.object_list) == [2020, 2023]
    assert counts(both, "grade_at_time") == {"inadequate": 1, "good": 1, "none": 3}


@pytest.mark.parametrize("name", [f"latest_{area}" for area in grades.AREAS])
def test_choosing_a_latest_grade_gives_the_count_its_facet_showed(story, name):
    # The filter asks which councils hold the grade; the facet, each row's grade: the same.
    for value, count in counts(browse_letters(QueryDict("")), name).items():
        assert browse_letters(QueryDict(f"{name}={value}")).total == count, value


def test_the_latest_grade_facet_counts_each_letter_under_the_grade_its_filter_finds(story):
    # Two reports on one day (the later id is the latest), and an area only the older
    # report graded: the facet joins each council's current period, the filter runs the
    # latest report's subquery; a letter is counted under the grade that finds it.
    _, elsewhere = story
    report(elsewhere, datetime.date(2022, 1, 10), overall_effectiveness="good", leadership="good")
    report(elsewhere, datetime.date(2022, 1, 10), overall_effectiveness="inadequate")
    letter(elsewhere, datetime.date(2021, 6, 1))

    result = browse_letters(QueryDict(""))

    assert counts(result, "latest_overall_effectiveness") == {"good": 5, "inadequate": 5}
    assert counts(result, "latest_leadership") == {"good": 10}
    for area in grades.AREAS:
        for value, count in counts(result, f"latest_{area}").items():
            chosen = browse_letters(QueryDict(f"latest_{area}={value}"))
            assert chosen.total == count, (area, value)


def test_choosing_a_grade_at_the_time_gives_the_count_its_facet_showed(story):
    for value, count in counts(browse_findings(QueryDict("")), "grade_at_time").items():
        assert browse_findings(QueryDict(f"grade_at_time={value}")).total == count, value


@pytest.mark.parametrize(
    "query",
    [
        "latest_overall_effectiveness=good",
        "latest_children_in_care=good&q=caseloads",
        "latest_care_leavers=none&region=London",
    ],
)
def test_letter_grade_counts_on_the_sampled_path_equal_the_exact_ones(story, settings, query):
    exact = browse_letters(QueryDict(query))
    settings.FACET_EXACT_COUNT_LIMIT = -1
    estimated = browse_letters(QueryDict(query))
    assert estimated.estimated
    assert estimated.total == exact.total
    for facet in exact.facets:
        assert counts(estimated, facet.name) == counts(exact, facet.name), facet.name


@pytest.mark.parametrize("query", ["grade_at_time=inadequate", "q=caseloads&grade_at_time=none"])
def test_finding_grade_counts_on_the_sampled_path_equal_the_exact_ones(story, settings, query):
    exact = browse_findings(QueryDict(query))
    settings.FACET_EXACT_COUNT_LIMIT = -1
    estimated = browse_findings(QueryDict(query))
    assert estimated.estimated
    assert estimated.total == exact.total
    assert counts(estimated, "grade_at_time") == counts(exact, "grade_at_time")


def test_grade_facets_on_the_pages_and_an_unknown_grade_is_named(client, story):
    html = client.get("/letters/?latest_overall_effectiveness=excellent").content.decode()
    assert "Overall effectiveness (council&#x27;s latest report)" in html
    assert "latest overall effectiveness grade ‘excellent’ is not a grade" in html
    assert 'data-facet="latest_leadership"' in html

    html = client.get("/findings/?grade_at_time=good").content.decode()
    assert "<strong>2</strong>" in html
    assert "Council&#x27;s overall grade at the time: Good" in html  # the chip


def test_the_findings_export_follows_the_grade_filter(client, story):
    response = client.get("/findings/export.csv?grade_at_time=inadequate")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert sorted(row["letter_date"] for row in rows) == ["2019-03-01", "2020-06-01"]


def test_council_page_charts_its_grades_with_its_letters_on_one_line_of_time(client, story):
    anywhere, _ = story
    response = client.get(anywhere.get_absolute_url())
    html = response.content.decode()

    assert response.status_code == 200
    assert 'class="chart grade-timeline"' in html
    assert html.count('class="band grade-') == 9  # 4 judgements, then 5
    assert html.count('class="mark mark-letter"') == 3
    assert html.count('class="mark mark-report"') == 2
    # The table below gives the reports' grades, a row each (its letters are counted by
    # year in the table of years: a council of 700 letters would list them all here).
    table = html[html.index('class="grade-history"') :]
    table = table[: table.index("</table>")]
    assert table.count("<tr") == 3
    assert table.count('class="is-report"') == 2
    assert "Inadequate" in table and "Outstanding" in table
    # Report entries in the letters' timeline are marked and show their grade.
    assert html.count('<span class="tag tag-report">report</span>') == 2
    assert html.count("Overall effectiveness: <span") == 2


def test_council_page_counts_letters_by_year_with_the_grade_at_each_years_end(client, story):
    anywhere, _ = story
    html = client.get(anywhere.get_absolute_url()).content.decode()

    years = html[html.index('class="letters-by-year"') :]
    years = years[: years.index("</table>")]
    rows = re.findall(r'<th scope="row">(\d{4})</th>(.*?)</tr>', years, re.S)
    # Every year from the first letter's to the last's, 2021 with none.
    assert [year for year, _ in rows] == ["2018", "2019", "2020", "2021", "2022", "2023"]
    cells = dict(rows)
    assert "no report yet" in cells["2018"]
    assert "Inadequate" in cells["2019"] and "Inadequate" in cells["2021"]
    assert "Good" in cells["2022"] and "Good" in cells["2023"]
    assert "?authority=anywhere&amp;year=2019" in cells["2019"]
    assert "<td>0</td>" in cells["2021"]


def test_council_page_marks_a_months_letters_once(client, story):
    anywhere, _ = story
    for day in (2, 3):
        letter(anywhere, datetime.date(2020, 6, day))

    html = client.get(anywhere.get_absolute_url()).content.decode()

    # June 2020 now holds three letters: one mark says so.
    assert html.count('class="mark mark-letter"') == 3
    assert "<title>3 letters, June 2020</title>" in html


def test_council_without_reports_says_so(client, story):
    _, elsewhere = story
    html = client.get(elsewhere.get_absolute_url()).content.decode()
    assert "grade-timeline" not in html
    assert "No inspection report about this council is in the archive yet" in html


def test_a_reports_page_lists_its_judgements_in_ofsteds_order(client, story):
    anywhere, _ = story
    latest = anywhere.inspections.filter(inspection_type="ilacs").latest("letter_date")
    html = client.get(latest.get_absolute_url()).content.decode()

    assert 'id="judgements-title"' in html
    table = html[html.index('class="judgement-table"') : html.index("</table>")]
    order = [table.index(label) for label in ("Overall effectiveness", "leaders", "care leavers")]
    assert order == sorted(order)
    assert "Outstanding" in table
    assert "What needs to improve" in html  # its findings' heading


def test_a_letters_page_has_no_judgements_table(client, story):
    anywhere, _ = story
    first = anywhere.inspections.order_by("letter_date").first()
    assert 'id="judgements-title"' not in client.get(first.get_absolute_url()).content.decode()


@pytest.fixture
def nation():
    for name, overall, date in [
        ("Dunmore", "inadequate", datetime.date(2021, 5, 1)),
        ("Brightwater", "outstanding", datetime.date(2019, 5, 1)),
        ("Clearview", "good", datetime.date(2023, 5, 1)),
        ("Anywhere", "requires_improvement", datetime.date(2020, 5, 1)),
    ]:
        authority = AuthorityFactory(name=name, slug=name.lower())
        report(authority, date, overall_effectiveness=overall, leadership="good")
    # Clearview was inadequate before.
    report(
        Authority.objects.get(slug="clearview"),
        datetime.date(2018, 5, 1),
        overall_effectiveness="inadequate",
    )


def order_in(html: str) -> list[str]:
    body = html[html.index('id="national-grades"') :]
    body = body[: body.index("</table>")]
    names = ("Anywhere", "Brightwater", "Clearview", "Dunmore")
    return sorted(names, key=lambda name: body.index(f">{name}</a>"))


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("", ["Anywhere", "Brightwater", "Clearview", "Dunmore"]),
        ("-council", ["Dunmore", "Clearview", "Brightwater", "Anywhere"]),
        ("overall_effectiveness", ["Brightwater", "Clearview", "Anywhere", "Dunmore"]),
        ("-overall_effectiveness", ["Dunmore", "Anywhere", "Clearview", "Brightwater"]),
        ("date", ["Brightwater", "Anywhere", "Dunmore", "Clearview"]),
        ("leadership", ["Anywhere", "Brightwater", "Clearview", "Dunmore"]),  # ties by name
        ("nonsense", ["Anywhere", "Brightwater", "Clearview", "Dunmore"]),
    ],
)
def test_national_table_sorts_by_any_column_on_the_server(client, nation, sort, expected):
    response = client.get(f"/grades/?sort={sort}")
    assert response.status_code == 200
    assert order_in(response.content.decode()) == expected


def test_national_table_heads_link_to_their_sort_and_say_how_it_is_sorted(client, nation):
    html = client.get("/grades/?sort=overall_effectiveness").content.decode()
    assert 'aria-sort="ascending" data-column="overall_effectiveness"' in html
    assert 'href="?sort=-overall_effectiveness"' in html  # clicking again reverses
    assert 'href="?sort=council"' in html
    assert 'href="/grades/export.csv?sort=overall_effectiveness"' in html
    assert 'href="/grades/"' in client.get("/").content.decode()  # in the navigation


def test_national_counts_and_year_by_year(client, nation):
    rows, _ = grades.national_table()
    by_area = {area.area: area.counts for area in grades.grade_counts(rows)}
    # outstanding, good, requires improvement, inadequate, not graded, no grade
    assert by_area["overall_effectiveness"] == [1, 1, 1, 1, 0, 0]
    assert by_area["leadership"] == [0, 4, 0, 0, 0, 0]
    assert by_area["care_leavers"] == [0, 0, 0, 0, 0, 4]

    series = {year.year: year.cells for year in grades.national_by_year()}
    assert list(series) == [2018, 2019, 2020, 2021, 2022, 2023]
    assert series[2018] == [0, 0, 0, 1]  # Clearview, inadequate
    assert series[2022] == [1, 0, 1, 2]
    assert series[2023] == [1, 1, 1, 1]  # Clearview now good

    html = client.get("/grades/").content.decode()
    assert 'class="chart-data grade-years"' in html
    # One bar a year for each grade some council holds.
    assert html.count('<rect class="band grade-') == 1 + 2 + 3 + 3 + 3 + 4
    assert 'href="/letters/?latest_overall_effectiveness=inadequate"' in html


def test_national_csv_is_the_table_in_its_order_with_formulas_defused(client, nation):
    AuthorityFactory(name="=HYPERLINK(1)", slug="formula")
    report(
        Authority.objects.get(slug="formula"),
        datetime.date(2024, 1, 1),
        overall_effectiveness="good",
    )
    response = client.get("/grades/export.csv?sort=-overall_effectiveness")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == grades.EXPORT_COLUMNS
    assert [row["council"] for row in rows] == [
        "Dunmore",
        "Anywhere",
        "'=HYPERLINK(1)",
        "Clearview",
        "Brightwater",
    ]
    assert rows[0]["overall_effectiveness"] == "inadequate"
    assert rows[0]["care_leavers"] == ""
    assert rows[0]["report_url"].startswith("http://testserver/letters/")


def test_national_page_reads_in_a_few_queries_however_many_councils(
    client, nation, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):
        client.get("/grades/")


def test_real_reports_on_the_pages(client):
    import_paths([REPORTS_DIR])

    rows, _ = grades.national_table("overall_effectiveness")
    assert len(rows) == 6
    assert rows[0].authority.slug == "haringey"
    assert rows[0].grades[0] == "outstanding"

    bristol = Authority.objects.get(slug="bristol")
    html = client.get(bristol.get_absolute_url()).content.decode()
    assert html.count('class="mark mark-report"') == 2
    assert "Requires improvement" in html

    result = browse_letters(QueryDict("latest_overall_effectiveness=outstanding"))
    assert {row.authority.slug for row in result.page.object_list} == {"haringey"}
    assert result.total == 3


def test_council_list_shows_each_councils_latest_overall_grade(client, story):
    html = client.get(reverse("inspections:authority-list")).content.decode()
    anywhere = html[html.index(">Anywhere</a>") :]
    assert anywhere.index('<span class="grade grade-good">Good</span>') < anywhere.index(
        ">Elsewhere</a>"
    )
    assert "no report" in html[html.index(">Elsewhere</a>") :]
