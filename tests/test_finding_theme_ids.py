"""A finding's theme ids on its own row: always its FindingTheme rows, whoever writes them."""

import pytest
from django.db import connection

from inspections.importer import import_paths
from inspections.models import Finding, FindingTheme, Theme
from inspections.themes import services, tagging
from tests.conftest import seed_path
from tests.factories import FindingFactory

pytestmark = pytest.mark.django_db

CASELOADS = "caseloads-and-capacity"


@pytest.fixture(autouse=True)
def taxonomy():
    services.load_taxonomy()


def rows_of(finding: Finding) -> list[int]:
    """The finding's themes as FindingTheme holds them, in id order."""
    return sorted(FindingTheme.objects.filter(finding=finding).values_list("theme_id", flat=True))


def stored_ids(finding: Finding) -> list[int]:
    return Finding.objects.values_list("theme_ids", flat=True).get(pk=finding.pk)


def out_of_step() -> list[int]:
    """Findings whose theme ids are not those of their FindingTheme rows."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT f.id FROM inspections_finding f WHERE f.theme_ids IS DISTINCT FROM"
            " ARRAY(SELECT theme_id FROM inspections_findingtheme t"
            " WHERE t.finding_id = f.id ORDER BY theme_id)"
        )
        return [pk for (pk,) in cursor.fetchall()]


def test_imported_findings_carry_the_themes_they_were_tagged_with():
    report = import_paths([seed_path(0), seed_path(1), seed_path(2)])

    assert not report.failed
    tagged = Finding.objects.exclude(theme_ids=[])
    assert tagged.count() > 10
    assert out_of_step() == []


def test_an_import_tags_as_the_stored_findings_would_be_tagged():
    import_paths([seed_path(0), seed_path(3)])
    imported = {pk: ids for pk, ids in Finding.objects.values_list("pk", "theme_ids")}

    FindingTheme.objects.all().delete()
    tagging.tag_findings()

    assert out_of_step() == []
    assert dict(Finding.objects.values_list("pk", "theme_ids")) == imported


def test_an_editors_correction_moves_the_finding_theme_ids():
    finding = FindingFactory(text="Caseloads are high and supervision is infrequent.")
    tagging.tag_findings()
    caseloads = Theme.objects.get(slug=CASELOADS)
    oversight = Theme.objects.get(slug="management-oversight")
    assert caseloads.pk in stored_ids(finding)

    services.correct_themes(finding=finding, themes=[oversight])

    assert stored_ids(finding) == [oversight.pk] == rows_of(finding)


def test_retagging_after_a_rule_change_moves_them():
    finding = FindingFactory(text="The duty rota for out of hours cover is stretched.")
    theme = Theme.objects.create(slug="rota", name="Rota", rules="rota")
    tagging.retag_theme(theme)
    assert theme.pk in stored_ids(finding)

    theme.rules = "roster"
    theme.save()
    tagging.retag_theme(theme)

    assert theme.pk not in stored_ids(finding)
    assert out_of_step() == []


def test_a_finding_saved_with_old_theme_ids_keeps_its_themes():
    # An instance read before its themes changed, saved after (an admin's form): its old
    # theme ids are not written back.
    finding = FindingFactory(text="Caseloads are too high.")
    stale = Finding.objects.get(pk=finding.pk)
    tagging.tag_findings()
    assert stored_ids(finding) != stale.theme_ids

    stale.heading = "Corrected heading"
    stale.save()

    assert stored_ids(finding) == rows_of(finding) != []


def test_a_theme_deleted_leaves_its_findings():
    finding = FindingFactory(text="Caseloads are high and supervision is infrequent.")
    tagging.tag_findings()
    caseloads = Theme.objects.get(slug=CASELOADS)
    assert caseloads.pk in stored_ids(finding)

    caseloads.delete()

    assert caseloads.pk not in stored_ids(finding)
    assert stored_ids(finding) == rows_of(finding) != []


def test_the_theme_filter_reads_the_ids_on_the_finding(client):
    about = FindingFactory(text="Caseloads are too high for social workers.")
    other = FindingFactory(text="Children are seen alone by their social workers.")
    tagging.tag_findings()
    assert CASELOADS not in set(other.themes.values_list("slug", flat=True))

    page = client.get("/findings/", {"theme": CASELOADS})

    browse = page.context["browse"]
    assert [finding.pk for finding in browse.page.object_list] == [about.pk]
    [theme_facet] = [facet for facet in browse.facets if facet.name == "theme"]
    assert CASELOADS in {value.value for value in theme_facet.values}
