"""Template tags every page uses: its canonical address."""

from django import template

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
