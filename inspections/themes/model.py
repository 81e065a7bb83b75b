"""The trained theme model: a sparse linear model per theme, read from a JSON file.

A finding's features are the stemmed lexemes of its text (the stored search vector's
weight A, `to_tsvector('english', ...)`: the same stemming the rules see) and which themes'
rules match it. A theme's score is its intercept plus the weight of each feature the
finding has; the finding gets the theme when the score is above the model's threshold.

The weights are trained by `manage.py train_themes` (inspections.themes.train) from the
labelled findings in tests/theme_labels/ and editors' corrections; scoring needs nothing
but this file and PostgreSQL (tagging.py scores in SQL), so scikit-learn is not needed at
run time. A theme the file does not name (one an admin added) is tagged by its rules alone.

The file is `settings.THEME_MODEL_FILE`; empty, and every theme is tagged by its rules.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

import numpy
from django.conf import settings

_FINDINGS_AT_ONCE = 200  # scored together by ThemeModel.tags_of_many


@dataclass(frozen=True)
class ThemeWeights:
    intercept: float
    words: dict[str, float] = field(default_factory=dict)  # lexeme: weight
    rules: dict[str, float] = field(default_factory=dict)  # slug of a theme whose rules match


@dataclass(frozen=True)
class ThemeModel:
    threshold: float = 0.0
    themes: dict[str, ThemeWeights] = field(default_factory=dict)  # slug: its weights

    def score(self, slug: str, *, lexemes: set[str], rule_hits: set[str]) -> float | None:
        """The theme's score for these features; None when none of them weighs (no tag)."""
        weights = self.themes[slug]
        parts = [weights.words[lexeme] for lexeme in lexemes if lexeme in weights.words]
        parts += [weights.rules[hit] for hit in rule_hits if hit in weights.rules]
        if not parts:
            return None  # as in SQL: a finding with no weighed feature has no score row
        return weights.intercept + sum(parts)

    def tags(self, *, lexemes: Iterable[str], rule_hits: Iterable[str]) -> set[str]:
        """The modelled themes a finding with these features gets."""
        [tags] = self.tags_of_many([(lexemes, rule_hits)])
        return tags

    def tags_of_many(
        self, findings: Sequence[tuple[Iterable[str], Iterable[str]]]
    ) -> list[set[str]]:
        """The modelled themes each finding gets, from its (lexemes, rule hits): where a
        feature of it weighs in the theme and `score` is above the threshold.

        The importer tags every batch with this. A batch of 100 letters has ~440,000
        (finding, theme, weight) terms: summed in SQL, ~6 ms of the server's CPU a letter;
        one at a time in Python, ~3; as a gather and add of a dense matrix of the weights
        (features by themes, ~3,000 by 45), a few milliseconds a batch.
        """
        # A few hundred findings at a time: a whole batch's gathered rows (~30,000 by 45)
        # would be a transient ~12 MB in every worker.
        tags: list[set[str]] = []
        for start in range(0, len(findings), _FINDINGS_AT_ONCE):
            tags += self._tags_of_few(findings[start : start + _FINDINGS_AT_ONCE])
        return tags

    def _tags_of_few(self, findings: Sequence[tuple[Iterable[str], Iterable[str]]]):
        weights, weighs, words, rules, slugs = self._matrix
        owners: list[int] = []
        rows: list[int] = []
        for number, (lexemes, rule_hits) in enumerate(findings):
            found = [words[lexeme] for lexeme in lexemes if lexeme in words]
            found += [rules[hit] for hit in rule_hits if hit in rules]
            owners += [number] * len(found)
            rows += found
        totals = numpy.zeros((len(findings), len(slugs)))
        present = numpy.zeros((len(findings), len(slugs)), dtype=bool)
        if rows:
            # Each finding's rows are together (owners ascend): summed run by run.
            owners_array = numpy.array(owners)
            starts = numpy.flatnonzero(numpy.diff(owners_array, prepend=-1))
            totals[owners_array[starts]] = numpy.add.reduceat(weights[rows], starts)
            present[owners_array[starts]] = numpy.logical_or.reduceat(weighs[rows], starts)
        intercepts = numpy.array([self.themes[slug].intercept for slug in slugs])
        tagged = present & (intercepts + totals > self.threshold)
        return [{slugs[column] for column in numpy.flatnonzero(row)} for row in tagged]

    @cached_property
    def _matrix(self):
        """The weights as a dense matrix, a row a feature and a column a theme, with which
        entries are weights at all; the rows of the words and of the rule hits; the themes
        in column order."""
        slugs = sorted(self.themes)
        words = sorted({lexeme for theme in self.themes.values() for lexeme in theme.words})
        rules = sorted({slug for theme in self.themes.values() for slug in theme.rules})
        word_rows = {lexeme: row for row, lexeme in enumerate(words)}
        rule_rows = {slug: len(words) + row for row, slug in enumerate(rules)}
        weights = numpy.zeros((len(words) + len(rules), len(slugs)))
        weighs = numpy.zeros(weights.shape, dtype=bool)
        for column, slug in enumerate(slugs):
            theme = self.themes[slug]
            for rows, features in ((word_rows, theme.words), (rule_rows, theme.rules)):
                for feature, weight in features.items():
                    weights[rows[feature], column] = weight
                    weighs[rows[feature], column] = True
        return weights, weighs, word_rows, rule_rows, slugs

    def heaviest_words(self, slug: str, lexemes: set[str], *, limit: int = 6):
        """The finding's words that weighed most for the theme: [(lexeme, weight)]."""
        words = self.themes[slug].words
        present = [(lexeme, words[lexeme]) for lexeme in lexemes if lexeme in words]
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
            themes={
                slug: ThemeWeights(
                    intercept=entry["intercept"], words=entry["words"], rules=entry["rules"]
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
