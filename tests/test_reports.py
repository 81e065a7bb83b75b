"""Full inspection reports: read from their PDF into grades, points and findings, stored whole.

Two of the hand-read reports (tests/ground_truth/reports/) are in fixtures/reports/ and are
held to exactly here; the 241 reports of ../shared/ run in CI (marked shared).
"""

import functools
import json
import re
from collections import Counter

import pytest
from django.core.management import call_command

from inspections.councils import match_council
from inspections.importer import Outcome, import_letter, import_paths
from inspections.models import Finding, Inspection, Judgement
from inspections.parsing import LetterParseError, parse_letter
from tests.conftest import REPO_ROOT, SHARED_DIR, require_shared

REPORTS = REPO_ROOT / "fixtures" / "reports" / "ilacs"
GROUND_TRUTH = REPO_ROOT / "tests" / "ground_truth" / "reports"
parse = functools.partial(parse_letter, match_council=match_council)


def hand_read(stem: str) -> dict:
    return json.loads((GROUND_TRUTH / f"{stem}.json").read_text(encoding="utf-8"))


def texts(report, category: str) -> list[str]:
    return [" ".join(f.text.split()) for f in report.findings if f.category == category]


@pytest.mark.parametrize("stem", ["80441_bristol_2023-01-16", "80579_wigan_2025-10-06"])
def test_a_report_reads_as_a_careful_reader_read_it(stem):
    truth = hand_read(stem)
    report = parse((REPORTS / truth["file"]).read_bytes())

    assert report.inspection_type == "ilacs"
    assert (str(report.visit_start), str(report.visit_end)) == (
        truth["visit_start"],
        truth["visit_end"],
    )
    assert report.framework == truth["framework"]
    assert report.inspectors[0] == truth["inspectors"][0]
    assert dict(report.judgements) == truth["judgements"]
    assert texts(report, "improvement") == [
        " ".join(t.split()) for t in truth["what_needs_to_improve"]
    ]
    assert texts(report, "overview") == [" ".join(t.split()) for t in truth["summary"]]


def test_no_paragraph_numbers_titles_footers_or_back_matter_become_findings():
    junk = re.compile(r"^\d{1,3}\.|Inspection of .*local authority children|©|Crown copyright")
    for path in sorted(REPORTS.glob("*.pdf")):
        report = parse(path.read_bytes())
        narrative = [f for f in report.findings if f.category == "narrative"]
        assert narrative, path.name
        assert not any(junk.search(f.text) for f in report.findings), path.name
        # The body's paragraphs stand under their judgement area, without its grade.
        assert {f.heading for f in narrative} <= {
            "The experiences and progress of children who need help and protection",
            "The experiences and progress of children in care",
            "The experiences and progress of children in care and care leavers",
            "The experiences and progress of care leavers",
            "The impact of leaders on social work practice with children and families",
        }, path.name


@pytest.mark.shared
def test_a_2026_report_without_an_overall_judgement_says_not_graded():
    path = SHARED_DIR / "reports" / "ilacs" / "80573_trafford_2026-06-08_ilacs.pdf"
    require_shared(path)
    report = parse(path.read_bytes())

    judgements = dict(report.judgements)
    assert judgements["overall_effectiveness"] == "not_graded"
    assert judgements["help_and_protection"] == "inadequate"
    assert set(judgements) == {
        "overall_effectiveness",
        "leadership",
        "help_and_protection",
        "children_in_care",
        "care_leavers",
    }


def test_before_2023_care_leavers_were_part_of_the_children_in_care_judgement():
    report = parse((REPORTS / "80441_bristol_2018-09-10_ilacs.pdf").read_bytes())

    assert "care_leavers" not in dict(report.judgements)
    assert report.framework == "standard"


def test_parse_letter_prints_a_reports_framework_and_judgements(capsys):
    call_command("parse_letter", str(REPORTS / "80579_wigan_2025-10-06_ilacs.pdf"))

    [report] = json.loads(capsys.readouterr().out)
    assert report["inspection_type"] == "ilacs"
    assert report["framework"] == "standard"
    assert report["judgements"]["care_leavers"] == "outstanding"
    assert report["judgements"]["help_and_protection"] == "requires_improvement"
    assert report["inspectors"] == ["Jenny-ellen Scotland"]


@pytest.mark.django_db
def test_a_report_is_stored_with_its_grades_and_its_pdf_once():
    first = import_paths(sorted(REPORTS.glob("*_2023-*.pdf")))
    again = import_paths(sorted(REPORTS.glob("*_2023-*.pdf")))

    assert first.count(Outcome.CREATED) == 4 and again.count(Outcome.UNCHANGED) == 4
    bristol = Inspection.objects.get(authority__name="Bristol", inspection_type="ilacs")
    assert bristol.framework == "standard"
    assert dict(bristol.judgements.values_list("area", "grade"))["children_in_care"] == "good"
    assert bristol.source_document.size > 100_000
    assert Judgement.objects.count() == 4 * 5
    assert Finding.objects.filter(inspection=bristol, category="improvement").count() == 6


def test_a_reports_text_is_refused_until_its_pdf_is_given():
    text = (
        "Inspection of Bristol local authority children’s services\n"
        "Inspection dates: 16 to 27 January 2023\n"
        "Lead inspector: Tracey Ledder, His Majesty’s Inspector\n"
        "Judgement Grade\n"
    ).encode()

    with pytest.raises(LetterParseError, match="read from its PDF"):
        parse(text)


@pytest.mark.shared
def test_the_241_reports_agree_with_their_manifest_and_leave_no_junk():
    reports = SHARED_DIR / "reports" / "ilacs"
    require_shared(reports / "MANIFEST.csv")
    kinds = Counter()
    for path in sorted(reports.glob("*.pdf")):
        try:
            report = parse(path.read_bytes())
        except LetterParseError as error:
            kinds[str(error).split(",")[0]] += 1
            continue
        kinds[report.inspection_type] += 1
        assert report.judgements and report.framework, path.name
        categories = {f.category for f in report.findings}
        assert {"overview", "narrative"} <= categories, path.name
    # One report is a 2017 single inspection framework re-inspection: refused as such.
    assert kinds == {"ilacs": 240, "this is a single inspection framework report (2013-2018)": 1}


@pytest.mark.shared
@pytest.mark.django_db
def test_a_single_inspection_framework_report_is_refused_with_what_it_is():
    path = SHARED_DIR / "reports" / "ilacs" / "80462_doncaster_2017-11-09_ilacs.pdf"
    require_shared(path)

    result = import_letter(data=path.read_bytes(), source_name=path.name)

    assert result.outcome == Outcome.REJECTED
    assert "single inspection framework report" in result.reason
