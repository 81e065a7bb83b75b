"""Theme pages: thin views over the selectors in inspections.themes."""

from urllib.parse import urlencode

from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from inspections import themes
from inspections.caching import cached_page
from inspections.models import Theme


@cached_page
def theme_list(request):
    return render(request, "inspections/themes/theme_list.html", {"themes": themes.theme_counts()})


@cached_page
def theme_detail(request, slug: str):
    theme = get_object_or_404(Theme, slug=slug)
    findings_url = f"{reverse('inspections:finding-list')}?{urlencode({'theme': theme.slug})}"
    context = {
        "theme": theme,
        "rules": themes.rule_lines(theme.rules),
        "series": themes.theme_year_series(theme),
        "top_authorities": themes.theme_top_authorities(theme),
        "latest_findings": themes.latest_theme_findings(theme),
        "findings_url": findings_url,
    }
    return render(request, "inspections/themes/theme_detail.html", context)
