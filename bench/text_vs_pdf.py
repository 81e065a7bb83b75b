"""The text path against the PDF path, over the real letters that are not held out.

    .venv/bin/python bench/text_vs_pdf.py            # agreement figures
    .venv/bin/python bench/text_vs_pdf.py --list     # and every disagreement
    .venv/bin/python bench/text_vs_pdf.py --list --only dorset   # letters whose name holds a word

The PDF path scores 0.988 on the hand-read letters, so it serves as a silver standard for
the pdftotext text of the same letters: a text finding is right when a PDF finding of the
same letter has its whole text and category (whitespace aside). Precision: the share of
the text path's findings the PDF path also has; recall: the share of the PDF path's
findings the text path also has. The 24 held-out letters (tests/ground_truth/test/, known
by their file names only) are left out, so that this signal can be built on.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

from inspections.councils import match_council  # noqa: E402
from inspections.parsing import LetterParseError, parse_letter  # noqa: E402

SHARED = Path(os.environ.get("SHARED_DIR", ROOT.parent / "shared"))
HELD_OUT = ROOT / "tests" / "ground_truth" / "test"


def held_out() -> set[str]:
    """The held-out letters' PDF paths under real/, from the ground truth's file names
    ("<folder>__<stem>.json"), without reading the files."""
    return {
        "/".join(path.stem.split("__", 1)) + ".pdf"
        for path in HELD_OUT.glob("*.json")
        if "__" in path.stem
    }


def findings(document: Path) -> Counter | None:
    try:
        letter = parse_letter(document.read_bytes(), match_council=match_council)
    except LetterParseError:
        return None
    return Counter((f.category, " ".join(f.text.split())) for f in letter.findings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", action="store_true", help="print every disagreement")
    parser.add_argument("--only", default="", help="only letters whose file name holds this")
    args = parser.parse_args()
    skip = held_out()
    counts = Counter()
    for pdf in sorted((SHARED / "real").glob("**/*.pdf")):
        name = pdf.relative_to(SHARED / "real").as_posix()
        if name in skip or args.only not in name:
            continue
        silver = findings(pdf)
        text = pdf.with_suffix(".txt")
        if silver is None or not text.exists():
            continue
        found = findings(text)
        counts["letters"] += 1
        counts["silver"] += sum(silver.values())
        if found is None:
            counts["unread"] += 1
            if args.list:
                print(f"{name}: the text is not read")
            continue
        counts["found"] += sum(found.values())
        counts["right"] += sum((silver & found).values())
        if found == silver:
            counts["same"] += 1
        elif args.list:
            for category, finding in (found - silver).elements():
                print(f"{name}: extra   [{category}] {finding}")
            for category, finding in (silver - found).elements():
                print(f"{name}: missing [{category}] {finding}")
    precision = counts["right"] / counts["found"] if counts["found"] else 0.0
    recall = counts["right"] / counts["silver"] if counts["silver"] else 0.0
    print(
        f"text against PDF, {counts['letters']} letters ({len(skip)} held out), "
        f"{counts['silver']} PDF findings: precision {precision:.3f}, recall {recall:.3f}; "
        f"letters read alike {counts['same']}, text not read {counts['unread']}"
    )


if __name__ == "__main__":
    main()
