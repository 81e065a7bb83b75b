"""Reads of findings' themes: a page's results' themes, and why a theme was tagged."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connections

from inspections.models import (
    Finding,
    FindingTheme,
    Theme,
)
from inspections.routers import read_alias
from inspections.themes.features import finding_features
from inspections.themes.model import theme_model
from inspections.themes.rules import compile_rules, compiled_query
from inspections.themes.tagging import TEXT_VECTOR, finding_scores


def themes_for_findings(finding_ids: Iterable[int]) -> dict[int, list[Theme]]:
    """Each finding's themes by name, in one query (findings without themes are absent)."""
    themes: dict[int, list[Theme]] = defaultdict(list)
    rows = (
        FindingTheme.objects.filter(finding_id__in=list(finding_ids))
        .select_related("theme")
        .order_by("theme__name")
    )
    for row in rows:
        themes[row.finding_id].append(row.theme)
    return dict(themes)


def matching_rules(*, finding: Finding, theme: Theme) -> list[str]:
    """Why the rules give a finding a theme: the rule lines its text matches, in order."""
    rules = [rule for rule in compile_rules(theme.rules) if rule.query and not rule.exclude]
    if not rules:
        return []
    with connections[read_alias(Finding)].cursor() as cursor:
        cursor.execute(
            "SELECT r.n FROM unnest(%s::tsquery[]) WITH ORDINALITY AS r(query, n),"
            f" {Finding._meta.db_table} f WHERE f.id = %s AND {TEXT_VECTOR} @@ r.query"
            " ORDER BY r.n",
            [[rule.query for rule in rules], finding.pk],
        )
        return [rules[n - 1].line for (n,) in cursor.fetchall()]


@dataclass(frozen=True)
class ThemeEvidence:
    """Why the tagger gives a finding a theme: what an editor needs to correct it."""

    rule_lines: list[str]  # the theme's rule lines the text matches
    modelled: bool  # False: the model does not know the theme, its rules alone tag it
    score: float | None = None  # the model's, as tagging computes it in SQL
    threshold: float = 0.0
    words: list[tuple[str, float]] = field(default_factory=list)  # heaviest first
    rules: list[tuple[str, float]] = field(default_factory=list)  # themes whose rules matched


def theme_evidence(*, finding: Finding, theme: Theme) -> ThemeEvidence:
    """The rule lines that match and, for a modelled theme, its score and heaviest words."""
    lines = matching_rules(finding=finding, theme=theme)
    model = theme_model()
    if theme.slug not in model:
        return ThemeEvidence(rule_lines=lines, modelled=False)
    weights = model.themes[theme.slug]
    themes = Theme.objects.filter(slug__in=weights.rules).values_list("slug", "rules")
    queries = {slug: compiled_query(rules) for slug, rules in themes}
    [features] = finding_features(
        [finding.pk],
        queries,
        opening_positions=model.opening_positions,
        using=read_alias(Finding),
    )
    return ThemeEvidence(
        rule_lines=lines,
        modelled=True,
        score=finding_scores([finding.pk]).get((finding.pk, theme.slug)),
        threshold=model.threshold,
        words=model.heaviest_words(theme.slug, set(features.lexemes), set(features.opening)),
        rules=sorted(
            ((hit, weights.rules[hit]) for hit in features.rule_hits if hit in weights.rules),
            key=lambda item: -abs(item[1]),
        ),
    )
