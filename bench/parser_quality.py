"""Score the letter parser against the hand-read ground truth in tests/ground_truth/.

    .venv/bin/python bench/parser_quality.py                 # the test set, PDF and text
    .venv/bin/python bench/parser_quality.py --set dev       # the letters we built on
    .venv/bin/python bench/parser_quality.py --errors        # list every disagreement

A finding is right when its whole text and its category match a ground-truth finding of
the same letter (whitespace aside). Precision: the share of the parser's findings that
are right; recall: the share of the ground truth's findings the parser got right. Every
metadata field is compared on its own. The PDF is read from ../shared/real/, the text
from the pdftotext .txt beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

from inspections.councils import match_council  # noqa: E402
from inspections.parsing import LetterParseError, parse_letter  # noqa: E402

GROUND_TRUTH = ROOT / "tests" / "ground_truth"
SHARED = Path(os.environ.get("SHARED_DIR", ROOT.parent / "shared"))
FIELDS = (
    "authority",
    "letter_date",
    "inspection_type",
    "visit_start",
    "visit_end",
    "inspectors",
    "priority_action",
)


def normalise(text: str) -> str:
    return " ".join(text.split())


def truth_files(which: str) -> list[Path]:
    return sorted((GROUND_TRUTH / which).glob("*.json"))


def parsed_fields(letter) -> dict:
    return {
        "authority": letter.authority,
        "letter_date": letter.letter_date.isoformat(),
        "inspection_type": letter.inspection_type,
        "visit_start": letter.visit_start.isoformat() if letter.visit_start else None,
        "visit_end": letter.visit_end.isoformat() if letter.visit_end else None,
        "inspectors": list(letter.inspectors),
        "priority_action": letter.priority_action,
    }


def same_field(name: str, truth, found) -> bool:
    if name == "authority":
        on = None
        council = match_council(truth) if truth else None
        found_council = match_council(found, on=on) if found else None
        return council is not None and found_council is not None and council == found_council
    if name == "inspectors":
        return [normalise(n).lower() for n in truth] == [normalise(n).lower() for n in found]
    return truth == found


def score(which: str, source: str, show_errors: bool) -> dict:
    counts = Counter()
    fields = Counter()
    letters = 0
    for path in truth_files(which):
        truth = json.loads(path.read_text(encoding="utf-8"))
        document = SHARED / "real" / truth["file"]
        if source == "text":
            document = document.with_suffix(".txt")
        letters += 1
        expected = Counter((f["category"], normalise(f["text"])) for f in truth["findings"])
        counts["truth"] += sum(expected.values())
        try:
            letter = parse_letter(
                document.read_bytes(), filename=document.name, match_council=match_council
            )
        except LetterParseError as error:
            print(f"  {path.name}: not parsed: {error}")
            continue
        found = Counter((f.category, normalise(f.text)) for f in letter.findings)
        right = expected & found
        counts["found"] += sum(found.values())
        counts["right"] += sum(right.values())
        values = parsed_fields(letter)
        for name in FIELDS:
            if same_field(name, truth[name], values[name]):
                fields[name] += 1
            elif show_errors:
                print(f"  {path.name}: {name}: expected {truth[name]!r}, got {values[name]!r}")
        if show_errors:
            for category, text in sorted((found - expected).elements()):
                print(f"  {path.name}: extra   [{category}] {text[:160]}")
            for category, text in sorted((expected - found).elements()):
                print(f"  {path.name}: missing [{category}] {text[:160]}")
    precision = counts["right"] / counts["found"] if counts["found"] else 0.0
    recall = counts["right"] / counts["truth"] if counts["truth"] else 0.0
    return {
        "letters": letters,
        "findings": counts["truth"],
        "found": counts["found"],
        "right": counts["right"],
        "precision": precision,
        "recall": recall,
        "fields": {name: fields[name] / letters if letters else 0.0 for name in FIELDS},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", default="test", choices=["test", "dev"])
    parser.add_argument("--source", choices=["pdf", "text"], action="append")
    parser.add_argument("--errors", action="store_true")
    args = parser.parse_args()
    for source in args.source or ["pdf", "text"]:
        result = score(args.set, source, args.errors)
        print(
            f"{args.set} set, from {source}: {result['letters']} letters, "
            f"{result['findings']} findings: precision {result['precision']:.3f}"
            f" ({result['right']} of {result['found']} read right), recall {result['recall']:.3f}"
            f" ({result['right']} of {result['findings']})"
        )
        for name, share in result["fields"].items():
            print(f"  {name}: {share:.3f}")


if __name__ == "__main__":
    main()
