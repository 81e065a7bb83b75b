"""Score the report parser against the reports' manifest and the hand-read reports.

    .venv/bin/python bench/report_quality.py            # agreement per field, junk count
    .venv/bin/python bench/report_quality.py --list     # every disagreement and junk finding

Over the 241 real full inspection reports in ../shared/reports/ilacs/: for each field of
the manifest (first and last day, lead inspector, framework, each grade) the share of
reports where the parser reads the same. The manifest's `not_reported_post_reform` is a
report with no overall judgement (`not_graded`), and `inspection_pre_dates_judgement` for
care leavers is a report without that judgement. Junk findings are counted over all of
them: a paragraph number, a section title, a page header or footer, back matter. Then the
12 reports read by hand (tests/ground_truth/reports/): their "What needs to improve"
points and summary paragraphs, text for text.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from inspections.councils import match_council  # noqa: E402
from inspections.parsing import LetterParseError, parse_letter  # noqa: E402

SHARED = ROOT.parent / "shared"
REPORTS = SHARED / "reports" / "ilacs"
GRADE_COLUMNS = {
    "overall_effectiveness": "overall_effectiveness_grade",
    "leadership": "impact_of_leaders_grade",
    "help_and_protection": "help_and_protection_grade",
    "children_in_care": "in_care_grade",
    "care_leavers": "care_leavers_grade",
}
JUNK = re.compile(
    r"^\d{1,3}\.?$|^Inspection of .{0,60}local authority children|©|Crown copyright"
    r"|Open Government Licence|Piccadilly Gate|^(?:What needs to improve|Judgement|Grade)\b"
    r"|^The (?:experiences and progress of|impact of leaders on)[^.]{0,120}(?::|\bis)\s"
    r"(?:good|outstanding|inadequate|requires improvement)",
    re.I,
)


def manifest_grade(value: str) -> str | None:
    value = value.strip().lower().replace(" ", "_")
    if value in {"", "inspection_pre_dates_judgement"}:
        return None
    if value == "not_reported_post_reform":
        return "not_graded"
    if value.startswith("requires_improvement"):
        return "requires_improvement"
    return value


def day(value: str) -> str:
    return datetime.strptime(value, "%d/%m/%Y").date().isoformat() if value else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", action="store_true")
    args = parser.parse_args()
    with (REPORTS / "MANIFEST.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    agree: Counter[str] = Counter()
    junk = findings = failed = 0
    disagreements = []
    for row in rows:
        path = REPORTS / row["file"]
        try:
            report = parse_letter(path.read_bytes(), match_council=match_council)
        except LetterParseError as error:
            failed += 1
            disagreements.append(f"{row['file']}: not read: {error}")
            continue
        judgements = dict(report.judgements)
        checks = {
            "first day": (day(row["inspection_start_date"]), str(report.visit_start)),
            "last day": (day(row["inspection_end_date"]), str(report.visit_end)),
            "lead inspector": (
                " ".join(row["inspector_name"].replace(" -", "-").split()).lower(),
                (report.inspectors[0] if report.inspectors else "").lower(),
            ),
            "framework": (row["inspection_framework"], report.framework),
            **{
                f"grade: {area}": (manifest_grade(row[column]), judgements.get(area))
                for area, column in GRADE_COLUMNS.items()
            },
        }
        for field, (expected, found) in checks.items():
            if expected == found:
                agree[field] += 1
            else:
                disagreements.append(
                    f"{row['file']}: {field}: manifest {expected!r}, read {found!r}"
                )
        for finding in report.findings:
            findings += 1
            fragment = finding.category == "narrative" and len(finding.text.split()) < 4
            if JUNK.search(finding.text) or fragment:
                junk += 1
                if args.list:
                    print(f"  junk: {row['file']}: [{finding.category}] {finding.text[:100]}")
    read = len(rows) - failed
    print(f"{len(rows)} reports, {read} read; agreement with the manifest, field by field:")
    for field in [
        "first day",
        "last day",
        "lead inspector",
        "framework",
        *(f"grade: {area}" for area in GRADE_COLUMNS),
    ]:
        print(f"  {field:32} {agree[field] / len(rows):.3f}")
    print(f"junk findings: {junk} of {findings}")
    if args.list:
        for line in disagreements:
            print(f"  {line}")
    hand_read(args.list)


def hand_read(listing: bool) -> None:
    points = right_points = summary = right_summary = 0
    for path in sorted((ROOT / "tests" / "ground_truth" / "reports").glob("*.json")):
        truth = json.loads(path.read_text(encoding="utf-8"))
        report = parse_letter((REPORTS / truth["file"]).read_bytes(), match_council=match_council)
        for category, expected in (
            ("improvement", truth["what_needs_to_improve"]),
            ("overview", truth["summary"]),
        ):
            want = Counter(" ".join(t.split()) for t in expected)
            got = Counter(
                " ".join(f.text.split()) for f in report.findings if f.category == category
            )
            right = sum((want & got).values())
            if category == "improvement":
                points += sum(want.values())
                right_points += right
            else:
                summary += sum(want.values())
                right_summary += right
            if listing and want != got:
                for text in want - got:
                    print(f"  {path.name}: missing [{category}] {text[:120]}")
                for text in got - want:
                    print(f"  {path.name}: extra   [{category}] {text[:120]}")
    print(
        f"hand-read reports: 'What needs to improve' points {right_points}/{points} exact;"
        f" summary paragraphs {right_summary}/{summary} exact"
    )


if __name__ == "__main__":
    main()
