"""How well the themes are tagged (the model, and the rules for themes it lacks): against
findings labelled by hand, and over the real letters.

    .venv/bin/python bench/theme_quality.py                 # the test split, per theme
    .venv/bin/python bench/theme_quality.py --errors        # and every disagreement
    .venv/bin/python bench/theme_quality.py --coverage      # and the real letters' coverage
    .venv/bin/python bench/theme_quality.py --coverage-only # the real letters' coverage alone
    .venv/bin/python bench/theme_quality.py --rules         # the rules alone (no model)
    .venv/bin/python bench/theme_quality.py --rules --split build   # the rules on build

It creates a scratch PostgreSQL database beside the development one (the embedded server,
or the one DATABASE_URL names), migrates it, loads inspections/data/themes.json, and drops
the database at the end.

Labels (inspections/themes/labels.py): real findings in tests/theme_labels/, labelled
blind from the theme descriptions and docs/labelling_guide.md, split by council into
`build` (525 + the extra files' findings: the rules were written from the 525, the model is
trained on all of them) and `test` (175, never tuned on). The model on `build` would be
measured on what it learnt from: its build figures are cross-validated by `manage.py
train_themes` instead. Each labelled text is stored as a finding of a scratch letter and
tagged by the same SQL as an imported letter. Precision and recall are micro-averaged
over (finding, theme) pairs.

Coverage (--coverage): every real letter `make run` imports (fixtures/real/ and
fixtures/reports/ilacs/) is imported through the real importer; it prints the share of
their findings with no theme and the share each theme tags.
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from inspections.themes.labels import Label, load_labels  # noqa: E402  (after sys.path)

REAL_LETTERS = [
    REPO_ROOT / "fixtures" / "real" / "focused_visits",
    REPO_ROOT / "fixtures" / "real" / "jtai",
    REPO_ROOT / "fixtures" / "reports" / "ilacs",
]
SCRATCH_DATABASE = "theme_quality_scratch"


@dataclass
class Quality:
    true_positives: Counter = field(default_factory=Counter)
    false_positives: Counter = field(default_factory=Counter)
    false_negatives: Counter = field(default_factory=Counter)
    findings: int = 0
    councils: int = 0
    untagged: int = 0  # findings given no theme
    errors: list[tuple[str, str, str]] = field(default_factory=list)  # kind, theme, text

    @staticmethod
    def _ratio(hits: int, misses: int) -> float:
        return hits / (hits + misses) if hits + misses else 1.0

    def precision(self, theme: str | None = None) -> float:
        if theme is None:
            return self._ratio(self.true_positives.total(), self.false_positives.total())
        return self._ratio(self.true_positives[theme], self.false_positives[theme])

    def recall(self, theme: str | None = None) -> float:
        if theme is None:
            return self._ratio(self.true_positives.total(), self.false_negatives.total())
        return self._ratio(self.true_positives[theme], self.false_negatives[theme])

    def report(self, *, errors: bool = False) -> str:
        themes = sorted(
            set(self.true_positives) | set(self.false_positives) | set(self.false_negatives)
        )
        lines = [f"{'theme':36} {'labelled':>8} {'tagged':>6} {'precision':>9} {'recall':>6}"]
        for theme in themes:
            labelled = self.true_positives[theme] + self.false_negatives[theme]
            tagged = self.true_positives[theme] + self.false_positives[theme]
            lines.append(
                f"{theme:36} {labelled:8} {tagged:6} "
                f"{self.precision(theme):9.2f} {self.recall(theme):6.2f}"
            )
        lines.append(
            f"{'overall (micro-averaged)':36} "
            f"{self.true_positives.total() + self.false_negatives.total():8} "
            f"{self.true_positives.total() + self.false_positives.total():6} "
            f"{self.precision():9.3f} {self.recall():6.3f}"
        )
        lines.append(
            f"{self.findings} labelled findings from {self.councils} councils;"
            f" {self.untagged} given no theme"
        )
        if errors:
            lines += [f"{kind} {theme}: {text}" for kind, theme, text in sorted(self.errors)]
        return "\n".join(lines)


def tag_texts(texts: list[str]) -> list[set[str]]:
    """The theme slugs the rules give each text, stored as findings and tagged as on import.

    Needs a database with the themes loaded; writes nothing that outlasts the call.
    """
    from django.db import transaction

    from inspections.models import Finding
    from inspections.parsing.hyphens import compound_forms
    from inspections.selectors import themes_for_findings
    from inspections.themes.tagging import tag_findings
    from tests.factories import InspectionFactory

    with transaction.atomic():
        inspection = InspectionFactory()
        findings = Finding.objects.bulk_create(
            Finding(
                inspection=inspection,
                category="narrative",
                position=position,
                text=text,
                search_extra=compound_forms(text),
            )
            for position, text in enumerate(texts, start=1)
        )
        tag_findings(inspection_ids=[inspection.pk])
        tagged = themes_for_findings([finding.pk for finding in findings])
        transaction.set_rollback(True)
    return [{theme.slug for theme in tagged.get(finding.pk, [])} for finding in findings]


def measure(labels: list[Label]) -> Quality:
    """Tag the labelled texts and compare their themes with the labels."""
    quality = Quality(findings=len(labels), councils=len({label.council for label in labels}))
    for label, predicted in zip(labels, tag_texts([label.text for label in labels]), strict=True):
        quality.untagged += not predicted
        for theme in predicted & label.themes:
            quality.true_positives[theme] += 1
        for theme in predicted - label.themes:
            quality.false_positives[theme] += 1
            quality.errors.append(("tagged, not labelled", theme, f"{label.id}: {label.text}"))
        for theme in label.themes - predicted:
            quality.false_negatives[theme] += 1
            quality.errors.append(("labelled, not tagged", theme, f"{label.id}: {label.text}"))
    return quality


@dataclass
class Coverage:
    letters: int
    findings: int
    untagged: int
    per_theme: Counter

    def report(self) -> str:
        lines = [
            f"{self.letters} real letters, {self.findings} findings;"
            f" no theme: {self.untagged} ({self.untagged / max(self.findings, 1):.1%})",
            f"{'theme':36} {'findings':>8} {'share':>6}",
        ]
        for slug, count in self.per_theme.most_common():
            lines.append(f"{slug:36} {count:8} {count / max(self.findings, 1):6.1%}")
        return "\n".join(lines)


def coverage(paths: list[Path] = REAL_LETTERS) -> Coverage:
    """Import the real letters through the importer (tagging them) and count their themes."""
    from django.db.models import Count

    from inspections.importer import import_paths
    from inspections.models import Finding, FindingTheme

    report = import_paths(paths)
    ids = [result.inspection.pk for result in report.results if result.inspection is not None]
    # The database written to: the test settings' replica alias still names the
    # development database, not this scratch one.
    findings = Finding.objects.using("default").filter(inspection_id__in=ids)
    rows = (
        FindingTheme.objects.using("default")
        .filter(finding__in=findings)
        .values("theme__slug")
        .annotate(n=Count("pk"))
    )
    return Coverage(
        letters=len(ids),
        findings=findings.count(),
        untagged=findings.filter(themes__isnull=True).count(),
        per_theme=Counter({row["theme__slug"]: row["n"] for row in rows}),
    )


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(REPO_ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from inspections.themes.services import load_taxonomy

    if "--rules" in argv:
        settings.THEME_MODEL_FILE = ""  # every theme by its rules, as before the model

    split = argv[argv.index("--split") + 1] if "--split" in argv else "test"
    # A database of its own: the test database may be in use by a pytest run.
    connection.settings_dict.setdefault("TEST", {})["NAME"] = SCRATCH_DATABASE
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        load_taxonomy()
        if "--coverage-only" not in argv:
            quality = measure(load_labels(split=split))
            tagger = (
                "the rules alone" if "--rules" in argv else "the model (rules where it has none)"
            )
            print(f"The {split} split, tagged by {tagger}:")
            print(quality.report(errors="--errors" in argv))
            print()
        if "--coverage" in argv or "--coverage-only" in argv:
            print(coverage().report())
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
