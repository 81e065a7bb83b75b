"""Facets that scale to 150 councils: chosen values first, a box that narrows a long list
(submitted with the form, so it works without JavaScript), counts kept."""

import pytest
from django.urls import reverse

from inspections.facets import Facet, FacetValue
from tests.factories import AuthorityFactory, FindingFactory, InspectionFactory

pytestmark = pytest.mark.django_db

URL = reverse("inspections:finding-list")


@pytest.fixture
def councils():
    names = ["Bristol", "Bradford", "Brent", "Halton", "Liverpool", "Sefton", "Wirral"]
    names += [f"Council {letter}" for letter in "ABCDEFGHIJ"]
    for rank, name in enumerate(names):
        authority = AuthorityFactory(name=name, slug=name.lower().replace(" ", "-"))
        for _ in range(len(names) - rank):  # Bristol has the most findings, Council J the fewest
            FindingFactory(inspection=InspectionFactory(authority=authority))
    return names


def authority_values(response) -> list[tuple[str, int, bool]]:
    facet = next(f for f in response.context["browse"].facets if f.name == "authority")
    return [(value.label, value.count, value.selected) for value in facet.values]


def test_a_chosen_council_comes_first_in_its_facet(client, councils):
    values = authority_values(client.get(URL, {"authority": "council-j"}))

    assert values[0] == ("Council J", 1, True)
    assert [label for label, _, _ in values[1:4]] == ["Bristol", "Bradford", "Brent"]


def test_the_find_box_narrows_the_council_list_and_keeps_the_chosen_and_the_counts(
    client, councils
):
    every = dict((label, count) for label, count, _ in authority_values(client.get(URL)))

    response = client.get(URL, {"authority": "halton", "find_authority": " BR "})

    values = authority_values(response)
    assert [label for label, _, _ in values] == ["Halton", "Bristol", "Bradford", "Brent"]
    assert all(count == every[label] for label, count, _ in values)
    html = response.content.decode()
    assert "4 shown, 13 hidden by “BR”." in html
    # Only the list is narrowed: the results and the other facets are Halton's.
    assert response.context["browse"].total == every["Halton"]
    assert "Ignored" not in html


def test_the_find_box_is_a_form_that_keeps_the_page_state(client, councils):
    html = client.get(URL, {"q": "caseloads", "authority": "halton"}).content.decode()

    form = html.split('<form class="facet-find"', 1)[1].split("</form>", 1)[0]
    assert '<input type="hidden" name="q" value="caseloads">' in form
    assert '<input type="hidden" name="authority" value="halton">' in form
    assert '<label for="find-authority">Find a council</label>' in form
    assert 'name="find_authority"' in form and 'data-narrow="authority"' in form


def test_the_find_box_ignores_accents_and_case():
    facet = Facet(
        "authority",
        "Council",
        [
            FacetValue("a", "Bromley", 3, False, ""),
            FacetValue("b", "Sefton", 2, False, ""),
            FacetValue("c", "Halton", 1, True, ""),
        ],
        narrowable=True,
    )

    facet.narrow("BRÖM")

    assert [value.label for value in facet.values] == ["Bromley", "Halton"]  # order kept
    assert (facet.narrowed_by, facet.hidden) == ("BRÖM", 1)


def test_short_facets_have_no_find_box(client, councils):
    html = client.get(URL).content.decode()

    assert 'id="find-authority"' in html
    assert 'id="find-region"' not in html and 'id="find-category"' not in html
