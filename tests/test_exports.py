"""Exports: validated before the first byte, a failure never passes for a complete file."""

import csv
import io
import json

import pytest
from django.core.signals import request_finished
from django.db import OperationalError, close_old_connections, connection
from django.http import QueryDict
from django.urls import reverse

from inspections import browse, exports
from inspections.exports import csv_export, json_export
from tests.factories import FindingFactory, InspectionFactory
from tests.test_outages import closed_port

pytestmark = pytest.mark.django_db

EXPORTS = ["inspections:finding-export-csv", "inspections:finding-export-json"]


@pytest.fixture
def findings():
    inspection = InspectionFactory()
    return [FindingFactory(inspection=inspection, text=f"Finding {n}.") for n in range(5)]


@pytest.mark.parametrize("name", EXPORTS)
# Values of a many-valued facet that do not exist are dropped, as on the page (filters.py);
# these cannot be dropped without exporting something other than what was asked for.
@pytest.mark.parametrize("query", ["year_from=abc", "year_to=1900", "letter=x", "sort=best"])
def test_an_export_with_a_bad_filter_is_a_400_before_any_byte(client, findings, name, query):
    response = client.get(f"{reverse(name)}?{query}")

    assert response.status_code == 400
    assert not response.streaming
    assert "Nothing was exported" in response.content.decode()


@pytest.mark.parametrize("name", EXPORTS)
def test_a_failure_reading_the_rows_is_the_503_page_not_a_200(client, findings, name, monkeypatch):
    # The rows are read whole before the first byte: a connection lost while reading them
    # (the JSON's midway, after a first chunk of rows) is an error page, never the start
    # of a file that then breaks off.
    monkeypatch.setattr(json_export, "EXPORT_CHUNK", 2)
    module, reader = (
        (json_export, "_json_objects") if name.endswith("json") else (csv_export, "_copied_lines")
    )
    real = getattr(module, reader)
    calls = []

    def failing(*args):
        calls.append(args)
        if len(calls) == 2 or reader == "_copied_lines":
            raise OperationalError("server closed the connection unexpectedly")
        return real(*args)

    monkeypatch.setattr(module, reader, failing)
    response = client.get(reverse(name))

    assert calls
    assert response.status_code == 503
    assert not response.streaming
    assert "The archive is briefly unavailable" in response.content.decode()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("name", EXPORTS)
def test_an_export_begun_while_the_database_is_down_is_a_503_not_an_empty_200(client, name):
    FindingFactory()
    real = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(closed_port()))
    try:
        response = client.get(reverse(name))
    finally:
        connection.close()
        connection.settings_dict.update(HOST=real["HOST"], PORT=real["PORT"])

    assert response.status_code == 503
    assert not response.streaming
    assert "The archive is briefly unavailable" in response.content.decode()


@pytest.mark.parametrize("name", EXPORTS)
def test_an_export_reads_its_rows_in_one_statement(
    client, findings, name, django_assert_max_num_queries
):
    # The planner's estimate of the results, then one statement: the rows chosen and read
    # with their themes (the CSV's a COPY).
    with django_assert_max_num_queries(2) as captured:
        response = client.get(reverse(name))
        body = b"".join(response.streaming_content).decode("utf-8-sig")

    [statement] = [query for query in captured.captured_queries if "chosen" in query["sql"]]
    assert statement["sql"].startswith("COPY") == name.endswith("csv")
    if name.endswith("json"):
        rows = json.loads(body)
    else:
        rows = list(csv.DictReader(io.StringIO(body)))
    assert [row["text"] for row in rows] == [f"Finding {n}." for n in range(4, -1, -1)]
    assert rows[0]["finding_url"] == f"http://testserver{findings[4].get_absolute_url()}"
    assert rows[0]["letter_url"] == f"http://testserver{findings[4].inspection.get_absolute_url()}"


def test_exports_beyond_the_cap_are_asked_to_come_back_and_slots_are_given_back(
    client, findings, settings
):
    settings.EXPORT_CONCURRENCY = 1
    url = reverse("inspections:finding-export-csv")
    slow = client.get(url)  # its client has not read it yet: the slot is held

    refused = client.get(url)
    assert refused.status_code == 503
    assert refused["Retry-After"] == "30"

    # The client went away: the server closes the response. (Without closing this test's
    # database connection, as request_finished would: it holds the test's transaction.)
    request_finished.disconnect(close_old_connections)
    try:
        slow.close()
    finally:
        request_finished.connect(close_old_connections)
    after_close = client.get(url)
    assert after_close.status_code == 200
    b"".join(after_close.streaming_content)  # read to the end: the slot comes back
    assert client.get(reverse("inspections:finding-export-json")).status_code == 200


# Cells that need quoting (commas, double quotes, line breaks), cells a spreadsheet would
# run (=, +, -, @, tab, return first), non-ASCII and one that needs both.
AWKWARD_TEXTS = [
    "Plain text.",
    "Caseloads, supervision, and oversight.",
    'The "front door" is slow.',
    "Two lines\nof text,\r\nwith both line ends.",
    "\rStarts with a return.",
    '=HYPERLINK("http://evil.example/","click")',
    "+1, -1",
    "-2+3",
    "@SUM(A1:A9)",
    '\tTabbed, and "quoted".',
    "Leaders’ oversight — naïve café 🙂.",
    " leading and trailing spaces ",
    '"Quoted" first,\nthen a line of its own, "and" more',
    "A back\\slash, a \x07 bell and a \u2028 line separator.",
    "'already an apostrophe",
    "",
]


@pytest.fixture
def awkward_findings():
    from inspections.models import Theme
    from tests.factories import AuthorityFactory

    coded = AuthorityFactory(
        name='St. Helens, "Merseyside"',
        region="=North West",
        gss_code="E08000013",
        la_code="342",
    )
    uncoded = AuthorityFactory(name="Zoë’s council", region="", gss_code="", la_code="")
    themes = [
        Theme.objects.create(name=name, slug=f"awkward-{n}")
        for n, name in enumerate(["-minus first", "Caseloads, and more", "Ünïcode"])
    ]
    findings = []
    for n, text in enumerate(AWKWARD_TEXTS):
        inspection = InspectionFactory(
            authority=coded if n % 2 else uncoded,
            inspection_type=["focused_visit", "ilacs", "jtai", "not-a-known-type"][n % 4],
        )
        finding = FindingFactory(
            inspection=inspection,
            text=text or "Text.",
            heading=AWKWARD_TEXTS[-1 - n],
            category=["strength", "development", "priority_action"][n % 3],
            recurring=bool(n % 3 == 1),
        )
        finding.themes.add(*themes[: n % 4])
        findings.append(finding)
    return findings


def _python_csv(ids: list[int]) -> str:
    """The export as a plain Python rendering of the ORM's rows, to compare against."""
    from inspections.models import Category, Finding, InspectionType

    by_id = Finding.objects.select_related("inspection__authority").in_bulk(ids)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(exports.EXPORT_COLUMNS)
    for pk in ids:
        finding = by_id[pk]
        letter, council = finding.inspection, finding.inspection.authority
        letter_url = f"http://testserver{letter.get_absolute_url()}"
        themes = "; ".join(sorted(theme.name for theme in finding.themes.all()))
        writer.writerow(
            [
                exports.spreadsheet_safe(council.name),
                council.gss_code,
                council.la_code,
                exports.spreadsheet_safe(council.region),
                letter.letter_date.isoformat(),
                letter.inspection_type,
                dict(InspectionType.choices).get(letter.inspection_type, letter.inspection_type),
                finding.category,
                dict(Category.choices).get(finding.category, finding.category),
                exports.spreadsheet_safe(finding.heading),
                exports.spreadsheet_safe(themes),
                finding.recurring,
                exports.spreadsheet_safe(finding.text),
                letter_url,
                f"{letter_url}#finding-{finding.position}",
            ]
        )
    return "\ufeff" + out.getvalue()


def _listed(query: str = "") -> list[int]:
    """The ids the findings page lists for this query string, page after page."""
    data = QueryDict(query, mutable=True)
    ids = []
    for number in browse.browse_findings(data).page.paginator.page_range:
        data["page"] = str(number)
        ids += [finding.pk for finding in browse.browse_findings(data).page.object_list]
    return ids


# Every letter of the fixture has the same date: the order's later keys (the id) decide,
# and a search's ranks tie too.
ORDERS = ["", "sort=oldest", "q=text", "q=text&sort=oldest", "category=strength&sort=newest"]


@pytest.mark.parametrize("query", ORDERS)
@pytest.mark.parametrize("piece", [256 * 1024, 5])
def test_the_csv_is_byte_for_byte_a_plain_python_rendering_of_the_page_s_rows(
    client, awkward_findings, query, piece, monkeypatch
):
    monkeypatch.setattr(csv_export, "SEND_PIECE", piece)  # pieces end mid-line, mid-cell too
    response = client.get(f"{reverse('inspections:finding-export-csv')}?{query}")
    body = b"".join(response.streaming_content).decode("utf-8")
    ids = _listed(query)

    assert len(ids) == len(AWKWARD_TEXTS) if not query else len(ids) > 2
    assert body == _python_csv(ids)
    # And a CSV reader gets the text back, defused where a spreadsheet would run it.
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    texts = {row["finding_url"].rsplit("-", 1)[1]: row["text"] for row in rows}
    for finding in awkward_findings:
        if finding.pk in ids:
            assert texts[str(finding.position)] == exports.spreadsheet_safe(finding.text)


def test_the_json_rows_are_the_letters_and_findings_values_as_they_are(client, awkward_findings):
    response = client.get(reverse("inspections:finding-export-json"))
    rows = {row["finding_url"]: row for row in json.loads(b"".join(response.streaming_content))}

    assert len(rows) == len(awkward_findings)
    for finding in awkward_findings:
        letter_url = f"http://testserver{finding.inspection.get_absolute_url()}"
        assert rows[f"{letter_url}#finding-{finding.position}"] == _json_row(finding)


def _json_row(finding) -> dict:
    """A finding's row in the JSON export, from the ORM's values."""
    from inspections.models import Category, InspectionType

    letter, council = finding.inspection, finding.inspection.authority
    letter_url = f"http://testserver{letter.get_absolute_url()}"
    return {
        "council": council.name,
        "gss_code": council.gss_code or None,
        "dfe_la_code": council.la_code or None,
        "region": council.region,
        "letter_date": letter.letter_date.isoformat(),
        "inspection_type": letter.inspection_type,
        "inspection_type_label": dict(InspectionType.choices).get(
            letter.inspection_type, letter.inspection_type
        ),
        "category": finding.category,
        "category_label": dict(Category.choices)[finding.category],
        "heading": finding.heading,
        "themes": sorted(theme.name for theme in finding.themes.all()),
        "recurring": finding.recurring,
        "text": finding.text,  # JSON is data: never defused
        "letter_url": letter_url,
        "finding_url": f"{letter_url}#finding-{finding.position}",
    }


def _python_json(ids: list[int]) -> str:
    """The JSON export as json.dumps wrote it of a dict a row, to compare against."""
    from inspections.models import Finding

    by_id = Finding.objects.select_related("inspection__authority").in_bulk(ids)
    rows = [json.dumps(_json_row(by_id[pk]), ensure_ascii=False) for pk in ids]
    return "[" + "".join(f"\n{row}," for row in rows).rstrip(",") + "\n]\n"


@pytest.mark.parametrize("query", ORDERS)
@pytest.mark.parametrize("chunk", [1000, 3])
def test_the_json_is_byte_for_byte_what_json_dumps_wrote_of_each_row(
    client, awkward_findings, chunk, query, monkeypatch
):
    monkeypatch.setattr(json_export, "EXPORT_CHUNK", chunk)  # chunk ends fall mid-file too
    response = client.get(f"{reverse('inspections:finding-export-json')}?{query}")
    body = b"".join(response.streaming_content).decode("utf-8")

    assert body == _python_json(_listed(query))


@pytest.mark.parametrize("name", EXPORTS)
def test_an_export_of_nothing_is_an_empty_file_of_its_kind(client, name):
    response = client.get(f"{reverse(name)}?q=nothingmatchesthis")
    body = b"".join(response.streaming_content).decode("utf-8")

    if name.endswith("json"):
        assert body == "[\n]\n"
    else:
        assert body == "\ufeff" + ",".join(exports.EXPORT_COLUMNS) + "\r\n"


# As COPY writes them: "\n" ends a line; an empty string is never a cell (NULL is).
@pytest.mark.parametrize(
    "copied",
    [
        b"a,b\n",
        b'"a, ""b""",c\nd,"e,f"\n',
        b'a,"b\nc"\n"d ""e""\n",f\n',
        b'"x\r\ny",z\n,""""\n',
        b"",
    ],
)
@pytest.mark.parametrize("piece", [256 * 1024, 3])
def test_copy_line_ends_become_csv_writer_s_and_breaks_inside_cells_stay(
    copied, piece, monkeypatch
):
    monkeypatch.setattr(csv_export, "SEND_PIECE", piece)
    rows = list(csv.reader(io.StringIO(copied.decode(), newline="")))
    out = io.StringIO()
    csv.writer(out).writerows(rows)

    pieces = csv_export._csv_pieces(b"", bytearray(copied), len(rows))
    assert b"".join(pieces) == out.getvalue().encode()
