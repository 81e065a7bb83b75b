"""The text path's paragraph cues: paragraphs pdftotext ran together (no blank line, the
first ending on a nearly full line) are split again; bullet items and case studies are not."""

import functools
import textwrap

import pytest

from inspections.councils import match_council
from inspections.parsing import parse_letter
from inspections.parsing.sections import blocks_of
from inspections.parsing.text import content_lines
from tests.conftest import SHARED_DIR, require_shared

parse = functools.partial(parse_letter, match_council=match_council)

SENTENCES = [
    "Social workers know the children they work with well and visit them regularly.",
    "Assessments are thorough and take account of each child's history and needs.",
    "Plans are clear about what needs to change and by when, and are reviewed often.",
    "Managers provide regular supervision that helps workers to reflect on their practice.",
]


def _paragraph(topic: str, sentences: int = 4) -> str:
    return " ".join([f"{topic} are considered carefully in every case."] + SENTENCES[:sentences])


def _wrapped(paragraphs: list[str], width: int = 88) -> list[str]:
    """pdftotext's output: every paragraph hard-wrapped, no blank lines between them."""
    return [line for text in paragraphs for line in textwrap.wrap(text, width)]


def _full_last_line(text: str, width: int = 88) -> str:
    """`text` with words added to its last sentence until its last line is nearly full."""
    filler = iter(("which", "remains", "a", "strength", "of", "the", "service", "overall") * 9)
    while len(textwrap.wrap(text, width)[-1]) < width - 3:
        text = text[:-1] + " " + next(filler) + "."
    return text


def _paragraph_texts(lines: list[str]) -> list[str]:
    return [b.text for b in blocks_of(content_lines("\n".join(lines) + "\n"))]


def test_a_long_run_together_paragraph_is_split_where_a_sentence_ends_a_full_line():
    ordinary = [_paragraph(f"Topic {n} matters") for n in range(8)]
    first = _full_last_line(_paragraph("Children's needs", 3))
    second = "Leaders know their service well. " + _paragraph("Decisions", 3)
    texts = _paragraph_texts(_wrapped(ordinary[:4] + [first, second] + ordinary[4:]))
    assert first in texts
    assert second in texts


def test_a_sentence_leaning_on_the_last_keeps_the_paragraph_whole():
    ordinary = [_paragraph(f"Topic {n} matters") for n in range(8)]
    first = _full_last_line(_paragraph("Children's needs", 3))
    second = "However, leaders know their service well. " + _paragraph("Decisions", 3)
    texts = _paragraph_texts(_wrapped(ordinary[:4] + [first, second] + ordinary[4:]))
    assert f"{first} {second}" in texts


def test_a_paragraph_of_usual_length_is_not_split():
    paragraphs = [_paragraph(f"Topic {n} matters") for n in range(8)]
    texts = _paragraph_texts(_wrapped(paragraphs))
    assert texts == paragraphs


def test_a_bullet_item_keeps_a_sentence_that_ended_a_full_line():
    ordinary = [_paragraph(f"Topic {n} matters", 2) for n in range(6)]
    # Its last line is short: the paragraph after it starts a block of its own.
    item = _full_last_line(_paragraph("Children's needs", 1)) + " Managers are visible."
    lines = _wrapped(ordinary[:3])
    lines += ["◼ " + line if k == 0 else line for k, line in enumerate(_wrapped([item]))]
    lines += _wrapped(ordinary[3:])
    blocks = blocks_of(content_lines("\n".join(lines) + "\n"))
    assert [b.text for b in blocks if b.kind == "bullet"] == [item]
    assert ordinary[3] in [b.text for b in blocks]


def _real_text(name: str) -> bytes:
    """A real letter's pdftotext text (fixtures/real/ keeps some letters as PDF only)."""
    path = SHARED_DIR / "real" / "jtai" / name
    require_shared(path)
    return path.read_bytes()


# Neither letter is one of the held-out ground truth's.
@pytest.mark.shared
def test_real_jtai_letter_paragraphs_run_together_by_pdftotext_are_split():
    letter = parse(_real_text("80418_norfolk_2025-02-27_jtai.txt"))
    openings = [
        "Services in Norfolk work well together to identify children",
        "Most multi-agency practitioners understand the needs and risks to children.",
        "Practitioners develop multi-agency safety plans with children",
        "Once the need for family help is identified,",
    ]
    for opening in openings:
        holding = [f.text for f in letter.findings if opening in f.text]
        assert len(holding) == 1, opening
        assert holding[0].startswith(opening)


@pytest.mark.shared
def test_real_case_study_is_not_split_by_length():
    letter = parse(_real_text("80557_south-tyneside_2016-04-05_jtai.txt"))
    opening = "There is a well coordinated multi-agency group involved with Josh"
    holding = [f.text for f in letter.findings if opening in f.text]
    assert len(holding) == 1
    assert holding[0].startswith(opening)
    assert "Josh is not able to form relationships" in holding[0]
