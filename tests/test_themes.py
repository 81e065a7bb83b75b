"""Themes: findings tagged as measured, retagging keeps editors' hands, pages render."""

import datetime
import importlib
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from bench.theme_quality import measure
from inspections import selectors
from inspections.importer import import_paths
from inspections.models import Authority, Category, Finding, FindingTheme, Theme, ThemeRejection
from inspections.themes import rules, services, tagging
from inspections.themes.labels import load_labels
from tests.conftest import REAL_FIXTURES, seed_path
from tests.factories import AuthorityFactory, FindingFactory, InspectionFactory

pytestmark = pytest.mark.django_db

CASELOADS = "caseloads-and-capacity"
SUPERVISION = "supervision"
OVERSIGHT = "management-oversight"


@pytest.fixture(autouse=True)
def taxonomy():
    # Transactional tests elsewhere empty the tables the 0002 migration seeded.
    services.load_taxonomy()


def slugs(finding: Finding) -> set[str]:
    return set(finding.themes.values_list("slug", flat=True))


def letter(authority: Authority, year: int, **kwargs):
    return InspectionFactory(authority=authority, letter_date=datetime.date(year, 3, 1), **kwargs)


# --- Quality -----------------------------------------------------------------------------


def test_labels_are_whole_and_split_by_council():
    labels = load_labels()
    build, test = load_labels(split="build"), load_labels(split="test")
    slugs_known = set(Theme.objects.values_list("slug", flat=True))

    assert (len(labels), len(build), len(test)) == (3294, 3119, 175)  # 700 + 2,594 extra
    assert len({label.id for label in labels}) == len(labels)  # no finding labelled twice
    assert not {label.council for label in build} & {label.council for label in test}
    assert {theme for label in labels for theme in label.themes} <= slugs_known


def test_the_tagger_tags_the_test_split_as_the_readme_says():
    """The figures of the held-apart split (README, Themes): a floor, so they cannot slip.

    Measured once, after the method was fixed on the build split; neither the rules nor the
    model were tuned on these findings. The targets (0.90, 0.85) are not met.
    """
    quality = measure(load_labels(split="test"))

    print(quality.report(errors=True))
    assert quality.findings == 175
    assert quality.precision() >= 0.70
    assert quality.recall() >= 0.76


# --- Tagging -----------------------------------------------------------------------------


def test_import_tags_each_finding_by_its_text():
    [result] = import_paths([seed_path(0)]).results

    findings = result.inspection.findings.all()
    ict = findings.get(text__startswith="The council's Information Communication Technology")
    assert "electronic-recording-systems" in slugs(ict)
    assert FindingTheme.objects.filter(finding=ict).first().assigned_by == "rule"
    assert "re-referrals" in slugs(findings.get(text__contains="rereferral rates"))


def test_rules_match_stemmed_text_and_never_the_heading():
    plural = FindingFactory(text="Social workers' caseloads are too high.", heading="Supervision")
    singular = FindingFactory(text="The caseload of one team is high.")
    neither = FindingFactory(text="Staff are well supported.", heading="Caseloads")

    tagging.tag_findings()

    assert slugs(plural) == {CASELOADS}
    assert slugs(singular) == {CASELOADS}
    assert slugs(neither) == set()


def test_tag_findings_can_be_limited_to_some_letters():
    tagged = FindingFactory(text="Supervision is irregular.")
    untouched = FindingFactory(text="Supervision is irregular.")

    added = tagging.tag_findings(inspection_ids=[tagged.inspection_id])

    assert added == 1
    assert slugs(tagged) == {SUPERVISION} and slugs(untouched) == set()


def test_retag_is_idempotent_and_keeps_editors_corrections():
    finding = FindingFactory(text="Caseloads are high and supervision is infrequent.")
    tagging.tag_findings()
    assert slugs(finding) == {CASELOADS, SUPERVISION}
    oversight = Theme.objects.get(slug=OVERSIGHT)
    supervision = Theme.objects.get(slug=SUPERVISION)

    # An editor adds management oversight and says the finding is not about supervision.
    services.correct_themes(finding=finding, themes=[Theme.objects.get(slug=CASELOADS), oversight])
    first = tagging.retag_all()
    second = tagging.retag_all()

    assert slugs(finding) == {CASELOADS, OVERSIGHT}
    assert FindingTheme.objects.get(finding=finding, theme=oversight).assigned_by == "editor"
    assert ThemeRejection.objects.filter(finding=finding, theme=supervision).exists()
    assert all(not change.added and not change.removed for change in first.values())
    assert first == second


def test_retag_follows_changed_rules_but_keeps_editor_rows():
    by_rule = FindingFactory(text="Supervision is irregular.")
    by_editor = FindingFactory(text="Supervision is irregular too.")
    tagging.tag_findings()
    supervision = Theme.objects.get(slug=SUPERVISION)
    services.correct_themes(finding=by_editor, themes=[supervision])  # already there: kept
    FindingTheme.objects.filter(finding=by_editor).update(assigned_by="editor")

    supervision.rules = "reflective supervision"
    supervision.save()
    changes = tagging.retag_all()

    assert changes[SUPERVISION].removed == [by_rule.pk]
    assert slugs(by_rule) == set()
    assert slugs(by_editor) == {SUPERVISION}


def test_adding_a_rejected_theme_back_lifts_the_rejection():
    finding = FindingFactory(text="Supervision is irregular.")
    tagging.tag_findings()
    supervision = Theme.objects.get(slug=SUPERVISION)
    services.correct_themes(finding=finding, themes=[])

    services.correct_themes(finding=finding, themes=[supervision])

    assert not ThemeRejection.objects.exists()
    assert FindingTheme.objects.get(finding=finding).assigned_by == "editor"


def test_retag_command_reports_each_theme_and_dry_run_writes_nothing():
    FindingFactory(text="Caseloads are too high.")
    out = StringIO()

    call_command("retag", "--dry-run", stdout=out)

    assert f"{CASELOADS}: +1 -0" in out.getvalue()
    assert "Dry run, nothing written: would have added 1, removed 0" in out.getvalue()
    assert not FindingTheme.objects.exists()
    call_command("retag", verbosity=0, stdout=StringIO())
    assert FindingTheme.objects.count() == 1


def test_rules_can_ask_for_words_near_each_other_for_several_parts_or_keep_a_theme_off(
    settings,
):
    settings.THEME_MODEL_FILE = ""  # the rules' own syntax, without the model's words
    theme = Theme.objects.get(slug=SUPERVISION)
    theme.rules = (
        "tsquery: (reflective | regular) <-> supervision\n"
        'unless: "supervision order"\n'
        "challenge && managers"
    )
    theme.save()
    near = FindingFactory(text="Staff have regular, reflective supervision.")
    far = FindingFactory(text="Supervision happens; staff say it is rarely reflective.")
    court = FindingFactory(text="Regular supervision; a supervision order was made.")
    both = FindingFactory(text="Managers offer challenge.")
    one = FindingFactory(text="Managers are visible.")

    tagging.retag_theme(theme)

    assert [SUPERVISION in slugs(f) for f in (near, far, court, both, one)] == [
        True,
        False,
        False,
        True,
        False,
    ]
    assert selectors.matching_rules(finding=near, theme=theme) == [
        "tsquery: (reflective | regular) <-> supervision"
    ]


def test_a_tsquery_line_postgresql_cannot_read_is_named():
    with pytest.raises(ValueError, match="tsquery: supervision <->"):
        rules.compile_rules("caseload\ntsquery: supervision <->")


def test_rules_with_only_stop_words_are_reported():
    lines = 'caseload\n# a comment\n"not the"\n\n"management oversight"'

    assert rules.rule_lines(lines) == ["caseload", '"not the"', '"management oversight"']
    assert rules.rules_without_terms(lines) == ['"not the"']
    assert rules.explain_rules("caseloads") == [("caseloads", "'caseload'")]


# --- Recurring weaknesses ----------------------------------------------------------------


def test_seed_001_caseloads_recur_because_the_letter_says_so():
    [result] = import_paths([seed_path(1)]).results

    recurring = {
        item.theme.slug: item for item in selectors.recurring_themes(result.inspection.authority)
    }

    caseloads = recurring[CASELOADS]
    assert caseloads.raised_before
    assert caseloads.years == [2012]
    [letter_entry] = caseloads.latest_letters
    assert letter_entry.raised_before
    caseload_weaknesses = result.inspection.findings.filter(
        themes__slug=CASELOADS, category__in=selectors.ADVERSE
    )
    assert letter_entry.finding_count == caseload_weaknesses.count() > 0
    assert caseload_weaknesses.filter(
        recurring=True, text__startswith="The caseloads of some social workers"
    ).exists()
    # Supervision is a weakness in that letter too, but not said to be raised before.
    assert SUPERVISION not in recurring


def test_a_theme_recurs_when_it_is_a_weakness_in_more_than_one_letter():
    council = AuthorityFactory()
    early, late = letter(council, 2015), letter(council, 2019)
    FindingFactory(inspection=early, text="Supervision is irregular.")
    FindingFactory(inspection=late, text="Supervision is not reflective.")
    FindingFactory(inspection=early, text="Caseloads are high.")
    FindingFactory(inspection=late, text="Caseloads are low.", category=Category.STRENGTH)
    tagging.tag_findings()

    recurring = selectors.recurring_themes(council)

    assert [item.theme.slug for item in recurring] == [SUPERVISION]
    assert recurring[0].years == [2015, 2019]
    assert [entry.inspection_id for entry in recurring[0].latest_letters] == [early.pk, late.pk]
    assert not recurring[0].raised_before


def test_a_weakness_repeated_between_any_two_letters_recurs():
    # Liverpool: the quality of assessments is to improve in 2019 and again in 2021.
    folder = REAL_FIXTURES / "focused_visits"
    import_paths([folder / "80485_liverpool_2019-05-24_fv.txt"])
    [result] = import_paths([folder / "80485_liverpool_2021-08-02_fv.txt"]).results

    recurring = {
        item.theme.slug: item for item in selectors.recurring_themes(result.inspection.authority)
    }

    assert recurring["assessment-quality"].years == [2019, 2021]


# --- Selectors ---------------------------------------------------------------------------


def test_year_series_fills_gaps_and_groups_other_categories():
    council = AuthorityFactory()
    FindingFactory(inspection=letter(council, 2010), text="Caseloads are high.")
    in_2013 = letter(council, 2013)
    FindingFactory(inspection=in_2013, text="Caseloads fell.", category=Category.STRENGTH)
    FindingFactory(inspection=in_2013, text="Caseloads vary.", category=Category.OVERVIEW)
    tagging.tag_findings()

    series = selectors.theme_year_series(Theme.objects.get(slug=CASELOADS))

    assert [year.year for year in series] == [2010, 2011, 2012, 2013]
    assert (series[0].development, series[1].total) == (1, 0)
    assert (series[3].strength, series[3].other, series[3].total) == (1, 1, 2)


def test_year_series_gives_each_year_as_a_share_of_its_findings():
    council = AuthorityFactory()
    few, many = letter(council, 2015), letter(council, 2016)
    FindingFactory(inspection=few, text="Caseloads are high.")
    FindingFactory(inspection=few, text="Plans are vague.")
    for text in ("Caseloads are high.", "Caseloads vary.", "Plans are vague.", "Staff stay."):
        FindingFactory(inspection=many, text=text)
        FindingFactory(inspection=letter(council, 2016), text=text)
    tagging.tag_findings()

    series = selectors.theme_year_series(Theme.objects.get(slug=CASELOADS))

    # Four times the findings in 2016, but the same share of them.
    assert [(year.total, year.all_findings) for year in series] == [(1, 2), (4, 8)]
    assert [year.total_share for year in series] == [0.5, 0.5]


def test_counts_top_councils_latest_findings_and_findings_page_selectors():
    busy, quiet = AuthorityFactory(name="Busy"), AuthorityFactory(name="Quiet")
    old, new = letter(busy, 2012), letter(quiet, 2020)
    first = FindingFactory(inspection=old, text="Caseloads are high.")
    FindingFactory(inspection=old, text="Caseloads and supervision both need work.")
    last = FindingFactory(inspection=new, text="Caseloads are manageable.", category="strength")
    tagging.tag_findings()
    caseloads = Theme.objects.get(slug=CASELOADS)

    counted = next(theme for theme in selectors.theme_counts() if theme.slug == CASELOADS)
    assert (counted.finding_count, counted.strength_count, counted.weakness_count) == (3, 1, 2)
    assert counted.authority_count == 2
    top = selectors.theme_top_authorities(caseloads)
    assert [(row.authority.name, row.finding_count, row.letter_count) for row in top] == [
        ("Busy", 2, 1),
        ("Quiet", 1, 1),
    ]
    # Per letter of the council: Busy's three more letters say nothing about caseloads.
    for year in (2013, 2014, 2015):
        FindingFactory(inspection=letter(busy, year), text="Plans are vague.")
    top = selectors.theme_top_authorities(caseloads)
    assert [(row.authority.name, row.all_letters, row.per_letter) for row in top] == [
        ("Quiet", 1, 1.0),
        ("Busy", 4, 0.5),
    ]
    assert list(selectors.latest_theme_findings(caseloads, limit=1)) == [last]
    tagged = selectors.themes_for_findings([first.pk])[first.pk]
    assert [theme.slug for theme in tagged] == [CASELOADS]


# --- Pages -------------------------------------------------------------------------------


def test_theme_list_shows_each_theme_with_its_count(client):
    FindingFactory(text="Caseloads are too high.")
    tagging.tag_findings()

    response = client.get(reverse("inspections:theme-list"))

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('<th scope="row">') == Theme.objects.count()
    assert html.count('<th scope="colgroup"') == 5  # the groups, in the field's order
    assert html.index("Help and protection") < html.index("Practice quality")
    assert reverse("inspections:theme-detail", args=[CASELOADS]) in html


def test_theme_page_has_chart_table_councils_and_escaped_findings(client):
    council = AuthorityFactory(name="Northshire")
    FindingFactory(
        inspection=letter(council, 2016), text="Caseloads are high <script>alert(1)</script>."
    )
    FindingFactory(inspection=letter(council, 2018), text="Caseloads fell.", category="strength")
    tagging.tag_findings()

    response = client.get(reverse("inspections:theme-detail", args=[CASELOADS]))

    html = response.content.decode()
    assert response.status_code == 200
    assert '<svg class="chart"' in html and html.count("<rect ") == 2
    assert "2016, areas for development: 1 of 1 findings (100.0%)" in html
    assert '<table class="chart-data">' in html and "100.0%" in html
    assert html.count('<th scope="row">201') == 3  # 2016, 2017 and 2018 rows
    assert "Northshire" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert f"{reverse('inspections:finding-list')}?theme={CASELOADS}" in html


def test_unknown_theme_is_not_found(client):
    assert (
        client.get(reverse("inspections:theme-detail", args=["no-such-theme"])).status_code == 404
    )


def test_council_page_lists_recurring_weaknesses(client):
    [result] = import_paths([seed_path(1)]).results

    response = client.get(result.inspection.authority.get_absolute_url())

    html = response.content.decode()
    assert "Recurring weaknesses" in html
    assert "Caseloads and capacity" in html and "raised before" in html


# --- Admin -------------------------------------------------------------------------------


def finding_form(finding: Finding, themes_rows: list[dict], rejections: list[dict]) -> dict:
    data = {
        "inspection": finding.inspection_id,
        "category": finding.category,
        "heading": finding.heading,
        "position": finding.position,
        "text": finding.text,
        "_save": "Save",
    }
    for prefix, rows in (("findingtheme_set", themes_rows), ("theme_rejections", rejections)):
        initial = sum(1 for row in rows if row.get("id"))
        data |= {
            f"{prefix}-TOTAL_FORMS": len(rows),
            f"{prefix}-INITIAL_FORMS": initial,
            f"{prefix}-MIN_NUM_FORMS": 0,
            f"{prefix}-MAX_NUM_FORMS": 1000,
        }
        for index, row in enumerate(rows):
            data |= {f"{prefix}-{index}-{key}": value for key, value in row.items()}
            data[f"{prefix}-{index}-finding"] = finding.pk
    return data


def test_admin_removing_a_rule_theme_rejects_it_and_adding_one_is_the_editors(admin_client):
    finding = FindingFactory(text="Caseloads are high and supervision is infrequent.")
    tagging.tag_findings()
    caseloads, supervision = FindingTheme.objects.filter(finding=finding).order_by("theme__slug")
    oversight = Theme.objects.get(slug=OVERSIGHT)
    url = reverse("admin:inspections_finding_change", args=[finding.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert "<code>caseloads</code>" in page.content.decode()  # why: the rule that matched

    response = admin_client.post(
        url,
        finding_form(
            finding,
            [
                {"id": caseloads.pk, "theme": caseloads.theme_id},
                {"id": supervision.pk, "theme": supervision.theme_id, "DELETE": "on"},
                {"theme": oversight.pk},
            ],
            [],
        ),
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert slugs(finding) == {CASELOADS, OVERSIGHT}
    assert ThemeRejection.objects.filter(finding=finding, theme__slug=SUPERVISION).exists()
    assert FindingTheme.objects.get(finding=finding, theme=oversight).assigned_by == "editor"
    tagging.retag_all()
    assert slugs(finding) == {CASELOADS, OVERSIGHT}


def test_admin_saving_changed_rules_retags_and_rejects_rules_of_stop_words(admin_client, settings):
    settings.THEME_MODEL_FILE = ""  # a theme tagged by its rules alone (one the model lacks)
    finding = FindingFactory(text="Chronologies are poor.")
    theme = Theme.objects.get(slug=SUPERVISION)
    url = reverse("admin:inspections_theme_change", args=[theme.pk])
    form = {"name": theme.name, "slug": theme.slug, "description": theme.description}

    refused = admin_client.post(url, form | {"rules": 'supervision\n"not the"'})
    saved = admin_client.post(url, form | {"rules": "supervision\nchronologies"}, follow=True)

    assert "only stop words" in refused.content.decode()
    assert saved.status_code == 200
    assert "1 added" in saved.content.decode()
    assert SUPERVISION in slugs(finding)


# --- The taxonomy migration --------------------------------------------------------------


def test_taxonomy_migration_keeps_what_editors_changed_and_adds_the_new_themes():
    from django.apps import apps

    migration = importlib.import_module(
        "inspections.migrations.0012_taxonomy_groups_and_new_themes"
    )
    seeded = {entry["slug"]: entry for entry in json.loads(migration.OLD_SEED.read_text())}
    Theme.objects.exclude(slug__in=seeded).delete()
    for slug, entry in seeded.items():  # the database as 0002 left it
        Theme.objects.filter(slug=slug).update(
            name=entry["name"],
            group="",
            description=entry["description"],
            rules="\n".join(entry["rules"]),
        )
    # An editor renamed one theme and wrote their own rules for another.
    Theme.objects.filter(slug=SUPERVISION).update(name="Supervision of staff")
    Theme.objects.filter(slug=CASELOADS).update(rules="caseload")

    migration.bring_taxonomy_up(apps, None)

    new = {entry["slug"]: entry for entry in json.loads(services.TAXONOMY_FILE.read_text())}
    assert Theme.objects.count() == len(new) == 45
    supervision = Theme.objects.get(slug=SUPERVISION)
    assert supervision.name == "Supervision of staff"
    assert supervision.description == new[SUPERVISION]["description"]
    assert supervision.rules == "\n".join(new[SUPERVISION]["rules"])
    assert supervision.group == "leadership-and-workforce"
    caseloads = Theme.objects.get(slug=CASELOADS)
    assert caseloads.rules == "caseload"
    assert caseloads.description == new[CASELOADS]["description"]
    assert Theme.objects.get(slug="care-leavers").group == "children-in-care"
