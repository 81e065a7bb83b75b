"""pdftotext drops a hyphen that ends a line and runs the next line onto it: put it back."""

from inspections.parsing.hyphens import mend_joined_lines

# A hard-wrapped page: lines of about 80 characters, as pdftotext writes a letter.
FULL_LINES = [
    "Senior leaders have a clear understanding of the quality of practice in the area,",
    "and they have taken effective action to improve the consistency of social work.",
    "Managers provide regular supervision, and social workers say that they feel well",
    "supported by their managers and that their caseloads are manageable for them now.",
    "Children are seen regularly by their social workers, who know them well and who",
    "speak warmly about them. Their wishes and feelings inform the plans made for them.",
    "Strategy discussions are timely and are attended by the relevant partner agencies,",
    "including the police, health and education, who share information appropriately.",
    "Assessments are thorough and are informed by the child's history and the views of",
    "the family, and they lead to plans which address the risks identified for children.",
]


def mended(*lines: str) -> list[str]:
    return mend_joined_lines("\n".join([*FULL_LINES, *lines])).split("\n")[len(FULL_LINES) :]


def test_the_last_line_of_a_paragraph_gets_back_the_hyphen_it_ended_on():
    # "... to inform decision-" / "making." read as one line that is not overlong.
    assert mended(
        "abuse concerns and appropriate use of assessment tools to inform decisionmaking."
    ) == [
        "abuse concerns and appropriate use of assessment tools to inform decision-",
        "making.",
    ]


def test_a_word_that_ends_well_before_the_margin_was_never_broken():
    line = "Managers' decisionmaking is recorded."
    assert mended(line) == [line]


def test_a_word_the_letters_write_as_one_word_as_often_is_left_alone():
    # "coordinated" is written whole far more often than "co-ordinated": not mended.
    line = "and the work of the partner agencies in the area is well planned and coordinated."
    assert mended(line) == [line]


def test_three_lines_run_together_are_all_mended():
    line = (
        "discussions. Quality assurance in the MASH is well developed, and regular multiagency"
        " audits review the application of thresholds and the quality of decisionmaking."
    )
    assert mended(line) == [
        "discussions. Quality assurance in the MASH is well developed, and regular multi-",
        "agency audits review the application of thresholds and the quality of decision-",
        "making.",
    ]


def test_a_capital_inside_a_word_marks_the_join_in_an_overlong_line():
    line = (
        "Having escaped relatively unscathed from the first wave of the pandemic, by midNovember"
        " the infection rate was one of the highest in the country and is still"
    )
    assert mended(line)[0].endswith("by mid-")
    assert mended(line)[1].startswith("November the infection rate")
