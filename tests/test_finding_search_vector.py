"""A finding's search vector: made once by the importer, by a trigger for everyone else,
and the same either way (migration 0022)."""

import importlib

import pytest
from django.db import connection

from inspections.importer import import_paths
from inspections.models import Finding
from tests.conftest import seed_path
from tests.factories import FindingFactory

pytestmark = pytest.mark.django_db

VECTOR = importlib.import_module(
    "inspections.migrations.0022_finding_search_vector_made_once"
).VECTOR.format(row="")


def test_imported_findings_store_the_vector_the_expression_makes():
    report = import_paths([seed_path(0), seed_path(1), seed_path(4)])
    assert not report.failed

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*), COUNT(*) FILTER (WHERE heading <> ''),"
            f" COUNT(*) FILTER (WHERE search_vector IS DISTINCT FROM ({VECTOR}))"
            " FROM inspections_finding"
        )
        findings, with_headings, differing = cursor.fetchone()

    assert findings > 20 and with_headings > 0
    assert differing == 0


def matches(finding, words: str) -> bool:
    return Finding.objects.filter(pk=finding.pk, search_vector=words).exists()


def test_a_finding_written_otherwise_gets_its_vector_and_keeps_it_in_step():
    finding = FindingFactory(text="Caseloads are too high.", heading="")
    assert matches(finding, "caseloads")

    finding.refresh_from_db()  # with the letter's columns the database copied onto it
    finding.text = "Supervision is regular."
    finding.save()
    assert not matches(finding, "caseloads")
    assert matches(finding, "supervision")

    Finding.objects.filter(pk=finding.pk).update(heading="Leadership")
    assert matches(finding, "leadership")

    finding.refresh_from_db()
    finding.recurring = True  # saved with the vector it was read with: still in step
    finding.save()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT search_vector = ({VECTOR}) FROM inspections_finding WHERE id = %s",
            [finding.pk],
        )
        assert cursor.fetchone() == (True,)
