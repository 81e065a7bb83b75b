"""Template tags every page uses (its canonical address), and the API documentation's."""

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def canonical_url(context, query: str = "") -> str:
    """This page's address without its query string, or with `query` (the state that
    matters, in a fixed order); empty where the page was rendered without a request."""
    request = context.get("request")
    if request is None:
        return ""
    url = request.build_absolute_uri(request.path)
    return f"{url}?{query}" if query else url


@register.filter
def code_spans(text: str) -> SafeString:
    """Text from the schema, escaped, with its `backticked` words as <code>."""
    parts = escape(text).split("`")
    # Even parts are prose; odd ones were between backticks (an unpaired one stays as is).
    if len(parts) % 2 == 0:
        return mark_safe(escape(text))
    return mark_safe(
        "".join(f"<code>{part}</code>" if index % 2 else part for index, part in enumerate(parts))
    )
