"""How far two careful readers agree on themes: the ceiling of any tagger's figures.

    .venv/bin/python bench/theme_agreement.py            # reader B against reader A
    .venv/bin/python bench/theme_agreement.py --themes   # and per theme, with Cohen's kappa
    .venv/bin/python bench/theme_agreement.py --disagreements   # and each finding they differ on
    .venv/bin/python bench/theme_agreement.py --tagger   # and the tagger against A, B, A∩B, A∪B

Reader A made the labels the figures are measured against (tests/theme_labels/labels_NN);
reader B labelled 350 of the same findings again, blind, from the descriptions and the
guide alone (tests/theme_labels/second_reader/: the 175 test findings and 175 build ones
drawn with a fixed seed). B is scored against A exactly as the tagger is: micro-averaged
precision and recall over (finding, theme) pairs, so B's precision is the share of B's
themes A also gave and B's recall the share of A's themes B also gave (F1 is symmetric).
A tagger as careful as a second reader would score about B's figures against A; a target
above them measures how closely a tagger copies one reader's habits, not the subject.

Kappa a theme (Cohen's: agreement beyond what the two readers' rates of use would give by
chance) is printed where either reader gave the theme at least KAPPA_MIN_USES times; on
fewer it says nothing. The 90% interval of F1 is a bootstrap over findings (seeded). Two
findings of the build sample are worked examples of the labelling guide, whose answers B
had read: the build figures are also printed without them.

--tagger tags the 175 test findings (the same SQL as an import, in a scratch database named
after DATABASE_URL's, dropped at the end) and scores the tags against A (the official
figure), B, the themes both gave (A∩B) and the themes either gave (A∪B). These are
additional views, not replacements: the README's figures stay those against A.
"""

from __future__ import annotations

import json
import os
import random
import re
import sys
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from inspections.themes.labels import LABELS_DIR, load_labels  # noqa: E402  (after sys.path)

SECOND_READER_DIR = LABELS_DIR / "second_reader"
THEMES_FILE = REPO_ROOT / "inspections" / "data" / "themes.json"
GUIDE_FILE = REPO_ROOT / "docs" / "labelling_guide.md"
KAPPA_MIN_USES = 5  # below this, one finding more or less swings kappa by tenths
BOOTSTRAP_ROUNDS = 2000

Themes = Mapping[str, frozenset[str]]  # finding id -> theme slugs


@dataclass
class Agreement:
    """One reader's (or the tagger's) themes compared with a reference reader's."""

    findings: int = 0
    true_positives: Counter = field(default_factory=Counter)  # both gave the theme
    false_positives: Counter = field(default_factory=Counter)  # only the other gave it
    false_negatives: Counter = field(default_factory=Counter)  # only the reference gave it
    same_themes: int = 0  # findings given exactly the same set

    def _totals(self, themes: Iterable[str] | None) -> tuple[int, int, int]:
        if themes is None:
            return (
                self.true_positives.total(),
                self.false_positives.total(),
                self.false_negatives.total(),
            )
        themes = list(themes)
        return (
            sum(self.true_positives[t] for t in themes),
            sum(self.false_positives[t] for t in themes),
            sum(self.false_negatives[t] for t in themes),
        )

    def precision(self, themes: Iterable[str] | None = None) -> float | None:
        tp, fp, _ = self._totals(themes)
        return tp / (tp + fp) if tp + fp else None

    def recall(self, themes: Iterable[str] | None = None) -> float | None:
        tp, _, fn = self._totals(themes)
        return tp / (tp + fn) if tp + fn else None

    def f1(self, themes: Iterable[str] | None = None) -> float | None:
        tp, fp, fn = self._totals(themes)
        return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else None

    def uses(self, theme: str) -> tuple[int, int]:
        """How many findings the reference gave the theme, and how many the other did."""
        tp = self.true_positives[theme]
        return tp + self.false_negatives[theme], tp + self.false_positives[theme]

    def kappa(self, theme: str) -> float | None:
        """Cohen's kappa of the two on one theme, over every finding compared."""
        tp, fp, fn = self._totals([theme])
        n = self.findings
        tn = n - tp - fp - fn
        observed = (tp + tn) / n
        chance = ((tp + fp) * (tp + fn) + (fn + tn) * (fp + tn)) / (n * n)
        return (observed - chance) / (1 - chance) if chance < 1 else None


def compare(reference: Themes, other: Themes) -> Agreement:
    """Score `other`'s themes against `reference`'s over the same findings."""
    if set(reference) != set(other):
        missing = sorted(set(reference) ^ set(other))[:3]
        raise ValueError(f"the two cover different findings, such as {missing}")
    agreement = Agreement(findings=len(reference))
    for finding, expected in reference.items():
        given = other[finding]
        agreement.same_themes += given == expected
        agreement.true_positives.update(given & expected)
        agreement.false_positives.update(given - expected)
        agreement.false_negatives.update(expected - given)
    return agreement


def f1_interval(
    reference: Themes, other: Themes, *, rounds: int = BOOTSTRAP_ROUNDS, seed: int = 10
) -> tuple[float, float]:
    """The 5th and 95th percentiles of micro F1 over findings resampled with replacement."""
    rng = random.Random(seed)
    ids = sorted(reference)
    scores = []
    for _ in range(rounds):
        sample = [rng.choice(ids) for _ in ids]
        tp = fp = fn = 0
        for finding in sample:
            expected, given = reference[finding], other[finding]
            tp += len(given & expected)
            fp += len(given - expected)
            fn += len(expected - given)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0)
    scores.sort()
    return scores[int(0.05 * rounds)], scores[int(0.95 * rounds) - 1]


def theme_groups() -> dict[str, list[str]]:
    """Group name -> theme slugs, in the taxonomy's order."""
    groups: dict[str, list[str]] = {}
    for theme in json.loads(THEMES_FILE.read_text(encoding="utf-8")):
        groups.setdefault(theme["group"], []).append(theme["slug"])
    return groups


def read_rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def read_themes(path: Path) -> dict[str, frozenset[str]]:
    return {row["id"]: frozenset(row["themes"]) for row in read_rows(path)}


def reader_a(ids: Iterable[str]) -> dict[str, frozenset[str]]:
    """Reader A's themes (the official labels) for the given findings."""
    by_id = {label.id: label.themes for label in load_labels()}
    return {finding: by_id[finding] for finding in ids}


def guide_examples(texts: Mapping[str, str]) -> set[str]:
    """The findings the labelling guide quotes as worked examples (their answers are in it)."""
    quotes = re.findall(r'\*"(.{40})', GUIDE_FILE.read_text(encoding="utf-8"))
    return {finding for finding, text in texts.items() if any(q in text for q in quotes)}


def disagreements(reference: Themes, other: Themes, notes: Mapping[str, str]) -> str:
    """Each finding the two label differently: what only one gave, and B's note."""
    lines = []
    for finding in reference:
        only_ref, only_other = (
            reference[finding] - other[finding],
            other[finding] - reference[finding],
        )
        if only_ref or only_other:
            lines.append(
                f"  {finding}: A only {sorted(only_ref)}, B only {sorted(only_other)}"
                + (f"; B's note: {notes[finding]}" if notes.get(finding) else "")
            )
    return "\n".join(lines)


def _number(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def report(
    title: str, reference: Themes, other: Themes, *, per_theme: bool = False, names=("A", "B")
) -> str:
    agreement = compare(reference, other)
    low, high = f1_interval(reference, other)
    ref_name, other_name = names
    lines = [
        f"{title}: {agreement.findings} findings; {ref_name} gave"
        f" {sum(len(t) for t in reference.values())} finding-theme pairs"
        f" ({sum(1 for t in reference.values() if not t)} findings none),"
        f" {other_name} {sum(len(t) for t in other.values())}"
        f" ({sum(1 for t in other.values() if not t)} none)",
        f"  {other_name} against {ref_name}: precision {_number(agreement.precision())},"
        f" recall {_number(agreement.recall())}, F1 {_number(agreement.f1())}"
        f" (90% bootstrap interval {low:.3f}-{high:.3f});"
        f" same set of themes on {agreement.same_themes} findings"
        f" ({agreement.same_themes / agreement.findings:.0%})",
        f"  {'group':36} {ref_name + ' pairs':>8} {other_name + ' pairs':>8}"
        f" {'precision':>9} {'recall':>6} {'F1':>5}",
    ]
    groups = theme_groups()
    for group, slugs in groups.items():
        tp, fp, fn = agreement._totals(slugs)
        lines.append(
            f"  {group:36} {tp + fn:8} {tp + fp:8} {_number(agreement.precision(slugs), 2):>9}"
            f" {_number(agreement.recall(slugs), 2):>6} {_number(agreement.f1(slugs), 2):>5}"
        )
    kappas = {
        slug: agreement.kappa(slug)
        for slugs in groups.values()
        for slug in slugs
        if max(agreement.uses(slug)) >= KAPPA_MIN_USES
    }
    kappa_values = sorted(k for k in kappas.values() if k is not None)
    if kappa_values:
        lines.append(
            f"  Cohen's kappa over the {len(kappa_values)} themes either gave at least"
            f" {KAPPA_MIN_USES} times: median {kappa_values[len(kappa_values) // 2]:.2f},"
            f" from {kappa_values[0]:.2f} to {kappa_values[-1]:.2f}"
        )
    if per_theme:
        lines.append(
            f"  {'theme':36} {ref_name:>4} {other_name:>4} {'both':>4}"
            f" {'precision':>9} {'recall':>6} {'kappa':>6}"
        )
        for slugs in groups.values():
            for slug in slugs:
                ref_uses, other_uses = agreement.uses(slug)
                if not ref_uses and not other_uses:
                    continue
                kappa = kappas.get(slug)
                lines.append(
                    f"  {slug:36} {ref_uses:4} {other_uses:4} {agreement.true_positives[slug]:4}"
                    f" {_number(agreement.precision([slug]), 2):>9}"
                    f" {_number(agreement.recall([slug]), 2):>6}"
                    f" {_number(kappa, 2) if slug in kappas else '':>6}"
                )
    return "\n".join(lines)


def tagger_themes(texts: Mapping[str, str]) -> dict[str, frozenset[str]]:
    """The tagger's themes for each text, in a scratch database dropped afterwards."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.db import connection

    from bench.theme_quality import tag_texts
    from inspections.themes.services import load_taxonomy

    # Named after this engineer's database, so that runs beside others never share one.
    old_name = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"{old_name}_theme_agreement"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        load_taxonomy()
        ids = list(texts)
        tags = tag_texts([texts[finding] for finding in ids])
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    return {finding: frozenset(tag) for finding, tag in zip(ids, tags, strict=True)}


def main(argv: list[str]) -> int:
    per_theme = "--themes" in argv
    texts = {label.id: label.text for label in load_labels()}
    for name, title in (
        ("labels_test.jsonl", "Test split"),
        ("labels_build_sample.jsonl", "Build sample"),
    ):
        reader_b = read_themes(SECOND_READER_DIR / name)
        a = reader_a(reader_b)
        print(report(title, a, reader_b, per_theme=per_theme))
        if examples := guide_examples({finding: texts[finding] for finding in reader_b}):
            kept = [finding for finding in reader_b if finding not in examples]
            without = compare({f: a[f] for f in kept}, {f: reader_b[f] for f in kept})
            print(
                f"  without the {len(examples)} findings the guide quotes as worked examples:"
                f" precision {_number(without.precision())}, recall {_number(without.recall())},"
                f" F1 {_number(without.f1())}"
            )
        if "--disagreements" in argv:
            notes = {row["id"]: row["note"] for row in read_rows(SECOND_READER_DIR / name)}
            print(disagreements(a, reader_b, notes))
        print()
    if "--tagger" in argv:
        reader_b = read_themes(SECOND_READER_DIR / "labels_test.jsonl")
        a = reader_a(reader_b)
        tagged = tagger_themes({finding: texts[finding] for finding in reader_b})
        both = {f: a[f] & reader_b[f] for f in a}
        either = {f: a[f] | reader_b[f] for f in a}
        print("The tagger on the test split (additional views; the official figure is against A):")
        for label, reference in (("A", a), ("B", reader_b), ("A∩B", both), ("A∪B", either)):
            agreement = compare(reference, tagged)
            low, high = f1_interval(reference, tagged)
            print(
                f"  against {label:4} ({sum(len(t) for t in reference.values()):3} pairs):"
                f" precision {_number(agreement.precision())},"
                f" recall {_number(agreement.recall())}, F1 {_number(agreement.f1())}"
                f" ({low:.3f}-{high:.3f})"
            )
        if per_theme:
            print()
            print(report("Tagger against B, test split", reader_b, tagged, names=("B", "tag")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
