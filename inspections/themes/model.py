"""The trained theme model: a sparse linear model per theme, read from a JSON file.

A finding's features are the stemmed lexemes of its text (the stored search vector's
weight A, `to_tsvector('english', ...)`: the same stemming the rules see), the lexemes of
its opening words (those at one of the vector's first `opening_positions` positions: a
finding's subject is mostly named first, a passing mention later) and which themes' rules
match it. A theme's score is its intercept plus the weight of each feature the finding
has; the finding gets the theme when the score is above the model's threshold.

The weights are trained by `manage.py train_themes` (inspections.themes.train) from the
labelled findings in tests/theme_labels/ and editors' corrections; scoring needs nothing
but this file and PostgreSQL (tagging.py scores in SQL to re-tag, and here, with the same
additions, the findings an import adds), so scikit-learn is not needed at run time. A
theme the file does not name (one an admin added) is tagged by its rules alone.

The file is `settings.THEME_MODEL_FILE`; empty, and every theme is tagged by its rules.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

from django.conf import settings


@dataclass(frozen=True)
class ThemeWeights:
    intercept: float
    words: dict[str, float] = field(default_factory=dict)  # lexeme: weight
    rules: dict[str, float] = field(default_factory=dict)  # slug of a theme whose rules match
    opening: dict[str, float] = field(default_factory=dict)  # lexeme in the opening words


@dataclass(frozen=True)
class ThemeModel:
    threshold: float = 0.0
    themes: dict[str, ThemeWeights] = field(default_factory=dict)  # slug: its weights
    # A lexeme is one of the opening words when it is at one of the text vector's first
    # this many positions (stop words count, so it is about the first that many words).
    opening_positions: int = 0

    def score(
        self, slug: str, *, lexemes: set[str], opening: set[str], rule_hits: set[str]
    ) -> float | None:
        """The theme's score for these features; None when none of them weighs (no tag)."""
        return self.scores(lexemes=lexemes, opening=opening, rule_hits=rule_hits).get(slug)

    def scores(
        self, *, lexemes: Iterable[str], opening: Iterable[str], rule_hits: Iterable[str]
    ) -> dict[str, float]:
        """Every modelled theme's score for these features, where any of them weighs.

        Summed in the order tagging's SQL sums them (the words, then the opening words,
        each in lexeme order, then the rules, in slug order), so that the same
        floating-point additions give the same scores to the last bit, and a score right at
        the threshold the same tag: importing tags new findings here, re-tagging in SQL.
        """
        slugs, by_word, by_opening_word, by_rule = self._weights_by_feature
        # Adding to 0.0 gives the first weight itself, as SQL's sum() starts with it.
        totals = [0.0] * len(slugs)
        weighed = 0  # a bit a theme: has any of these features a weight in it?
        for weights, features in (
            (by_word, sorted(lexemes)),
            (by_opening_word, sorted(opening)),
            (by_rule, sorted(rule_hits)),
        ):
            for feature in features:
                if (found := weights.get(feature)) is not None:
                    themes, feature_weights = found
                    weighed |= themes
                    for theme, weight in feature_weights:
                        totals[theme] += weight
        return {
            slug: self.themes[slug].intercept + totals[theme]
            for theme, slug in enumerate(slugs)
            if weighed >> theme & 1
        }

    def tags(
        self, *, lexemes: Iterable[str], opening: Iterable[str], rule_hits: Iterable[str]
    ) -> set[str]:
        """The modelled themes a finding with these features gets."""
        scores = self.scores(lexemes=lexemes, opening=opening, rule_hits=rule_hits)
        return {slug for slug, score in scores.items() if score > self.threshold}

    @cached_property
    def _weights_by_feature(self) -> tuple:
        """(slugs, then for the words, the opening words and the rules, each feature's
        weights: {feature: (a bit for each theme it weighs in, [(theme, weight)])}), themes
        by their place in slugs: one look-up a feature of a finding, not one a feature and
        theme. The rules in each theme are in slug order (from_json), as a finding's hits
        are taken, so the rules' weights are added in the SQL's order too."""
        slugs = list(self.themes)
        tables: list[dict[str, tuple[int, list[tuple[int, float]]]]] = [{}, {}, {}]
        for theme, slug in enumerate(slugs):
            weights = self.themes[slug]
            for table, features in zip(
                tables, (weights.words, weights.opening, weights.rules), strict=True
            ):
                for feature, weight in features.items():
                    themes, feature_weights = table.setdefault(feature, (0, []))
                    feature_weights.append((theme, weight))
                    table[feature] = (themes | 1 << theme, feature_weights)
        return slugs, *tables

    def heaviest_words(self, slug: str, lexemes: set[str], opening: set[str], *, limit: int = 6):
        """The finding's words that weighed most for the theme: [(lexeme, weight)], a word's
        weight as one of the opening words apart, marked "(opening)"."""
        weights = self.themes[slug]
        present = [(lexeme, weights.words[lexeme]) for lexeme in lexemes if lexeme in weights.words]
        present += [
            (f"{lexeme} (opening)", weights.opening[lexeme])
            for lexeme in opening
            if lexeme in weights.opening
        ]
        return sorted(present, key=lambda item: (-abs(item[1]), item[0]))[:limit]

    def __contains__(self, slug: str) -> bool:
        return slug in self.themes

    def __iter__(self):
        return iter(sorted(self.themes))

    def rule_slugs(self, slugs) -> set[str]:
        """The themes whose rules these themes' scores read."""
        return {rule for slug in slugs if slug in self for rule in self.themes[slug].rules}

    @classmethod
    def from_json(cls, data: dict) -> ThemeModel:
        return cls(
            threshold=data["threshold"],
            opening_positions=data.get("opening_positions", 0),
            themes={
                slug: ThemeWeights(
                    intercept=entry["intercept"],
                    words=entry["words"],
                    # In slug order (train.py writes them so): tagging's SQL and
                    # `scores` add a finding's rule weights in this order.
                    rules=dict(sorted(entry["rules"].items())),
                    opening=entry.get("opening", {}),
                )
                for slug, entry in data["themes"].items()
            },
        )


def theme_model() -> ThemeModel:
    """The model tagging uses now (no themes at all when THEME_MODEL_FILE is empty)."""
    return _load(settings.THEME_MODEL_FILE or "")


@lru_cache(maxsize=4)
def _load(path: str) -> ThemeModel:
    # Read once a process: the file changes only with a deployment (or a retraining).
    if not path:
        return ThemeModel()
    return ThemeModel.from_json(json.loads(Path(path).read_text(encoding="utf-8")))
