"""The result list and facet values, built in Python for speed, match the template they replaced.

browse_tags.finding_result_items and facet_value_items replaced two template loops (the
findings page spent a third of its time in them); the loops are kept here as the reference,
and both are rendered from the same page, byte for byte: escaping included.
"""

import datetime
from types import SimpleNamespace

import pytest
from django.http import QueryDict
from django.template import Context, Template

from inspections.browse import browse_findings
from inspections.importer import import_paths
from inspections.models import Finding, Theme
from tests.conftest import SEED_DIR
from tests.factories import AuthorityFactory, FindingFactory, InspectionFactory

pytestmark = pytest.mark.django_db

# finding_list.html's result loop before finding_result_items, verbatim.
RESULTS_LOOP = """{% load browse_tags %}
    {% for finding in browse.page.object_list %}
      {% with letter=finding.inspection %}
      <li class="result">
        <p class="result-meta">
          <a href="{{ letter.authority.get_absolute_url }}">{{ letter.authority.name }}</a>
          · <time datetime="{{ letter.letter_date|date:'Y-m-d' }}">{{ letter.letter_date|date:"j M Y" }}</time>
          · {{ letter.get_inspection_type_display }}
          · <span class="cat-{{ finding.category }}">{{ finding.get_category_display }}</span>{% if finding.recurring %} <span class="tag tag-recurring">raised before</span>{% endif %}
        </p>
        {% if finding.heading %}<p class="result-heading">{{ finding.heading }}</p>{% endif %}
        <p class="result-text">{% if finding.snippet %}{{ finding.snippet }}{% else %}{{ finding.text|truncatewords:60 }}{% endif %}</p>
        <p class="result-links">
          <a href="{{ letter.get_absolute_url }}?{{ browse.query_string }}#finding-{{ finding.position }}">Read in the letter<span class="visually-hidden">: {{ letter.authority.name }}, {{ letter.letter_date|date:"j F Y" }}</span></a>
          {% for theme in finding.themes.all %}{% if forloop.first %} · Themes: {% endif %}<a class="tag" href="?theme={{ theme.slug }}">{{ theme.name }}</a>{% endfor %}
          {% if can_edit %} · <a class="edit-link" href="{% url 'admin:inspections_finding_change' finding.pk %}">edit<span class="visually-hidden"> this finding in the admin</span></a>{% endif %}
        </p>
      </li>
      {% endwith %}
    {% endfor %}"""  # noqa: E501

RESULTS_TAG = """{% load browse_tags %}
    {% finding_result_items browse.page.object_list query_string=browse.query_string can_edit=can_edit %}"""  # noqa: E501

# _facets.html's value loop before facet_value_items, verbatim.
FACET_LOOP = """{% load browse_tags %}{% for facet in browse.facets %}
        {% for value in facet.values %}
          <li><a href="?{{ value.toggle_query }}" class="facet-value{% if value.selected %} is-selected{% endif %}" {% if value.selected %}aria-current="true"{% endif %} data-value="{{ value.value }}">
            <span class="facet-box" aria-hidden="true">{% if value.selected %}☑{% else %}☐{% endif %}</span>
            <span class="facet-label">{{ value.label }}</span>
            <span class="facet-count">{% if not facet.estimated %}{{ value.count }}{% elif value.count %}~{{ value.count|estimate }}<span class="visually-hidden"> (estimate)</span>{% else %}few{% endif %}</span>{% if value.selected %}<span class="visually-hidden"> (chosen; follow to remove)</span>{% endif %}</a></li>
        {% endfor %}
{% endfor %}"""  # noqa: E501

FACET_TAG = """{% load browse_tags %}{% for facet in browse.facets %}
        {% facet_value_items facet %}
{% endfor %}"""


@pytest.fixture
def archive():
    import_paths([SEED_DIR])
    # Everything a page escapes, in every field the list shows.
    council = AuthorityFactory(name="Bath & North East <Somerset>", slug="bath-ne-somerset")
    letter = InspectionFactory(authority=council, letter_date=datetime.date(2024, 3, 9))
    hostile = FindingFactory(
        inspection=letter,
        heading='Heading with <b>tags</b> & "quotes"',
        text="Caseloads <script>alert('x')</script> & " + "more words " * 40,
        recurring=True,
    )
    hostile.themes.add(*Theme.objects.filter(slug__in=["supervision", "caseloads"]))


def as_models(browse) -> SimpleNamespace:
    """The page as the template loop had it: its findings as model instances (the page's
    rows are plain records, selectors.result_rows), each with the page's snippet."""
    rows = browse.page.object_list
    stored = Finding.objects.select_related("inspection__authority").in_bulk(
        [row.pk for row in rows]
    )
    findings = []
    for row in rows:
        finding = stored[row.pk]
        finding.snippet = row.snippet
        findings.append(finding)
    return SimpleNamespace(
        page=SimpleNamespace(object_list=findings), query_string=browse.query_string
    )


def render(source: str, browse, *, can_edit: bool = False) -> str:
    return Template(source).render(Context({"browse": browse, "can_edit": can_edit}))


QUERIES = [
    "",  # no words: each finding's first 60 words
    "q=caseloads",  # snippets
    "q=caseloads&sort=newest&page=2",
    "q=words",
    "q=caseloads&authority=bath-ne-somerset&category=development&region=North+West",
    "year=2024&inspection_type=focused_visit&theme=supervision",
]


@pytest.mark.parametrize("query_string", QUERIES)
@pytest.mark.parametrize("can_edit", [False, True])
def test_result_items_are_the_template_loops_markup(archive, query_string, can_edit):
    browse = browse_findings(QueryDict(query_string))
    assert browse.page.object_list
    expected = render(RESULTS_LOOP, as_models(browse), can_edit=can_edit)
    assert render(RESULTS_TAG, browse, can_edit=can_edit) == expected
    # Still escaped: the hostile finding's text shows, never runs.
    assert "<script>" not in expected and "<b>" not in expected


@pytest.mark.parametrize("query_string", QUERIES)
@pytest.mark.parametrize("estimated", [False, True])
def test_facet_value_items_are_the_template_loops_markup(archive, query_string, estimated):
    browse = browse_findings(QueryDict(query_string))
    for facet in browse.facets:
        facet.estimated = estimated
    if estimated:  # "few" stands for an estimate of 0
        browse.facets[0].values[0].count = 0
    expected = render(FACET_LOOP, browse)
    assert render(FACET_TAG, browse) == expected
    assert "&lt;Somerset&gt;" in expected and "<Somerset>" not in expected
