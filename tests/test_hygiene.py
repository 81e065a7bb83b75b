"""Hostile input: control characters, huge or repeated query values, unreadable folders."""

import csv
import io
import json
import os
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from inspections.importer import import_letter
from inspections.models import Finding, Inspection
from tests.conftest import seed_path
from tests.factories import FindingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def letter():
    return FindingFactory(text="Supervision is regular.").inspection


@pytest.mark.parametrize(
    "path",
    [
        "/findings/?authority=%00",
        "/findings/?theme=%00",
        "/findings/?q=care%00",
        "/findings/?region=%01",
        "/letters/?authority=%00",
        "/letters/?q=%1b",
        "/findings/export.csv?q=%00",
        "/findings/export.json?authority=%00",
        "/authorities/?x%00=1",
    ],
)
def test_a_control_character_in_the_query_string_is_a_400_that_says_so(client, path):
    response = client.get(path)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "control character" in html
    assert "Findings</a>" in html  # the site's page, with its navigation


def test_the_api_answers_a_control_character_in_json(client):
    response = client.get("/api/v1/findings/?q=care%00")

    assert response.status_code == 400
    assert "control character" in response.json()["detail"]


def test_a_control_character_in_a_letter_page_query_is_a_400(client, letter):
    response = client.get(f"{letter.get_absolute_url()}?q=%00")

    assert response.status_code == 400
    assert "<strong>q</strong>" in response.content.decode()


def test_tabs_and_newlines_in_a_query_are_fine(client, letter):
    response = client.get("/findings/", {"q": "supervision\tregular\n"})

    assert response.status_code == 200


def test_a_very_long_query_is_cut_with_a_notice_and_the_page_stays_small(client, letter):
    words = ("supervision " * 400).strip()  # 4,799 characters

    response = client.get("/findings/", {"q": words, "region": ["North West"] * 30})

    assert response.status_code == 200
    html = response.content.decode()
    assert "was cut to its first 500 characters" in html
    assert "Only the first 20 of the 30 values given for “region” were used." in html
    assert len(response.content) < 150_000
    assert words not in html


def test_capped_values_are_what_the_letter_page_links_back_with(client, letter):
    response = client.get(letter.get_absolute_url(), {"q": "x" * 2000})

    assert response.status_code == 200
    assert response.context["back_query"] == "q=" + "x" * 500
    assert "was cut to its first 500 characters" in response.content.decode()


def test_stored_marker_characters_never_become_mark_tags(client):
    finding = FindingFactory(text="Supervision \x02<b>is</b>\x03 regular \x04 \x05 \x06 & done.")

    listing = client.get("/findings/", {"q": "supervision"}).content.decode()
    letter = client.get(finding.inspection.get_absolute_url(), {"q": "supervision"})
    letter_html = letter.content.decode()

    for html in (listing, letter_html):
        assert html.count("<mark>") == 1
        assert "<mark>Supervision</mark>" in html
        assert "<b>" not in html
        assert "&lt;b&gt;is&lt;/b&gt;" in html
        assert "\x02" not in html and "\x03" not in html


def test_control_characters_are_stripped_from_letter_text_at_import():
    text = seed_path(0).read_text(encoding="utf-8")
    first = text.index("\n", len(text) // 2)  # a line within the findings
    dirty = text[:first] + " \x02<b>\x03\x1b\x07" + text[first:]

    result = import_letter(data=dirty.encode("utf-8"), source_name="dirty.txt")

    assert result.inspection is not None, result.reason
    inspection = Inspection.objects.get()
    stored = [inspection.source_text, inspection.title, inspection.recipient]
    stored += Finding.objects.values_list("text", flat=True)
    stored += Finding.objects.values_list("heading", flat=True)
    assert " <b>" in inspection.source_text
    for value in stored:
        assert not any(ord(c) < 32 and c not in "\t\n\f" for c in value), repr(value)


def test_an_unreadable_folder_is_reported_and_the_command_exits_1(tmp_path, monkeypatch, capsys):
    readable = tmp_path / "readable"
    readable.mkdir()
    (readable / "000.txt").write_bytes(seed_path(0).read_bytes())
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "001.txt").write_bytes(seed_path(1).read_bytes())
    # Tests run as root, whom file modes do not stop: refuse the listing as the OS would.
    real_scandir = os.scandir

    def scandir(path="."):
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)

    with pytest.raises(CommandError):
        call_command("import_letters", str(tmp_path))
    out, _ = capsys.readouterr()

    assert "created 1, unchanged 0, failed 1" in out
    assert f"failed: {locked}: cannot read: [Errno 13] Permission denied" in out
    assert Inspection.objects.count() == 1


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("http://evil.example/","click")',
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1:A9)",
        "\tcaseloads",
        "\rcaseloads",
    ],
)
def test_csv_cells_a_spreadsheet_would_run_start_with_an_apostrophe(client, text):
    from tests.factories import AuthorityFactory, InspectionFactory

    inspection = InspectionFactory(authority=AuthorityFactory(name="=Evil council"))
    FindingFactory(inspection=inspection, heading=text, text=text)

    response = client.get(reverse("inspections:finding-export-csv"))
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    [row] = list(csv.DictReader(io.StringIO(content)))

    assert row["text"] == "'" + text
    assert row["heading"] == "'" + text
    assert row["council"] == "'=Evil council"
    assert row["letter_url"].startswith("http://testserver/letters/")
    exported = client.get(reverse("inspections:finding-export-json"))
    [json_row] = json.loads(b"".join(exported.streaming_content))
    assert json_row["text"] == text  # JSON is data, not a spreadsheet: kept as it is
