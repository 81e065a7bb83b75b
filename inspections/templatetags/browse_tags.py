"""Template filters for the findings and letters pages."""

import html

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import truncatewords
from django.urls import reverse
from django.utils.dateformat import DateFormat
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from inspections.facets import Facet, about
from inspections.models import Category, InspectionType

register = template.Library()


def escape(text) -> str:
    """django.utils.html.escape's text, without its check of every argument for a lazy
    string (keep_lazy): ~470 calls a result page, ~1 ms of a rare word's ~25."""
    return html.escape(str(text))


@register.filter
def estimate(count: int) -> str:
    """An estimated count as the page shows it, rounded to what a sample can tell: 7,300."""
    return intcomma(about(count))


@register.filter
def quoted(query: str) -> str:
    """A query between curly quotes, its own straight quotes made typographic, never doubled:
    `"management oversight"` reads “management oversight”, `"a b" c` reads “‘a b’ c”."""
    query = query.strip()
    inner = query[1:-1]
    if len(query) > 1 and query[0] == query[-1] == '"' and '"' not in inner:
        return f"“{inner}”"
    parts = query.split('"')
    # Odd-numbered parts were inside straight quotes; an unclosed one is left as it was.
    if len(parts) % 2 == 0:
        return f"“{query}”"
    nested = "".join(f"‘{part}’" if index % 2 else part for index, part in enumerate(parts))
    return f"“{nested}”"


# One facet value's list item. A facet lists up to 160 values (the councils); through the
# template language each took a dozen variable look-ups and tag renders, most of the
# page's template time: the same markup, escaped the same way, in one pass.
_VALUE_ITEM = (
    "\n          "
    '<li><a href="?{query}" class="facet-value{selected_class}" {current} data-value="{value}">'
    "\n            "
    '<span class="facet-box" aria-hidden="true">{box}</span>'
    "\n            "
    '<span class="facet-label">{label}</span>'
    "\n            "
    '<span class="facet-count">{count}</span>{chosen}</a></li>'
    "\n        "
)


@register.simple_tag
def facet_value_items(facet: Facet) -> SafeString:
    """The `<li>` of each of the facet's values: its link, name and count (_facets.html)."""
    items = []
    for value in facet.values:
        selected = value.selected
        if not facet.estimated:
            count = str(value.count)
        elif value.count:
            count = f'~{estimate(value.count)}<span class="visually-hidden"> (estimate)</span>'
        else:
            count = "few"
        items.append(
            _VALUE_ITEM.format(
                query=escape(value.toggle_query),
                selected_class=" is-selected" if selected else "",
                current='aria-current="true"' if selected else "",
                value=escape(value.value),
                box="☑" if selected else "☐",
                label=escape(value.label),
                count=count,
                chosen='<span class="visually-hidden"> (chosen; follow to remove)</span>'
                if selected
                else "",
            )
        )
    return mark_safe("".join(items))


# One finding of the result list (finding_list.html), byte for byte what its template loop
# gave (tests/test_browse_markup.py keeps that loop to compare); `text` is its snippet
# (marked up already) or its first 60 words, escaped.
_RESULT_ITEM = (
    "\n      "  # where the loop's {% with %} stood
    + """
      <li class="result">
        <p class="result-meta">
          <a href="{council_url}">{council}</a>
          · <time datetime="{iso_date}">{short_date}</time>
          · {inspection_type}
          · <span class="cat-{category}">{category_label}</span>{recurring}
        </p>
        {heading}
        <p class="result-text">{text}</p>
        <p class="result-links">
          <a href="{letter_url}?{query_string}#finding-{position}">Read in the letter<span \
class="visually-hidden">: {council}, {long_date}</span></a>
          {themes}
          {edit}
        </p>
      </li>
      """
    + "\n    "  # and its {% endwith %}
)


@register.simple_tag
def finding_result_items(findings, *, query_string: str, can_edit: bool) -> SafeString:
    """The `<li>` of each finding of a result page (browse.browse_findings'): its council,
    date, type and category, snippet, link into its letter (keeping `query_string`), themes
    (`tagged_themes`) and, for editors, the admin's edit link. Built in one pass, like
    facet_value_items: through the template language the twenty took two dozen look-ups,
    three dates and two reverse() each."""
    council_urls: dict[int, str] = {}
    dates: dict[object, tuple[str, ...]] = {}
    # Every letter's address is the same but for its id: built once, filled in per finding.
    letter_url = escape(reverse("inspections:letter-detail", args=[0])).replace("/0/", "/{}/")
    type_labels = dict(InspectionType.choices)
    category_labels = dict(Category.choices)
    query_string = escape(query_string)
    items = []
    for finding in findings:
        letter = finding.inspection
        council = letter.authority
        if council.pk not in council_urls:
            council_urls[council.pk] = escape(council.get_absolute_url())
        if finding.snippet:
            text = conditional_escape(finding.snippet)
        else:
            text = escape(truncatewords(finding.text, 60))
        themes = "".join(
            f'<a class="tag" href="?theme={escape(slug)}">{escape(name)}</a>'
            for slug, name in finding.tagged_themes
        )
        edit = ""
        if can_edit:
            edit_url = reverse("admin:inspections_finding_change", args=[finding.pk])
            edit = (
                f' · <a class="edit-link" href="{escape(edit_url)}">edit<span '
                'class="visually-hidden"> this finding in the admin</span></a>'
            )
        if letter.letter_date not in dates:
            # As the template's date filter formats them (DateFormat), without its
            # look-ups; once a date (a letter's findings share it).
            formatted = DateFormat(letter.letter_date)
            dates[letter.letter_date] = tuple(
                escape(formatted.format(form)) for form in ("Y-m-d", "j M Y", "j F Y")
            )
        iso_date, short_date, long_date = dates[letter.letter_date]
        items.append(
            _RESULT_ITEM.format(
                council_url=council_urls[council.pk],
                council=escape(council.name),
                iso_date=iso_date,
                short_date=short_date,
                long_date=long_date,
                inspection_type=escape(
                    type_labels.get(letter.inspection_type, letter.inspection_type)
                ),
                category=escape(finding.category),
                category_label=escape(category_labels.get(finding.category, finding.category)),
                recurring=' <span class="tag tag-recurring">raised before</span>'
                if finding.recurring
                else "",
                heading=f'<p class="result-heading">{escape(finding.heading)}</p>'
                if finding.heading
                else "",
                text=text,
                letter_url=letter_url.format(letter.pk),
                query_string=query_string,
                position=finding.position,
                themes=f" · Themes: {themes}" if themes else "",
                edit=edit,
            )
        )
    return mark_safe("".join(items))
