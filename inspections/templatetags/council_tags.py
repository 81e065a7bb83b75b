"""The councils list and a council's page: their long lists built in one pass each.

Through the template language each row of these lists took a dozen variable look-ups, a
date filter or two and a reverse(): at 100,000 letters, most of the two pages' time. Each
tag gives, byte for byte, what its template loop gave (tests/test_council_markup.py keeps
the loops to compare), every value from the database escaped the same way.
"""

from django import template
from django.urls import reverse
from django.utils.dateformat import DateFormat
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from inspections import grades
from inspections.models import InspectionType

register = template.Library()

REPORT = InspectionType.ILACS.value


def _plural(count: int) -> str:
    return "" if count == 1 else "s"


def _url_pattern(name: str, placeholder) -> str:
    """The escaped address of `name` with its one argument left as `{}`: every council's,
    letter's or theme's address is the same but for it, so it is reversed once a page."""
    return escape(reverse(name, args=[placeholder])).replace(f"/{placeholder}/", "/{}/")


def _grade(grade: str) -> str:
    return f'<span class="grade grade-{escape(grade)}">{escape(grades.grade_label(grade))}</span>'


def _grade_or(grade: str, ungraded: str) -> str:
    """The grade's badge, or `ungraded` (markup) where no report has graded it."""
    return ungraded if grade == grades.NO_GRADE else _grade(grade)


# --- The councils list (authority_list.html) -----------------------------------------------

_AUTHORITY_ROW = """
    <tr>
      <td><a href="{url}">{name}</a>{review}{until}</td>
      <td>{region}</td>
      <td>{letters}</td>
      <td><a href="{letter_url}"><time datetime="{iso_date}">{short_date}</time></a></td>
      <td>{grade}</td>
    </tr>
  """


@register.simple_tag
def authority_rows(authorities) -> SafeString:
    """A `<tr>` per council (selectors.authorities' rows): its link, region, letters, latest
    letter and latest overall effectiveness grade."""
    council_url = _url_pattern("inspections:authority-detail", "0")
    letter_url = _url_pattern("inspections:letter-detail", 0)
    rows = []
    for authority in authorities:
        latest = DateFormat(authority.latest_date)
        rows.append(
            _AUTHORITY_ROW.format(
                url=council_url.format(escape(authority.slug)),
                name=escape(authority.name),
                review=' <span class="tag">unconfirmed</span>' if authority.needs_review else "",
                until=f' <span class="muted">(until {DateFormat(authority.end_date).format("Y")})'
                "</span>"
                if authority.end_date
                else "",
                region=escape(authority.region),
                letters=authority.letter_count,
                letter_url=letter_url.format(authority.latest_id),
                iso_date=latest.format("Y-m-d"),
                short_date=latest.format("j M Y"),
                grade=_grade_or(authority.latest_grade, '<span class="muted">no report</span>'),
            )
        )
    return mark_safe("".join(rows))


# --- A council's page (authority_detail.html) ----------------------------------------------

_YEAR_ROW = """
    <tr>
      <th scope="row">{year}</th>
      <td>{letters}</td>
      <td>{types}</td>
      <td>{priority_action}</td>
      <td>{grade}</td>
    </tr>
  """


@register.simple_tag
def council_year_rows(years, *, slug: str, letters_url: str) -> SafeString:
    """A `<tr>` per year (authority_page.YearRow): its letters, linked to the letters page,
    by type, those naming a priority action, and the overall grade at the year's end."""
    link = f"{escape(letters_url)}?authority={escape(slug)}&amp;year="
    rows = []
    for year in years:
        rows.append(
            _YEAR_ROW.format(
                year=year.year,
                letters=f'<a href="{link}{year.year}">{year.letters}</a>' if year.letters else "0",
                types=", ".join(f"{count} {escape(label.lower())}" for label, count in year.types),
                priority_action=year.priority_action,
                grade=_grade_or(year.overall_grade, '<span class="muted">no report yet</span>'),
            )
        )
    return mark_safe("".join(rows))


_LETTER_ITEM = """
    <li>
      <p class="timeline-date"><time datetime="{iso_date}">{long_date}</time></p>
      <p>{report}<a href="{url}">{type_label}</a>{priority}</p>
      {grade}
      <ul class="timeline-counts">
        \n        {strengths}
        {developments}
        {improvements}
        {priority_actions}
        <li><a href="{findings}">{finding_count} finding{findings_plural} in all</a></li>
      </ul>
    </li>
  """


def _count_item(count: int, findings: str, category: str, label: str) -> str:
    # Only the categories the letter uses: a focused visit has no strengths section, so
    # "0 strengths" would mislead.
    if not count:
        return ""
    return f'<li><a href="{findings}&amp;category={category}">{count} {label}</a></li>'


@register.simple_tag
def council_letter_items(letters, *, findings_url: str) -> SafeString:
    """An `<li>` per letter of the page (selectors.with_finding_counts'): its date, type,
    grade and its findings counted by category, each count linked to the findings page."""
    if not letters:
        return mark_safe("\n    <li>No letters yet.</li>\n  ")
    letter_url = _url_pattern("inspections:letter-detail", 0)
    findings_url = escape(findings_url)
    type_labels = dict(InspectionType.choices)
    items = []
    for letter in letters:
        date = DateFormat(letter.letter_date)
        findings = f"{findings_url}?letter={letter.pk}"
        if letter.priority_actions:
            priority_actions = _count_item(
                letter.priority_actions,
                findings,
                "priority_action",
                f"priority action{_plural(letter.priority_actions)}",
            )
        elif letter.inspection_type == InspectionType.UNANNOUNCED_CRA:
            priority_actions = "<li>no priority action</li>"
        else:
            priority_actions = ""
        items.append(
            _LETTER_ITEM.format(
                iso_date=date.format("Y-m-d"),
                long_date=date.format("j F Y"),
                report='<span class="tag tag-report">report</span> '
                if letter.inspection_type == REPORT
                else "",
                url=letter_url.format(letter.pk),
                type_label=escape(type_labels.get(letter.inspection_type, letter.inspection_type)),
                priority=' <span class="tag tag-priority">priority action</span>'
                if letter.priority_action
                else "",
                grade='<p class="timeline-grades">Overall effectiveness: '
                f"{_grade(letter.overall_grade)}</p>"
                if letter.overall_grade != grades.NO_GRADE
                else "",
                strengths=_count_item(
                    letter.strengths,
                    findings,
                    "strength",
                    f"strength{_plural(letter.strengths)}",
                ),
                developments=_count_item(
                    letter.developments,
                    findings,
                    "development",
                    f"area{_plural(letter.developments)} for development",
                ),
                improvements=_count_item(
                    letter.improvements,
                    findings,
                    "improvement",
                    f"point{_plural(letter.improvements)} to improve",
                ),
                priority_actions=priority_actions,
                findings=findings,
                finding_count=letter.finding_count,
                findings_plural=_plural(letter.finding_count),
            )
        )
    return mark_safe("".join(items))


_RECURRING_ROW = """
      <tr>
        <th scope="row"><a href="{url}">{name}</a>{raised_before}</th>
        <td>
          \n          <p>{letter_count} letter{letters_plural}{latest} · <a href="{findings}">\
every such finding</a></p>
          <ul class="recurring-letters">
          {letters}
          </ul>
        </td>
        <td>{years}</td>
      </tr>
    """

_RECURRING_LETTER = """
            <li><a href="{url}">{label}</a>: {count} finding{plural}{raised_before}</li>
          """


@register.simple_tag
def recurring_theme_rows(recurring, *, slug: str, findings_url: str) -> SafeString:
    """A `<tr>` per recurring weakness (selectors.recurring_themes'): its theme, its letters
    counted with the latest few listed, a link to every such finding, and its years.

    The latest few letters only: a council of 700 letters would list hundreds here; the
    link lists every such finding."""
    theme_url = _url_pattern("inspections:theme-detail", "0")
    findings = f"{escape(findings_url)}?authority={escape(slug)}&amp;theme="
    rows = []
    for item in recurring:
        shown = len(item.latest_letters)
        letters = "".join(
            _RECURRING_LETTER.format(
                url=escape(letter.url),
                label=escape(letter.label),
                count=letter.finding_count,
                plural=_plural(letter.finding_count),
                raised_before=", said to be raised before" if letter.raised_before else "",
            )
            for letter in item.latest_letters
        )
        theme_slug = escape(item.theme.slug)
        rows.append(
            _RECURRING_ROW.format(
                url=theme_url.format(theme_slug),
                name=escape(item.theme.name),
                raised_before=' <span class="tag tag-recurring">raised before</span>'
                if item.raised_before
                else "",
                letter_count=item.letter_count,
                letters_plural=_plural(item.letter_count),
                latest=f", the latest {shown} below" if item.letter_count > shown else "",
                findings=f"{findings}{theme_slug}&amp;category=development"
                "&amp;category=priority_action",
                letters=letters,
                years=escape(item.year_spans),
            )
        )
    return mark_safe("".join(rows))
