"""A letter's PDF and its text are one letter: imported once, whichever comes first.

`tests/letters/norfolk_2019-10-31_fv_pdftotext.txt` is pdftotext's text of
`fixtures/real/focused_visits/80418_norfolk_2019-10-31_fv.pdf`, as `../shared/real/` holds
it beside the PDF.
"""

import shutil
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from inspections.importer import AuthorityCache, Outcome, import_letter, import_paths
from inspections.importer.other_readings import remove_other_readings
from inspections.importer.reading import parsed_file
from inspections.importer.same_letter import same_text
from inspections.importer.storing import store_letters
from inspections.models import Finding, Inspection, SourceDocument, Theme, ThemeRejection
from tests.conftest import REAL_FIXTURES, seed_path

pytestmark = pytest.mark.django_db

LETTERS = Path(__file__).resolve().parent / "letters"
NORFOLK_PDF = REAL_FIXTURES / "focused_visits" / "80418_norfolk_2019-10-31_fv.pdf"
NORFOLK_TEXT = LETTERS / "norfolk_2019-10-31_fv_pdftotext.txt"
# Another council's letter of the same type, whose findings are put under Norfolk's header.
DORSET_TEXT = REAL_FIXTURES / "focused_visits" / "2532283_dorset_2019-10-24_fv.txt"


def both_readings(folder: Path) -> tuple[Path, Path]:
    pdf = Path(shutil.copy(NORFOLK_PDF, folder / "norfolk.pdf"))
    text = Path(shutil.copy(NORFOLK_TEXT, folder / "norfolk.txt"))
    return pdf, text


def test_a_letters_pdf_and_its_text_in_one_folder_are_stored_once(tmp_path):
    pdf, text = both_readings(tmp_path)

    report = import_paths([tmp_path])

    created, unchanged = report.results
    assert (created.source_name, created.outcome) == (str(pdf), Outcome.CREATED)
    assert (unchanged.source_name, unchanged.outcome) == (str(text), Outcome.UNCHANGED)
    assert unchanged.inspection == created.inspection
    assert "another reading" in unchanged.reason and "norfolk.pdf" in unchanged.reason
    assert report.other_readings == 1 and not report.failed
    letter = Inspection.objects.get()
    assert letter.source_name == "norfolk.pdf"
    assert SourceDocument.objects.filter(inspection=letter).exists()  # the PDF, kept with it
    assert Finding.objects.count() == created.findings > 0


def test_the_other_reading_in_a_later_import_is_not_stored_again(tmp_path):
    pdf, text = both_readings(tmp_path)
    [first] = import_paths([text]).results

    [again] = import_paths([pdf]).results  # a batch: the command's path
    uploaded = import_letter(data=pdf.read_bytes(), source_name="upload.pdf")  # the admin's

    for result in (again, uploaded):
        assert result.outcome == Outcome.UNCHANGED
        assert result.inspection == first.inspection
        assert "norfolk.txt" in result.reason
    assert Inspection.objects.count() == 1


def test_a_different_letter_of_the_same_council_type_and_day_is_stored(tmp_path):
    # Norfolk's header (council, date, type) over another letter's findings: the same
    # council, type and day, but another letter's words.
    norfolk = NORFOLK_TEXT.read_text(encoding="utf-8")
    dorset = DORSET_TEXT.read_text(encoding="utf-8")
    split = "\nOverview\n"
    header = norfolk[: norfolk.index(split) + len(split)]
    (tmp_path / "a.txt").write_text(norfolk, encoding="utf-8")
    (tmp_path / "b.txt").write_text(header + dorset.split(split, 1)[1], encoding="utf-8")

    report = import_paths([tmp_path])

    assert [result.outcome for result in report.results] == [Outcome.CREATED] * 2
    first, second = (result.inspection for result in report.results)
    assert (first.authority_id, first.letter_date, first.inspection_type) == (
        second.authority_id,
        second.letter_date,
        second.inspection_type,
    )
    assert report.other_readings == 0


def test_a_dry_run_reports_the_other_reading_and_writes_nothing(tmp_path):
    both_readings(tmp_path)

    report = import_paths([tmp_path], dry_run=True)

    assert [result.outcome for result in report.results] == [Outcome.CREATED, Outcome.UNCHANGED]
    assert "norfolk.pdf" in report.results[1].reason
    assert not Inspection.objects.exists()


def test_the_command_says_how_many_files_were_other_readings(tmp_path, capsys):
    both_readings(tmp_path)

    call_command("import_letters", str(tmp_path), verbosity=2)

    out = capsys.readouterr().out
    assert "created 1, unchanged 1 (1 of them the other reading" in out
    assert "norfolk.txt: unchanged:" in out and "from norfolk.pdf" in out


def test_the_admin_upload_says_why_a_file_was_not_stored_again(admin_client):
    files = [
        SimpleUploadedFile("norfolk.pdf", NORFOLK_PDF.read_bytes(), "application/pdf"),
        SimpleUploadedFile("norfolk.txt", NORFOLK_TEXT.read_bytes(), "text/plain"),
    ]

    page = admin_client.post(reverse("admin:inspections_inspection_upload"), {"files": files})

    rows = page.content.decode().split('<tr class="result-')[1:]
    assert rows[0].startswith("created") and "norfolk.pdf" in rows[0]
    assert rows[1].startswith("unchanged") and "Not stored again: another reading" in rows[1]
    assert Inspection.objects.count() == 1


def test_same_text_holds_for_two_readings_not_for_two_letters():
    norfolk = NORFOLK_TEXT.read_text(encoding="utf-8")
    # pdftotext's reading with its lines joined and page furniture dropped still matches.
    rewrapped = " ".join(line for line in norfolk.splitlines() if not line.startswith("Ofsted"))

    assert same_text(norfolk, rewrapped)
    assert not same_text(norfolk, DORSET_TEXT.read_text(encoding="utf-8"))
    assert not same_text(norfolk, "")


# Letters stored twice before the importer knew better (inspections/importer/other_readings.py).


def stored_as_before(*files: tuple[str, bytes, bool]) -> list[Inspection]:
    """Letters stored one after another as the importer stored them before 1 December,
    without looking for other readings: (name, bytes, is a PDF) each."""
    stored = []
    for name, data, is_pdf in files:
        item = parsed_file(data, source_name=name, original=data if is_pdf else None)
        with transaction.atomic():
            stored += store_letters([item], authorities=AuthorityCache())
    return stored


def test_letters_stored_twice_before_are_found_and_the_later_reading_removed(capsys):
    seed = import_paths([seed_path(1)]).results[0].inspection
    pdf, text = stored_as_before(
        ("norfolk.pdf", NORFOLK_PDF.read_bytes(), True),
        ("norfolk.txt", NORFOLK_TEXT.read_bytes(), False),
    )
    findings = Finding.objects.filter(inspection=pdf).count()

    call_command("remove_other_readings", dry_run=True)
    listed = capsys.readouterr().out
    assert Inspection.objects.count() == 3
    call_command("remove_other_readings")
    done = capsys.readouterr().out

    assert f"letter {text.pk} (norfolk.txt) is another reading of letter {pdf.pk}" in listed
    assert "would be removed" in listed and "would have removed 1 of 1" in listed
    assert "removed 1 of 1 other reading(s); 0 left" in done
    assert set(Inspection.objects.values_list("pk", flat=True)) == {seed.pk, pdf.pk}
    assert Finding.objects.filter(inspection=pdf).count() == findings
    assert not Finding.objects.filter(inspection_id=text.pk).exists()
    assert SourceDocument.objects.filter(inspection=pdf).exists()


def test_a_reading_an_editor_has_worked_on_is_left_and_listed():
    _, text = stored_as_before(
        ("norfolk.pdf", NORFOLK_PDF.read_bytes(), True),
        ("norfolk.txt", NORFOLK_TEXT.read_bytes(), False),
    )
    finding = Finding.objects.filter(inspection=text).first()
    ThemeRejection.objects.create(finding=finding, theme=Theme.objects.first())

    report = remove_other_readings()

    assert report.removed == 0 and [reading.other for reading in report.left] == [text]
    assert Inspection.objects.count() == 2


def test_two_letters_of_one_council_type_and_day_are_not_other_readings(tmp_path):
    norfolk = NORFOLK_TEXT.read_text(encoding="utf-8")
    dorset = DORSET_TEXT.read_text(encoding="utf-8")
    split = "\nOverview\n"
    mixed = norfolk[: norfolk.index(split) + len(split)] + dorset.split(split, 1)[1]
    stored_as_before(
        ("a.txt", norfolk.encode(), False),
        ("b.txt", mixed.encode(), False),
    )

    assert remove_other_readings().readings == []
    assert Inspection.objects.count() == 2
