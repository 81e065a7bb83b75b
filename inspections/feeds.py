"""Atom feeds: for any findings or letters search, each council, each theme, and all letters.

A search's feed takes the same query string as its page and lists the same results, newest
first whatever the page's order (a feed reader wants what is new). Each entry links to its
finding or letter on the site, and a finding's entry to its letter too (rel="related").
"""

import datetime
from urllib.parse import urlencode, urljoin

from django.contrib.syndication.views import Feed
from django.http import QueryDict
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from inspections import selectors
from inspections.filters import FindingFilter, LetterFilter
from inspections.models import Authority, Finding, Inspection, Theme
from inspections.search import normalise_query

ENTRIES = 50
SITE = "Inspection letters archive"


class LinkedAtomFeed(Atom1Feed):
    """Atom with a second link per entry: a finding's letter."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("related_link"):
            href = urljoin(self.feed["link"], item["related_link"])
            handler.addQuickElement("link", "", {"rel": "related", "href": href})


class ArchiveFeed(Feed):
    feed_type = LinkedAtomFeed
    author_name = SITE

    def item_pubdate(self, item):
        # The letter's date: when Ofsted wrote, which is what a follower wants to know.
        return datetime.datetime.combine(_letter(item).letter_date, datetime.time(), datetime.UTC)

    def item_updateddate(self, item):
        return _letter(item).imported_at


def _letter(item) -> Inspection:
    return item.inspection if isinstance(item, Finding) else item


class FindingItems:
    """Entries that are findings: titled by council and category, linked to their letter."""

    def item_title(self, finding: Finding) -> str:
        letter = finding.inspection
        return (
            f"{letter.authority.name}, {letter.letter_date:%-d %B %Y}: "
            f"{finding.get_category_display()}"
        )

    def item_description(self, finding: Finding) -> str:
        return finding.text

    def item_link(self, finding: Finding) -> str:
        return finding.get_absolute_url()

    def item_extra_kwargs(self, finding: Finding) -> dict:
        return {"related_link": finding.inspection.get_absolute_url()}

    def item_categories(self, finding: Finding) -> list[str]:
        return [finding.get_category_display(), *(theme.name for theme in finding.themes.all())]


class LetterItems:
    """Entries that are letters or reports."""

    def item_title(self, letter: Inspection) -> str:
        return f"{letter.authority.name}: {letter.title}"

    def item_description(self, letter: Inspection) -> str:
        return (
            f"{letter.get_inspection_type_display()} of {letter.authority.name}, "
            f"{letter.letter_date:%-d %B %Y}."
        )

    def item_link(self, letter: Inspection) -> str:
        return letter.get_absolute_url()

    def item_categories(self, letter: Inspection) -> list[str]:
        return [letter.get_inspection_type_display()]


def _newest_first(data: QueryDict) -> QueryDict:
    data = data.copy()
    data["sort"] = "newest"
    return data


def _search_words(data) -> str:
    query = normalise_query(data.get("q"))
    return f" matching “{query}”" if query else ""


class FindingSearchFeed(FindingItems, ArchiveFeed):
    """The findings a search of the Findings page lists, newest first."""

    def get_object(self, request):
        return request.GET

    def title(self, data) -> str:
        return f"Findings{_search_words(data)} · {SITE}"

    def subtitle(self, data) -> str:
        return "New findings in Ofsted's letters for this search of the archive."

    def link(self, data) -> str:
        return _with_query(reverse("inspections:finding-list"), data)

    def feed_url(self, data) -> str:
        return _with_query(reverse("inspections:finding-feed"), data)

    def items(self, data):
        findings = FindingFilter(_newest_first(data), queryset=selectors.api_findings()).qs
        return findings[:ENTRIES]


class LetterSearchFeed(LetterItems, ArchiveFeed):
    """The letters a search of the Letters page lists, newest first."""

    def get_object(self, request):
        return request.GET

    def title(self, data) -> str:
        return f"Letters{_search_words(data)} · {SITE}"

    def subtitle(self, data) -> str:
        return "New letters and reports from Ofsted for this search of the archive."

    def link(self, data) -> str:
        return _with_query(reverse("inspections:letter-list"), data)

    def feed_url(self, data) -> str:
        return _with_query(reverse("inspections:letter-feed"), data)

    def items(self, data):
        return LetterFilter(_newest_first(data), queryset=selectors.api_letters()).qs[:ENTRIES]


class AuthorityFeed(LetterItems, ArchiveFeed):
    """A council's letters and reports, newest first."""

    def get_object(self, request, slug: str):
        return get_object_or_404(Authority, slug=slug)

    def title(self, authority: Authority) -> str:
        return f"{authority.name}: Ofsted letters · {SITE}"

    def subtitle(self, authority: Authority) -> str:
        return f"Ofsted's letters and reports about {authority.name}'s children's services."

    def link(self, authority: Authority) -> str:
        return authority.get_absolute_url()

    def items(self, authority: Authority):
        return (
            selectors.api_letters()
            .filter(authority=authority)
            .order_by("-letter_date", "-pk")[:ENTRIES]
        )


class ThemeFeed(FindingItems, ArchiveFeed):
    """Findings tagged with a theme, newest first."""

    def get_object(self, request, slug: str):
        return get_object_or_404(Theme, slug=slug)

    def title(self, theme: Theme) -> str:
        return f"{theme.name}: findings · {SITE}"

    def subtitle(self, theme: Theme) -> str:
        return theme.description or f"Findings about {theme.name.lower()} in Ofsted's letters."

    def link(self, theme: Theme) -> str:
        return theme.get_absolute_url()

    def items(self, theme: Theme):
        data = QueryDict(mutable=True)
        data["theme"] = theme.slug
        data = _newest_first(data)
        return FindingFilter(data, queryset=selectors.api_findings()).qs[:ENTRIES]


class LatestFeed(LetterItems, ArchiveFeed):
    """Every letter and report as it is added to the archive, newest addition first."""

    title = f"New letters and reports · {SITE}"
    subtitle = "Ofsted's letters and reports about councils' children's services, as added."

    def link(self) -> str:
        return reverse("inspections:home")

    def items(self):
        return selectors.api_letters().order_by("-imported_at", "-pk")[:ENTRIES]


def _with_query(path: str, data) -> str:
    params = [(name, value) for name in data for value in data.getlist(name) if name != "page"]
    return f"{path}?{urlencode(params)}" if params else path
