"""Citing and correcting: Ofsted's published link, staff edit links, themes under a letter in
the admin, and dry runs that speak in labels."""

from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import reverse

from inspections.importer import import_letter
from inspections.models import FindingTheme, Inspection, Theme, ThemeRejection
from inspections.sources import link_sources
from inspections.themes import tagging as themes
from tests.conftest import REPO_ROOT, SEED_DIR, seed_path
from tests.factories import FindingFactory, InspectionFactory

pytestmark = pytest.mark.django_db

REPORTS_MANIFEST = REPO_ROOT / "fixtures" / "reports" / "MANIFEST.csv"
LETTERS_MANIFEST = REPO_ROOT / "fixtures" / "real" / "MANIFEST.csv"
BRISTOL_2018 = "80441_bristol_2018-09-10_ilacs.pdf"


def test_link_sources_fills_the_published_url_from_a_manifest(tmp_path):
    report = InspectionFactory(source_name=BRISTOL_2018)
    letter = InspectionFactory(source_name="2532283_dorset_2023-06-22_fv.txt")
    unknown = InspectionFactory(source_name="somewhere-else.txt")

    first = link_sources(manifest=REPORTS_MANIFEST)
    again = link_sources(manifest=REPORTS_MANIFEST)
    letters = link_sources(manifest=LETTERS_MANIFEST)

    report.refresh_from_db()
    assert report.published_url == "https://files.ofsted.gov.uk/v1/file/50033714"
    assert (first.linked, again.linked, again.unchanged) == (1, 0, 1)
    assert first.not_imported == again.not_imported == 11  # the 12 reports but Bristol's
    # A letters' manifest knows only the scrape tool's copy: nothing is made up.
    assert letters.without_link == 1 and letters.linked == 0
    assert Inspection.objects.get(pk=letter.pk).published_url == ""
    assert Inspection.objects.get(pk=unknown.pk).published_url == ""


def test_link_sources_takes_only_https_links(tmp_path):
    InspectionFactory(source_name="a.pdf")
    manifest = tmp_path / "MANIFEST.csv"
    manifest.write_text("file,inspection_link\na.pdf,javascript:alert(1)\n")

    report = link_sources(manifest=manifest)

    assert report.without_link == 1
    assert Inspection.objects.get().published_url == ""


def test_link_sources_command_reports_and_make_db_runs_it(capsys):
    InspectionFactory(source_name=BRISTOL_2018)

    call_command("link_sources", str(REPORTS_MANIFEST), "--dry-run")
    assert Inspection.objects.get().published_url == ""
    call_command("link_sources", str(REPORTS_MANIFEST))

    out = capsys.readouterr().out
    assert "would have linked 1" in out and "linked 1" in out
    assert Inspection.objects.get().published_url.startswith("https://files.ofsted.gov.uk/")
    makefile = (REPO_ROOT / "Makefile").read_text()
    assert "link_sources fixtures/reports/MANIFEST.csv" in makefile


def test_letter_page_links_to_the_published_document_and_the_original(client):
    inspection = InspectionFactory(published_url="https://files.ofsted.gov.uk/v1/file/50033714")
    bare = InspectionFactory()

    html = client.get(inspection.get_absolute_url()).content.decode()
    bare_html = client.get(bare.get_absolute_url()).content.decode()

    assert '<a href="https://files.ofsted.gov.uk/v1/file/50033714" rel="external">' in html
    assert reverse("inspections:letter-source", args=[inspection.pk]) in html
    assert "Ofsted's link to this letter is not known." in bare_html


def staff_user(django_user_model, *codenames: str):
    user, _ = django_user_model.objects.get_or_create(username="editor", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return django_user_model.objects.get(pk=user.pk)  # a fresh permission cache


@pytest.mark.parametrize("page", ["letter", "findings"])
def test_staff_who_may_change_findings_see_an_edit_link_on_each(client, django_user_model, page):
    finding = FindingFactory(position=7, text="Caseloads are too high.")
    url = (
        finding.inspection.get_absolute_url()
        if page == "letter"
        else reverse("inspections:finding-list") + "?q=caseloads"
    )
    edit_url = reverse("admin:inspections_finding_change", args=[finding.pk])

    assert edit_url not in client.get(url).content.decode()
    client.force_login(staff_user(django_user_model, "view_finding"))
    assert edit_url not in client.get(url).content.decode()
    client.force_login(staff_user(django_user_model, "change_finding"))
    html = client.get(url).content.decode()

    assert f'<a class="edit-link" href="{edit_url}">edit' in html
    if page == "letter":
        assert 'id="finding-7"' in html  # the anchor stays the finding's position


def form_data(response) -> dict:
    """What the browser would post back from an admin change page left as it is."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms:
        for field in form:
            value = field.value()
            if value is None or value is False:
                continue
            data[field.html_name] = (
                "on"
                if value is True
                else [str(v) for v in value]
                if isinstance(value, list)
                else str(value)
            )
    return data


def test_themes_are_corrected_under_the_letter_in_the_admin_and_survive_retagging(admin_client):
    inspection = import_letter(data=seed_path(4).read_bytes(), source_name="004.txt").inspection
    finding = inspection.findings.filter(themes__isnull=False).exclude(themes__slug="recording")[0]
    ruled = set(finding.themes.values_list("slug", flat=True))
    recording = Theme.objects.get(slug="recording")
    change_url = reverse("admin:inspections_inspection_change", args=[inspection.pk])

    page = admin_client.get(change_url)
    assert 'name="findings-0-theme_list"' in page.content.decode()
    data = form_data(page)
    rows = page.context["inline_admin_formsets"][0].formset.forms
    index = next(i for i, row in enumerate(rows) if row.instance.pk == finding.pk)
    assert sorted(data[f"findings-{index}-theme_list"]) == sorted(
        str(pk) for pk in finding.themes.values_list("pk", flat=True)
    )
    # Its own themes head its list, where an editor sees them.
    options = rows[index].fields["theme_list"].queryset
    assert {theme.slug for theme in options[: len(ruled)]} == ruled
    data[f"findings-{index}-theme_list"] = [str(recording.pk)]
    untouched = rows[index - 1 if index else index + 1].instance
    untouched_themes = list(FindingTheme.objects.filter(finding=untouched).values_list())
    response = admin_client.post(change_url, data)

    assert response.status_code == 302
    assert list(finding.themes.values_list("slug", flat=True)) == ["recording"]
    assert FindingTheme.objects.get(finding=finding).assigned_by == "editor"
    rejected = ThemeRejection.objects.filter(finding=finding).values_list("theme__slug", flat=True)
    assert set(rejected) == ruled
    assert list(FindingTheme.objects.filter(finding=untouched).values_list()) == untouched_themes
    themes.retag_all()
    assert list(finding.themes.values_list("slug", flat=True)) == ["recording"]


def test_import_dry_run_names_the_inspection_type_by_its_label(capsys):
    call_command("import_letters", str(seed_path(1)), "--dry-run", verbosity=2)

    out = capsys.readouterr().out
    label = "Unannounced inspection of contact, referral and assessment"
    assert f"would be created: Halton: {label}, 10 January 2012: 17 findings" in out
    assert "unannounced_cra" not in out
    assert not Inspection.objects.exists()
    assert Path(SEED_DIR).exists()


def test_those_who_may_only_view_see_the_themes_column_as_text(client, django_user_model):
    inspection = import_letter(data=seed_path(4).read_bytes(), source_name="004.txt").inspection
    client.force_login(staff_user(django_user_model, "view_inspection", "view_finding"))

    response = client.get(reverse("admin:inspections_inspection_change", args=[inspection.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="findings-0-theme_list"' not in html
    named = inspection.findings.filter(themes__isnull=False).first().themes.first().name
    assert named in html
