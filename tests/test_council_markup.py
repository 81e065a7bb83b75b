"""The councils list's and a council's page's long lists, built in Python for speed, match
the template loops they replaced, byte for byte: escaping included.

council_tags replaced four loops (at 100,000 letters most of the two pages' time); the loops
are kept here, verbatim, as the reference, and both are rendered from the same data.
"""

import datetime

import pytest
from django.template import Context, Template
from django.urls import reverse

from inspections import authority_page, council_list, selectors
from inspections.models import Category, Theme
from inspections.themes import tagging
from tests.factories import (
    AuthorityFactory,
    FindingFactory,
    InspectionFactory,
    JudgementFactory,
    ReportFactory,
)

pytestmark = pytest.mark.django_db

# authority_detail.html's loops before council_year_rows and council_letter_items, verbatim.
YEARS_LOOP = """{% load grade_tags %}
  {% for year in summary.years %}
    <tr>
      <th scope="row">{{ year.year }}</th>
      <td>{% if year.letters %}<a href="{{ letters_url }}?authority={{ authority.slug }}&amp;year={{ year.year }}">{{ year.letters }}</a>{% else %}0{% endif %}</td>
      <td>{% for label, count in year.types %}{{ count }} {{ label|lower }}{% if not forloop.last %}, {% endif %}{% endfor %}</td>
      <td>{{ year.priority_action }}</td>
      <td>{% if year.overall_grade != "none" %}<span class="grade grade-{{ year.overall_grade }}">{{ year.overall_grade|grade_label }}</span>{% else %}<span class="muted">no report yet</span>{% endif %}</td>
    </tr>
  {% endfor %}"""  # noqa: E501

YEARS_TAG = """{% load council_tags %}
  {% council_year_rows summary.years slug=authority.slug letters_url=letters_url %}"""

LETTERS_LOOP = """{% load grade_tags %}
  {% for letter in letters.object_list %}
    <li>
      <p class="timeline-date"><time datetime="{{ letter.letter_date|date:'Y-m-d' }}">{{ letter.letter_date|date:"j F Y" }}</time></p>
      <p>{% if letter.inspection_type == "ilacs" %}<span class="tag tag-report">report</span> {% endif %}<a href="{{ letter.get_absolute_url }}">{{ letter.get_inspection_type_display }}</a>{% if letter.priority_action %} <span class="tag tag-priority">priority action</span>{% endif %}</p>
      {% if letter.overall_grade != "none" %}<p class="timeline-grades">Overall effectiveness: <span class="grade grade-{{ letter.overall_grade }}">{{ letter.overall_grade|grade_label }}</span></p>{% endif %}
      <ul class="timeline-counts">
        {# Only the categories this letter uses: a focused visit has no strengths section, so "0 strengths" would mislead. #}
        {% if letter.strengths %}<li><a href="{{ findings_url }}?letter={{ letter.pk }}&amp;category=strength">{{ letter.strengths }} strength{{ letter.strengths|pluralize }}</a></li>{% endif %}
        {% if letter.developments %}<li><a href="{{ findings_url }}?letter={{ letter.pk }}&amp;category=development">{{ letter.developments }} area{{ letter.developments|pluralize }} for development</a></li>{% endif %}
        {% if letter.improvements %}<li><a href="{{ findings_url }}?letter={{ letter.pk }}&amp;category=improvement">{{ letter.improvements }} point{{ letter.improvements|pluralize }} to improve</a></li>{% endif %}
        {% if letter.priority_actions %}<li><a href="{{ findings_url }}?letter={{ letter.pk }}&amp;category=priority_action">{{ letter.priority_actions }} priority action{{ letter.priority_actions|pluralize }}</a></li>{% elif letter.inspection_type == "unannounced_cra" %}<li>no priority action</li>{% endif %}
        <li><a href="{{ findings_url }}?letter={{ letter.pk }}">{{ letter.finding_count }} finding{{ letter.finding_count|pluralize }} in all</a></li>
      </ul>
    </li>
  {% empty %}
    <li>No letters yet.</li>
  {% endfor %}"""  # noqa: E501

LETTERS_TAG = """{% load council_tags %}
  {% council_letter_items letters.object_list findings_url=findings_url %}"""

# themes/_recurring.html's loop before recurring_theme_rows, verbatim.
RECURRING_LOOP = """{% load grade_tags %}
    {% for item in recurring %}
      <tr>
        <th scope="row"><a href="{{ item.theme.get_absolute_url }}">{{ item.theme.name }}</a>{% if item.raised_before %} <span class="tag tag-recurring">raised before</span>{% endif %}</th>
        <td>
          {# The latest few letters only: a council of 700 letters would list hundreds here; the link lists every such finding. #}
          <p>{{ item.letter_count }} letter{{ item.letter_count|pluralize }}{% if item.letter_count > item.latest_letters|length %}, the latest {{ item.latest_letters|length }} below{% endif %} · <a href="{{ findings_url }}?authority={{ authority.slug }}&amp;theme={{ item.theme.slug }}&amp;category=development&amp;category=priority_action">every such finding</a></p>
          <ul class="recurring-letters">
          {% for letter in item.latest_letters %}
            <li><a href="{{ letter.url }}">{{ letter.label }}</a>: {{ letter.finding_count }} finding{{ letter.finding_count|pluralize }}{% if letter.raised_before %}, said to be raised before{% endif %}</li>
          {% endfor %}
          </ul>
        </td>
        <td>{{ item.year_spans }}</td>
      </tr>
    {% endfor %}"""  # noqa: E501

RECURRING_TAG = """{% load council_tags %}
    {% recurring_theme_rows recurring slug=authority.slug findings_url=findings_url %}"""

# authority_list.html's loop before authority_rows, verbatim.
AUTHORITIES_LOOP = """{% load grade_tags %}
  {% for authority in authorities %}
    <tr>
      <td><a href="{{ authority.get_absolute_url }}">{{ authority.name }}</a>{% if authority.needs_review %} <span class="tag">unconfirmed</span>{% endif %}{% if authority.end_date %} <span class="muted">(until {{ authority.end_date|date:"Y" }})</span>{% endif %}</td>
      <td>{{ authority.region }}</td>
      <td>{{ authority.letter_count }}</td>
      <td><a href="{% url 'inspections:letter-detail' authority.latest_id %}"><time datetime="{{ authority.latest_date|date:'Y-m-d' }}">{{ authority.latest_date|date:"j M Y" }}</time></a></td>
      <td>{% if authority.latest_grade != "none" %}<span class="grade grade-{{ authority.latest_grade }}">{{ authority.latest_grade|grade_label }}</span>{% else %}<span class="muted">no report</span>{% endif %}</td>
    </tr>
  {% endfor %}"""  # noqa: E501

AUTHORITIES_TAG = """{% load council_tags %}
  {% authority_rows authorities %}"""

HOSTILE = 'Bath & North East <Somerset> "Council"'


@pytest.fixture
def council():
    """A council whose every shown field needs escaping, with letters of every kind: a
    report with its grade, visits with strengths, weaknesses raised before and priority
    actions, an unannounced visit with none, a letter of one finding, years without letters."""
    council = AuthorityFactory(
        name=HOSTILE,
        slug="bath-ne-somerset",
        region="South <West> & more",
        needs_review=True,
        end_date=datetime.date(2023, 4, 1),
    )
    for number in range(25):
        letter = InspectionFactory(
            authority=council,
            letter_date=datetime.date(2012 + number // 4 * 2, number % 12 + 1, 3),
            inspection_type=["focused_visit", "monitoring_visit", "unannounced_cra"][number % 3],
            priority_action=number % 5 == 0,
        )
        FindingFactory(inspection=letter, text="Supervision is irregular.", recurring=number == 7)
        if number % 2:
            FindingFactory(inspection=letter, category=Category.STRENGTH, text="Leaders care.")
            FindingFactory(inspection=letter, category=Category.STRENGTH, text="Leaders act.")
        if number % 5 == 0:
            FindingFactory(
                inspection=letter, category=Category.PRIORITY_ACTION, text="Caseloads are high."
            )
        if number % 4 == 0:
            FindingFactory(inspection=letter, category=Category.IMPROVEMENT, text="Plans drift.")
    report = ReportFactory(authority=council, letter_date=datetime.date(2016, 6, 20))
    JudgementFactory(inspection=report, grade="requires_improvement")
    tagging.tag_findings()
    Theme.objects.filter(slug="supervision").update(name='Supervision <b>& "oversight"</b>')
    return council


def render(source: str, **context) -> str:
    return Template(source).render(Context(context))


def page_context(council, page: str | None) -> dict:
    overview = authority_page.overview(council)
    letters, _ = authority_page.letters_page(council, asked=page, count=overview.summary.letters)
    return {
        "authority": council,
        "summary": overview.summary,
        "letters": letters,
        "recurring": overview.recurring,
        "findings_url": reverse("inspections:finding-list"),
        "letters_url": reverse("inspections:letter-list"),
    }


@pytest.mark.parametrize("page", [None, "2"])
def test_council_page_lists_are_the_template_loops_markup(council, page):
    context = page_context(council, page)
    assert context["recurring"] and len(context["summary"].years) > 10
    for loop, tag in [
        (YEARS_LOOP, YEARS_TAG),
        (LETTERS_LOOP, LETTERS_TAG),
        (RECURRING_LOOP, RECURRING_TAG),
    ]:
        expected = render(loop, **context)
        assert render(tag, **context) == expected
        assert "<Somerset>" not in expected and "<b>" not in expected
    letters = render(LETTERS_LOOP, **context)
    assert "report</span>" in letters or page == "2"  # the report is on the first page
    assert "no priority action" in letters and "1 finding in all" in letters


def test_a_council_without_letters_says_so_the_same_way():
    council = AuthorityFactory(name=HOSTILE, slug="empty")
    context = page_context(council, None)
    expected = render(LETTERS_LOOP, **context)
    assert "No letters yet." in expected
    assert render(LETTERS_TAG, **context) == expected


def test_councils_list_is_the_template_loops_markup(council):
    other = AuthorityFactory(name="Plain", slug="plain")
    InspectionFactory(authority=other, letter_date=datetime.date(2024, 2, 29))
    # The loop over the models the page once read; the tag over the rows it reads now.
    expected = render(AUTHORITIES_LOOP, authorities=selectors.authorities())
    assert render(AUTHORITIES_TAG, authorities=council_list.council_rows()) == expected
    assert "&lt;Somerset&gt;" in expected and "&lt;West&gt;" in expected
    assert "unconfirmed" in expected and "(until 2023)" in expected
    assert "Requires improvement" in expected and "no report" in expected
