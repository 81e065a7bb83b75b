"""sitemap.xml: the pages search engines should know: councils, letters, themes, and the lists.

An index of sections, so a section pages itself (50,000 addresses a file) as the archive
grows.
"""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from inspections import selectors
from inspections.models import Inspection, Theme


class ListSitemap(Sitemap):
    changefreq = "daily"

    def items(self) -> list[str]:
        return [
            "inspections:home",
            "inspections:finding-list",
            "inspections:letter-list",
            "inspections:authority-list",
            "inspections:theme-list",
            "api:docs",
        ]

    def location(self, name: str) -> str:
        return reverse(name)


class AuthoritySitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return selectors.authorities()

    def lastmod(self, authority):
        return authority.latest_date


class LetterSitemap(Sitemap):
    changefreq = "yearly"

    def items(self):
        return Inspection.objects.only("pk", "letter_date").order_by("pk")

    def lastmod(self, letter):
        return letter.letter_date


class ThemeSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return Theme.objects.order_by("name")


SITEMAPS = {
    "pages": ListSitemap,
    "councils": AuthoritySitemap,
    "letters": LetterSitemap,
    "themes": ThemeSitemap,
}
