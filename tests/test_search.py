"""Full-text search, facet arithmetic, escaping and exports, through the ORM and the test client."""

import csv
import datetime
import io
import json
from urllib.parse import parse_qs, urlencode

import pytest
from django.http import QueryDict
from django.urls import reverse

from inspections.browse import browse_findings
from inspections.filters import FindingFilter
from inspections.models import Finding, FindingTheme, Inspection, Theme
from tests.factories import AuthorityFactory, FindingFactory, InspectionFactory

pytestmark = pytest.mark.django_db

FINDINGS_URL = reverse("inspections:finding-list")


@pytest.fixture
def corpus():
    """Three councils in two regions over three years, with findings of several categories."""
    liverpool = AuthorityFactory(name="Liverpool", slug="liverpool", region="North West")
    halton = AuthorityFactory(name="Halton", slug="halton", region="North West")
    kent = AuthorityFactory(name="Kent", slug="kent", region="South East")
    letters = {
        "liverpool-2010": InspectionFactory(
            authority=liverpool,
            letter_date=datetime.date(2010, 2, 17),
            inspection_type="unannounced_cra",
        ),
        "liverpool-2017": InspectionFactory(
            authority=liverpool,
            letter_date=datetime.date(2017, 8, 11),
            inspection_type="monitoring_visit",
        ),
        "halton-2012": InspectionFactory(
            authority=halton,
            letter_date=datetime.date(2012, 1, 10),
            inspection_type="unannounced_cra",
        ),
        "kent-2017": InspectionFactory(
            authority=kent, letter_date=datetime.date(2017, 3, 1), inspection_type="focused_visit"
        ),
    }
    texts = [
        ("liverpool-2010", "development", "Caseloads are too high in the duty team."),
        ("liverpool-2010", "strength", "Staff receive regular supervision."),
        ("liverpool-2010", "development", "Management oversight is not recorded on case files."),
        ("liverpool-2017", "narrative", "Social workers report manageable caseloads."),
        ("liverpool-2017", "narrative", "Strategy meetings with the police are timely."),
        ("halton-2012", "development", "The caseload of some social workers is too high."),
        (
            "halton-2012",
            "satisfactory",
            "Supervision is regular but not reflective, and police checks are done.",
        ),
        ("kent-2017", "development", "Workload pressures and high caseloads delay assessments."),
        ("kent-2017", "strength", "Direct work captures the voice of the child."),
    ]
    for key, category, text in texts:
        FindingFactory(inspection=letters[key], category=category, text=text)
    caseloads = Theme.objects.get(slug="caseloads-and-capacity")  # seeded by a migration
    for finding in Finding.objects.filter(text__icontains="caseload"):
        FindingTheme.objects.create(finding=finding, theme=caseloads)
    return letters


def result_texts(query_string: str) -> list[str]:
    browse = browse_findings(QueryDict(query_string))
    return [finding.text for finding in browse.page.object_list]


def test_stemming_finds_plural_and_singular(corpus):
    texts = result_texts("q=caseload")

    assert len(texts) == 4
    assert "The caseload of some social workers is too high." in texts
    assert "Caseloads are too high in the duty team." in texts


def test_phrase_or_and_exclusion_follow_web_search_syntax(corpus):
    assert result_texts('q="management oversight"') == [
        "Management oversight is not recorded on case files."
    ]
    assert len(result_texts("q=caseloads OR supervision")) == 6
    assert result_texts("q=supervision -police") == ["Staff receive regular supervision."]


def test_blank_query_lists_everything_newest_first(corpus):
    browse = browse_findings(QueryDict(""))
    dates = [finding.inspection.letter_date for finding in browse.page.object_list]

    assert browse.total == 9
    assert dates == sorted(dates, reverse=True)


def test_relevance_breaks_ties_newest_first_and_date_sort_is_an_option(corpus):
    relevance = FindingFilter(QueryDict("q=high caseloads"), queryset=Finding.objects.all()).qs
    oldest = browse_findings(QueryDict("q=high caseloads&sort=oldest")).page.object_list

    assert [f.inspection.letter_date.year for f in oldest] == sorted(
        f.inspection.letter_date.year for f in oldest
    )
    # Equal ranks come newest first.
    ranks = [(round(f.rank, 6), f.inspection.letter_date) for f in relevance]
    for (rank_a, date_a), (rank_b, date_b) in zip(ranks, ranks[1:], strict=False):
        assert rank_a > rank_b or (rank_a == rank_b and date_a >= date_b)


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_a_search_sorted_by_date_finds_the_same_findings_unranked(corpus, sort):
    def results(query_string):
        return FindingFilter(QueryDict(query_string), queryset=Finding.objects.all()).qs

    ranked = results("q=high caseloads")
    by_date = results(f"q=high caseloads&sort={sort}")
    dates = [(f.inspection.letter_date, f.pk) for f in by_date]

    assert {f.pk for f in by_date} == {f.pk for f in ranked} != set()
    assert dates == sorted(dates, reverse=sort == "newest")
    # The order is the dates': no rank is computed for a list that does not use it.
    assert "rank" in ranked.query.annotations
    assert "rank" not in by_date.query.annotations
    assert "ts_rank" not in str(by_date.query)


@pytest.mark.parametrize(
    "query",
    ['"unclosed', "a & | ! :*", "((", "-", "OR", "'; DROP TABLE x; --", "\x00\x02", "x" * 5000],
)
def test_malformed_queries_never_error(client, corpus, query):
    response = client.get(FINDINGS_URL, {"q": query})

    # Control characters are refused with a page saying so (tests/test_hygiene.py).
    assert response.status_code == (400 if "\x00" in query else 200)


def facet(browse, name):
    return {value.value: value for value in next(f for f in browse.facets if f.name == name).values}


def test_facet_counts_equal_the_results_of_clicking_them(client, corpus):
    """Every count shown, on every facet, for several states: click it and count the results."""
    for state in ["", "q=caseloads", "region=North+West", "category=development&year=2017"]:
        browse = browse_findings(QueryDict(state))
        for facet_ in browse.facets:
            for value in facet_.values:
                if value.selected:
                    continue
                clicked = browse_findings(QueryDict(value.toggle_query))
                if facet_.selected:
                    # Widening an OR choice adds exactly this value's results.
                    assert clicked.total == browse.total + value.count, (
                        state,
                        facet_.name,
                        value.value,
                    )
                else:
                    assert clicked.total == value.count, (state, facet_.name, value.value)


def test_each_facet_ignores_its_own_filter_but_not_the_others(corpus):
    browse = browse_findings(QueryDict("region=North+West&category=development"))

    regions = facet(browse, "region")
    assert regions["North West"].count == 3 and regions["North West"].selected
    assert regions["South East"].count == 1  # Kent's development finding: widen to see it
    categories = facet(browse, "category")
    assert categories["development"].count == 3
    assert categories["strength"].count == 1  # Liverpool's strength, within the North West
    assert browse.total == 3


def test_several_values_of_one_facet_are_ored(corpus):
    browse = browse_findings(QueryDict("authority=liverpool&authority=kent"))

    assert browse.total == 7
    assert {chip.label for chip in browse.chips} == {"Council: Liverpool", "Council: Kent"}


def test_years_are_listed_in_year_order_and_range_narrows(corpus):
    browse = browse_findings(QueryDict(""))
    assert list(facet(browse, "year")) == ["2010", "2012", "2017"]

    ranged = browse_findings(QueryDict("year_from=2011&year_to=2016"))
    assert ranged.total == 2
    assert {chip.label for chip in ranged.chips} == {"From 2011", "To 2016"}


def test_theme_facet_counts_each_finding_once(corpus):
    browse = browse_findings(QueryDict("theme=caseloads-and-capacity"))

    assert browse.total == 4
    assert facet(browse, "theme")["caseloads-and-capacity"].count == 4


def test_chips_remove_their_own_value_only(corpus):
    browse = browse_findings(QueryDict("q=caseloads&region=North+West&category=development"))
    chip = next(chip for chip in browse.chips if chip.label == "Region: North West")

    assert parse_qs(chip.remove_query) == {"q": ["caseloads"], "category": ["development"]}


def test_unknown_filter_values_are_ignored_not_errors(client, corpus):
    response = client.get(FINDINGS_URL, {"authority": "atlantis", "year": "abc", "page": "999"})

    assert response.status_code == 200


def test_snippets_mark_matches_and_escape_letter_text(client):
    FindingFactory(text='Caseloads <script>alert("x")</script> & "quotes" stay text.')

    html = client.get(FINDINGS_URL, {"q": "caseloads"}).content.decode()

    assert "<mark>Caseloads</mark>" in html
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp;" in html


def test_letter_page_from_a_search_marks_the_words(client):
    finding = FindingFactory(text="Supervision <b>is</b> irregular.")

    html = client.get(finding.inspection.get_absolute_url(), {"q": "supervision"}).content.decode()

    assert "<mark>Supervision</mark> &lt;b&gt;is&lt;/b&gt; irregular." in html
    assert 'class="is-match"' in html


def test_page_shows_counts_chips_and_aria_live(client, corpus):
    html = client.get(
        FINDINGS_URL + "?" + urlencode({"q": "caseloads", "authority": "kent"})
    ).content.decode()

    assert "<strong>1</strong> finding matching" in html
    assert 'aria-live="polite"' in html
    assert "Council: Kent" in html


def test_csv_export_holds_what_the_page_lists(client, corpus):
    response = client.get(
        reverse("inspections:finding-export-csv"), {"q": "caseloads", "region": "North West"}
    )
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(content)))

    assert response["Content-Type"].startswith("text/csv")
    assert rows[0]["finding_url"].startswith("http://testserver/letters/")
    assert "Area for development" in {row["category_label"] for row in rows}
    assert len(rows) == 3
    assert {row["council"] for row in rows} == {"Liverpool", "Halton"}
    assert all(row["themes"] == "Caseloads and capacity" for row in rows)


def test_json_export_is_valid_json_with_the_same_rows(client, corpus):
    response = client.get(reverse("inspections:finding-export-json"), {"category": "strength"})
    rows = json.loads(b"".join(response.streaming_content))

    assert sorted(row["text"] for row in rows) == [
        "Direct work captures the voice of the child.",
        "Staff receive regular supervision.",
    ]


def test_exports_carry_the_councils_gss_and_dfe_codes(client, corpus):
    kent = corpus["kent-2017"].authority
    kent.gss_code, kent.la_code = "E10000016", "886"
    kent.save()
    unlisted = AuthorityFactory(name="Unlisted", slug="unlisted")  # not in the reference data
    FindingFactory(inspection=InspectionFactory(authority=unlisted), category="strength")
    params = {"category": "strength"}

    response = client.get(reverse("inspections:finding-export-csv"), params)
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    header = content.splitlines()[0].split(",")
    rows = list(csv.DictReader(io.StringIO(content)))
    json_rows = json.loads(
        b"".join(client.get(reverse("inspections:finding-export-json"), params).streaming_content)
    )

    assert header[:3] == ["council", "gss_code", "dfe_la_code"]
    codes = {row["council"]: (row["gss_code"], row["dfe_la_code"]) for row in rows}
    assert codes["Kent"] == ("E10000016", "886")
    assert codes["Unlisted"] == ("", "")
    json_codes = {row["council"]: (row["gss_code"], row["dfe_la_code"]) for row in json_rows}
    assert json_codes["Kent"] == ("E10000016", "886")
    assert json_codes["Unlisted"] == (None, None)


def test_letters_page_searches_full_text_and_facets_priority_action(client, corpus):
    letter = corpus["kent-2017"]
    letter.source_text = "Inspectors found that thresholds at the front door are misunderstood."
    letter.priority_action = True
    letter.save()

    html = client.get(reverse("inspections:letter-list"), {"q": "threshold"}).content.decode()

    assert "<strong>1</strong> letter matching" in html
    assert "<mark>thresholds</mark>" in html
    html = client.get(
        reverse("inspections:letter-list"), {"priority_action": "true"}
    ).content.decode()
    assert "<strong>1</strong> letter" in html


def test_council_pages_list_letters_and_link_into_findings(client, corpus):
    html = client.get(reverse("inspections:authority-list")).content.decode()
    assert "Liverpool" in html and "Kent" in html

    html = client.get(reverse("inspections:authority-detail", args=["liverpool"])).content.decode()
    assert html.count('class="timeline-date"') == 2
    letter = corpus["liverpool-2010"]
    assert f"?letter={letter.pk}&amp;category=development" in html
    assert "2 areas for development" in html


@pytest.mark.parametrize(
    "params",
    [
        {"year_from": "0"},
        {"year_from": "-5"},
        {"year_to": "10000"},
        {"year_from": "99999999999"},
        {"year_from": "2012.5"},
    ],
)
def test_out_of_range_years_are_ignored_not_errors(client, corpus, params):
    for url in (FINDINGS_URL, reverse("inspections:letter-list")):
        response = client.get(url, params)

        assert response.status_code == 200
        assert "From " not in "".join(chip.label for chip in response.context["browse"].chips)


def test_an_unknown_value_is_dropped_and_the_known_ones_still_narrow(corpus):
    browse = browse_findings(
        QueryDict("authority=kent&authority=nowhere&theme=bogus&year=2017&year=1999")
    )

    assert browse.total == 2  # Kent's two findings of 2017
    assert {chip.label for chip in browse.chips} == {"Council: Kent", "Year: 2017"}
    assert "nowhere" not in browse.query_string and "bogus" not in browse.query_string


def test_a_letter_filter_narrows_to_one_letter(client, corpus):
    letter = corpus["liverpool-2010"]

    browse = browse_findings(QueryDict(f"letter={letter.pk}&category=development"))

    assert browse.total == 2
    assert [chip.label for chip in browse.chips if chip.label.startswith("Letter:")] == [
        f"Letter: {letter}"
    ]


def test_letter_page_marks_only_findings_that_match_the_whole_query(client):
    kept = FindingFactory(text="Supervision is regular.")
    FindingFactory(inspection=kept.inspection, text="Supervision with the police is joint.")

    html = client.get(kept.inspection.get_absolute_url(), {"q": "supervision -police"})
    html = html.content.decode()

    assert html.count('class="is-match"') == 1
    assert "<mark>Supervision</mark> is regular." in html
    assert "<mark>police</mark>" not in html


@pytest.mark.parametrize(
    ("spellings", "other"),
    [
        (["multi-agency", "multiagency", "multi agency"], "Agency staff cover some posts."),
        (["well-being", "wellbeing", "well being"], "Children are well supported."),
        (["care-leavers", "care leavers"], "Leavers’ records are up to date."),
    ],
)
def test_any_spelling_of_a_hyphenated_word_finds_the_same_findings(spellings, other):
    letter = InspectionFactory()
    texts = [f"Some {spelling} work is strong." for spelling in spellings]
    for text in [*texts, other]:
        FindingFactory(inspection=letter, text=text)

    for query in spellings:
        assert sorted(result_texts(urlencode({"q": query}))) == sorted(texts), query


def test_a_hyphenated_word_inside_a_phrase_and_beside_other_words():
    letter = InspectionFactory()
    FindingFactory(inspection=letter, text="Multiagency meetings are timely.")
    FindingFactory(inspection=letter, text="Multi-agency audits are rare; meetings are timely.")

    assert result_texts(urlencode({"q": "multi-agency meetings -audits"})) == [
        "Multiagency meetings are timely."
    ]
    # Inside quotes a phrase is matched as written, its hyphen read as a space.
    assert result_texts(urlencode({"q": '"multi-agency audits"'})) == [
        "Multi-agency audits are rare; meetings are timely."
    ]


def test_the_page_shows_the_query_as_typed_though_it_searches_every_spelling(client):
    letter = InspectionFactory()
    FindingFactory(inspection=letter, text="Multiagency meetings are timely.")

    page = client.get(FINDINGS_URL, {"q": "multi-agency"}).content.decode()

    assert "<strong>1</strong> finding matching “multi-agency”" in page


def test_a_page_of_results_is_read_in_the_order_asked_with_its_rows(corpus):
    from inspections.selectors import result_findings

    findings = list(Finding.objects.order_by("pk"))
    gone = findings[-1].pk + 1000
    ids = [finding.pk for finding in reversed(findings)] + [gone]
    rows = result_findings(ids, "caseloads")

    assert [row.pk for row in rows] == ids[:-1]  # in the order given; a gone id left out
    stored = {finding.pk: finding for finding in findings}
    for row in rows:
        finding = stored[row.pk]
        assert row.inspection.pk == finding.inspection_id
        assert row.inspection.letter_date == finding.inspection.letter_date
        assert row.inspection.authority.slug == finding.inspection.authority.slug
        assert row.get_absolute_url() == finding.get_absolute_url()
        assert sorted(row.theme_ids) == sorted(finding.themes.values_list("pk", flat=True))
        # A snippet only where the finding matches the search.
        matches = "caseload" in finding.text.lower()
        assert (row.snippet_raw is not None) == matches
        if matches:
            assert "\x02" in row.snippet_raw
    assert all(row.snippet_raw is None for row in result_findings(ids, ""))


def test_a_council_or_theme_not_chosen_is_an_empty_list_not_a_queryset(corpus):
    # Django cleans an empty model choice to queryset.none(), which the filter's `if not
    # value` compiles and runs; an empty list costs nothing. A chosen one still filters.
    filterset = FindingFilter(QueryDict("q=caseloads"), queryset=Finding.objects.all())
    assert filterset.is_valid()
    assert filterset.form.cleaned_data["authority"] == []
    assert filterset.form.cleaned_data["theme"] == []
    assert filterset.qs.count() == 4

    chosen = FindingFilter(QueryDict("q=caseloads&authority=kent"), queryset=Finding.objects.all())
    assert chosen.is_valid()
    assert [council.slug for council in chosen.form.cleaned_data["authority"]] == ["kent"]
    assert chosen.qs.count() == 1


def test_a_filtersets_form_class_is_built_once_and_sees_councils_added_since(corpus):
    from inspections.filters import LetterFilter

    first = FindingFilter(QueryDict(""), queryset=Finding.objects.all())
    assert first.is_valid()
    council = AuthorityFactory(name="Rutland", slug="rutland", region="East Midlands")
    FindingFactory(inspection=InspectionFactory(authority=council), text="Caseloads are low.")

    later = FindingFilter(QueryDict("authority=rutland"), queryset=Finding.objects.all())
    assert later.is_valid()

    assert type(later.form) is type(first.form)  # one class for every FindingFilter
    assert later.form.fields["authority"] is not first.form.fields["authority"]
    assert [council.slug for council in later.form.cleaned_data["authority"]] == ["rutland"]
    assert later.qs.count() == 1
    letters = LetterFilter(QueryDict(""), queryset=Inspection.objects.all())
    assert type(letters.form) is not type(first.form)
