"""Does the theme model still gain from more labelled findings? Build cross-validation with
each fold trained on a share of its councils.

    .venv/bin/python bench/theme_learning_curve.py                  # 25, 50, 75, 100%
    .venv/bin/python bench/theme_learning_curve.py --shares 0.5 1   # some shares only

The method of `manage.py train_themes` (inspections/themes/train.py), on the build split
only (never the test split): 5 folds grouped by council; each fold's model is trained on a
random share of the fold's training councils (three draws a share below 100%, seeded) and
scores the same held-out councils, at the threshold with the best micro F1. Needs
scikit-learn and PostgreSQL (the lexemes are PostgreSQL's), as training does.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

DRAWS = 3


def councils_share(share: float, seed: int):
    """A `thin` for cross_validate: the examples of a seeded random share of the councils."""

    def thin(examples):
        councils = sorted({example.council for example in examples})
        random.Random(seed).shuffle(councils)
        kept = set(councils[: max(1, round(len(councils) * share))])
        return [example for example in examples if example.council in kept]

    return thin


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shares", type=float, nargs="+", default=[0.25, 0.5, 0.75, 1.0])
    options = parser.parse_args(argv)
    import django

    django.setup()
    from inspections.themes import train

    queries = train.taxonomy_rules()
    slugs = sorted(queries)
    examples = train.labelled_examples(queries)
    print(f"{len(examples)} build findings of {len({e.council for e in examples})} councils")
    for share in options.shares:
        runs = []
        for seed in range(DRAWS if share < 1 else 1):
            thin = councils_share(share, seed) if share < 1 else None
            validation = train.cross_validate(examples, slugs, thin=thin)
            p, r = validation.precision, validation.recall
            runs.append((2 * p * r / (p + r), p, r))
        f1, p, r = (statistics.mean(run[n] for run in runs) for n in range(3))
        print(f"{share:5.0%} of the councils: F1 {f1:.3f}, precision {p:.3f}, recall {r:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
