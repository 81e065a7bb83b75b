"""Training the theme model (model.py) from labelled findings and editors' corrections.

    python manage.py train_themes                 # from the labelled files: the file in the repo
    python manage.py train_themes --with-editors  # and editors' corrections in the database

The method, fixed by cross-validation on the build split only (README, Themes):

- features: the lexemes PostgreSQL makes of the text (features.py), present or not, those
  of at least two training findings; the same lexemes again as opening words, when they
  are among the first 15 words (a finding names its subject first, a passing mention
  later); and, for each theme, whether its rules match;
- one L1-regularised logistic regression a theme (liblinear, C=0.5, classes balanced): L1
  keeps a few thousand weights in all, so the SQL join that scores stays cheap;
- one threshold for every theme, the one with the best micro F1 over out-of-fold scores
  (5 folds grouped by council, so no council is scored by a model that saw it).

Training reads the `build` split and the extra labels, never `test`. Editors' corrections
are examples too: a theme an editor added is a positive example of that theme for that
finding, one rejected a negative one; the finding's other themes are unknown, not negative.

scikit-learn is imported here only: a `train` extra, not needed to tag (pyproject.toml).
Deterministic: the same inputs give the same file, byte for byte.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.db.models import F

from inspections.models import FindingTheme, ThemeRejection
from inspections.themes.features import Features, finding_features, text_features
from inspections.themes.labels import label_files, load_labels
from inspections.themes.model import ThemeModel, ThemeWeights, _load
from inspections.themes.rules import compiled_query
from inspections.themes.services import TAXONOMY_FILE

C = 0.5
FOLDS = 5
OPENING_POSITIONS = 15  # the opening words: positions 1-15 of the text vector
MIN_FINDINGS = 2  # a lexeme of fewer training findings is not a feature
THRESHOLDS = [round(-2 + step * 0.05, 2) for step in range(121)]  # -2.00 ... 4.00
DIGITS = 6  # weights are rounded: the file is stable and the same numbers score in SQL
METHOD = (
    "L1 logistic regression a theme (liblinear, C=0.5, balanced) over lexeme presence,"
    " lexemes of the first 15 positions and rule hits; one threshold, best micro F1 out of"
    " fold (5 folds grouped by council)"
)


_COUNCIL = F("finding__inspection__authority__slug")  # the folds of editors' examples


@dataclass(frozen=True)
class Example:
    features: Features
    council: str
    labels: dict[str, bool]  # theme slug: about it or not; a theme absent is unknown


@dataclass
class CrossValidation:
    threshold: float = 0.0
    precision: float = 0.0
    recall: float = 0.0
    rules_precision: float = 0.0
    rules_recall: float = 0.0
    findings: int = 0
    councils: int = 0
    pairs: int = 0  # labelled (finding, theme) pairs that are about the theme
    per_threshold: dict = field(default_factory=dict)


def taxonomy_rules() -> dict[str, str]:
    """Each theme's rules in the taxonomy file, compiled: the rule features of training.

    The file's, not the database's: the model in the repo is rebuilt from the repo alone.
    """
    entries = json.loads(TAXONOMY_FILE.read_text(encoding="utf-8"))
    return {entry["slug"]: compiled_query("\n".join(entry["rules"])) for entry in entries}


def labelled_examples(queries: dict[str, str]) -> list[Example]:
    """The build split and the extra labels (never the test split), with every theme known."""
    labels = load_labels(split="build")
    slugs = sorted(queries)
    features = text_features(
        [label.text for label in labels], queries, opening_positions=OPENING_POSITIONS
    )
    return [
        Example(found, label.council, {slug: slug in label.themes for slug in slugs})
        for label, found in zip(labels, features, strict=True)
    ]


def editor_examples(queries: dict[str, str], *, using: str = "default") -> list[Example]:
    """Findings an editor corrected: themes added are positive, themes rejected negative."""
    labels: dict[int, dict[str, bool]] = defaultdict(dict)
    councils: dict[int, str] = {}
    added = FindingTheme.objects.using(using).filter(assigned_by=FindingTheme.AssignedBy.EDITOR)
    rows = [
        *((row, True) for row in added.values("finding_id", "theme__slug", council=_COUNCIL)),
        *(
            (row, False)
            for row in ThemeRejection.objects.using(using).values(
                "finding_id", "theme__slug", council=_COUNCIL
            )
        ),
    ]
    for row, about in rows:
        labels[row["finding_id"]][row["theme__slug"]] = about
        councils[row["finding_id"]] = row["council"] or "unknown"
    ids = sorted(labels)
    features = finding_features(ids, queries, opening_positions=OPENING_POSITIONS, using=using)
    return [
        Example(found, councils[finding_id], labels[finding_id])
        for finding_id, found in zip(ids, features, strict=True)
    ]


def fit(examples: list[Example], slugs: list[str], *, threshold: float = 0.0) -> ThemeModel:
    """One sparse logistic regression a theme over these examples (no threshold chosen)."""
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    counts: dict[tuple[str, str], int] = defaultdict(int)
    for example in examples:
        for lexeme in example.features.lexemes:
            counts["word", lexeme] += 1
        for lexeme in example.features.opening:
            counts["opening", lexeme] += 1
    kept = sorted(key for key, n in counts.items() if n >= MIN_FINDINGS)
    columns = {key: n for n, key in enumerate(kept)}
    columns |= {("rule", slug): len(kept) + n for n, slug in enumerate(slugs)}
    names = sorted(columns, key=columns.get)
    themes = {}
    for slug in slugs:
        rows = [example for example in examples if slug in example.labels]
        answers = [example.labels[slug] for example in rows]
        if not any(answers) or all(answers):
            continue  # nothing to learn: the theme is tagged by its rules
        cells = [
            (row, columns[key])
            for row, example in enumerate(rows)
            for key in [
                *(("word", lexeme) for lexeme in example.features.lexemes),
                *(("opening", lexeme) for lexeme in example.features.opening),
                *(("rule", hit) for hit in example.features.rule_hits),
            ]
            if key in columns
        ]
        matrix = csr_matrix(
            ([1.0] * len(cells), ([r for r, _ in cells], [c for _, c in cells])),
            shape=(len(rows), len(columns)),
        )
        regression = LogisticRegression(
            C=C, l1_ratio=1.0, solver="liblinear", class_weight="balanced", random_state=0
        )
        regression.fit(matrix, answers)
        weights = {
            names[column]: round(float(weight), DIGITS)
            for column, weight in enumerate(regression.coef_[0])
            if round(float(weight), DIGITS)
        }
        themes[slug] = ThemeWeights(
            intercept=round(float(regression.intercept_[0]), DIGITS),
            words={name: w for (kind, name), w in weights.items() if kind == "word"},
            rules={name: w for (kind, name), w in weights.items() if kind == "rule"},
            opening={name: w for (kind, name), w in weights.items() if kind == "opening"},
        )
    return ThemeModel(threshold=threshold, themes=themes, opening_positions=OPENING_POSITIONS)


def cross_validate(
    examples: list[Example], slugs: list[str], *, thin: Callable | None = None
) -> CrossValidation:
    """Out-of-fold scores by council, the threshold with the best micro F1, and the rules'
    figures on the same findings for comparison.

    `thin`, if given, takes each fold's training examples and returns those to train on
    (bench/theme_learning_curve.py: a share of the fold's councils); the folds scored stay
    the same.
    """
    from sklearn.model_selection import GroupKFold

    scored: list[tuple[float | None, bool, bool]] = []  # score, labelled, rules matched
    folds = GroupKFold(n_splits=FOLDS).split(examples, groups=[e.council for e in examples])
    for train_rows, test_rows in folds:
        training = [examples[n] for n in train_rows]
        model = fit(thin(training) if thin else training, slugs)
        for n in test_rows:
            example = examples[n]
            for slug, about in sorted(example.labels.items()):
                score = (
                    model.score(
                        slug,
                        lexemes=example.features.lexemes,
                        opening=example.features.opening,
                        rule_hits=example.features.rule_hits,
                    )
                    if slug in model
                    else (1e9 if slug in example.features.rule_hits else None)
                )
                scored.append((score, about, slug in example.features.rule_hits))
    result = CrossValidation(
        findings=len(examples),
        councils=len({example.council for example in examples}),
        pairs=sum(about for _, about, _ in scored),
    )
    best = None
    for threshold in THRESHOLDS:
        tagged = [(s is not None and s > threshold, about) for s, about, _ in scored]
        precision, recall = _precision_recall(tagged)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        result.per_threshold[threshold] = (round(precision, 4), round(recall, 4))
        if best is None or f1 > best[0]:  # ties keep the lower threshold, found first
            best = (f1, threshold, precision, recall)
    _, result.threshold, result.precision, result.recall = best
    result.rules_precision, result.rules_recall = _precision_recall(
        [(hit, about) for _, about, hit in scored]
    )
    return result


def _precision_recall(tagged: list[tuple[bool, bool]]) -> tuple[float, float]:
    hits = sum(1 for given, about in tagged if given and about)
    given = sum(1 for given, _ in tagged if given)
    about = sum(1 for _, about in tagged if about)
    return (hits / given if given else 1.0), (hits / about if about else 1.0)


def inputs_digest() -> str:
    """SHA-256 of what the repo's model is trained from: labels, taxonomy, method."""
    digest = hashlib.sha256(METHOD.encode())
    for path in [TAXONOMY_FILE, *(p for pair in label_files() for p in pair)]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def train(*, with_editors: bool = False, using: str = "default") -> tuple[dict, CrossValidation]:
    """The model file's content, and the cross-validation that chose its threshold."""
    queries = taxonomy_rules()
    slugs = sorted(queries)
    examples = labelled_examples(queries)
    editors = editor_examples(queries, using=using) if with_editors else []
    examples += editors
    validation = cross_validate(examples, slugs)
    model = fit(examples, slugs, threshold=validation.threshold)
    content = {
        "method": METHOD,
        # The words are PostgreSQL's lexemes, and its stemmer changes between major
        # versions (a few words stem differently from 15 to 18): the same inputs train the
        # same file on the same major version only.
        "postgresql": connections[using].pg_version // 10000,
        "inputs_sha256": inputs_digest(),
        "trained_on": {
            "labelled_findings": len(examples) - len(editors),
            "editor_findings": len(editors),
        },
        "cross_validation": {
            "findings": validation.findings,
            "councils": validation.councils,
            "precision": round(validation.precision, 4),
            "recall": round(validation.recall, 4),
            "rules_precision": round(validation.rules_precision, 4),
            "rules_recall": round(validation.rules_recall, 4),
        },
        "threshold": model.threshold,
        "opening_positions": model.opening_positions,
        "themes": {
            slug: {
                "intercept": weights.intercept,
                "words": dict(sorted(weights.words.items())),
                "opening": dict(sorted(weights.opening.items())),
                "rules": dict(sorted(weights.rules.items())),
            }
            for slug, weights in sorted(model.themes.items())
        },
    }
    return content, validation


def write_model(content: dict, path: Path | str | None = None) -> Path:
    path = Path(path or settings.THEME_MODEL_FILE)
    path.write_text(model_text(content), encoding="utf-8")
    _load.cache_clear()  # this process tags with the new weights from now on
    return path


def model_text(content: dict) -> str:
    return json.dumps(content, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
