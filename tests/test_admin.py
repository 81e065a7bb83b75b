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
    assert "Halton, unannounced_cra, 10 January 2012: 17 findings" in response.content.decode()
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
