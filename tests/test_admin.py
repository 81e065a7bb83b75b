"""The admin: login required, and the letter upload runs the same import as the command."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from inspections.models import Inspection
from tests.conftest import REAL_FIXTURES, seed_path

pytestmark = pytest.mark.django_db

UPLOAD_URL = reverse("admin:inspections_inspection_upload")


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/plain")


def test_upload_needs_a_staff_login(client):
    response = client.get(UPLOAD_URL)

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_upload_imports_letters_and_reports_each_file(admin_client):
    files = [
        upload("000.txt", seed_path(0).read_bytes()),
        upload("003.txt", seed_path(3).read_bytes()),
        upload("empty.txt", b""),
    ]

    response = admin_client.post(UPLOAD_URL, {"files": files})

    html = response.content.decode()
    assert response.status_code == 200
    assert Inspection.objects.count() == 2
    assert html.count('class="result-created"') == 2
    assert 'class="result-rejected"' in html
    assert "empty file" in html

    again = admin_client.post(UPLOAD_URL, {"files": [upload("000.txt", seed_path(0).read_bytes())]})
    assert 'class="result-unchanged"' in again.content.decode()
    assert Inspection.objects.count() == 2


def test_upload_refuses_files_over_the_size_limit(admin_client, settings):
    settings.LETTER_UPLOAD_MAX_BYTES = 1000

    response = admin_client.post(
        UPLOAD_URL, {"files": [upload("000.txt", seed_path(0).read_bytes())]}
    )

    assert "over the limit" in response.content.decode()
    assert not Inspection.objects.exists()


def test_a_wrong_file_type_is_rejected_and_the_rest_still_import(admin_client):
    files = [upload("letter.docx", b"PK\x03\x04"), upload("000.txt", seed_path(0).read_bytes())]

    response = admin_client.post(UPLOAD_URL, {"files": files})

    html = response.content.decode()
    assert "only .pdf and .txt files are accepted" in html
    assert 'class="result-rejected"' in html and 'class="result-created"' in html
    assert Inspection.objects.count() == 1


def test_a_folder_of_pdfs_and_text_files_gets_one_row_each(admin_client):
    pdfs = sorted(REAL_FIXTURES.glob("*/*.pdf"))[:3]
    files = [
        *(upload(path.name, path.read_bytes()) for path in pdfs),
        upload("000.txt", seed_path(0).read_bytes()),
        upload("broken.pdf", pdfs[0].read_bytes()[:5000]),  # cut short in transfer
        upload("saved-error-page.pdf", b"<!DOCTYPE html><html><body>Not found</body></html>"),
    ]

    response = admin_client.post(UPLOAD_URL, {"files": files})

    html = response.content.decode()
    assert html.count('class="result-created"') == 4
    assert html.count('class="result-rejected"') == 2
    assert "truncated PDF" in html and "an HTML page" in html
    stored = Inspection.objects.filter(source_name=pdfs[0].name).get()
    assert bytes(stored.source_document.data) == pdfs[0].read_bytes()


def test_dry_run_upload_stores_nothing(admin_client):
    response = admin_client.post(
        UPLOAD_URL, {"files": [upload("001.txt", seed_path(1).read_bytes())], "dry_run": "on"}
    )

    assert "would be created" in response.content.decode()
    # Labels, as the real import shows them, never the type's code.
    label = "Unannounced inspection of contact, referral and assessment"
    assert f"Halton: {label}, 10 January 2012: 17 findings" in response.content.decode()
    assert "unannounced_cra" not in response.content.decode()
    assert not Inspection.objects.exists()


def test_admin_pages_render(admin_client):
    admin_client.post(UPLOAD_URL, {"files": [upload("002.txt", seed_path(2).read_bytes())]})
    inspection = Inspection.objects.get()

    for url in (
        reverse("admin:inspections_inspection_changelist"),
        reverse("admin:inspections_inspection_change", args=[inspection.pk]),
        reverse("admin:inspections_finding_changelist") + "?q=management",
        reverse("admin:inspections_authority_changelist") + "?q=Liverpool",
    ):
        assert admin_client.get(url).status_code == 200, url


# Permissions: staff status opens the admin, but each page and action needs its own permission.


def staff_client(client, django_user_model, *permissions: str):
    """A client signed in as a staff user holding exactly these permissions ("app.codename")."""
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user(
        username="editor", password="a long password 123", is_staff=True
    )
    for dotted in permissions:
        app_label, codename = dotted.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    client.force_login(user)
    return client


def test_upload_sends_a_non_staff_user_to_the_login(client, django_user_model):
    user = django_user_model.objects.create_user(username="reader", password="x")
    client.force_login(user)

    response = client.post(UPLOAD_URL, {"files": [upload("000.txt", seed_path(0).read_bytes())]})

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
    assert not Inspection.objects.exists()


def test_upload_is_forbidden_to_staff_without_the_add_permission(client, django_user_model):
    staff = staff_client(client, django_user_model, "inspections.view_inspection")

    get = staff.get(UPLOAD_URL)
    post = staff.post(UPLOAD_URL, {"files": [upload("000.txt", seed_path(0).read_bytes())]})

    assert get.status_code == 403
    assert post.status_code == 403
    assert not Inspection.objects.exists()
    changelist = staff.get(reverse("admin:inspections_inspection_changelist"))
    assert changelist.status_code == 200
    assert UPLOAD_URL not in changelist.content.decode()


def test_upload_works_for_staff_with_the_add_permission(client, django_user_model):
    staff = staff_client(
        client, django_user_model, "inspections.view_inspection", "inspections.add_inspection"
    )

    assert staff.get(UPLOAD_URL).status_code == 200
    response = staff.post(UPLOAD_URL, {"files": [upload("000.txt", seed_path(0).read_bytes())]})

    assert response.status_code == 200
    assert 'class="result-created"' in response.content.decode()
    assert Inspection.objects.count() == 1
    changelist = staff.get(reverse("admin:inspections_inspection_changelist"))
    assert UPLOAD_URL in changelist.content.decode()


def test_retag_action_needs_the_change_permission_on_themes(client, django_user_model):
    from inspections.models import Theme

    theme = Theme.objects.order_by("pk").first()
    url = reverse("admin:inspections_theme_changelist")
    action = {"action": "retag_selected", "_selected_action": [theme.pk]}

    viewer = staff_client(client, django_user_model, "inspections.view_theme")
    assert "retag_selected" not in viewer.get(url).content.decode()
    refused = viewer.post(url, action, follow=True)
    assert "rules applied" not in refused.content.decode()

    from django.contrib.auth.models import Permission

    viewer_user = django_user_model.objects.get(username="editor")
    viewer_user.user_permissions.add(Permission.objects.get(codename="change_theme"))
    allowed = client.post(url, action, follow=True)
    assert "rules applied to every finding" in allowed.content.decode()


def test_a_finding_saved_by_someone_who_may_only_view_its_themes_keeps_them(
    client, django_user_model
):
    from inspections.models import FindingTheme, Theme
    from tests.factories import FindingFactory

    finding = FindingFactory()
    theme = Theme.objects.order_by("pk").first()
    FindingTheme.objects.create(
        finding=finding, theme=theme, assigned_by=FindingTheme.AssignedBy.RULE
    )
    staff = staff_client(
        client,
        django_user_model,
        "inspections.view_finding",
        "inspections.change_finding",
        "inspections.view_findingtheme",
    )
    url = reverse("admin:inspections_finding_change", args=[finding.pk])
    page = staff.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {
        **{name: form.initial.get(name) or "" for name in form.fields},
        "inspection": finding.inspection_id,
        "text": "Caseloads are far too high.",
    }
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in management.fields:
            data[f"{formset.formset.prefix}-{name}"] = management.initial.get(name, 0)
        # The hidden keys a browser posts back for each existing row, view-only or not.
        for row in formset.formset.initial_forms:
            data[f"{row.prefix}-id"] = row.instance.pk
            data[f"{row.prefix}-finding"] = finding.pk

    response = staff.post(url, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    finding.refresh_from_db()
    assert finding.text == "Caseloads are far too high."
    assert FindingTheme.objects.filter(finding=finding, theme=theme).exists()
