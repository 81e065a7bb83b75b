"""Every real letter's metadata read from its PDF and from its pdftotext text, compared.

    .venv/bin/python bench/metadata_check.py [--list]

The held-out ground truth's letters (tests/ground_truth/test/, named by their json names)
are left out. For the others, each field (council, letter date, type, visit dates,
inspectors, priority action) is compared between the two paths, and the council and the
type against MANIFEST.csv (its URN, and its folder: focused_visits or jtai). The
manifest's publication date is not the letter's date, so dates are not compared with it.
Every disagreement is a candidate fault, for a person to judge against the PDF; `--list`
prints them.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

from inspections.councils import council_by_urn, match_council  # noqa: E402
from inspections.parsing import LetterParseError, parse_letter  # noqa: E402
from inspections.parsing.letter import FOCUSED_VISIT, JTAI, MONITORING_VISIT  # noqa: E402

SHARED = Path(os.environ.get("SHARED_DIR", ROOT.parent / "shared"))
HELD_OUT = ROOT / "tests" / "ground_truth" / "test"
FIELDS = (
    "council",
    "letter_date",
    "inspection_type",
    "visit_start",
    "visit_end",
    "inspectors",
    "priority_action",
)
# The manifest's folder, and the types a letter filed there may have (the scrape of focused
# visits also collected monitoring visits' letters).
FOLDER_TYPES = {"focused_visits": {FOCUSED_VISIT, MONITORING_VISIT}, "jtai": {JTAI}}


def held_out() -> set[str]:
    """The held-out letters' paths, from the json files' names alone (never opened)."""
    return {p.stem.replace("__", "/", 1) for p in HELD_OUT.glob("*.json")}


def fields(letter) -> dict:
    return {
        "council": letter.council_code,
        "letter_date": letter.letter_date,
        "inspection_type": letter.inspection_type,
        "visit_start": letter.visit_start,
        "visit_end": letter.visit_end,
        "inspectors": list(letter.inspectors),
        "priority_action": letter.priority_action,
    }


def parse(path: Path):
    try:
        return parse_letter(path.read_bytes(), filename=path.name, match_council=match_council)
    except LetterParseError as error:
        return str(error)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", action="store_true", help="print every disagreement")
    args = parser.parse_args()
    excluded = held_out()
    with open(SHARED / "real" / "MANIFEST.csv", newline="", encoding="utf-8") as manifest:
        rows = [r for r in csv.DictReader(manifest) if r["file"].endswith(".pdf")]
    letters = 0
    disagreements = Counter()
    unparsed = Counter()
    lines = []
    for row in rows:
        name = f"{row['folder']}/{Path(row['file']).stem}"
        if name in excluded:
            continue
        pdf_path = SHARED / "real" / row["folder"] / row["file"]
        by_source = {"pdf": parse(pdf_path), "text": parse(pdf_path.with_suffix(".txt"))}
        letters += 1
        for source, letter in by_source.items():
            if isinstance(letter, str):
                unparsed[source] += 1
                lines.append(f"{name}: {source} not parsed: {letter}")
        if any(isinstance(letter, str) for letter in by_source.values()):
            continue
        pdf, text = (fields(by_source[s]) for s in ("pdf", "text"))
        for field in FIELDS:
            if pdf[field] != text[field]:
                disagreements[f"pdf/text {field}"] += 1
                lines.append(f"{name}: {field}: pdf {pdf[field]!r} | text {text[field]!r}")
        council = council_by_urn(row["urn"], on=pdf["letter_date"])
        for source, values in (("pdf", pdf), ("text", text)):
            if council is not None and values["council"] != council.code:
                disagreements[f"{source}/manifest council"] += 1
                lines.append(
                    f"{name}: council: {source} {values['council']!r}"
                    f" | manifest URN {row['urn']} {council.code}"
                )
            if values["inspection_type"] not in FOLDER_TYPES.get(row["folder"], set()):
                disagreements[f"{source}/manifest type"] += 1
                lines.append(
                    f"{name}: type: {source} {values['inspection_type']!r}"
                    f" | manifest folder {row['folder']}"
                )
            if not values["inspectors"]:
                disagreements[f"{source} no inspectors"] += 1
                lines.append(f"{name}: {source}: no inspectors")
    if args.list:
        print("\n".join(lines))
    print(f"{letters} letters (held-out {len(excluded)} left out); unparsed: {dict(unparsed)}")
    for kind in sorted({*disagreements, *(f"pdf/text {f}" for f in FIELDS)}):
        print(f"  {kind}: {disagreements[kind]} ({disagreements[kind] / letters:.1%})")


if __name__ == "__main__":
    main()
