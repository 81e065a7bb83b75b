"""Template filters for the findings and letters pages."""

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma

from inspections.facets import about

register = template.Library()


@register.filter
def estimate(count: int) -> str:
    """An estimated count as the page shows it, rounded to what a sample can tell: 7,300."""
    return intcomma(about(count))
