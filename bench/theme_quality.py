"""How well the theme rules tag findings, measured against findings labelled by hand.

    .venv/bin/python bench/theme_quality.py            # precision and recall per theme
    .venv/bin/python bench/theme_quality.py --errors   # and every disagreement

It creates a scratch PostgreSQL database beside the development one (the embedded server,
or the one DATABASE_URL names), migrates it, loads inspections/data/themes.json, imports
every labelled letter through the real importer (parser, rows, SQL tagging), compares
each labelled finding's themes with tests/theme_labels.json and drops the database.

Labels name a letter (`fixtures/...`, `tests/letters/...`, or `shared/real/...` under
SHARED_DIR, default ../shared; the real letters labelled are in fixtures/real/) and the
opening words of one finding. Precision and recall
are micro-averaged over (finding, theme) pairs. tests/test_themes.py runs `measure` too.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
LABELS_FILE = REPO_ROOT / "tests" / "theme_labels.json"
SCRATCH_DATABASE = "theme_quality_scratch"


@dataclass(frozen=True)
class Label:
    file: str
    text: str  # the finding's opening words
    themes: frozenset[str]


@dataclass
class Quality:
    true_positives: Counter = field(default_factory=Counter)
    false_positives: Counter = field(default_factory=Counter)
    false_negatives: Counter = field(default_factory=Counter)
    findings: int = 0
    unmatched: list[Label] = field(default_factory=list)
    missing_files: list[str] = field(default_factory=list)
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
        lines.append(f"{self.findings} labelled findings")
        for label in self.unmatched:
            lines.append(f"NOT FOUND in {label.file}: {label.text}")
        for name in self.missing_files:
            lines.append(f"skipped, file missing: {name}")
        if errors:
            lines += [f"{kind} {theme}: {text}" for kind, theme, text in sorted(self.errors)]
        return "\n".join(lines)


def load_labels(path: Path = LABELS_FILE) -> list[Label]:
    return [
        Label(file=entry["file"], text=entry["text"], themes=frozenset(entry["themes"]))
        for entry in json.loads(path.read_text(encoding="utf-8"))
    ]


def letter_path(name: str) -> Path:
    if name.startswith("shared/"):
        shared = Path(os.environ.get("SHARED_DIR", REPO_ROOT.parent / "shared"))
        return shared / name.removeprefix("shared/")
    return REPO_ROOT / name


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def measure(labels: list[Label]) -> Quality:
    """Import the labelled letters (tagging them) and compare their themes with the labels.

    Needs a database with the themes loaded; letters already imported are reused.
    """
    from inspections.importer import import_letter
    from inspections.selectors import themes_for_findings

    quality = Quality()
    by_file: dict[str, list[Label]] = {}
    for label in labels:
        by_file.setdefault(label.file, []).append(label)
    for name, file_labels in by_file.items():
        path = letter_path(name)
        if not path.exists():
            quality.missing_files.append(name)
            continue
        result = import_letter(data=path.read_bytes(), source_name=path.name)
        if result.inspection is None:
            raise RuntimeError(f"{name} was not imported: {result.reason}")
        findings = list(result.inspection.findings.order_by("position"))
        tagged = themes_for_findings([finding.pk for finding in findings])
        for label in file_labels:
            prefix = _normal(label.text)
            matches = [f for f in findings if _normal(f.text).startswith(prefix)]
            if len(matches) != 1:
                quality.unmatched.append(label)
                continue
            quality.findings += 1
            predicted = {theme.slug for theme in tagged.get(matches[0].pk, [])}
            for theme in predicted & label.themes:
                quality.true_positives[theme] += 1
            for theme in predicted - label.themes:
                quality.false_positives[theme] += 1
                quality.errors.append(("tagged, not labelled", theme, label.text))
            for theme in label.themes - predicted:
                quality.false_negatives[theme] += 1
                quality.errors.append(("labelled, not tagged", theme, label.text))
    return quality


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(REPO_ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.db import connection

    from inspections.themes.services import load_taxonomy

    # A database of its own: the test database may be in use by a pytest run.
    connection.settings_dict.setdefault("TEST", {})["NAME"] = SCRATCH_DATABASE
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        load_taxonomy()
        quality = measure(load_labels())
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    print(quality.report(errors="--errors" in argv))
    return 1 if quality.unmatched else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
