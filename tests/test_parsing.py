"""The letter parser on the seed letters, our own letters in other layouts, and bad input;
and the parse_letter command. No database: the parser is pure.
"""

import codecs
import functools
import io
import json
from collections import Counter
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from inspections.councils import match_council
from inspections.parsing import (
    LetterParseError,
    decode_letter,
    letter_as_dict,
    metadata,
    parse_letter,
)
from inspections.parsing.sections import is_recurring
from tests.conftest import OWN_LETTERS_DIR, seed_path

BOILERPLATE = (
    "Yours sincerely",
    "Any areas for development identified above",
    "I am copying",
    "Copy:",
    "inspectors reviewed",
    "From the evidence gathered",
    "This letter summarises",
    "The inspection sampled",
    "Ofsted will take the findings",
)

# The parser with the council register, as the importer calls it.
parse = functools.partial(parse_letter, match_council=match_council)


def parse_seed(number: int):
    return parse(seed_path(number).read_bytes(), filename=seed_path(number).name)


def parse_own(name: str):
    return parse((OWN_LETTERS_DIR / name).read_bytes(), filename=name)


def counts(letter) -> dict[str, int]:
    return dict(Counter(finding.category for finding in letter.findings))


def finding_with(letter, words: str):
    [finding] = [f for f in letter.findings if words in f.text]
    return finding


SEED_FACTS = [
    # number, authority, code, letter date, type, visit start, visit end, inspectors, priority
    # action, findings per category
    (
        0, "Liverpool", "LIV", date(2010, 2, 17), "unannounced_cra",
        date(2010, 1, 19), date(2010, 1, 20), ("Marie McGuinness",), False,
        {"satisfactory": 9, "strength": 4, "development": 6},
    ),
    (
        1, "Halton", "HAL", date(2012, 1, 10), "unannounced_cra",
        date(2011, 12, 7), date(2011, 12, 8), ("Wendy Ghaffar",), False,
        {"satisfactory": 11, "strength": 3, "development": 3},
    ),
    (
        2, "Liverpool", "LIV", date(2017, 8, 11), "monitoring_visit",
        date(2017, 7, 12), date(2017, 7, 13), ("Nigel Parkes", "Pauline Higham"), False,
        {"overview": 3, "narrative": 14},
    ),
    (
        3, "Lancashire", "LAN", date(2009, 12, 2), "unannounced_cra",
        date(2009, 11, 3), date(2009, 11, 4), ("Heather Brown",), False,
        {"satisfactory": 6, "strength": 6, "development": 5},
    ),
    (
        4, "Worcestershire", "WOR", date(2010, 8, 4), "unannounced_cra",
        date(2010, 7, 6), date(2010, 7, 7), ("Karen McKeown",), True,
        {"satisfactory": 4, "strength": 2, "development": 8, "priority_action": 1},
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    "number, authority, code, letter_date, kind, start, end, inspectors, priority, by_category",
    SEED_FACTS,
)
def test_seed_letter_facts(
    number, authority, code, letter_date, kind, start, end, inspectors, priority, by_category
):
    letter = parse_seed(number)

    assert letter.authority == authority
    assert letter.council_code == code
    assert letter.letter_date == letter_date
    assert letter.inspection_type == kind
    assert (letter.visit_start, letter.visit_end) == (start, end)
    assert letter.inspectors == inspectors
    assert letter.priority_action is priority
    assert counts(letter) == by_category


@pytest.mark.parametrize("number", range(5))
def test_seed_findings_hold_no_boilerplate(number):
    letter = parse_seed(number)

    for finding in letter.findings:
        for phrase in BOILERPLATE:
            assert phrase not in finding.text
        assert "\n" not in finding.text and "  " not in finding.text
        assert finding.heading and finding.text


def test_seed_titles_recipients_and_spellings():
    liverpool, halton, monitoring, lancashire, worcestershire = (parse_seed(n) for n in range(5))

    assert liverpool.title == (
        "Annual unannounced inspection of contact, referral and assessment arrangements "
        "within Liverpool children's services"
    )
    assert liverpool.recipient == (
        "Mr Stuart Smith, Executive Director Children, Families and Adults"
    )
    assert monitoring.title == (
        "Monitoring visit of Liverpool City Council local authority children's services"
    )
    assert monitoring.authority_spelling == "Liverpool City Council"
    assert monitoring.recipient == (
        "Ms Colette O'Brien, Director, Children and Young People's Services"
    )
    assert halton.authority_spelling == "Halton Borough Council"
    assert lancashire.recipient == (
        "Ms Helen Denton, Executive Director for Children and Young People"
    )
    assert worcestershire.recipient == "Ms Gail Quinton, Director of Children's Services"


def test_bullets_broken_across_pages_are_joined():
    out_of_hours = finding_with(parse_seed(0), "The out of hours service is well organised")
    recording = finding_with(parse_seed(4), "Recording is not undertaken in a timely manner")
    fourth_strength = [f for f in parse_seed(3).findings if f.category == "strength"][3]

    assert out_of_hours.category == "strength"
    assert out_of_hours.text.endswith(
        "This ensures that urgent assessments can be undertaken outside of normal office hours"
        " and provides continuity in the investigation and assessment of the needs of children"
        " and families."
    )
    assert recording.category == "development"
    assert "are missing. Similarly managerial oversight, including records of" in recording.text
    assert fourth_strength.text.startswith("The Local Children Safeguarding Board")
    assert fourth_strength.text.endswith(
        "For example, increased use of the NHS child protection lead officers is improving the"
        " quality of referrals from health workers."
    )


def test_html_list_items_become_separate_strengths():
    strengths = [f.text for f in parse_seed(3).findings if f.category == "strength"]

    assert strengths[0].startswith("Senior managers have taken prompt action")
    assert strengths[1].startswith("A strong culture of performance management")
    assert not any("<ul" in text or "▪" in text for text in strengths)


def test_recurring_findings():
    halton = parse_seed(1)
    recurring = [(f.category, f.text[:40]) for f in halton.findings if f.recurring]

    assert recurring == [
        ("satisfactory", "The introduction of a proforma for the r"),
        ("satisfactory", "Record keeping is up to date and appropr"),
        ("development", "The quality of initial assessments is to"),
        ("development", "The caseloads of some social workers in "),
    ]
    last = halton.findings[-1]
    assert last.recurring and last.text.endswith(
        "This was an area for development at the last unannounced inspection."
    )
    assert not any(f.recurring for f in parse_seed(0).findings)


@pytest.mark.parametrize(
    ("text", "recurring"),
    [
        ("Plans are vague. This was an area for improvement at the last inspection.", True),
        ("This was a recommendation at the last inspection that has not been addressed.", True),
        ("The areas for improvement set at the last focused visit in 2020 remain.", True),
        ("This is an area that has been strengthened since the last inspection.", False),
        ("This is an area of improvement since the last focused assurance visit.", False),
        (
            "The response to missing children, identified at the last inspection as an area"
            " for further development, is now more consistent.",
            False,
        ),
        (
            "Life-story work was an area for improvement at the previous inspection. It has"
            " improved and children now have their books.",
            False,
        ),
    ],
)
def test_recurring_means_the_weakness_persists_not_that_it_was_fixed(text, recurring):
    assert is_recurring(text) is recurring


def test_monitoring_visit_sections():
    letter = parse_seed(2)
    overview = [f.text for f in letter.findings if f.category == "overview"]
    headings = Counter(f.heading for f in letter.findings if f.category == "narrative")

    assert overview[0] == (
        "Senior managers are doing many of the right things, some of them well. However, "
        "progress in raising core practice standards is slow."
    )
    assert overview[1].startswith("The local authority has rectified many of the failings")
    assert overview[2].startswith("Other areas of social work practice seen on this visit")
    assert headings == {
        "Leadership and management": 5,
        "Identification, assessment and reduction of risks": 6,
        "Child sexual exploitation and missing": 3,
    }
    # The scope list after "inspectors reviewed the progress made in the areas of:" is not
    # a finding.
    assert not any(f.text.startswith("help and protection, with") for f in letter.findings)


def test_cra_headings():
    worcestershire = parse_seed(4)
    headings = {f.category: f.heading for f in worcestershire.findings}

    assert headings == {
        "strength": "Strengths",
        "satisfactory": "Satisfactory practice",
        "development": "Areas for development",
        "priority_action": "Area for priority action",
    }
    assert parse_seed(0).findings[0].heading == "Satisfactory practice"  # from the lead-in
    assert parse_seed(1).findings[3].heading == (
        "The service meets the requirements of statutory guidance in the following areas"
    )


def test_letter_as_dict():
    letter = parse_seed(2)

    data = letter_as_dict(letter, file="002.txt")

    assert data["file"] == "002.txt"
    assert data["authority"] == "Liverpool"
    assert data["letter_date"] == "2017-08-11"
    assert data["visit_start"] == "2017-07-12" and data["visit_end"] == "2017-07-13"
    assert data["inspectors"] == ["Nigel Parkes", "Pauline Higham"]
    assert data["priority_action"] is False
    assert len(data["findings"]) == 17
    assert set(data["findings"][0]) == {"category", "heading", "text"}


def test_text_is_the_normalised_source():
    letter = parse_seed(0)

    assert "\r" not in letter.text
    assert letter.text.startswith("Freshford House Redcliffe Way Bristol")


# Decoding.


def test_decode_utf8_with_bom_and_crlf():
    data = codecs.BOM_UTF8 + "Dear Ms O’Brien\r\nChildren’s services\rEnd\r\n".encode()

    assert decode_letter(data) == "Dear Ms O’Brien\nChildren’s services\nEnd\n"


def test_decode_windows_1252_curly_quotes():
    data = "Children\u2019s services \u201cwell led\u201d \u2013 caf\u00e9\r\n".encode("cp1252")

    assert decode_letter(data) == "Children’s services “well led” – café\n"


def test_decode_utf8_with_a_stray_windows_1252_byte():
    data = "Children’s services ".encode() + b"\x93quoted\x94\n"

    assert decode_letter(data) == "Children’s services “quoted”\n"


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty file"),
        (b"  \r\n\n\t ", "empty file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00", "not text (binary data"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "not text (binary data"),
        (b"Dear Sir\x00\x00\x01\x02 some words", "not text (binary data"),
        (b"Children\x81s services \x8d\x90", "cannot decode text"),
    ],
)
def test_decode_rejects(data, message):
    with pytest.raises(LetterParseError, match=message.replace("(", r"\(")):
        decode_letter(data)


def test_parse_rejects_a_letter_without_a_date_whose_visit_names_no_year():
    # Without its date, a letter is dated by its visit (tests/test_undated.py), if the visit
    # names its year.
    data = seed_path(0).read_bytes().replace(b"17 February 2010", b"")
    assert parse(data).undated
    data = data.replace(b"on 19 and 20 January 2010", b"on 19 and 20 January")

    with pytest.raises(LetterParseError, match="no letter date found"):
        parse(data)


def test_parse_rejects_a_letter_without_a_council():
    data = (
        b"17 February 2010\n\nDear Sir\n\nAnnual report\n\n"
        b"This letter contains the findings of a visit on 19 and 20 January 2010.\n\n"
        b"Strengths\n\n- Staff are well supported.\n\nYours sincerely\n\nJane Smith\n"
    )

    with pytest.raises(LetterParseError, match="no council found"):
        parse(data)


def test_parse_error_names_the_file():
    with pytest.raises(LetterParseError, match="^letter.png: not text"):
        parse(b"\x89PNG\r\n\x1a\n", filename="letter.png")


def test_unknown_council_is_kept_by_its_own_name():
    data = seed_path(4).read_bytes().replace(b"Worcestershire", b"Barsetshire")

    letter = parse(data)

    assert letter.authority == "Barsetshire"
    assert letter.council_code is None
    assert counts(letter)["development"] == 8


def test_other_date_formats():
    for written in (b"17th February 2010", b"17/02/2010", b"February 17, 2010"):
        data = seed_path(0).read_bytes().replace(b"17 February 2010", written)

        assert parse(data).letter_date == date(2010, 2, 17)


# Our own letters, in the layouts the seeds do not show.


def test_windows_1252_crlf_letter():
    raw = (OWN_LETTERS_DIR / "cp1252_crlf_cra.txt").read_bytes()
    assert b"\r\n" in raw and b"\x92" in raw  # CRLF and a Windows-1252 apostrophe

    letter = parse_own("cp1252_crlf_cra.txt")

    assert (letter.authority, letter.council_code) == ("Stockport", "SKP")
    assert letter.letter_date == date(2011, 3, 3)  # "3rd March 2011"
    assert letter.inspection_type == "unannounced_cra"
    assert (letter.visit_start, letter.visit_end) == (date(2011, 2, 8), date(2011, 2, 9))
    assert letter.inspectors == ("Alex Sample", "Jo Bloggs")
    assert letter.recipient == "Mrs Anne Example, Director of Children’s Services"
    assert counts(letter) == {"strength": 2, "satisfactory": 3, "development": 2}
    assert letter.findings[0].text == (
        "The “front door” team responds quickly to contacts, and managers’ decisions are clear"
        " and recorded on every case seen."
    )
    assert [f.recurring for f in letter.findings] == [False] * 5 + [True, False]
    assert "\r" not in letter.text and "Children’s" in letter.text


def test_letter_with_mixed_bullet_glyphs():
    letter = parse_own("mixed_bullets_focused_visit.txt")

    assert (letter.authority, letter.inspection_type) == ("Wigan", "focused_visit")
    assert letter.inspectors == ("Sam Sample", "Lee Example")
    assert letter.priority_action is True
    assert counts(letter) == {
        "overview": 2,
        "development": 2,
        "priority_action": 2,
        "narrative": 4,
    }
    # "o" items under "including:" belong to their "•" item.
    assert letter.findings[2].text == (
        "The quality of written plans, including: the child’s views contingency arrangements"
        " timescales for actions."
    )
    assert [f.text for f in letter.findings if f.category == "priority_action"] == [
        "The response to children who go missing from home.",
        "The timeliness of strategy meetings when risks increase out of hours.",
    ]
    # A U+F0B7 item broken by blank lines is one finding.
    assert letter.findings[7].text == (
        "Assessments are thorough and consider the needs of brothers and sisters, although the"
        " analysis of risk is not always clear."
    )
    assert letter.findings[8].recurring
    assert {f.heading for f in letter.findings if f.category == "narrative"} == {"Findings"}


def test_markdown_letter_with_bold_headings_and_star_bullets():
    letter = parse_own("markdown_jtai.txt")

    assert (letter.authority, letter.inspection_type) == ("Sefton", "jtai")
    assert letter.title == "Joint targeted area inspection of Sefton"
    assert letter.letter_date == date(2024, 4, 1)
    assert (letter.visit_start, letter.visit_end) == (date(2024, 2, 26), date(2024, 3, 1))
    assert letter.inspectors == ("Yvonne Example", "Harry Sample")
    assert letter.recipient == "Chris Example, Director of Children’s Services, Sefton Council"
    assert counts(letter) == {"overview": 1, "development": 2, "strength": 3, "narrative": 2}
    assert [f.heading for f in letter.findings[:4]] == [
        "Headline findings",
        "What needs to improve?",
        "What needs to improve?",
        "Strengths",
    ]
    assert not any("**" in f.text or "principal authority" in f.text for f in letter.findings)


def test_hard_wrapped_pdftotext_letter():
    letter = parse_own("pdftotext_focused_visit.txt")

    assert (letter.authority, letter.council_code) == ("Cumbria", "CMA")
    assert letter.letter_date == date(2021, 6, 18)
    assert (letter.visit_start, letter.visit_end) == (date(2021, 5, 19), date(2021, 5, 20))
    assert letter.inspectors == ("Robin Sample", "Kim Example")
    assert letter.recipient == "Morgan Example, Executive Director, People"
    assert counts(letter) == {"overview": 1, "development": 2, "narrative": 5}
    texts = [f.text for f in letter.findings]
    # A line ending a sentence but too full for the next word is not a paragraph end.
    assert texts[0] == (
        "Most children in care in Cumbria live in stable homes with carers who know them well."
        " Leaders have strengthened the service since the last inspection, but the quality of"
        " plans remains too variable."
    )
    # A bullet carried over a page break, past "Page 1 of 3" and the running header.
    assert texts[2] == (
        "The timeliness of health assessments for children who live outside the county,"
        " including those placed by the NHS England commissioning hub in other regions."
    )
    # The footnote is dropped, and its marker taken out of the text.
    assert texts[3].endswith("inform decisions about where they live.")
    assert not any("life-story books" in text or "Page" in text for text in texts)
    # A paragraph carried over a page break past the footnote and the footer.
    assert texts[6] == (
        "Health assessments for children who live in other areas are often late. Leaders are"
        " working with health partners to improve this, but some children have waited several"
        " months for an assessment of their health needs."
    )
    assert [f.recurring for f in letter.findings] == [False] * 4 + [True] + [False] * 3


# The command.


def test_parse_letter_command_prints_json_and_fails_on_bad_files(tmp_path):
    image = tmp_path / "scan.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    paths = [str(seed_path(4)), str(tmp_path / "missing.txt"), str(image), str(seed_path(2))]
    out = io.StringIO()

    with pytest.raises(CommandError, match="2 of 4"):
        call_command("parse_letter", *paths, stdout=out)

    printed = json.loads(out.getvalue())
    assert [item["file"] for item in printed] == paths
    worcestershire, missing, scan, liverpool = printed
    assert worcestershire["authority"] == "Worcestershire"
    assert worcestershire["letter_date"] == "2010-08-04"
    assert worcestershire["priority_action"] is True
    assert len(worcestershire["findings"]) == 15
    assert missing["error"].startswith("cannot read file")
    assert scan == {"file": paths[2], "error": "not text (binary data: a PNG image)"}
    assert liverpool["inspection_type"] == "monitoring_visit"
    assert liverpool["visit_end"] == "2017-07-13"


def test_parse_letter_command_succeeds_quietly_on_good_files():
    out = io.StringIO()

    call_command("parse_letter", str(seed_path(0)), stdout=out)

    [liverpool] = json.loads(out.getvalue())
    assert liverpool["authority"] == "Liverpool" and liverpool["visit_start"] == "2010-01-19"


# The metadata readers, on the phrasings the letters use.


@pytest.mark.parametrize(
    "sentence, start, end",
    [
        ("which was conducted on 19 and 20 January 2010.", date(2010, 1, 19), date(2010, 1, 20)),
        ("services on 12 and 13 July 2017. This was", date(2017, 7, 12), date(2017, 7, 13)),
        (
            "This inspection took place from 23 to 27 May 2022.",
            date(2022, 5, 23),
            date(2022, 5, 27),
        ),
        ("visit on 30 November and 1 December 2021.", date(2021, 11, 30), date(2021, 12, 1)),
        ("on 29 and 30 September, and 1 October 2020.", date(2020, 9, 29), date(2020, 10, 1)),
        ("Between 22 and 26 February 2016, Ofsted", date(2016, 2, 22), date(2016, 2, 26)),
        ("from 28 November to 2 December 2022", date(2022, 11, 28), date(2022, 12, 2)),
        ("on the 15 and 16 of May 2018.", date(2018, 5, 15), date(2018, 5, 16)),
        ("services on 7 November 2018. The inspectors", date(2018, 11, 7), date(2018, 11, 7)),
        ("on 13 and 14 July. Her Majesty’s", date(2021, 7, 13), date(2021, 7, 14)),
        ("on 30 December and 4 January 2022", date(2021, 12, 30), date(2022, 1, 4)),
        ("since the last inspection in June 2019.", None, None),
    ],
)
def test_visit_dates(sentence, start, end):
    assert metadata.visit_dates(sentence, date(2021, 8, 23)) == (start, end)


@pytest.mark.parametrize(
    "sentence, names",
    [
        (
            "The inspectors were Nigel Parkes HMI and Pauline Higham HMI.",
            ["Nigel Parkes", "Pauline Higham"],
        ),
        (
            "His Majesty’s Inspectors for this visit were Tracey Ledder and Joy Howick.",
            ["Tracey Ledder", "Joy Howick"],
        ),
        (
            "The inspectors were Diane Partridge, Marcie Taylor and Jo Smith, Her Majesty’s"
            " Inspectors.",
            ["Diane Partridge", "Marcie Taylor", "Jo Smith"],
        ),
        (
            "The inspectors were Paula Thomson-Jones, Her Majesty’s Inspector, and Alison Smale,"
            " Her Majesty’s Inspector.",
            ["Paula Thomson-Jones", "Alison Smale"],
        ),
        (
            "The visit was carried out by Her Majesty’s Inspectors Lisa Summers, Pauline Higham"
            " and Andrew Hemmings.",
            ["Lisa Summers", "Pauline Higham", "Andrew Hemmings"],
        ),
        ("Inspectors were told that plans are in place.", []),
        (
            "The visit was conducted by Jane Smith and Tom Brown, two of His Majesty’s Inspectors.",
            ["Jane Smith", "Tom Brown"],
        ),
        (
            "The visit was carried out by His Majesty’s Inspectors, Ann Lee, Bob Ray, Cat Doe"
            " and Dan Fry.",
            ["Ann Lee", "Bob Ray", "Cat Doe", "Dan Fry"],
        ),
        ("Inspectors for the visit were Ann Lee and Bob Ray.", ["Ann Lee", "Bob Ray"]),
        # A paragraph that ends without its full stop: the next paragraph is no name.
        (
            "Her Majesty’s Inspectors for this visit were Kendra Bell and Teresa Godfrey\n"
            "Inspectors looked at the local authority’s arrangements.",
            ["Kendra Bell", "Teresa Godfrey"],
        ),
        # An organisation is no inspector, whatever carried out its research.
        (
            "Leaders commissioned research, carried out by Liverpool John Moore University.",
            [],
        ),
    ],
)
def test_inspectors_named(sentence, names):
    assert metadata.inspectors_named(sentence) == names


def test_signatories_skip_roles_and_copies():
    lines = [
        "Yvette Stanley",
        "National Director Regulation and Social Care, Ofsted",
        "Dr Sean O’Kelly BSc MB ChB MSc DCH FRCA",
        "Chief Inspector of Health Care, CQC",
        "Wendy Williams, CBE",
        "Her Majesty’s Inspector of Constabulary and Fire & Rescue Services",
        "Copy: Jane Doe, Chief Executive",
    ]

    assert metadata.signatories(lines) == ["Yvette Stanley", "Sean O’Kelly", "Wendy Williams"]


def test_a_list_opening_in_lower_case_is_still_a_list_of_findings():
    # "..., in particular:" announces findings; a first item in lower case must not be taken
    # for a sub-list of that sentence (which would drop the whole section).
    data = (
        seed_path(3)
        .read_bytes()
        .replace(
            b"- Contact information is gathered",
            b"- more than 5 > 3: contact information is gathered",
        )
    )

    letter = parse(data)

    counts = Counter(finding.category for finding in letter.findings)
    assert counts == {"satisfactory": 6, "strength": 6, "development": 5}
    assert letter.findings[0].text.startswith("more than 5 > 3: contact information")
