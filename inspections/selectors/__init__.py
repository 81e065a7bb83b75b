"""Reads: what the pages show, in one place, by job.

- `letters`: letters and councils (lists, a letter, the archive's counts), the data version
  and the API's querysets;
- `theme_pages`: the theme pages (counts, years, where a theme comes up most);
- `recurring`: a council's recurring weaknesses;
- `result_rows`: the rows of one page of the findings page's results;
- `theme_evidence`: results' themes, and why a theme was tagged (the admin).

Callers use `selectors.<name>`: the package exposes every public read here.
"""

from inspections.selectors.letters import (
    ADVERSE,
    CATEGORY_HEADINGS,
    FINDING_TEXT_FIELDS,
    LETTER_TEXT_FIELDS,
    DataVersion,
    api_findings,
    api_letters,
    api_letters_with_findings,
    api_themes,
    archive_counts,
    authorities,
    authority_letters,
    data_version,
    findings_by_category,
    latest_letters,
    letter_with_findings,
    letters,
    with_finding_counts,
)
from inspections.selectors.recurring import (
    RECURRING_LATEST_LETTERS,
    RecurringTheme,
    ThemeLetter,
    recurring_themes,
)
from inspections.selectors.result_rows import ResultFinding, result_findings
from inspections.selectors.theme_evidence import (
    ThemeEvidence,
    matching_rules,
    theme_evidence,
    themes_for_findings,
)
from inspections.selectors.theme_pages import (
    AuthorityCount,
    ThemeCounts,
    YearCounts,
    findings_per_year,
    latest_theme_findings,
    letters_per_authority,
    theme_counts,
    theme_top_authorities,
    theme_year_series,
)

__all__ = [
    "ADVERSE",
    "AuthorityCount",
    "CATEGORY_HEADINGS",
    "DataVersion",
    "FINDING_TEXT_FIELDS",
    "LETTER_TEXT_FIELDS",
    "RECURRING_LATEST_LETTERS",
    "RecurringTheme",
    "ResultFinding",
    "ThemeCounts",
    "ThemeEvidence",
    "ThemeLetter",
    "YearCounts",
    "api_findings",
    "api_letters",
    "api_letters_with_findings",
    "api_themes",
    "archive_counts",
    "authorities",
    "authority_letters",
    "data_version",
    "findings_by_category",
    "findings_per_year",
    "latest_letters",
    "latest_theme_findings",
    "letter_with_findings",
    "letters",
    "letters_per_authority",
    "matching_rules",
    "recurring_themes",
    "result_findings",
    "theme_counts",
    "theme_evidence",
    "theme_top_authorities",
    "theme_year_series",
    "themes_for_findings",
    "with_finding_counts",
]
