"""bench/theme_agreement.py: how two readers' themes are scored against each other."""

import json

import pytest

from bench.theme_agreement import (
    SECOND_READER_DIR,
    THEMES_FILE,
    compare,
    f1_interval,
    guide_examples,
    read_themes,
)
from inspections.themes.labels import load_labels

A, B = "care-leavers", "supervision"


def test_precision_recall_and_f1_are_micro_averaged_over_finding_theme_pairs():
    reference = {"1": frozenset({A, B}), "2": frozenset({A}), "3": frozenset()}
    other = {"1": frozenset({A}), "2": frozenset({A, B}), "3": frozenset({B})}

    agreement = compare(reference, other)

    # Both gave A twice; only the other gave B twice; only the reference gave B once.
    assert agreement.precision() == pytest.approx(2 / 4)
    assert agreement.recall() == pytest.approx(2 / 3)
    assert agreement.f1() == pytest.approx(2 * 2 / (2 * 2 + 2 + 1))
    assert (agreement.precision([A]), agreement.recall([A])) == (1.0, 1.0)
    assert agreement.precision([B]) == 0.0
    assert agreement.uses(B) == (1, 2)
    assert agreement.same_themes == 0
    # Swapping the readers swaps precision and recall; F1 is the same.
    swapped = compare(other, reference)
    assert swapped.precision() == pytest.approx(agreement.recall())
    assert swapped.f1() == pytest.approx(agreement.f1())


def test_kappa_is_agreement_beyond_chance():
    # The textbook table: 20 both yes, 5 only the reference, 10 only the other, 15 both no.
    cells = [({A}, {A})] * 20 + [({A}, set())] * 5 + [(set(), {A})] * 10 + [(set(), set())] * 15
    reference = {str(n): frozenset(r) for n, (r, _) in enumerate(cells)}
    other = {str(n): frozenset(o) for n, (_, o) in enumerate(cells)}

    agreement = compare(reference, other)

    assert agreement.kappa(A) == pytest.approx(0.4)  # observed 0.70, by chance 0.50
    assert compare(reference, reference).kappa(A) == pytest.approx(1.0)


def test_readers_must_cover_the_same_findings():
    with pytest.raises(ValueError, match="different findings"):
        compare({"1": frozenset()}, {"2": frozenset()})


def test_f1_interval_brackets_the_f1_and_is_degenerate_when_readers_agree():
    reference = {str(n): frozenset({A} if n % 2 else {B}) for n in range(40)}
    other = {n: themes | {A} if int(n) % 5 == 0 else themes for n, themes in reference.items()}

    low, high = f1_interval(reference, other, rounds=500)

    assert low <= compare(reference, other).f1() <= high < 1.0
    assert f1_interval(reference, reference, rounds=50) == (1.0, 1.0)


def test_the_second_readers_labels_cover_the_test_split_with_known_themes():
    known = {theme["slug"] for theme in json.loads(THEMES_FILE.read_text(encoding="utf-8"))}
    test_ids = {label.id for label in load_labels(split="test")}
    build_ids = {label.id for label in load_labels(split="build")}
    on_test = read_themes(SECOND_READER_DIR / "labels_test.jsonl")
    on_build = read_themes(SECOND_READER_DIR / "labels_build_sample.jsonl")

    assert set(on_test) == test_ids
    assert len(on_build) == 175 and set(on_build) <= build_ids
    assert {t for themes in [*on_test.values(), *on_build.values()] for t in themes} <= known


def test_the_guides_worked_examples_are_found_by_their_text():
    texts = {label.id: label.text for label in load_labels()}

    examples = guide_examples(texts)

    assert "80479_knowsley_2024-03-06_fv#24" in examples  # worked example 8
    assert not examples & {label.id for label in load_labels(split="test")}
