"""The rule pre-filter: PostgreSQL is asked only the themes a finding's lexemes leave
possible, and the features are still exactly what matching every theme gives."""

import pytest
from django.db import connection

from inspections.models import Theme
from inspections.themes import services
from inspections.themes.features import _lexemes, finding_features, text_features
from inspections.themes.labels import load_labels
from inspections.themes.rule_terms import RuleIndex, query_need
from inspections.themes.rules import compiled_query
from tests.factories import FindingFactory

pytestmark = pytest.mark.django_db


def every_theme_tried(finding_ids: list[int], queries: dict[str, str]) -> list[set[str]]:
    """Each finding's rule hits with every theme's query tried on it, as before the filter."""
    slugs = sorted(queries)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ARRAY[" + ", ".join(["v @@ %s::tsquery"] * len(slugs)) + "]"
            " FROM (SELECT r.n, ts_filter(f.search_vector, '{a}') AS v"
            "  FROM unnest(%s::bigint[]) WITH ORDINALITY AS r(id, n)"
            "  JOIN inspections_finding f ON f.id = r.id) AS x ORDER BY x.n",
            [*(queries[slug] for slug in slugs), finding_ids],
        )
        return [
            {slug for slug, hit in zip(slugs, hits, strict=True) if hit}
            for (hits,) in cursor.fetchall()
        ]


def test_the_filtered_hits_are_every_themes_hits_on_real_findings():
    services.load_taxonomy()
    queries = {
        slug: compiled_query(rules) for slug, rules in Theme.objects.values_list("slug", "rules")
    }
    queries = {slug: query for slug, query in queries.items() if query}
    texts = [label.text for label in load_labels(split="build")[:600]]
    ids = [FindingFactory(text=text).pk for text in texts]

    features = finding_features(ids, queries, opening_positions=15)

    expected = every_theme_tried(ids, queries)
    assert [set(found.rule_hits) for found in features] == expected
    assert sum(map(len, expected)) > 300  # real hits, of many themes
    assert len(set().union(*expected)) > 30


def test_themes_no_need_can_be_read_from_are_still_matched():
    # A negation matches what lacks a word, a prefix words not listed: no lexeme is needed.
    queries = {
        "no-caseloads": "!'caseload'",
        "supervis-prefix": "'superv':*",
        "phrase-unless": "'manag' <-> 'oversight' & !'leader'",
        "weighted": "'caseload':A",
    }
    finding = FindingFactory(text="Supervision is regular and management oversight is clear.")

    [found] = finding_features([finding.pk], queries, opening_positions=15)

    assert found.rule_hits == {"no-caseloads", "supervis-prefix", "phrase-unless"}
    assert found.rule_hits == every_theme_tried([finding.pk], queries)[0]


@pytest.mark.parametrize(
    ("query", "need"),
    [
        ("'caseload'", {frozenset({"caseload"})}),
        ("'caseload' | 'workload'", {frozenset({"caseload"}), frozenset({"workload"})}),
        ("'manag' <-> 'oversight'", {frozenset({"manag", "oversight"})}),
        (
            "'assess' <2> ( 'timeli' | 'delay' )",
            {frozenset({"assess", "timeli"}), frozenset({"assess", "delay"})},
        ),
        ("( 'caseload' ) & !( 'mani' <-> 'case' )", {frozenset({"caseload"})}),
        ("!'caseload'", None),
        ("'superv':*", None),
        ("'superv':* | 'caseload'", None),
        ("'superv':* & 'caseload'", {frozenset({"caseload"})}),
        ("'caseload':AB", {frozenset({"caseload"})}),
        ("'it''s' & 'a\\\\b'", {frozenset({"it's", "a\\b"})}),
    ],
)
def test_what_a_query_needs(query, need):
    assert query_need(query) == (frozenset(need) if need is not None else None)


def test_a_query_read_by_postgresql_is_read_alike():
    # As PostgreSQL prints it: its own quoting, precedence and parentheses.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT to_tsquery('english', 'caseloads & (high <-> demand | workload) & !many')::text"
        )
        [(text,)] = cursor.fetchall()

    assert query_need(text) == {
        frozenset({"caseload", "high", "demand"}),
        frozenset({"caseload", "workload"}),
    }


def test_the_index_names_only_the_themes_whose_needed_lexemes_are_all_there():
    index = RuleIndex(
        {
            "oversight": "'manag' <-> 'oversight' | 'rational'",
            "caseloads": "'caseload' & !'mani'",
            "anything-without": "!'caseload'",
            "unread": "'caseload' <-> ??? ",  # not read here: always left to PostgreSQL
        }
    )

    assert index.possible({"manag", "oversight", "team"}) == {
        "oversight",
        "anything-without",
        "unread",
    }
    assert index.possible({"manag", "team"}) == {"anything-without", "unread"}
    assert index.possible({"rational", "caseload"}) == {
        "oversight",
        "caseloads",
        "anything-without",
        "unread",
    }


def test_a_vectors_text_is_read_to_the_lexemes_postgresql_lists():
    # Quotes and backslashes inside lexemes are escaped in a tsvector's text.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT v::text, tsvector_to_array(v),"
            " ARRAY(SELECT l.lexeme FROM unnest(v) AS l WHERE l.positions[1] <= 3)"
            " FROM (VALUES (%s::tsvector), (to_tsvector('english', %s))) AS t(v)",
            [
                "'it''s':1A,9A 'a\\\\b':4 'x y':2A 'plain':3,5 'nopositions'",
                "Caseloads are high for some social workers, and supervision is infrequent.",
            ],
        )
        rows = cursor.fetchall()

    for text, lexemes, opening in rows:
        assert _lexemes(text, 3) == (frozenset(lexemes), frozenset(opening))
    assert "it's" in rows[0][1] and "a\\b" in rows[0][1]


def test_text_features_are_those_of_the_same_text_stored_as_a_finding():
    services.load_taxonomy()
    queries = {
        slug: compiled_query(rules) for slug, rules in Theme.objects.values_list("slug", "rules")
    }
    text = "Caseloads are too high, and management oversight of plans is not consistent."
    finding = FindingFactory(text=text)

    [from_text] = text_features([text], queries, opening_positions=15)
    [stored] = finding_features([finding.pk], queries, opening_positions=15)

    assert from_text == stored
    assert {"caseloads-and-capacity", "management-oversight"} <= from_text.rule_hits
