"""A finding carries its letter's council, date and type, and the copies stay right.

The findings page filters and counts by the copies (one table scanned, no join): a copy out
of step would put a finding under the wrong council or year.
"""

import datetime
from pathlib import Path

import pytest
from django.db import connection
from django.http import QueryDict

from inspections.browse import browse_findings
from inspections.models import Finding
from tests.factories import (
    AuthorityFactory,
    FindingFactory,
    InspectionFactory,
    JudgementFactory,
    ReportFactory,
)

pytestmark = pytest.mark.django_db


def copies(finding: Finding) -> tuple:
    finding.refresh_from_db()
    return finding.authority_id, finding.letter_date, finding.inspection_type


def test_a_finding_saved_without_the_copies_gets_its_letters():
    letter = InspectionFactory(letter_date=datetime.date(2021, 3, 4), inspection_type="jtai")
    finding = FindingFactory(inspection=letter)
    assert copies(finding) == (letter.authority_id, datetime.date(2021, 3, 4), "jtai")
    # bulk_create, as scripts and fixtures write, too
    [bulk] = Finding.objects.bulk_create(
        [Finding(inspection=letter, category="strength", position=99, text="Bulk.")]
    )
    assert copies(bulk) == (letter.authority_id, datetime.date(2021, 3, 4), "jtai")


def test_correcting_a_letter_corrects_its_findings():
    letter = InspectionFactory(letter_date=datetime.date(2021, 3, 4))
    findings = FindingFactory.create_batch(3, inspection=letter)
    other_council = AuthorityFactory(slug="elsewhere", region="London")
    letter.authority = other_council
    letter.letter_date = datetime.date(2019, 12, 31)
    letter.inspection_type = "monitoring_visit"
    letter.save()
    for finding in findings:
        assert copies(finding) == (
            other_council.pk,
            datetime.date(2019, 12, 31),
            "monitoring_visit",
        )
    # ... and so does an update() that never calls save()
    type(letter).objects.filter(pk=letter.pk).update(letter_date=datetime.date(2024, 1, 1))
    assert {copies(finding)[1] for finding in findings} == {datetime.date(2024, 1, 1)}
    result = browse_findings(QueryDict("region=London&year=2024"))
    assert result.total == 3


def test_moving_a_finding_to_another_letter_takes_that_letters_copies():
    finding = FindingFactory(inspection=InspectionFactory(letter_date=datetime.date(2020, 1, 1)))
    later = InspectionFactory(letter_date=datetime.date(2023, 6, 1), inspection_type="jtai")
    finding.inspection = later
    finding.save()
    assert copies(finding) == (later.authority_id, datetime.date(2023, 6, 1), "jtai")


def test_copies_never_differ_from_the_letters_after_an_import(client):
    from inspections.importer import import_letter

    with open(sorted(Path("fixtures/letters").glob("*.txt"))[0], "rb") as handle:
        import_letter(data=handle.read(), source_name="seed.txt")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM inspections_finding f JOIN inspections_inspection i"
            " ON i.id = f.inspection_id WHERE (f.authority_id, f.letter_date, f.inspection_type)"
            " IS DISTINCT FROM (i.authority_id, i.letter_date, i.inspection_type)"
        )
        assert cursor.fetchone()[0] == 0
    assert Finding.objects.count() > 5


def test_grade_at_the_time_counts_same_day_reports_and_letters_as_the_filter_does():
    council = AuthorityFactory(slug="sameday")
    day = datetime.date(2022, 5, 10)
    first = ReportFactory(authority=council, letter_date=day)
    second = ReportFactory(authority=council, letter_date=day)  # later id: it holds
    JudgementFactory(inspection=first, grade="inadequate")
    JudgementFactory(inspection=second, grade="good")
    earlier = ReportFactory(authority=council, letter_date=datetime.date(2019, 1, 1))
    JudgementFactory(inspection=earlier, grade="requires_improvement")
    for date in (
        datetime.date(2018, 1, 1),
        datetime.date(2019, 1, 1),
        day,
        datetime.date(2022, 5, 9),
    ):
        FindingFactory(inspection=InspectionFactory(authority=council, letter_date=date))
    result = browse_findings(QueryDict(""))
    shown = {
        value.value: value.count
        for value in next(f for f in result.facets if f.name == "grade_at_time").values
    }
    assert shown == {"none": 1, "requires_improvement": 2, "good": 1}
    for value, count in shown.items():
        assert browse_findings(QueryDict(f"grade_at_time={value}")).total == count, value
