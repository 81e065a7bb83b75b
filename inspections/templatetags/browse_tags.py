"""Template filters for the findings and letters pages."""

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma

from inspections.facets import about

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
