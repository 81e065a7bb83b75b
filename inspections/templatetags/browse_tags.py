"""Template filters for the findings and letters pages."""

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from inspections.facets import Facet, about

register = template.Library()


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
# template language each took a dozen variable look-ups and tag renders, about a third of
# a rare word's page at 100,000 letters: the same markup, escaped the same way, in one pass.
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
