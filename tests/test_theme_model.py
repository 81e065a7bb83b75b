"""The trained theme model: rebuilt from the repo, scored in SQL as in Python, explained."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from inspections.importer import import_paths
from inspections.models import FindingTheme, Theme
from inspections.parsing.hyphens import compound_forms
from inspections.themes import services, tagging, train
from inspections.themes.features import finding_features
from inspections.themes.labels import load_labels
from inspections.themes.model import theme_model
from inspections.themes.rules import compiled_query
from tests.conftest import seed_path
from tests.factories import FindingFactory

pytestmark = pytest.mark.django_db

CASELOADS = "caseloads-and-capacity"
SUPERVISION = "supervision"


@pytest.fixture(autouse=True)
def taxonomy():
    services.load_taxonomy()


def slugs(finding) -> set[str]:
    return set(finding.themes.values_list("slug", flat=True))


def test_the_model_in_the_repo_is_what_training_makes_from_the_repo():
    """Trains from tests/theme_labels/ (a minute at most) and compares byte for byte: the
    file was written by an earlier run, so this also shows training is deterministic."""
    made_on = json.loads(Path(settings.THEME_MODEL_FILE).read_text())["postgresql"]
    if made_on != connection.pg_version // 10000:
        # make test's embedded server is the version the file is made on; another stems a
        # few words differently (train_themes --check says so rather than compare).
        pytest.skip(f"the model file was trained on PostgreSQL {made_on}'s lexemes")
    out = StringIO()

    call_command("train_themes", "--check", stdout=out)

    assert "is what training makes" in out.getvalue()


def test_the_model_records_the_inputs_it_was_trained_from():
    # Fails as soon as a label, a rule of the taxonomy file or the method changes untrained.
    import json
    from pathlib import Path

    from django.conf import settings

    content = json.loads(Path(settings.THEME_MODEL_FILE).read_text())

    assert content["inputs_sha256"] == train.inputs_digest()
    assert content["trained_on"] == {"labelled_findings": 3119, "editor_findings": 0}


def test_training_is_deterministic_and_never_reads_the_test_split():
    queries = train.taxonomy_rules()
    examples = train.labelled_examples(queries)[:400]
    slugs_ = sorted(queries)

    first = train.fit(examples, slugs_)
    second = train.fit(examples, slugs_)

    assert first == second
    assert len(train.labelled_examples(queries)) == len(load_labels(split="build"))


def test_scoring_in_sql_equals_scoring_in_python():
    texts = [label.text for label in load_labels(split="build")[:12]]
    findings = [FindingFactory(text=text) for text in texts]
    ids = [finding.pk for finding in findings]
    model = theme_model()
    queries = {
        slug: compiled_query(rules) for slug, rules in Theme.objects.values_list("slug", "rules")
    }

    in_sql = tagging.finding_scores(ids)
    features = finding_features(ids, queries, opening_positions=model.opening_positions)
    tagging.tag_findings()

    compared = opening_weighed = 0
    for finding, found in zip(findings, features, strict=True):
        kept = {"lexemes": set(found.lexemes), "opening": set(found.opening)}
        for slug in model:
            in_python = model.score(slug, **kept, rule_hits=set(found.rule_hits))
            assert in_sql.get((finding.pk, slug)) == pytest.approx(in_python, abs=1e-9)
            compared += in_python is not None
            opening_weighed += bool(found.opening & set(model.themes[slug].opening))
        # Every theme here is modelled: the tags are the Python scores above the threshold.
        assert slugs(finding) == model.tags(**kept, rule_hits=set(found.rule_hits))
    assert compared > 100
    assert opening_weighed > 10  # the opening words' weights are in both sums


def test_the_opening_words_are_those_of_the_first_positions():
    # Stop words take positions too: "caseload" is at position 2, "supervis" at 20.
    text = (
        "The caseloads of social workers are manageable, and they tell inspectors that"
        " they value the support and the regular supervision they receive."
    )
    finding = FindingFactory(text=text)

    [found] = finding_features([finding.pk], {}, opening_positions=15)

    assert {"caseload", "supervis"} <= found.lexemes
    assert "caseload" in found.opening
    assert "supervis" not in found.opening
    assert found.opening < found.lexemes


def test_import_tags_as_retagging_does():
    # The importer tags new findings in a statement of its own: with the model too, so that
    # retagging the archive afterwards changes nothing.
    import_paths([seed_path(0), seed_path(1)])

    changes = tagging.retag_all(dry_run=True)

    assert FindingTheme.objects.exists()
    assert not any(change.added or change.removed for change in changes.values())


def test_new_findings_get_the_themes_the_sql_tagger_gives():
    """The importer scores findings in Python before it stores them, re-tagging scores the
    stored findings in SQL: the same themes, for hundreds of real findings and a theme
    tagged by its rules alone."""
    texts = [label.text for label in load_labels(split="build")[:400]]
    by_rules = Theme.objects.create(slug="by-rules", name="By rules", rules="caseload")
    assert by_rules.slug not in theme_model()

    by_import, vectors = tagging.new_finding_themes(
        texts, extras=[compound_forms(text) for text in texts], headings=[""] * len(texts)
    )
    findings = [FindingFactory(text=text, heading="") for text in texts]
    tagging.tag_findings()
    by_sql = [
        sorted(FindingTheme.objects.filter(finding=finding).values_list("theme_id", flat=True))
        for finding in findings
    ]

    assert by_import == by_sql
    assert len({theme for ids in by_import for theme in ids}) > 20
    assert any(by_rules.pk in ids for ids in by_import)
    assert len(vectors) == len(texts)  # the vectors: tests/test_finding_search_vector.py


def test_a_short_finding_about_caseloads_is_tagged_by_the_model():
    finding = FindingFactory(text="Social workers' caseloads are too high.")

    tagging.tag_findings()

    assert CASELOADS in slugs(finding)
    assert CASELOADS in theme_model()


def test_an_editors_rejection_survives_retag_and_is_a_negative_example():
    finding = FindingFactory(text="Caseloads are high and supervision is infrequent.")
    tagging.tag_findings()
    assert {CASELOADS, SUPERVISION} <= slugs(finding)
    caseloads = Theme.objects.get(slug=CASELOADS)
    oversight = Theme.objects.get(slug="management-oversight")

    # Not about supervision, says the editor; and about management oversight.
    kept = [theme for theme in finding.themes.all() if theme.slug != SUPERVISION]
    services.correct_themes(finding=finding, themes=[*kept, oversight])
    tagging.retag_all()
    tagging.retag_all()

    assert SUPERVISION not in slugs(finding)
    assert {CASELOADS, "management-oversight"} <= slugs(finding)
    [example] = train.editor_examples(train.taxonomy_rules())
    assert example.labels == {SUPERVISION: False, "management-oversight": True}
    assert example.council == finding.inspection.authority.slug
    assert caseloads.slug not in example.labels  # kept as tagged: unknown, not a label


def test_admin_shows_the_words_that_weighed_most(admin_client):
    finding = FindingFactory(text="Social workers' caseloads are too high.")
    tagging.tag_findings()
    assert FindingTheme.objects.get(finding=finding, theme__slug=CASELOADS).assigned_by == "rule"

    page = admin_client.get(reverse("admin:inspections_finding_change", args=[finding.pk]))

    content = page.content.decode()
    assert "words that weighed most: <code>caseload</code> +" in content
    assert "above the threshold" in content
