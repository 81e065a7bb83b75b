"""Build inspections/parsing/data/hyphenated.tsv: the hyphenated words Ofsted's letters use.

    .venv/bin/python scripts/build_hyphenation.py [../shared]

Reads the text layer of every PDF under shared/real/ and shared/reports/ and counts, for
each word written with a hyphen ("multi-agency"), how often it is written so and how often
the same letters appear as one word ("multiagency"), in the middle of a line, where the
printed form is certain. A hyphen at a line end counts too: in these Word-made PDFs it is
always the word's own (checked by hand on 32 letters, tests/ground_truth/).

pdftotext drops a hyphen that ends a line ("multi-" / "agency" becomes "multiagency"); the
text path of the parser uses this list to put it back, and search uses it so that
"multi-agency", "multiagency" and "multi agency" find the same findings.

The letters of the held-out test set (tests/ground_truth/test/) are left out, so that the
parser's figures on that set are measured on letters whose words it has not seen.
"""

import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from inspections.parsing.pdf import LINE_END_HYPHEN, read_pdf  # noqa: E402

OUT = ROOT / "inspections" / "parsing" / "data" / "hyphenated.tsv"
WORD = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)+|[A-Za-z]+")


def main() -> None:
    shared = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared"
    held_out = {
        json.loads(path.read_text(encoding="utf-8"))["file"]
        for path in (ROOT / "tests" / "ground_truth" / "test").glob("*.json")
    }
    letters = [
        path
        for path in shared.glob("real/**/*.pdf")
        if str(path.relative_to(shared / "real")) not in held_out
    ]
    pdfs = sorted([*letters, *shared.glob("reports/**/*.pdf")])
    hyphenated: Counter[str] = Counter()
    joined: Counter[str] = Counter()
    for number, path in enumerate(pdfs, start=1):
        for page in read_pdf(path.read_bytes()):
            lines = page.lines
            for index, line in enumerate(lines):
                words = WORD.findall(line.text)
                if line.hyphen_end and words and index + 1 < len(lines):
                    following = WORD.findall(lines[index + 1].text)
                    if following and following[0][:1].islower():
                        hyphenated[f"{words[-1]}-{following[0]}".lower()] += 1
                    words = words[:-1]
                if index > 0 and lines[index - 1].hyphen_end:
                    words = words[1:]
                for word in words:
                    if "-" in word:
                        hyphenated[word.lower()] += 1
                    else:
                        joined[word.lower()] += 1
        if number % 100 == 0:
            print(f"{number} of {len(pdfs)} PDFs read", file=sys.stderr)
    rows = []
    for word, count in sorted(hyphenated.items()):
        if LINE_END_HYPHEN in word or len(word.replace("-", "")) < 5:
            continue
        rows.append(f"{word}\t{count}\t{joined[word.replace('-', '')]}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    header = "# hyphenated\ttimes written with hyphens\ttimes written as one word\n"
    OUT.write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    print(f"{len(rows)} hyphenated words from {len(pdfs)} PDFs written to {OUT}")


if __name__ == "__main__":
    main()
